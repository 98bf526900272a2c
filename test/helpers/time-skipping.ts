import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { InternalConnectionOptionsSymbol } from '@temporalio/client/lib/connection';
import { TestWorkflowEnvironment } from '@temporalio/testing';

/**
 * A time-skipping test environment whose client does not ping the test server.
 *
 * The Java test server is a grpc-java server with its default keepalive policy: a client that
 * pings more than once every 5 minutes is cut off (GOAWAY `too_many_pings`), and every call in
 * flight on that connection with it. `@temporalio/client` pings every 30 s and
 * `createTimeSkipping` takes no channel arguments (temporalio/sdk-typescript#2185), so a suite
 * that runs for minutes sees its sleeps, queries and updates cut off now and then. This swaps in a
 * connection that pings no more often than the server allows; `sleep`, `currentTimeMs` and
 * `client` use it (a plain client: awaiting a workflow's result does not skip time, `sleep` does).
 * Workers keep `nativeConnection`.
 */
export async function startQuietTimeSkipping(testServer: string): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServer } },
  });
  const options = {
    address: env.address,
    channelArgs: {
      'grpc.keepalive_time_ms': 6 * 60_000,
      'grpc.keepalive_permit_without_calls': 0,
    },
    // The flag createTimeSkipping sets so that the connection has `testService` (sleep, time).
    [InternalConnectionOptionsSymbol]: { supportsTestService: true },
  } as ConnectionOptions;
  const quiet = await Connection.connect(options);
  const noisy = env.connection;
  // The environment's fields are read-only to callers, not to the environment's own methods,
  // which read `this.connection` (sleep, currentTimeMs) and close it in teardown.
  Object.assign(env, {
    connection: leftOpen(quiet),
    client: new Client({ connection: quiet, namespace: env.namespace ?? 'default' }),
  });
  await noisy.close();
  return env;
}

/**
 * The client's connection, which teardown leaves open instead of closing (as test stacks leave
 * theirs, stack.ts): the SDK's gRPC retry interceptor schedules a retry with a timer it never
 * cancels, and a retry of a call given up on (withinMs) that fires after `close()` throws "Channel
 * has been shut down" from that timer, an uncaught exception that fails whatever test file runs
 * next in the process (seen after the exploration). Open, the late retry meets the stopped server
 * and fails as an answer. Jest exits with `forceExit`, the exploration's runner with process.exit.
 */
function leftOpen(connection: Connection): Connection {
  return Object.assign(connection, { close: async () => undefined });
}
