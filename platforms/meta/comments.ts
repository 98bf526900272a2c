import type { CommentReceipt, CommentRequest, PlatformAdapter } from '../kit/adapter';
import { type PlatformBody, postedSince } from '../kit/http';
import { sameText } from '../kit/content';
import { type GraphCall, graphPages, type GraphParams } from './graph';
import { MAX_LOOKUP_PAGES, searchWindow } from '../kit/lookup-window';

/** How many of a post's comments a `findComment` page holds. */
const LOOKUP_WINDOW = 50;

/** How one Meta platform's `/{object-id}/comments` edge differs (Instagram media, Facebook Page posts). */
export interface CommentEdge {
  /** The platform, as failures name it. */
  platform: string;
  /** The listed comment's text and time fields (Instagram `text`/`timestamp`, Facebook `message`/`created_time`). */
  textField: string;
  timeField: string;
  /** More list parameters (Facebook's newest-first `order`). */
  listParams?: GraphParams;
  /** Whether a listed comment (with its `from`) was made by the account. */
  mine(comment: PlatformBody, req: CommentRequest): boolean;
  /** The comment's link, or '' where the platform has no URL for it. */
  permalink(req: CommentRequest, commentId: string): string;
}

/**
 * The first comment through a Graph `/comments` edge: `POST /{object-id}/comments` with `message`
 * (irreversible: the client classifies its failures as publish's, a lost answer unknown), and
 * the lookup after an unknown outcome: the object's comments, the account's with this text since
 * the comment step began. A comment has no idempotency key on Meta, so text and author are all
 * the lookup has; the workflow never comments twice without it.
 */
export function commentEdge(
  client: (req: CommentRequest, irreversible?: boolean) => GraphCall,
  edge: CommentEdge,
): Required<Pick<PlatformAdapter, 'comment' | 'findComment'>> {
  const path = (req: CommentRequest) => `/${encodeURIComponent(req.post.platformPostId)}/comments`;
  const receipt = (req: CommentRequest, id: string): CommentReceipt => ({
    commentId: id,
    permalink: edge.permalink(req, id),
  });
  return {
    async comment(req) {
      const body = await client(req, true)('POST', path(req), { message: req.text });
      return receipt(req, String(body.id));
    },

    async findComment(req) {
      // Every page: the edge may list oldest first (Instagram), so no page says the rest is older.
      const found = await searchWindow<PlatformBody>({
        platform: edge.platform,
        what: `the post has more than ${MAX_LOOKUP_PAGES * LOOKUP_WINDOW} comments`,
        read: graphPages(client(req), path(req), {
          fields: `id,${edge.textField},${edge.timeField},from`,
          limit: LOOKUP_WINDOW,
          ...edge.listParams,
        }),
        matches: (c) =>
          edge.mine(c, req) &&
          sameText(c[edge.textField], req.text) &&
          postedSince(c[edge.timeField], req.since),
      });
      return found ? receipt(req, String(found.id)) : null;
    },
  };
}
