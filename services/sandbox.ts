import type { z } from 'zod';
import { accountNotFound, ApiError } from '../api/errors';
import type { SandboxItemResource, sandboxListSchema } from '../api/resources';
import type { SandboxItem, Store } from '../store/types';

function itemResource(item: SandboxItem): SandboxItemResource {
  return {
    platform_post_id: item.platformPostId,
    account_id: item.accountId,
    post_id: item.ref.split('/')[0],
    text: item.text,
    title: item.title,
    media: item.media.map((m) => ({
      source_type: m.sourceType,
      source: m.source,
      content_type: m.contentType,
      size_bytes: m.sizeBytes,
    })),
    platform_options: item.options,
    published_at: item.publishedAt,
  };
}

/** What the sandbox platform has "published": the place to check automations end to end. */
export class SandboxService {
  constructor(private readonly deps: { store: Store }) {}

  /** What was published for one of the user's sandbox accounts. */
  async published(userId: string, accountId: string): Promise<z.infer<typeof sandboxListSchema>> {
    const account = await this.deps.store.getAccount(accountId, userId);
    if (!account || account.platform !== 'sandbox') throw accountNotFound(accountId);
    return { data: (await this.deps.store.sandbox.list(account.id)).map(itemResource) };
  }

  /** A sandbox post (its permalink), when it was published for one of the user's accounts. */
  async post(userId: string, platformPostId: string): Promise<SandboxItemResource> {
    const item = await this.deps.store.sandbox.get(platformPostId);
    const owner = item && (await this.deps.store.getAccount(item.accountId, userId));
    if (!item || !owner) {
      throw new ApiError(404, 'resource.not_found', `No sandbox post ${platformPostId}.`, {
        resource: 'sandbox_post',
        id: platformPostId,
      });
    }
    return itemResource(item);
  }
}
