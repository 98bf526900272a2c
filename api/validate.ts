import { ApiError, type Issue } from './errors';
import {
  mediaOf,
  type NormaliseContext,
  normaliseParsedPost,
  type ParsedCreatePost,
  parseCreatePost,
} from './normalise';
import { limitsShown } from './media-limits';
import { checkPlatformRules, PLATFORM_RULES } from './platform-rules';
import { takesComments } from './platform-steps';
import type { PostSpec } from './types';
import { zodIssues } from './zod-issues';
import { z } from 'zod';
import type { PlatformConstraints, validationReportSchema } from './resources';

/** One problem found by a dry run, in the contract's shape. */
export interface ValidationIssue {
  platform: string | null;
  field: string;
  message: string;
  code: string;
}

export interface ValidationReport {
  valid: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
}

// Compile-time: the report the code returns fits the schema the API documents.
export const reportSchemaMatchesType: [ValidationReport] extends [z.infer<typeof validationReportSchema>]
  ? true
  : never = true;

const dryRunExtras = z.object({
  platforms: z.array(z.string().min(1)).max(20).optional(),
});

/**
 * `POST /v1/posts/validate`: checks a post body without creating anything. With `platforms[]` it
 * checks the content against those platforms' rules (no accounts needed); with accounts or
 * targets it runs exactly the checks `POST /v1/posts` runs.
 */
export function validatePostBody(
  body: unknown,
  ctx: Omit<NormaliseContext, 'id' | 'userId'>,
  available: readonly string[],
  /** The body already parsed with `parseCreatePost` (by a caller that looked up its accounts). */
  parsed: ParsedCreatePost = parseCreatePost(body),
): ValidationReport {
  const errors: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  const toIssue = (i: Issue): ValidationIssue => ({
    platform: i.platform ?? null,
    field: i.field,
    message: i.message,
    code: i.code,
  });

  const extras = dryRunExtras.safeParse(body ?? {});
  if (!extras.success) errors.push(...zodIssues(extras.error).map(toIssue));
  const platforms = extras.success ? (extras.data.platforms ?? []) : [];
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const hasAccounts = Array.isArray(b.account_ids) || Array.isArray(b.targets);

  if (hasAccounts) {
    try {
      const spec = normaliseParsedPost(parsed, { ...ctx, id: 'post_DRYRUN', userId: 'dry-run' });
      warnings.push(...uncommentedTargets(spec));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      errors.push(...issuesOf(err).map(toIssue));
    }
  } else {
    if (!parsed.success) errors.push(...zodIssues(parsed.error).map(toIssue));
    else {
      const data = parsed.data;
      const options = (data.platform_data ?? data.platform_options ?? {}) as Record<string, unknown>;
      const content = {
        text: data.text,
        ...(data.title ? { title: data.title } : {}),
        ...(data.segments?.length ? { segments: data.segments.map((s) => s.text) } : {}),
        media: mediaOf(data) ?? [],
      };
      for (const platform of platforms) {
        if (!PLATFORM_RULES[platform]) {
          errors.push({
            platform,
            field: 'platforms',
            message: `unknown platform "${platform}".`,
            code: 'validation.field_invalid',
          });
          continue;
        }
        const own = (options[platform] ?? {}) as Record<string, unknown>;
        errors.push(...checkPlatformRules(platform, content, own, `platform_data.${platform}`).map(toIssue));
        if (data.first_comment && !takesComments(platform))
          warnings.push(commentUnsupported(platform, 'first_comment'));
      }
    }
    if (platforms.length === 0) {
      errors.push({
        platform: null,
        field: 'platforms',
        message: 'name platforms[], account_ids[] or targets[] to validate against.',
        code: 'validation.field_required',
      });
    }
  }
  for (const platform of platforms.filter((p) => PLATFORM_RULES[p] && !available.includes(p))) {
    warnings.push({
      platform,
      field: 'platforms',
      message: `this Postflow cannot publish to ${platform} yet.`,
      code: 'platform.unavailable',
    });
  }
  return { valid: errors.length === 0, errors, warnings };
}

/**
 * The problems a refusal of the normaliser names (`meta.errors`), or the refusal itself as one
 * problem (a disconnected account): what a dry run and an import report for a body.
 */
export function issuesOf(err: ApiError): Issue[] {
  const listed = (err.meta?.errors as Issue[] | undefined) ?? [
    { field: String(err.meta?.field ?? 'body'), code: err.code, message: err.message },
  ];
  return listed.map((i) => ({ ...i, code: i.code ?? err.code }));
}

/**
 * A `first_comment` for a target whose platform has no comments is not posted there (the target
 * reports `platform.<slug>.comments_unsupported` when it publishes): the dry run says so beforehand.
 */
function uncommentedTargets(spec: PostSpec): ValidationIssue[] {
  return spec.targets.flatMap((target, i) => {
    const own = target.overrides?.firstComment !== undefined;
    const text = own ? target.overrides!.firstComment : spec.content.firstComment;
    if (!text || takesComments(target.platform)) return [];
    return [commentUnsupported(target.platform, own ? `targets[${i}].first_comment` : 'first_comment')];
  });
}

function commentUnsupported(platform: string, field: string): ValidationIssue {
  return {
    platform,
    field,
    message: `${platform} has no comments Postflow can make: the first comment will not be posted there.`,
    code: `platform.${platform}.comments_unsupported`,
  };
}

/** `GET /v1/posts/validate?platform=`: a platform's constraints in the contract's shape. */
export function platformConstraints(platform: string): PlatformConstraints | undefined {
  const rules = PLATFORM_RULES[platform];
  if (!rules) return undefined;
  return {
    // The contract's modes are chars, utf16 and bytes; Bluesky's graphemes and X's weighted count are ours.
    text: {
      max_length: rules.textMaxLength,
      counting_mode: rules.textCounting && rules.textCounting !== 'codepoints' ? rules.textCounting : 'chars',
    },
    ...(rules.titleMaxLength
      ? { title: { max_length: rules.titleMaxLength, required: !!rules.titleRequired } }
      : {}),
    media: {
      min_items: rules.media.min,
      max_items: rules.media.max,
      ...(rules.media.kinds ? { kinds: [...rules.media.kinds] } : {}),
      ...(rules.media.limits ? { limits: limitsShown(rules.media.limits) } : {}),
    },
    carousel: {
      supported: rules.media.max > 1,
      min_items: rules.media.max > 1 ? 2 : 0,
      max_items: rules.media.max,
    },
    scheduling: { supported: true, mode: 'server_side' as const },
    required_options: rules.requiredOptions.map((o) => ({
      key: o.key,
      ...(o.values ? { values: [...o.values] } : {}),
    })),
    option_keys: [...rules.optionKeys],
  };
}
