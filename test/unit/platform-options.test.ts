import { ApiError, type Issue } from '../../api/errors';
import { type AccountInfo, normaliseCreatePost } from '../../api/normalise';
import { checkPlatformRules } from '../../api/platform-rules';
import { platformConstraints } from '../../api/validate';
import { PLATFORM_DESCRIPTORS } from '../../platforms/descriptors';

// Every platform's declared option keys, and the shared check that refuses any other key
// (docs/platforms.md, "Rules"). That the keys are what each adapter reads is held by the
// contract suites: their posts' options pass the rules (test/contracts/adapter-contract.ts).

const text = (t: string) => ({ text: t, media: [] });
const where = (issues: Issue[], field: string) => issues.filter((i) => i.field === field);

describe.each(PLATFORM_DESCRIPTORS.map((d) => [d.slug, d.rules] as const))('%s', (slug, rules) => {
  test('refuses an option key its adapter does not act on, listing the keys it takes', () => {
    const issues = checkPlatformRules(slug, text('hi'), { content_typ: 'feed' }, `platform_data.${slug}`);
    const [issue, ...more] = where(issues, `platform_data.${slug}.content_typ`);
    expect(more).toEqual([]);
    expect(issue).toMatchObject({ code: 'validation.field_invalid', platform: slug });
    expect(issue!.message).toContain(`is not an option ${slug} takes`);
    for (const key of rules.optionKeys) expect(issue!.message).toContain(key);
  });

  test('declares each key once, its required options among them, none both taken and unsupported', () => {
    expect(new Set(rules.optionKeys).size).toBe(rules.optionKeys.length);
    for (const { key } of rules.requiredOptions) expect(rules.optionKeys).toContain(key);
    for (const key of rules.unsupportedOptionKeys ?? []) expect(rules.optionKeys).not.toContain(key);
  });

  test("GET /v1/posts/validate's constraints list the keys it takes", () => {
    expect(platformConstraints(slug)?.option_keys).toEqual([...rules.optionKeys]);
  });
});

describe('the shared option check', () => {
  test('a contract option Postflow does not implement is refused, saying so', () => {
    const issues = checkPlatformRules(
      'facebook',
      text('hi'),
      { content_type: 'reel' },
      'targets[0].platform_data',
    );
    expect(issues).toEqual([
      {
        field: 'targets[0].platform_data.content_type',
        code: 'validation.field_invalid',
        platform: 'facebook',
        message: expect.stringContaining('is not supported by Postflow yet on facebook'),
      },
    ]);
    expect(issues[0]!.message).toContain('facebook takes link, cta_type, cta_link');
  });

  test("an unknown key is reported once, also where the platform's own schema is strict", () => {
    const issues = checkPlatformRules(
      'sandbox',
      text('hi'),
      { failur: 'transient' },
      'platform_options.sandbox',
    );
    expect(issues.map((i) => i.field)).toEqual(['platform_options.sandbox.failur']);
  });

  test('the keys it takes are still checked by the platform', () => {
    const issues = checkPlatformRules(
      'sandbox',
      text('hi'),
      { failure: 'sometimes', extra: 1 },
      'platform_data',
    );
    expect(issues.map((i) => i.field).sort()).toEqual(['platform_data.extra', 'platform_data.failure']);
  });

  test('options for every target say how to send an option to one platform only', () => {
    const [flat] = checkPlatformRules('twitter', text('hi'), { board_id: 'b' }, 'platform_options');
    expect(flat!.message).toContain('nest it by platform ({"twitter": {…}})');
    const [nested] = checkPlatformRules('twitter', text('hi'), { board_id: 'b' }, 'platform_options.twitter');
    expect(nested!.message).not.toContain('nest it');
  });
});

describe('POST /v1/posts', () => {
  const accounts: Record<string, AccountInfo> = {
    acc_pin: { platform: 'pinterest', status: 'active' },
    acc_x: { platform: 'twitter', status: 'active' },
  };
  const ctx = { id: 'post_TEST', userId: 'usr_1', now: new Date(), account: (id: string) => accounts[id] };
  const refusal = (body: unknown): ApiError => {
    try {
      normaliseCreatePost(body, ctx);
    } catch (err) {
      if (err instanceof ApiError) return err;
      throw err;
    }
    throw new Error('expected the body to be refused');
  };

  test("a target's board_id reaches Pinterest's options", () => {
    const spec = normaliseCreatePost(
      {
        text: 'x',
        media: [{ source_type: 'url', source: 'https://example.com/a.jpg' }],
        targets: [{ account_id: 'acc_pin', board_id: 'b1' }],
      },
      ctx,
    );
    expect(spec.targets[0]!.options).toEqual({ board_id: 'b1' });
  });

  test("a target's page_id on a platform without pages is refused where the request set it", () => {
    const err = refusal({ text: 'x', targets: [{ account_id: 'acc_x', page_id: 'p1' }] });
    expect(err.code).toBe('validation.field_invalid');
    expect(err.meta?.field).toBe('targets[0].page_id');
  });

  test("a typo in a target's platform_data is refused by name", () => {
    const err = refusal({
      text: 'x',
      targets: [{ account_id: 'acc_x', platform_data: { reply_setings: 'following' } }],
    });
    expect(err).toMatchObject({
      status: 400,
      code: 'validation.field_invalid',
      meta: { field: 'targets[0].platform_data.reply_setings', platform: 'twitter' },
    });
    expect(err.message).toContain('twitter takes reply_settings');
  });
});
