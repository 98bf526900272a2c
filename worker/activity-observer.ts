import type { Context } from '@temporalio/activity';
import type { ActivityInterceptors } from '@temporalio/worker';
import type { PostflowMetrics } from '../runtime/metrics';

/** What an activity's lines say about the post it works on. */
export interface PostRef {
  post_id?: string;
  account_id?: string;
  platform?: string;
}

/** The steps of a delivery: their first argument is a `DeliveryJob`. */
const DELIVERY_STEPS = new Set([
  'prepareTarget',
  'checkPreparedTarget',
  'publishTarget',
  'checkPublishedTarget',
  'findPublished',
]);

/**
 * Reads the post, account and platform from an activity's arguments: a `DeliveryJob`
 * (`{ postId, target: { accountId, platform } }`), an `UnpublishJob` (`{ postId, accountId,
 * platform }`), or `refreshAccount`'s account id. Never anything else from them: jobs carry the
 * post's content, which has no place in logs.
 */
export function postRefOf(activityType: string, args: readonly unknown[]): PostRef {
  const [first] = args;
  if (activityType === 'refreshAccount' && typeof first === 'string') return { account_id: first };
  if (typeof first !== 'object' || first === null) return {};
  const job = first as {
    postId?: unknown;
    accountId?: unknown;
    platform?: unknown;
    target?: { accountId?: unknown; platform?: unknown };
  };
  const ref: PostRef = {};
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const postId = text(job.postId);
  const accountId = text(job.target?.accountId) ?? text(job.accountId);
  const platform = text(job.target?.platform) ?? text(job.platform);
  if (postId) ref.post_id = postId;
  if (accountId) ref.account_id = accountId;
  if (platform) ref.platform = platform;
  return ref;
}

/**
 * An activity interceptor that makes each activity observable: every line it logs (the SDK's and
 * `Context.log`'s) carries `post_id`, `account_id` and `platform` beside the SDK's workflow and
 * activity ids; a completed activity logs one `info` line with its duration; reconcile outcomes
 * and Temporal's retries of delivery steps are counted.
 */
export function observeActivities(metrics: PostflowMetrics): (ctx: Context) => ActivityInterceptors {
  return (ctx) => {
    const { info } = ctx;
    let ref: PostRef =
      info.workflowType === 'publishPost' && info.workflowExecution
        ? { post_id: info.workflowExecution.workflowId }
        : {};
    return {
      outbound: {
        getLogAttributes: (input, next) => next({ ...input, ...ref }),
      },
      inbound: {
        execute: async (input, next) => {
          ref = { ...ref, ...postRefOf(info.activityType, input.args) };
          const platform = ref.platform ?? 'unknown';
          if (DELIVERY_STEPS.has(info.activityType) && info.attempt > 1) {
            metrics.retries.inc({ platform, kind: 'step' });
          }
          const started = performance.now();
          try {
            const result = await next(input);
            if (info.activityType === 'findPublished') {
              metrics.reconciles.inc({ platform, outcome: reconcileOutcome(result) });
            }
            ctx.log.info('Activity completed', {
              durationMs: Math.round(performance.now() - started),
              ...outcomeOf(result),
            });
            return result;
          } catch (err) {
            if (info.activityType === 'findPublished') metrics.reconciles.inc({ platform, outcome: 'error' });
            throw err; // the SDK logs the failure (warn), with the same fields
          }
        },
      },
    };
  };
}

function reconcileOutcome(result: unknown): 'found' | 'absent' | 'unsearchable' {
  const r = result as { searchable?: boolean; receipt?: unknown } | undefined;
  if (!r?.searchable) return 'unsearchable';
  return r.receipt ? 'found' : 'absent';
}

/** A delivery step's answer, in a word (and the platform's post id once published). */
function outcomeOf(result: unknown): Record<string, string> {
  const r = (typeof result === 'object' && result !== null ? result : {}) as {
    receipt?: { platformPostId?: string };
    processing?: unknown;
    ready?: unknown;
  };
  if (r.receipt) return { outcome: 'published', platform_post_id: String(r.receipt.platformPostId ?? '') };
  if (r.processing !== undefined) return { outcome: 'processing' };
  if (r.ready !== undefined) return { outcome: 'ready' };
  return {};
}
