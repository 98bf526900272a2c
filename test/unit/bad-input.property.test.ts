import fc from 'fast-check';
import { ApiError, validationError } from '../../api/errors';
import {
  type AccountInfo,
  applyPostUpdate,
  type MediaLookup,
  normaliseCreatePost,
} from '../../api/normalise';
import { checkPlatformRules, type MediaInfo, PLATFORM_RULES } from '../../api/platform-rules';
import {
  createAccountSchema,
  platformOptionsSchema,
  reconnectAccountSchema,
  unpublishSchema,
  updateAccountSchema,
} from '../../api/schemas';
import type { PostContent, PostSpec } from '../../api/types';
import { validatePostBody } from '../../api/validate';
import { createKeySchema, updateUserSchema } from '../../api/user-schemas';
import { createWebhookSchema, updateWebhookSchema } from '../../api/webhook-schemas';
import { zodIssues } from '../../api/zod-issues';
import { recordFigures } from '../helpers/figures';

/**
 * Bad input never breaks Postflow (issue #6): whatever JSON a client sends, the contract layer
 * either accepts it or refuses it with a contract error that names a field — never another
 * exception (which the API would answer with a 500). Arbitrary JSON, hostile JSON (keys such as
 * `toString` that shadow Object.prototype) and near-valid bodies (valid ones with some fields
 * replaced by anything) go through every entry point the HTTP API uses.
 */

/** Runs per property; `POSTFLOW_PROPERTY_RUNS` raises it for a longer soak. */
const RUNS = Number(process.env.POSTFLOW_PROPERTY_RUNS ?? 300);
const CONTRACT_CODE = /^(validation|account|media)\.[a-z_.]+$/;
const counted: Record<string, number> = {};

afterAll(() => {
  const total = Object.values(counted).reduce((a, b) => a + b, 0);
  recordFigures('properties', {
    columns: ['property', 'runs'],
    rows: [...Object.entries(counted), ['**total**', `**${total.toLocaleString('en')}**`]],
    notes: [`${RUNS} runs per property (\`POSTFLOW_PROPERTY_RUNS\`).`],
  });
});

/** Asserts a property over `RUNS` inputs and counts them for the report. */
function check<T>(name: string, arb: fc.Arbitrary<T>, body: (value: T) => void) {
  test(name, () => {
    let runs = 0;
    fc.assert(
      fc.property(arb, (value) => {
        runs++;
        body(value);
      }),
      { numRuns: RUNS },
    );
    counted[name] = runs;
  });
}

/** `fn` returns, or throws an ApiError in the contract's shape; anything else fails the property. */
function acceptedOrContractError(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    expect(err.code).toMatch(CONTRACT_CODE);
    expect([400, 403, 404]).toContain(err.status);
    expect(typeof err.meta?.field).toBe('string');
    expect(err.meta?.field).not.toBe('');
    for (const issue of (err.meta?.errors as unknown[] | undefined) ?? []) expectIssue(issue);
    // The envelope must serialise (no cycles, no BigInt) or the error handler itself fails.
    JSON.stringify(err.meta);
  }
}

function expectIssue(issue: unknown) {
  expect(issue).toEqual(
    expect.objectContaining({
      field: expect.stringMatching(/.+/),
      code: expect.stringMatching(CONTRACT_CODE),
      message: expect.any(String),
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const PLATFORMS = Object.keys(PLATFORM_RULES);
/** Keys that shadow Object.prototype members or that JSON parsers treat specially. */
const HOSTILE_KEYS = ['toString', 'valueOf', 'constructor', '__proto__', 'hasOwnProperty', 'toJSON'];
/** Option keys the platform rules read (and required ones), so mutations hit real checks. */
const OPTION_KEYS = [
  ...new Set([
    ...PLATFORMS.flatMap((p) => PLATFORM_RULES[p].requiredOptions.map((o) => o.key)),
    ...'alertType alt_text alt_texts article_url auto_populate_reply_metadata board_id brand_content_toggle callToAction category_id collaborators content_type cover_url cta_label cta_link cta_type cta_url default_language disable_reshare event exclude_reply_user_ids geo_place_id in_reply_to_tweet_id labels langs language languageCode license link link_attachment location_id max_age media_type offer page_id photo_cover_index playlist_id privacy_level publish_at quote_tweet_id recording_date reply_control reply_settings share_to_feed tags thread title topicType video_cover_timestamp_ms visibility made_for_kids is_aigc'.split(
      ' ',
    ),
  ]),
];
const ACCOUNTS: Record<string, AccountInfo> = Object.fromEntries([
  ...PLATFORMS.map((p) => [`acc_${p}`, { platform: p, status: 'active' as const }]),
  ['acc_gone', { platform: 'sandbox', status: 'reconnect_required' as const }],
]);
const ACCOUNT_IDS = Object.keys(ACCOUNTS);

const key = fc.oneof(
  fc.constantFrom(...HOSTILE_KEYS, ...OPTION_KEYS, ...PLATFORMS),
  fc.string({ maxLength: 8 }),
);
/** Any JSON value, with keys drawn from the hostile, option and platform names too. */
const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      '',
      ' ',
      'PUBLIC_TO_EVERYONE',
      'feed',
      'EVENT',
      '2030-01-01T00:00:00Z',
      'https://x.test/a',
    ),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;
/** JSON as JSON.parse makes it: `__proto__` becomes an own property, as in a request body. */
const parsedJson = json.map((v) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown);

const instant = fc.oneof(
  fc.constantFrom('2030-01-01T09:00:00Z', '2030-01-01T09:00:00+02:00', '2000-01-01T00:00:00Z'),
  fc.constantFrom('2030-13-45T99:99:99Z', '2030-01-01T09:00:00', '9999-12-31T23:59:59+23:59', 'now'),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const mediaInput = fc.record({
  source_type: fc.constantFrom('media_id', 'url', 'platform_attachment_id'),
  source: fc.constantFrom('med_img', 'med_vid', 'med_missing', 'https://cdn.test/a.jpg', 'http://10.0.0.1/x'),
});
/** An object whose own keys shadow Object.prototype's: `String(it)` throws. */
const hostileObject = fc
  .dictionary(fc.constantFrom(...HOSTILE_KEYS), parsedJson, { minKeys: 1, maxKeys: 3 })
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const optionValue = fc.oneof(parsedJson, hostileObject, fc.array(hostileObject, { maxLength: 2 }));
const optionsValue = fc.dictionary(fc.constantFrom(...OPTION_KEYS, ...HOSTILE_KEYS), optionValue, {
  maxKeys: 5,
});
/** platform_options either flat or keyed by platform, as both appear in real requests. */
const platformOptions = fc.oneof(optionsValue, fc.dictionary(fc.constantFrom(...PLATFORMS), optionsValue));

/** A field that is usually well-formed and sometimes anything at all. */
const nearly = <T>(valid: fc.Arbitrary<T>) =>
  fc.option(fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: parsedJson }), {
    nil: undefined,
  });
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('Hello', 'x'.repeat(6000), '<b>', '👨‍👩‍👧'));

const targetBody = fc.record(
  {
    account_id: nearly(fc.constantFrom(...ACCOUNT_IDS, 'acc_unknown')),
    text: nearly(text),
    title: nearly(text),
    media: nearly(fc.array(mediaInput, { maxLength: 3 })),
    media_ids: nearly(fc.array(fc.constantFrom('med_img', 'med_vid'), { maxLength: 3 })),
    platform_data: nearly(optionsValue),
    scheduled_at: nearly(instant),
    board_id: nearly(fc.string({ maxLength: 5 })),
  },
  { requiredKeys: [] },
);
/** Near-valid `POST /v1/posts` bodies of both dialects. */
const createBody = fc.record(
  {
    text: nearly(text),
    title: nearly(text),
    first_comment: nearly(text),
    visibility: nearly(fc.constantFrom('public', 'private', 'connections_only', 'logged_in')),
    account_ids: nearly(fc.array(fc.constantFrom(...ACCOUNT_IDS, 'acc_unknown', ''), { maxLength: 4 })),
    platform_options: nearly(platformOptions),
    targets: nearly(fc.array(targetBody, { maxLength: 3 })),
    platform_data: nearly(platformOptions),
    publish_now: nearly(fc.boolean()),
    media: nearly(fc.array(mediaInput, { maxLength: 4 })),
    media_ids: nearly(fc.array(fc.constantFrom('med_img', 'med_vid', 'med_missing'), { maxLength: 4 })),
    scheduled_at: nearly(instant),
    callback_url: nearly(fc.constantFrom('https://n8n.test/resume', 'not a url')),
    platforms: nearly(fc.array(fc.constantFrom(...PLATFORMS, ...HOSTILE_KEYS, 'myspace'), { maxLength: 4 })),
  },
  { requiredKeys: [] },
);
/** `POST /v1/posts/validate` without accounts: content checked against named platforms. */
const dryRunBody = fc.record(
  {
    text,
    title: nearly(text),
    media_ids: nearly(fc.array(fc.constantFrom('med_img', 'med_vid'), { maxLength: 3 })),
    platform_data: nearly(platformOptions),
    platform_options: nearly(platformOptions),
    platforms: fc.array(fc.constantFrom(...PLATFORMS, ...HOSTILE_KEYS, 'myspace'), { maxLength: 4 }),
  },
  { requiredKeys: ['text', 'platforms'] },
);
const anyBody = fc.oneof(parsedJson, createBody, dryRunBody);

/** A media library with one image, one video and nothing else. */
const media: MediaLookup = {
  problem: (m) =>
    m.source_type === 'media_id' && !['med_img', 'med_vid'].includes(m.source)
      ? `no media ${m.source}.`
      : m.source.startsWith('http://10.')
        ? 'points into a private network.'
        : undefined,
  info: (m) =>
    m.source === 'med_img'
      ? { kind: 'image', contentType: 'image/gif', sizeBytes: 6 * 1024 * 1024 }
      : m.source === 'med_vid'
        ? { kind: 'video', contentType: 'video/quicktime', sizeBytes: 1 }
        : undefined,
};
const now = new Date('2026-03-14T09:00:00Z');
const ctx = { id: 'post_PROP', userId: 'usr_prop', now, account: (id: string) => ACCOUNTS[id], media };

// ---------------------------------------------------------------------------------------------
// Properties

describe('normaliseCreatePost', () => {
  check('any JSON value: a PostSpec or a contract error', parsedJson, (body) =>
    acceptedOrContractError(() => normaliseCreatePost(body, ctx)),
  );
  check('near-valid bodies of both dialects: a PostSpec or a contract error', createBody, (body) =>
    acceptedOrContractError(() => {
      const spec = normaliseCreatePost(body, ctx);
      expect(spec.targets.every((t) => t.platform in PLATFORM_RULES)).toBe(true);
      JSON.stringify(spec);
    }),
  );
});

describe('applyPostUpdate', () => {
  const base = (platforms: string[]): PostSpec => ({
    id: 'post_PROP',
    userId: 'usr_prop',
    mode: 'draft',
    content: { text: 'Hello', title: 'A title', media: [{ source_type: 'media_id', source: 'med_vid' }] },
    platformOptions: {},
    targets: platforms.map((p) => ({ accountId: `acc_${p}`, platform: p, options: {} })),
    createdAt: now.toISOString(),
  });
  const patch = fc.oneof(
    parsedJson,
    fc.record(
      {
        text: nearly(text),
        title: nearly(text),
        visibility: nearly(fc.constantFrom('public', 'private')),
        media: nearly(fc.array(mediaInput, { maxLength: 3 })),
        media_ids: nearly(fc.array(fc.constantFrom('med_img', 'med_vid'), { maxLength: 3 })),
        platform_options: nearly(platformOptions),
        platform_data: nearly(platformOptions),
        scheduled_at: nearly(instant),
        account_ids: nearly(fc.array(fc.constantFrom(...ACCOUNT_IDS))),
      },
      { requiredKeys: [] },
    ),
  );
  check(
    'any patch on a post to any platforms: the updated spec or a contract error',
    fc.tuple(fc.subarray(PLATFORMS, { minLength: 1, maxLength: 4 }), patch),
    ([platforms, body]) => acceptedOrContractError(() => applyPostUpdate(base(platforms), body, now, media)),
  );
});

describe('validatePostBody', () => {
  check('any body: a report in the contract shape, never an exception', anyBody, (body) => {
    const report = validatePostBody(body, { now, account: ctx.account, media }, ['sandbox', 'mastodon']);
    expect(report.valid).toBe(report.errors.length === 0);
    for (const issue of [...report.errors, ...report.warnings]) {
      expect(issue).toEqual({
        platform: issue.platform === null ? null : expect.any(String),
        field: expect.stringMatching(/.+/),
        message: expect.any(String),
        code: expect.stringMatching(/^(validation|account|media|platform)\.[a-z_.]+$/),
      });
    }
    JSON.stringify(report);
  });
});

describe('checkPlatformRules', () => {
  const mediaInfo: fc.Arbitrary<MediaInfo> = fc.record(
    {
      kind: fc.constantFrom('image', 'video', 'unknown'),
      contentType: fc.constantFrom(
        'image/jpeg',
        'image/png',
        'image/gif',
        'image/webp',
        'video/mp4',
        'text/plain',
      ),
      sizeBytes: fc.oneof(fc.nat(), fc.constant(600 * 1024 * 1024)),
    },
    { requiredKeys: ['kind'] },
  );
  const content: fc.Arbitrary<PostContent> = fc.record(
    {
      text,
      title: text,
      firstComment: text,
      visibility: fc.constantFrom('public', 'private', 'connections_only', 'logged_in'),
      media: fc.array(
        mediaInput.map((m) => ({ ...m, source_type: 'media_id' as const })),
        { maxLength: 6 },
      ),
    },
    { requiredKeys: ['text', 'media'] },
  );
  for (const platform of PLATFORMS) {
    check(
      `${platform}: any content, options and media info give issues in the contract shape`,
      fc.tuple(content, fc.oneof(optionsValue, parsedJson), fc.array(mediaInfo, { maxLength: 6 })),
      ([post, options, infos]) => {
        // Options reach the rules only through the body schemas' options schema.
        const parsed = platformOptionsSchema.safeParse(options);
        const opts = parsed.success ? parsed.data : {};
        const known = post.media.map((_, i) => infos[i] ?? { kind: 'unknown' as const });
        const issues = checkPlatformRules(platform, post, opts, 'platform_data', known);
        issues.forEach(expectIssue);
        expect(issues.every((i) => i.platform === platform)).toBe(true);
      },
    );
  }
});

describe('account, webhook and other body schemas', () => {
  const schemas = {
    'POST /v1/accounts': createAccountSchema,
    'PATCH /v1/accounts/{id}': updateAccountSchema,
    'POST /v1/accounts/{id}/reconnect': reconnectAccountSchema,
    'POST /v1/posts/{id}/unpublish': unpublishSchema,
    'POST /v1/webhooks': createWebhookSchema,
    'PATCH /v1/webhooks/{id}': updateWebhookSchema,
    'POST /v1/keys': createKeySchema,
    'PATCH /v1/users/me': updateUserSchema,
  };
  const near = fc.record(
    {
      platform: nearly(fc.constantFrom(...PLATFORMS)),
      name: nearly(text),
      username: nearly(fc.oneof(text, fc.constant(null))),
      credentials: nearly(fc.dictionary(key, fc.string({ maxLength: 5 }), { maxKeys: 3 })),
      account_id: nearly(fc.constantFrom(...ACCOUNT_IDS)),
      url: nearly(
        fc.constantFrom('https://hooks.test/x', 'ftp://x', 'nope', `https://x.test/${'a'.repeat(3000)}`),
      ),
      events: nearly(
        fc.array(fc.constantFrom('post.published', 'post.failed', 'post.nope'), { maxLength: 4 }),
      ),
      is_active: nearly(fc.boolean()),
      scopes: nearly(fc.array(fc.constantFrom('posts:read', 'keys:manage', 'nope', ''), { maxLength: 3 })),
      email: nearly(fc.oneof(fc.constantFrom('ada@example.com', 'not-an-email', ''), fc.constant(null))),
    },
    { requiredKeys: [] },
  );
  for (const [route, schema] of Object.entries(schemas)) {
    check(
      `${route}: any body parses or becomes a contract validation error`,
      fc.oneof(parsedJson, near),
      (body) =>
        acceptedOrContractError(() => {
          // What the route does with its body.
          const parsed = schema.safeParse(body ?? {});
          if (!parsed.success) throw validationError(zodIssues(parsed.error));
        }),
    );
  }
});

describe('what the properties found, pinned', () => {
  test('a platform named after an Object.prototype member is unknown, not a crash', () => {
    for (const platform of ['constructor', 'toString', '__proto__']) {
      const report = validatePostBody(
        { text: 'x', platforms: [platform] },
        { now, account: ctx.account },
        [],
      );
      expect(report.errors).toEqual([expect.objectContaining({ field: 'platforms', platform })]);
    }
  });

  test('an option whose value has its own toString is refused with its path', () => {
    const body = {
      text: 'x',
      account_ids: ['acc_tiktok'],
      platform_options: { privacy_level: { toString: 1 } },
    };
    expect(() => normaliseCreatePost(body, ctx)).toThrow(
      expect.objectContaining({
        code: 'validation.field_invalid',
        meta: expect.objectContaining({ field: 'platform_options.privacy_level.toString' }),
      }),
    );
  });

  test('options nested deeper than 16 levels are refused', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(platformOptionsSchema.safeParse({ a: deep }).success).toBe(false);
    let fine: unknown = 'x';
    for (let i = 0; i < 10; i++) fine = { level: fine };
    expect(platformOptionsSchema.safeParse({ a: fine }).success).toBe(true);
  });
});
