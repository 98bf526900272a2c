import Fastify, { type FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { PostflowClient } from '../client';
import type { MediaLibrary } from '../media';
import type { Store } from '../store/types';
import { bearerAuth } from './auth';
import { registerErrorHandling } from './errors';
import { openApiDocument } from './openapi';
import { accountRoutes } from './routes/accounts';
import { mediaFileRoutes, mediaRoutes } from './routes/media';
import { postRoutes } from './routes/posts';
import { sandboxRoutes } from './routes/sandbox';
import { webhookRoutes } from './routes/webhooks';

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
}

const CLIENT_REQUEST_ID = /^[a-zA-Z0-9_-]{1,64}$/;

declare module 'fastify' {
  interface FastifyInstance {
    servedRoutes: string[];
  }
}

/** Builds the HTTP API (not listening yet). */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: { level: options.logLevel ?? 'warn' },
    disableRequestLogging: true,
    bodyLimit: 1024 * 1024,
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
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-ID', request.id);
  });
  app.decorateRequest('userId', '');
  app.decorateRequest('apiKey', null as never);
  registerErrorHandling(app);

  app.get('/healthz', async () => ({ status: 'ok' }));
  const openApi = openApiDocument(options.publicUrl ?? '/');
  app.get('/openapi.json', async () => openApi);
  mediaFileRoutes(app, { store: options.store, library: options.media });

  app.register(async (v1) => {
    v1.addHook('onRequest', bearerAuth(options.store));
    postRoutes(v1, options.client, options.syncWaitMs);
    // Who am I: any valid key, whatever its scopes. Clients (the n8n credential test) use it to
    // tell a Postflow API with a working key from a wrong URL that happens to answer 200.
    v1.get('/v1/me', async (request) => ({
      service: 'postflow',
      user_id: request.userId,
      key_id: request.apiKey.keyId,
      scopes: request.apiKey.scopes,
    }));
    accountRoutes(v1, options.store, options.allowPrivateUrls ?? false);
    mediaRoutes(v1, { store: options.store, library: options.media, client: options.client });
    sandboxRoutes(v1, options.store);
    webhookRoutes(v1, options.store, options.allowPrivateUrls ?? false);
  });
  return app;
}
