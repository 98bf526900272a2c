import type { DeliveryReceipt, PostContent, PublishFailure, TargetSpec } from '../../api/types';
import type { MediaFile } from '../media';

/** The account an adapter publishes as, with its credentials decrypted for this call only. */
export interface AccountContext {
  id: string;
  platform: string;
  name: string;
  credentials: Record<string, string>;
}

/** One publish of one post to one account. */
export interface PublishRequest {
  postId: string;
  account: AccountContext;
  target: TargetSpec;
  /** The post's content with the target's overrides applied. */
  content: PostContent;
  /** `content.media`, resolved: metadata, bytes and fetchable URLs (empty for `findExisting`). */
  media: MediaFile[];
  /** `<post id>/<account id>`: what `findExisting` looks for after an unknown outcome. */
  ref: string;
  /** Aborted when the activity is cancelled or the worker shuts down. */
  signal: AbortSignal;
}

/** One delete of one published post from one account. */
export interface UnpublishRequest {
  account: AccountContext;
  platformPostId: string;
  signal: AbortSignal;
}

/**
 * One social platform. Adapters contain no Temporal code: they classify their own failures by
 * throwing `PublishError`, and the activity layer maps that to Temporal once (activities/errors.ts).
 */
export interface PlatformAdapter {
  readonly platform: string;
  /** Makes the post public. Irreversible: the engine never calls it twice unless proven safe. */
  publish(request: PublishRequest): Promise<DeliveryReceipt>;
  /** Looks the post up on the platform; absent where the platform offers no lookup. */
  findExisting?(request: PublishRequest): Promise<DeliveryReceipt | null>;
  /**
   * Deletes a published post from the platform: `deleted` once it is gone (also when it was gone
   * already), `not_supported` when this post cannot be deleted through the API (it stays live).
   * Absent where the platform offers no delete at all. Failures throw `PublishError`.
   */
  unpublish?(request: UnpublishRequest): Promise<'deleted' | 'not_supported'>;
  /** Exchanges the account's refresh credentials for fresh ones; throws `PublishError` (auth) when dead. */
  refresh?(account: AccountContext): Promise<Record<string, string>>;
}

/** Thrown by adapters for every failure, already classified. */
export class PublishError extends Error {
  readonly failure: PublishFailure;

  constructor(failure: PublishFailure, options?: { cause?: unknown }) {
    super(failure.message, options);
    this.name = 'PublishError';
    this.failure = failure;
  }
}
