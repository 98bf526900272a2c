import { z } from 'zod';
import { errorEnvelopeSchema } from '../../api/resources';

/** A request body by content type, for bodies that are not JSON (multipart, raw bytes). */
export interface BodyContent {
  content: Record<string, { schema: z.ZodType }>;
}

declare module 'fastify' {
  interface FastifySchema {
    /**
     * Parts of the request the route documents but parses itself, with the same zod schemas:
     * where the contract orders a lookup first (an unknown id is a 404 whatever the body, an
     * Idempotency-Key replays before the body is read), where a dry run reports problems instead
     * of refusing them, and query strings and headers, whose contract messages and empty-means-
     * absent reading are the handlers'. They are in the document, not in fastify's validation.
     */
    parsedByHandler?: {
      body?: z.ZodType | BodyContent;
      querystring?: z.ZodObject;
      headers?: z.ZodObject;
    };
    /** The body may be left out; it then reads as `{}`. */
    optionalBody?: boolean;
  }
}

/** A JSON answer: its schema, and what it means. */
export const answer = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** An error answer (the contract's envelope), and when it is given. */
export const failure = (description: string) => answer(errorEnvelopeSchema, description);

/** An answer without a body. */
export const noContent = (description: string) => z.null().optional().describe(description);

/** Raw bytes, in or out (`*` content types). */
export const binary = () => z.string().meta({ format: 'binary' });

export const AUTH_ERRORS = {
  401: failure('Missing, unknown or revoked API key (auth.unauthorized, auth.invalid_key)'),
  403: failure('The key lacks the scope (auth.insufficient_scope)'),
};

/** Path parameters, all strings. */
export const pathParams = <K extends string>(...names: K[]) =>
  z.object(Object.fromEntries(names.map((name) => [name, z.string()])) as Record<K, z.ZodString>);

/** An optional query parameter: a string unless `schema` says otherwise. */
export const queryParam = (description: string, schema: z.ZodType = z.string()) =>
  schema.optional().describe(description);

export const idempotencyKeyHeader = z.object({
  'Idempotency-Key': z
    .string()
    .max(255)
    .optional()
    .describe('Repeating a request with the same key returns what the first one created.'),
});

/** The page size of a list: 1 to 100. */
export const pageSize = (fallback: number) => z.number().int().min(1).max(100).default(fallback);
