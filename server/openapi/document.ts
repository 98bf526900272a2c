import { buildApp } from '../app';

/**
 * The document `GET /openapi.json` serves, without a running API (tests, tools): the routes are
 * registered with placeholder dependencies, which rendering the document never calls.
 */
export async function openApiDocument(serverUrl: string): Promise<Record<string, unknown>> {
  const app = buildApp({
    client: {} as never,
    store: {} as never,
    media: {} as never,
    syncWaitMs: 0,
    publicUrl: serverUrl,
  });
  await app.ready();
  try {
    return app.swagger() as Record<string, unknown>;
  } finally {
    await app.close();
  }
}
