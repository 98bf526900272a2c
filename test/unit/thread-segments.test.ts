import { ApiError } from '../../api/errors';
import { type AccountInfo, applyPostUpdate, normaliseCreatePost } from '../../api/normalise';
import { validatePostBody } from '../../api/validate';

const ACCOUNTS: Record<string, AccountInfo> = {
  acc_x: { platform: 'twitter', status: 'active' },
  acc_bsky: { platform: 'bluesky', status: 'active' },
  acc_discord: { platform: 'discord', status: 'active' },
};
const ctx = {
  id: 'post_01HZ9X3Q4R5M6N7P8V2K0W1J00',
  userId: 'user_1',
  now: new Date('2026-03-14T09:00:00Z'),
  account: (id: string) => ACCOUNTS[id],
};
const create = (body: Record<string, unknown>) =>
  normaliseCreatePost({ text: 'Root', publish_now: true, ...body }, ctx);
const issuesOf = (body: Record<string, unknown>) => {
  try {
    create(body);
  } catch (err) {
    if (err instanceof ApiError) return err.meta?.errors as Array<{ field: string; message: string }>;
    throw err;
  }
  throw new Error('expected the body to be refused');
};

describe('segments: one thread shape for every platform with threads', () => {
  test("become the content's segments, for every thread platform's target", () => {
    const spec = create({
      segments: [{ text: 'two' }, { text: 'three' }],
      targets: [{ account_id: 'acc_x' }, { account_id: 'acc_bsky' }],
    });
    expect(spec.content.segments).toEqual(['two', 'three']);
    expect(create({ segments: [], targets: [{ account_id: 'acc_x' }] }).content.segments).toBeUndefined();
  });

  test('are refused for a target whose platform has no threads, never dropped', () => {
    const issues = issuesOf({
      segments: [{ text: 'two' }],
      targets: [{ account_id: 'acc_x' }, { account_id: 'acc_discord' }],
    });
    expect(issues).toEqual([
      expect.objectContaining({
        field: 'segments',
        message: expect.stringContaining('discord has no threads'),
      }),
    ]);
  });

  test("each segment is held to the platform's text rules, by the platform's count", () => {
    // 150 CJK characters: 300 as X counts them (over 280), 150 graphemes on Bluesky (under 300).
    const long = '字'.repeat(150);
    const issues = issuesOf({
      segments: [{ text: 'fine' }, { text: long }],
      targets: [{ account_id: 'acc_x' }, { account_id: 'acc_bsky' }],
    });
    expect(issues).toEqual([expect.objectContaining({ field: 'segments[1].text', platform: 'twitter' })]);
  });

  test("X's older platform_data.twitter.thread still works, but not together with segments", () => {
    const old = create({ targets: [{ account_id: 'acc_x', platform_data: { thread: ['two'] } }] });
    expect(old.targets[0]!.options.thread).toEqual(['two']);
    const issues = issuesOf({
      segments: [{ text: 'two' }],
      targets: [{ account_id: 'acc_x', platform_data: { thread: ['two'] } }],
    });
    expect(issues).toEqual([expect.objectContaining({ field: 'targets[0].platform_data.thread' })]);
  });

  test('media in a segment and unknown segment keys are refused, naming the field', () => {
    const issues = issuesOf({
      segments: [{ text: 'two', media_ids: ['med_1'] }, { text: 'three', colour: 'red' }, { text: ' ' }],
      targets: [{ account_id: 'acc_x' }],
    });
    expect(issues.map((i) => i.field)).toEqual([
      'segments[0].media_ids',
      'segments[1].colour',
      'segments[2].text',
    ]);
    expect(issues[0]!.message).toContain('not supported yet');
  });

  test('PATCH sets, replaces and clears them, and checks them like a new post', () => {
    const spec = create({ targets: [{ account_id: 'acc_bsky' }] });
    const now = ctx.now;
    const threaded = applyPostUpdate(spec, { segments: [{ text: 'two' }] }, now);
    expect(threaded.content.segments).toEqual(['two']);
    expect(applyPostUpdate(threaded, { text: 'Edited' }, now).content.segments).toEqual(['two']);
    expect(applyPostUpdate(threaded, { segments: [] }, now).content.segments).toBeUndefined();
    expect(() => applyPostUpdate(spec, { segments: [{ text: 'x'.repeat(301) }] }, now)).toThrow(ApiError);
  });

  test('the dry run reports them by platform name too', () => {
    const report = validatePostBody(
      { text: 'Root', segments: [{ text: 'two' }], platforms: ['bluesky', 'discord'] },
      ctx,
      ['bluesky', 'discord'],
    );
    expect(report.valid).toBe(false);
    expect(report.errors).toEqual([expect.objectContaining({ platform: 'discord', field: 'segments' })]);
  });
});
