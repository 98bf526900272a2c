import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../api/errors';
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS } from '../../api/post-import';
import { importReportSchema } from '../../api/resources';
import { createPostSchema } from '../../api/schemas';
import type { PostflowClient } from '../../client';
import { scope } from '../auth';
import { answer, AUTH_ERRORS, failure, pathParams, queryParam } from '../openapi/route-schemas';

const importPosts = {
  summary: 'Import posts in bulk: a CSV file or a JSON array of post bodies',
  description: `Every row is checked as POST /v1/posts checks a body; every problem is reported with its row. The valid rows' posts are then started by a durable workflow: follow it with GET /v1/posts/imports/{id}. A row's post id is derived from your user and the row's content, so importing the same row again creates nothing new (the row is a duplicate). At most ${MAX_IMPORT_ROWS} rows and ${MAX_IMPORT_BYTES / 1024 / 1024} MB. CSV columns: text, account_ids, media_ids, media_urls, scheduled_at, title, first_comment, visibility, platform_options (docs/api.md).`,
  parsedByHandler: {
    body: {
      content: {
        'text/csv': {
          schema: z.string().describe('A header line naming the columns, then one post per line'),
        },
        'application/json': { schema: z.array(createPostSchema) },
      },
    },
    querystring: z.object({
      dry_run: queryParam('true: check every row and report; create nothing', z.enum(['true', 'false'])),
    }),
  },
  response: {
    200: answer(importReportSchema, 'Dry run: every row checked, nothing created'),
    202: answer(importReportSchema, "Stored; the valid rows' posts are being started"),
    400: failure(
      'A malformed file: bad CSV, an unknown column, not a JSON array, no rows (validation.body_invalid)',
    ),
    ...AUTH_ERRORS,
    413: failure(
      `Over ${MAX_IMPORT_BYTES / 1024 / 1024} MB (validation.body_too_large) or ${MAX_IMPORT_ROWS} rows (import.too_many_rows)`,
    ),
  },
};
const getImport = {
  summary: "An import's progress: counts, and each row's post or problems",
  params: pathParams('id'),
  response: {
    200: answer(importReportSchema, 'The import'),
    ...AUTH_ERRORS,
    404: failure('No such import (import.not_found)'),
  },
};

/** `/v1/posts/import` and `/v1/posts/imports/{id}`: bulk imports over the client's imports. */
export function postImportRoutes(fastify: FastifyInstance, client: PostflowClient): void {
  fastify.register(async (scoped) => {
    // CSV arrives as text: UTF-8 only, as JSON bodies (a spreadsheet's other encodings would
    // publish mojibake).
    scoped.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (_request, body, done) => {
      const bytes = body as Buffer;
      if (!isUtf8(bytes)) {
        done(
          new ApiError(400, 'validation.body_invalid', 'The CSV is not UTF-8; save it as UTF-8.', {
            field: 'body',
          }),
        );
        return;
      }
      done(null, bytes.toString('utf8'));
    });
    const app = scoped.withTypeProvider<ZodTypeProvider>();

    app.post<{ Querystring: { dry_run?: string } }>(
      '/v1/posts/import',
      { ...scope('posts:write'), schema: importPosts, bodyLimit: MAX_IMPORT_BYTES },
      async (request, reply) => {
        const dryRun = dryRunOf(request.query.dry_run);
        const csv = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() === 'text/csv';
        const report = await client
          .forUser(request.userId)
          .posts.import(csv ? { csv: request.body as string } : { json: request.body }, {
            dryRun,
            authorKeyId: request.apiKey.keyId,
          });
        return reply.status(dryRun ? 200 : 202).send(report);
      },
    );

    app.get('/v1/posts/imports/:id', { ...scope('posts:read'), schema: getImport }, async (request) =>
      client.forUser(request.userId).imports.get(request.params.id),
    );
  });
}

function dryRunOf(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ApiError(400, 'validation.field_invalid', 'dry_run must be true or false.', { field: 'dry_run' });
}
