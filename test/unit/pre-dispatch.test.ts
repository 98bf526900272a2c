import { DISPATCH_RECALLED, type PostSpec } from '../../api/types';
import { untilInstant } from '../../activities/dispatch-wait';
import { PublishError } from '../../platforms/kit/adapter';
import { startedSpec } from '../../gateway/started-spec';
import { loadConfig, MAX_PRE_DISPATCH_SECONDS } from '../../runtime/config';

const spec = (mode: PostSpec['mode'], targetAt?: string) =>
  ({
    id: 'post_1',
    mode,
    targets: [{ accountId: 'acc_1', platform: 'x', ...(targetAt ? { scheduledAt: targetAt } : {}) }],
  }) as unknown as PostSpec;

test('POSTFLOW_PRE_DISPATCH_SECONDS: off by default, in seconds, at most a minute, refused with the variable otherwise', () => {
  expect(loadConfig({}).preDispatchMs).toBe(0);
  expect(loadConfig({ POSTFLOW_PRE_DISPATCH_SECONDS: '15' }).preDispatchMs).toBe(15_000);
  expect(loadConfig({ POSTFLOW_PRE_DISPATCH_SECONDS: String(MAX_PRE_DISPATCH_SECONDS) }).preDispatchMs).toBe(
    60_000,
  );
  expect(() => loadConfig({ POSTFLOW_PRE_DISPATCH_SECONDS: '61' })).toThrow(
    'POSTFLOW_PRE_DISPATCH_SECONDS must be at most 60 (0 turns pre-dispatch off), got "61".',
  );
  expect(() => loadConfig({ POSTFLOW_PRE_DISPATCH_SECONDS: 'soon' })).toThrow(
    'POSTFLOW_PRE_DISPATCH_SECONDS',
  );
});

test('a post carries the lead only when it waits for an instant (its own, or a target’s)', () => {
  expect(startedSpec(spec('scheduled'), { preDispatchMs: 15_000 })).toMatchObject({ preDispatchMs: 15_000 });
  expect(startedSpec(spec('draft'), { preDispatchMs: 15_000 })).toMatchObject({ preDispatchMs: 15_000 });
  expect(startedSpec(spec('now', '2030-01-01T00:00:00Z'), { preDispatchMs: 15_000 })).toMatchObject({
    preDispatchMs: 15_000,
  });
  expect(startedSpec(spec('now'), { preDispatchMs: 15_000 })).not.toHaveProperty('preDispatchMs');
  expect(startedSpec(spec('scheduled'), {})).not.toHaveProperty('preDispatchMs');
});

test('the wait ends at the instant, at once when it has passed', async () => {
  const never = new AbortController().signal;
  let now = 1_000;
  await expect(untilInstant(new Date(500).toISOString(), never, () => now)).resolves.toBeUndefined();
  const started = Date.now();
  now = Date.now();
  await untilInstant(new Date(now + 50).toISOString(), never, () => now);
  expect(Date.now() - started).toBeGreaterThanOrEqual(45);
});

test('a wait the recall aborts ends with a failure that says nothing was sent', async () => {
  const recall = new AbortController();
  const waiting = untilInstant(new Date(Date.now() + 60_000).toISOString(), recall.signal);
  recall.abort();
  const err = await waiting.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PublishError);
  expect((err as PublishError).failure).toMatchObject({
    code: DISPATCH_RECALLED,
    outcomeUnknown: false,
    retryable: true,
  });
});
