import type { Issue } from '../errors';
import type { PostContent } from '../types';

/** What the API knows about a media item when the post is created (library items: their type). */
export interface MediaInfo {
  kind: 'image' | 'video' | 'unknown';
  contentType?: string;
  sizeBytes?: number;
}

/** One target's post as its platform's rules see it. */
export interface PostForRules {
  content: PostContent;
  /** The target's platform options. */
  options: Record<string, unknown>;
  /** One entry per `content.media` item, in order. */
  media: MediaInfo[];
}

/**
 * How a platform counts text against its limit: Unicode code points, UTF-16 code units (TikTok),
 * grapheme clusters (Bluesky), UTF-8 bytes (YouTube descriptions) or X's weighted count.
 */
export type TextCounting = 'codepoints' | 'utf16' | 'graphemes' | 'bytes' | 'weighted';

/**
 * A platform's publishing rules, as data. `POST /v1/posts` checks every target against them, so a
 * post that cannot go out fails at creation, not at its schedule.
 */
export interface PlatformRules {
  textMaxLength: number;
  /** @default 'codepoints' */
  textCounting?: TextCounting;
  titleRequired?: boolean;
  titleMaxLength?: number;
  media: {
    min: number;
    max: number;
    /** The kinds of file the platform takes (library media of another kind fails at creation). */
    kinds?: ReadonlyArray<'image' | 'video'>;
  };
  /** Options a post must carry for this platform (e.g. Instagram `content_type`). */
  requiredOptions: ReadonlyArray<{ key: string; values?: readonly string[] }>;
  /**
   * Everything else the platform requires. Issues name content fields (`text`, `media[1]`) or
   * options as `options.<key>`; the caller locates options where the request put them.
   */
  check?: (post: PostForRules) => Issue[];
  /** Publish calls one worker makes to this platform at once (its documented limits). @default 4 */
  maxConcurrentCalls?: number;
}
