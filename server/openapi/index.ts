import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { componentSchemas } from './components';
import { documentBodyHandling, routeToOpenApi } from './transform';

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document, rendered by @fastify/swagger from the routes'
 * own zod schemas (those that validate requests and serialize answers), so it cannot drift from
 * them. Register before the routes: it collects them as they are added.
 */
export function serveOpenApi(app: FastifyInstance, serverUrl: string): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Postflow API',
        version: '1',
        description: 'Durable social publishing on Temporal; compatible with the SocialAPI posts contract.',
      },
      servers: [{ url: serverUrl }],
      security: [{ bearer: [] }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key: sapi_key_…' },
        },
        schemas: componentSchemas(),
      },
    },
    // Paths stay as served whatever the public URL's path; `const` stays `const` (OpenAPI 3.1).
    stripBasePath: false,
    convertConstToEnum: false,
    transform: routeToOpenApi,
    transformObject: documentBodyHandling,
  });
  app.register(async (docs) => {
    docs.get(
      '/openapi.json',
      {
        schema: {
          summary: 'This document',
          security: [],
          response: {
            200: {
              description: 'OpenAPI 3.1',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
      async () => app.swagger(),
    );
  });
}
