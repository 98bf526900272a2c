import { BlueskyFake } from '../../platforms/bluesky/fake';
import { MastodonFake } from '../../platforms/mastodon/fake';
import { Stack } from '../helpers/stack';
import { callApi } from './api';
import { FaultInjector } from './fault-injector';
import { type ChaosAccount, PostStream, type StreamedPost } from './post-stream';
import { Random, sleep } from './random';
import type { ChaosReport } from './report';
import type { ChaosSettings } from './settings';
import { type Fakes, verify } from './verifier';

/**
 * The chaos run: the real stack (Temporal dev server on its SQLite file, `postflow worker` ×
 * `settings.workers`, `postflow api`), a stream of posts through the HTTP API, workers killed
 * with SIGKILL and the server restarted until the form's minimums are reached; then every post
 * is held against the platforms' records.
 */
export async function runChaos(
  settings: ChaosSettings,
  log: (line: string) => void = (line) => console.log(`[chaos] ${line}`),
): Promise<{ report: ChaosReport; posts: StreamedPost[] }> {
  const random = new Random(settings.seed);
  const mastodon = settings.fakes ? await new MastodonFake().start() : undefined;
  const bluesky = settings.fakes ? await new BlueskyFake().start() : undefined;
  const stack = new Stack({
    POSTFLOW_SYNC_WAIT_MS: '0',
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    ...(mastodon ? { POSTFLOW_MASTODON_API_URL: mastodon.url } : {}),
    ...(bluesky ? { POSTFLOW_BLUESKY_API_URL: bluesky.url } : {}),
  });
  let faults: FaultInjector | undefined;
  try {
    await stack.start();
    const accounts: ChaosAccount[] = [];
    for (let i = 1; i <= settings.sandboxAccounts; i++) {
      accounts.push({ id: await stack.createSandboxAccount(`chaos ${i}`), platform: 'sandbox' });
    }
    const fakes: Fakes = {};
    if (mastodon) {
      fakes.mastodon = {
        fake: mastodon,
        accountId: await connect(stack, 'mastodon', mastodon.credentials()),
      };
      accounts.push({ id: fakes.mastodon.accountId, platform: 'mastodon' });
    }
    if (bluesky) {
      fakes.bluesky = {
        fake: bluesky,
        accountId: await connect(stack, 'bluesky', bluesky.appPasswordCredentials()),
      };
      accounts.push({ id: fakes.bluesky.accountId, platform: 'bluesky' });
    }

    log(
      `${settings.form} form, seed ${settings.seed}: at least ${settings.minKills} kills and ${settings.minRestarts} restarts`,
    );
    const stream = new PostStream(stack, settings, random, accounts, `${settings.seed}`);
    faults = new FaultInjector(stack, settings, random, log);
    const began = Date.now();
    stream.start();
    faults.start();
    for (;;) {
      await sleep(1_000);
      const elapsed = Date.now() - began;
      const { kills, restarts } = faults.counts;
      if (elapsed % 30_000 < 1_000)
        log(
          `${Math.round(elapsed / 1000)} s: ${kills} kills, ${restarts} restarts, ${stream.posts.length} posts`,
        );
      const reached =
        kills >= settings.minKills && restarts >= settings.minRestarts && elapsed >= settings.minFaultMs;
      if (reached || elapsed >= settings.maxFaultMs) break;
    }
    log('faults stop; waiting for the workers and the server to be up');
    await faults.stop();
    const faultMs = Date.now() - began;
    await stream.finish(Date.now() + settings.settleMs);
    const verdict = await verify(stack, stream.posts, accounts, fakes, settings.settleMs, log);
    const report: ChaosReport = {
      settings,
      faultMs,
      faults: faults.counts,
      createRetries: stream.posts.reduce((n, p) => n + p.retries, 0),
      createReplays: stream.posts.reduce((n, p) => n + p.replayed, 0),
      verdict,
      notes: faults.notes,
    };
    return { report, posts: stream.posts };
  } finally {
    await faults?.shutdown().catch(() => undefined);
    await stack.stop().catch(() => undefined);
    await mastodon?.stop();
    await bluesky?.stop();
  }
}

async function connect(stack: Stack, platform: string, credentials: Record<string, string>): Promise<string> {
  const answer = await callApi(stack, 'POST', '/v1/accounts', {
    platform,
    name: `chaos ${platform}`,
    credentials,
  });
  if (answer.status !== 201)
    throw new Error(`${platform} account: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}
