import { WebSocket } from 'undici';
import { checkOutboundUrl, type OutboundPolicy, outboundDispatcher } from '../../net/guard';
import type { NostrEvent } from './event';

/**
 * What one relay made of one event (NIP-01 `["OK", <id>, <accepted>, <message>]`):
 * - `accepted`: stored, or a duplicate of one it had (a repeat of the same note);
 * - `refused`: `OK false` with the relay's reason, machine-readable prefix first (`invalid:`…);
 * - `unknown`: the event was sent but no answer came (a timeout, a dropped connection);
 * - `unreachable`: the connection never opened, so the relay never saw the event;
 * - `address_refused`: the relay's address is private or not ws(s) (SSRF guard), never dialled.
 */
export type RelayAnswer =
  | { relay: string; kind: 'accepted' }
  | { relay: string; kind: 'refused'; message: string }
  | { relay: string; kind: 'unknown'; why: string }
  | { relay: string; kind: 'unreachable'; why: string }
  | { relay: string; kind: 'address_refused'; why: string };

/**
 * What a relay answered to a query: the events it has, its refusal (`CLOSED` with the reason,
 * machine-readable prefix first: `rate-limited:`, `auth-required:`…), or why it could not be asked.
 */
export type QueryAnswer =
  { relay: string; kind: 'events'; events: NostrEvent[] } | Exclude<RelayAnswer, { kind: 'accepted' }>;

export interface RelayCall {
  policy: OutboundPolicy;
  timeoutMs: number;
  /** Cancels the call: the connection is closed and the answer counts as not given. */
  signal: AbortSignal;
}

/** Sends `event` to `relay` and waits for its `OK`. Never throws: every outcome is an answer. */
export function sendEvent(relay: string, event: NostrEvent, call: RelayCall): Promise<RelayAnswer> {
  return converse<RelayAnswer>(relay, call, ['EVENT', event], (message, finish) => {
    // Some relays (nostr-relay) leave the id empty on a refusal; one connection carries one event.
    if (message[0] !== 'OK' || (message[1] !== event.id && message[1] !== '')) return;
    const reason = String(message[3] ?? '');
    // NIP-01 asks relays to accept duplicates with `true`; some answer `false, "duplicate: …"`.
    finish(
      message[2] === true || reason.startsWith('duplicate:')
        ? { relay, kind: 'accepted' }
        : { relay, kind: 'refused', message: reason || 'refused without a reason' },
    );
  });
}

/** Asks `relay` for the events matching `filter` (`REQ`), up to its end of stored events (`EOSE`). */
export function queryEvents(relay: string, filter: object, call: RelayCall): Promise<QueryAnswer> {
  const sub = `postflow-${Math.random().toString(36).slice(2, 10)}`;
  const events: NostrEvent[] = [];
  return converse<QueryAnswer>(relay, call, ['REQ', sub, filter], (message, finish) => {
    if (message[1] !== sub) return;
    if (message[0] === 'EVENT') events.push(message[2] as NostrEvent);
    else if (message[0] === 'EOSE') finish({ relay, kind: 'events', events });
    // CLOSED: the relay refused the query (rate-limited:, auth-required:, restricted:…).
    else if (message[0] === 'CLOSED')
      finish({ relay, kind: 'refused', message: String(message[2] ?? '') || 'closed without a reason' });
  });
}

type Unanswered = Extract<RelayAnswer, { kind: 'unknown' | 'unreachable' | 'address_refused' }>;

/**
 * One exchange with a relay on its own connection: guarded like every server an account names
 * (ws:// and private addresses only where the policy allows them; the address checked again when
 * connecting, against DNS rebinding), `opening` sent once the connection is open, each message
 * handed to `onMessage` until it calls `finish`. The call ends within `timeoutMs`.
 */
async function converse<T extends { relay: string }>(
  relay: string,
  call: RelayCall,
  opening: unknown[],
  onMessage: (message: unknown[], finish: (answer: T) => void) => void,
): Promise<T | Unanswered> {
  const refused = await refusedRelay(relay, call.policy);
  if (refused) return { relay, kind: 'address_refused', why: refused };
  return new Promise((resolve) => {
    let opened = false;
    let done = false;
    const lost = (why: string): Unanswered =>
      opened ? { relay, kind: 'unknown', why } : { relay, kind: 'unreachable', why };
    const finish = (answer: T | Unanswered) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      call.signal.removeEventListener('abort', cancel);
      socket.close();
      resolve(answer);
    };
    const cancel = () => finish(lost('cancelled'));
    const timer = setTimeout(
      () => finish(lost(`no answer within ${Math.round(call.timeoutMs / 1000)} s`)),
      call.timeoutMs,
    );
    const dispatcher = outboundDispatcher(call.policy.allowPrivate, call.policy.resolve);
    const socket = new WebSocket(relay, dispatcher ? { dispatcher } : {});
    call.signal.addEventListener('abort', cancel);
    if (call.signal.aborted) return cancel();
    socket.addEventListener('open', () => {
      opened = true;
      socket.send(JSON.stringify(opening));
    });
    socket.addEventListener('message', ({ data }) => {
      let message: unknown;
      try {
        message = JSON.parse(String(data));
      } catch {
        return; // not NIP-01: ignored, like a NOTICE
      }
      if (Array.isArray(message)) onMessage(message, finish);
    });
    socket.addEventListener('error', () => finish(lost(opened ? 'connection lost' : 'could not connect')));
    socket.addEventListener('close', () => finish(lost(opened ? 'connection closed' : 'could not connect')));
  });
}

/** Why Postflow does not dial this relay URL (SSRF guard, as for Mastodon's `instance_url`); undefined when it may. */
async function refusedRelay(relay: string, policy: OutboundPolicy): Promise<string | undefined> {
  if (!/^wss?:\/\//i.test(relay)) return 'is not a ws:// or wss:// URL.';
  if (/^ws:/i.test(relay) && !policy.allowPrivate) return 'must use wss://.';
  // The guard judges http(s) URLs; a relay's WebSocket handshake is an https request to the same host.
  return checkOutboundUrl(relay.replace(/^ws/i, 'http'), policy.allowPrivate, policy.resolve);
}
