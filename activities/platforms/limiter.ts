import { PLATFORM_RULES } from '../../api/platform-rules';
/** Thrown when no slot freed up within the wait allowed: the call was never made. */
export class SlotWaitTimeout extends Error {
  constructor(readonly waitedMs: number) {
    super(`No free slot after ${Math.round(waitedMs / 1000)} s.`);
    this.name = 'SlotWaitTimeout';
  }
}

/**
 * At most `max` calls at once; the rest wait their turn in order. One per platform per worker
 * keeps a burst of posts under the platform's concurrency limits (docs/platforms.md).
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Array<{ grant: () => void }> = [];

  constructor(readonly max: number) {}

  /**
   * Runs `call` in a slot. With `maxWaitMs`, gives up waiting after that long (SlotWaitTimeout),
   * so a call queued behind slow ones fails cleanly instead of eating its activity's timeout.
   */
  async run<T>(call: () => Promise<T>, maxWaitMs?: number): Promise<T> {
    if (this.running >= this.max) await this.waitForSlot(maxWaitMs);
    else this.running += 1;
    try {
      return await call();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next.grant(); // hand the slot over without releasing it
      else this.running -= 1;
    }
  }

  private waitForSlot(maxWaitMs: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          if (timer) clearTimeout(timer);
          resolve();
        },
      };
      const timer =
        maxWaitMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiting.splice(this.waiting.indexOf(entry), 1);
              reject(new SlotWaitTimeout(maxWaitMs));
            }, maxWaitMs);
      this.waiting.push(entry);
    });
  }
}

/** Calls one worker makes to one platform at once, unless its rules say otherwise. */
const DEFAULT_CONCURRENCY = 4;

/**
 * One concurrency limit per platform, from `POSTFLOW_<PLATFORM>_CONCURRENCY` or the platform's
 * rules: every call of a delivery (prepare, publish, checks) takes a slot.
 */
export function concurrencyLimits(
  env: Record<string, string | undefined> = process.env,
): (platform: string) => ConcurrencyLimit {
  const limits = new Map<string, ConcurrencyLimit>();
  return (platform) => {
    let limit = limits.get(platform);
    if (!limit) {
      const configured = Number(env[`POSTFLOW_${platform.toUpperCase()}_CONCURRENCY`]);
      const max =
        Number.isInteger(configured) && configured > 0
          ? configured
          : (PLATFORM_RULES[platform]?.maxConcurrentCalls ?? DEFAULT_CONCURRENCY);
      limit = new ConcurrencyLimit(max);
      limits.set(platform, limit);
    }
    return limit;
  };
}
