import { createServer } from 'node:net';

/*
 * Why not simply listen on port 0 and hand that port on: the kernel picks it from its ephemeral
 * range (32768–60999 on Linux), the same range every outgoing connection and every other `listen(0)`
 * draws from. Between closing the probe and the child process binding it, a connection of another
 * jest worker could take it (CI once failed with EADDRINUSE that way). So ports come from below
 * that range, and each jest worker owns its own stripe of it, so two workers never hand out the
 * same one.
 */
const FIRST = 20_000;
const LAST = 32_000;
const STRIPES = 16;
const stripe = Number(process.env.JEST_WORKER_ID ?? 0) % STRIPES;
const handedOut = new Set<number>();

/** A free TCP port on loopback, below the ephemeral range, never one this process handed out before. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const slot = Math.floor(Math.random() * ((LAST - FIRST) / STRIPES));
    const port = FIRST + slot * STRIPES + stripe;
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${FIRST} and ${LAST}`);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
