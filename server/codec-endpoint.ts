import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api/errors';
import { bearerKey } from './auth';
import type { KeyService } from '../services/keys';
import type { ApiScope } from '../store/types';

export interface CodecEndpointOptions {
  /** The payload codec the worker and client use (codec/encryption-codec.ts). */
  codec: PayloadCodec;
  /** Browser origins allowed to call it: the Temporal UI's. */
  corsOrigins: readonly string[];
}

/** The scope a key needs: decoding shows any user's post payloads, so it is for operators. */
export const CODEC_SCOPE: ApiScope = 'payloads:decode';

/** Payloads can be large (Temporal allows 2 MB each); a history page may hold several. */
const CODEC_BODY_LIMIT = 16 * 1024 * 1024;

/** One payload in proto3 JSON: every bytes field in base64. */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/**
 * Temporal's remote codec protocol, for the Temporal UI and CLI: `POST /codec/decode` and
 * `/codec/encode` take and return `{ payloads: [...] }`. The caller needs a Postflow API key with
 * the `payloads:decode` scope, as `Authorization: Bearer <key>` or, for a UI that cannot send
 * that header, as a path segment (`/codec/<key>/decode`; the protocol only reads the last segment).
 */
export function codecEndpoint(app: FastifyInstance, keys: KeyService, options: CodecEndpointOptions): void {
  const allowed = new Set(options.corsOrigins);
  const cors = (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    reply.header('Vary', 'Origin');
    if (!origin || !allowed.has(origin)) return;
    reply.header('Access-Control-Allow-Origin', origin);
    reply.header('Access-Control-Allow-Credentials', 'true');
  };

  for (const prefix of ['/codec', '/codec/:key']) {
    for (const operation of ['encode', 'decode'] as const) {
      const url = `${prefix}/${operation}`;
      // The browser's preflight carries no credentials: it only learns what it may send.
      // Temporal's codec protocol, not the Postflow API: left out of /openapi.json.
      app.options(url, { schema: { hide: true } }, async (request, reply) => {
        cors(request, reply);
        reply.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
        reply.header('Access-Control-Allow-Headers', 'authorization, content-type, x-namespace');
        reply.header('Access-Control-Max-Age', '600');
        return reply.status(204).send();
      });
      app.post<{ Params: { key?: string } }>(
        url,
        { bodyLimit: CODEC_BODY_LIMIT, schema: { hide: true } },
        async (request, reply) => {
          cors(request, reply);
          await keys.authenticate(
            request.params.key ?? bearerKey(request),
            CODEC_SCOPE,
            'Send a Postflow API key as "Authorization: Bearer <key>".',
          );
          const payloads = fromJson(request.body);
          let result: Payload[];
          try {
            result = await options.codec[operation](payloads);
          } catch (err) {
            // The codec's messages name key ids and problems, never key material or payload content.
            throw new ApiError(400, 'validation.body_invalid', (err as Error).message);
          }
          return { payloads: result.map(toJson) };
        },
      );
    }
  }
}

function fromJson(body: unknown): Payload[] {
  const list = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(list)) {
    throw new ApiError(400, 'validation.body_invalid', 'The body must be { "payloads": [ ... ] }.', {
      field: 'payloads',
    });
  }
  return list.map((item: JsonPayload, index) => {
    const bytes = (value: unknown, field: string) => {
      if (value === undefined) return new Uint8Array();
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) {
        throw new ApiError(400, 'validation.body_invalid', `payloads[${index}].${field} must be base64.`, {
          field: `payloads[${index}].${field}`,
        });
      }
      return new Uint8Array(Buffer.from(value, 'base64'));
    };
    if (typeof item !== 'object' || item === null) {
      throw new ApiError(400, 'validation.body_invalid', `payloads[${index}] must be an object.`, {
        field: `payloads[${index}]`,
      });
    }
    const metadata = Object.fromEntries(
      Object.entries(item.metadata ?? {}).map(([k, v]) => [k, bytes(v, `metadata.${k}`)]),
    );
    return { metadata, data: bytes(item.data, 'data') };
  });
}

function toJson(payload: Payload): JsonPayload {
  const base64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, base64(v)])),
    data: base64(payload.data),
  };
}
