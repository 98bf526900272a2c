import { occurrencePostId, occurrenceSpec } from '../../api/recurring-occurrence';
import type { PostSpec } from '../../api/types';

const definition = {
  id: 'rec_01J0000000000000000000000',
  userId: 'usr_a',
  spec: {
    id: 'post_recurring',
    userId: 'usr_a',
    mode: 'now',
    content: { text: 'again', media: [] },
    platformOptions: {},
    targets: [{ accountId: 'acc_1', platform: 'sandbox' }],
    createdAt: '2030-01-01T00:00:00.000Z',
  } as unknown as PostSpec,
};

test("an occurrence's post id depends only on the user, the recurring post and the instant", () => {
  const id = occurrencePostId(definition, '2030-01-02T09:00:00Z');
  expect(id).toMatch(/^post_[0-9A-HJKMNP-TV-Z]{26}$/);
  // The same instant however it is written: the same post.
  expect(occurrencePostId(definition, '2030-01-02T09:00:00.000Z')).toBe(id);
  expect(occurrencePostId(definition, '2030-01-02T10:00:00+01:00')).toBe(id);
  expect(occurrencePostId(definition, '2030-01-02T09:00:01Z')).not.toBe(id);
  expect(occurrencePostId({ ...definition, id: 'rec_other' }, '2030-01-02T09:00:00Z')).not.toBe(id);
  expect(occurrencePostId({ ...definition, userId: 'usr_b' }, '2030-01-02T09:00:00Z')).not.toBe(id);
});

test("an occurrence's post is the template, scheduled at the instant, created then", () => {
  const spec = occurrenceSpec(definition, '2030-01-02T10:00:00+01:00');
  expect(spec).toEqual({
    ...definition.spec,
    id: occurrencePostId(definition, '2030-01-02T09:00:00Z'),
    mode: 'scheduled',
    scheduledAt: '2030-01-02T09:00:00.000Z',
    createdAt: '2030-01-02T09:00:00.000Z',
  });
});
