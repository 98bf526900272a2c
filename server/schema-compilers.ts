import type { FastifySchemaCompiler } from 'fastify';
import type { FastifySerializerCompiler } from 'fastify/types/schema';
import { serializerCompiler as zodSerializer } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { validationError } from '../api/errors';
import { zodIssues } from '../api/zod-issues';

/**
 * Validation compiled from the routes' zod schemas. A body that does not fit is refused as every
 * handler refused it before: a 400 listing every problem by field (`validationError`), which the
 * one error mapper (server/errors.ts) sends as the contract's envelope. No body reads as `{}`, so
 * a missing body names the fields it lacks.
 */
export const contractValidator: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  return (data) => {
    const result = schema.safeParse(httpPart === 'body' ? (data ?? {}) : data);
    return result.success ? { value: result.data } : { error: validationError(zodIssues(result.error)) };
  };
};

/**
 * Answers are serialized through their zod schema (fastify-type-provider-zod): only the fields the
 * schema names leave, and an answer that breaks its schema is a 500 rather than a broken promise.
 * A plain JSON schema (the OpenAPI document's own `{ type: 'object' }`) is sent as it is.
 */
export const contractSerializer: FastifySerializerCompiler<unknown> = (route) =>
  route.schema instanceof z.ZodType
    ? zodSerializer(route as Parameters<typeof zodSerializer>[0])
    : (data: unknown) => JSON.stringify(data);
