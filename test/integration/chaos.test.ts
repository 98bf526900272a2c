import { recordFigures } from '../helpers/figures';
import { runChaos } from '../chaos/chaos';
import { figures, findings } from '../chaos/report';
import { chaosSettings } from '../chaos/settings';

/**
 * The chaos run's short form (docs/reliability.md, "Chaos run"; `npm run chaos` is the long
 * form): posts stream in through the HTTP API while workers are killed with SIGKILL and the
 * Temporal dev server restarts; afterwards every post is final and each target is published
 * exactly once according to the platforms' own records.
 */
test(
  'under worker kills and server restarts no post is lost or duplicated',
  async () => {
    const settings = chaosSettings('short');
    const { report, posts } = await runChaos(settings);
    recordFigures('chaos', figures(report, posts));
    const { verdict, faults } = report;

    expect(findings(report)).toEqual([]);
    expect(verdict.lost).toEqual([]);
    expect(verdict.duplicates).toEqual([]);
    expect(verdict.stuck).toEqual([]);
    expect(verdict.mismatched).toEqual([]);
    expect(verdict.refused).toEqual([]);
    expect(verdict.unaccepted).toBe(0);
    expect(verdict.accepted).toBeGreaterThan(0);
    // Every injected failure passes on retry: everything must be published.
    expect(verdict.statuses).toEqual({ published: verdict.accepted });
    expect(faults.kills).toBeGreaterThanOrEqual(settings.minKills);
    expect(faults.restarts).toBeGreaterThanOrEqual(settings.minRestarts);
    expect(faults.unexpectedExits).toBe(0);
  },
  20 * 60_000,
);
