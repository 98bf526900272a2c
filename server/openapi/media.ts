import { AUTH_ERRORS, error, idempotencyKey, json, type Json, pathId, query, ref, success } from './shared';

const signed = [query('expires', 'Unix time the URL expires'), query('signature', 'The URL signature')];

export const mediaPaths: Record<string, Json> = {
  '/v1/media/upload': {
    post: {
      summary: 'Upload a file (multipart, field "file", at most 50 MB); ready at once',
      parameters: [idempotencyKey],
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              properties: { file: { type: 'string', format: 'binary' } },
              required: ['file'],
            },
          },
        },
      },
      responses: {
        '201': json(ref('MediaUploaded'), 'Stored: the resource plus its `media_id`'),
        '400': error('No file, or larger than 50 MB (validation.field_required, validation.file_too_large)'),
        ...AUTH_ERRORS,
        '413': error('Over the storage quota (billing.storage_quota)'),
      },
    },
  },
  '/v1/media/upload-url': {
    get: {
      summary: 'A signed URL to PUT a file to (valid 15 minutes); then verify',
      parameters: [query('media_type', "The file's MIME type"), query('filename', 'The file name')],
      responses: {
        '200': json(ref('UploadUrl'), 'Where to PUT the file'),
        '400': error('Missing media_type or filename'),
        ...AUTH_ERRORS,
      },
    },
  },
  '/v1/media/{id}/verify': {
    parameters: [pathId('id')],
    post: {
      summary: 'Mark a PUT upload ready',
      responses: {
        '200': json(ref('MediaVerified'), 'Ready'),
        '400': error('Nothing uploaded yet (media.not_uploaded)'),
        ...AUTH_ERRORS,
        '404': error('No such media (media.not_found)'),
        '413': error('Over the storage quota (billing.storage_quota)'),
      },
    },
  },
  '/v1/media': {
    get: {
      summary: 'List media, newest first',
      parameters: [
        query('cursor', 'next_cursor of the previous page'),
        query('limit', 'Page size', { type: 'integer', minimum: 1, maximum: 100, default: 50 }),
      ],
      responses: {
        '200': json(ref('MediaPage'), 'A page of media'),
        '400': error('Invalid parameter'),
        ...AUTH_ERRORS,
      },
    },
  },
  '/v1/media/storage': {
    get: {
      summary: 'Storage used and the quota (-1: unlimited)',
      responses: { '200': json(ref('StorageUsage'), 'Usage'), ...AUTH_ERRORS },
    },
  },
  '/v1/media/{id}': {
    parameters: [pathId('id')],
    get: {
      summary: 'Get a media item',
      responses: { '200': json(ref('Media'), 'The media'), ...AUTH_ERRORS, '404': error('No such media') },
    },
    delete: {
      summary: 'Delete a media item and its file',
      responses: {
        '204': { description: 'Deleted' },
        ...AUTH_ERRORS,
        '404': error('No such media'),
        '409': error('A post that may still publish uses it (media.in_use; meta.post_ids)'),
      },
    },
  },
  '/media-files/{id}': {
    parameters: [pathId('id')],
    put: {
      summary: 'Upload the bytes to a signed upload_url (Content-Type as requested)',
      security: [],
      parameters: signed,
      requestBody: { required: true, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } },
      responses: {
        '200': json(success(), 'Stored'),
        '400': error('Content-Type differs from the requested one'),
        '403': error('Invalid or expired URL (media.url_invalid)'),
        '409': error('Already uploaded'),
      },
    },
    get: {
      summary: 'Download a ready file by its signed url',
      security: [],
      parameters: signed,
      responses: {
        '200': {
          description: 'The file',
          content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
        },
        '403': error('Invalid or expired URL (media.url_invalid)'),
        '404': error('No such media'),
      },
    },
  },
};
