import { OPERATOR_RETRIES, type Schedule } from './schedule';

/**
 * Named regression schedules: the minimal counterexamples the exploration found on the engine
 * of issue 14's starting point, one per defect (docs/reliability.md, "Exploration"). Each must
 * keep every invariant once its defect is fixed; `npm run explore` prints the schedules it finds.
 */
export interface Regression {
  name: string;
  /** Issue 14's defect number, or the issue and what the exploration found (`21: …`). */
  defect: number | string;
  schedule: Schedule;
}

export const REGRESSIONS: Regression[] = [
  {
    name: 'publish answer lost, the platform cannot be searched (TikTok), then retryFailed',
    defect: 1,
    // TikTok: call 0 prepares (creator info), call 1 publishes.
    schedule: { family: 'tiktok', start: 'now', faults: ['ok', 'lost'], events: [...OPERATOR_RETRIES] },
  },
  {
    name: 'publish answer lost, the look-up refused (permissions), then retryFailed',
    defect: 1,
    schedule: { family: 'sandbox', start: 'now', faults: ['lost', 'refused'], events: [...OPERATOR_RETRIES] },
  },
  {
    name: 'token revoked while the published post processes (refresh fails), then reconnect and retryFailed',
    defect: 1,
    // TikTok: prepare, publish (processing), check (revoked), refresh (refused).
    schedule: {
      family: 'tiktok',
      start: 'now',
      faults: ['ok', 'ok', 'revoked'],
      events: [...OPERATOR_RETRIES],
    },
  },
  {
    name: 'account marked reconnect_required while the published post processes, then reconnect and retryFailed',
    defect: 1,
    schedule: {
      family: 'tiktok',
      start: 'now',
      faults: [],
      events: [{ at: { call: 2 }, event: 'reconnectRequired' }, ...OPERATOR_RETRIES],
    },
  },
  {
    name: 'the platform processes the publication forever (TikTok)',
    defect: 3,
    schedule: { family: 'tiktok', start: 'now', faults: ['ok', 'processing-forever'], events: [] },
  },
  {
    name: 'publish cut off with the worker, accepted 4 minutes later, after reconcile found nothing',
    defect: 4,
    schedule: { family: 'sandbox', start: 'now', faults: ['late'], events: [] },
  },
  {
    name: 'Instagram: media_publish accepted late, after reconcile found the container unpublished',
    defect: 6,
    // Instagram: call 0 makes the container, call 1 is media_publish.
    schedule: { family: 'instagram', start: 'now', faults: ['ok', 'late'], events: [] },
  },
  {
    name: "Facebook video: the publish call's answer lost while the video processes",
    defect:
      '21: the look-up, which resolves no media, searched the Page posts, not its videos: published twice',
    // Facebook video: call 0 is the prepare (the upload), call 1 the publish call.
    schedule: { family: 'facebook-video', start: 'now', faults: ['ok', 'lost'], events: [] },
  },
  {
    name: 'X video: upload cut after its first segment, the retry meets an expired token',
    defect: '21: the refreshed prepare left the kept upload unfinished and opened a new one',
    // X video: call 0 is the prepare (cut partway), call 1 its retry (expired), then the refresh.
    schedule: { family: 'twitter-video', start: 'now', faults: ['lost', 'expired'], events: [] },
  },
  {
    name: 'X video: upload cut after its first segment, the retry refused, then retryFailed',
    defect: "21: the operator's retry left the kept upload unfinished and opened a new one",
    schedule: {
      family: 'twitter-video',
      start: 'now',
      faults: ['lost', 'refused'],
      events: [...OPERATOR_RETRIES],
    },
  },
];
