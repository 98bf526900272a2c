import { approvalOf, type BrandApproval } from './approval-rule';
import { ApiError, type Issue, validationError } from './errors';
import { checkPlatformRules, type MediaInfo, PLATFORM_RULES } from './platform-rules';
import { recycleOf } from './recycle';
import {
  createPostSchema,
  type CreatePostBody,
  type TargetBody,
  type UpdatePostBody,
  updatePostSchema,
} from './schemas';
import type { MediaRef, PostContent, PostMode, PostSpec, TargetSpec } from './types';
import { zodIssues } from './zod-issues';

/** What the normaliser needs to know about an account. */
export interface AccountInfo {
  platform: string;
  status: 'active' | 'reconnect_required';
  /** The approval its brand asks of posts to it; absent when it is in no brand. */
  approval?: BrandApproval;
}

export interface NormaliseContext {
  id: string;
  userId: string;
  now: Date;
  /** Looks up one of the caller's accounts; `undefined` when it does not exist or is someone else's. */
  account: (id: string) => AccountInfo | undefined;
  /** What the caller's media library knows about the post's media. Absent: media is not checked. */
  media?: MediaLookup;
  /** The API key creating the post: recorded, so that a rule "approved by another key" can hold. */
  authorKeyId?: string;
  /**
   * The queue slot reserved for a body with `queue` (ISO instant): the post's `scheduled_at`.
   * Absent: a body with `queue` is refused (only `POST /v1/posts` reserves slots).
   */
  queuedAt?: string;
  /**
   * The caller re-queues evergreen posts (`recycle`): `POST /v1/posts`, which checked that the
   * accounts have a queue. Absent: a body with `recycle` is refused.
   */
  recycles?: boolean;
}

export interface MediaLookup {
  /**
   * Why a media item cannot be used (not in the caller's library, not uploaded yet, a URL that
   * points into a private network); `undefined` when it can.
   */
  problem(media: MediaRef): string | undefined;
  /** The item's kind and type where known (library items), for the platforms' media rules. */
  info(media: MediaRef): MediaInfo | undefined;
}

/** How far in the past a `scheduled_at` may lie (clock skew, slow clients) before it is refused. */
const PAST_TOLERANCE_MS = 5 * 60_000;

/** A `POST /v1/posts` body checked against the schema: the schema's verdict, reached once. */
export type ParsedCreatePost = ReturnType<typeof createPostSchema.safeParse>;

/**
 * Checks a `POST /v1/posts` body against the schema. Callers that look things up for a body
 * (accounts, media) parse it once with this and hand the result to `normaliseParsedPost`.
 */
export function parseCreatePost(body: unknown): ParsedCreatePost {
  return createPostSchema.safeParse(body ?? {});
}

/**
 * Turns a `POST /v1/posts` body of either dialect into a `PostSpec`, or throws an `ApiError`
 * that lists every problem: 400 for the body, 404 `account.not_found` for unknown accounts.
 */
export function normaliseCreatePost(body: unknown, ctx: NormaliseContext): PostSpec {
  return normaliseParsedPost(parseCreatePost(body), ctx);
}

/** `normaliseCreatePost` of a body already parsed with `parseCreatePost`. */
export function normaliseParsedPost(parsed: ParsedCreatePost, ctx: NormaliseContext): PostSpec {
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const issues: Issue[] = queueIssues(parsed.data, ctx.queuedAt);
  const req =
    queuePlacement(parsed.data) && ctx.queuedAt
      ? { ...parsed.data, scheduled_at: ctx.queuedAt }
      : parsed.data;

  if (req.account_ids && req.targets) {
    issues.push({
      field: 'targets',
      code: 'validation.field_invalid',
      message: 'send either account_ids (seed) or targets, not both.',
    });
  }
  const targetBodies: Array<TargetBody & { field: string }> = req.targets
    ? req.targets.map((t, i) => ({ ...t, field: `targets[${i}]` }))
    : (req.account_ids ?? []).map((account_id, i) => ({ account_id, field: `account_ids[${i}]` }));

  const mode = resolveMode(req);
  if (mode !== 'draft' && targetBodies.length === 0) {
    issues.push({
      field: 'account_ids',
      code: 'validation.field_required',
      message: 'at least one account is needed to publish or schedule.',
    });
  }
  if (mode === 'scheduled' && Date.parse(req.scheduled_at!) < ctx.now.getTime() - PAST_TOLERANCE_MS) {
    issues.push({
      field: 'scheduled_at',
      code: 'validation.field_invalid',
      message: 'is in the past; omit it to publish now.',
    });
  }
  const seen = new Set<string>();
  for (const t of targetBodies) {
    if (seen.has(t.account_id)) {
      issues.push({
        field: t.field,
        code: 'validation.field_invalid',
        message: `account ${t.account_id} is listed twice.`,
      });
    }
    seen.add(t.account_id);
    if (t.scheduled_at && Date.parse(t.scheduled_at) < ctx.now.getTime() - PAST_TOLERANCE_MS) {
      issues.push({
        field: `${t.field}.scheduled_at`,
        code: 'validation.field_invalid',
        message: 'is in the past; omit it for the target to go out with the post.',
      });
    }
  }
  if (mode === 'draft' && targetBodies.some((t) => t.scheduled_at)) {
    issues.push({
      field: 'scheduled_at',
      code: 'validation.field_required',
      message:
        "targets without their own scheduled_at need the post's scheduled_at or publish_now: true (or give every target its own).",
    });
  }
  issues.push(...mediaIssues(req, targetBodies, ctx.media));
  if (issues.length) throw validationError(issues);

  const unknown = targetBodies.filter((t) => !ctx.account(t.account_id));
  if (unknown.length) {
    const [first] = unknown;
    throw new ApiError(
      404,
      'account.not_found',
      `No account ${unknown.map((t) => t.account_id).join(', ')}; list yours with GET /v1/accounts.`,
      {
        resource: 'account',
        id: first.account_id,
        field: first.field,
        errors: unknown.map((t) => ({
          field: t.field,
          code: 'account.not_found',
          message: `no account with id ${t.account_id}.`,
        })),
      },
    );
  }
  const disconnected = targetBodies.find((t) => ctx.account(t.account_id)!.status !== 'active');
  if (disconnected) {
    throw new ApiError(
      403,
      'account.reconnection_required',
      `Account ${disconnected.account_id} must be reconnected before it can publish.`,
      {
        id: disconnected.account_id,
        field: disconnected.field,
      },
    );
  }

  const content: PostContent = {
    text: req.text,
    ...(req.title !== undefined ? { title: req.title } : {}),
    ...(req.first_comment !== undefined ? { firstComment: req.first_comment } : {}),
    ...(req.segments?.length ? { segments: req.segments.map((s) => s.text) } : {}),
    ...(req.visibility !== undefined ? { visibility: req.visibility } : {}),
    media: mediaOf(req) ?? [],
  };
  const platformOptions = req.platform_options ?? req.platform_data ?? {};
  const optionsRoot = req.platform_options ? 'platform_options' : 'platform_data';
  const targets = targetBodies.map((t) =>
    buildTarget(t, ctx.account(t.account_id)!.platform, platformOptions),
  );

  const approval = approvalOf(
    req,
    targetBodies.map((t) => ctx.account(t.account_id)!.approval),
    ctx.authorKeyId,
  );
  const spec: PostSpec = {
    id: ctx.id,
    userId: ctx.userId,
    mode,
    ...(mode === 'scheduled' ? { scheduledAt: postInstant(req) } : {}),
    content,
    platformOptions,
    targets,
    createdAt: ctx.now.toISOString(),
    ...(approval ? { approval } : {}),
  };
  const ruleIssues = checkTargets(spec, ctx.media, (t, i) =>
    req.targets
      ? `targets[${i}].platform_data`
      : isKeyedByPlatform(platformOptions)
        ? `${optionsRoot}.${t.platform}`
        : optionsRoot,
  ).map((issue) => atTargetField(issue, req.targets));
  if (ruleIssues.length) throw validationError(ruleIssues);
  const recycle = recycleChecked(req, spec, ctx);
  return recycle ? { ...spec, recycle } : spec;
}

/**
 * The post's `recycle`, checked: its rule for platforms that refuse a repeated text, and each
 * round's text held to the targets' rules as the post's own text is.
 */
function recycleChecked(req: CreatePostBody, spec: PostSpec, ctx: NormaliseContext) {
  if (!req.recycle) return undefined;
  if (!ctx.recycles) {
    throw validationError([
      {
        field: 'recycle',
        code: 'validation.field_invalid',
        message: 'is taken by POST /v1/posts only (a recycled post goes back into its queue).',
      },
    ]);
  }
  const { recycle, issues } = recycleOf(
    req,
    spec.id,
    spec.targets.map((t) => t.platform),
  );
  const roundIssues = (recycle?.variations ?? []).flatMap((text, i) =>
    checkTargets(roundSpec(spec, text), ctx.media, () => 'platform_options')
      .filter((issue) => issue.field === 'text')
      .map((issue) => ({ ...issue, field: `recycle.variations[${i}]` })),
  );
  if (issues.length || roundIssues.length) throw validationError([...issues, ...roundIssues]);
  return recycle;
}

/** The post as a round with `text` goes out: that text for every target. */
function roundSpec(spec: PostSpec, text: string): PostSpec {
  return {
    ...spec,
    content: { ...spec.content, text },
    targets: spec.targets.map((t) => ({ ...t, overrides: { ...t.overrides, text } })),
  };
}

/**
 * Applies a `PATCH /v1/posts/{id}` body to a post's spec and checks the result like a new post.
 * Changing `platform_options` re-derives every target's options from it and the target's own
 * (`ownOptions`, which win as at creation); nothing else of a target changes.
 */
export function applyPostUpdate(spec: PostSpec, body: unknown, now: Date, media?: MediaLookup): PostSpec {
  return applyParsedUpdate(spec, parsePostUpdate(body), now, media);
}

/** A `PATCH /v1/posts/{id}` body checked against its schema, once, for every step that reads it. */
export type ParsedPostUpdate = ReturnType<typeof parsePostUpdate>;

export function parsePostUpdate(body: unknown) {
  return updatePostSchema.safeParse(body ?? {});
}

/** `applyPostUpdate` of a body already parsed with `parsePostUpdate`. */
export function applyParsedUpdate(
  spec: PostSpec,
  parsed: ParsedPostUpdate,
  now: Date,
  media?: MediaLookup,
): PostSpec {
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const patch = parsed.data;
  const badMedia = mediaIssues(patch, [], media);
  if (badMedia.length) throw validationError(badMedia);
  if (patch.scheduled_at && Date.parse(patch.scheduled_at) < now.getTime() - PAST_TOLERANCE_MS) {
    throw validationError([
      {
        field: 'scheduled_at',
        code: 'validation.field_invalid',
        message: 'is in the past; use POST /v1/posts/{id}/publish to publish now.',
      },
    ]);
  }
  const platformOptions = patch.platform_options ?? patch.platform_data ?? spec.platformOptions;
  const targetIssues = rescheduledTargetIssues(spec, patch, now);
  if (targetIssues.length) throw validationError(targetIssues);
  const { segments: _replaced, ...kept } = spec.content;
  const content = patch.segments === undefined ? spec.content : kept;
  const next: PostSpec = {
    ...spec,
    ...(patch.scheduled_at
      ? { mode: 'scheduled', scheduledAt: new Date(Date.parse(patch.scheduled_at)).toISOString() }
      : {}),
    content: {
      ...content,
      ...(patch.segments?.length ? { segments: patch.segments.map((s) => s.text) } : {}),
      ...(patch.text !== undefined ? { text: patch.text } : {}),
      ...(patch.title !== undefined ? { title: patch.title } : {}),
      ...(patch.first_comment !== undefined ? { firstComment: patch.first_comment } : {}),
      ...(patch.visibility !== undefined ? { visibility: patch.visibility } : {}),
      ...(mediaOf(patch) !== undefined ? { media: mediaOf(patch) } : {}),
    },
    platformOptions,
    targets: rescheduled(
      platformOptions === spec.platformOptions
        ? spec.targets
        : spec.targets.map((t) => withPlatformOptions(t, spec.platformOptions, platformOptions)),
      patch,
    ),
  };
  const issues = checkTargets(next, media, (t) =>
    isKeyedByPlatform(platformOptions) ? `platform_options.${t.platform}` : 'platform_options',
  );
  if (issues.length) throw validationError(issues);
  return next;
}

/** The targets with the instants a PATCH's `targets[]` gives them (the same array when it gives none). */
function rescheduled(targets: TargetSpec[], patch: UpdatePostBody): TargetSpec[] {
  if (!patch.targets?.length) return targets;
  return targets.map((t) => {
    const moved = patch.targets!.find((m) => m.account_id === t.accountId);
    return moved ? { ...t, scheduledAt: isoInstant(moved.scheduled_at) } : t;
  });
}

/** A PATCH's `targets[]` may move targets of the post to instants not in the past, nothing else. */
function rescheduledTargetIssues(spec: PostSpec, patch: UpdatePostBody, now: Date): Issue[] {
  return (patch.targets ?? []).flatMap((t, i): Issue[] => {
    if (!spec.targets.some((s) => s.accountId === t.account_id))
      return [
        {
          field: `targets[${i}].account_id`,
          code: 'validation.field_invalid',
          message: `account ${t.account_id} is not a target of this post.`,
        },
      ];
    if (Date.parse(t.scheduled_at) < now.getTime() - PAST_TOLERANCE_MS)
      return [
        { field: `targets[${i}].scheduled_at`, code: 'validation.field_invalid', message: 'is in the past.' },
      ];
    return [];
  });
}

/** Where a create body asks to be queued: `end` (the next free slot), `next` (the head), or not. */
export function queuePlacement(req: CreatePostBody): 'end' | 'next' | undefined {
  if (req.queue === 'next') return 'next';
  if (req.queue === true || (req.queue === undefined && req.add_to_queue === true)) return 'end';
  return undefined;
}

/** A queued post takes its instant from the queue: any other instant in the body is refused. */
function queueIssues(req: CreatePostBody, queuedAt: string | undefined): Issue[] {
  if (!queuePlacement(req)) return [];
  const field = req.queue !== undefined ? 'queue' : 'add_to_queue';
  const issue = (message: string): Issue => ({ field, code: 'validation.field_invalid', message });
  if (!queuedAt) return [issue('is taken by POST /v1/posts only; give scheduled_at instead.')];
  const clashes = [
    req.scheduled_at !== undefined && 'scheduled_at',
    req.publish_now && 'publish_now',
    req.targets?.some((t) => t.scheduled_at) && 'targets[].scheduled_at',
  ].filter((c): c is string => !!c);
  return clashes.length
    ? [issue(`a queued post takes its instant from the queue; remove ${clashes.join(' and ')}, or queue.`)]
    : [];
}

function resolveMode(req: CreatePostBody): PostMode {
  if (req.publish_now) return 'now';
  if (req.scheduled_at) return 'scheduled';
  // Every target at its own instant: the post is scheduled (for the earliest).
  if (req.targets?.length && req.targets.every((t) => t.scheduled_at)) return 'scheduled';
  // The seed dialect publishes at once when no schedule is given; the current one drafts.
  return req.account_ids?.length ? 'now' : 'draft';
}

/**
 * `platform_options` / `platform_data` is either keyed by platform slug
 * (`{ "instagram": { "content_type": "feed" } }`) or flat, applying to every target.
 */
function isKeyedByPlatform(options: Record<string, unknown>): boolean {
  const keys = Object.keys(options);
  return keys.length > 0 && keys.every((k) => k in PLATFORM_RULES && isObject(options[k]));
}

/** A target's options: the post-level ones for its platform, then its own, which win. */
function targetOptions(
  platform: string,
  platformOptions: Record<string, unknown>,
  own: Record<string, unknown>,
): Record<string, unknown> {
  const shared = isKeyedByPlatform(platformOptions)
    ? ((platformOptions[platform] as Record<string, unknown> | undefined) ?? {})
    : platformOptions;
  return { ...shared, ...own };
}

/**
 * A target under new post-level options: everything else of it (its own options, overrides,
 * instant) kept, its options merged again as at creation.
 */
function withPlatformOptions(
  t: TargetSpec,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): TargetSpec {
  const own = t.ownOptions ?? legacyOwnOptions(t, before);
  return {
    ...t,
    options: targetOptions(t.platform, after, own),
    ...(Object.keys(own).length ? { ownOptions: own } : {}),
  };
}

/**
 * Specs written before `ownOptions` existed: the target's own options are those of its options
 * the post-level ones did not give (a key it set to the post-level value is not told apart).
 */
function legacyOwnOptions(t: TargetSpec, platformOptions: Record<string, unknown>): Record<string, unknown> {
  const shared = targetOptions(t.platform, platformOptions, {});
  return Object.fromEntries(
    Object.entries(t.options).filter(([key, value]) => JSON.stringify(shared[key]) !== JSON.stringify(value)),
  );
}

function buildTarget(t: TargetBody, platform: string, platformOptions: Record<string, unknown>): TargetSpec {
  const own = {
    ...(t.platform_data ?? {}),
    ...(t.board_id ? { board_id: t.board_id } : {}),
    ...(t.page_id ? { page_id: t.page_id } : {}),
  };
  const overrides: Partial<PostContent> = {
    ...(t.text !== undefined ? { text: t.text } : {}),
    ...(t.title !== undefined ? { title: t.title } : {}),
    ...(t.first_comment !== undefined ? { firstComment: t.first_comment } : {}),
    ...(t.visibility !== undefined ? { visibility: t.visibility } : {}),
    ...(mediaOf(t) !== undefined ? { media: mediaOf(t) } : {}),
  };
  return {
    accountId: t.account_id,
    platform,
    options: targetOptions(platform, platformOptions, own),
    ...(Object.keys(own).length ? { ownOptions: own } : {}),
    ...(Object.keys(overrides).length ? { overrides } : {}),
    ...(t.scheduled_at ? { scheduledAt: isoInstant(t.scheduled_at) } : {}),
  };
}

/** A scheduled post's instant: its own `scheduled_at`, else its targets' earliest. */
function postInstant(req: CreatePostBody): string {
  if (req.scheduled_at) return isoInstant(req.scheduled_at);
  const instants = req.targets!.map((t) => Date.parse(t.scheduled_at!));
  return new Date(Math.min(...instants)).toISOString();
}

const isoInstant = (instant: string) => new Date(Date.parse(instant)).toISOString();

/**
 * A target's `board_id` and `page_id` join its options (`buildTarget`); a problem with one (a
 * platform that takes no board or page) names the field the request set, `targets[0].page_id`.
 */
function atTargetField(issue: Issue, targets: TargetBody[] | undefined): Issue {
  const match = /^targets\[(\d+)\]\.platform_data\.(board_id|page_id)$/.exec(issue.field);
  if (!match || !targets?.[Number(match[1])]?.[match[2] as 'board_id' | 'page_id']) return issue;
  return { ...issue, field: `targets[${match[1]}].${match[2]}` };
}

function checkTargets(
  spec: PostSpec,
  media: MediaLookup | undefined,
  optionsField: (t: TargetSpec, index: number) => string,
): Issue[] {
  return spec.targets.flatMap((t, i) => {
    const content = { ...spec.content, ...t.overrides };
    const known = content.media.map((m) => media?.info(m) ?? { kind: 'unknown' as const });
    return checkPlatformRules(t.platform, content, t.options, optionsField(t, i), known);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `media[]` (current) or `media_ids` (seed; ignored when `media` is given) as media refs. */
export function mediaOf(body: {
  media?: ReadonlyArray<{ source_type: string; source: string }>;
  media_ids?: readonly string[];
}): MediaRef[] | undefined {
  if (body.media)
    return body.media.map((m) => ({
      source_type: m.source_type as MediaRef['source_type'],
      source: m.source,
    }));
  return body.media_ids?.map((source) => ({ source_type: 'media_id', source }));
}

/** Every media item of the post and its targets that cannot be used, with its field. */
function mediaIssues(
  req: Parameters<typeof mediaOf>[0],
  targets: Array<TargetBody & { field: string }>,
  lookup: MediaLookup | undefined,
): Issue[] {
  const lists: Array<{ field: string; body: Parameters<typeof mediaOf>[0] }> = [
    { field: '', body: req },
    ...targets.map((t) => ({ field: `${t.field}.`, body: t })),
  ];
  return lists.flatMap(({ field, body }) =>
    (mediaOf(body) ?? []).flatMap((media, i) => {
      const where = body.media ? `${field}media[${i}]` : `${field}media_ids[${i}]`;
      if ((media.source_type as string) === 'platform_attachment_id') {
        return [
          {
            field: `${where}.source_type`,
            code: 'validation.field_invalid',
            message: 'platform_attachment_id is not supported yet; upload the file or give its URL.',
          },
        ];
      }
      const why = lookup?.problem(media);
      if (!why) return [];
      return [
        {
          field: body.media ? `${where}.source` : where,
          code: media.source_type === 'media_id' ? 'media.not_found' : 'validation.field_invalid',
          message: why,
        },
      ];
    }),
  );
}
