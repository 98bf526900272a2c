import type { ErrorCategory, PostContent } from '../../api/types';
import { PUBLIC_ONLY } from '../../net/guard';
import {
  type AccountContext,
  type AdapterOptions,
  type CommentRequest,
  type PlatformAdapter,
  type Prepared,
  PublishError,
  type PublishRequest,
  type StepState,
} from '../kit/adapter';
import { altTextAt } from '../kit/content';
import { rejected } from '../kit/http';
import { continueThread, startThread, type ThreadPost, type ThreadReplies } from '../kit/thread';
import { mediaServerOf, relayList } from './descriptor';
import { checkProcessing, discover, type MediaServerCall, upload, type UploadedFile } from './media-server';
import { eventIdOf, type NostrEvent, publicKeyOf, signEvent } from './event';
import { bech32Encode, fromHex, noteId, parseSecretKey } from './keys';
import { DELETION, noteOf, TEXT_NOTE } from './note';
import { type QueryAnswer, queryEvents, type RelayAnswer, type RelayCall, sendEvent } from './relay';

const PLATFORM = 'nostr';
/** How long one relay may take to connect and answer. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Once one relay accepted, how much longer the others get before the publish returns. */
const ACCEPTED_GRACE_MS = 3_000;
/** Relays say `rate-limited:` with no wait; this is how long Postflow waits before trying again. */
export const RATE_LIMIT_WAIT_MS = 30_000;
/** Where a note is linked: a public gateway that finds it on the relays by its NIP-19 id. */
const GATEWAY = 'https://njump.me';
const MESSAGE_MAX = 300;
/** How long a NIP-96 server processing an upload is left before it is asked again. */
export const MEDIA_POLL_MS = 5_000;

/**
 * Nostr (NIP-01): kind-1 notes signed with the account's key, sent to each of the account's
 * relays over WebSocket (`["EVENT", …]`, answered `["OK", id, true|false, message]`).
 *
 * The note is published once at least one relay accepted it; the others are reported in the
 * receipt's metadata. The event's id is derived from the delivery (the post and when the delivery
 * began, never the clock), so a repeated publish sends the same event and relays keep one copy:
 * that id is the delivery's idempotency handle, and reconcile asks the relays for it (`REQ` by
 * id). Delete sends a NIP-09 deletion request (kind 5). A first comment is a NIP-10 reply note
 * to the post, its id as deterministic (from the comment request), looked up the same way. A thread (the post's `segments`)
 * continues in `checkPublished`, one reply note per step, its id as deterministic as the post's
 * (kit/thread.ts). Library media is uploaded in `prepare` to the account's NIP-96 server
 * (media-server.ts); the note is made from what the server answered, so it too stays the same.
 */
export function createNostrAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Relays are servers the account names: every connection is SSRF-guarded.
  const policy = options.outbound ?? PUBLIC_ONLY;
  const callFor = (signal: AbortSignal): RelayCall => ({ policy, timeoutMs, signal });

  /** The relays holding the event `id`, or null when none answered (a query that cannot decide). */
  const holders = async (relays: string[], id: string, signal: AbortSignal) => {
    const answers = await Promise.all(
      relays.map((relay) => queryEvents(relay, { ids: [id], limit: 1 }, callFor(signal))),
    );
    if (signal.aborted) throw signal.reason;
    const holding = answers.filter((a) => a.kind === 'events' && a.events.some((e) => e.id === id));
    return { answers, holding };
  };

  /**
   * A thread's reply (kit/thread.ts): a kind-1 note with NIP-10 `e` tags (the root, and the
   * previous note as `reply`), made from the delivery alone, so its id is the same on every try.
   * A relay holding that id already has the reply; else it is sent, and relays keep one copy.
   */
  const thread: ThreadReplies = {
    platform: PLATFORM,
    displayName: 'Nostr',
    async reply(req, { index, text, chain }) {
      const { secretKey, relays } = accountOf(req.account);
      const event = signEvent(secretKey, replyNote(req, index, text, chain, publicKeyOf(secretKey)));
      const { holding } = await holders(relays, event.id, req.signal);
      if (holding.length > 0) return { post: { id: event.id } };
      const answers = await broadcast(relays, event, callFor(req.signal));
      if (req.signal.aborted) throw req.signal.reason;
      if (!answers.some((a) => a.kind === 'accepted')) throw failureOf(answers, true);
      return { post: { id: event.id } };
    },
  };

  const mediaCall = (signal: AbortSignal): MediaServerCall => ({ policy, timeoutMs, signal });

  return {
    platform: PLATFORM,

    /**
     * A Nostr key needs no server to vouch for it: a key that parses is the account, named by its
     * public key (`npub1…`). Relays are not asked (publishing reports a relay that refuses).
     */
    async verifyCredentials(account) {
      const pubkey = publicKeyOf(accountOf(account).secretKey);
      return { id: pubkey, username: bech32Encode('npub', fromHex(pubkey)) };
    },

    /**
     * Library media (its Postflow URL expires) is uploaded to the account's NIP-96 file server
     * (`media_server`); URL media is linked as it is. What the server answered (each file's
     * NIP-94 tags) is the step state, so the publish and any lookup make the same note.
     */
    async prepare(req) {
      if (!req.media.some((file) => file.ref.source_type !== 'url')) return { ready: {} };
      const { secretKey } = accountOf(req.account);
      const call = mediaCall(req.signal);
      const apiUrl = await discover(mediaServerFor(req.account), call);
      const files: StepState[] = [];
      for (const [i, file] of req.media.entries()) {
        if (file.ref.source_type === 'url') {
          files.push({ url: file.ref.source });
          continue;
        }
        const { bytes, contentType } = await file.load();
        const alt = altTextAt(req.target.options, i);
        files.push(await upload(apiUrl, { bytes, contentType, ...(alt ? { alt } : {}) }, secretKey, call));
      }
      return preparedOf(files);
    },

    /** Asks the NIP-96 server again about each upload it is still processing (its `processing_url`). */
    async checkPrepared(req, state) {
      const files = fileList(state);
      const call = mediaCall(req.signal);
      for (const [i, file] of files.entries()) {
        if (typeof file.processing_url === 'string')
          files[i] = await checkProcessing(file.processing_url, call);
      }
      return preparedOf(files);
    },

    async publish(req, prepared) {
      const { secretKey, relays } = accountOf(req.account);
      const event = signEvent(
        secretKey,
        noteOf(contentOf(req), req.target.options, req.since, uploads(prepared)),
      );
      const answers = await broadcast(relays, event, callFor(req.signal));
      if (req.signal.aborted) throw req.signal.reason;
      const accepted = answers.filter((a) => a.kind === 'accepted').map((a) => a.relay);
      if (accepted.length === 0) throw failureOf(answers, true);
      return startThread(req, receiptOf(event, accepted));
    },

    /** A note found after a lost answer goes on with its thread's replies (same ids: kept once). */
    continueFound: (req, found) => startThread(req, found),

    async checkPublished(req, state) {
      return continueThread(req, state, thread);
    },

    async findExisting(req, prepared) {
      const { secretKey, relays } = accountOf(req.account);
      if (!prepared && req.content.media.some((m) => m.source_type !== 'url')) {
        // Without what prepare uploaded, the note's media URLs, and so its id, are unknown.
        throw new PublishError({
          category: 'platform',
          caused_by: 'platform',
          code: `platform.${PLATFORM}.unsearchable`,
          message: `${PLATFORM}: the note's uploaded media URLs are not known to this run; it cannot be looked up.`,
          retryable: false,
          outcomeUnknown: false,
        });
      }
      const note = noteOf(contentOf(req), req.target.options, req.since, uploads(prepared ?? {}));
      const id = eventIdOf(publicKeyOf(secretKey), note);
      const { answers, holding } = await holders(relays, id, req.signal);
      if (holding.length > 0) {
        const event = (holding[0] as Extract<QueryAnswer, { kind: 'events' }>).events.find(
          (e) => e.id === id,
        )!;
        return receiptOf(
          event,
          holding.map((a) => a.relay),
        );
      }
      // One relay that answered "not here" is enough: were the note on a relay that did not
      // answer, publishing again sends the same event, which that relay keeps once.
      if (answers.some((a) => a.kind === 'events')) return null;
      throw failureOf(answers as RelayAnswer[], false);
    },

    /**
     * The first comment: a NIP-10 reply note to the post, made from the comment request alone
     * (its text, and the comment step's start as `created_at`), so every try sends the same event
     * and relays keep one copy.
     */
    async comment(req) {
      const { secretKey, relays } = accountOf(req.account);
      const event = signEvent(secretKey, commentNote(req, publicKeyOf(secretKey)));
      const answers = await broadcast(relays, event, callFor(req.signal));
      if (req.signal.aborted) throw req.signal.reason;
      if (!answers.some((a) => a.kind === 'accepted')) throw failureOf(answers, true);
      return commentReceiptOf(event.id);
    },

    /** The comment after a lost answer: `REQ` by the id the comment request makes, as for the post. */
    async findComment(req) {
      const { secretKey, relays } = accountOf(req.account);
      const pubkey = publicKeyOf(secretKey);
      const id = eventIdOf(pubkey, commentNote(req, pubkey));
      const { answers, holding } = await holders(relays, id, req.signal);
      if (holding.length > 0) return commentReceiptOf(id);
      if (answers.some((a) => a.kind === 'events')) return null;
      throw failureOf(answers as RelayAnswer[], false);
    },

    async unpublish(req) {
      const { secretKey, relays } = accountOf(req.account);
      const deletion = signEvent(secretKey, {
        kind: DELETION,
        created_at: Math.floor(Date.now() / 1000),
        tags: [
          ['e', req.platformPostId],
          ['k', String(TEXT_NOTE)],
        ],
        content: '',
      });
      const answers = await broadcast(relays, deletion, callFor(req.signal));
      if (req.signal.aborted) throw req.signal.reason;
      if (answers.some((a) => a.kind === 'accepted')) return 'deleted';
      throw failureOf(answers, false);
    },
  };
}

/** The account's NIP-96 server; library media cannot be published without one. */
function mediaServerFor(account: AccountContext): string {
  const server = mediaServerOf(account.credentials.media_server);
  if (server) return server;
  throw rejected(
    PLATFORM,
    'media_server_missing',
    "library media needs a file server to host it for good (Postflow's URL expires): reconnect the account with media_server, a NIP-96 server's https:// address, or give the media by URL (source_type 'url').",
  );
}

/** Prepare's state: every file uploaded (`ready`), or some still processing on the server. */
function preparedOf(files: StepState[]): Prepared {
  const state = { files };
  return files.some((f) => typeof f.processing_url === 'string')
    ? { processing: state, pollAfterMs: MEDIA_POLL_MS }
    : { ready: state };
}

function fileList(state: StepState): StepState[] {
  return Array.isArray(state.files) ? state.files.map((f) => ({ ...(f as StepState) })) : [];
}

/** The files prepare uploaded, by media index (none without media, or for runs from before uploads). */
function uploads(prepared: StepState): Array<UploadedFile | null> {
  return fileList(prepared).map((f) => (typeof f.url === 'string' ? (f as UploadedFile) : null));
}

/**
 * Reply `index` of the delivery's thread, as a note: its text, one second after the one before
 * (clients order a thread by time; the post's is the delivery's start), NIP-10 marked `e` tags
 * for the root and, past the first reply, the parent, and the author's `p` tag.
 */
function replyNote(req: PublishRequest, index: number, text: string, chain: ThreadPost[], pubkey: string) {
  const note = noteOf({ text, media: [] }, req.target.options, req.since);
  const root = chain[0]!.id;
  const parent = chain.at(-1)!.id;
  return {
    ...note,
    created_at: note.created_at + index + 1,
    tags: [
      ...note.tags,
      ['e', root, '', 'root', pubkey],
      ...(parent !== root ? [['e', parent, '', 'reply', pubkey]] : []),
      ['p', pubkey],
    ],
  };
}

/**
 * The first comment as a note: its text (hashtags as `t` tags, the target's content warning), at
 * the second the comment step began, a NIP-10 `e` tag with the `root` marker for the post and the
 * author's `p` tag. Nothing from the clock: `findComment` makes the same id.
 */
function commentNote(req: CommentRequest, pubkey: string) {
  const note = noteOf({ text: req.text, media: [] }, req.target.options, req.since);
  return {
    ...note,
    tags: [...note.tags, ['e', req.post.platformPostId, '', 'root', pubkey], ['p', pubkey]],
  };
}

const commentReceiptOf = (id: string) => ({ commentId: id, permalink: `${GATEWAY}/${noteId(id)}` });

/**
 * The post with its media as the publish call has them (`req.media`, resolved from
 * `content.media`) or, for a lookup, which resolves none, as the post names them: the same URLs.
 */
function contentOf(req: PublishRequest): PostContent {
  return req.media.length > 0 ? { ...req.content, media: req.media.map((file) => file.ref) } : req.content;
}

/** The account's key and relays; refused for good when the credentials hold neither. */
function accountOf(account: AccountContext): { secretKey: Uint8Array; relays: string[] } {
  const secretKey = parseSecretKey(account.credentials.secret_key);
  if (!secretKey) {
    throw rejected(
      PLATFORM,
      'secret_key',
      'the account has no valid secret_key (nsec1… or hex); reconnect it.',
    );
  }
  const relays = relayList(account.credentials.relays);
  if (relays.length === 0) {
    throw rejected(
      PLATFORM,
      'relays',
      'the account names no relays (comma-separated wss:// URLs); reconnect it.',
    );
  }
  return { secretKey, relays };
}

/**
 * Sends the event to every relay at once and gathers their answers. Once one relay accepted, the
 * rest get `ACCEPTED_GRACE_MS` more, so one slow relay does not hold a published note back; those
 * count as unanswered.
 */
async function broadcast(relays: string[], event: NostrEvent, call: RelayCall): Promise<RelayAnswer[]> {
  const stop = new AbortController();
  const signal = AbortSignal.any([call.signal, stop.signal]);
  const answers: Array<RelayAnswer | undefined> = relays.map(() => undefined);
  let grace: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    let left = relays.length;
    relays.forEach(
      (relay, i) =>
        void sendEvent(relay, event, { ...call, signal }).then((answer) => {
          answers[i] ??= answer;
          if (--left === 0) resolve();
          else if (answer.kind === 'accepted') grace ??= setTimeout(resolve, ACCEPTED_GRACE_MS);
        }),
    );
  });
  clearTimeout(grace);
  const settled = answers.map(
    (a, i) => a ?? { relay: relays[i]!, kind: 'unknown' as const, why: 'no answer yet' },
  );
  stop.abort(); // closes the connections still waiting
  return settled;
}

/**
 * Why no relay took the event, as one failure. The answer a retry is likeliest to change decides:
 * an event that may have been stored (sent, no answer) leaves the outcome unknown; then a rate
 * limit, a relay's own error or a relay out of reach (retryable); then an auth refusal; then a
 * refused address or event (for good). The message quotes each relay's answer.
 */
function failureOf(answers: RelayAnswer[], irreversible: boolean): PublishError {
  const classified = answers.map((a) => ({ answer: a, ...classify(a) }));
  const rank = (c: (typeof classified)[number]) => RANKS.indexOf(c.code);
  const worst = classified.reduce((a, b) => (rank(b) < rank(a) ? b : a));
  const message = `${PLATFORM}: no relay accepted the event: ${answers.map(describe).join('; ')}`;
  return new PublishError({
    category: worst.category,
    caused_by: worst.category === 'validation' || worst.category === 'auth' ? 'user' : 'platform',
    code: `platform.${PLATFORM}.${worst.code}`,
    message: message.slice(0, MESSAGE_MAX),
    retryable: worst.retryable,
    outcomeUnknown: irreversible && worst.code === 'no_answer',
    ...(worst.code === 'rate_limit' ? { retryAfterMs: RATE_LIMIT_WAIT_MS } : {}),
  });
}

/** Failure codes, the one a retry is likeliest to change first. */
const RANKS = [
  'no_answer',
  'rate_limit',
  'relay_error',
  'unreachable',
  'auth',
  'address_refused',
  'rejected',
];

/**
 * One relay's answer as a failure class. A refusal's machine-readable prefix (NIP-01) says why:
 * `rate-limited:`, `error:` (the relay failed), `auth-required:` (NIP-42, not supported yet) and
 * `restricted:` (a paid or invite-only relay), anything else (`invalid:`, `blocked:`, `pow:`…)
 * refuses the event itself.
 */
function classify(answer: RelayAnswer): { code: string; category: ErrorCategory; retryable: boolean } {
  switch (answer.kind) {
    case 'unknown':
      return { code: 'no_answer', category: 'platform', retryable: true };
    case 'unreachable':
      return { code: 'unreachable', category: 'platform', retryable: true };
    case 'address_refused':
      return { code: 'address_refused', category: 'validation', retryable: false };
    case 'accepted':
      return { code: 'rejected', category: 'validation', retryable: false }; // never asked: nothing failed
    case 'refused': {
      const prefix = /^([a-z-]+):/.exec(answer.message)?.[1];
      if (prefix === 'rate-limited') return { code: 'rate_limit', category: 'rate_limit', retryable: true };
      if (prefix === 'error') return { code: 'relay_error', category: 'platform', retryable: true };
      if (prefix === 'auth-required' || prefix === 'restricted') {
        return { code: 'auth', category: 'auth', retryable: false };
      }
      return { code: 'rejected', category: 'validation', retryable: false };
    }
  }
}

function describe(answer: RelayAnswer): string {
  if (answer.kind === 'refused') return `${answer.relay} refused it (${answer.message})`;
  if (answer.kind === 'accepted') return `${answer.relay} accepted it`;
  return `${answer.relay}: ${answer.why}`;
}

function receiptOf(event: NostrEvent, relays: string[]) {
  return {
    platformPostId: event.id,
    permalink: `${GATEWAY}/${noteId(event.id)}`,
    publishedAt: new Date(event.created_at * 1000).toISOString(),
    metadata: { pubkey: event.pubkey, relays },
  };
}
