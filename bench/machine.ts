import { execFileSync } from 'node:child_process';
import { cpus, totalmem, release } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../runtime/config';

/** What the figures were measured on: they mean nothing without it. */
export function describeMachine(temporalCli: string) {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    temporal_sdk: pkg.dependencies['@temporalio/worker'],
    temporal_server: execFileSync(temporalCli, ['--version'], { encoding: 'utf8' }).trim(),
    temporal_backend: 'dev server, SQLite file (WAL, synchronous=normal), 1 history shard',
  };
}
