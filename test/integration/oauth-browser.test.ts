import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PLATFORM_DESCRIPTORS } from '../../platforms/descriptors';
import { FakePlatform } from '../../platforms/kit/fake-platform';
import { answerConsent } from '../helpers/consent';
import { Stack } from '../helpers/stack';

/**
 * Connecting accounts as a person does, in a real browser: Debian's chromium (headless), driven
 * by playwright-core, walks POST /v1/accounts/connect's auth_url → the platform fake's consent
 * page (Approve) → Postflow's callback → the caller's registered redirect URI, for every platform
 * whose descriptor has an `oauth` block (a platform given one later joins by itself: its fake
 * is found in platforms/, configured through oauthApp()). Then, on X: refused consent, a replayed
 * and an expired state, an unregistered redirect URI, a reused code.
 */
const CHROMIUM = process.env.POSTFLOW_CHROMIUM ?? '/usr/bin/chromium';
/** Short, so the expiry can be seen; each walk finishes well within it. */
const TTL_SECONDS = 30;
const OAUTH_SLUGS = PLATFORM_DESCRIPTORS.filter((d) => d.oauth).map((d) => d.slug);

let fakes: Map<string, FakePlatform>;
let stack: Stack;
let browser: Browser;
let page: Page;
/** The caller's page the person lands on after the callback: a redirect URI the user registered. */
let landing: Server;
let landingUrl: string;

/** Platforms played by another platform's fake (the same API, another kind of account). */
const PLAYED_BY: Record<string, string> = { linkedin_page: 'linkedin' };

/** Every platform fake in platforms/ (…/fake.ts), by the platform it plays. */
async function allFakes(): Promise<Map<string, FakePlatform>> {
  const found = new Map<string, FakePlatform>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name === 'fake.ts') {
        for (const exported of Object.values(await import(path))) {
          if (typeof exported !== 'function' || !(exported.prototype instanceof FakePlatform)) continue;
          const fake = new (exported as new () => FakePlatform)();
          found.set(fake.name, fake);
        }
      }
    }
  };
  await walk(join(__dirname, '..', '..', 'platforms'));
  return found;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `No chromium at ${CHROMIUM}: install Debian's (apt-get install chromium), as .ci/run does.`,
    );
  const every = await allFakes();
  fakes = new Map();
  const env: Record<string, string> = { POSTFLOW_OAUTH_STATE_TTL_SECONDS: String(TTL_SECONDS) };
  for (const slug of OAUTH_SLUGS) {
    const fake = every.get(slug) ?? every.get(PLAYED_BY[slug] ?? '');
    const app = fake?.oauthApp();
    if (!fake || !app)
      throw new Error(
        `${slug} has an oauth block: its fake (platforms/…/fake.ts) needs a consentRoute and oauthApp().`,
      );
    // One fake may play two platforms (LinkedIn's members and pages): started once.
    if (![...fakes.values()].includes(fake)) await fake.start();
    fakes.set(slug, fake);
    const prefix = `POSTFLOW_${slug.toUpperCase()}`;
    Object.assign(env, {
      [`${prefix}_API_URL`]: fake.url,
      [`${prefix}_CLIENT_ID`]: app.clientId,
      [`${prefix}_CLIENT_SECRET`]: app.clientSecret,
    });
  }
  landing = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>Back in the app</title><p id="query">${new URL(req.url!, 'http://x').search}</p>`,
    );
  });
  await new Promise<void>((resolve) => landing.listen(0, '127.0.0.1', resolve));
  landingUrl = `http://127.0.0.1:${(landing.address() as AddressInfo).port}/connected`;
  stack = await new Stack(env).start();
  // A loopback http URI, registered by the user over the API (not the operator's list).
  const registered = await stack.request('POST', '/v1/oauth/redirect-uris', { redirect_uri: landingUrl });
  expect(registered.status).toBe(201);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's sandbox refuses to start as root (CI runs as root).
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await new Promise((resolve) => (landing ? landing.close(resolve) : resolve(undefined)));
  await Promise.all([...new Set(fakes?.values() ?? [])].map((fake) => fake.stop()));
});

/** connect; the 202's body. */
async function connect(platform: string, body: Record<string, unknown> = {}) {
  const { status, body: started } = await stack.request('POST', '/v1/accounts/connect', {
    platform,
    redirect_uri: landingUrl,
    ...body,
  });
  expect([platform, status]).toEqual([platform, 202]);
  return started as { auth_url: string; state: string };
}

/**
 * The person opens auth_url, sees the consent page and clicks `button`; resolves once the
 * browser is back on the landing page, with the callback URL Postflow was reached at.
 */
async function walk(authUrl: string, button: 'Approve' | 'Deny') {
  let callbackUrl: string | undefined;
  const seen = (request: { url(): string }) => {
    if (new URL(request.url()).pathname === '/v1/oauth/callback') callbackUrl = request.url();
  };
  page.on('request', seen);
  try {
    await page.goto(authUrl);
    await page.getByRole('button', { name: button }).click();
    await page.waitForURL((url) => url.href.startsWith(landingUrl));
  } finally {
    page.off('request', seen);
  }
  return { landed: new URL(page.url()), callbackUrl: callbackUrl! };
}

test.each(OAUTH_SLUGS)(
  '%s: connect → consent page (Approve) → callback → the registered redirect URI',
  async (slug) => {
    const fake = fakes.get(slug)!;
    const started = await connect(slug, { state: `mine-${slug}` });
    await page.goto(started.auth_url);
    // The consent page names the app and the scopes the descriptor asks for.
    await expect(page.locator('#app').textContent()).resolves.toBe(fake.oauthApp()!.clientId);
    const scopes = await page.locator('#scopes li').allTextContents();
    expect(scopes).toEqual(PLATFORM_DESCRIPTORS.find((d) => d.slug === slug)!.oauth!.scopes);

    const { landed, callbackUrl } = await walk(started.auth_url, 'Approve');
    expect(callbackUrl).toContain(`state=${encodeURIComponent(started.state)}`);
    expect(`${landed.origin}${landed.pathname}`).toBe(landingUrl);
    expect(landed.searchParams.get('status')).toBe('connected');
    expect(landed.searchParams.get('platform')).toBe(slug);
    expect(landed.searchParams.get('state')).toBe(`mine-${slug}`);
    const accountId = landed.searchParams.get('account_id')!;
    expect(accountId).toMatch(/^acc_/);
    expect(await page.locator('#query').textContent()).toContain('status=connected');

    const { status, body: account } = await stack.request('GET', `/v1/accounts/${accountId}`);
    expect(status).toBe(200);
    expect(account).toMatchObject({ id: accountId, platform: slug, status: 'active' });
    expect(fake.consents.at(-1)).toMatchObject({ clientId: fake.oauthApp()!.clientId, approved: true });
  },
);

describe('on X', () => {
  test('Deny on the consent page lands on the redirect URI with the error', async () => {
    const started = await connect('twitter', { state: 'denied' });
    const { landed } = await walk(started.auth_url, 'Deny');
    expect(`${landed.origin}${landed.pathname}`).toBe(landingUrl);
    expect(landed.searchParams.get('status')).toBe('error');
    expect(landed.searchParams.get('error')).toBe('oauth.consent_denied');
    expect(landed.searchParams.get('state')).toBe('denied');
  });

  test('a replayed callback is refused; its code, reused through /v1/oauth/exchange, is oauth.code_invalid', async () => {
    const { landed, callbackUrl } = await walk((await connect('twitter')).auth_url, 'Approve');
    expect(landed.searchParams.get('status')).toBe('connected');

    const replayed = await page.goto(callbackUrl);
    expect(replayed!.status()).toBe(409);
    expect(JSON.parse(await page.locator('body').innerText()).error.code).toBe('oauth.state_used');

    const code = new URL(callbackUrl).searchParams.get('code')!;
    const next = await connect('twitter');
    const reused = await stack.request('POST', '/v1/oauth/exchange', {
      platform: 'twitter',
      code,
      metadata: { state: next.state, redirect_uri: landingUrl },
    });
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe('oauth.code_invalid');
  });

  test('an unregistered redirect URI is refused at connect', async () => {
    for (const uri of [`${landingUrl}/other`, landingUrl.replace('127.0.0.1', 'localhost')]) {
      const { status, body } = await stack.request('POST', '/v1/accounts/connect', {
        platform: 'twitter',
        redirect_uri: uri,
      });
      expect([uri, status, body.error.meta.field]).toEqual([uri, 400, 'redirect_uri']);
    }
  });

  test('a state used after it expired is refused', async () => {
    const started = await connect('twitter');
    // Consented, but the person comes back to Postflow too late.
    const back = await answerConsent(started.auth_url, 'approve');
    await new Promise((resolve) => setTimeout(resolve, (TTL_SECONDS + 2) * 1000));
    const late = await page.goto(back.toString());
    expect(late!.status()).toBe(410);
    expect(JSON.parse(await page.locator('body').innerText()).error.code).toBe('oauth.state_expired');
  });
});
