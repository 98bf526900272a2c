import { type Issue, validationError } from './errors';
import { POST_STATUSES, type PostResource } from './types';

/**
 * `GET /v1/posts` (contract §2.7): its parameters checked, and the page cut from the posts that
 * match. Finding the matches is the gateway's (a visibility query); this part is pure.
 */

export const POST_SORTS = ['scheduled_asc', 'scheduled_desc', 'created_asc', 'created_desc'] as const;
export type PostSort = (typeof POST_SORTS)[number];

/** `GET /v1/posts` filters, as query-string values. */
export interface PostListQuery {
  status?: string;
  account_ids?: string;
  brand_id?: string;
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

/** One matching post as visibility reports it: enough to sort and page without asking the workflow. */
export interface ListedPost {
  id: string;
  scheduledAt: number | null;
  createdAt: number;
}

/** The checked query: ids and words in it are safe to put into a visibility query. */
export interface PostListFilter {
  status?: string;
  accountIds: string[];
  /** `brand_id`: the service checks it is the caller's and resolves it to `brandAccountIds`. */
  brandId?: string;
  /** Posts targeting any of these (a brand's accounts), besides the other filters; empty matches none. */
  brandAccountIds?: string[];
  platform?: string;
  /** RFC 3339 instants, normalised to UTC. */
  from?: string;
  to?: string;
  /** Whole words separated by single spaces, at most 10. */
  search?: string;
  sort: PostSort;
  cursor?: ListedPost;
  limit: number;
}

const ID = /^[\w.:@+-]+$/;

/** Checks every parameter at once; ids and words only ever reach the visibility query cleaned. */
export function parsePostListQuery(raw: PostListQuery): PostListFilter {
  const issues: Issue[] = [];
  const bad = (field: string, message: string) =>
    issues.push({ field, code: 'validation.field_invalid', message });
  const q: PostListFilter = { accountIds: [], sort: 'scheduled_asc', limit: 25 };

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
  if (raw.brand_id) {
    if (typeof raw.brand_id === 'string' && ID.test(raw.brand_id)) q.brandId = raw.brand_id;
    else bad('brand_id', 'must be one brand id, such as the id POST /v1/brands answered.');
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

/** The page of `matches` the filter asks for: sorted, cut after its cursor, at most `limit` long. */
export function pageOf(
  matches: ListedPost[],
  q: PostListFilter,
): { page: ListedPost[]; pagination: PostPage['pagination'] } {
  const order = comparator(q.sort);
  const sorted = [...matches].sort(order);
  const start = q.cursor ? sorted.findIndex((c) => order(c, q.cursor!) > 0) : 0;
  const rest = start < 0 ? [] : sorted.slice(start);
  const page = rest.slice(0, q.limit);
  const hasMore = rest.length > q.limit;
  return {
    page,
    pagination: {
      has_more: hasMore,
      limit: q.limit,
      next_cursor: hasMore ? encodeCursor(page[page.length - 1]) : '',
    },
  };
}

/** Orders posts for a sort; posts without a schedule come last in either schedule order. */
function comparator(sort: PostSort): (a: ListedPost, b: ListedPost) => number {
  const byId = (a: ListedPost, b: ListedPost) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
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
function encodeCursor(c: ListedPost): string {
  return Buffer.from(JSON.stringify([c.id, c.scheduledAt, c.createdAt])).toString('base64url');
}

function decodeCursor(raw: string): ListedPost | undefined {
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
