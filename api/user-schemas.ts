import { z } from 'zod';

/**
 * Bodies of the routes a user manages themselves with: their keys (`/v1/keys`) and their profile
 * (`/v1/users/me`). Unknown fields are refused: Postflow acts on every field it accepts.
 */

/** `POST /v1/keys`. The scopes' names are checked by the key service, which knows them. */
export const createKeySchema = z
  .object({
    name: z.string().trim().min(1, 'give the key a name, e.g. "zapier".').max(200),
    scopes: z
      .array(z.string().min(1))
      .min(1, 'name at least one scope, or leave scopes out for the user scopes your key holds.')
      .max(50)
      .optional()
      .describe(
        'Scopes of the new key, each held by the calling key. Without it: the user scopes the calling key holds (never keys:manage).',
      ),
  })
  .strict();

/** `PATCH /v1/users/me`: null clears a field. */
export const updateUserSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'must not be empty; send null to clear it.')
      .max(200)
      .nullable()
      .optional(),
    email: z
      .email({ error: 'must be an email address such as ada@example.com.' })
      .max(254)
      .nullable()
      .optional(),
  })
  .strict();
