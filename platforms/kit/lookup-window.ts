import { PublishError } from './adapter';
import { postedSince } from './http';

/**
 * A lookup after a lost answer reads the account's recent posts, newest first. "Absent" makes the
 * engine publish again, so it may only be answered once every post since the delivery began
 * (less clock skew, `postedSince`) has been seen: a busy account can have more of them than one
 * page holds, and the delivery's post be behind it.
 */

/** How many pages a lookup reads before giving up as unsearchable. */
export const MAX_LOOKUP_PAGES = 10;

/** More recent posts than a lookup can read: the outcome stays unknown, never "absent". */
export function unsearchable(platform: string, what: string): PublishError {
  return new PublishError({
    category: 'system',
    caused_by: 'platform',
    code: `platform.${platform}.unsearchable`,
    message: `${platform}: ${what} since the delivery began, too many to look the post up; check the account.`,
    retryable: false,
    outcomeUnknown: false,
  });
}

/** One page of a listing, and the cursor to the next (older) one if the platform has more. */
export interface LookupPage<T> {
  items: readonly T[];
  next?: string | undefined;
}

/**
 * A listing paged by offset (`offset`/`count`, `start`/`count`, `page`/`per_page` times the
 * size): a full page may have more behind it, the next one starting after it.
 */
export function offsetPages<T>(
  read: (offset: number) => Promise<readonly T[]>,
  pageSize: number,
): (cursor: string | undefined) => Promise<LookupPage<T>> {
  return async (cursor) => {
    const offset = Number(cursor ?? 0);
    const items = await read(offset);
    return { items, next: items.length >= pageSize ? String(offset + pageSize) : undefined };
  };
}

export interface WindowRead<T> {
  platform: string;
  /** What was too much to read, for the unsearchable failure ("the account has more than 250 posts"). */
  what: string;
  /** Reads the page at `cursor` (the newest one at `undefined`). */
  read: (cursor: string | undefined) => Promise<LookupPage<T>>;
  /**
   * Where the listing is newest first and not bounded by the platform itself (a `since`/`oldest`
   * parameter): the delivery's start and each item's creation time, so reading stops at the
   * first page that reaches back past it.
   */
  until?: { since: string; createdAt: (item: T) => unknown };
  maxPages?: number;
}

export interface WindowSearch<T> extends WindowRead<T> {
  matches: (item: T) => boolean;
}

/**
 * The first item that matches, reading page after page until the listing ends or (with
 * `until`) reaches back past the delivery's start; `undefined` only then. Past `maxPages` pages the
 * lookup is unsearchable.
 */
export async function searchWindow<T>(search: WindowSearch<T>): Promise<T | undefined> {
  let found: T | undefined;
  await pages(search, (items) => (found = items.find(search.matches)) !== undefined);
  return found;
}

/** Every item of the window, newest first, read as `searchWindow` does. */
export async function readWindow<T>(read: WindowRead<T>): Promise<T[]> {
  const all: T[] = [];
  await pages(read, (items) => {
    all.push(...items);
    return false;
  });
  return all;
}

/** Reads pages until `done` says so or the window is complete; unsearchable past the cap. */
async function pages<T>(read: WindowRead<T>, done: (items: readonly T[]) => boolean): Promise<void> {
  let cursor: string | undefined;
  for (let n = 0; n < (read.maxPages ?? MAX_LOOKUP_PAGES); n++) {
    const page = await read.read(cursor);
    if (done(page.items)) return;
    const until = read.until;
    if (until && page.items.some((item) => !postedSince(until.createdAt(item), until.since))) return;
    if (!page.next || page.items.length === 0) return;
    cursor = page.next;
  }
  throw unsearchable(read.platform, read.what);
}
