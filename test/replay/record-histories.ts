/**
 * Records workflow histories from real runs, for the replay test (test/replay/replay.test.ts):
 * starts the whole stack (dev server, `postflow worker`, `postflow api`), plays each scenario
 * through the HTTP API with the sandbox platform, and writes every workflow's history (posts,
 * unpublishes, webhook deliveries) to `test/replay/histories/<label>/`.
 *
 *   npm run replay:record -- <label>      # e.g. the release or commit the histories come from
 *
 * Commit the files: CI replays them against the current workflow code, so a change that would
 * break posts already running fails before it ships (docs/decisions.md, "Upgrades").
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { POST_EVENTS } from '../../api/post-events';
import { projectRoot } from '../../runtime/config';
import { Stack } from '../helpers/stack';
import { WebhookReceiver } from '../helpers/receiver';
import { scrubbed } from './scrub';
import { TOKEN_UPKEEP_SCHEDULE_ID } from '../../worker/token-upkeep-schedule';
import { YoutubeFake } from '../../platforms/google/youtube/fake';
import { TikTokFake } from '../../platforms/tiktok/fake';
import { TIKTOK_CHUNK_BYTES } from '../../platforms/tiktok/upload';
import { FacebookFake } from '../../platforms/meta/facebook/fake';
import { importWorkflowId } from '../../gateway/import-workflows';

/** The YouTube fake the video scenario publishes to (started in main, its URL in the stack's env). */
const youtube = new YoutubeFake();
/** YouTube's smallest chunk: the scenario's video goes in three, the upload step sending two. */
const YOUTUBE_CHUNK = 256 * 1024;

/**
 * The TikTok fake the TikTok video scenario publishes to, by FILE_UPLOAD
 * (`POSTFLOW_TIKTOK_VIDEO_SOURCE=upload`): its video goes in two chunks, the upload step sending one.
 */
const tiktok = new TikTokFake();
/** The Facebook fake the Meta upload scenario publishes to (POSTFLOW_META_VIDEO_SOURCE=upload). */
const facebook = new FacebookFake();

type Api = Stack['request'];

/**
 * Rows in the large import: enough that `importPosts` continues as new (100 rows a page, 20 pages
 * a run: workflows/import-posts.ts), its second run then finishing the import.
 */
const CONTINUED_IMPORT_ROWS = 2_000;
/**
 * Workflows a scenario makes but does not want recorded, by their post id's 26 characters (the
 * large import's posts, their webhook deliveries): two thousand copies of one short history.
 */
const unrecorded = new Set<string>();
/** Workflows a scenario makes beside the one it returns, named after it (an import's other runs). */
const alsoMade = new Map<string, string>();
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const settled = (p: { status: string }) =>
  !['scheduled', 'publishing', 'draft', 'pending_approval'].includes(p.status);

/** Each scenario returns the ids of the posts it made; `undefined` when this version refuses it. */
const scenarios: Record<string, (api: Api, stack: Stack, accounts: string[]) => Promise<string | undefined>> =
  {
    async 'now-two-targets'(api, stack, [a, b]) {
      return (await api('POST', '/v1/posts', { account_ids: [a, b], text: 'now' })).body.id;
    },
    async scheduled(api, stack, [a]) {
      const id = (
        await api('POST', '/v1/posts', { account_ids: [a], text: 'soon', scheduled_at: inSeconds(3) })
      ).body.id;
      await stack.waitForPost(id, settled);
      return id;
    },
    async 'edited-rescheduled'(api, stack, [a]) {
      const id = (
        await api('POST', '/v1/posts', { account_ids: [a], text: 'draft', scheduled_at: inSeconds(3600) })
      ).body.id;
      await api('PATCH', `/v1/posts/${id}`, { text: 'edited', scheduled_at: inSeconds(2) });
      await stack.waitForPost(id, settled);
      return id;
    },
    async cancelled(api, _stack, [a]) {
      const id = (
        await api('POST', '/v1/posts', { account_ids: [a], text: 'never', scheduled_at: inSeconds(3600) })
      ).body.id;
      await api('DELETE', `/v1/posts/${id}`);
      return id;
    },
    async 'partial-then-retried'(api, stack, [a, b]) {
      const body = {
        account_ids: [a, b],
        text: 'half',
        platform_options: { sandbox: { failure: 'validation', only_accounts: [b] } },
      };
      const id = (await api('POST', '/v1/posts', body)).body.id;
      await stack.waitForPost(id, settled);
      const retried = await api('POST', `/v1/posts/${id}/retry`);
      if (retried.status !== 200)
        throw new Error(`retry refused: ${retried.status} ${JSON.stringify(retried.body)}`);
      // The sandbox refuses the post again: the retried target fails a second time.
      await stack.waitForPost(id, (p) => settled(p) && p.targets[1].attempts === 2);
      return id;
    },
    async 'transient-retried'(api, _stack, [a]) {
      const options = { sandbox: { failure: 'transient', fail_times: 2 } };
      return (await api('POST', '/v1/posts', { account_ids: [a], text: 'flaky', platform_options: options }))
        .body.id;
    },
    async 'rate-limited'(api, _stack, [a]) {
      const options = { sandbox: { failure: 'rate_limit', retry_after_s: 1 } };
      return (
        await api('POST', '/v1/posts', { account_ids: [a], text: 'slow down', platform_options: options })
      ).body.id;
    },
    async 'unknown-reconciled'(api, _stack, [a]) {
      const options = { sandbox: { failure: 'unknown' } };
      return (
        await api('POST', '/v1/posts', { account_ids: [a], text: 'lost answer', platform_options: options })
      ).body.id;
    },
    /** A publish call lost before the platform acted: two looks find nothing, then one publication. */
    async 'lost-republished'(api, _stack, [a]) {
      const options = { sandbox: { failure: 'lost' } };
      const made = await api('POST', '/v1/posts', {
        account_ids: [a],
        text: 'lost call',
        platform_options: options,
      });
      return made.status >= 400 ? undefined : made.body.id;
    },
    /** Seven 503s: six attempts, then more inside the outage window. */
    async 'outage-outlasting-attempts'(api, _stack, [a]) {
      const options = { sandbox: { failure: 'transient', fail_times: 7 } };
      return (await api('POST', '/v1/posts', { account_ids: [a], text: 'down', platform_options: options }))
        .body.id;
    },
    async 'processing-polled'(api, _stack, [a]) {
      const options = { sandbox: { processing_polls: 2, poll_after_s: 1 } };
      const made = await api('POST', '/v1/posts', {
        account_ids: [a],
        text: 'video',
        platform_options: options,
      });
      return made.status >= 400 ? undefined : made.body.id;
    },
    async 'deleted-from-platform'(api, stack, [a]) {
      const id = (await api('POST', '/v1/posts', { account_ids: [a], text: 'regret' })).body.id;
      await stack.waitForPost(id, settled);
      await api('DELETE', `/v1/posts/${id}`);
      return id;
    },
    /** A first comment under each target: one made at once, one whose answer was lost (looked up). */
    async 'first-comment'(api, _stack, [a, b]) {
      const made = await api('POST', '/v1/posts', {
        text: 'with a comment',
        first_comment: 'the comment',
        publish_now: true,
        targets: [{ account_id: a }, { account_id: b, platform_data: { comment_failure: 'unknown' } }],
      });
      return made.status >= 400 ? undefined : made.body.id;
    },
    /** Approval: asked by webhook, approved, then published at once (a publish-now post). */
    async 'approval-approved'(api, stack, [a]) {
      const made = await api('POST', '/v1/posts', {
        account_ids: [a],
        text: 'approve me',
        requires_approval: true,
      });
      if (made.body.status !== 'pending_approval') return undefined;
      await api('POST', `/v1/posts/${made.body.id}/approve`);
      await stack.waitForPost(made.body.id, settled);
      return made.body.id;
    },
    async 'approval-rejected'(api, _stack, [a]) {
      const made = await api('POST', '/v1/posts', {
        account_ids: [a],
        text: 'reject me',
        scheduled_at: inSeconds(3600),
        requires_approval: true,
      });
      if (made.body.status !== 'pending_approval') return undefined;
      await api('POST', `/v1/posts/${made.body.id}/reject`, { reason: 'off brand' });
      return made.body.id;
    },
    /** Scheduled 4 minutes ago with a 1-minute window: expires at once. */
    async 'approval-expired'(api, stack, [a]) {
      const made = await api('POST', '/v1/posts', {
        account_ids: [a],
        text: 'too late',
        scheduled_at: inSeconds(-240),
        requires_approval: true,
        approval_window_minutes: 1,
      });
      if (made.body.status !== 'pending_approval') return undefined;
      await stack.waitForPost(made.body.id, (p) => p.status === 'expired');
      return made.body.id;
    },
    /** Approved, edited (pending again), approved again, moved to soon: published. */
    async 'approval-edited'(api, stack, [a]) {
      const made = await api('POST', '/v1/posts', {
        account_ids: [a],
        text: 'v1',
        scheduled_at: inSeconds(3600),
        requires_approval: true,
      });
      if (made.body.status !== 'pending_approval') return undefined;
      const id = made.body.id;
      await api('POST', `/v1/posts/${id}/approve`);
      await api('PATCH', `/v1/posts/${id}`, { text: 'v2' });
      await api('POST', `/v1/posts/${id}/approve`);
      await api('PATCH', `/v1/posts/${id}`, { scheduled_at: inSeconds(2) });
      await stack.waitForPost(id, settled);
      return id;
    },
    /** A recurring post's two occurrences, fired by its Schedule every two seconds, then deleted. */
    async recurring(api, stack, [a]) {
      const created = await api('POST', '/v1/recurring-posts', {
        post: { account_ids: [a], text: 'again' },
        cron: '*/2 * * * * * *',
        end: { count: 2 },
      });
      if (created.status === 404) return undefined;
      const id: string = created.body.id;
      for (;;) {
        const { body } = await api('GET', `/v1/recurring-posts/${id}/occurrences`);
        if (body.data.length === 2) {
          for (const o of body.data as Array<{ post_id: string }>)
            await stack.waitForPost(o.post_id, settled);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await api('DELETE', `/v1/recurring-posts/${id}`);
      return id;
    },
    /** A queued post re-planned by new slots (a reschedule Update), then cancelled, freeing its slot. */
    async queued(api, stack) {
      const account = await stack.createSandboxAccount('queued');
      const day = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][
        new Date(Date.now() + 2 * 86_400_000).getUTCDay()
      ];
      const queue = await api('POST', '/v1/queues', {
        account_id: account,
        timezone: 'UTC',
        slots: [{ days: [day], times: ['09:00'] }],
      });
      if (queue.status === 404) return undefined;
      const id = (await api('POST', '/v1/posts', { account_ids: [account], text: 'in a slot', queue: true }))
        .body.id;
      await api('PATCH', `/v1/queues/${queue.body.id}`, { slots: [{ days: [day], times: ['10:00'] }] });
      await api('DELETE', `/v1/posts/${id}`);
      return id;
    },
    /** An evergreen post: published, its next round waiting on its durable timer (`recyclePost`). */
    async evergreen(api, stack) {
      const account = await stack.createSandboxAccount('evergreen');
      await api('POST', '/v1/queues', {
        account_id: account,
        timezone: 'UTC',
        slots: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], times: ['09:00'] }],
      });
      const created = await api('POST', '/v1/posts', {
        account_ids: [account],
        text: 'evergreen',
        recycle: { after_days: 1, times: 1 },
      });
      if (created.status !== 201) return undefined;
      const id: string = created.body.id;
      await stack.waitForPost(id, settled);
      const round = stack.client.workflow.getHandle(`recycle_${id.replace(/^post_/, '')}_1`);
      while (!(await round.describe().catch(() => undefined)))
        await new Promise((resolve) => setTimeout(resolve, 200));
      return id;
    },
    /** A published post whose metrics collection ran its passes (a short schedule, see main). */
    async 'metrics-collected'(api, stack, [a]) {
      const made = await api('POST', '/v1/posts', { account_ids: [a], text: 'count me' });
      await stack.waitForPost(made.body.id, settled);
      const collection = stack.client.workflow.getHandle(`metrics_${made.body.id.replace(/^post_/, '')}`);
      // The post starts it just after it settles: look for a few seconds.
      for (let tries = 0; ; tries += 1) {
        if (
          await collection.describe().then(
            () => true,
            () => false,
          )
        )
          break;
        if (tries === 50) return undefined;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await collection.result();
      return made.body.id;
    },
    /**
     * A video to TikTok sent as a file (the post carries `fileUploads: ['tiktok']`) and to YouTube,
     * in one post: TikTok's upload step (init, all but the final chunk) under its own patch
     * (tiktok-upload-step), YouTube's under resumable-upload, each before its publish call.
     */
    async 'tiktok-video-upload'(api, stack) {
      const bytes = randomBytes(TIKTOK_CHUNK_BYTES + 1_000);
      const video = await stack.upload(bytes, 'video/mp4', 'clip.mp4');
      const account = async (platform: string, credentials: Record<string, string>) =>
        (await api('POST', '/v1/accounts', { platform, name: `Clips on ${platform}`, credentials })).body
          .id as string;
      const clips = await account('tiktok', tiktok.credentials());
      const films = await account('youtube', youtube.credentials());
      const made = await api('POST', '/v1/posts', {
        text: 'a clip',
        targets: [
          { account_id: clips, media_ids: [video], platform_data: { privacy_level: 'PUBLIC_TO_EVERYONE' } },
          { account_id: films, media_ids: [video], title: 'A clip' },
        ],
        publish_now: true,
      });
      await stack.waitForPost(made.body.id, settled);
      return made.body.id;
    },
    /**
     * A video to YouTube: the upload step (all but the final chunk, resumable) before the publish
     * call that sends the final chunk (patched resumable-upload), then processing.
     */
    async 'youtube-video'(api, stack) {
      const video = await stack.upload(randomBytes(2 * YOUTUBE_CHUNK + 1_000), 'video/mp4', 'film.mp4');
      const account = await api('POST', '/v1/accounts', {
        platform: 'youtube',
        name: 'Films',
        credentials: youtube.credentials(),
      });
      const made = await api('POST', '/v1/posts', {
        text: 'a film',
        targets: [{ account_id: account.body.id, media_ids: [video], title: 'A film' }],
        publish_now: true,
      });
      await stack.waitForPost(made.body.id, settled);
      return made.body.id;
    },
    /**
     * Pre-staging (recorded with STAGED_ENV): a YouTube video due in 14 s, its upload step staged
     * 8 s ahead, a timer until its publish call's lead (3 s), the call dispatched and sent at the instant.
     */
    async 'staged-youtube-video'(api, stack) {
      return stagedYoutubeVideo(api, stack, 'a staged film');
    },
    /**
     * Pre-staging, recalled: the same video post, rescheduled while staged (the upload made, the
     * timer running): the delivery is recalled, its upload offered again (YouTube renews it), and
     * it publishes once at the new instant.
     */
    async 'staged-rescheduled'(api, stack) {
      return stagedYoutubeVideo(api, stack, 'a moved film', async (id) => {
        await new Promise((resolve) => setTimeout(resolve, 9_000));
        await api('PATCH', `/v1/posts/${id}`, { scheduled_at: inSeconds(12) });
      });
    },
    /**
     * A video to a Facebook Page sent by upload (POSTFLOW_META_VIDEO_SOURCE=upload): the media
     * prepare, which sends the bytes by the Resumable Upload API, runs as an upload (patched
     * meta-upload-prepare); the publish call makes the video from the handle, then processing.
     */
    async 'facebook-video-upload'(api, stack) {
      const video = await stack.upload(randomBytes(300_000), 'video/mp4', 'clip.mp4');
      const account = await api('POST', '/v1/accounts', {
        platform: 'facebook',
        name: 'Page',
        credentials: facebook.credentials(),
      });
      const made = await api('POST', '/v1/posts', {
        text: 'a clip',
        targets: [{ account_id: account.body.id, media_ids: [video] }],
        publish_now: true,
      });
      await stack.waitForPost(made.body.id, settled);
      return made.body.id;
    },
    /**
     * Bulk imports: three rows (one refused at the API) whose two posts publish; the same file
     * again, whose starts Temporal refuses (duplicates); and a large file whose workflow continues
     * as new, its posts unrecorded.
     */
    async import(api, stack, [a]) {
      const csv = (rows: string[], headers: Record<string, string> = {}) =>
        api('POST', '/v1/posts/import', ['text,account_ids,scheduled_at', ...rows].join('\n'), {
          'content-type': 'text/csv',
          ...headers,
        });
      const done = async (id: string, headers: Record<string, string> = {}) => {
        for (;;) {
          const { body } = await api('GET', `/v1/posts/imports/${id}`, undefined, headers);
          if (body.status === 'done') return body as { rows: Array<{ post_id: string | null }> };
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      };
      const file = [`imported one,${a},`, `imported two,${a},${inSeconds(2)}`, `refused,acc_missing,`];
      const first = await csv(file);
      if (first.status === 404) return undefined;
      for (const row of (await done(first.body.id)).rows)
        if (row.post_id) await stack.waitForPost(row.post_id, settled);
      const again = await csv(file);
      await done(again.body.id);
      alsoMade.set(importWorkflowId(again.body.id), 'import-again');
      // Another user's, so the large import's posts make no webhook deliveries.
      const key = { authorization: `Bearer ${stack.keyForUser('importer')}` };
      const own = await api('POST', '/v1/accounts', { platform: 'sandbox', name: 'importer' }, key);
      const later = inSeconds(30 * 86_400);
      const rows = Array.from(
        { length: CONTINUED_IMPORT_ROWS },
        (_, i) => `imported ${i},${own.body.id},${later}`,
      );
      const large = await csv(rows, key);
      for (const row of (await done(large.body.id, key)).rows)
        unrecorded.add(row.post_id!.replace(/^post_/, ''));
      alsoMade.set(importWorkflowId(large.body.id), 'import-continued');
      return importWorkflowId(first.body.id);
    },
    /** One run of the token-upkeep job, started by its schedule (the worker created it at start). */
    async 'token-upkeep'(_api, stack) {
      const schedule = stack.client.schedule.getHandle(TOKEN_UPKEEP_SCHEDULE_ID);
      const exists = await schedule.describe().then(
        () => true,
        () => false,
      );
      if (!exists) return undefined;
      await schedule.trigger();
      for (;;) {
        const [run] = (await schedule.describe()).info.recentActions;
        if (run) {
          await stack.client.workflow.getHandle(run.action.workflow.workflowId).result();
          return run.action.workflow.workflowId;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };

/** A YouTube video post due in 14 s; `meanwhile` runs once it is created. */
async function stagedYoutubeVideo(
  api: Api,
  stack: Stack,
  text: string,
  meanwhile?: (id: string) => Promise<void>,
): Promise<string> {
  const video = await stack.upload(randomBytes(2 * YOUTUBE_CHUNK + 1_000), 'video/mp4', 'film.mp4');
  const account = await api('POST', '/v1/accounts', {
    platform: 'youtube',
    name: `Films ${text}`,
    credentials: youtube.credentials(),
  });
  const made = await api('POST', '/v1/posts', {
    text,
    targets: [{ account_id: account.body.id, media_ids: [video], title: text }],
    scheduled_at: inSeconds(14),
  });
  await meanwhile?.(made.body.id);
  await stack.waitForPost(made.body.id, settled);
  return made.body.id;
}

/**
 * The stack's settings when only staged scenarios are recorded (`RECORD_ONLY=staged-…`): publish
 * calls dispatched 3 s ahead, deliveries that prepare staged 8 s ahead.
 */
const STAGED_ENV = { POSTFLOW_PRE_DISPATCH_SECONDS: '3', POSTFLOW_PRE_STAGE: '8' };

async function main(label: string): Promise<void> {
  const receiver = await new WebhookReceiver().start();
  await youtube.start();
  youtube.processingPolls = 1;
  await tiktok.start();
  await facebook.start();
  // Metrics passes a second and two after each publish: every published post's collection ends
  // while the recorder waits, so its history is whole.
  const stack = await new Stack({
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_METRICS_SCHEDULE: '1s,2s',
    POSTFLOW_YOUTUBE_API_URL: youtube.url,
    POSTFLOW_YOUTUBE_CLIENT_ID: youtube.client.id,
    POSTFLOW_YOUTUBE_CLIENT_SECRET: youtube.client.secret,
    POSTFLOW_YOUTUBE_TOKEN_URL: `${youtube.url}/token`,
    POSTFLOW_YOUTUBE_CHUNK_BYTES: String(YOUTUBE_CHUNK),
    POSTFLOW_TIKTOK_API_URL: tiktok.url,
    POSTFLOW_TIKTOK_CLIENT_ID: 'client-key-1',
    POSTFLOW_TIKTOK_CLIENT_SECRET: 'client-secret-1',
    POSTFLOW_TIKTOK_VIDEO_SOURCE: 'upload',
    POSTFLOW_FACEBOOK_API_URL: facebook.url,
    POSTFLOW_FACEBOOK_CLIENT_ID: facebook.client.id,
    POSTFLOW_META_VIDEO_SOURCE: 'upload',
    ...(process.env.RECORD_ONLY?.split(',').every((name) => name.startsWith('staged-')) ? STAGED_ENV : {}),
  }).start();
  try {
    const api: Api = (...args) => stack.request(...args);
    await api('POST', '/v1/webhooks', { url: receiver.url, events: [...POST_EVENTS] });
    const accounts = [await stack.createSandboxAccount('one'), await stack.createSandboxAccount('two')];
    // RECORD_ONLY=name,name plays only those scenarios (when adding one).
    const only = process.env.RECORD_ONLY?.split(',');
    const made = await Promise.all(
      Object.entries(scenarios)
        .filter(([name]) => !only || only.includes(name))
        .map(async ([name, play]) => [name, await play(api, stack, accounts)] as const),
    );
    const names = new Map([
      ...made.filter(([, id]) => id).map(([name, id]) => [id!, name] as const),
      ...alsoMade,
    ]);
    for (const id of names.keys())
      if (id.startsWith('post_')) await stack.waitForPost(id, settled).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // let webhook deliveries and unpublishes finish

    const dir = join(projectRoot(), 'test', 'replay', 'histories', label);
    mkdirSync(dir, { recursive: true });
    // A label of some scenarios only says which (the replay test holds whole labels to more).
    if (only) writeFileSync(join(dir, 'RECORDED_ONLY'), `${only.join('\n')}\n`);
    let count = 0;
    for await (const execution of stack.client.workflow.list()) {
      if (execution.workflowId.split(/[_/-]/).some((part) => unrecorded.has(part))) continue;
      const handle = stack.client.workflow.getHandle(execution.workflowId, execution.runId);
      const history = await handle.fetchHistory();
      // A Schedule's runs: its id plus the nominal instant (`rec_…-2026-12-05T09:00:00Z`).
      const scheduled = execution.workflowId.replace(/-\d{4}-\d{2}-\d{2}T[\d:]+Z$/, '');
      const scenario =
        names.get(execution.workflowId) ??
        names.get(execution.workflowId.split('/')[0]!) ??
        names.get(execution.workflowId.replace(/^metrics_/, 'post_')) ??
        names.get(scheduled);
      // A run continued as new shares its workflow id with the next run: its run id tells them apart.
      const run = execution.status.name === 'CONTINUED_AS_NEW' ? `-run_${execution.runId.slice(0, 8)}` : '';
      const file = `${execution.type}-${scenario ?? 'child'}-${execution.workflowId.replace(/[^\w-]+/g, '_')}${run}.binpb`;
      // Binary protobuf: the SDK's JSON conversion fails when npm nests two protobufjs copies.
      writeFileSync(join(dir, file), scrubbed(history));
      count += 1;
    }
    const skipped = made.filter(([, id]) => !id).map(([name]) => name);
    console.log(
      `Recorded ${count} histories in ${dir}.${skipped.length ? ` Not in this version: ${skipped.join(', ')}.` : ''}`,
    );
  } finally {
    await stack.stop();
    await receiver.stop();
    await youtube.stop();
    await tiktok.stop();
    await facebook.stop();
  }
}

const label = process.argv[2];
if (!label || !/^[\w.-]+$/.test(label)) {
  console.error('usage: npm run replay:record -- <label>   (letters, digits, dots and dashes)');
  process.exit(2);
}
main(label).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
