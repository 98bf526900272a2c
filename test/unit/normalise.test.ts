import { ApiError } from '../../api/errors';
import { type AccountInfo, applyPostUpdate, normaliseCreatePost } from '../../api/normalise';
import { upgradeSpec } from '../../api/post-resource';
import type { PostSpec } from '../../api/types';

const accounts: Record<string, AccountInfo> = {
  acc_ig: { platform: 'instagram', status: 'active' },
  acc_sb: { platform: 'sandbox', status: 'active' },
  acc_sb2: { platform: 'sandbox', status: 'active' },
  acc_gone: { platform: 'sandbox', status: 'reconnect_required' },
};
const now = new Date('2026-03-14T09:00:00Z');
const ctx = { id: 'post_TEST', userId: 'usr_1', now, account: (id: string) => accounts[id] };

function errorOf(body: unknown): ApiError {
  try {
    normaliseCreatePost(body, ctx);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the body to be refused');
}

describe('the seed dialect', () => {
  test('normalises the seed example into a scheduled PostSpec', () => {
    const spec = normaliseCreatePost(
      {
        account_ids: ['acc_sb'],
        media_ids: [],
        platform_options: {},
        scheduled_at: '2026-04-01T10:00:00Z',
        text: 'Check out our new product!',
      },
      ctx,
    );
    expect(spec).toEqual({
      id: 'post_TEST',
      userId: 'usr_1',
      mode: 'scheduled',
      scheduledAt: '2026-04-01T10:00:00.000Z',
      content: { text: 'Check out our new product!', media: [] },
      platformOptions: {},
      targets: [{ accountId: 'acc_sb', platform: 'sandbox', options: {} }],
      createdAt: '2026-03-14T09:00:00.000Z',
    });
  });

  test('without scheduled_at it publishes now', () => {
    expect(normaliseCreatePost({ account_ids: ['acc_sb'], text: 'now' }, ctx).mode).toBe('now');
  });

  test('an offset instant is kept as the same instant in UTC', () => {
    const spec = normaliseCreatePost(
      { account_ids: ['acc_sb'], text: 'x', scheduled_at: '2026-04-01T12:00:00+02:00' },
      ctx,
    );
    expect(spec.scheduledAt).toBe('2026-04-01T10:00:00.000Z');
  });

  test('platform_options keyed by platform go to the matching targets only', () => {
    const spec = normaliseCreatePost(
      {
        account_ids: ['acc_ig', 'acc_sb'],
        text: 'x',
        media_ids: ['m1'],
        platform_options: { instagram: { content_type: 'feed' }, sandbox: { latency_ms: 5 } },
      },
      ctx,
    );
    expect(spec.targets.map((t) => t.options)).toEqual([{ content_type: 'feed' }, { latency_ms: 5 }]);
  });

  test('flat platform_options apply to every target', () => {
    const spec = normaliseCreatePost(
      { account_ids: ['acc_sb', 'acc_sb2'], text: 'x', platform_options: { latency_ms: 1 } },
      ctx,
    );
    expect(spec.targets.map((t) => t.options)).toEqual([{ latency_ms: 1 }, { latency_ms: 1 }]);
  });
});

describe('the current dialect', () => {
  test('targets carry overrides and flat platform_data that wins over the post level', () => {
    const spec = normaliseCreatePost(
      {
        text: 'post text',
        publish_now: true,
        platform_data: { sandbox: { latency_ms: 1, fail_times: 2 } },
        targets: [
          { account_id: 'acc_sb', text: 'target text', platform_data: { latency_ms: 9 } },
          { account_id: 'acc_sb2' },
        ],
      },
      ctx,
    );
    expect(spec.mode).toBe('now');
    expect(spec.targets[0]).toEqual({
      accountId: 'acc_sb',
      platform: 'sandbox',
      options: { latency_ms: 9, fail_times: 2 },
      ownOptions: { latency_ms: 9 },
      overrides: { text: 'target text' },
    });
    expect(spec.targets[1].options).toEqual({ latency_ms: 1, fail_times: 2 });
  });

  test('neither publish_now nor scheduled_at makes a draft', () => {
    expect(normaliseCreatePost({ text: 'd', targets: [{ account_id: 'acc_sb' }] }, ctx).mode).toBe('draft');
    expect(normaliseCreatePost({ text: 'no accounts yet' }, ctx).mode).toBe('draft');
  });

  test('media[] of media ids is read like media_ids', () => {
    const spec = normaliseCreatePost(
      {
        text: 'x',
        targets: [{ account_id: 'acc_sb' }],
        media: [{ source_type: 'media_id', source: 'med_1' }],
      },
      ctx,
    );
    expect(spec.content.media).toEqual([{ source_type: 'media_id', source: 'med_1' }]);
  });
});

describe('refusals', () => {
  test('a naive scheduled_at is refused with a message saying how to fix it', () => {
    const err = errorOf({ account_ids: ['acc_sb'], text: 'x', scheduled_at: '2026-04-01T10:00:00' });
    expect(err).toMatchObject({
      status: 400,
      code: 'validation.field_invalid',
      meta: { field: 'scheduled_at' },
    });
    expect(err.message).toMatch(/add Z or an offset/);
  });

  test('every schema problem is listed at once', () => {
    const err = errorOf({ account_ids: 'acc_sb', scheduled_at: 'tomorrow', visibility: 'everyone' });
    expect(err.code).toBe('validation.body_invalid');
    expect(err.meta?.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'text', code: 'validation.field_required' }),
        expect.objectContaining({ field: 'account_ids', code: 'validation.field_invalid' }),
        expect.objectContaining({ field: 'scheduled_at', code: 'validation.field_invalid' }),
        expect.objectContaining({ field: 'visibility', code: 'validation.field_invalid' }),
      ]),
    );
  });

  test('an unknown account is a 404 account.not_found naming every unknown id', () => {
    const err = errorOf({ account_ids: ['acc_sb', 'acc_x', 'acc_y'], text: 'x' });
    expect(err).toMatchObject({
      status: 404,
      code: 'account.not_found',
      meta: { id: 'acc_x', field: 'account_ids[1]' },
    });
    expect((err.meta?.errors as unknown[]).length).toBe(2);
  });

  test('an account needing reconnection is refused with 403', () => {
    expect(errorOf({ account_ids: ['acc_gone'], text: 'x' })).toMatchObject({
      status: 403,
      code: 'account.reconnection_required',
    });
  });

  test('platform rules report each problem with its platform and field', () => {
    const err = errorOf({
      account_ids: ['acc_ig'],
      text: 'x'.repeat(2201),
      platform_options: { instagram: {} },
    });
    expect(err.meta?.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'text', platform: 'instagram' }),
        expect.objectContaining({ field: 'media_ids', platform: 'instagram' }),
        expect.objectContaining({
          field: 'platform_options.instagram.content_type',
          code: 'validation.field_required',
        }),
      ]),
    );
  });

  test('a schedule far in the past, duplicates, both dialects at once, and an empty publish are refused', () => {
    expect(
      errorOf({ account_ids: ['acc_sb'], text: 'x', scheduled_at: '2026-03-01T00:00:00Z' }).meta?.field,
    ).toBe('scheduled_at');
    expect(errorOf({ account_ids: ['acc_sb', 'acc_sb'], text: 'x' }).meta?.field).toBe('account_ids[1]');
    expect(
      errorOf({ account_ids: ['acc_sb'], targets: [{ account_id: 'acc_sb' }], text: 'x' }).meta?.field,
    ).toBe('targets');
    expect(errorOf({ publish_now: true, text: 'x' }).meta?.field).toBe('account_ids');
  });

  test('non-object bodies are refused, never thrown as something else', () => {
    for (const body of [null, 42, 'text', [], true]) expect(errorOf(body).status).toBe(400);
  });
});

describe('updates', () => {
  const spec = normaliseCreatePost(
    { account_ids: ['acc_sb'], text: 'before', scheduled_at: '2026-04-01T10:00:00Z' },
    ctx,
  );

  test('a new scheduled_at and text are applied and checked', () => {
    const next = applyPostUpdate(spec, { text: 'after', scheduled_at: '2026-05-01T10:00:00Z' }, now);
    expect(next).toMatchObject({
      content: { text: 'after' },
      scheduledAt: '2026-05-01T10:00:00.000Z',
      mode: 'scheduled',
    });
  });

  test('accounts cannot be changed, and bad values are refused', () => {
    expect(() => applyPostUpdate(spec, { account_ids: ['acc_sb2'] }, now)).toThrow(ApiError);
    expect(() => applyPostUpdate(spec, { scheduled_at: '2026-05-01 10:00' }, now)).toThrow(/no UTC offset/);
    expect(() => applyPostUpdate(spec, { platform_options: { sandbox: { failure: 'x' } } }, now)).toThrow(
      ApiError,
    );
  });

  test('new platform_options change only the post-level options: each target keeps its own, which win', () => {
    const before = normaliseCreatePost(
      {
        text: 'before',
        scheduled_at: '2026-04-01T10:00:00Z',
        platform_data: { sandbox: { latency_ms: 1 } },
        targets: [
          {
            account_id: 'acc_sb',
            text: 'own text',
            scheduled_at: '2026-04-02T10:00:00Z',
            platform_data: { deletable: false, fail_times: 3 },
          },
          { account_id: 'acc_sb2' },
        ],
      },
      ctx,
    );
    for (const body of [
      { platform_options: { sandbox: { latency_ms: 5, fail_times: 9 } } },
      { platform_data: { sandbox: { latency_ms: 5, fail_times: 9 } } },
    ]) {
      const next = applyPostUpdate(before, body, now);
      expect(next.targets).toEqual([
        {
          accountId: 'acc_sb',
          platform: 'sandbox',
          options: { latency_ms: 5, fail_times: 3, deletable: false },
          ownOptions: { deletable: false, fail_times: 3 },
          overrides: { text: 'own text' },
          scheduledAt: '2026-04-02T10:00:00.000Z',
        },
        { accountId: 'acc_sb2', platform: 'sandbox', options: { latency_ms: 5, fail_times: 9 } },
      ]);
      // A second change starts from the target's own options, not from the first change's.
      expect(applyPostUpdate(next, { platform_options: {} }, now).targets.map((t) => t.options)).toEqual([
        { deletable: false, fail_times: 3 },
        {},
      ]);
    }
  });

  test('a target of a spec written before ownOptions keeps what the post-level options did not give it', () => {
    const legacy: PostSpec = {
      ...spec,
      platformOptions: { sandbox: { latency_ms: 1 } },
      targets: [{ accountId: 'acc_sb', platform: 'sandbox', options: { latency_ms: 1, deletable: false } }],
    };
    const next = applyPostUpdate(legacy, { platform_options: { sandbox: { fail_times: 2 } } }, now);
    expect(next.targets).toEqual([
      {
        accountId: 'acc_sb',
        platform: 'sandbox',
        options: { fail_times: 2, deletable: false },
        ownOptions: { deletable: false },
      },
    ]);
  });
});

test('a spec written before media URLs (content.mediaIds) is read as media refs', () => {
  const legacy = {
    id: 'post_01JABCDEFGHJKMNPQRSTVWXYZ0',
    userId: 'usr_default',
    mode: 'draft',
    content: { text: 'old', mediaIds: ['m1'] },
    platformOptions: {},
    targets: [{ accountId: 'acc_1', platform: 'sandbox', options: {}, overrides: { mediaIds: ['m2'] } }],
    createdAt: '2026-01-01T00:00:00.000Z',
  } as unknown as PostSpec;
  const spec = upgradeSpec(legacy);
  expect(spec.content).toEqual({ text: 'old', media: [{ source_type: 'media_id', source: 'm1' }] });
  expect(spec.targets[0].overrides).toEqual({ media: [{ source_type: 'media_id', source: 'm2' }] });
  expect(upgradeSpec(spec)).toEqual(spec);
});

describe('queued posts (queue / add_to_queue)', () => {
  const slot = '2026-03-16T08:00:00.000Z';
  const queued = (body: Record<string, unknown>, queuedAt?: string) =>
    normaliseCreatePost({ account_ids: ['acc_sb'], text: 'q', ...body }, { ...ctx, queuedAt });

  test('the reserved slot is the post instant', () => {
    expect(queued({ queue: true }, slot)).toMatchObject({ mode: 'scheduled', scheduledAt: slot });
    expect(queued({ queue: 'next' }, slot).scheduledAt).toBe(slot);
    expect(queued({ add_to_queue: true }, slot).scheduledAt).toBe(slot);
    // queue: false is no queue: the seed dialect publishes at once.
    expect(queued({ queue: false }, slot).mode).toBe('now');
  });

  test('an instant of its own clashes, named with the queue field', () => {
    try {
      queued({ queue: true, scheduled_at: '2026-03-20T10:00:00Z', publish_now: true }, slot);
      throw new Error('not refused');
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect(JSON.stringify((err as ApiError).meta)).toContain('remove scheduled_at and publish_now');
    }
  });

  test('without a reserved slot (a bulk import row) queue is refused', () => {
    expect(() => queued({ add_to_queue: true })).toThrow(ApiError);
    expect(() => queued({ queue: 'later' }, slot)).toThrow(ApiError);
  });

  test('a change to an existing post cannot queue it: refused by name, not ignored', () => {
    const spec = queued({ queue: true }, slot);
    for (const field of ['queue', 'add_to_queue']) {
      try {
        applyPostUpdate(spec, { [field]: true }, now);
        throw new Error('not refused');
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        expect(JSON.stringify((err as ApiError).meta)).toContain(field);
        expect(JSON.stringify((err as ApiError).meta)).toContain('send scheduled_at to move this post');
      }
    }
  });
});
