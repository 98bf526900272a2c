import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { ApiError, type Issue, validationError } from '../api/errors';
import { POST_STATUSES, type PostResource } from '../api/types';
import { PostScheduledAtKey, searchWords } from '../workflows/search-attributes';

export const POST_SORTS = ['scheduled_asc', 'scheduled_desc', 'created_asc', 'created_desc'] as const;
export type PostSort = (typeof POST_SORTS)[number];

/** `GET /v1/posts` filters (contract §2.7), as query-string values. */
export interface PostListQuery {
  status?: string;
  account_ids?: string;
  platform?: string;
  from?: string;
  to?: string;
  search?: string;
  sort?: string;
  cursor?: string;
  limit?: string;
}

export interface PostPage {
  data: PostResource[];
  pagination: { has_more: boolean; limit: number; next_cursor: string };
}

/**
 * SQL visibility (the dev server, PostgreSQL, MySQL) filters on search attributes but cannot
 * ORDER BY them, so the API sorts the filtered ids itself. This bounds how many it will sort.
 */
export const MAX_LISTED_POSTS = 10_000;

/** One matching post as visibility reports it: enough to sort and page without asking the workflow. */
interface Candidate {
  id: string;
  scheduledAt: number | null;
  createdAt: number;
}

const ID = /^[\w.:@+-]+$/;

/**
 * Lists a user's posts: the filters become one visibility query on Postflow's search attributes,
 * the matches are sorted and cut at the cursor, and only the page's posts are read in full.
 */
export async function listPosts(
  temporal: Client,
  /** The visibility clauses that select the caller's posts. */
  ownPosts: readonly string[],
  raw: PostListQuery,
  read: (id: string) => Promise<PostResource | undefined>,
): Promise<PostPage> {
  const q = parseQuery(raw);
  const clauses = [...ownPosts];
  if (q.status) clauses.push(`PostflowStatus = '${q.status}'`);
  if (q.accountIds.length)
    clauses.push(`PostflowAccountIds IN (${q.accountIds.map((a) => `'${a}'`).join(', ')})`);
  if (q.platform) clauses.push(`PostflowPlatforms = '${q.platform}'`);
  // Every word must appear (one full-text match per word: a multi-word match means any of them).
  for (const word of searchWords(q.search ?? '')) clauses.push(`PostflowText = '${word}'`);
  if (q.from || q.to) {
    // A post's date is its schedule, or for drafts and publish-now posts, its creation.
    const range = (field: string) =>
      [q.from && `${field} >= '${q.from}'`, q.to && `${field} <= '${q.to}'`].filter(Boolean).join(' AND ');
    clauses.push(
      `((${range('PostflowScheduledAt')}) OR (PostflowScheduledAt IS NULL AND ${range('StartTime')}))`,
    );
  }

  const candidates: Candidate[] = [];
  for await (const execution of temporal.workflow.list({ query: clauses.join(' AND ') })) {
    candidates.push(toCandidate(execution));
    if (candidates.length > MAX_LISTED_POSTS) {
      throw new ApiError(
        400,
        'validation.too_many_results',
        `More than ${MAX_LISTED_POSTS} posts match; narrow the list with from/to, status or account_ids.`,
        { field: 'from' },
      );
    }
  }
  const order = comparator(q.sort);
  candidates.sort(order);
  const start = q.cursor ? candidates.findIndex((c) => order(c, q.cursor!) > 0) : 0;
  const rest = start < 0 ? [] : candidates.slice(start);
  const page = rest.slice(0, q.limit);
  const hasMore = rest.length > q.limit;
  const posts = (await Promise.all(page.map((c) => read(c.id)))).filter((p): p is PostResource => !!p);
  return {
    data: posts,
    pagination: {
      has_more: hasMore,
      limit: q.limit,
      next_cursor: hasMore ? encodeCursor(page[page.length - 1]) : '',
    },
  };
}

function toCandidate(execution: WorkflowExecutionInfo): Candidate {
  const scheduledAt = execution.typedSearchAttributes.get(PostScheduledAtKey);
  return {
    id: execution.workflowId,
    scheduledAt: scheduledAt ? scheduledAt.getTime() : null,
    createdAt: execution.startTime.getTime(),
  };
}

/** Orders candidates for a sort; posts without a schedule come last in either schedule order. */
function comparator(sort: PostSort): (a: Candidate, b: Candidate) => number {
  const byId = (a: Candidate, b: Candidate) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const direction = sort.endsWith('_desc') ? -1 : 1;
  if (sort.startsWith('created')) {
    return (a, b) => direction * (a.createdAt - b.createdAt) || byId(a, b);
  }
  return (a, b) => {
    if (a.scheduledAt === null || b.scheduledAt === null) {
      return a.scheduledAt === b.scheduledAt ? byId(a, b) : a.scheduledAt === null ? 1 : -1;
    }
    return direction * (a.scheduledAt - b.scheduledAt) || byId(a, b);
  };
}

/** The cursor is the last post of a page: its id and sort keys, opaque to clients. */
function encodeCursor(c: Candidate): string {
  return Buffer.from(JSON.stringify([c.id, c.scheduledAt, c.createdAt])).toString('base64url');
}

function decodeCursor(raw: string): Candidate | undefined {
  try {
    const [id, scheduledAt, createdAt] = JSON.parse(
      Buffer.from(raw, 'base64url').toString('utf8'),
    ) as unknown[];
    if (typeof id !== 'string' || typeof createdAt !== 'number') return undefined;
    if (scheduledAt !== null && typeof scheduledAt !== 'number') return undefined;
    return { id, scheduledAt, createdAt };
  } catch {
    return undefined;
  }
}

interface ParsedQuery {
  status?: string;
  accountIds: string[];
  platform?: string;
  from?: string;
  to?: string;
  search?: string;
  sort: PostSort;
  cursor?: Candidate;
  limit: number;
}

/** Checks every parameter at once; ids and words only ever reach the visibility query cleaned. */
function parseQuery(raw: PostListQuery): ParsedQuery {
  const issues: Issue[] = [];
  const bad = (field: string, message: string) =>
    issues.push({ field, code: 'validation.field_invalid', message });
  const q: ParsedQuery = { accountIds: [], sort: 'scheduled_asc', limit: 25 };

  if (raw.status) {
    if ((POST_STATUSES as readonly string[]).includes(raw.status)) q.status = raw.status;
    else bad('status', `must be one of ${POST_STATUSES.join(', ')}.`);
  }
  if (raw.account_ids) {
    q.accountIds = raw.account_ids
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    if (q.accountIds.some((a) => !ID.test(a))) bad('account_ids', 'must be account ids separated by commas.');
    if (q.accountIds.length > 100) bad('account_ids', 'at most 100 accounts.');
  }
  if (raw.platform) {
    if (/^[a-z_]+$/.test(raw.platform)) q.platform = raw.platform;
    else bad('platform', 'must be a platform slug such as instagram.');
  }
  for (const field of ['from', 'to'] as const) {
    const value = raw[field];
    if (!value) continue;
    if (/(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value))) {
      q[field] = new Date(Date.parse(value)).toISOString();
    } else bad(field, `"${value}" is not an RFC 3339 instant such as 2026-04-01T10:00:00Z.`);
  }
  if (raw.search) {
    // Visibility matches whole words, case-insensitively; punctuation would only break the query.
    const words = raw.search
      .replace(/[^\p{L}\p{N}\s]/gu, ' ')
      .trim()
      .replace(/\s+/g, ' ');
    if (words) q.search = words.split(' ').slice(0, 10).join(' ');
  }
  if (raw.sort) {
    if ((POST_SORTS as readonly string[]).includes(raw.sort)) q.sort = raw.sort as PostSort;
    else bad('sort', `must be one of ${POST_SORTS.join(', ')}.`);
  }
  if (raw.limit) {
    const n = Number(raw.limit);
    if (Number.isInteger(n) && n >= 1 && n <= 100) q.limit = n;
    else bad('limit', 'must be a whole number from 1 to 100.');
  }
  if (raw.cursor) {
    const cursor = decodeCursor(raw.cursor);
    if (cursor && ID.test(cursor.id)) q.cursor = cursor;
    else bad('cursor', 'use the next_cursor of the previous page, unchanged.');
  }
  if (issues.length) throw validationError(issues);
  return q;
}
