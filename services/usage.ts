import type { PostStatus } from '../api/types';
import type { UsageResource } from '../api/resources';
import type { MediaLibrary } from '../media';
import type { Store } from '../store/types';

export interface UsageDeps {
  store: Store;
  /** The media library, whose quota (`POSTFLOW_STORAGE_LIMIT_BYTES`) is reported beside the usage. */
  library: Pick<MediaLibrary, 'limitBytes'>;
  /** How many of the user's posts were created in [from, to), by status (Temporal's visibility). */
  countPosts(userId: string, from: Date, to: Date): Promise<Record<PostStatus, number>>;
}

/**
 * `GET /v1/usage`: what a user has used, beside the limits Postflow is configured with. It enforces
 * nothing; the storage quota is enforced where media is stored (services/media-items.ts).
 */
export class UsageService {
  constructor(private readonly deps: UsageDeps) {}

  /** Posts are counted over the calendar month (UTC) that `now` falls in. */
  async of(userId: string, now = new Date()): Promise<UsageResource> {
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    const { store } = this.deps;
    const [byStatus, media, counts] = await Promise.all([
      this.deps.countPosts(userId, start, end),
      store.media.usage(userId),
      store.counts(userId),
    ]);
    return {
      period: { start: start.toISOString(), end: end.toISOString() },
      posts: { created: Object.values(byStatus).reduce((a, b) => a + b, 0), by_status: byStatus },
      storage: {
        used_bytes: media.usedBytes,
        limit_bytes: this.deps.library.limitBytes ?? -1,
        media_count: media.count,
      },
      accounts: { count: counts.accounts },
      webhooks: { count: counts.webhooks },
    };
  }
}
