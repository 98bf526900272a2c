import { z } from 'zod';

export type Json = Record<string, unknown>;

/** A zod schema as an OpenAPI 3.1 (JSON Schema 2020-12) schema object. */
export function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: Json, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
export const body = (schema: Json) => ({ required: true, content: { 'application/json': { schema } } });
export const error = (description: string) => json(ref('Error'), description);
export const pathId = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
export const query = (name: string, description: string, schema: Json = { type: 'string' }) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
export const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Repeating a request with the same key returns what the first one created.',
  schema: { type: 'string', maxLength: 255 },
};
export const success = () => ({
  type: 'object',
  properties: { success: { type: 'boolean' } },
  required: ['success'],
  additionalProperties: false,
});

export const AUTH_ERRORS = {
  '401': error('Missing, unknown or revoked API key (auth.unauthorized, auth.invalid_key)'),
  '403': error('The key lacks the scope (auth.insufficient_scope)'),
};
