/**
 * The contract's error envelope and codes (socialapi-contract §1.1):
 * `{ "error": { "code", "message", "meta" }, "request_id" }`.
 */

/** One problem with a request, located by its field path (e.g. `targets[1].account_id`). */
export interface Issue {
  field: string;
  code: string;
  message: string;
  /** Set when the problem comes from a platform's rules. */
  platform?: string;
}

/**
 * Thrown by the contract, the client and the HTTP API for anything the caller must fix or know.
 * The HTTP layer turns it into the envelope with `status`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly meta?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A 400 that lists every problem at once; `meta.field` names the first, `meta.errors` all. */
export function validationError(issues: Issue[]): ApiError {
  const [first] = issues;
  if (issues.length === 1) {
    return new ApiError(400, first.code, `${first.field}: ${first.message}`, {
      field: first.field,
      ...(first.platform ? { platform: first.platform } : {}),
      errors: issues,
    });
  }
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  return new ApiError(400, 'validation.body_invalid', `${issues.length} problems: ${summary}`, {
    field: first.field,
    errors: issues,
  });
}

export function postNotFound(id: string): ApiError {
  return new ApiError(404, 'post.not_found', `No post with id ${id}.`, { resource: 'post', id });
}

/** 404 `account.not_found`; `field` locates the id in the request when it came from the body. */
export function accountNotFound(id: string, field?: string): ApiError {
  return new ApiError(
    404,
    'account.not_found',
    `No account with id ${id}; list yours with GET /v1/accounts.`,
    {
      resource: 'account',
      id,
      ...(field ? { field } : {}),
    },
  );
}

/** 404 `brand.not_found`; `field` locates the id in the request when it came from the body or query. */
export function queueNotFound(id: string): ApiError {
  return new ApiError(404, 'queue.not_found', `No queue with id ${id}; list yours with GET /v1/queues.`, {
    resource: 'queue',
    id,
  });
}

export function brandNotFound(id: string, field?: string): ApiError {
  return new ApiError(404, 'brand.not_found', `No brand with id ${id}; list yours with GET /v1/brands.`, {
    resource: 'brand',
    id,
    ...(field ? { field } : {}),
  });
}

/**
 * Seed-era flat codes (`{ "error": "…", "code": "account_not_found" }`), still what the official
 * Python SDK 0.3.0 maps to its exception classes, for the current codes that had one.
 */
const LEGACY_CODES: Record<string, string> = {
  'auth.unauthorized': 'unauthorized',
  'auth.invalid_key': 'invalid_token',
  'account.not_found': 'account_not_found',
  'post.not_found': 'not_found',
  'media.not_found': 'not_found',
  'brand.not_found': 'not_found',
  'resource.not_found': 'not_found',
  'billing.storage_quota': 'storage_quota_exceeded',
  'resource.not_supported': 'not_supported',
};

/**
 * The error body: the current envelope (`error.code`, `error.message`, `error.meta`) for today's
 * clients, plus top-level `code` and `message` that seed-era clients read.
 */
export function errorEnvelope(err: ApiError, requestId: string) {
  return {
    error: { code: err.code, message: err.message, ...(err.meta ? { meta: err.meta } : {}) },
    code: LEGACY_CODES[err.code] ?? err.code,
    message: err.message,
    request_id: requestId,
  };
}

export function mediaNotFound(id: string): ApiError {
  return new ApiError(404, 'media.not_found', `No media ${id}; list yours with GET /v1/media.`, {
    resource: 'media',
    id,
  });
}
