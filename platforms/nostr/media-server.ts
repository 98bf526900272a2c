import type { OutboundPolicy } from '../../net/guard';
import type { PublishError } from '../kit/adapter';
import {
  type FailureRule,
  type PlatformBody,
  platformFailure,
  platformFetch,
  readBody,
  rejected,
  retryAfterMs,
} from '../kit/http';
import { httpAuth } from './nip98';

const PLATFORM = 'nostr';
/** Where a NIP-96 server describes itself, under the server's address. */
export const NIP96_DOCUMENT = '/.well-known/nostr/nip96.json';

/**
 * One uploaded file as a note links it: the NIP-94 tags of the server's answer that a NIP-92
 * `imeta` tag carries (`url`, `m`, `x`, `ox`, `dim`). Plain JSON: it travels in step state.
 */
export interface UploadedFile {
  url: string;
  /** `m`, `x`, `ox`, `dim` where the server gave them. */
  [field: string]: string;
}

/** An upload the server is still processing (NIP-96 "Delayed Processing"): asked again at `processing_url`. */
export type ProcessingUpload = {
  processing_url: string;
};

export interface MediaServerCall {
  policy: OutboundPolicy;
  timeoutMs: number;
  signal: AbortSignal;
}

const IMETA_FIELDS = ['url', 'm', 'x', 'ox', 'dim'] as const;

/**
 * The server's upload URL (`api_url` of its `/.well-known/nostr/nip96.json`). A relay may point
 * at another server instead (`delegated_to_url`, with an empty `api_url`): followed once.
 */
export async function discover(server: string, call: MediaServerCall): Promise<string> {
  let base = server.replace(/\/$/, '');
  for (let hop = 0; hop < 2; hop++) {
    const response = await platformFetch(`${base}${NIP96_DOCUMENT}`, { method: 'GET' }, options(call));
    const body = await readBody(response);
    if (!response.ok) throw failureOf(response, body, 'media_server_discovery');
    const api = typeof body.api_url === 'string' ? body.api_url : '';
    if (api && URL.canParse(api)) return api;
    if (!api && typeof body.delegated_to_url === 'string' && URL.canParse(body.delegated_to_url)) {
      base = body.delegated_to_url.replace(/\/$/, '');
      continue;
    }
    break;
  }
  throw rejected(
    PLATFORM,
    'media_server_invalid',
    `the media_server's ${NIP96_DOCUMENT} names no api_url: it is not a NIP-96 file server. Reconnect the account with one.`,
  );
}

/**
 * Uploads one file (`POST <api_url>`, multipart `file`, NIP-98 auth with the file's hash as
 * `payload`). Prepare is not the irreversible step: a lost answer is simply uploaded again, and
 * servers name a file by its hash, so the second upload answers with the first one's URL.
 */
export async function upload(
  apiUrl: string,
  file: { bytes: Buffer; contentType: string; alt?: string },
  secretKey: Uint8Array,
  call: MediaServerCall,
): Promise<UploadedFile | ProcessingUpload> {
  const form = new FormData();
  form.append(
    'file',
    new Blob([file.bytes], { type: file.contentType }),
    `upload.${extension(file.contentType)}`,
  );
  form.append('size', String(file.bytes.length));
  form.append('content_type', file.contentType);
  if (file.alt) form.append('alt', file.alt);
  const response = await platformFetch(
    apiUrl,
    {
      method: 'POST',
      body: form,
      headers: { authorization: httpAuth(secretKey, apiUrl, 'POST', file.bytes) },
    },
    options(call),
  );
  const body = await readBody(response);
  if (!response.ok) throw failureOf(response, body, 'media_upload');
  return answerOf(body);
}

/** Asks again about an upload being processed: done (201 with the file), or still processing. */
export async function checkProcessing(
  processingUrl: string,
  call: MediaServerCall,
): Promise<UploadedFile | ProcessingUpload> {
  const response = await platformFetch(processingUrl, { method: 'GET' }, options(call));
  const body = await readBody(response);
  if (!response.ok) throw failureOf(response, body, 'media_processing');
  if (body.status === 'error') {
    throw rejected(
      PLATFORM,
      'media_processing_failed',
      `the media server could not process the file: ${messageOf(body)}`,
    );
  }
  if (response.status === 200 && body.status === 'processing') return { processing_url: processingUrl };
  return answerOf(body);
}

/** A successful answer: the file (its NIP-94 tags), or, with a `processing_url`, one to ask again. */
function answerOf(body: PlatformBody): UploadedFile | ProcessingUpload {
  if (typeof body.processing_url === 'string' && URL.canParse(body.processing_url)) {
    return { processing_url: body.processing_url };
  }
  const tags: unknown[] = Array.isArray(body.nip94_event?.tags) ? body.nip94_event.tags : [];
  const file: Record<string, string> = {};
  for (const tag of tags) {
    if (!Array.isArray(tag) || typeof tag[1] !== 'string') continue;
    const name = (IMETA_FIELDS as readonly string[]).find((f) => f === tag[0]);
    if (name && file[name] === undefined) file[name] = tag[1];
  }
  if (!file.url || !URL.canParse(file.url)) {
    throw platformFailure(
      PLATFORM,
      { category: 'platform', code: 'media_upload_invalid', retryable: true },
      `the media server's answer has no nip94_event url tag (${messageOf(body)}).`,
    );
  }
  return { ...file, url: file.url };
}

/**
 * NIP-96's answers: 400 the form or file is refused, 401 the NIP-98 auth (the server's clock, or a
 * server that does not know the key), 402 payment required, 403 not allowed or the hash did not
 * match, 413 the file is too large; then HTTP's usual meanings. The server's `message` is quoted.
 */
function failureOf(response: Response, body: PlatformBody, step: string): PublishError {
  const rule: FailureRule =
    RULES[response.status] ??
    (response.status === 429
      ? { category: 'rate_limit', code: 'media_rate_limit', retryable: true }
      : response.status >= 500
        ? { category: 'platform', code: 'media_server_error', retryable: true }
        : { category: 'validation', code: `${step}_rejected` });
  return platformFailure(
    PLATFORM,
    rule,
    `the media server answered ${response.status} (${messageOf(body)})${HINTS[response.status] ?? ''}`,
    { retryAfter: retryAfterMs(response.headers) },
  );
}

const RULES: Record<number, FailureRule> = {
  400: { category: 'validation', code: 'media_rejected' },
  401: { category: 'auth', code: 'media_auth' },
  402: { category: 'auth', code: 'media_payment_required' },
  403: { category: 'auth', code: 'media_forbidden' },
  404: { category: 'validation', code: 'media_server_invalid' },
  413: { category: 'validation', code: 'media_too_large' },
};

const HINTS: Record<number, string> = {
  401: '; it refused the NIP-98 authorization (is the clock right, does the server take this key?)',
  402: '; the server wants payment for storage: pay it or set another media_server',
  404: '; is media_server a NIP-96 file server?',
  413: '; the file is over its limit: use a smaller file or another media_server',
};

function messageOf(body: PlatformBody): string {
  return String(body.message ?? body.error ?? body.text ?? 'no message').slice(0, 200);
}

function options(call: MediaServerCall) {
  return { platform: PLATFORM, signal: call.signal, timeoutMs: call.timeoutMs, userHost: call.policy };
}

function extension(contentType: string): string {
  return /^[a-z]+\/([a-z0-9.+-]+)$/i.exec(contentType)?.[1]?.replace('jpeg', 'jpg') ?? 'bin';
}
