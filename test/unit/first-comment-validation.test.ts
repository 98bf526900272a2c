import type { AccountInfo } from '../../api/normalise';
import { validatePostBody } from '../../api/validate';

const ACCOUNTS: Record<string, AccountInfo> = {
  acc_sandbox: { platform: 'sandbox', status: 'active' },
  acc_tumblr: { platform: 'tumblr', status: 'active' },
};
const ctx = { now: new Date('2026-03-14T09:00:00Z'), account: (id: string) => ACCOUNTS[id] };
const validate = (body: unknown) => validatePostBody(body, ctx, ['sandbox', 'tumblr']);

describe('a first comment where the platform has none: the dry run warns', () => {
  test('for each target on such a platform, naming the field that carries the comment', () => {
    const report = validate({
      text: 'hello',
      first_comment: 'more below',
      account_ids: ['acc_sandbox', 'acc_tumblr'],
    });
    expect(report.valid).toBe(true);
    expect(report.warnings).toEqual([
      {
        platform: 'tumblr',
        field: 'first_comment',
        code: 'platform.tumblr.comments_unsupported',
        message: expect.stringContaining('will not be posted'),
      },
    ]);
  });

  test("a target's own first_comment is the field named", () => {
    const report = validate({
      text: 'hello',
      targets: [{ account_id: 'acc_sandbox' }, { account_id: 'acc_tumblr', first_comment: 'only here' }],
    });
    expect(report.warnings).toEqual([
      expect.objectContaining({ platform: 'tumblr', field: 'targets[1].first_comment' }),
    ]);
  });

  test('by platform name, without accounts', () => {
    const report = validate({ text: 'hello', first_comment: 'more', platforms: ['sandbox', 'tumblr'] });
    expect(report.warnings.map((w) => w.platform)).toEqual(['tumblr']);
  });

  test('no warning without a first comment, or where the platform takes it', () => {
    expect(validate({ text: 'hello', account_ids: ['acc_tumblr'] }).warnings).toEqual([]);
    expect(validate({ text: 'hi', first_comment: 'x', account_ids: ['acc_sandbox'] }).warnings).toEqual([]);
  });
});
