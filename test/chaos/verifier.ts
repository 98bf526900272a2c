import type { BlueskyFake } from '../../platforms/bluesky/fake';
import type { MastodonFake } from '../../platforms/mastodon/fake';
import type { Stack } from '../helpers/stack';
import { callApi } from './api';
import type { ChaosAccount, StreamedPost } from './post-stream';
import { sleep } from './random';

const FINAL = new Set(['published', 'partial', 'failed', 'cancelled']);

/** What the platforms hold: per account, one entry per post they published. */
interface LedgerEntry {
  /** The Postflow post the platform post belongs to (by id for the sandbox, by text for the fakes). */
  postId: string | undefined;
  platformPostId: string;
}

export interface Verdict {
  accepted: number;
  /** Posts the API never accepted before the end (the client gave up): must be 0. */
  unaccepted: number;
  /** Posts the API refused with a 4xx: the stream is wrong; must be 0. */
  refused: string[];
  targets: Record<string, number>;
  statuses: Record<string, number>;
  /** Accepted posts not in a final state by the settle deadline. */
  stuck: string[];
  /** Accepted posts the API no longer knows, and targets reported published that no platform holds. */
  lost: string[];
  /** Second platform posts of a target, platform posts of no accepted post, and extra posts in the API. */
  duplicates: string[];
  /** Targets whose `platform_post_id` (in `targets[]` or `results[]`) is not the platform's. */
  mismatched: string[];
  /** Targets that ended `failed` (every injected failure passes on retry, so each is a finding). */
  failedTargets: string[];
  settleMs: number;
  /** The latest a scheduled post went out after its `scheduled_at`. */
  worstLateMs: number;
  /** The longest an immediate post took from acceptance to its last target published. */
  worstImmediateMs: number;
}

export interface Fakes {
  mastodon?: { fake: MastodonFake; accountId: string };
  bluesky?: { fake: BlueskyFake; accountId: string };
}

/**
 * After the faults: waits until every accepted post is final (or the deadline), then holds each
 * post against the platforms' own records: exactly one platform post per target, the same id
 * as the post reports, nothing published for posts that do not exist.
 */
export async function verify(
  stack: Stack,
  posts: StreamedPost[],
  accounts: ChaosAccount[],
  fakes: Fakes,
  settleMs: number,
  log: (line: string) => void,
): Promise<Verdict> {
  const accepted = posts.filter((p) => p.id);
  const byMarker = new Map(accepted.map((p) => [p.marker, p.id!]));
  const began = Date.now();
  const resources = await settle(stack, accepted, began + settleMs, log);
  const settled = Date.now() - began;

  const ledgers = new Map<string, LedgerEntry[]>();
  for (const account of accounts.filter((a) => a.platform === 'sandbox')) {
    const answer = await callApi(stack, 'GET', `/v1/sandbox/${account.id}/posts`);
    if (answer.status !== 200) throw new Error(`sandbox ledger of ${account.id}: ${answer.status}`);
    ledgers.set(
      account.id,
      (answer.body.data as Array<{ post_id: string; platform_post_id: string }>).map((item) => ({
        postId: item.post_id,
        platformPostId: item.platform_post_id,
      })),
    );
  }
  const markerOf = (text: string) => /\[chaos [^\]]+\]/.exec(text)?.[0] ?? '';
  if (fakes.mastodon) {
    ledgers.set(
      fakes.mastodon.accountId,
      fakes.mastodon.fake.statuses.map((s) => ({
        postId: byMarker.get(markerOf(s.text)),
        platformPostId: s.id,
      })),
    );
  }
  if (fakes.bluesky) {
    ledgers.set(
      fakes.bluesky.accountId,
      fakes.bluesky.fake.posts.map((p) => ({
        postId: byMarker.get(markerOf(String(p.record.text))),
        platformPostId: p.uri,
      })),
    );
  }

  const verdict: Verdict = {
    accepted: accepted.length,
    unaccepted: posts.filter((p) => !p.id && !p.refused).length,
    refused: posts.filter((p) => p.refused).map((p) => `${p.marker}: ${p.refused}`),
    targets: {},
    statuses: {},
    stuck: [],
    lost: [],
    duplicates: [],
    mismatched: [],
    failedTargets: [],
    settleMs: settled,
    worstLateMs: 0,
    worstImmediateMs: 0,
  };
  const acceptedIds = new Set(accepted.map((p) => p.id!));
  for (const [accountId, entries] of ledgers) {
    for (const entry of entries) {
      if (!entry.postId || !acceptedIds.has(entry.postId))
        verdict.duplicates.push(`${accountId}: ${entry.platformPostId} belongs to no accepted post`);
    }
  }

  for (const post of accepted) {
    const resource = resources.get(post.id!);
    if (!resource) {
      verdict.lost.push(`${post.id} ${post.marker}: unknown to the API`);
      continue;
    }
    verdict.statuses[resource.status] = (verdict.statuses[resource.status] ?? 0) + 1;
    if (!FINAL.has(resource.status)) verdict.stuck.push(`${post.id} ${post.marker}: ${resource.status}`);
    let lastPublished = 0;
    for (const target of post.targets) {
      verdict.targets[target.platform] = (verdict.targets[target.platform] ?? 0) + 1;
      const where = `${post.id} ${post.marker} on ${target.platform} ${target.id}`;
      const reported = resource.targets.find((t: any) => t.account_id === target.id);
      const result = resource.results.find((r: any) => r.account_id === target.id);
      const made = (ledgers.get(target.id) ?? []).filter((e) => e.postId === post.id);
      if (made.length > 1) verdict.duplicates.push(`${where}: ${made.length} platform posts`);
      if (!reported) {
        verdict.lost.push(`${where}: the post has no such target`);
        continue;
      }
      if (reported.status === 'failed') {
        verdict.failedTargets.push(`${where}: ${reported.error?.code} ${reported.error?.message}`);
      }
      if (reported.status === 'published') {
        if (made.length === 0) verdict.lost.push(`${where}: reported published, no platform post`);
        else if (
          reported.platform_post_id !== made[0]!.platformPostId ||
          result?.platform_post_id !== made[0]!.platformPostId
        )
          verdict.mismatched.push(
            `${where}: ${reported.platform_post_id} / ${result?.platform_post_id} ≠ ${made[0]!.platformPostId}`,
          );
        lastPublished = Math.max(lastPublished, Date.parse(reported.published_at ?? resource.updated_at));
      }
    }
    if (resource.status === 'published') {
      if (post.scheduledAt) {
        verdict.worstLateMs = Math.max(verdict.worstLateMs, lastPublished - Date.parse(post.scheduledAt));
      } else {
        verdict.worstImmediateMs = Math.max(verdict.worstImmediateMs, lastPublished - post.acceptedAt!);
      }
    }
  }

  // A retried create must never have made a second post: the API lists exactly the accepted ones.
  for (const id of await listedPostIds(stack)) {
    if (!acceptedIds.has(id)) verdict.duplicates.push(`${id}: a post the stream never got back`);
  }
  return verdict;
}

/** Polls the accepted posts until each is final or the deadline passes; the last answer of each. */
async function settle(
  stack: Stack,
  posts: StreamedPost[],
  deadline: number,
  log: (line: string) => void,
): Promise<Map<string, any>> {
  const last = new Map<string, any>();
  let waiting = posts.map((p) => p.id!);
  for (;;) {
    const still: string[] = [];
    for (const id of waiting) {
      const answer = await callApi(stack, 'GET', `/v1/posts/${id}`);
      if (answer.status === 200) last.set(id, answer.body);
      if (answer.status === 404) last.delete(id);
      if (answer.status !== 200 || !FINAL.has(answer.body.status)) still.push(id);
    }
    waiting = still;
    if (waiting.length === 0 || Date.now() > deadline) return last;
    log(`${waiting.length} post(s) not final yet`);
    await sleep(3_000);
  }
}

async function listedPostIds(stack: Stack): Promise<string[]> {
  const ids: string[] = [];
  let cursor = '';
  for (;;) {
    const answer = await callApi(
      stack,
      'GET',
      `/v1/posts?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (answer.status !== 200)
      throw new Error(`GET /v1/posts: ${answer.status} ${JSON.stringify(answer.body)}`);
    ids.push(...(answer.body.data as Array<{ id: string }>).map((p) => p.id));
    if (!answer.body.pagination.has_more) return ids;
    cursor = answer.body.pagination.next_cursor;
  }
}
