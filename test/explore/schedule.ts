import fc from 'fast-check';

/**
 * What one exploration run does to one post: the faults its platform calls meet, in the order
 * the calls are made, and the operator and world events interleaved with them. A schedule is
 * plain JSON, printed with every counterexample so it can be replayed
 * (`EXPLORE_SCHEDULE='<json>' npx jest test/explore`).
 */
export interface Schedule {
  family: FamilyName;
  /**
   * `scheduled`: the post is due a few minutes after creation, so pre-due events apply;
   * `target`: the same instant given as the target's own `scheduled_at` (targets[]).
   */
  start: 'now' | 'scheduled' | 'target';
  /** The k-th platform call of the post's account meets `faults[k]`; later calls go through. */
  faults: Fault[];
  /** Operator and world events, each fired just before the platform call it names, or at a phase. */
  events: ScheduledEvent[];
  /**
   * Run on the worker that keeps no workflow in its cache: every workflow task replays the history
   * from the start, as after a worker restart.
   */
  replay?: boolean;
  /**
   * The post also targets a second account, on the sandbox, whose calls meet no fault: a fault
   * on the first target then leaves the post `partial`, and the operator's retry re-runs only the
   * failed target of a post that also published (and started its metrics collection). Not for
   * X's posts, which carry a thread the sandbox does not take.
   */
  companion?: boolean;
}

export const FAMILIES = [
  'sandbox',
  'mastodon',
  'bluesky',
  'twitter',
  'instagram',
  'tiktok',
  'tiktok-upload',
  'youtube',
  'twitter-video',
  'facebook-video',
  'instagram-video',
  'linkedin-video',
] as const;
export type FamilyName = (typeof FAMILIES)[number];

/**
 * The fault vocabulary, per platform call (fault-layer.ts says what each does to each kind of call):
 * - `ok`: the call goes through;
 * - `refused`: a final refusal (validation on publish, a permission on a look-up or check);
 * - `transient`: a passing failure before anything was sent (503, connection refused);
 * - `lost`: the platform acted, then the answer was lost;
 * - `late`: the call is cut off with the worker, and the platform accepts it minutes later;
 * - `ratelimit-reset` / `ratelimit`: 429 with / without the instant the limit resets;
 * - `expired`: the access token expired (a refresh fixes it);
 * - `revoked`: the platform revoked the token (no refresh fixes it);
 * - `processing-forever`: the publish is accepted and the platform never finishes processing it;
 * - `processing-failed`: the publish is accepted, processed a while, then the platform fails it.
 */
export const FAULTS = [
  'ok',
  'refused',
  'transient',
  'lost',
  'late',
  'ratelimit-reset',
  'ratelimit',
  'expired',
  'revoked',
  'processing-forever',
  'processing-failed',
] as const;
export type Fault = (typeof FAULTS)[number];

/**
 * Operator and world events:
 * - the operator's `retryFailed`, `cancel`, `editPost`, `publishNow`, `reschedule` (through the
 *   client, as the HTTP API sends them; a refused one is recorded, not an error);
 * - `reconnectRequired`: the account is marked `reconnect_required` (another post saw its token
 *   revoked); `reconnect`: the user reconnects it;
 * - `workerLost` (at `dispatched` only; elsewhere it does nothing): the worker of the call waiting
 *   for its instant is cut off from Temporal; it comes back once Temporal gave up on the call, and
 *   goes on to call (world.ts `dispatchedWait`).
 */
export const EVENTS = [
  'retryFailed',
  'cancel',
  'editPost',
  'publishNow',
  'reschedule',
  'reconnectRequired',
  'reconnect',
  'workerLost',
] as const;
export type EventName = (typeof EVENTS)[number];

/**
 * When an event fires: `created` right after the post is created (before it is due),
 * `dispatched` once its publish call, dispatched ahead of a scheduled post's instant, waits for it
 * in the worker (the first time only; never for a post published now), `{ call: k }` just
 * before the k-th platform call, `settled` each time the post settles (in order, one per settlement).
 */
export type EventPoint = 'created' | 'dispatched' | 'settled' | { call: number };
export interface ScheduledEvent {
  at: EventPoint;
  event: EventName;
}

/** The faults that mean something for a family (processing exists only where the platform has it). */
export function faultsOf(family: FamilyName): Fault[] {
  const processing =
    family === 'tiktok' || family === 'tiktok-upload' || family === 'sandbox' || family === 'youtube';
  return FAULTS.filter((f) => processing || !f.startsWith('processing'));
}

/** One line, replayable: the JSON of the schedule. */
export function printSchedule(schedule: Schedule): string {
  return JSON.stringify(schedule);
}

/** A short human label (`mastodon: lost@0 late@2 | retryFailed@settled`). */
export function labelOf(schedule: Schedule): string {
  const faults = schedule.faults.flatMap((f, k) => (f === 'ok' ? [] : [`${f}@${k}`]));
  const events = schedule.events.map((e) => `${e.event}@${pointLabel(e.at)}`);
  return [
    `${schedule.family}${schedule.start === 'now' ? '' : ` (${schedule.start})`}${schedule.replay ? ' (replay)' : ''}${schedule.companion ? ' (+sandbox)' : ''}:`,
    faults.join(' ') || 'no fault',
    ...(events.length ? ['|', events.join(' ')] : []),
  ].join(' ');
}

function pointLabel(at: EventPoint): string {
  return typeof at === 'string' ? at : `call${at.call}`;
}

/**
 * The operator's answer to a failure, added to every enumerated schedule: once the post settles
 * failed, reconnect the account (a no-op when it is active) and retry. Exactly once must hold
 * whatever the operator does, and retrying a failed post is what operators do.
 */
export const OPERATOR_RETRIES: ScheduledEvent[] = [
  { at: 'settled', event: 'reconnect' },
  { at: 'settled', event: 'retryFailed' },
];

/** How many platform calls of a post the enumerations place faults on. */
export const ENUMERATED_CALLS = 4;

/**
 * Every schedule with exactly one fault (`faults` = 1) or two (`2`) placed on the first
 * ENUMERATED_CALLS platform calls, each followed by the operator's retry: exhaustive per family.
 */
export function enumerate(family: FamilyName, faultCount: 1 | 2): Schedule[] {
  const vocabulary = faultsOf(family).filter((f) => f !== 'ok');
  const out: Schedule[] = [];
  const place = (placed: Array<[number, Fault]>) => {
    const faults: Fault[] = Array(Math.max(...placed.map(([k]) => k)) + 1).fill('ok');
    for (const [k, f] of placed) faults[k] = f;
    out.push({ family, start: 'now', faults, events: [...OPERATOR_RETRIES] });
  };
  for (let i = 0; i < ENUMERATED_CALLS; i++) {
    for (const a of vocabulary) {
      if (faultCount === 1) place([[i, a]]);
      else
        for (let j = i + 1; j < ENUMERATED_CALLS; j++)
          for (const b of vocabulary)
            place([
              [i, a],
              [j, b],
            ]);
    }
  }
  return out;
}

/** Events that make sense before a post is due, and those that make sense at any step. */
const PRE_DUE: EventName[] = ['editPost', 'reschedule', 'publishNow', 'cancel'];

/**
 * fast-check's generator of schedules: faults on the first calls, events anywhere. Built without
 * `chain`, so a schedule given as an example (a regression) shrinks too. Processing faults on a
 * family without processing let the call through.
 */
export function scheduleArbitrary(families: readonly FamilyName[] = FAMILIES): fc.Arbitrary<Schedule> {
  return fc.record({
    family: fc.constantFrom(...families),
    start: fc.constantFrom('now' as const, 'scheduled' as const, 'target' as const),
    faults: fc.array(fc.constantFrom(...FAULTS), { maxLength: 6 }),
    events: fc.array(
      fc.oneof(
        fc.record({ at: fc.constant<EventPoint>('created'), event: fc.constantFrom(...PRE_DUE) }),
        fc.record({
          at: fc.constant<EventPoint>('dispatched'),
          event: fc.constantFrom(...PRE_DUE, 'workerLost' as const),
        }),
        fc.record({
          at: fc.integer({ min: 0, max: 6 }).map<EventPoint>(
            (call) => ({ call }),
            (value) => {
              if (typeof value !== 'object' || value === null || !('call' in value))
                throw new Error('not a call point');
              return (value as { call: number }).call;
            },
          ),
          event: fc.constantFrom(...EVENTS),
        }),
        fc.record({ at: fc.constant<EventPoint>('settled'), event: fc.constantFrom(...EVENTS) }),
      ),
      { maxLength: 4 },
    ),
    replay: fc.boolean(),
    companion: fc.boolean(),
  });
}

/**
 * Scheduled posts, whose publish call is dispatched ahead of the instant (pre-dispatch): every
 * one-fault schedule of `family` started scheduled, and each change of a waiting post made while
 * the dispatched call waits (which recalls it), alone or before a lost or passing failure.
 */
export function enumerateDispatched(family: FamilyName): Schedule[] {
  const scheduled = enumerate(family, 1).map((s): Schedule => ({ ...s, start: 'scheduled' }));
  const changes = [...PRE_DUE, 'workerLost' as const].flatMap((event) =>
    [[], ['lost'], ['transient']].map((faults): Schedule => ({
      family,
      start: 'scheduled',
      faults: faults as Fault[],
      events: [{ at: 'dispatched', event }, ...OPERATOR_RETRIES],
    })),
  );
  return [...scheduled, ...changes];
}

/** `schedules` again, each with a companion target: their faults leave the post partial. */
export function withCompanion(schedules: Schedule[]): Schedule[] {
  return schedules.map((schedule) => ({ ...schedule, companion: true }));
}
