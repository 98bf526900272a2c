import { z } from 'zod';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

/**
 * Options of the built-in `sandbox` platform (`platform_options.sandbox`, or a target's
 * `platform_data`). They make the sandbox misbehave the way real platforms do, so every path of
 * the engine can be tried without real accounts. See docs/sandbox.md.
 */
export const sandboxOptionsSchema = z
  .object({
    /** The failure to inject. Omit for a clean publish. */
    failure: z
      .enum(['transient', 'rate_limit', 'auth_expired', 'auth_revoked', 'validation', 'unknown', 'lost'])
      .optional(),
    /** How many publish calls fail before one succeeds (all but auth_revoked and validation). @default 1 */
    fail_times: z.number().int().min(1).max(100).optional(),
    /** Retry-After sent with `rate_limit`, in seconds. @default 2 */
    retry_after_s: z.number().min(0).max(86_400).optional(),
    /** Delay before the sandbox answers each publish call, in milliseconds. @default 0 */
    latency_ms: z.number().int().min(0).max(600_000).optional(),
    /** Inject the failure only for these account ids (all targets when omitted). */
    only_accounts: z.array(z.string()).optional(),
    /**
     * The sandbox "processes" the post after the publish call (like a TikTok or YouTube video)
     * and answers "still processing" to this many status checks before it is live. @default 0
     */
    processing_polls: z.number().int().min(0).max(100).optional(),
    /** The pause the sandbox asks for between two status checks, in seconds. @default 5 */
    poll_after_s: z.number().min(1).max(3_600).optional(),
    /** `false`: the published post cannot be deleted through the API, like TikTok's. @default true */
    deletable: z.boolean().optional(),
    /** The failure to inject into the first comment's calls (`first_comment`). Omit for a clean comment. */
    comment_failure: z.enum(['transient', 'rate_limit', 'validation', 'unknown', 'lost']).optional(),
    /** How many comment calls fail before one succeeds (all but validation). @default 1 */
    comment_fail_times: z.number().int().min(1).max(100).optional(),
  })
  .strict();

export type SandboxOptions = z.infer<typeof sandboxOptionsSchema>;

/** The sandbox takes anything a real platform might, with generous limits. */
export const sandboxRules: PlatformRules = {
  textMaxLength: 10_000,
  media: { min: 0, max: 20 },
  optionKeys: Object.keys(sandboxOptionsSchema.shape),
  requiredOptions: [],
  // Postflow's own store: no platform limit to respect.
  maxConcurrentCalls: 1_000,
  check: ({ options }) => optionIssues(sandboxOptionsSchema, options),
};

export const sandboxDescriptor: PlatformDescriptor = {
  slug: 'sandbox',
  displayName: 'Sandbox',
  rules: sandboxRules,
  credentials: [],
  capabilities: { reconcile: true, refresh: true, delete: true, comments: true, metrics: true },
};
