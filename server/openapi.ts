import { z } from 'zod';
import {
  accountResourceSchema,
  errorEnvelopeSchema,
  postResourceSchema,
  sandboxItemSchema,
  validationReportSchema,
} from '../api/resources';
import { createAccountSchema, createPostSchema, updatePostSchema } from '../api/schemas';

type Json = Record<string, unknown>;

/** A zod schema as an OpenAPI 3.1 (JSON Schema 2020-12) schema object. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(ref('Error'), description);
const id = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

const AUTH_ERRORS = {
  '401': error('Missing, unknown or revoked API key (auth.unauthorized, auth.invalid_key)'),
  '403': error('The key lacks the scope (auth.insufficient_scope)'),
};

/**
 * The OpenAPI 3.1 document of the HTTP API, built from the same zod schemas that validate
 * requests, so it cannot drift from them.
 */
export function openApiDocument(serverUrl: string): Json {
  const postAnswer = {
    '200': json(ref('Post'), 'The post'),
    ...AUTH_ERRORS,
    '404': error('No such post (post.not_found)'),
  };
  const change = {
    ...postAnswer,
    '400': error('Invalid change (validation.*)'),
    '409': error("Not allowed in the post's state (post.state_invalid)"),
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Postflow API',
      version: '1',
      description: 'Durable social publishing on Temporal; compatible with the SocialAPI posts contract.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    paths: {
      '/healthz': {
        get: {
          security: [],
          responses: {
            '200': json(
              { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] },
              'Alive',
            ),
          },
        },
      },
      '/v1/posts': {
        post: {
          summary: 'Create, schedule or draft a post',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', maxLength: 255 },
            },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('CreatePost') } } },
          responses: {
            '201': json(ref('Post'), 'Published, publishing, scheduled or drafted'),
            '207': json(ref('Post'), 'Some targets failed'),
            '400': error('Invalid body (validation.*), every problem in meta.errors'),
            ...AUTH_ERRORS,
            '404': error('Unknown account (account.not_found)'),
            '422': error('Every target failed (publishing.delivery.all_failed); the post in meta.post'),
          },
        },
      },
      '/v1/posts/validate': {
        post: {
          summary: 'Dry-run validation',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
          responses: { '200': json(ref('ValidationReport'), 'Problems and warnings'), ...AUTH_ERRORS },
        },
        get: {
          summary: 'Per-platform constraints',
          parameters: [{ name: 'platform', in: 'query', required: false, schema: { type: 'string' } }],
          responses: {
            '200': json(
              { type: 'object', properties: { data: { type: 'object' } }, required: ['data'] },
              'Constraints by platform',
            ),
            '400': error('Unknown platform'),
            ...AUTH_ERRORS,
          },
        },
      },
      '/v1/posts/{id}': {
        parameters: [id('id')],
        get: { summary: 'Get a post', responses: postAnswer },
        patch: {
          summary: 'Reschedule or edit a draft or scheduled post',
          requestBody: { required: true, content: { 'application/json': { schema: ref('UpdatePost') } } },
          responses: change,
        },
        delete: {
          summary: 'Cancel a draft or scheduled post',
          responses: {
            ...change,
            '200': json(
              {
                type: 'object',
                properties: {
                  success: { type: 'boolean' },
                  id: { type: 'string' },
                  status: { type: 'string' },
                  post: ref('Post'),
                },
                required: ['success', 'id', 'status', 'post'],
              },
              'Cancelled',
            ),
          },
        },
      },
      '/v1/posts/{id}/publish': {
        parameters: [id('id')],
        post: {
          summary: 'Publish a draft or scheduled post now',
          responses: {
            '201': json(ref('Post'), 'Published or publishing'),
            '207': json(ref('Post'), 'Some targets failed'),
            '422': error('Every target failed'),
            ...AUTH_ERRORS,
            '404': error('No such post'),
            '409': error("Not allowed in the post's state"),
          },
        },
      },
      '/v1/posts/{id}/retry': {
        parameters: [id('id')],
        post: {
          summary: 'Retry the failed targets of a partial or failed post',
          responses: {
            '200': json(
              {
                type: 'object',
                properties: { success: { type: 'boolean' }, post: ref('Post') },
                required: ['success', 'post'],
              },
              'Retrying',
            ),
            '400': error('Nothing to retry (post.no_retryable_deliveries)'),
            ...AUTH_ERRORS,
            '404': error('No such post'),
            '409': error("Not allowed in the post's state"),
          },
        },
      },
      '/v1/accounts': {
        post: {
          summary: 'Register an account',
          requestBody: { required: true, content: { 'application/json': { schema: ref('CreateAccount') } } },
          responses: { '201': json(ref('Account'), 'Created'), '400': error('Invalid body'), ...AUTH_ERRORS },
        },
        get: {
          summary: 'List accounts',
          responses: {
            '200': json(
              {
                type: 'object',
                properties: { count: { type: 'integer' }, data: { type: 'array', items: ref('Account') } },
                required: ['count', 'data'],
              },
              'Accounts',
            ),
            ...AUTH_ERRORS,
          },
        },
      },
      '/v1/accounts/{id}': {
        parameters: [id('id')],
        get: {
          summary: 'Get an account',
          responses: {
            '200': json(ref('Account'), 'The account'),
            ...AUTH_ERRORS,
            '404': error('No such account'),
          },
        },
        delete: {
          summary: 'Delete an account and its credentials',
          responses: { '204': { description: 'Deleted' }, ...AUTH_ERRORS, '404': error('No such account') },
        },
      },
      '/v1/sandbox/{account_id}/posts': {
        parameters: [id('account_id')],
        get: {
          summary: 'What the sandbox platform published for an account',
          responses: {
            '200': json(
              {
                type: 'object',
                properties: { data: { type: 'array', items: ref('SandboxPost') } },
                required: ['data'],
              },
              'Published items',
            ),
            ...AUTH_ERRORS,
            '404': error('No such sandbox account'),
          },
        },
      },
      '/v1/sandbox/posts/{platform_post_id}': {
        parameters: [id('platform_post_id')],
        get: {
          summary: 'A sandbox post (its permalink)',
          responses: {
            '200': json(ref('SandboxPost'), 'The item'),
            ...AUTH_ERRORS,
            '404': error('No such item'),
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: sapi_key_…' } },
      schemas: {
        CreatePost: schemaOf(createPostSchema, 'input'),
        UpdatePost: schemaOf(updatePostSchema, 'input'),
        CreateAccount: schemaOf(createAccountSchema, 'input'),
        Post: schemaOf(postResourceSchema, 'output'),
        Account: schemaOf(accountResourceSchema, 'output'),
        ValidationReport: schemaOf(validationReportSchema, 'output'),
        SandboxPost: schemaOf(sandboxItemSchema, 'output'),
        Error: schemaOf(errorEnvelopeSchema, 'output'),
      },
    },
  };
}
