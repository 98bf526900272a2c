import { javaTestServer, temporalCli } from './helpers/tools';

/** Builds or resolves the servers the tests run against, once, before any test file starts. */
export default async function globalSetup(): Promise<void> {
  await temporalCli();
  javaTestServer();
}
