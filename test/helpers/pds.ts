import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './ports';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/config';
import { node24, node24Env, npmInstall } from './tools';
import { stopChild } from './child-process';

/** The reference PDS the Bluesky adapter is checked against, and the PLC directory it registers DIDs in. */
export const PDS_VERSION = '0.5.35';
const PLC_SERVER_VERSION = '0.0.1';

const log = (line: string) => process.stderr.write(`[pds] ${line}\n`);
const toolsDir = () => loadConfig().toolsDir;

/**
 * @atproto/pds and @did-plc/server (they need Node >= 22), installed with Node 24 into .tools on first use (~2 min).
 * better-sqlite3 is the one native module; its prebuilt binaries come from GitHub releases, which
 * may be unreachable, so it is built from source against the Node package's own headers
 * (`npm_config_nodedir`), never downloading headers either. Needs python3, make and a C++ compiler.
 */
export async function pdsHome(): Promise<{ home: string; node: string }> {
  const node = await node24();
  const home = join(toolsDir(), `atproto-pds-${PDS_VERSION}`);
  if (!existsSync(join(home, '.ready'))) {
    log(
      `Installing @atproto/pds ${PDS_VERSION} from npm, building better-sqlite3 from source (first run only, ~2 min)…`,
    );
    rmSync(home, { recursive: true, force: true });
    await npmInstall(home, [`@atproto/pds@${PDS_VERSION}`, `@did-plc/server@${PLC_SERVER_VERSION}`], {
      ...node24Env(node),
      npm_config_build_from_source: 'true',
    });
    writeFileSync(join(home, '.ready'), '');
    log(`PDS ready in ${home}`);
  }
  writeFileSync(join(home, 'start.mjs'), START_SCRIPT);
  return { home, node: node.binary };
}

/**
 * Starts a PLC directory in memory (as @atproto/dev-env does: `@did-plc/server` on a mock
 * database), points the PDS at it, then starts the PDS from its `PDS_*` environment. Prints one
 * JSON line when both listen; SIGTERM stops both.
 */
const START_SCRIPT = `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const plc = require('@did-plc/server');
const { PDS, envToCfg, envToSecrets, readEnv } = await import('@atproto/pds');

const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: 0 });
const listener = await plcServer.start();
process.env.PDS_DID_PLC_URL = 'http://localhost:' + listener.address().port;
const env = readEnv();
const pds = await PDS.create(envToCfg(env), envToSecrets(env));
await pds.start();
console.log(JSON.stringify({ ready: true, plc: process.env.PDS_DID_PLC_URL }));
const stop = async () => {
  await pds.destroy();
  await plcServer.destroy();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`;

export interface RunningPds {
  /** The PDS's public URL (`http://localhost:<port>`, as `PDS_HOSTNAME=localhost` makes it). */
  url: string;
  /** Creates an account on the PDS (handles end in `.test`); returns its DID and an app password. */
  createAccount(handle: string): Promise<{ did: string; handle: string; appPassword: string }>;
  stop(): Promise<void>;
}

/** A real PDS on a free port, its data in a temporary directory; `stop()` ends it and removes the data. */
export async function startPds(): Promise<RunningPds> {
  const { home, node } = await pdsHome();
  const data = mkdtempSync(join(tmpdir(), 'postflow-pds-'));
  const port = await freePort();
  const rotationKey = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({
    format: 'jwk',
  }).d!;
  const child = spawn(node, [join(home, 'start.mjs')], {
    cwd: home,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      PDS_HOSTNAME: 'localhost',
      PDS_PORT: String(port),
      PDS_DATA_DIRECTORY: data,
      PDS_BLOBSTORE_DISK_LOCATION: join(data, 'blobs'),
      PDS_DEV_MODE: 'true',
      PDS_INVITE_REQUIRED: 'false',
      PDS_JWT_SECRET: randomBytes(16).toString('hex'),
      PDS_ADMIN_PASSWORD: randomBytes(16).toString('hex'),
      PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: Buffer.from(rotationKey, 'base64url').toString('hex'),
      // Sessions carry the account's DID document (its PDS endpoint), as Bluesky's entryway sends it.
      PDS_ENABLE_DID_DOC_WITH_SESSION: 'true',
      LOG_ENABLED: 'false',
    },
  });
  const stop = () => stopChild(child).finally(() => rmSync(data, { recursive: true, force: true }));
  try {
    await ready(child);
  } catch (err) {
    await stop();
    throw err;
  }
  const url = `http://localhost:${port}`;
  return {
    url,
    stop,
    async createAccount(handle) {
      const password = randomBytes(12).toString('hex');
      const account = await xrpc(url, 'com.atproto.server.createAccount', {
        handle,
        email: `${handle.split('.')[0]}@example.com`,
        password,
      });
      const app = await xrpc(
        url,
        'com.atproto.server.createAppPassword',
        { name: 'postflow' },
        account.accessJwt,
      );
      return { did: String(account.did), handle: String(account.handle), appPassword: String(app.password) };
    },
  };
}

async function xrpc(base: string, nsid: string, input: unknown, token?: string) {
  const response = await fetch(`${base}/xrpc/${nsid}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as Record<string, string>;
  if (!response.ok) throw new Error(`${nsid}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** Resolves on the start script's ready line; rejects with its output if it exits first. */
function ready(child: ChildProcess): Promise<void> {
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the PDS did not start in 60 s:\n${output.join('')}`)),
      60_000,
    );
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join('').includes('"ready":true')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the PDS exited (${code}) before it was ready:\n${output.join('').slice(-2000)}`));
    });
  });
}
