import { z } from 'zod';

/** `POST /v1/accounts/connect` (contract §4): OAuth platforms take the first five fields, others their credentials. */
export const connectAccountSchema = z
  .object({
    platform: z.string().min(1),
    redirect_uri: z
      .string()
      .url()
      .optional()
      .describe(
        'Where the person is sent back after consent: one you registered (POST /v1/oauth/redirect-uris) or in POSTFLOW_OAUTH_REDIRECT_URIS, exactly (OAuth platforms)',
      ),
    state: z
      .string()
      .max(500)
      .optional()
      .describe('Your own state, handed back on that redirect (OAuth platforms)'),
    metadata: z.record(z.string(), z.unknown()).optional().describe('Your data, handed back with the result'),
    brand_id: z.string().min(1).optional().describe('One of your brands (GET /v1/brands)'),
    name: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("The account's name (credential platforms; OAuth platforms take the profile's)"),
    credentials: z
      .record(z.string(), z.string())
      .optional()
      .describe("The platform's credentials (credential platforms: app password, bot token…)"),
  })
  .strict();

export type ConnectAccountBody = z.infer<typeof connectAccountSchema>;

/** `202` of connect for an OAuth platform: send the person to `auth_url`. */
export const connectStartedSchema = z.object({
  auth_url: z.string(),
  state: z.string().describe("The connection's state: what the callback and POST /v1/oauth/exchange name"),
  message: z.string(),
});

/** The connected account (connect of a credential platform, the callback, the exchange). */
export const connectedAccountSchema = z.object({
  account_id: z.string(),
  platform: z.string(),
  username: z.string().nullable(),
  display_name: z.string().nullable(),
  profile_picture_url: z.string().nullable(),
  /** false: an account of the same platform user existed and was reconnected. */
  created: z.boolean(),
  /** The caller's `metadata` as connect got it; `{}` without. */
  metadata: z.record(z.string(), z.unknown()),
});

/** `POST /v1/oauth/exchange`: a code the caller received itself, with the connection's state. */
export const oauthExchangeSchema = z
  .object({
    platform: z.string().min(1),
    code: z.string().min(1).max(4000),
    metadata: z
      .object({
        state: z.string().min(1).max(200),
        redirect_uri: z.string().optional().describe('When given, must be the one connect was called with'),
      })
      .strict(),
  })
  .strict();

/** `GET /v1/oauth/callback`: the platform's redirect. */
export const oauthCallbackQuerySchema = z.object({
  state: z.string().max(200).optional(),
  code: z.string().max(4000).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

/** `POST /v1/oauth/redirect-uris`: a URI connect may send the user's people back to. */
export const addRedirectUriSchema = z
  .object({
    redirect_uri: z
      .string()
      .max(2000)
      .describe(
        'An absolute https URL without fragment (http only on localhost, 127.0.0.1 or [::1]); matched exactly',
      ),
  })
  .strict();

/** One registered redirect URI. */
export const redirectUriResourceSchema = z.object({
  id: z.string(),
  redirect_uri: z.string(),
  created_at: z.string(),
});

/** `GET /v1/oauth/redirect-uris`: the user's own; the operator's list applies to everyone besides. */
export const redirectUriListSchema = z.object({
  count: z.number().int(),
  data: z.array(redirectUriResourceSchema),
});
