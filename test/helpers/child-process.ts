import type { ChildProcess } from 'node:child_process';

/**
 * The real servers the tests start (a PDS, a relay, Synapse, Ghost, WordPress's PHP and MariaDB):
 * waiting until one serves, and stopping it.
 */

/**
 * Resolves once `probe` says the server answers; rejects with the end of its output if it exits
 * first or does not answer within `timeoutMs`.
 */
export async function untilServing(
  child: ChildProcess,
  name: string,
  probe: () => Promise<boolean>,
  { timeoutMs, everyMs }: { timeoutMs: number; everyMs: number },
): Promise<void> {
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const tail = () => output.join('').slice(-3000);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${tail()}`);
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`${name} did not start in ${timeoutMs / 1000} s:\n${tail()}`);
}

/** Whether `url` answers 2xx (a probe for `untilServing`). */
export const answers = (url: string, init?: RequestInit) => () => fetch(url, init).then((r) => r.ok);

/**
 * SIGTERM, then SIGKILL after 10 s; resolves when it exited. `group`: the whole process group
 * (a child spawned `detached`, whose own children must go too: PHP's workers).
 */
export function stopChild(child: ChildProcess, { group = false } = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const signal = (name: NodeJS.Signals) => {
    try {
      if (group) process.kill(-child.pid!, name);
      else child.kill(name);
    } catch {
      // gone already
    }
  };
  return new Promise((resolve) => {
    const force = setTimeout(() => signal('SIGKILL'), 10_000);
    child.on('exit', () => {
      clearTimeout(force);
      resolve();
    });
    signal('SIGTERM');
  });
}
