import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  connectAccountSchema,
  connectedAccountSchema,
  connectStartedSchema,
  oauthCallbackQuerySchema,
  oauthExchangeSchema,
} from '../../api/oauth-schemas';
import type { OAuthConnectService } from '../../services/oauth-connect';
import { scope } from '../auth';
import { answer, AUTH_ERRORS, failure } from '../openapi/route-schemas';

const connect = {
  summary:
    "Connect an account: an OAuth platform's consent page (202), or a credential platform's account (201)",
  body: connectAccountSchema,
  response: {
    201: answer(connectedAccountSchema, 'Connected with the credentials given'),
    202: answer(connectStartedSchema, 'Send the person to auth_url'),
    400: failure(
      'Invalid body, unknown platform, unregistered redirect_uri, credentials the platform refused (account.invalid_credentials)',
    ),
    ...AUTH_ERRORS,
    404: failure('No such brand (brand.not_found, meta.field brand_id)'),
    501: failure(
      'The platform cannot be connected here yet, or its app is not configured (resource.not_supported)',
    ),
    502: failure('The platform could not check the credentials (platform.<platform>.api_error)'),
    503: failure('This process cannot reach the worker to check credentials (system.unavailable)'),
  },
};
const connectionErrors = {
  400: failure(
    'Unknown state (oauth.state_invalid), other redirect_uri (oauth.redirect_uri_mismatch), code refused (oauth.code_invalid), consent refused (oauth.consent_denied)',
  ),
  409: failure('The state was used already (oauth.state_used)'),
  410: failure('The connection expired (oauth.state_expired)'),
};
const exchange = {
  summary: 'Finish a connection with a code your client received itself',
  parsedByHandler: { body: oauthExchangeSchema },
  response: {
    200: answer(connectedAccountSchema, 'The account, created or reconnected'),
    ...connectionErrors,
    ...AUTH_ERRORS,
  },
};
const callback = {
  summary: "Postflow's OAuth callback: the platform sends the person here after consent",
  security: [],
  parsedByHandler: { querystring: oauthCallbackQuerySchema },
  response: {
    200: answer(connectedAccountSchema, 'The account (connections started without redirect_uri)'),
    302: {
      description: "To the connection's redirect_uri, with status, account_id or error, and your state",
    },
    ...connectionErrors,
    // The query is the platform's; a URL over the header limit is refused before the route.
    431: failure('The URL (request headers) is over 16 KB (validation.headers_too_large)'),
  },
};

/** Connecting accounts (contract §4, "Connect"): connect and exchange, with an API key. */
export function oauthRoutes(fastify: FastifyInstance, oauth: OAuthConnectService): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/v1/accounts/connect',
    { ...scope('accounts:manage'), schema: connect },
    async (request, reply) => {
      const answered = await oauth.connect(request.userId, request.body);
      return 'started' in answered
        ? reply.status(202).send(answered.started)
        : reply.status(201).send(answered.connected);
    },
  );

  app.post('/v1/oauth/exchange', { ...scope('accounts:manage'), schema: exchange }, async (request) =>
    oauth.exchange(request.userId, request.body),
  );
}

/**
 * `GET /v1/oauth/callback`, without an API key: a browser arrives here from the platform. The
 * connection's `state` (random, single use, expiring) is what binds it to its user.
 */
export function oauthCallbackRoute(app: FastifyInstance, oauth: OAuthConnectService): void {
  app.register(async (open) => {
    open.get('/v1/oauth/callback', { schema: callback }, async (request, reply) => {
      const answered = await oauth.callback(request.query);
      return 'redirect' in answered ? reply.redirect(answered.redirect, 302) : answered.result;
    });
  });
}
