import type { AccountInfo, MediaLookup, ParsedCreatePost, ParsedPostUpdate } from '../api/normalise';
import { mediaOf } from '../api/normalise';
import type { MediaInfo } from '../api/platform-rules';
import type { MediaRef } from '../api/types';
import { checkOutboundUrl } from '../net/guard';
import type { Store } from '../store/types';

/**
 * What the normaliser needs to know beyond the body, loaded from the store before it runs: the
 * accounts a post names and what its media are. Only a body the schema accepted is looked up: a
 * hostile body may name a hundred thousand accounts or URLs (each URL a DNS lookup), and one the
 * schema refuses is refused before any lookup is used.
 */
export class PostInputs {
  /** With `memo`, what was looked up (accounts, media, URL checks) for reuse by later bodies. */
  private readonly memo?: {
    accounts: Map<string, Promise<AccountInfo | undefined>>;
    media: Map<string, Promise<{ problem?: string; info?: MediaInfo }>>;
  };

  /**
   * @param deps.memo remember every lookup for the inputs' lifetime: an import checks thousands of
   * bodies naming the same few accounts and media, at one moment. Off for the long-lived instance
   * of single requests, which must see the store as it is now.
   */
  constructor(private readonly deps: { store: Store; allowPrivateUrls: boolean; memo?: boolean }) {
    if (deps.memo) this.memo = { accounts: new Map(), media: new Map() };
  }

  /** The caller's accounts the body names, for the normaliser's synchronous lookups. */
  async accounts(userId: string, parsed: ParsedCreatePost): Promise<(id: string) => AccountInfo | undefined> {
    if (!parsed.success) return () => undefined;
    const body = parsed.data;
    const ids = [...(body.account_ids ?? []), ...(body.targets ?? []).map((t) => t.account_id)];
    const accounts = new Map<string, AccountInfo>();
    for (const id of new Set(ids)) {
      const account = await this.remembered(this.memo?.accounts, `${userId}\u0000${id}`, async () => {
        const found = await this.deps.store.getAccount(id, userId);
        const brand = found?.brandId ? await this.deps.store.brands.get(found.brandId, userId) : undefined;
        return (
          found && {
            platform: found.platform,
            status: found.status,
            ...(brand
              ? { approval: { required: brand.requiresApproval, otherKey: brand.approvalByOtherKey } }
              : {}),
          }
        );
      });
      if (account) accounts.set(id, account);
    }
    return (id) => accounts.get(id);
  }

  /**
   * Checks every media item a create body names (post level and per target): library media must
   * be the caller's and uploaded; URLs must be public (checked again when the post is published).
   */
  async media(userId: string, parsed: ParsedCreatePost): Promise<MediaLookup> {
    return this.mediaOf(userId, parsed.success ? [parsed.data, ...(parsed.data.targets ?? [])] : []);
  }

  /** The same checks for the media of a `PATCH` body the update schema accepted. */
  async patchMedia(userId: string, parsed: ParsedPostUpdate): Promise<MediaLookup> {
    return this.mediaOf(userId, parsed.success ? [parsed.data] : []);
  }

  private async mediaOf(userId: string, levels: Parameters<typeof mediaOf>[0][]): Promise<MediaLookup> {
    const problems = new Map<string, string | undefined>();
    const infos = new Map<string, MediaInfo>();
    for (const level of levels) {
      for (const ref of mediaOf(level) ?? []) {
        const key = keyOf(ref);
        if (problems.has(key)) continue;
        const { problem, info } = await this.remembered(this.memo?.media, `${userId}\u0000${key}`, () =>
          this.mediaProblem(userId, ref),
        );
        problems.set(key, problem);
        if (info) infos.set(key, info);
      }
    }
    return { problem: (media) => problems.get(keyOf(media)), info: (media) => infos.get(keyOf(media)) };
  }

  private remembered<T>(memo: Map<string, Promise<T>> | undefined, key: string, load: () => Promise<T>) {
    if (!memo) return load();
    let found = memo.get(key);
    if (!found) memo.set(key, (found = load()));
    return found;
  }

  private async mediaProblem(
    userId: string,
    media: MediaRef,
  ): Promise<{ problem?: string; info?: MediaInfo }> {
    if (media.source_type === 'url') {
      const why = await checkOutboundUrl(media.source, this.deps.allowPrivateUrls);
      return why ? { problem: `media URL ${why}` } : {};
    }
    if (media.source_type !== 'media_id') return {};
    const item = await this.deps.store.media.get(media.source, userId);
    if (!item)
      return { problem: `no media ${media.source} in your library; upload it with POST /v1/media/upload.` };
    if (item.status !== 'ready')
      return {
        problem: `media ${media.source} is ${item.status}; finish its upload with POST /v1/media/${media.source}/verify.`,
      };
    const kind = item.contentType.startsWith('image/')
      ? 'image'
      : item.contentType.startsWith('video/')
        ? 'video'
        : 'unknown';
    return {
      info: {
        kind,
        contentType: item.contentType,
        ...(item.sizeBytes !== null ? { sizeBytes: item.sizeBytes } : {}),
        ...(item.durationSec !== null ? { durationSec: item.durationSec } : {}),
      },
    };
  }
}

const keyOf = (media: MediaRef) => `${media.source_type}:${media.source}`;
