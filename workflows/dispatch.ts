import { CancellationScope, condition, sleep } from '@temporalio/workflow';
import type { StepState } from '../platforms/kit/adapter';

/**
 * Posts whose client sets `PostSpec.preDispatchMs` dispatch each delivery that long before its
 * instant, behind this patch: runs recorded before it wait for the instant itself, and replay so.
 */
export const PRE_DISPATCH_PATCH = 'pre-dispatch';

/**
 * A delivery dispatched before its target's instant (docs/performance.md "Publish on the second"):
 * it prepares ahead and sends its publish call early, and the call waits in the worker until
 * `notBefore`. Until that call has answered, the post may recall the delivery (a cancel,
 * reschedule, edit or publish-now came): everything the delivery runs is in `scope`, which the
 * recall cancels; the publish call itself is waited for (`publishTargetAt`), and says whether it
 * stopped before calling the platform.
 */
export class Dispatch {
  readonly scope = new CancellationScope();
  private state: 'open' | 'called' | 'recalled' = 'open';
  private recallAsked = false;
  /** What the delivery's prepare made (a staged delivery's uploads, containers), once ready. */
  prepared?: StepState;

  constructor(
    readonly notBefore: string,
    /** Called once, when the publish call has answered: the post is publishing from then on. */
    private readonly onCalled: () => void,
    /**
     * A staged delivery (pre-staging: it prepares minutes ahead): epoch ms at which its publish
     * call is dispatched, once it is prepared. Absent, the call follows the prepare at once.
     */
    private readonly callAt?: number,
  ) {}

  /**
   * A staged delivery, prepared: waits (a durable timer, which a recall cancels) until its publish
   * call is due to be dispatched.
   */
  async untilCallTime(): Promise<void> {
    if (this.callAt === undefined || this.callAt <= Date.now()) return;
    await this.recallable(() => sleep(this.callAt! - Date.now()));
  }

  /** Whether the delivery may still be recalled: its publish call has not answered yet. */
  get open(): boolean {
    return this.state === 'open';
  }

  /** Whether a recall was asked for while the delivery could still stop before calling. */
  get recalling(): boolean {
    return this.recallAsked && this.state === 'open';
  }

  /** The publish call answered (or the delivery ended without one): no recall can stop it now. */
  called(): void {
    if (this.state !== 'open') return;
    this.state = 'called';
    this.onCalled();
  }

  /** The delivery ended (published, failed or handed over): nothing is left to recall. */
  ended(): void {
    if (this.state === 'open') this.state = 'called';
  }

  /** The delivery stopped before calling the platform, as the recall asked. */
  recalled(): void {
    if (this.state === 'open') this.state = 'recalled';
  }

  /** Runs `step` so that a recall stops it, while the delivery is still recallable. */
  recallable<T>(step: () => Promise<T>): Promise<T> {
    return this.open ? this.scope.run(step) : step();
  }

  /**
   * Asks the delivery to stop before its publish call; answers once it has (`recalled`), or once
   * its call answered first (`called`).
   */
  async recall(): Promise<'recalled' | 'called'> {
    if (this.state === 'open' && !this.recallAsked) {
      this.recallAsked = true;
      this.scope.cancel();
    }
    await condition(() => this.state !== 'open');
    return this.state === 'recalled' ? 'recalled' : 'called';
  }
}
