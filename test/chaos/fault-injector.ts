import type { ChildProcess } from 'node:child_process';
import type { Stack } from '../helpers/stack';
import { type Random, sleep } from './random';
import type { ChaosSettings } from './settings';

export interface FaultCounts {
  /** Workers killed with SIGKILL while they served the task queue. */
  kills: number;
  /** Temporal dev server restarts (stopped, then started on the same SQLite file). */
  restarts: number;
  /** Restarts during which no worker was running. */
  restartsWithoutWorker: number;
  /** Workers that exited without being killed: each is a finding. */
  unexpectedExits: number;
  /** Worker starts that failed (e.g. the server went down while it started); it is started again. */
  failedStarts: number;
}

/** Open while the Temporal server is up; workers are started only then. */
class Gate {
  private closed?: { promise: Promise<void>; open: () => void };

  close(): void {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.closed = { promise, open };
  }

  open(): void {
    this.closed?.open();
    this.closed = undefined;
  }

  wait(): Promise<void> {
    return this.closed?.promise ?? Promise.resolve();
  }
}

/** One worker process of the pool, started and killed again and again. */
class WorkerSlot {
  child?: ChildProcess;
  /** Resolves when the current process exits. */
  exited: Promise<void> = Promise.resolve();
  private killing = false;

  constructor(
    private readonly stack: Stack,
    private readonly index: number,
    private readonly onUnexpectedExit: (code: number | null, signal: string | null) => void,
  ) {}

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Adopts a process started elsewhere (the stack's own first worker). */
  adopt(child: ChildProcess): void {
    this.child = child;
    this.killing = false;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.killing) this.onUnexpectedExit(code, signal);
        resolve();
      }),
    );
  }

  async start(): Promise<void> {
    this.adopt(
      await this.stack.spawnNode([this.stack.cli, 'worker'], `worker${this.index}`, /Worker polling/),
    );
  }

  /** SIGKILL; true when this call killed a running worker. */
  async kill(): Promise<boolean> {
    if (!this.running || this.killing) {
      await this.exited;
      return false;
    }
    this.killing = true;
    this.child!.kill('SIGKILL');
    await this.exited;
    return true;
  }

  async terminate(): Promise<void> {
    if (!this.running) return;
    this.killing = true;
    this.child!.kill('SIGTERM');
    await this.exited;
  }
}

/**
 * Kills workers with SIGKILL at random moments and restarts the Temporal dev server every so
 * often (sometimes with every worker down too), until told to stop; then leaves every worker and
 * the server running, so that the posts can settle.
 */
export class FaultInjector {
  readonly counts: FaultCounts = {
    kills: 0,
    restarts: 0,
    restartsWithoutWorker: 0,
    unexpectedExits: 0,
    failedStarts: 0,
  };
  readonly notes: string[] = [];
  private readonly slots: WorkerSlot[];
  private readonly serverUp = new Gate();
  private stopping = false;
  private stopSignal!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.stopSignal = resolve));
  private loops: Promise<void>[] = [];

  constructor(
    private readonly stack: Stack,
    private readonly settings: ChaosSettings,
    private readonly random: Random,
    private readonly log: (line: string) => void,
  ) {
    this.slots = Array.from(
      { length: settings.workers },
      (_, i) =>
        new WorkerSlot(stack, i, (code, signal) => {
          this.counts.unexpectedExits += 1;
          this.notes.push(`worker${i} exited by itself (code ${code}, signal ${signal})`);
          log(
            `worker${i} exited by itself (code ${code}, signal ${signal}):\n${stack.logs().split('\n').slice(-15).join('\n')}`,
          );
        }),
    );
  }

  start(): void {
    if (this.stack.worker) this.slots[0]!.adopt(this.stack.worker);
    this.loops = [...this.slots.map((slot) => this.workerLoop(slot)), this.serverLoop()];
  }

  /** Ends the faults; resolves once the server and every worker are up. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSignal();
    await Promise.all(this.loops);
    for (const slot of this.slots) {
      while (!slot.running) await this.startWorker(slot);
    }
  }

  /** Stops the workers gracefully (the stack stops the rest). */
  async shutdown(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.terminate()));
  }

  get workersRunning(): number {
    return this.slots.filter((s) => s.running).length;
  }

  private async pause(ms: number): Promise<boolean> {
    await Promise.race([sleep(ms), this.stopped]);
    return !this.stopping;
  }

  private async startWorker(slot: WorkerSlot): Promise<void> {
    await this.serverUp.wait();
    try {
      await slot.start();
    } catch (err) {
      this.counts.failedStarts += 1;
      this.log(`a worker did not start (started again): ${String(err).split('\n')[0]}`);
      await sleep(1_000);
    }
  }

  private async workerLoop(slot: WorkerSlot): Promise<void> {
    while (!this.stopping) {
      if (!slot.running) {
        await this.startWorker(slot);
        continue;
      }
      // Serve for a random while (or until the process dies some other way), then die.
      await Promise.race([sleep(this.random.between(this.settings.killAfterMs)), slot.exited, this.stopped]);
      if (this.stopping) return;
      if (await slot.kill()) this.counts.kills += 1;
      if (this.random.chance(0.5) && !(await this.pause(this.random.between(this.settings.restartPauseMs))))
        return;
    }
  }

  private async serverLoop(): Promise<void> {
    while (await this.pause(this.random.between(this.settings.serverRestartEveryMs))) {
      this.serverUp.close();
      // A third of the restarts happen with every worker down as well.
      if (this.random.chance(1 / 3)) {
        for (const killed of await Promise.all(this.slots.map((s) => s.kill())))
          if (killed) this.counts.kills += 1;
      }
      if (this.workersRunning === 0) this.counts.restartsWithoutWorker += 1;
      await this.stack.temporal.stop();
      await sleep(this.random.between(this.settings.serverDownMs));
      for (;;) {
        try {
          await this.stack.startTemporal();
          break;
        } catch (err) {
          this.log(`the Temporal server did not start again (trying again): ${String(err).split('\n')[0]}`);
          await sleep(1_000);
        }
      }
      this.counts.restarts += 1;
      this.serverUp.open();
    }
  }
}
