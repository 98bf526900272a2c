import { setTimeout as delay } from 'node:timers/promises';

/** The baseline's activity: waits the same fixed latency the sandbox platform is given. */
export const baselineActivities = {
  async noop(latencyMs: number): Promise<void> {
    if (latencyMs > 0) await delay(latencyMs);
  },
};
