import Ajv2020 from 'ajv/dist/2020';
import { settledEvent } from '../../api/post-events';
import { initialPostState, toPostResource } from '../../api/post-resource';
import { postResourceSchema } from '../../api/resources';
import type { PostSpec, PostState } from '../../api/types';
import { openApiDocument } from '../../server/openapi/document';

/**
 * A receipt's metadata and warnings come out in the Post resource as `targets[].metadata` (with
 * `warnings` inside), and in the settled webhook's `results[]`; the response schemas accept them.
 */

const spec: PostSpec = {
  id: 'post_01LIVE',
  userId: 'user_1',
  mode: 'now',
  content: { text: 'A thread', media: [] },
  platformOptions: {},
  targets: [
    { accountId: 'acc_x', platform: 'twitter', options: { thread: ['two', 'three'] } },
    { accountId: 'acc_ig', platform: 'instagram', options: {} },
    { accountId: 'acc_m', platform: 'mastodon', options: {} },
  ],
  createdAt: '2026-11-29T10:00:00.000Z',
};

function settled(): PostState {
  const state = initialPostState(spec, spec.createdAt);
  state.status = 'published';
  const [x, ig, mastodon] = state.deliveries;
  Object.assign(x!, {
    status: 'published',
    attempts: 1,
    receipt: {
      platformPostId: '1800000000000000001',
      permalink: 'https://x.com/i/web/status/1800000000000000001',
      publishedAt: '2026-11-29T10:00:01.000Z',
      metadata: {
        thread_post_ids: ['1800000000000000001', '1800000000000000002'],
        thread_failed_at_index: 2,
      },
      warnings: [{ code: 'platform.twitter.thread_incomplete', message: 'X refused part 3 of the thread.' }],
    },
  });
  Object.assign(ig!, {
    status: 'published',
    attempts: 1,
    receipt: {
      platformPostId: '17900000000000001',
      permalink: '',
      publishedAt: '2026-11-29T10:00:02.000Z',
      warnings: [{ code: 'platform.instagram.permalink_unavailable', message: 'No link (code 10).' }],
    },
  });
  Object.assign(mastodon!, {
    status: 'published',
    attempts: 1,
    receipt: {
      platformPostId: '1',
      permalink: 'https://m.example/@a/1',
      publishedAt: '2026-11-29T10:00:03.000Z',
    },
  });
  return state;
}

test('targets carry the receipt metadata, warnings inside it; a missing permalink is null', () => {
  const post = toPostResource(settled());
  expect(post.status).toBe('published');
  expect(post.targets.map((t) => [t.status, t.error])).toEqual([
    ['published', null],
    ['published', null],
    ['published', null],
  ]);
  expect(post.targets[0]!.metadata).toEqual({
    thread_post_ids: ['1800000000000000001', '1800000000000000002'],
    thread_failed_at_index: 2,
    warnings: [{ code: 'platform.twitter.thread_incomplete', message: 'X refused part 3 of the thread.' }],
  });
  expect(post.targets[1]).toMatchObject({
    platform_post_id: '17900000000000001',
    permalink: null,
    metadata: { warnings: [{ code: 'platform.instagram.permalink_unavailable' }] },
  });
  expect(post.targets[2]!.metadata).toEqual({});
  // The seed-era results keep their shape: strings, "" for nothing.
  expect(post.results[1]).toEqual({
    account_id: 'acc_ig',
    platform: 'instagram',
    status: 'published',
    platform_post_id: '17900000000000001',
    permalink: '',
    error: '',
  });
});

test('a target not yet published has empty metadata', () => {
  const post = toPostResource(initialPostState(spec, spec.createdAt));
  expect(post.targets.map((t) => t.metadata)).toEqual([{}, {}, {}]);
});

test('post.published carries each target’s metadata and warnings in results[]', () => {
  const event = settledEvent(toPostResource(settled()));
  expect(event.event).toBe('post.published');
  const results = event.data.results as Array<Record<string, unknown>>;
  expect(results[0]).toMatchObject({
    platform: 'twitter',
    status: 'published',
    error_code: null,
    metadata: {
      thread_post_ids: ['1800000000000000001', '1800000000000000002'],
      thread_failed_at_index: 2,
      warnings: [{ code: 'platform.twitter.thread_incomplete' }],
    },
  });
  expect(results[2]!.metadata).toEqual({});
});

test('the response schema and the OpenAPI document accept the metadata and warnings', async () => {
  const post = toPostResource(settled());
  expect(postResourceSchema.parse(post)).toEqual(post);

  const doc = (await openApiDocument('http://localhost')) as {
    components: { schemas: Record<string, object> };
  };
  const ajv = new Ajv2020({ strict: false });
  for (const [name, schema] of Object.entries(doc.components.schemas))
    ajv.addSchema(schema, `#/components/schemas/${name}`);
  const validate = ajv.getSchema('#/components/schemas/Post')!;
  expect([validate(post), validate.errors ?? null]).toEqual([true, null]);
  // Warnings must be { code, message }: the document says so.
  const bad = { ...post, targets: [{ ...post.targets[0], metadata: { warnings: [{ code: 1 }] } }] };
  expect(validate(bad)).toBe(false);
});
