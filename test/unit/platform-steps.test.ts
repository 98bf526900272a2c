import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PlatformAdapter, PublishRequest } from '../../platforms/kit/adapter';
import { createPlatformRegistry } from '../../activities/platforms/registry';
import {
  COMMENTS,
  needsPrepare,
  PREPARE_STEP,
  takesComments,
  METRICS,
  UPLOAD_STEP,
  uploadStep,
} from '../../api/platform-steps';
import type { PostContent, TargetSpec } from '../../api/types';
import { byPlatform } from '../../platforms/descriptors';
import type { Store } from '../../store/types';

/** Records every request and refuses it, so a publish call shows what it would have sent. */
class RecordingPlatform {
  readonly requests: { method: string; path: string; body: string }[] = [];
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      this.requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"recorded"}');
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const platform = new RecordingPlatform();
let registry: ReadonlyMap<string, PlatformAdapter>;

beforeAll(async () => {
  await platform.start();
  const env = Object.fromEntries(
    Object.keys(PREPARE_STEP).map((p) => [`POSTFLOW_${p.toUpperCase()}_API_URL`, platform.url]),
  );
  registry = createPlatformRegistry({
    store: {} as Store,
    publicUrl: 'http://postflow.test',
    env,
    // The recording server is on loopback; Mastodon's instance_url and Matrix's homeserver_url point at it.
    allowPrivateUrls: true,
  });
});
afterAll(() => platform.stop());

const far = new Date(Date.now() + 30 * 86_400_000).toISOString();

function textOnly(adapter: PlatformAdapter): PublishRequest {
  // Options a platform cannot publish without (Lemmy names its community, Reddit its subreddit).
  const required: Record<string, Record<string, unknown>> = {
    lemmy: { community_id: 1 },
    reddit: { sr: 'postflow' },
  };
  const target: TargetSpec = {
    accountId: 'acc_1',
    platform: adapter.platform,
    options: required[adapter.platform] ?? {},
  };
  const content: PostContent = { text: 'Hello from Postflow', media: [] };
  return {
    postId: 'post_1',
    account: {
      id: 'acc_1',
      platform: adapter.platform,
      name: 'Test',
      credentials: {
        access_token: 'token',
        refresh_token: 'refresh',
        expires_at: far,
        instance_url: platform.url,
        homeserver_url: platform.url,
        site_url: platform.url,
        admin_url: platform.url,
        admin_api_key: `${'0'.repeat(23)}1:${'ab'.repeat(32)}`,
        username: 'author',
        application_password: 'abcd efgh ijkl mnop',
        room_id: '!room:postflow.test',
        page_id: '1',
        person_urn: 'urn:li:person:1',
        organization_urn: 'urn:li:organization:1',
        author_urn: 'urn:li:person:1',
        bot_token: 'xoxb-1-test',
        channel_id: 'C0TEST00001',
        owner_id: '-1',
      },
    },
    target,
    content,
    media: [],
    ref: 'post_1/acc_1',
    since: new Date().toISOString(),
    signal: new AbortController().signal,
  };
}

describe('the prepare step table (api/platform-steps.ts)', () => {
  // The workflow's tables are literals (no zod in the workflow bundle); the descriptors decide.
  it('says what the descriptors say (prepareStep, capabilities.comments, capabilities.metrics)', () => {
    expect({ ...PREPARE_STEP }).toEqual({ ...byPlatform((d) => d.prepareStep) });
    expect({ ...COMMENTS }).toEqual({ ...byPlatform((d) => (d.capabilities.comments ? true : undefined)) });
    expect({ ...METRICS }).toEqual({ ...byPlatform((d) => (d.capabilities.metrics ? true : undefined)) });
    expect(takesComments('sandbox')).toBe(true);
    expect(takesComments('constructor')).toBe(false);
  });

  it('names the long uploads as the descriptors and adapters do (uploadStep, `upload`)', () => {
    expect({ ...UPLOAD_STEP }).toEqual({ ...byPlatform((d) => d.uploadStep) });
    const withUpload = [...registry.values()].filter((a) => a.upload).map((a) => a.platform);
    expect(withUpload.sort()).toEqual(Object.keys(UPLOAD_STEP).filter((p) => UPLOAD_STEP[p] === 'upload'));
    for (const [p, step] of Object.entries(UPLOAD_STEP))
      if (step === 'prepare') expect(['with-media', 'always']).toContain(PREPARE_STEP[p]);
    const video = { text: 'hi', media: [{ source_type: 'url' as const, source: 'https://x.test/a.mp4' }] };
    const target = (platform: string): TargetSpec => ({ accountId: 'a', platform, options: {} });
    expect(uploadStep(target('youtube'), video)).toBe('upload');
    expect(uploadStep(target('twitter'), video)).toBe('prepare');
    expect(uploadStep(target('twitter'), { text: 'hi', media: [] })).toBeUndefined();
    // Meta's media prepare may send a video's bytes (POSTFLOW_META_VIDEO_SOURCE=upload).
    expect(uploadStep(target('instagram'), video)).toBe('prepare');
    expect(uploadStep(target('facebook'), video)).toBe('prepare');
    // A file in one streamed request, which may outlast a step's start-to-close: the prepare is an upload.
    for (const p of ['pinterest', 'reddit', 'slack', 'matrix', 'mastodon'])
      expect(uploadStep(target(p), video)).toBe('prepare');
    expect(uploadStep(target('facebook'), { text: 'hi', media: [] })).toBeUndefined();
    // Bluesky's videos (100 MB at most) are loaded whole in its prepare, which stays an ordinary step.
    expect(uploadStep(target('bluesky'), video)).toBeUndefined();
    // TikTok: only a video the post sends as a file; pulled videos and photos have no upload step.
    expect(uploadStep(target('tiktok'), video)).toBeUndefined();
    expect(uploadStep(target('tiktok'), video, true)).toBe('upload');
    const photos = { ...video, media: [...video.media, ...video.media] };
    expect(uploadStep(target('tiktok'), photos, true)).toBeUndefined();
    const photo = { ...target('tiktok'), options: { media_type: 'photo' } };
    expect(uploadStep(photo, video, true)).toBeUndefined();
  });

  it('names exactly the platforms whose adapters have a prepare step', () => {
    const withPrepare = [...registry.values()].filter((a) => a.prepare).map((a) => a.platform);
    expect(withPrepare.sort()).toEqual(Object.keys(PREPARE_STEP).sort());
  });

  it('asks for prepare on media, on target media overrides, and always where the table says so', () => {
    const target = (platform: string, overrides?: Partial<PostContent>): TargetSpec => ({
      accountId: 'a',
      platform,
      options: {},
      ...(overrides ? { overrides } : {}),
    });
    const text: PostContent = { text: 'hi', media: [] };
    const image: PostContent = {
      text: 'hi',
      media: [{ source_type: 'url', source: 'https://x.test/a.png' }],
    };
    expect(needsPrepare(target('sandbox'), image)).toBe(false);
    expect(needsPrepare(target('youtube'), image)).toBe(false);
    expect(needsPrepare(target('mastodon'), text)).toBe(false);
    expect(needsPrepare(target('mastodon'), image)).toBe(true);
    expect(needsPrepare(target('mastodon', { media: image.media }), text)).toBe(true);
    expect(needsPrepare(target('mastodon', { media: [] }), image)).toBe(false);
    expect(needsPrepare(target('instagram'), text)).toBe(true);
    expect(needsPrepare(target('constructor'), text)).toBe(false);
    // Nostr links URL media as it is; only library media is uploaded (to its NIP-96 server).
    expect(needsPrepare(target('nostr'), image)).toBe(false);
    expect(
      needsPrepare(target('nostr'), { text: 'hi', media: [{ source_type: 'media_id', source: 'med_1' }] }),
    ).toBe(true);
  });

  const withMedia = Object.entries(PREPARE_STEP)
    .filter(([, need]) => need === 'with-media')
    .map(([p]) => p);

  it.each(withMedia)(
    '%s: without media, prepare calls nothing and publish sends the same with or without it',
    async (name) => {
      const adapter = registry.get(name)!;
      const req = textOnly(adapter);
      platform.requests.length = 0;
      const prepared = await adapter.prepare!(req);
      expect(platform.requests).toEqual([]);
      expect('ready' in prepared).toBe(true);
      const ready = 'ready' in prepared ? prepared.ready : {};

      await expect(adapter.publish(req, ready)).rejects.toThrow();
      const afterPrepare = platform.requests.splice(0);
      await expect(adapter.publish(req, {})).rejects.toThrow();
      const skipped = platform.requests.splice(0);
      expect(afterPrepare.length).toBeGreaterThan(0);
      expect(skipped).toEqual(afterPrepare);
    },
  );
});
