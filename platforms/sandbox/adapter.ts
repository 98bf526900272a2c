import { setTimeout as delay } from 'node:timers/promises';
import { ulid } from 'ulid';
import type { SandboxOptions } from './descriptor';
import type { PublishFailure } from '../../api/types';
import type { Store } from '../../store/types';
import { simulatedMetrics } from './metrics';
import { type CommentRequest, type PlatformAdapter, PublishError, type PublishRequest } from '../kit/adapter';
import { chunkRanges } from '../kit/media-reader';

/** What the sandbox reads of a file at once while it ingests it. */
const INGEST_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * The built-in `sandbox` platform: publishes into Postflow's own store, so Postflow can be tried
 * and automations tested without real accounts. Its options inject each failure class the engine
 * handles; see docs/sandbox.md.
 */
export function createSandboxAdapter(store: Store, publicUrl: string): PlatformAdapter {
  const failures: Record<NonNullable<SandboxOptions['failure']>, (o: SandboxOptions) => PublishFailure> = {
    transient: () => ({
      category: 'platform',
      caused_by: 'platform',
      code: 'platform.sandbox.unavailable',
      message: 'Sandbox answered 503 Service Unavailable.',
      retryable: true,
      outcomeUnknown: false,
    }),
    rate_limit: (o) => ({
      category: 'rate_limit',
      caused_by: 'platform',
      code: 'platform.sandbox.rate_limit',
      message: 'Sandbox answered 429 Too Many Requests.',
      retryable: true,
      outcomeUnknown: false,
      retryAfterMs: (o.retry_after_s ?? 2) * 1000,
    }),
    auth_expired: () => ({
      category: 'auth',
      caused_by: 'user',
      code: 'platform.sandbox.auth',
      message: 'Sandbox answered 401: access token expired.',
      retryable: false,
      outcomeUnknown: false,
      refreshable: true,
    }),
    auth_revoked: () => ({
      category: 'auth',
      caused_by: 'user',
      code: 'platform.sandbox.auth',
      message: 'Sandbox answered 401: access token revoked.',
      retryable: false,
      outcomeUnknown: false,
      refreshable: true,
    }),
    validation: () => ({
      category: 'validation',
      caused_by: 'user',
      code: 'platform.sandbox.rejected',
      message: 'Sandbox rejected the post (400): injected validation failure.',
      retryable: false,
      outcomeUnknown: false,
    }),
    unknown: () => ({
      category: 'system',
      caused_by: 'platform',
      code: 'publishing.delivery.timeout',
      message: 'Sandbox made the post but its answer was lost (injected timeout).',
      retryable: true,
      outcomeUnknown: true,
    }),
    lost: () => ({
      category: 'system',
      caused_by: 'platform',
      code: 'publishing.delivery.timeout',
      message: 'Sandbox never received the post, and its answer was lost (injected timeout).',
      retryable: true,
      outcomeUnknown: true,
    }),
  };
  /** Failures that never pass with retries, whatever `fail_times` says. */
  const permanent = new Set(['auth_revoked', 'validation']);

  const optionsOf = (req: PublishRequest | CommentRequest): SandboxOptions =>
    req.target.options as SandboxOptions;
  const receiptOf = (platformPostId: string, publishedAt: string) => ({
    platformPostId,
    permalink: `${publicUrl}/v1/sandbox/posts/${platformPostId}`,
    publishedAt,
  });

  const commentReceiptOf = (commentId: string, platformPostId: string) => ({
    commentId,
    permalink: `${publicUrl}/v1/sandbox/posts/${platformPostId}#${commentId}`,
  });

  return {
    platform: 'sandbox',

    async publish(req) {
      const options = optionsOf(req);
      const injected =
        options.failure && (!options.only_accounts || options.only_accounts.includes(req.account.id));
      // Calls are counted (durably) only where a failure is injected: a clean publish writes once.
      const failing =
        injected &&
        (permanent.has(options.failure!) ||
          (await store.sandbox.nextAttempt(req.ref)) <= (options.fail_times ?? 1));
      if (failing && options.failure === 'auth_revoked') {
        // The platform revoked the grant: the refresh that follows must fail too.
        await store.updateAccountCredentials(req.account.id, { ...req.account.credentials, revoked: 'true' });
      }
      if (failing && options.failure !== 'unknown')
        throw new PublishError(failures[options.failure!](options));

      // Like a real platform, the post exists once the request is processed, before the answer arrives.
      const item = {
        platformPostId: `sbx_${ulid()}`,
        accountId: req.account.id,
        ref: req.ref,
        text: req.content.text,
        title: req.content.title ?? null,
        media: await Promise.all(
          req.media.map(async (file) => {
            // Like a platform that ingests the files: every byte is read, URLs are fetched; a
            // chunk at a time, so a sandbox post of a large video holds none of it in memory.
            const reader = await file.open();
            for (const { start, end } of chunkRanges(reader.size, INGEST_CHUNK_BYTES)) {
              // A cancelled step stops ingesting (a large file is hundreds of reads).
              req.signal.throwIfAborted();
              await reader.read(start, end);
            }
            return {
              sourceType: file.ref.source_type,
              source: file.ref.source,
              contentType: reader.contentType,
              sizeBytes: reader.size,
            };
          }),
        ),
        options: req.target.options,
        publishedAt: new Date().toISOString(),
      };
      await store.sandbox.record(item);
      if (options.latency_ms) await delay(options.latency_ms, undefined, { signal: req.signal });
      if (failing) throw new PublishError(failures.unknown(options));
      if (options.processing_polls) {
        return {
          processing: { platform_post_id: item.platformPostId, polls_left: options.processing_polls },
          pollAfterMs: (options.poll_after_s ?? 5) * 1000,
        };
      }
      return receiptOf(item.platformPostId, item.publishedAt);
    },

    async checkPublished(req, state) {
      const left = Number(state.polls_left) - 1;
      const item = await store.sandbox.get(String(state.platform_post_id));
      if (!item) throw new PublishError(failures.validation(optionsOf(req)));
      if (left > 0) {
        return {
          processing: { ...state, polls_left: left },
          pollAfterMs: (optionsOf(req).poll_after_s ?? 5) * 1000,
        };
      }
      return receiptOf(item.platformPostId, item.publishedAt);
    },

    async findExisting(req) {
      const item = await store.sandbox.findByRef(req.account.id, req.ref);
      return item ? receiptOf(item.platformPostId, item.publishedAt) : null;
    },

    /**
     * A first comment is a reply item in the store (`options.in_reply_to`, its ref the comment's),
     * listed with the account's posts; `comment_failure` injects failures into its calls.
     */
    async comment(req) {
      const options = optionsOf(req);
      const injected = options.comment_failure;
      const failing =
        injected &&
        (injected === 'validation' ||
          (await store.sandbox.nextAttempt(req.ref)) <= (options.comment_fail_times ?? 1));
      if (failing && injected !== 'unknown') throw new PublishError(failures[injected](options));
      const item = {
        platformPostId: `sbc_${ulid()}`,
        accountId: req.account.id,
        ref: req.ref,
        text: req.text,
        title: null,
        media: [],
        options: { in_reply_to: req.post.platformPostId },
        publishedAt: new Date().toISOString(),
      };
      await store.sandbox.record(item);
      if (failing) throw new PublishError(failures.unknown(options));
      return commentReceiptOf(item.platformPostId, req.post.platformPostId);
    },

    async findComment(req) {
      const item = await store.sandbox.findByRef(req.account.id, req.ref);
      return item ? commentReceiptOf(item.platformPostId, req.post.platformPostId) : null;
    },

    async unpublish(req) {
      const item = await store.sandbox.get(req.platformPostId);
      // `deletable: false` plays a platform whose posts stay live (TikTok, Instagram feed posts).
      if (item && (item.options as SandboxOptions).deletable === false) return 'not_supported';
      if (item) await store.sandbox.remove(req.platformPostId);
      return 'deleted';
    },

    async fetchMetrics(req) {
      const item = await store.sandbox.get(req.post.platformPostId);
      if (!item) return null; // deleted from the sandbox
      return simulatedMetrics(item.platformPostId, (Date.now() - Date.parse(item.publishedAt)) / 3_600_000);
    },

    async refresh(account) {
      // The sandbox has no real tokens; an account whose token was "revoked" cannot be refreshed.
      const revoked = account.credentials.revoked === 'true';
      if (revoked) {
        throw new PublishError({
          category: 'auth',
          caused_by: 'user',
          code: 'account.reconnection_required',
          message: 'The sandbox refresh token was revoked; reconnect the account.',
          retryable: false,
          outcomeUnknown: false,
        });
      }
      return { ...account.credentials, access_token: `sbx_tok_${ulid()}` };
    },
  };
}
