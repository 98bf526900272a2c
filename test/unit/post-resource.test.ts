import { initialPostState, toPostResource } from '../../api/post-resource';
import type { PostSpec } from '../../api/types';

/**
 * The Post resource names its fields one by one: whatever the engine keeps beside a delivery or
 * its error stays out of it, and a target's error uses the contract's values (docs/decisions.md
 * "Field types").
 */
const spec: PostSpec = {
  id: 'post_01TYPES',
  userId: 'user_1',
  mode: 'now',
  content: { text: 'typed', media: [] },
  platformOptions: {},
  targets: [{ accountId: 'acc_1', platform: 'sandbox', options: {} }],
  createdAt: '2026-12-01T10:00:00.000Z',
};

test("a failed target's error is the contract's four fields; the engine's internal cause reads system", () => {
  const state = initialPostState(spec, spec.createdAt);
  state.status = 'failed';
  Object.assign(state.deliveries[0]!, {
    status: 'failed',
    attempts: 3,
    // What the engine may keep beside a delivery and its error, never shown.
    engineOnly: { timerId: 't1' },
    error: {
      category: 'system',
      caused_by: 'internal',
      code: 'publishing.delivery.timeout',
      message: 'No answer.',
      retryable: true,
      outcomeUnknown: false,
    },
  });
  const post = toPostResource(state);

  expect(post.targets[0]).toEqual({
    account_id: 'acc_1',
    platform: 'sandbox',
    status: 'failed',
    platform_post_id: null,
    permalink: null,
    scheduled_at: null,
    published_at: null,
    attempts: 3,
    error: {
      category: 'system',
      caused_by: 'system',
      code: 'publishing.delivery.timeout',
      message: 'No answer.',
    },
    metadata: {},
    // The sandbox's metrics are read (its descriptor), but none were collected for a failed target.
    metrics: null,
    metrics_synced_at: null,
    metrics_supported: true,
  });
  expect(post.results[0]).toEqual({
    account_id: 'acc_1',
    platform: 'sandbox',
    status: 'failed',
    platform_post_id: '',
    permalink: '',
    error: 'No answer.',
  });
  expect(post.error_message).toBe('acc_1 (sandbox): No answer.');
});

test('a target that did not fail has no error, and the seed fields are empty strings, never null', () => {
  const post = toPostResource(initialPostState(spec, spec.createdAt));
  expect(post.targets[0]!.error).toBeNull();
  expect(post.results[0]).toMatchObject({ platform_post_id: '', permalink: '', error: '' });
  expect(post.error_message).toBe('');
  expect(post).toMatchObject({ title: null, scheduled_at: null, retry_count: 0 });
});
