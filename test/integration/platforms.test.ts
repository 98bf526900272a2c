import type { FakePlatform } from '../fakes/fake-platform';
import { MastodonFake } from '../fakes/mastodon';
import { FAKE_MP4, PNG_1X1 } from '../contracts/run-delivery';
import { Stack } from '../helpers/stack';

/**
 * One post to one account of every platform at once, through the real stack (Temporal dev
 * server, `postflow worker`, `postflow api`), each platform played by its fake over HTTP.
 */
interface PlatformCase {
  platform: string;
  fake: FakePlatform;
  /** The account's credentials, as a user would give them to POST /v1/accounts. */
  credentials(): Record<string, string>;
  /** The target of the shared post: its options and the media it takes. */
  target(media: { image: string; video: string }): Record<string, unknown>;
  /** What the fake published: ids and texts. */
  published(): Array<{ id: string; text: string }>;
}

const mastodon = new MastodonFake();

const cases: PlatformCase[] = [
  {
    platform: 'mastodon',
    fake: mastodon,
    credentials: () => mastodon.credentials(),
    target: ({ image }) => ({ media_ids: [image], platform_data: { alt_text: 'A pixel' } }),
    published: () => mastodon.statuses.map((s) => ({ id: s.id, text: s.text })),
  },
];

let stack: Stack;

beforeAll(async () => {
  await Promise.all(cases.map((c) => c.fake.start()));
  const env = Object.fromEntries(
    cases.flatMap((c) => [
      [`POSTFLOW_${c.platform.toUpperCase()}_API_URL`, c.fake.url],
      [`POSTFLOW_${c.platform.toUpperCase()}_CLIENT_ID`, 'client-1'],
      [`POSTFLOW_${c.platform.toUpperCase()}_CLIENT_SECRET`, 'secret-1'],
    ]),
  );
  stack = await new Stack({ ...env, POSTFLOW_ALLOW_PRIVATE_URLS: 'true' }).start();
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all(cases.map((c) => c.fake.stop()));
});

async function upload(bytes: Buffer, contentType: string, filename: string): Promise<string> {
  const form = new FormData();
  form.set('file', new Blob([bytes], { type: contentType }), filename);
  const response = await fetch(`${stack.baseUrl}/v1/media/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}` },
    body: form,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { media_id: string }).media_id;
}

test('one post reaches an account of every platform once, each with its platform post id', async () => {
  const media = {
    image: await upload(PNG_1X1, 'image/png', 'pixel.png'),
    video: await upload(FAKE_MP4, 'video/mp4', 'clip.mp4'),
  };
  const targets = [];
  for (const c of cases) {
    const account = await stack.request('POST', '/v1/accounts', {
      platform: c.platform,
      name: `${c.platform} account`,
      credentials: c.credentials(),
    });
    expect(account.status).toBe(201);
    targets.push({ account_id: account.body.id, ...c.target(media) });
  }

  const created = await stack.request('POST', '/v1/posts', {
    text: 'Postflow, everywhere at once',
    targets,
    publish_now: true,
  });
  expect([200, 201, 202]).toContain(created.status);
  const post = await stack.waitForPost(
    created.body.id,
    (p) => !['scheduled', 'publishing'].includes(p.status),
  );

  expect(post.targets.map((t: any) => [t.platform, t.status, t.error?.message ?? null])).toEqual(
    cases.map((c) => [c.platform, 'published', null]),
  );
  for (const [i, c] of cases.entries()) {
    const ledger = c.published();
    expect(ledger).toHaveLength(1);
    expect(post.targets[i].platform_post_id).toBe(ledger[0]!.id);
    expect(ledger[0]!.text).toContain('Postflow, everywhere at once');
    expect(post.targets[i].permalink).toMatch(/^https?:\/\//);
  }
});
