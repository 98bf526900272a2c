import { createInstagramBusinessAdapter } from '../../platforms/meta/instagram_business/adapter';
import { InstagramBusinessFake } from '../../platforms/meta/instagram_business/fake';
import { MetaGraphFake } from '../../platforms/meta/fake-graph';
import { instagramContract, png } from './instagram-subject';
import { instagramUploadSuite } from './instagram-upload';
import { commentRequest, MediaHost, publishRequest, runDelivery } from './run-delivery';

instagramContract({
  platform: 'instagram_business',
  startFake: () => new InstagramBusinessFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createInstagramBusinessAdapter({ baseUrl, timeoutMs }),
  refreshes: false,
});

describe('instagram_business specifics', () => {
  let fake: InstagramBusinessFake;
  const host = new MediaHost();
  const adapter = () => createInstagramBusinessAdapter({ baseUrl: fake.url });
  const account = (credentials = fake.credentials()) => ({
    id: 'acc_igb',
    platform: 'instagram_business',
    name: 'IG Business',
    credentials,
  });
  const feed = (credentials?: Record<string, string>) =>
    publishRequest(
      account(credentials),
      { text: 'From Facebook Login', media: [] },
      { content_type: 'feed' },
      host.serve([png]),
    );
  beforeAll(async () => {
    await host.start();
    fake = await new InstagramBusinessFake().start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  test('publishes at /{ig_user_id}/media and /media_publish, then takes its first comment', async () => {
    const req = feed();
    const receipt = await runDelivery(adapter(), req);
    const paths = fake.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        `POST /v25.0/${fake.userId}/media`,
        `POST /v25.0/${fake.userId}/media_publish`,
      ]),
    );
    expect(fake.published.at(-1)).toMatchObject({
      id: receipt.platformPostId,
      caption: 'From Facebook Login',
    });
    await adapter().comment!(commentRequest(req, receipt, 'First!'));
    expect(fake.comments.under(receipt.platformPostId).map((c) => c.text)).toEqual(['First!']);
  });

  test('an account without ig_user_id is refused for good, naming the credential', async () => {
    const { access_token } = fake.credentials();
    await expect(runDelivery(adapter(), feed({ access_token: access_token! }))).rejects.toMatchObject({
      failure: { category: 'validation', code: 'platform.instagram_business.credentials', retryable: false },
    });
  });

  test('an expired or revoked token (190) means reconnecting: no refresh flow', async () => {
    expect(adapter().refresh).toBeUndefined();
    fake.inject(
      { method: 'POST', path: /\/media_publish$/ },
      MetaGraphFake.error(400, 190, 'Error validating access token: Session has expired.', { subcode: 463 }),
    );
    const failure = await runDelivery(adapter(), feed()).catch((e) => e.failure);
    expect(failure).toMatchObject({ category: 'auth', reconnect: true });
    expect(failure.refreshable).toBeFalsy();
  });

  test('a long-lived user token near its expires_at is used as is: it cannot be renewed', async () => {
    const credentials = {
      ...fake.credentials(),
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    };
    const receipt = await runDelivery(adapter(), feed(credentials));
    expect(fake.published.at(-1)!.id).toBe(receipt.platformPostId);
  });
});

instagramUploadSuite({
  platform: 'instagram_business',
  startFake: () => new InstagramBusinessFake().start(),
  adapter: (options) => createInstagramBusinessAdapter(options),
});
