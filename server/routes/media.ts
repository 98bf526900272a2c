import multipart from '@fastify/multipart';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import {
  mediaPageSchema,
  mediaResourceSchema,
  mediaUploadedSchema,
  mediaVerifiedSchema,
  storageUsageSchema,
  uploadUrlSchema,
} from '../../api/resources';
import { verifyMediaSchema } from '../../api/schemas';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  answer,
  AUTH_ERRORS,
  binary,
  failure,
  idempotencyKeyHeader,
  noContent,
  pageSize,
  pathParams,
  queryParam,
} from '../openapi/route-schemas';
import type { MediaFileService } from '../../services/media-files';
import { MAX_UPLOAD_BYTES, type MediaService } from '../../services/media';
import { scope } from '../auth';
import { replyCreated } from '../idempotency';

const params = pathParams('id');
const notFound = failure('No such media');
const overQuota = failure('Over the storage quota (billing.storage_quota)');

// The upload is streamed by @fastify/multipart; the handler reads and checks it.
const upload = {
  summary: 'Upload a file (multipart, field "file", at most 50 MB); ready at once',
  parsedByHandler: {
    body: { content: { 'multipart/form-data': { schema: z.object({ file: binary() }) } } },
    headers: idempotencyKeyHeader,
  },
  response: {
    201: answer(mediaUploadedSchema, 'Stored: the resource plus its `media_id`'),
    400: failure('No file, or larger than 50 MB (validation.field_required, validation.file_too_large)'),
    ...AUTH_ERRORS,
    413: overQuota,
  },
};
const uploadUrl = {
  summary: 'A signed URL to PUT a file to (valid 15 minutes); then verify',
  parsedByHandler: {
    querystring: z.object({
      media_type: queryParam("The file's MIME type"),
      filename: queryParam('The file name'),
      size_bytes: queryParam(
        "The file's size: checked against the per-file limit and the quota at once; on a bucket, the answer's parts are a multipart upload",
      ),
    }),
  },
  response: {
    200: answer(uploadUrlSchema, 'Where to PUT the file'),
    400: failure('Missing media_type or filename, or an invalid size_bytes'),
    ...AUTH_ERRORS,
    413: overQuota,
  },
};
const verify = {
  summary: 'Mark a PUT upload ready, checking its size and SHA-256 when given',
  params,
  body: verifyMediaSchema,
  optionalBody: true,
  response: {
    200: answer(mediaVerifiedSchema, 'Ready'),
    400: failure(
      'Nothing (or only part) uploaded yet (media.not_uploaded; meta.received_bytes), or the stored size or SHA-256 differs (media.checksum_mismatch; the file is removed)',
    ),
    ...AUTH_ERRORS,
    404: failure('No such media (media.not_found)'),
    413: overQuota,
  },
};
const list = {
  summary: 'List media, newest first',
  parsedByHandler: {
    querystring: z.object({
      cursor: queryParam('next_cursor of the previous page'),
      limit: queryParam('Page size', pageSize(50)),
    }),
  },
  response: {
    200: answer(mediaPageSchema, 'A page of media'),
    400: failure('Invalid parameter'),
    ...AUTH_ERRORS,
  },
};
const storage = {
  summary: 'Storage used and the quota (-1: unlimited)',
  response: { 200: answer(storageUsageSchema, 'Usage'), ...AUTH_ERRORS },
};
const get = {
  summary: 'Get a media item',
  params,
  response: { 200: answer(mediaResourceSchema, 'The media'), ...AUTH_ERRORS, 404: notFound },
};
const remove = {
  summary: 'Delete a media item and its file',
  params,
  response: {
    204: noContent('Deleted'),
    ...AUTH_ERRORS,
    404: notFound,
    409: failure('A post that may still publish uses it (media.in_use; meta.post_ids)'),
  },
};

/** `/v1/media`: the media library (contract §3); `mediaFileRoutes` serve the bytes. */
export function mediaRoutes(fastify: FastifyInstance, media: MediaService): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.register(async (uploads) => {
    await uploads.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10 } });

    uploads.post('/v1/media/upload', { ...scope('media:write'), schema: upload }, async (request, reply) => {
      const nextFile = request.isMultipart() ? () => request.file() : undefined;
      return replyCreated(
        reply,
        await media.upload(request.userId, nextFile, request.headers['idempotency-key']),
      );
    });
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/v1/media/upload-url',
    { ...scope('media:write'), schema: uploadUrl },
    async (request) =>
      // The file's type comes as media_type (content_type is taken too).
      media.uploadUrl(
        request.userId,
        request.query.media_type ?? request.query.content_type,
        request.query.filename,
        request.query.size_bytes,
      ),
  );

  app.post('/v1/media/:id/verify', { ...scope('media:write'), schema: verify }, async (request) =>
    media.verify(request.userId, request.params.id, request.body ?? {}),
  );

  app.get<{ Querystring: { cursor?: string; limit?: string } }>(
    '/v1/media',
    { ...scope('media:read'), schema: list },
    async (request) => media.list(request.userId, request.query),
  );

  app.get('/v1/media/storage', { ...scope('media:read'), schema: storage }, async (request) =>
    media.usage(request.userId),
  );

  app.get('/v1/media/:id', { ...scope('media:read'), schema: get }, async (request) =>
    media.get(request.userId, request.params.id),
  );

  app.delete('/v1/media/:id', { ...scope('media:write'), schema: remove }, async (request, reply) => {
    await media.remove(request.userId, request.params.id);
    return reply.status(204).send(undefined);
  });
}

const signedQuery = z.object({
  expires: queryParam('Unix time the URL expires'),
  signature: queryParam('The URL signature'),
});
const badUrl = failure('Invalid or expired URL (media.url_invalid)');
// The body is the file's bytes, streamed to storage by the media file service.
const putFile = {
  summary: 'Upload the bytes to a signed upload_url (Content-Type as requested), whole or in parts',
  description:
    'With `Content-Range: bytes <first>-<last>/<total>` the body is one part of a resumable upload (on disk storage); `Content-Range: bytes */<total>` with no body asks how many bytes arrived. A part may start at or before the received offset (bytes already stored are skipped), never after it (409). The last byte completes the file; then verify.',
  security: [],
  params,
  parsedByHandler: {
    body: { content: { '*/*': { schema: binary() } } },
    querystring: signedQuery,
    headers: z.object({
      'content-range': z
        .string()
        .optional()
        .describe('bytes <first>-<last>/<total> (a part) or bytes */<total> (ask the received offset)'),
    }),
  },
  response: {
    200: answer(
      z.object({
        success: z.boolean(),
        received_bytes: z.number().int().describe('Bytes stored so far (the received offset)'),
        size_bytes: z.number().int().describe("The whole file's size"),
        complete: z.boolean().describe('Every byte arrived: verify next'),
      }),
      'Stored',
    ),
    400: failure('Content-Type differs from the requested one, or a malformed Content-Range'),
    403: badUrl,
    409: failure(
      'Already uploaded, or a part past the received offset (media.upload_offset_mismatch; meta.received_bytes)',
    ),
    413: overQuota,
  },
};
const getFile = {
  summary: 'Download a ready file by its signed url',
  security: [],
  params,
  parsedByHandler: { querystring: signedQuery },
  response: {
    200: { description: 'The file', content: { '*/*': { schema: binary() } } },
    403: badUrl,
    404: notFound,
  },
};

/**
 * `/media-files/{id}`: bytes in and out by signed URL, with no API key — the target of
 * `upload_url` (PUT) and of the `url` of ready media (GET, also what URL-fetching platforms read).
 */
export function mediaFileRoutes(app: FastifyInstance, files: MediaFileService): void {
  app.register(async (signed) => {
    // The body is the file itself, whatever its type: hand the stream to the handler untouched.
    signed.removeAllContentTypeParsers();
    signed.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    signed.put<{ Params: { id: string }; Querystring: Record<string, string> }>(
      '/media-files/:id',
      { schema: putFile },
      async (request, reply) => {
        const range = request.headers['content-range'];
        const stored = await files.put(request.params.id, request.query, {
          contentType: String(request.headers['content-type'] ?? '')
            .split(';')[0]
            .trim(),
          contentLength: Number(request.headers['content-length'] ?? 0),
          ...(range !== undefined ? { contentRange: range } : {}),
          body: request.body as Readable,
        });
        return reply.status(200).header('upload-offset', stored.received_bytes).send(stored);
      },
    );

    signed.get<{ Params: { id: string }; Querystring: Record<string, string> }>(
      '/media-files/:id',
      { schema: getFile },
      async (request, reply) => {
        const file = await files.read(request.params.id, request.query);
        reply.header('content-type', file.contentType);
        if (file.sizeBytes !== null) reply.header('content-length', file.sizeBytes);
        reply.header('cache-control', 'private, max-age=300');
        // Served from the API's origin: never let a browser run it as a page.
        reply.header('x-content-type-options', 'nosniff');
        reply.header('content-security-policy', "sandbox; default-src 'none'");
        return reply.send(file.stream);
      },
    );
  });
}
