import { z } from 'zod';

/**
 * The account helpers (contract §4 "Extras"): what a client asks an account's platform before
 * posting — Pinterest boards, TikTok creator settings, the platform's remaining quota. Answers are
 * read from the platform by the worker (workflows/account-helper.ts), never stored.
 */

/** Which helper a call runs; a platform lists the ones it answers in its descriptor. */
export type AccountHelperKind =
  'boards' | 'board' | 'create_board' | 'update_board' | 'delete_board' | 'creator_info' | 'limits' | 'pages';

export const BOARD_PRIVACY = ['PUBLIC', 'PROTECTED', 'SECRET'] as const;

export const boardSchema = z.object({
  id: z.string().describe("The board's id (Postflow keeps no boards of its own: the same as board_id)"),
  board_id: z.string().describe("Pinterest's board id: a Pinterest target's board_id"),
  name: z.string(),
  privacy: z.enum(BOARD_PRIVACY),
});
export type Board = z.infer<typeof boardSchema>;

export const boardListSchema = z.object({ data: z.array(boardSchema) });

export const createBoardSchema = z
  .object({
    name: z.string().trim().min(1).max(180).describe("The board's name (Pinterest allows 180 characters)"),
    description: z.string().max(500).optional(),
    privacy: z.enum(BOARD_PRIVACY).optional().describe('@default PUBLIC'),
  })
  .strict();
export type CreateBoard = z.infer<typeof createBoardSchema>;

/** The privacy a board can be changed to: Pinterest's `BoardUpdatePrivacy` has no PROTECTED. */
export const BOARD_UPDATE_PRIVACY = ['PUBLIC', 'SECRET'] as const;

export const updateBoardSchema = z
  .object({
    name: z.string().trim().min(1).max(180).optional(),
    description: z.string().max(500).optional(),
    privacy: z
      .enum(BOARD_UPDATE_PRIVACY)
      .optional()
      .describe('PUBLIC or SECRET (Pinterest changes to no other)'),
  })
  .strict();
export type UpdateBoard = z.infer<typeof updateBoardSchema>;

/** What deleting a board answers the API (the HTTP answer is a 204). */
export interface BoardDeleted {
  board_id: string;
  deleted: true;
}

export const creatorInfoSchema = z.object({
  platform: z.string(),
  nickname: z.string(),
  avatar_url: z.string(),
  can_post: z
    .boolean()
    .describe('false while the platform lets the creator post nothing more (TikTok spam_risk_* caps)'),
  max_video_duration_sec: z.number().int(),
  privacy_level_options: z.array(z.string()),
  interaction_settings: z.object({
    comment_disabled: z.boolean(),
    duet_disabled: z.boolean(),
    stitch_disabled: z.boolean(),
  }),
});
export type CreatorInfo = z.infer<typeof creatorInfoSchema>;

export const limitsSchema = z
  .record(z.string(), z.number().int())
  .describe(
    'Remaining counts by platform-defined key (Instagram: posts_remaining; X: posts_24h_limit, posts_24h_remaining, posts_24h_reset and app_posts_24h_*, from its last post answer); {} where the platform reports none',
  );
export type AccountLimits = z.infer<typeof limitsSchema>;

/** What the API asks the worker: one helper of one account (credentials are loaded by the worker). */
export type AccountHelperJob =
  | { kind: 'boards'; accountId: string; queue?: string }
  | { kind: 'board'; accountId: string; boardId: string; queue?: string }
  | { kind: 'create_board'; accountId: string; board: CreateBoard; queue?: string }
  | { kind: 'update_board'; accountId: string; boardId: string; changes: UpdateBoard; queue?: string }
  | { kind: 'delete_board'; accountId: string; boardId: string; queue?: string }
  | { kind: 'creator_info'; accountId: string; queue?: string }
  | { kind: 'limits'; accountId: string; queue?: string }
  /** Re-reads a multi-asset grant's pages into the account's credentials (services/account-pages.ts). */
  | { kind: 'pages'; accountId: string; queue?: string };

/** What re-reading the pages did: how many the grant gives now (the list itself is in the store). */
export interface PagesRead {
  pages_read: number;
}

export type AccountHelperAnswer = Board[] | Board | BoardDeleted | CreatorInfo | AccountLimits | PagesRead;
