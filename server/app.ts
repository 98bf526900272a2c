import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { PostflowClient } from '../client';
import type { MediaLibrary } from '../media';
import type { Store } from '../store/types';
import { bearerAuth } from './auth';
import { clientErrorEnvelope, continueOnlyWhenReading, strictJsonBodies } from './body-guards';
import { codecEndpoint, type CodecEndpointOptions } from './codec-endpoint';
import { registerErrorHandling } from './errors';
import { observeRequests } from './request-observer';
import type { PostflowMetrics } from '../runtime/metrics';
import { serveOpenApi } from './openapi';
import { answer, failure } from './openapi/route-schemas';
import { contractSerializer, contractValidator } from './schema-compilers';
import { meSchema } from '../api/resources';
import { z } from 'zod';
import { accountPageRoutes } from './routes/account-pages';
import { accountRoutes } from './routes/accounts';
import { oauthCallbackRoute, oauthRoutes } from './routes/oauth';
import { redirectUriRoutes } from './routes/oauth-redirect-uris';
import { brandRoutes } from './routes/brands';
import { queueRoutes } from './routes/queues';
import { accountHelperRoutes } from './routes/account-helpers';
import { mediaFileRoutes, mediaRoutes } from './routes/media';
import { keyRoutes } from './routes/keys';
import { postImportRoutes } from './routes/post-imports';
import { postRoutes } from './routes/posts';
import { recurringPostRoutes } from './routes/recurring-posts';
import { sandboxRoutes } from './routes/sandbox';
import { userRoutes } from './routes/users';
import { webhookRoutes } from './routes/webhooks';
import { AccountService } from '../services/accounts';
import {
  DEFAULT_OAUTH_STATE_TTL_MS,
  type OAuthConnectDeps,
  OAuthConnectService,
} from '../services/oauth-connect';
import { RedirectUriService } from '../services/oauth-redirect-uris';
import type { OAuthSecrets } from '../codec/oauth-secrets';
import { BrandService } from '../services/brands';
import { KeyService } from '../services/keys';
import { MediaService } from '../services/media';
import { MediaFileService } from '../services/media-files';
import { SandboxService } from '../services/sandbox';
import { UsageService } from '../services/usage';
import { UserService } from '../services/users';
import { WebhookService } from '../services/webhooks';

export interface AppOptions {
  client: PostflowClient;
  store: Store;
  media: MediaLibrary;
  /** Where clients reach the API (the OpenAPI document's server URL). */
  publicUrl?: string;
  /** Let webhook URLs use http and private addresses (development, tests). @default false */
  allowPrivateUrls?: boolean;
  /** How long a publish-now request waits for the post to settle. */
  syncWaitMs: number;
  /** Log level of the API's own log (unexpected errors are logged at `error`). @default 'warn' */
  logLevel?: string;
  /** The process's logger (pino); replaces `logLevel`. @default a pino logger of fastify's at `logLevel` */
  logger?: FastifyBaseLogger;
  /** Where request counts and durations go (docs/observability.md). @default not counted */
  metrics?: PostflowMetrics;
  /** Serve Temporal's remote codec protocol at /codec (only when payloads are encrypted). */
  codec?: CodecEndpointOptions;
  /** Connecting accounts over OAuth (docs/api.md "Connecting accounts"). @default unavailable (503) */
  oauth?: {
    connections: NonNullable<OAuthConnectDeps['connections']>;
    secrets: OAuthSecrets;
    /** Credential platforms' connect asks the platform through these. @default connect answers 503 for them */
    credentialChecks?: NonNullable<OAuthConnectDeps['credentialChecks']>;
    /** POSTFLOW_OAUTH_REDIRECT_URIS. */
    redirectUris: readonly string[];
    /** @default 10 minutes */
    stateTtlMs?: number;
    /** @default process.env */
    env?: Record<string, string | undefined>;
  };
}

const CLIENT_REQUEST_ID = /^[a-zA-Z0-9_-]{1,64}$/;

declare module 'fastify' {
  interface FastifyInstance {
    servedRoutes: string[];
  }
}

/**
 * The application services the routes call, made once per app. Their constructors only store
 * their dependencies and use them when a method is called, so the OpenAPI document can build the
 * app with placeholders.
 */
function appServices({
  client,
  store,
  media: library,
  allowPrivateUrls = false,
  publicUrl,
  oauth,
}: AppOptions) {
  const accounts = new AccountService({ store, allowPrivateUrls });
  const redirectUris = new RedirectUriService(store, oauth?.redirectUris ?? []);
  return {
    keys: new KeyService({ store }),
    accounts,
    oauth: new OAuthConnectService({
      store,
      accounts,
      ...(oauth ? { connections: oauth.connections, secrets: oauth.secrets } : {}),
      ...(oauth?.credentialChecks ? { credentialChecks: oauth.credentialChecks } : {}),
      callbackUrl: `${(publicUrl ?? '').replace(/\/$/, '')}/v1/oauth/callback`,
      redirects: redirectUris,
      stateTtlMs: oauth?.stateTtlMs ?? DEFAULT_OAUTH_STATE_TTL_MS,
      env: oauth?.env ?? process.env,
    }),
    redirectUris,
    brands: new BrandService({ store }),
    media: new MediaService({
      store,
      library,
      postsUsingMedia: (userId, mediaId) => client.forUser(userId).posts.usingMedia(mediaId),
    }),
    mediaFiles: new MediaFileService({ store, library }),
    sandbox: new SandboxService({ store }),
    webhooks: new WebhookService({ store, allowPrivateUrls }),
    users: new UserService({ store }),
    usage: new UsageService({
      store,
      library,
      countPosts: (userId, from, to) => client.forUser(userId).posts.countCreated(from, to),
    }),
  };
}

/** Builds the HTTP API (not listening yet). */
export function buildApp(options: AppOptions): FastifyInstance {
  const services = appServices(options);
  const app = Fastify({
    ...(options.logger
      ? { loggerInstance: options.logger }
      : { logger: { level: options.logLevel ?? 'warn' } }),
    disableRequestLogging: true,
    bodyLimit: 1024 * 1024,
    clientErrorHandler: clientErrorEnvelope,
    // The contract: a client's X-Request-ID is kept when well-formed, else 8 hex characters are made.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && CLIENT_REQUEST_ID.test(given)
        ? given
        : randomBytes(4).toString('hex');
    },
  });
  // Every route served, as "METHOD /path" (the OpenAPI test checks each one is documented).
  const served: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') served.push(`${method} ${route.url}`);
  });
  app.decorate('servedRoutes', served);
  observeRequests(app, options.metrics);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-ID', request.id);
  });
  app.decorateRequest('userId', '');
  app.decorateRequest('apiKey', null as never);
  registerErrorHandling(app);
  strictJsonBodies(app);
  continueOnlyWhenReading(app);
  // Routes declare zod schemas: requests are validated and answers serialized through them, and
  // /openapi.json is rendered from them.
  app.setValidatorCompiler(contractValidator);
  app.setSerializerCompiler(contractSerializer);
  serveOpenApi(app, options.publicUrl ?? '/');

  // In a plugin, as every route is: @fastify/swagger sees the routes added once it has loaded.
  app.register(async (root) => {
    const alive = { security: [], response: { 200: answer(z.object({ status: z.literal('ok') }), 'Alive') } };
    root.get('/healthz', { schema: alive }, async () => ({ status: 'ok' as const }));
  });
  mediaFileRoutes(app, services.mediaFiles);
  oauthCallbackRoute(app, services.oauth);
  if (options.codec) codecEndpoint(app, services.keys, options.codec);

  app.register(async (v1) => {
    v1.addHook('onRequest', bearerAuth(services.keys));
    postRoutes(v1, options.client, options.syncWaitMs);
    postImportRoutes(v1, options.client);
    recurringPostRoutes(v1, options.client);
    // Who am I: any valid key, whatever its scopes. Clients (the n8n credential test) use it to
    // tell a Postflow API with a working key from a wrong URL that happens to answer 200.
    const me = {
      summary: 'The user and scopes of the calling API key (needs no scope)',
      response: { 200: answer(meSchema, 'The key'), 401: failure('Missing, unknown or revoked API key') },
    };
    v1.get('/v1/me', { schema: me }, async (request) => ({
      service: 'postflow' as const,
      user_id: request.userId,
      key_id: request.apiKey.keyId,
      scopes: request.apiKey.scopes,
    }));
    accountRoutes(v1, services.accounts);
    accountPageRoutes(v1, options.client);
    accountHelperRoutes(v1, options.client);
    oauthRoutes(v1, services.oauth);
    redirectUriRoutes(v1, services.redirectUris);
    brandRoutes(v1, services.brands);
    queueRoutes(v1, options.client);
    mediaRoutes(v1, services.media);
    sandboxRoutes(v1, services.sandbox);
    webhookRoutes(v1, services.webhooks);
    keyRoutes(v1, services.keys);
    userRoutes(v1, services.users, services.usage);
  });
  return app;
}
