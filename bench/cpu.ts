import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux everywhere this runs). */
const TICKS_PER_S = 100;

/** The fields of /proc/<pid>/stat after the command name, so field N of proc(5) is `[N - 3]`. */
async function statFields(pid: number): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
}

/** CPU seconds a process has used (user + system), from /proc. */
export async function cpuSeconds(pid: number): Promise<number> {
  const f = await statFields(pid);
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
}

/**
 * CPU seconds a PostgreSQL server has used: the postmaster, its live processes (one backend per
 * connection, the checkpointer, WAL writer, autovacuum…) and those that have exited (the
 * postmaster reaps them, so their time is in its children's counters). A backend that exits
 * between the two reads is missed by that sample; Temporal keeps its connections pooled, so few do.
 */
export async function postgresCpuSeconds(dataDir: string): Promise<number> {
  const postmaster = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = await statFields(Number(entry)).catch(() => undefined);
    if (fields && Number(fields[1]) === postmaster) children.push(Number(entry));
  }
  const own = await statFields(postmaster);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const pid of children) {
    const fields = await statFields(pid).catch(() => undefined);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_S;
}
