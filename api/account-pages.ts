import { z } from 'zod';

/** One page (Facebook Page, Instagram business account, LinkedIn organization) of an account's grant. */
export const accountPageSchema = z.object({
  id: z
    .string()
    .describe(
      "The platform's id of the page (Facebook Page id, Instagram user id, LinkedIn organization id)",
    ),
  name: z.string(),
  picture_url: z.string().nullable(),
  is_default: z.boolean().describe("The account's posts go to this page (one page is the default)"),
});

export const accountPageListSchema = z.object({
  count: z.number().int(),
  data: z.array(accountPageSchema),
});

/** `PATCH /v1/accounts/{id}/pages/{pageId}`: make this page the one the account posts to. */
export const chooseAccountPageSchema = z
  .object({
    is_default: z
      .literal(true)
      .describe('true: the account posts to this page from now on (choose another page to move it)'),
  })
  .strict();

export type AccountPage = z.infer<typeof accountPageSchema>;
