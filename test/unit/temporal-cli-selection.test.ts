import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTemporalCli } from '../../runtime/temporal-cli';

/**
 * Where `postflow dev` (and the tests' helpers) get the Temporal CLI from, one test per branch of
 * the selection. The code under test gets its own environment: PATH is a folder this test fills
 * (with fake `temporal` and `go` scripts), so the machine's own tools play no part; the download
 * branch talks to a local HTTP server serving a real .tar.gz.
 */

/** The fakes run with the system's basic tools only, whatever PATH the code under test has. */
const SCRIPT_HEAD = '#!/bin/sh\nPATH=/usr/bin:/bin\n';

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `postflow-cli-${name}-`));
  tempDirs.push(dir);
  return dir;
}

function writeScript(path: string, body: string): string {
  writeFileSync(path, SCRIPT_HEAD + body);
  chmodSync(path, 0o755);
  return path;
}

function fakeTemporal(dir: string, answer = 'temporal version 1.5.1 (fake)'): string {
  mkdirSync(dir, { recursive: true });
  return writeScript(join(dir, 'temporal'), `echo "${answer}"\n`);
}

/** A `go` that reports `version` and, on `install`, writes a fake CLI into GOBIN as the real one would. */
function fakeGo(dir: string, version: string): string {
  return writeScript(
    join(dir, 'go'),
    `case "$1" in
  version) echo "go version ${version} linux/amd64" ;;
  install)
    echo "$@" > "${dir}/go-install-args"
    echo "github.com/temporalio/cli/cmd/temporal" >&2
    printf '#!/bin/sh\\necho "temporal version 1.5.1 (built by a fake go)"\\n' > "$GOBIN/temporal"
    chmod 755 "$GOBIN/temporal" ;;
esac
`,
  );
}

function setup() {
  const toolsDir = tempDir('tools');
  const pathDir = tempDir('path');
  const lines: string[] = [];
  return { toolsDir, pathDir, lines, log: (line: string) => lines.push(line) };
}

const runs = (binary: string) => spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();

describe('TEMPORAL_CLI', () => {
  test('an executable path is used before anything else', async () => {
    const { toolsDir, pathDir, lines, log } = setup();
    fakeTemporal(pathDir);
    const chosen = fakeTemporal(tempDir('chosen'));
    expect(await ensureTemporalCli(toolsDir, log, { PATH: pathDir, TEMPORAL_CLI: chosen })).toBe(chosen);
    expect(lines).toEqual([`Temporal CLI: ${chosen} (from TEMPORAL_CLI)`]);
  });

  test('a path that does not exist is an error naming the variable', async () => {
    const { toolsDir, pathDir, log } = setup();
    fakeTemporal(pathDir);
    const missing = join(tempDir('missing'), 'temporal');
    await expect(ensureTemporalCli(toolsDir, log, { PATH: pathDir, TEMPORAL_CLI: missing })).rejects.toThrow(
      `TEMPORAL_CLI is ${missing}, which does not exist. Point TEMPORAL_CLI at the Temporal CLI binary, or unset it.`,
    );
  });

  test('a file that is not executable is an error naming the variable', async () => {
    const { toolsDir, pathDir, log } = setup();
    const plain = join(tempDir('plain'), 'temporal');
    writeFileSync(plain, 'not a program');
    chmodSync(plain, 0o644);
    await expect(ensureTemporalCli(toolsDir, log, { PATH: pathDir, TEMPORAL_CLI: plain })).rejects.toThrow(
      `TEMPORAL_CLI is ${plain}, which is not executable.`,
    );
  });
});

test('a `temporal` on PATH comes before the tools folder', async () => {
  const { toolsDir, pathDir, lines, log } = setup();
  fakeTemporal(join(toolsDir, 'bin'));
  const onPath = fakeTemporal(pathDir);
  // An earlier PATH entry without one is passed over.
  const env = { PATH: `${tempDir('empty')}:${pathDir}` };
  expect(await ensureTemporalCli(toolsDir, log, env)).toBe(onPath);
  expect(lines).toEqual([`Temporal CLI: ${onPath} (found on PATH)`]);
});

test('the tools folder comes before building or downloading', async () => {
  const { toolsDir, pathDir, lines, log } = setup();
  fakeGo(pathDir, 'go1.26.0');
  const inTools = fakeTemporal(join(toolsDir, 'bin'));
  expect(await ensureTemporalCli(toolsDir, log, { PATH: pathDir })).toBe(inTools);
  expect(lines).toEqual([`Temporal CLI: ${inTools} (in the tools folder from an earlier start)`]);
  expect(existsSync(join(pathDir, 'go-install-args'))).toBe(false);
});

test('with Go ≥ 1.25 on PATH it is built with go install into the tools folder', async () => {
  const { toolsDir, pathDir, lines, log } = setup();
  fakeGo(pathDir, 'go1.25.3');
  const binary = join(toolsDir, 'bin', 'temporal');
  expect(await ensureTemporalCli(toolsDir, log, { PATH: pathDir })).toBe(binary);
  expect(readFileSync(join(pathDir, 'go-install-args'), 'utf8').trim()).toBe(
    'install -v github.com/temporalio/cli/cmd/temporal@v1.5.1',
  );
  expect(runs(binary)).toBe('temporal version 1.5.1 (built by a fake go)');
  expect(lines.at(-1)).toBe(`Temporal CLI: ${binary} (built with go1.25.3)`);
  expect(readdirSync(toolsDir)).toEqual(['bin']);
});

describe('download', () => {
  let server: Server;
  let baseUrl: string;
  let archive: Buffer;
  let status = 200;
  const infoQueries: URLSearchParams[] = [];

  /** A .tar.gz made by the system's tar, holding `temporal_cli/temporal` as a release would. */
  function releaseArchive(script: string): Buffer {
    const dir = tempDir('release');
    mkdirSync(join(dir, 'temporal_cli'));
    writeScript(join(dir, 'temporal_cli', 'temporal'), script);
    execFileSync('tar', ['-czf', join(dir, 'release.tar.gz'), '-C', dir, 'temporal_cli/temporal']);
    return readFileSync(join(dir, 'release.tar.gz'));
  }

  beforeAll(async () => {
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', baseUrl);
      if (status !== 200) return response.writeHead(status).end();
      if (url.pathname === '/cli/v1.5.1') {
        infoQueries.push(url.searchParams);
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end(
          JSON.stringify({
            archiveUrl: `${baseUrl}/assets/temporal_cli_1.5.1_linux_amd64.tar.gz`,
            fileToExtract: 'temporal_cli/temporal',
          }),
        );
      }
      if (url.pathname === '/assets/temporal_cli_1.5.1_linux_amd64.tar.gz')
        return response.writeHead(200).end(archive);
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    status = 200;
    archive = releaseArchive('echo "temporal version 1.5.1 (downloaded)"\n');
  });

  test('without Go the official release is downloaded, checked and put in the tools folder', async () => {
    const { toolsDir, pathDir, lines, log } = setup();
    const env = { PATH: pathDir, POSTFLOW_TEMPORAL_DOWNLOAD_URL: baseUrl };
    const binary = join(toolsDir, 'bin', 'temporal');
    expect(await ensureTemporalCli(toolsDir, log, env)).toBe(binary);
    expect(runs(binary)).toBe('temporal version 1.5.1 (downloaded)');
    expect(lines.at(-1)).toBe(`Temporal CLI: ${binary} (downloaded from ${baseUrl})`);
    expect(lines[0]).toContain('Go is not installed');
    expect(Object.fromEntries(infoQueries.at(-1)!)).toEqual({
      platform: 'linux',
      arch: process.arch === 'arm64' ? 'arm64' : 'amd64',
      format: 'tar.gz',
      'sdk-name': 'sdk-typescript',
      'sdk-version': expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    // The staging folder is gone.
    expect(readdirSync(toolsDir)).toEqual(['bin']);
  });

  test('a Go older than 1.25 is passed over for the download', async () => {
    const { toolsDir, pathDir, lines, log } = setup();
    fakeGo(pathDir, 'go1.22.5');
    const env = { PATH: pathDir, POSTFLOW_TEMPORAL_DOWNLOAD_URL: baseUrl };
    expect(await ensureTemporalCli(toolsDir, log, env)).toBe(join(toolsDir, 'bin', 'temporal'));
    expect(lines[0]).toContain('Go is go1.22.5, older than 1.25');
    expect(existsSync(join(pathDir, 'go-install-args'))).toBe(false);
  });

  /** The error every failed download ends in: what was tried, why it failed, and the ways out. */
  function expectWaysOut(message: string, toolsDir: string) {
    expect(message).toContain('No Temporal CLI: TEMPORAL_CLI is not set');
    expect(message).toContain('Go is not installed');
    expect(message).toContain('set TEMPORAL_CLI');
    expect(message).toContain('put a `temporal` on PATH');
    expect(message).toContain('install Go ≥ 1.25');
    expect(message).toContain('allow internet access to temporal.download');
    expect(existsSync(join(toolsDir, 'bin', 'temporal'))).toBe(false);
    expect(readdirSync(toolsDir)).toEqual([]);
  }

  test('a download service answering 404 gives the clear error', async () => {
    const { toolsDir, pathDir, log } = setup();
    status = 404;
    const error = await ensureTemporalCli(toolsDir, log, {
      PATH: pathDir,
      POSTFLOW_TEMPORAL_DOWNLOAD_URL: baseUrl,
    }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/\/cli\/v1\.5\.1\?\S+ answered 404 Not Found/);
    expectWaysOut((error as Error).message, toolsDir);
  });

  test('an unreachable download service gives the clear error', async () => {
    const { toolsDir, pathDir, log } = setup();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await ensureTemporalCli(toolsDir, log, {
      PATH: pathDir,
      POSTFLOW_TEMPORAL_DOWNLOAD_URL: `http://127.0.0.1:${port}`,
    }).catch((e: Error) => e);
    expect((error as Error).message).toContain('could not be reached (ECONNREFUSED)');
    expectWaysOut((error as Error).message, toolsDir);
  });

  test('a downloaded binary that does not run is not installed', async () => {
    const { toolsDir, pathDir, log } = setup();
    archive = releaseArchive('echo "broken" >&2\nexit 3\n');
    const error = await ensureTemporalCli(toolsDir, log, {
      PATH: pathDir,
      POSTFLOW_TEMPORAL_DOWNLOAD_URL: baseUrl,
    }).catch((e: Error) => e);
    expect((error as Error).message).toContain('the downloaded Temporal CLI does not run (exit 3): broken');
    expectWaysOut((error as Error).message, toolsDir);
  });
});
