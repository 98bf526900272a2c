import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOAuthConnectActivities } from '../../activities/oauth-connect';
import type { PostContent } from '../../api/types';
import { OAuthSecrets } from '../../codec/oauth-secrets';
import {
  consentUrl,
  credentialsOnPage,
  grantedPages,
  type PlatformDescriptor,
} from '../../platforms/descriptor';
import { PLATFORM_DESCRIPTORS } from '../../platforms/descriptors';
import { createGoogleAdapter } from '../../platforms/google/business/adapter';
import { GoogleBusinessFake } from '../../platforms/google/business/fake';
import { createYoutubeAdapter } from '../../platforms/google/youtube/adapter';
import { YoutubeFake } from '../../platforms/google/youtube/fake';
import type { AdapterOptions, PlatformAdapter } from '../../platforms/kit/adapter';
import type { FakePlatform } from '../../platforms/kit/fake-platform';
import { grantAssetsOf } from '../../platforms/grant-assets';
import { rereadGrant, withPagesRead } from '../../platforms/grant-reread';
import { ConnectRefused, redeemCode } from '../../platforms/kit/oauth-connect';
import { LinkedInFake } from '../../platforms/linkedin/fake';
import { FacebookFake } from '../../platforms/meta/facebook/fake';
import { MetaGraphFake } from '../../platforms/meta/fake-graph';
import { createInstagramAdapter } from '../../platforms/meta/instagram/adapter';
import { InstagramFake } from '../../platforms/meta/instagram/fake';
import { createInstagramBusinessAdapter } from '../../platforms/meta/instagram_business/adapter';
import { InstagramBusinessFake } from '../../platforms/meta/instagram_business/fake';
import { createThreadsAdapter } from '../../platforms/meta/threads/adapter';
import { ThreadsFake } from '../../platforms/meta/threads/fake';
import { PinterestFake } from '../../platforms/pinterest/fake';
import { RedditFake } from '../../platforms/reddit/fake';
import { createTikTokAdapter } from '../../platforms/tiktok/adapter';
import { TikTokFake } from '../../platforms/tiktok/fake';
import { createTumblrAdapter } from '../../platforms/tumblr/adapter';
import { TumblrFake } from '../../platforms/tumblr/fake';
import { createTwitterAdapter } from '../../platforms/twitter/adapter';
import { TwitterFake } from '../../platforms/twitter/fake';
import { createVkAdapter } from '../../platforms/vk/adapter';
import { VkFake } from '../../platforms/vk/fake';
import { openStore } from '../../store';
import type { Store } from '../../store/types';
import { answerConsent } from '../helpers/consent';
import { FAKE_MP4, MediaHost, publishRequest, runDelivery, type TestMedia } from './run-delivery';

/** A fresh store in a temporary home for one test, closed after it whatever the test did. */
async function withStore(test: (store: Store) => Promise<void>): Promise<void> {
  const store = await openStore(mkdtempSync(join(tmpdir(), 'oauth-connect-')));
  try {
    await test(store);
  } finally {
    await store.close();
  }
}

/**
 * Each OAuth platform's connect descriptor against its fake: the consent page takes the
 * descriptor's parameters, the code redeems (with PKCE where the platform has it) into a token
 * the fake accepts, the profile names the platform user, and a code is redeemed once only.
 */
const CALLBACK = 'http://127.0.0.1:9/v1/oauth/callback';
const secrets = new OAuthSecrets(Buffer.alloc(32, 7));

/** A post the connected account publishes through its adapter, proving the credentials work. */
interface ProofPost {
  adapter: (options: AdapterOptions) => PlatformAdapter;
  content: PostContent;
  options?: Record<string, unknown>;
  media?: TestMedia[];
}

interface Case {
  fake: FakePlatform;
  /** The platform, when it is not the fake's name (LinkedIn pages on LinkedIn's fake). */
  slug?: string;
  client: [string, string];
  identity: string;
  /** The platform gives no refresh token (Threads renews its long-lived token, VK's never expires). */
  noRefreshToken?: boolean;
  /** The token never expires (VK with `offline`). */
  noExpiry?: boolean;
  post?: ProofPost;
  /** Multi-asset grants: every page the grant gives, the first being the default. */
  pages?: string[];
}

const text = (t: string): PostContent => ({ text: t, media: [] });
const video = { source_type: 'url' as const, source: 'https://e.x/clip.mp4' };
const clip = [{ contentType: 'video/mp4', bytes: FAKE_MP4 }];
const youtube = new YoutubeFake();
const threads = new ThreadsFake();
const vk = new VkFake();
const linkedin = new LinkedInFake();
const facebook = new FacebookFake();
const instagram = new InstagramFake();
const googleBusiness = new GoogleBusinessFake();
const instagramBusiness = new InstagramBusinessFake();
const photo = { source_type: 'url' as const, source: 'https://e.x/photo.jpg' };

const cases: Case[] = [
  {
    fake: new TwitterFake(),
    client: ['client-1', 'secret-1'],
    identity: '1580000000000000001',
    post: { adapter: createTwitterAdapter, content: text('Connected through the consent page') },
  },
  { fake: linkedin, client: ['li-client', 'li-secret'], identity: 'fakemember' },
  { fake: new RedditFake(), client: ['client-1', 'secret-1'], identity: 'postflow_bot' },
  { fake: new PinterestFake(), client: ['1484362', 'app-secret-1'], identity: '549755885175' },
  {
    fake: youtube,
    client: [youtube.client.id, youtube.client.secret],
    identity: youtube.channelId,
    post: {
      adapter: createYoutubeAdapter,
      content: { text: 'Connected', title: 'First upload', media: [video] },
      media: clip,
    },
  },
  {
    fake: new TikTokFake(),
    client: ['client-key-1', 'client-secret-1'],
    identity: 'open-id-1',
    post: {
      adapter: createTikTokAdapter,
      content: { text: 'Connected #postflow', media: [video] },
      options: { privacy_level: 'PUBLIC_TO_EVERYONE' },
      media: clip,
    },
  },
  {
    fake: new TumblrFake(),
    client: ['consumer-key-1', 'consumer-secret-1'],
    identity: 'postflow-test',
    post: { adapter: createTumblrAdapter, content: text('Connected through OAuth 2') },
  },
  {
    fake: vk,
    client: [vk.client.id, vk.client.secret],
    identity: String(vk.person.id),
    noRefreshToken: true,
    noExpiry: true,
    post: { adapter: createVkAdapter, content: text('Подключено') },
  },
  {
    fake: threads,
    client: [threads.client.id, threads.client.secret],
    identity: threads.userId,
    noRefreshToken: true,
    post: { adapter: createThreadsAdapter, content: text('Connected to Threads') },
  },
  {
    fake: instagram,
    client: [instagram.client.id, instagram.client.secret],
    identity: instagram.userId,
    noRefreshToken: true,
    post: {
      adapter: createInstagramAdapter,
      content: { text: 'Connected with Instagram Login', media: [photo] },
      options: { content_type: 'feed' },
      media: [{ contentType: 'image/jpeg', bytes: Buffer.from('jpeg-bytes') }],
    },
  },
  {
    fake: facebook,
    client: ['meta-app-1', 'meta-secret-1'],
    identity: '10160000000000001',
    noRefreshToken: true,
    noExpiry: true,
    pages: ['104857600123456', '104857600654321'],
  },
  {
    fake: instagramBusiness,
    client: ['meta-app-1', 'meta-secret-1'],
    identity: '10160000000000001',
    noRefreshToken: true,
    noExpiry: true,
    // The Pages' linked accounts; the Page without one gives none.
    pages: ['17841400000000001', '17841400000000002'],
  },
  {
    fake: linkedin,
    slug: 'linkedin_page',
    client: ['li-client', 'li-secret'],
    identity: 'fakemember',
    pages: ['1', '2'],
  },
  {
    fake: googleBusiness,
    client: [googleBusiness.client.id, googleBusiness.client.secret],
    identity: googleBusiness.person.sub,
    // Every location of every account the person manages (their own, a location group).
    pages: googleBusiness.locationNames(),
    post: { adapter: createGoogleAdapter, content: text('Connected to Google Business Profile') },
  },
];
const fakes = [...new Set(cases.map((c) => c.fake))];
const host = new MediaHost();

beforeAll(() => Promise.all([host.start(), ...fakes.map((f) => f.start())]));
afterAll(() => Promise.all([host.stop(), ...fakes.map((f) => f.stop())]));

const descriptorOf = (slug: string): PlatformDescriptor => PLATFORM_DESCRIPTORS.find((d) => d.slug === slug)!;

/** The code a person's consent on `slug`'s fake sends back for `connectionId` (PKCE where it has it). */
async function consentedCode(
  slug: string,
  env: Record<string, string>,
  connectionId: string,
): Promise<string> {
  const clientId = env[`POSTFLOW_${slug.toUpperCase()}_CLIENT_ID`]!;
  const url = consentUrl(descriptorOf(slug), env, {
    clientId,
    redirectUri: CALLBACK,
    state: 's',
    codeChallenge: secrets.challenge(connectionId),
  });
  return (await answerConsent(url, 'approve')).searchParams.get('code')!;
}

/** The redeem activity's job for a connection of `usr_a`, as the workflow hands it over. */
const connectionJob = (platform: string, connectionId: string, accountId: string, brandId?: string) => ({
  connectionId,
  userId: 'usr_a',
  platform,
  accountId,
  callbackUrl: CALLBACK,
  ttlMs: 60_000,
  ...(brandId ? { brandId } : {}),
});

describe.each(cases.map((c) => ({ ...c, slug: c.slug ?? c.fake.name })))('$slug', (c) => {
  const { fake, slug, client, identity, noRefreshToken, noExpiry, post, pages } = c;
  const descriptor = descriptorOf(slug);
  const prefix = `POSTFLOW_${slug.toUpperCase()}`;
  const env = () => ({
    POSTFLOW_REDDIT_USER_AGENT: 'test-agent/1.0 by u/operator',
    [`${prefix}_API_URL`]: fake.url,
    [`${prefix}_CLIENT_ID`]: client[0],
    [`${prefix}_CLIENT_SECRET`]: client[1],
  });

  /** The consent page as connect sends a person to it; the code it sends back. */
  async function consent(connectionId: string): Promise<string> {
    const url = consentUrl(descriptor, env(), {
      clientId: client[0],
      redirectUri: CALLBACK,
      state: 'st',
      codeChallenge: secrets.challenge(connectionId),
    });
    const back = await answerConsent(url, 'approve');
    expect(back.searchParams.get('state')).toBe('st');
    return back.searchParams.get('code')!;
  }

  const redeem = (code: string, connectionId: string) =>
    redeemCode({
      descriptor,
      env: env(),
      code,
      redirectUri: CALLBACK,
      ...(descriptor.oauth!.pkce ? { codeVerifier: secrets.verifier(connectionId) } : {}),
      ...(pages ? { assets: grantAssetsOf(slug, env()) } : {}),
    });

  test('a consented code becomes the account credentials and profile, once', async () => {
    const code = await consent('conn_1');
    const { credentials, profile } = await redeem(code, 'conn_1');
    expect(profile.id).toBe(identity);
    expect(credentials[descriptor.oauth!.identityKey]).toBe(identity);
    if (!(fake instanceof VkFake)) expect(fake.accessTokens.has(credentials.access_token!)).toBe(true);
    if (noRefreshToken) expect(credentials.refresh_token).toBeUndefined();
    else expect(credentials.refresh_token).toBeTruthy();
    if (noExpiry) expect(credentials.expires_at).toBeUndefined();
    else expect(Date.parse(credentials.expires_at!)).toBeGreaterThan(Date.now());
    expect(profile.username ?? profile.name).toBeTruthy();
    const spec = descriptor.oauth!;
    expect(fake.consents.at(-1)).toMatchObject({ clientId: client[0], pkce: spec.pkce });
    expect(fake.consents.at(-1)!.scope).toBe(spec.scopes.join(spec.scopeSeparator ?? ' '));
    if (pages && fake instanceof MetaGraphFake) {
      // The account posts with the default Page's token (no expiry); the user token is long-lived.
      expect(fake.pageTokens.has(credentials.access_token!)).toBe(true);
      expect(fake.userTokens.get(credentials.user_access_token!)).toBe('long');
    }
    if (pages) {
      // Every page of the one grant is recorded; the first is where the account posts.
      expect(grantedPages(credentials).map((p) => p.id)).toEqual(pages);
      expect(grantedPages(credentials).every((p) => p.name)).toBe(true);
      expect(credentials[descriptor.oauth!.pages!.activeKey]).toBe(pages[0]);
    }
    if (fake instanceof RedditFake) expect(fake.userAgents.at(-1)).toBe('test-agent/1.0 by u/operator');
    await expect(redeem(code, 'conn_1')).rejects.toMatchObject({ code: 'oauth.code_invalid' });
  });

  if (post) {
    test('the connected credentials publish through the adapter', async () => {
      const { credentials } = await redeem(await consent('conn_3'), 'conn_3');
      const adapter = post.adapter({ baseUrl: fake.url, timeoutMs: 10_000, env: env() });
      const account = { id: `acc_${slug}`, platform: slug, name: slug, credentials };
      const req = publishRequest(account, post.content, post.options ?? {}, host.serve(post.media ?? []));
      const receipt = await runDelivery(adapter, req);
      expect(receipt.platformPostId).toBeTruthy();
    });
  }

  if (descriptor.oauth!.pkce) {
    test('the code needs the verifier of its own connection', async () => {
      const code = await consent('conn_2');
      const wrong = redeem(code, 'conn_other');
      await expect(wrong).rejects.toBeInstanceOf(ConnectRefused);
    });
  }
});

test('the PKCE verifier is RFC 7636-shaped and its challenge is its S256 hash', () => {
  const verifier = secrets.verifier('conn_x');
  expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(secrets.challenge('conn_x')).toBe(createHash('sha256').update(verifier).digest('base64url'));
  expect(secrets.open(secrets.seal('the-code'))).toBe('the-code');
  expect(new OAuthSecrets(Buffer.alloc(32, 8)).verifier('conn_x')).not.toBe(verifier);
});

test('redeeming a connection creates the account once (not for a deleted brand), and the same X user reconnects it (active again)', async () => {
  const twitter = cases[0]!.fake as TwitterFake;
  await withStore(async (store) => {
    const env = {
      POSTFLOW_TWITTER_API_URL: twitter.url,
      POSTFLOW_TWITTER_CLIENT_ID: 'client-1',
      POSTFLOW_TWITTER_CLIENT_SECRET: 'secret-1',
    };
    const { redeemOAuthConnection } = createOAuthConnectActivities({ store, env, oauthSecrets: secrets });
    /** A connection consented on X's fake, as the callback hands it to the activity. */
    const consented = async (connectionId: string, accountId: string, brandId?: string) =>
      redeemOAuthConnection(
        connectionJob('twitter', connectionId, accountId, brandId),
        secrets.seal(await consentedCode('twitter', env, connectionId)),
      );

    // A brand deleted while the person consented: no account points at it.
    const brand = await store.brands.create({ userId: 'usr_a', name: 'Gone soon' });
    expect(await store.brands.remove(brand.id)).toBe('deleted');
    await expect(consented('conn_0', 'acc_branded', brand.id)).rejects.toMatchObject({
      type: 'oauth.brand_not_found',
      nonRetryable: true,
    });
    expect(await store.getAccount('acc_branded')).toBeUndefined();
    expect(await store.listAccounts('usr_a')).toEqual([]);

    const first = await consented('conn_a', 'acc_first');
    expect(first).toMatchObject({ accountId: 'acc_first', created: true, username: 'postflow' });
    // The contract's account fields: the X user whose grant it is; X's fake shows no picture.
    expect(await store.getAccount('acc_first')).toMatchObject({
      loginId: '1580000000000000001',
      profilePictureUrl: null,
      bio: null,
      pageName: null,
    });
    await store.setAccountStatus('acc_first', 'reconnect_required', 'token revoked');

    const again = await consented('conn_b', 'acc_second');
    expect(again).toMatchObject({ accountId: 'acc_first', created: false });
    expect(await store.getAccount('acc_second')).toBeUndefined();
    expect(await store.getAccount('acc_first')).toMatchObject({ status: 'active', reconnectReason: null });
    const credentials = await store.accountCredentials('acc_first');
    expect(credentials).toMatchObject({ user_id: '1580000000000000001', username: 'postflow' });
    expect(twitter.accessTokens.has(credentials.access_token!)).toBe(true);
  });
});

describe('instagram (Instagram Login)', () => {
  const descriptor = descriptorOf('instagram');
  /** After the fakes started: their URLs are known then. */
  const env = () => ({
    POSTFLOW_INSTAGRAM_API_URL: instagram.url,
    POSTFLOW_INSTAGRAM_CLIENT_ID: instagram.client.id,
    POSTFLOW_INSTAGRAM_CLIENT_SECRET: instagram.client.secret,
  });
  const redeem = (code: string, overrides: Record<string, string> = {}) =>
    redeemCode({ descriptor, env: { ...env(), ...overrides }, code, redirectUri: CALLBACK });

  test('the code becomes a 60-day token named by the professional account, refreshed with ig_refresh_token', async () => {
    const { credentials, profile } = await redeem(await consentedCode('instagram', env(), 'conn_ig1'));
    // `user_id`, not `/me`'s app-scoped `id`, is the account Content Publishing posts to.
    expect(profile).toEqual({
      id: instagram.userId,
      username: 'postflow',
      name: 'Postflow on Instagram',
      pictureUrl: 'https://scontent.cdninstagram.example/postflow-avatar.jpg',
      bio: 'Posts scheduled with Postflow.',
    });
    expect(credentials.user_id).toBe(instagram.userId);
    const days = (Date.parse(credentials.expires_at!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(59);
    expect(instagram.accessTokens.has(credentials.access_token!)).toBe(true);

    const adapter = createInstagramAdapter({ baseUrl: instagram.url, timeoutMs: 10_000, env: env() });
    const account = { id: 'acc_ig', platform: 'instagram', name: 'postflow', credentials };
    expect(adapter.renewWindowMs).toBeGreaterThan(0);
    const renewed = await adapter.refresh!(account);
    expect(renewed.access_token).not.toBe(credentials.access_token);
    expect(instagram.accessTokens.has(renewed.access_token!)).toBe(true);
    expect(Date.parse(renewed.expires_at!)).toBeGreaterThan(Date.now() + 59 * 86_400_000);
  });

  test('the account made from the grant carries its picture, bio and professional account id', async () => {
    await withStore(async (store) => {
      const { redeemOAuthConnection } = createOAuthConnectActivities({
        store,
        env: env(),
        oauthSecrets: secrets,
      });
      const code = await consentedCode('instagram', env(), 'conn_ig4');
      await redeemOAuthConnection(connectionJob('instagram', 'conn_ig4', 'acc_ig'), secrets.seal(code));
      expect(await store.getAccount('acc_ig')).toMatchObject({
        name: 'Postflow on Instagram',
        username: 'postflow',
        profilePictureUrl: 'https://scontent.cdninstagram.example/postflow-avatar.jpg',
        bio: 'Posts scheduled with Postflow.',
        loginId: instagram.userId,
        pageName: null,
      });
    });
  });

  test("Instagram's error bodies: a used code names the reason, a wrong app secret fails the exchange", async () => {
    const code = await consentedCode('instagram', env(), 'conn_ig2');
    await redeem(code);
    await expect(redeem(code)).rejects.toMatchObject({
      code: 'oauth.code_invalid',
      message: expect.stringContaining('Matching code was not found or was already used'),
    });
    const wrong = redeem(await consentedCode('instagram', env(), 'conn_ig3'), {
      POSTFLOW_INSTAGRAM_CLIENT_SECRET: 'not-the-secret',
    });
    await expect(wrong).rejects.toMatchObject({ code: 'oauth.code_invalid' });
    await expect(wrong).rejects.not.toThrow(/not-the-secret/);
  });
});

test("an instagram_business post's page_id publishes on that Instagram account of the grant, with its Page's token", async () => {
  const descriptor = descriptorOf('instagram_business');
  const env = {
    POSTFLOW_INSTAGRAM_BUSINESS_API_URL: instagramBusiness.url,
    POSTFLOW_INSTAGRAM_BUSINESS_CLIENT_ID: 'meta-app-1',
    POSTFLOW_INSTAGRAM_BUSINESS_CLIENT_SECRET: 'meta-secret-1',
  };
  const { credentials } = await redeemCode({
    descriptor,
    env,
    code: await consentedCode('instagram_business', env, 'conn_igb'),
    redirectUri: CALLBACK,
    assets: grantAssetsOf('instagram_business', env),
  });
  const second = grantedPages(credentials)[1]!;
  expect(second.id).toBe('17841400000000002');
  // The rules take page_id as digits only; the delivery moves the account onto it (activities).
  const check = (pageId: unknown) =>
    descriptor.rules.check!({
      content: { text: 'x', media: [photo] },
      options: { content_type: 'feed', page_id: pageId },
      media: [{ kind: 'image' }],
    } as never);
  expect(check(second.id)).toEqual([]);
  expect(check('studio')).toEqual([expect.objectContaining({ field: 'options.page_id' })]);
  expect(descriptor.rules.optionKeys).toContain('page_id');

  const onSecond = credentialsOnPage(descriptor.oauth!.pages!, credentials, second.id)!;
  expect(onSecond).toMatchObject({ ig_user_id: second.id, access_token: second.accessToken });
  const adapter = createInstagramBusinessAdapter({ baseUrl: instagramBusiness.url, timeoutMs: 10_000, env });
  const account = { id: 'acc_igb', platform: 'instagram_business', name: 'postflow', credentials: onSecond };
  const media = host.serve([{ contentType: 'image/jpeg', bytes: Buffer.from('jpeg-bytes') }]);
  const req = publishRequest(
    account,
    { text: 'On the studio account', media: [photo] },
    { content_type: 'feed' },
    media,
  );
  await runDelivery(adapter, req);
  expect(instagramBusiness.published.at(-1)).toMatchObject({
    owner: second.id,
    caption: 'On the studio account',
  });
});

describe('google (Business Profile locations)', () => {
  const descriptor = descriptorOf('google');
  const env = () => ({
    POSTFLOW_GOOGLE_API_URL: googleBusiness.url,
    POSTFLOW_GOOGLE_CLIENT_ID: googleBusiness.client.id,
    POSTFLOW_GOOGLE_CLIENT_SECRET: googleBusiness.client.secret,
  });
  const redeem = async (connectionId: string) =>
    redeemCode({
      descriptor,
      env: env(),
      code: await consentedCode('google', env(), connectionId),
      redirectUri: CALLBACK,
      codeVerifier: secrets.verifier(connectionId),
      assets: grantAssetsOf('google', env()),
    });

  test('the account posts to the location chosen among the grant’s, and the named one only', async () => {
    const { credentials } = await redeem('conn_gb1');
    const [first, second] = grantedPages(credentials);
    expect(second).toEqual({ id: 'accounts/4444/locations/3333', name: 'Postflow Bakery' });
    const adapter = createGoogleAdapter({ baseUrl: googleBusiness.url, timeoutMs: 10_000, env: env() });
    const onSecond = credentialsOnPage(descriptor.oauth!.pages!, credentials, second!.id)!;
    expect(onSecond.location_name).toBe(second!.id);
    const account = { id: 'acc_gb', platform: 'google', name: 'Fake Google Person', credentials: onSecond };
    const receipt = await runDelivery(adapter, publishRequest(account, text('At the bakery'), {}, []));
    expect(receipt.platformPostId).toMatch(/^accounts\/4444\/locations\/3333\/localPosts\//);
    expect(googleBusiness.posts.at(-1)).toMatchObject({ summary: 'At the bakery' });
    expect(first!.id).toBe(googleBusiness.location);
  });

  test('locations are read past the first page of the list', async () => {
    const group = googleBusiness.accounts[1]!;
    const extra = Array.from({ length: 120 }, (_, i) => ({ id: String(9000 + i), title: `Shop ${i}` }));
    group.locations.push(...extra);
    try {
      const { credentials } = await redeem('conn_gb2');
      expect(grantedPages(credentials)).toHaveLength(googleBusiness.locationNames().length);
      expect(grantedPages(credentials).at(-1)).toEqual({
        id: 'accounts/4444/locations/9119',
        name: 'Shop 119',
      });
    } finally {
      group.locations.splice(-extra.length);
    }
  });

  test('a Google user who manages no location gets oauth.no_assets', async () => {
    const managed = googleBusiness.accounts.map((a) => a.locations.splice(0));
    try {
      await expect(redeem('conn_gb3')).rejects.toMatchObject({ code: 'oauth.no_assets' });
    } finally {
      googleBusiness.accounts.forEach((a, i) => a.locations.push(...managed[i]!));
    }
  });
});

test('a LinkedIn member who administers no organization page gets oauth.no_assets', async () => {
  const descriptor = descriptorOf('linkedin_page');
  const env = {
    POSTFLOW_LINKEDIN_PAGE_API_URL: linkedin.url,
    POSTFLOW_LINKEDIN_PAGE_CLIENT_ID: 'li-client',
    POSTFLOW_LINKEDIN_PAGE_CLIENT_SECRET: 'li-secret',
  };
  const code = await consentedCode('linkedin_page', env, 'conn_none');
  const organizations = linkedin.member.organizations.splice(0);
  try {
    const redeemed = redeemCode({
      descriptor,
      env,
      code,
      redirectUri: CALLBACK,
      assets: grantAssetsOf('linkedin_page', env),
    });
    await expect(redeemed).rejects.toMatchObject({ code: 'oauth.no_assets' });
  } finally {
    linkedin.member.organizations.push(...organizations);
  }
});

test('reconnecting a Facebook account keeps the Page chosen for it, with that Page’s fresh token', async () => {
  await withStore(async (store) => {
    const env = {
      POSTFLOW_FACEBOOK_API_URL: facebook.url,
      POSTFLOW_FACEBOOK_CLIENT_ID: 'meta-app-1',
      POSTFLOW_FACEBOOK_CLIENT_SECRET: 'meta-secret-1',
    };
    const { redeemOAuthConnection } = createOAuthConnectActivities({ store, env, oauthSecrets: secrets });
    const consented = async (connectionId: string, accountId: string) =>
      redeemOAuthConnection(
        connectionJob('facebook', connectionId, accountId),
        secrets.seal(await consentedCode('facebook', env, connectionId)),
      );
    expect(await consented('conn_fb1', 'acc_fb')).toMatchObject({
      created: true,
      displayName: 'Fake Meta Person',
    });
    const first = await store.accountCredentials('acc_fb');
    expect(first.page_id).toBe('104857600123456');
    // The person who connected, and the Page the account posts to.
    expect(await store.getAccount('acc_fb')).toMatchObject({
      loginId: '10160000000000001',
      pageName: 'Postflow Page',
      profilePictureUrl: 'https://media.example/page-104857600123456.jpg',
    });
    const second = grantedPages(first)[1]!;
    // As PATCH /v1/accounts/{id}/pages/{pageId} leaves it.
    await store.updateAccountCredentials('acc_fb', {
      ...first,
      page_id: second.id,
      access_token: second.accessToken!,
    });

    expect(await consented('conn_fb2', 'acc_other')).toMatchObject({ accountId: 'acc_fb', created: false });
    const after = await store.accountCredentials('acc_fb');
    expect(after.page_id).toBe(second.id);
    expect(await store.getAccount('acc_fb')).toMatchObject({
      pageName: second.name,
      profilePictureUrl: second.pictureUrl,
    });
    expect(after.access_token).not.toBe(second.accessToken);
    expect(facebook.pageTokens.get(after.access_token!)).toBe(second.id);
  });
});

test('a read that fails after the code was redeemed is retried with the kept token: one account, the code sent once', async () => {
  const twitter = cases[0]!.fake as TwitterFake;
  await withStore(async (store) => {
    const env = {
      POSTFLOW_TWITTER_API_URL: twitter.url,
      POSTFLOW_TWITTER_CLIENT_ID: 'client-1',
      POSTFLOW_TWITTER_CLIENT_SECRET: 'secret-1',
      POSTFLOW_FACEBOOK_API_URL: facebook.url,
      POSTFLOW_FACEBOOK_CLIENT_ID: 'meta-app-1',
      POSTFLOW_FACEBOOK_CLIENT_SECRET: 'meta-secret-1',
    };
    const { redeemOAuthConnection } = createOAuthConnectActivities({ store, env, oauthSecrets: secrets });
    const tokenCalls = (fake: FakePlatform, path: RegExp) =>
      fake.requests.filter((r) => r.method === 'POST' && path.test(r.path)).length;

    // X: the profile read's connection drops once, then X answers 503 once (both retryable now).
    const job = connectionJob('twitter', 'conn_flaky', 'acc_flaky');
    const sealed = secrets.seal(await consentedCode('twitter', env, 'conn_flaky'));
    const before = tokenCalls(twitter, /\/2\/oauth2\/token$/);
    twitter.inject({ method: 'GET', path: '/2/users/me' }, { kind: 'reset' });
    await expect(redeemOAuthConnection(job, sealed)).rejects.toThrow(/profile could not be read/);
    const kept = (await store.connectionTokens.get('conn_flaky'))?.credentials;
    expect(twitter.accessTokens.has(kept!.access_token!)).toBe(true);
    twitter.inject(
      { method: 'GET', path: '/2/users/me' },
      { status: 503, body: { title: 'Service Unavailable' } },
    );
    await expect(redeemOAuthConnection(job, sealed)).rejects.toThrow(/answered 503; retrying/);
    expect(await redeemOAuthConnection(job, sealed)).toMatchObject({ accountId: 'acc_flaky', created: true });
    expect(tokenCalls(twitter, /\/2\/oauth2\/token$/) - before).toBe(1);
    expect((await store.accountCredentials('acc_flaky')).access_token).toBe(kept!.access_token);
    // Saved: the token is forgotten; a retry after the save (a worker lost before it answered)
    // answers what was saved, sending nothing to X.
    const settled = await store.connectionTokens.get('conn_flaky');
    expect(settled).toEqual({
      connected: { accountId: 'acc_flaky', created: true, username: 'postflow', displayName: 'Postflow' },
    });
    const calls = twitter.requests.length;
    expect(await redeemOAuthConnection(job, sealed)).toMatchObject({ accountId: 'acc_flaky', created: true });
    expect(twitter.requests.length).toBe(calls);
    expect((await store.listAccounts('usr_a')).filter((a) => a.platform === 'twitter')).toHaveLength(1);

    // Facebook: the Pages read fails once after the code became a token; the retry reads them with it.
    const fbJob = connectionJob('facebook', 'conn_fb_flaky', 'acc_fb_flaky');
    const fbSealed = secrets.seal(await consentedCode('facebook', env, 'conn_fb_flaky'));
    facebook.inject({ method: 'GET', path: /\/me\/accounts$/ }, { kind: 'reset' });
    await expect(redeemOAuthConnection(fbJob, fbSealed)).rejects.toThrow();
    expect(await store.connectionTokens.get('conn_fb_flaky')).toBeDefined();
    expect(await redeemOAuthConnection(fbJob, fbSealed)).toMatchObject({
      accountId: 'acc_fb_flaky',
      created: true,
    });
    expect(grantedPages(await store.accountCredentials('acc_fb_flaky')).map((p) => p.id)).toEqual(
      cases.find((c) => c.fake === facebook)!.pages,
    );
    expect((await store.connectionTokens.get('conn_fb_flaky'))?.credentials).toBeUndefined();

    // A refusal after the token came back ends the connection and forgets its token.
    const refused = connectionJob('twitter', 'conn_refused', 'acc_refused');
    const refusedCode = secrets.seal(await consentedCode('twitter', env, 'conn_refused'));
    twitter.inject({ method: 'GET', path: '/2/users/me' }, { status: 401, body: { title: 'Unauthorized' } });
    await expect(redeemOAuthConnection(refused, refusedCode)).rejects.toMatchObject({
      type: 'oauth.profile_unavailable',
      nonRetryable: true,
    });
    expect(await store.connectionTokens.get('conn_refused')).toBeUndefined();
  });
});

describe("re-reading a grant's pages (GET /v1/accounts/{id}/pages)", () => {
  const signal = new AbortController().signal;
  // The fake's URL is known once it has started.
  let linkedinEnv: Record<string, string>;
  beforeAll(() => {
    linkedinEnv = {
      POSTFLOW_LINKEDIN_PAGE_API_URL: linkedin.url,
      POSTFLOW_LINKEDIN_PAGE_CLIENT_ID: 'li-client',
      POSTFLOW_LINKEDIN_PAGE_CLIENT_SECRET: 'li-secret',
    };
  });
  const linkedinConnected = async (connectionId: string) =>
    (
      await redeemCode({
        descriptor: descriptorOf('linkedin_page'),
        env: linkedinEnv,
        code: await consentedCode('linkedin_page', linkedinEnv, connectionId),
        redirectUri: CALLBACK,
        assets: grantAssetsOf('linkedin_page', linkedinEnv),
      })
    ).credentials;
  const ids = (credentials: Record<string, string>) => grantedPages(credentials).map((p) => p.id);

  test('Facebook: the same Pages, the chosen one kept, with a fresh Page token and a renewed user token', async () => {
    const env = {
      POSTFLOW_FACEBOOK_API_URL: facebook.url,
      POSTFLOW_FACEBOOK_CLIENT_ID: 'meta-app-1',
      POSTFLOW_FACEBOOK_CLIENT_SECRET: 'meta-secret-1',
    };
    const { credentials: connected } = await redeemCode({
      descriptor: descriptorOf('facebook'),
      env,
      code: await consentedCode('facebook', env, 'conn_fb_reread'),
      redirectUri: CALLBACK,
      assets: grantAssetsOf('facebook', env),
    });
    const second = grantedPages(connected)[1]!;
    const chosen = credentialsOnPage({ activeKey: 'page_id', noun: 'Page' }, connected, second.id)!;

    const read = (await rereadGrant('facebook', chosen, env, signal))!;
    expect(ids(read)).toEqual(facebook.pages.map((p) => p.id));
    const kept = withPagesRead('page_id', chosen, read);
    expect(kept.page_id).toBe(second.id);
    expect(kept.access_token).not.toBe(chosen.access_token);
    expect(facebook.pageTokens.get(kept.access_token!)).toBe(second.id);
    expect(kept.user_access_token).not.toBe(chosen.user_access_token);
    expect(facebook.userTokens.get(kept.user_access_token!)).toBe('long');
  });

  test('LinkedIn: organizations granted and withdrawn since show; the one posted to never moves', async () => {
    const connected = await linkedinConnected('conn_li_reread');
    expect(ids(connected)).toEqual(['1', '2']);
    linkedin.organizationNames.set('3', 'Postflow Studio');
    linkedin.member.organizations.push('urn:li:organization:3');
    const withdrawn = linkedin.member.organizations.splice(0, 1);
    try {
      const read = (await rereadGrant('linkedin_page', connected, linkedinEnv, signal))!;
      expect(grantedPages(read)).toEqual([
        { id: '2', name: 'Postflow Labs' },
        { id: '3', name: 'Postflow Studio' },
      ]);
      // Organization 1 is no longer administered, yet posts still go there until another is chosen.
      const kept = withPagesRead('organization_id', connected, read);
      expect([kept.organization_id, kept.access_token, ids(kept)]).toEqual([
        '1',
        connected.access_token,
        ['2', '3'],
      ]);
    } finally {
      linkedin.member.organizations.splice(
        0,
        linkedin.member.organizations.length,
        ...withdrawn,
        'urn:li:organization:2',
      );
    }
  });

  test('an expired member token is refreshed first; a grant with no page left needs a new consent', async () => {
    const connected = await linkedinConnected('conn_li_expired');
    const expired = { ...connected, expires_at: new Date(Date.now() - 1000).toISOString() };
    await expect(rereadGrant('linkedin_page', expired, linkedinEnv, signal)).rejects.toMatchObject({
      failure: { category: 'auth', refreshable: true },
    });
    const organizations = linkedin.member.organizations.splice(0);
    try {
      await expect(rereadGrant('linkedin_page', connected, linkedinEnv, signal)).rejects.toMatchObject({
        code: 'oauth.no_assets',
      });
    } finally {
      linkedin.member.organizations.push(...organizations);
    }
  });

  test('an account connected with credentials has no grant to read', async () => {
    const env = { POSTFLOW_FACEBOOK_API_URL: facebook.url };
    expect(await rereadGrant('facebook', { page_id: facebook.pageId, access_token: 'x' }, env, signal)).toBe(
      undefined,
    );
  });
});
