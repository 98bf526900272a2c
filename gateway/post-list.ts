import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { ApiError } from '../api/errors';
import type { ListedPost, PostListFilter } from '../api/post-list-query';
import { POST_STATUSES, type PostStatus } from '../api/types';
import { mediaRef, PostScheduledAtKey, platformPostRef, searchWords } from '../workflows/search-attributes';
import { WORKFLOW_TYPE } from './post-workflows';

/**
 * SQL visibility (the dev server, PostgreSQL, MySQL) filters on search attributes but cannot
 * ORDER BY them, so the API sorts the filtered ids itself. This bounds how many it will sort.
 */
export const MAX_LISTED_POSTS = 10_000;

/**
 * A user's posts found through Temporal's visibility, by Postflow's search attributes. Posts
 * started without them are not found.
 */
export class PostVisibility {
  constructor(private readonly temporal: Client) {}

  /** Every post of the user matching the filter, unsorted; at most `MAX_LISTED_POSTS` (else 400). */
  async list(userId: string, q: PostListFilter): Promise<ListedPost[]> {
    // The filter is quoted here, not trusted: the gateway is public, and a caller may build a
    // filter without parsePostListQuery. No value may leave its quotes (and the user's clause).
    // A brand without accounts has no posts (an empty IN list is not a visibility query).
    if (q.brandAccountIds && !q.brandAccountIds.length) return [];
    const clauses = ownPosts(userId);
    if (q.status) clauses.push(`PostflowStatus = ${visibilityString(q.status)}`);
    if (q.accountIds.length)
      clauses.push(`PostflowAccountIds IN (${q.accountIds.map(visibilityString).join(', ')})`);
    // Its own clause: with account_ids too, a post must target one of each list.
    if (q.brandAccountIds?.length)
      clauses.push(`PostflowAccountIds IN (${q.brandAccountIds.map(visibilityString).join(', ')})`);
    if (q.platform) clauses.push(`PostflowPlatforms = ${visibilityString(q.platform)}`);
    // Every word must appear (one full-text match per word: a multi-word match means any of them).
    // Words are letters and digits only (searchWords), so they need no check of their own.
    for (const word of searchWords(q.search ?? '')) clauses.push(`PostflowText = '${word}'`);
    if (q.from || q.to) {
      // A post's date is its schedule, or for drafts and publish-now posts, its creation.
      const range = (field: string) =>
        [q.from && `${field} >= ${visibilityString(q.from)}`, q.to && `${field} <= ${visibilityString(q.to)}`]
          .filter(Boolean)
          .join(' AND ');
      clauses.push(
        `((${range('PostflowScheduledAt')}) OR (PostflowScheduledAt IS NULL AND ${range('StartTime')}))`,
      );
    }

    const matches: ListedPost[] = [];
    for await (const execution of this.temporal.workflow.list({ query: clauses.join(' AND ') })) {
      matches.push(toListedPost(execution));
      if (matches.length > MAX_LISTED_POSTS) {
        throw new ApiError(
          400,
          'validation.too_many_results',
          `More than ${MAX_LISTED_POSTS} posts match; narrow the list with from/to, status or account_ids.`,
          { field: 'from' },
        );
      }
    }
    return matches;
  }

  /**
   * The ids of the user's posts that published `platformPostId`: none, one, or two (the listing
   * stops at a second, which is enough to know it is ambiguous).
   */
  async publishedAs(userId: string, platformPostId: string): Promise<string[]> {
    const query = [
      ...ownPosts(userId),
      `PostflowRefs = ${visibilityString(platformPostRef(platformPostId))}`,
    ].join(' AND ');
    const ids = new Set<string>();
    for await (const execution of this.temporal.workflow.list({ query })) {
      ids.add(execution.workflowId);
      if (ids.size > 1) break;
    }
    return [...ids];
  }

  /**
   * How many of the user's posts were created in [from, to), by status: one count per status, as
   * SQL visibility counts by no custom attribute. A post counts once, by its latest run (a run
   * that continued as new is left out), while the namespace's retention keeps it.
   */
  async countCreated(userId: string, from: Date, to: Date): Promise<Record<PostStatus, number>> {
    const clauses = [
      ...ownPosts(userId),
      `ExecutionStatus != 'ContinuedAsNew'`,
      `StartTime >= '${from.toISOString()}'`,
      `StartTime < '${to.toISOString()}'`,
    ];
    const counts = await Promise.all(
      POST_STATUSES.map(
        async (status) =>
          [
            status,
            (await this.temporal.workflow.count([...clauses, `PostflowStatus = '${status}'`].join(' AND ')))
              .count,
          ] as const,
      ),
    );
    return Object.fromEntries(counts) as Record<PostStatus, number>;
  }

  /** Up to 10 of the user's running posts that may still publish with a media file (to come, or retryable). */
  async usingMedia(userId: string, mediaId: string): Promise<string[]> {
    const query = [
      ...ownPosts(userId),
      `PostflowRefs = ${visibilityString(mediaRef(mediaId))}`,
      `PostflowStatus IN ('draft', 'pending_approval', 'scheduled', 'publishing', 'partial', 'failed')`,
    ].join(' AND ');
    const ids: string[] = [];
    for await (const execution of this.temporal.workflow.list({ query })) {
      if (execution.status.name === 'RUNNING') ids.push(execution.workflowId);
      if (ids.length === 10) break;
    }
    return ids;
  }
}

/** Visibility clauses selecting a user's post workflows (every post query starts with them). */
function ownPosts(userId: string): string[] {
  return [`WorkflowType = '${WORKFLOW_TYPE}'`, `PostflowUserId = ${visibilityString(userId)}`];
}

function toListedPost(execution: WorkflowExecutionInfo): ListedPost {
  const scheduledAt = execution.typedSearchAttributes.get(PostScheduledAtKey);
  return {
    id: execution.workflowId,
    scheduledAt: scheduledAt ? scheduledAt.getTime() : null,
    createdAt: execution.startTime.getTime(),
  };
}

/** An id checked for a visibility query: ids never contain quotes, and anything else is refused. */
function visibilityId(value: string): string {
  if (!/^[\w.:@+-]*$/.test(value))
    throw new ApiError(400, 'validation.field_invalid', `"${value}" contains characters ids never have.`);
  return value;
}

const visibilityString = (value: string) => `'${visibilityId(value)}'`;
