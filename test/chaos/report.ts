import type { Figures } from '../helpers/figures';
import type { FaultCounts } from './fault-injector';
import type { StreamedPost } from './post-stream';
import type { ChaosSettings } from './settings';
import type { Verdict } from './verifier';

export interface ChaosReport {
  settings: ChaosSettings;
  faultMs: number;
  faults: FaultCounts;
  /** Creates the stream tried again (same Idempotency-Key) because the API could not take them. */
  createRetries: number;
  /** Answers to such tries that returned the post an earlier try had created. */
  createReplays: number;
  verdict: Verdict;
  /** Faults worth a look beyond the verdict (workers that died by themselves…). */
  notes: string[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** True when the run proved what it must: nothing lost, nothing twice, everything final and published. */
export function passed(report: ChaosReport): boolean {
  const v = report.verdict;
  return (
    v.lost.length === 0 &&
    v.duplicates.length === 0 &&
    v.stuck.length === 0 &&
    v.mismatched.length === 0 &&
    v.unaccepted === 0 &&
    v.refused.length === 0 &&
    report.faults.kills >= report.settings.minKills &&
    report.faults.restarts >= report.settings.minRestarts
  );
}

export function figures(report: ChaosReport, posts: StreamedPost[]): Figures {
  const v = report.verdict;
  const scheduled = posts.filter((p) => p.id && p.scheduledAt).length;
  const targets = Object.entries(v.targets)
    .map(([platform, n]) => `${n} ${platform}`)
    .join(', ');
  return {
    columns: ['measure', 'value'],
    rows: [
      ['fault phase', seconds(report.faultMs)],
      ['posts accepted (immediate / scheduled)', `${v.accepted} (${v.accepted - scheduled} / ${scheduled})`],
      ['targets', `${Object.values(v.targets).reduce((a, b) => a + b, 0)} (${targets})`],
      ['worker SIGKILLs', report.faults.kills],
      [
        'Temporal dev server restarts (with no worker up)',
        `${report.faults.restarts} (${report.faults.restartsWithoutWorker})`,
      ],
      ['workers that exited by themselves', report.faults.unexpectedExits],
      [
        'worker starts that failed (the server went down meanwhile; started again)',
        report.faults.failedStarts,
      ],
      [
        'create retries (same Idempotency-Key) / replayed answers',
        `${report.createRetries} / ${report.createReplays}`,
      ],
      [
        'final states',
        Object.entries(v.statuses)
          .map(([s, n]) => `${n} ${s}`)
          .join(', '),
      ],
      ['targets failed', v.failedTargets.length],
      ['**lost**', v.lost.length],
      ['**duplicates**', v.duplicates.length],
      ['not final at the deadline', v.stuck.length],
      ['platform post id differing from the platform', v.mismatched.length],
      ['time to settle after the last fault', seconds(v.settleMs)],
      ['worst delay past `scheduled_at`', seconds(v.worstLateMs)],
      ['worst time from acceptance to published (immediate posts)', seconds(v.worstImmediateMs)],
    ],
    notes: [
      `${report.settings.form === 'long' ? 'Long form (`npm run chaos`)' : 'Short form (`npm run chaos -- --short`, as in CI)'}, seed ${report.settings.seed}, ${report.settings.workers} workers.`,
    ],
  };
}

/** Every finding, one per line, for the console. */
export function findings(report: ChaosReport): string[] {
  const v = report.verdict;
  return [
    ...v.lost.map((l) => `LOST ${l}`),
    ...v.duplicates.map((d) => `DUPLICATE ${d}`),
    ...v.stuck.map((s) => `NOT FINAL ${s}`),
    ...v.mismatched.map((m) => `MISMATCH ${m}`),
    ...v.failedTargets.map((f) => `FAILED ${f}`),
    ...v.refused.map((r) => `REFUSED ${r}`),
    ...(v.unaccepted ? [`NEVER ACCEPTED ${v.unaccepted} post(s)`] : []),
    ...report.notes,
  ];
}
