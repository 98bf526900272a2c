import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { z } from 'zod';
import { documented, type Json } from './components';
import type { BodyContent } from './route-schemas';

type Content = Record<string, { schema: unknown }>;

/** A zod schema as documented; anything else (a plain JSON schema) as it is. */
const jsonOf = (schema: unknown, io: 'input' | 'output') =>
  schema instanceof z.ZodType ? documented(schema, io) : schema;
const contentOf = (content: Content, io: 'input' | 'output') =>
  Object.fromEntries(
    Object.entries(content).map(([type, { schema }]) => [type, { schema: jsonOf(schema, io) }]),
  );

/**
 * @fastify/swagger's per-route step: the route's zod schemas (those fastify validates with and
 * those the handler parses with) become the JSON schemas the operation is rendered from.
 */
export const routeToOpenApi: SwaggerTransform = ({ schema, url }) => {
  if (!schema) return { schema, url };
  const { body, querystring, params, headers, response, parsedByHandler, optionalBody, ...rest } = schema;
  const parts = { body, querystring, params, headers, ...parsedByHandler };
  const out: Json = { ...rest };
  if (parts.body) {
    const content = (parts.body as BodyContent).content;
    out.body = content ? { content: contentOf(content, 'input') } : jsonOf(parts.body, 'input');
  }
  for (const part of ['querystring', 'params', 'headers'] as const) {
    if (parts[part]) out[part] = jsonOf(parts[part], 'input');
  }
  if (optionalBody) out['x-optional-body'] = true;
  if (response) {
    out.response = Object.fromEntries(
      Object.entries(response as Record<string, unknown>).map(([status, answer]) => {
        const { description, content } = answer as { description?: string; content?: Content };
        return [
          status,
          content ? { description, content: contentOf(content, 'output') } : jsonOf(answer, 'output'),
        ];
      }),
    );
  }
  return { schema: out as typeof schema, url };
};

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/**
 * What any request that carries a body may get before its route runs, from fastify's body
 * parsing: 400 for a body that is not what its content type says (malformed JSON, a broken
 * multipart body), 413 past the size limit, 415 for a content type the route does not take.
 */
const BODY_ERRORS = {
  '400': error('The body is malformed or invalid (validation.body_invalid, validation.*)'),
  '413': error('The body is larger than the limit (validation.body_too_large)'),
  '415': error('The content type is not one this operation takes (validation.body_invalid)'),
};
const WITH_BODY = ['post', 'put', 'patch'];

/**
 * @fastify/swagger's last step: every operation that takes a body gets the body errors (keeping
 * any it documents itself), and a body a route may leave out is not required.
 */
export const documentBodyHandling: SwaggerTransformObject = (documentObject) => {
  const { openapiObject } = documentObject as { openapiObject: { paths?: Record<string, Json> } };
  for (const item of Object.values(openapiObject.paths ?? {})) {
    for (const [method, operation] of Object.entries(item) as Array<[string, Json]>) {
      if (operation['x-optional-body']) {
        (operation.requestBody as Json).required = false;
        delete operation['x-optional-body'];
      }
      if (WITH_BODY.includes(method)) {
        operation.responses = { ...BODY_ERRORS, ...(operation.responses as Json) };
      }
    }
  }
  return openapiObject as ReturnType<SwaggerTransformObject>;
};
