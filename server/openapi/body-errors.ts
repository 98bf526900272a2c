import { error, type Json } from './shared';

/**
 * What any request that carries a body may get before its route runs, from fastify's body
 * parsing: 400 for a body that is not what its content type says (malformed JSON, a broken
 * multipart body), 413 past the size limit, 415 for a content type the route does not take.
 */
const BODY_ERRORS: Json = {
  '400': error('The body is malformed or invalid (validation.body_invalid, validation.*)'),
  '413': error('The body is larger than the limit (validation.body_too_large)'),
  '415': error('The content type is not one this operation takes (validation.body_invalid)'),
};
const WITH_BODY = ['post', 'put', 'patch'];

/** Adds the body errors to every operation that takes a body, keeping any it documents itself. */
export function withBodyErrors(paths: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(paths).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item).map(([method, operation]) => {
          if (!WITH_BODY.includes(method)) return [method, operation];
          const op = operation as { responses?: Json };
          return [method, { ...op, responses: { ...BODY_ERRORS, ...op.responses } }];
        }),
      ),
    ]),
  );
}
