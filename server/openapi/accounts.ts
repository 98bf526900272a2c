import { AUTH_ERRORS, body, error, idempotencyKey, json, type Json, pathId, ref } from './shared';

export const accountPaths: Record<string, Json> = {
  '/v1/me': {
    get: {
      summary: 'The user and scopes of the calling API key (needs no scope)',
      responses: {
        '200': json(ref('Me'), 'The key'),
        '401': error('Missing, unknown or revoked API key'),
      },
    },
  },
  '/v1/accounts': {
    post: {
      summary: 'Register an account with its credentials',
      parameters: [idempotencyKey],
      requestBody: body(ref('CreateAccount')),
      responses: { '201': json(ref('Account'), 'Created'), '400': error('Invalid body'), ...AUTH_ERRORS },
    },
    get: {
      summary: 'List accounts',
      responses: {
        '200': json(ref('AccountList'), 'Accounts'),
        ...AUTH_ERRORS,
      },
    },
  },
  '/v1/accounts/{id}': {
    parameters: [pathId('id')],
    get: {
      summary: 'Get an account',
      responses: {
        '200': json(ref('Account'), 'The account'),
        ...AUTH_ERRORS,
        '404': error('No such account'),
      },
    },
    patch: {
      summary: 'Rename an account, or reconnect it with fresh credentials',
      requestBody: body(ref('UpdateAccount')),
      responses: {
        '200': json(ref('Account'), 'Updated'),
        '400': error('Invalid body'),
        ...AUTH_ERRORS,
        '404': error('No such account'),
      },
    },
    delete: {
      summary: 'Delete an account and its credentials',
      responses: { '204': { description: 'Deleted' }, ...AUTH_ERRORS, '404': error('No such account') },
    },
  },
  '/v1/accounts/{id}/reconnect': {
    parameters: [pathId('id')],
    post: {
      summary: 'Reconnect an account (reconnect_required → active) with fresh credentials',
      requestBody: body(ref('ReconnectAccount')),
      responses: {
        '200': json(ref('Account'), 'Active again'),
        '400': error('Invalid body'),
        ...AUTH_ERRORS,
        '404': error('No such account'),
      },
    },
  },
  '/v1/sandbox/{account_id}/posts': {
    parameters: [pathId('account_id')],
    get: {
      summary: 'What the sandbox platform published for an account',
      responses: {
        '200': json(ref('SandboxPostList'), 'Published items'),
        ...AUTH_ERRORS,
        '404': error('No such sandbox account'),
      },
    },
  },
  '/v1/sandbox/posts/{platform_post_id}': {
    parameters: [pathId('platform_post_id')],
    get: {
      summary: 'A sandbox post (its permalink)',
      responses: {
        '200': json(ref('SandboxPost'), 'The item'),
        ...AUTH_ERRORS,
        '404': error('No such item'),
      },
    },
  },
};
