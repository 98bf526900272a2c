import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../runtime/config';
import { freePort } from './ports';
import { type N8nInstall, n8nInstall } from './tools';

/**
 * A real n8n (`N8N_VERSION`, on the Node it needs) with its own user folder, where n8n-nodes-postflow is installed
 * the way users install community packages: the packed tarball, unpacked into .n8n/nodes.
 */
export class N8n {
  readonly home = mkdtempSync(join(tmpdir(), 'postflow-n8n-'));
  port = 0;
  private install: N8nInstall = { node: '', binary: '' };
  private server?: ChildProcess;
  private readonly output: string[] = [];
  /** The REST session of the owner this helper signs up: n8n's auth cookie is bound to a browser id. */
  private readonly browserId = randomUUID();
  private authCookie = '';

  async setUp(): Promise<this> {
    this.install = await n8nInstall();
    this.port = await freePort();
    this.brokerPort = await freePort();
    this.installPackage();
    return this;
  }

  private brokerPort = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      // Jest sets NODE_ENV=test, which silences n8n's CLI output entirely.
      NODE_ENV: 'production',
      N8N_USER_FOLDER: this.home,
      N8N_PORT: String(this.port),
      N8N_LISTEN_ADDRESS: '127.0.0.1',
      // 2.8.4 reads WEBHOOK_URL; newer n8n deprecates it for N8N_WEBHOOK_URL.
      WEBHOOK_URL: `${this.url}/`,
      N8N_WEBHOOK_URL: `${this.url}/`,
      N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
      N8N_DIAGNOSTICS_ENABLED: 'false',
      N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
      N8N_TEMPLATES_ENABLED: 'false',
      N8N_PERSONALIZATION_ENABLED: 'false',
      N8N_SECURE_COOKIE: 'false',
      N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
      N8N_LOG_LEVEL: 'info',
    };
  }

  /** `npm pack` of nodes/ (built by `npm run nodes:check`), unpacked where n8n loads packages from. */
  private installPackage(): void {
    const packed = mkdtempSync(join(tmpdir(), 'postflow-pack-'));
    const pack = spawnSync('npm', ['pack', '--pack-destination', packed], {
      cwd: join(projectRoot(), 'nodes'),
      encoding: 'utf8',
    });
    if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
    const tarball = readdirSync(packed).find((f) => f.endsWith('.tgz'))!;
    const modules = join(this.home, '.n8n', 'nodes', 'node_modules');
    mkdirSync(modules, { recursive: true });
    const untar = spawnSync('tar', ['-xzf', join(packed, tarball), '-C', packed]);
    if (untar.status !== 0) throw new Error('could not unpack the package');
    renameSync(join(packed, 'package'), join(modules, 'n8n-nodes-postflow'));
  }

  /** Runs an n8n CLI command to completion; its output. */
  cli(...args: string[]): { status: number | null; output: string } {
    const run = spawnSync(this.install.node, [this.install.binary, ...args], {
      env: this.env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
  }

  importCredential(credential: { id: string; name: string; type: string; data: object }): void {
    const file = join(this.home, `credential-${credential.id}.json`);
    writeFileSync(file, JSON.stringify([credential]));
    const run = this.cli('import:credentials', `--input=${file}`);
    if (run.status !== 0) throw new Error(`import:credentials failed:\n${run.output}`);
  }

  importWorkflow(workflow: { id: string; [field: string]: unknown }): void {
    const file = join(this.home, `workflow-${workflow.id}.json`);
    writeFileSync(file, JSON.stringify(workflow));
    const run = this.cli('import:workflow', `--input=${file}`);
    if (run.status !== 0) throw new Error(`import:workflow failed:\n${run.output}`);
  }

  /**
   * Executes a workflow headlessly (`n8n execute --id`) and returns the run data. n8n prints log
   * lines before the JSON, and may crash after printing a complete result (seen on some
   * versions), so the result is judged by what it printed.
   */
  execute(id: string): {
    status: string;
    nodes: Record<string, Array<{ json: any }>>;
    error?: string;
    output: string;
  } {
    const run = this.cli('execute', `--id=${id}`, '--rawOutput');
    const start = run.output.indexOf('{');
    if (start < 0) throw new Error(`n8n execute printed no result:\n${run.output}`);
    const result = JSON.parse(run.output.slice(start, run.output.lastIndexOf('}') + 1));
    const runData = result.data?.resultData?.runData ?? {};
    const nodes = Object.fromEntries(
      Object.entries(runData).map(([name, runs]) => [name, (runs as any[])[0]?.data?.main?.[0] ?? []]),
    );
    return {
      status: result.status,
      nodes,
      error: result.data?.resultData?.error?.message,
      output: run.output,
    };
  }

  /**
   * Starts `n8n start`; resolves once the editor is up. Active workflows register their webhooks
   * after that (about half a second later on 2.41): wait for them with `waitForWebhook`.
   */
  async start(): Promise<void> {
    const child = spawn(this.install.node, [this.install.binary, 'start'], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.server = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`n8n did not start:\n${this.logs()}`)), 120_000);
      const onData = (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          this.output.push(line);
          if (this.output.length > 300) this.output.shift();
          if (/Editor is now accessible/.test(line)) {
            clearTimeout(timer);
            resolve();
          }
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`n8n exited with ${code}:\n${this.logs()}`));
      });
    });
  }

  /**
   * Resolves once n8n serves the production webhook at `path` (for `method`). A GET probes it
   * without running anything: n8n answers 404 either way, naming the methods it has for a
   * registered path and saying "not registered" otherwise.
   */
  async waitForWebhook(path: string, method = 'POST', timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await fetch(`${this.url}/webhook/${path}`);
      const text = await answer.text();
      if (text.includes(`make a ${method} request`)) return;
      if (Date.now() > deadline) throw new Error(`n8n did not register webhook ${path}: ${text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Signs up the instance owner over n8n's REST API (as the setup page does) and keeps the session. */
  async setUpOwner(): Promise<void> {
    const answer = await fetch(`${this.url}/rest/owner/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'browser-id': this.browserId },
      body: JSON.stringify({
        email: 'owner@postflow.test',
        firstName: 'Post',
        lastName: 'Flow',
        password: `Pf-${randomUUID()}`,
      }),
    });
    if (answer.status !== 200) throw new Error(`owner setup failed: ${answer.status} ${await answer.text()}`);
    const cookie = answer.headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
    if (!cookie) throw new Error('owner setup set no n8n-auth cookie');
    this.authCookie = cookie.split(';')[0];
  }

  /** A call to n8n's REST API as the owner (`setUpOwner` first); its status and parsed body. */
  async rest(method: string, path: string, body?: object): Promise<{ status: number; body: any }> {
    const answer = await fetch(`${this.url}/rest${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'browser-id': this.browserId,
        cookie: this.authCookie,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.text();
    return { status: answer.status, body: text ? JSON.parse(text) : undefined };
  }

  logs(): string {
    return this.output.join('\n');
  }

  async stop(): Promise<void> {
    const child = this.server;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
