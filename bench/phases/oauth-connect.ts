import { createHash, randomBytes } from 'node:crypto';
import { TwitterFake } from '../../platforms/twitter/fake';
import { answerConsent } from '../../test/helpers/consent';
import { Stack } from '../../test/helpers/stack';
import type { Settings } from '../context';
import { percentile, round } from '../stats';

const CLIENT_ID = 'client-1';
const CLIENT_SECRET = 'secret-1';

/**
 * The OAuth connect round trip, on a stack of its own with X's fake: `POST /v1/accounts/connect`,
 * the consent page approved, Postflow's callback answering with the account (no `redirect_uri`, so
 * the callback answers JSON). The baseline is the same consent and the platform calls Postflow
 * makes for it, by a bare client: authorize with PKCE, the code redeemed at X's token endpoint,
 * the user read with the token. Postflow's part is the rest: the connection's state and workflow,
 * the exchange in an activity, the account and its encrypted credentials stored. Connections run
 * one after another, the two sides alternating, so that each is a person's round trip, not a load.
 */
export async function measureOAuthConnect(settings: Settings, log: (line: string) => void) {
  const twitter = await new TwitterFake().start();
  const stack = await new Stack({
    POSTFLOW_TWITTER_API_URL: twitter.url,
    POSTFLOW_TWITTER_CLIENT_ID: CLIENT_ID,
    POSTFLOW_TWITTER_CLIENT_SECRET: CLIENT_SECRET,
  }).start();
  try {
    // One of each first, unmeasured: the first connection starts the workflow code's first run.
    await connectThroughPostflow(stack);
    await connectBare(twitter.url);
    const postflow: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < settings.oauthConnects; i++) {
      const sides = [
        async () => postflow.push(await timed(() => connectThroughPostflow(stack))),
        async () => bare.push(await timed(() => connectBare(twitter.url))),
      ];
      for (const side of i % 2 === 0 ? sides : sides.reverse()) await side();
    }
    const figures = (ms: number[]) => ({ p50: round(percentile(ms, 50)), p99: round(percentile(ms, 99)) });
    const p = figures(postflow);
    const b = figures(bare);
    log(
      `  ${settings.oauthConnects} connects: Postflow p50 ${p.p50} / p99 ${p.p99} ms; bare p50 ${b.p50} / p99 ${b.p99} ms`,
    );
    return {
      oauth_connects: settings.oauthConnects,
      oauth_connect_ms: p,
      oauth_connect_baseline_ms: b,
      oauth_connect_added_ms: round(p.p50 - b.p50),
    };
  } finally {
    await stack.stop();
    await twitter.stop();
  }
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** A person connecting X through Postflow: connect, consent, the callback's account. */
async function connectThroughPostflow(stack: Stack): Promise<void> {
  const { status, body } = await stack.request('POST', '/v1/accounts/connect', { platform: 'twitter' });
  if (status !== 202) throw new Error(`POST /v1/accounts/connect answered ${status}`);
  const back = await answerConsent((body as { auth_url: string }).auth_url, 'approve');
  const done = await fetch(`${stack.baseUrl}${back.pathname}${back.search}`, { redirect: 'manual' });
  const account = (await done.json()) as { account_id?: string };
  if (done.status !== 200 || !account.account_id)
    throw new Error(`the OAuth callback answered ${done.status}: ${JSON.stringify(account)}`);
}

/** The platform's share of a connection, by a bare client: consent with PKCE, token, user. */
async function connectBare(platformUrl: string): Promise<void> {
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = 'http://127.0.0.1:9/back';
  const authorize = new URL('/i/oauth2/authorize', platformUrl);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: redirectUri,
    scope: 'tweet.read tweet.write users.read media.write offline.access',
    state: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const back = await answerConsent(authorize, 'approve');
  const token = await fetch(new URL('/2/oauth2/token', platformUrl), {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code') ?? '',
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }),
  });
  const pair = (await token.json()) as { access_token?: string };
  if (token.status !== 200 || !pair.access_token)
    throw new Error(`X's token endpoint answered ${token.status}`);
  const me = await fetch(new URL('/2/users/me', platformUrl), {
    headers: { authorization: `Bearer ${pair.access_token}` },
  });
  if (me.status !== 200) throw new Error(`X's /2/users/me answered ${me.status}`);
  await me.arrayBuffer();
}
