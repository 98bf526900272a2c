import { normaliseCreatePost, type NormaliseContext } from '../../api/normalise';
import { recycledPostId, recycledSpec, recycleOf, roundText } from '../../api/recycle';
import { recurringPostBodySchema } from '../../api/recurring';
import { updatePostSchema } from '../../api/schemas';

/** The evergreen rule (`recycle`): what a post may ask for, and each round's post. */
const NOW = new Date('2026-12-05T10:00:00Z');
const accounts: Record<string, { platform: string; status: 'active' }> = {
  acc_x: { platform: 'twitter', status: 'active' },
  acc_m: { platform: 'mastodon', status: 'active' },
};
const ctx = (extra: Partial<NormaliseContext> = {}): NormaliseContext => ({
  id: 'post_origin',
  userId: 'usr_a',
  now: NOW,
  account: (id) => accounts[id],
  recycles: true,
  ...extra,
});
const body = (recycle: unknown, account = 'acc_m', text = 'Evergreen') => ({
  text,
  account_ids: [account],
  publish_now: true,
  recycle,
});
const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { meta?: { errors?: Array<{ field: string }> } }).meta?.errors?.map((e) => e.field);
  }
  return [];
};

test('a post to a platform that takes repeated text may recycle its own text', () => {
  const spec = normaliseCreatePost(body({ after_days: 7, times: 3 }), ctx());
  expect(spec.recycle).toEqual({
    afterDays: 7,
    remaining: 3,
    variations: [],
    originId: 'post_origin',
    round: 0,
  });
});

test('X needs one new text per round, each unlike the post and the others', () => {
  expect(issuesOf(() => normaliseCreatePost(body({ after_days: 7, times: 2 }, 'acc_x'), ctx()))).toEqual([
    'recycle.variations',
  ]);
  expect(
    issuesOf(() =>
      normaliseCreatePost(
        body({ after_days: 7, times: 2, variations: ['Again', 'Evergreen'] }, 'acc_x'),
        ctx(),
      ),
    ),
  ).toEqual(['recycle.variations']);
  const ok = normaliseCreatePost(
    body({ after_days: 7, times: 2, variations: ['Again', 'Once more'] }, 'acc_x'),
    ctx(),
  );
  expect(ok.recycle?.variations).toEqual(['Again', 'Once more']);
});

test("each variation is held to the targets' text rules", () => {
  const long = 'x'.repeat(281);
  expect(
    issuesOf(() =>
      normaliseCreatePost(body({ after_days: 7, times: 1, variations: [long] }, 'acc_x'), ctx()),
    ),
  ).toEqual(['recycle.variations[0]']);
});

test('more variations than rounds, or recycle outside POST /v1/posts, are refused', () => {
  expect(
    recycleOf({ text: 'a', recycle: { after_days: 1, times: 1, variations: ['b', 'c'] } } as never, 'p', [])
      .issues,
  ).toHaveLength(1);
  expect(
    issuesOf(() => normaliseCreatePost(body({ after_days: 7, times: 1 }), ctx({ recycles: false }))),
  ).toEqual(['recycle']);
  expect(updatePostSchema.safeParse({ recycle: { after_days: 1, times: 1 } }).success).toBe(false);
  const recurring = recurringPostBodySchema.safeParse({ text: 'a', recycle: { after_days: 1, times: 1 } });
  expect(recurring.success).toBe(false);
});

test("a round's post: derived id, the round's text for every target, the rounds left; the last carries none", () => {
  const origin = normaliseCreatePost(
    body({ after_days: 7, times: 2, variations: ['Second', 'Third'] }),
    ctx(),
  );
  const first = recycledSpec(origin, '2026-12-12T09:00:00Z', NOW);
  expect(first).toMatchObject({
    id: recycledPostId('usr_a', 'post_origin', 1),
    mode: 'scheduled',
    scheduledAt: '2026-12-12T09:00:00.000Z',
    content: { text: 'Second' },
    recycle: { remaining: 1, round: 1, originId: 'post_origin' },
  });
  const second = recycledSpec(first, '2026-12-19T09:00:00Z', NOW);
  expect(second.id).toBe(recycledPostId('usr_a', 'post_origin', 2));
  expect(second.content.text).toBe('Third');
  expect(second.recycle).toBeUndefined();
  expect(recycledPostId('usr_a', 'post_origin', 1)).not.toBe(second.id);
  expect(roundText({ ...origin.recycle!, variations: [] }, 'Own', 3)).toBe('Own');
});
