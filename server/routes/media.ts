import multipart from '@fastify/multipart';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, mediaNotFound } from '../../api/errors';
import type { PostflowClient } from '../../client';
import { type MediaLibrary, MediaTooLarge, mediaKey } from '../../media';
import { newMediaId } from '../../store/media-id';
import {
  mediaPageSchema,
  mediaResourceSchema,
  mediaUploadedSchema,
  mediaVerifiedSchema,
  type MediaResource,
  storageUsageSchema,
  uploadUrlSchema,
} from '../../api/resources';
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
import type { MediaItem, Store } from '../../store/types';
import { scope } from '../auth';
import { createOnce } from '../idempotency';

/** The contract's cap on server-side uploads. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
/** How long an upload URL and a media item's download URL stay valid. */
const UPLOAD_URL_TTL_MS = 15 * 60_000;
const DOWNLOAD_URL_TTL_MS = 60 * 60_000;
const MEDIA_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/**
 * What the library takes: images and videos. Other types (HTML, SVG, scripts) would be served from
 * the API's own origin by the signed download URL, so they are refused.
 */
const CONTENT_TYPE = /^(image\/(?!svg)[a-z0-9.+-]+|video\/[a-z0-9.+-]+)$/i;
/** Largest file a signed upload URL takes (the quota, when set, may be smaller). */
export const MAX_SIGNED_UPLOAD_BYTES = 5 * 1024 * 1024 * 1024;

export interface MediaRouteDeps {
  store: Store;
  library: MediaLibrary;
  client: PostflowClient;
}

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
    }),
  },
  response: {
    200: answer(uploadUrlSchema, 'Where to PUT the file'),
    400: failure('Missing media_type or filename'),
    ...AUTH_ERRORS,
  },
};
const verify = {
  summary: 'Mark a PUT upload ready',
  params,
  response: {
    200: answer(mediaVerifiedSchema, 'Ready'),
    400: failure('Nothing uploaded yet (media.not_uploaded)'),
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

/** `/v1/media`: the media library (contract §3), and the signed `/media-files/{id}` endpoint. */
export function mediaRoutes(fastify: FastifyInstance, { store, library, client }: MediaRouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const resource = async (m: MediaItem): Promise<MediaResource> => ({
    id: m.id,
    filename: m.filename,
    content_type: m.contentType,
    size_bytes: m.sizeBytes,
    status: m.status,
    url: m.status === 'ready' ? await library.downloadUrl(m, DOWNLOAD_URL_TTL_MS) : null,
    created_at: m.createdAt,
  });
  const owned = async (id: string, userId: string) => {
    const item = MEDIA_ID.test(id) ? await store.media.get(id, userId) : undefined;
    if (!item) throw mediaNotFound(id);
    return item;
  };
  /** 413 when keeping `adding` more bytes would pass the user's quota. */
  const checkQuota = async (userId: string, adding: number) => {
    if (library.limitBytes === undefined) return;
    const { usedBytes } = await store.media.usage(userId);
    if (usedBytes + adding > library.limitBytes) {
      throw new ApiError(413, 'billing.storage_quota', 'This upload would exceed your media storage quota.', {
        used_bytes: usedBytes,
        limit_bytes: library.limitBytes,
      });
    }
  };

  app.register(async (uploads) => {
    await uploads.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10 } });

    uploads.post('/v1/media/upload', { ...scope('media:write'), schema: upload }, async (request, reply) => {
      if (!request.isMultipart())
        throw fileRequired('Send the file as multipart/form-data in the field "file".');
      const file = await request.file().catch((err: unknown) => {
        throw malformedMultipart(err) ?? err;
      });
      if (!file || file.fieldname !== 'file') throw fileRequired('The multipart field "file" is missing.');
      if (!CONTENT_TYPE.test(file.mimetype)) {
        throw new ApiError(
          400,
          'validation.unsupported_media_type',
          `"${file.mimetype}" is not an image or video type.`,
          {
            field: 'file',
          },
        );
      }
      const contentType = file.mimetype;
      const item = await createOnce(
        store,
        request,
        reply,
        'media',
        newMediaId(),
        (id) => store.media.get(id, request.userId),
        async (id) => {
          const key = mediaKey(request.userId, id);
          let size: number;
          try {
            size = await library.storage.write(key, file.file, MAX_UPLOAD_BYTES);
            if (file.file.truncated) throw new MediaTooLarge(MAX_UPLOAD_BYTES);
            await checkQuota(request.userId, size);
          } catch (err) {
            await library.storage.remove(key);
            const malformed = malformedMultipart(err);
            if (malformed) throw malformed;
            throw err instanceof MediaTooLarge || (err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE'
              ? new ApiError(
                  400,
                  'validation.file_too_large',
                  'The file is larger than 50 MB; use GET /v1/media/upload-url for large files.',
                  {
                    field: 'file',
                    max_bytes: MAX_UPLOAD_BYTES,
                  },
                )
              : err;
          }
          return store.media.create({
            id,
            userId: request.userId,
            filename: file.filename || 'upload',
            contentType,
            sizeBytes: size,
            status: 'ready',
            storageKey: key,
          });
        },
      );
      return reply.status(201).send({ media_id: item.id, ...(await resource(item)) });
    });
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/v1/media/upload-url',
    { ...scope('media:write'), schema: uploadUrl },
    async (request) => {
      const mediaType = request.query.media_type ?? request.query.content_type;
      const filename = request.query.filename;
      const problems = [
        !mediaType && {
          field: 'media_type',
          code: 'validation.field_required',
          message: "give the file's MIME type, e.g. image/png.",
        },
        mediaType &&
          !CONTENT_TYPE.test(mediaType) && {
            field: 'media_type',
            code: 'validation.unsupported_media_type',
            message: 'must be an image or video MIME type such as image/png or video/mp4.',
          },
        !filename && { field: 'filename', code: 'validation.field_required', message: 'give the file name.' },
      ].filter(Boolean) as Array<{ field: string; code: string; message: string }>;
      if (problems.length) {
        throw new ApiError(400, problems[0].code, `${problems[0].field}: ${problems[0].message}`, {
          field: problems[0].field,
          errors: problems,
        });
      }
      const id = newMediaId();
      const item = await store.media.create({
        id,
        userId: request.userId,
        filename: filename!,
        contentType: mediaType!,
        sizeBytes: null,
        status: 'pending',
        storageKey: mediaKey(request.userId, id),
      });
      const upload = await library.uploadUrl(item, UPLOAD_URL_TTL_MS);
      return { media_id: id, upload_url: upload.url, expires_at: upload.expiresAt };
    },
  );

  app.post('/v1/media/:id/verify', { ...scope('media:write'), schema: verify }, async (request) => {
    const item = await owned(request.params.id, request.userId);
    if (item.status === 'ready') return { success: true, media: await resource(item) };
    const size = await library.storage.size(item.storageKey);
    if (size === undefined) {
      throw new ApiError(
        400,
        'media.not_uploaded',
        'Nothing was uploaded yet: PUT the file to the upload_url first.',
        {
          id: item.id,
        },
      );
    }
    try {
      await checkQuota(request.userId, size);
    } catch (err) {
      await store.media.setStatus(item.id, 'failed', size);
      await library.storage.remove(item.storageKey);
      throw err;
    }
    await store.media.setStatus(item.id, 'ready', size);
    return { success: true, media: await resource({ ...item, status: 'ready', sizeBytes: size }) };
  });

  app.get<{ Querystring: { cursor?: string; limit?: string } }>(
    '/v1/media',
    { ...scope('media:read'), schema: list },
    async (request) => {
      const limit = pageLimit(request.query.limit);
      const cursor = request.query.cursor || undefined;
      if (cursor !== undefined && !MEDIA_ID.test(cursor)) {
        throw new ApiError(
          400,
          'validation.field_invalid',
          'cursor: use the next_cursor of the previous page.',
          {
            field: 'cursor',
          },
        );
      }
      const items = await store.media.list(request.userId, {
        ...(cursor ? { after: cursor } : {}),
        limit: limit + 1,
      });
      const page = items.slice(0, limit);
      const hasMore = items.length > limit;
      return {
        data: await Promise.all(page.map(resource)),
        pagination: { has_more: hasMore, limit, next_cursor: hasMore ? page[page.length - 1].id : '' },
      };
    },
  );

  app.get('/v1/media/storage', { ...scope('media:read'), schema: storage }, async (request) => {
    const { usedBytes, count } = await store.media.usage(request.userId);
    return { used_bytes: usedBytes, limit_bytes: library.limitBytes ?? -1, count };
  });

  app.get('/v1/media/:id', { ...scope('media:read'), schema: get }, async (request) =>
    resource(await owned(request.params.id, request.userId)),
  );

  app.delete('/v1/media/:id', { ...scope('media:write'), schema: remove }, async (request, reply) => {
    const item = await owned(request.params.id, request.userId);
    const posts = await client.forUser(request.userId).posts.usingMedia(item.id);
    if (posts.length) {
      throw new ApiError(
        409,
        'media.in_use',
        `Media ${item.id} is used by ${posts.join(', ')}; change or cancel those posts first.`,
        {
          id: item.id,
          post_ids: posts,
        },
      );
    }
    await store.media.remove(item.id);
    await library.storage.remove(item.storageKey);
    return reply.status(204).send(undefined);
  });
}

const signedQuery = z.object({
  expires: queryParam('Unix time the URL expires'),
  signature: queryParam('The URL signature'),
});
const badUrl = failure('Invalid or expired URL (media.url_invalid)');
// The body is the file's bytes, streamed to storage by the handler.
const putFile = {
  summary: 'Upload the bytes to a signed upload_url (Content-Type as requested)',
  security: [],
  params,
  parsedByHandler: { body: { content: { '*/*': { schema: binary() } } }, querystring: signedQuery },
  response: {
    200: answer(z.object({ success: z.boolean() }), 'Stored'),
    400: failure('Content-Type differs from the requested one'),
    403: badUrl,
    409: failure('Already uploaded'),
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
export function mediaFileRoutes(
  app: FastifyInstance,
  { store, library }: Omit<MediaRouteDeps, 'client'>,
): void {
  app.register(async (files) => {
    // The body is the file itself, whatever its type: hand the stream to the handler untouched.
    files.removeAllContentTypeParsers();
    files.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    const signed = async (
      request: FastifyRequest<{ Params: { id: string }; Querystring: Record<string, string> }>,
      method: 'GET' | 'PUT',
    ) => {
      const { id } = request.params;
      if (!library.signer.verify(method, id, request.query.expires, request.query.signature)) {
        throw new ApiError(
          403,
          'media.url_invalid',
          'This media URL is invalid or has expired; ask for a new one.',
        );
      }
      const item = await store.media.get(id);
      if (!item) throw mediaNotFound(id);
      return item;
    };

    files.put<{ Params: { id: string }; Querystring: Record<string, string> }>(
      '/media-files/:id',
      { schema: putFile },
      async (request, reply) => {
        const item = await signed(request, 'PUT');
        if (item.status !== 'pending') {
          throw new ApiError(
            409,
            'media.state_invalid',
            `Media ${item.id} is ${item.status}; it cannot be uploaded again.`,
          );
        }
        const given = String(request.headers['content-type'] ?? '')
          .split(';')[0]
          .trim();
        if (given.toLowerCase() !== item.contentType.toLowerCase()) {
          throw new ApiError(
            400,
            'validation.field_invalid',
            `Content-Type must be ${item.contentType}, as requested for this upload.`,
            {
              field: 'Content-Type',
            },
          );
        }
        // No 50 MB cap on this path (the contract), but never more than the remaining quota.
        const { usedBytes } = await store.media.usage(item.userId);
        const cap = Math.min(
          MAX_SIGNED_UPLOAD_BYTES,
          (library.limitBytes ?? Number.POSITIVE_INFINITY) - usedBytes,
        );
        const tooLarge = () =>
          new ApiError(
            413,
            'billing.storage_quota',
            'The file is larger than this upload may take (size cap or storage quota).',
            {
              max_bytes: Math.max(cap, 0),
            },
          );
        if (Number(request.headers['content-length'] ?? 0) > cap) throw tooLarge();
        try {
          await library.storage.write(item.storageKey, request.body as Readable, Math.max(cap, 0));
        } catch (err) {
          if (err instanceof MediaTooLarge) {
            await library.storage.remove(item.storageKey);
            throw tooLarge();
          }
          throw err;
        }
        return reply.status(200).send({ success: true });
      },
    );

    files.get<{ Params: { id: string }; Querystring: Record<string, string> }>(
      '/media-files/:id',
      { schema: getFile },
      async (request, reply) => {
        const item = await signed(request, 'GET');
        const stream = item.status === 'ready' ? await library.storage.read(item.storageKey) : undefined;
        if (!stream) throw mediaNotFound(item.id);
        reply.header('content-type', item.contentType);
        if (item.sizeBytes !== null) reply.header('content-length', item.sizeBytes);
        reply.header('cache-control', 'private, max-age=300');
        // Served from the API's origin: never let a browser run it as a page.
        reply.header('x-content-type-options', 'nosniff');
        reply.header('content-security-policy', "sandbox; default-src 'none'");
        return reply.send(stream);
      },
    );
  });
}

/**
 * busboy's parse errors (no boundary, a body that ends mid-part) carry no status; they are the
 * client's malformed request, a 400, not a failure of ours.
 */
function malformedMultipart(err: unknown): ApiError | undefined {
  const message = err instanceof Error ? err.message : '';
  if (!/^Multipart: |unexpected end of multipart data/i.test(message)) return undefined;
  return new ApiError(400, 'validation.body_invalid', `The multipart body is malformed: ${message}.`, {
    field: 'file',
  });
}

function fileRequired(message: string): ApiError {
  return new ApiError(400, 'validation.field_required', message, { field: 'file' });
}

function pageLimit(raw: string | undefined, fallback = 50): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new ApiError(400, 'validation.field_invalid', 'limit must be a whole number from 1 to 100.', {
      field: 'limit',
    });
  }
  return n;
}
