import type { z } from 'zod';
import type { Issue } from './errors';

/** `['targets', 1, 'account_id']` → `targets[1].account_id` */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

/** Turns zod's issues into the contract's, keeping every one; each unknown field is its own. */
export function zodIssues(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): Issue[] {
  return error.issues.flatMap((issue): Issue[] => {
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    const path = fieldPath([...prefix, ...issue.path]) || 'body';
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: fieldPath([...prefix, ...issue.path, key]) || 'body',
        code: 'validation.field_invalid',
        message: 'is not a field this request takes; remove it.',
      }));
    }
    return [
      {
        field: path,
        code: missing ? 'validation.field_required' : 'validation.field_invalid',
        message: missing ? 'is required.' : issue.message,
      },
    ];
  });
}

/**
 * A platform's options checked against its zod schema (a descriptor's `check`): each problem
 * named `options.<key>`, which the rules check relocates to where the request put the options.
 */
export function optionIssues(schema: z.ZodType, options: Record<string, unknown>): Issue[] {
  const parsed = schema.safeParse(options);
  return parsed.success ? [] : zodIssues(parsed.error, ['options']);
}
