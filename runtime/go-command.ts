import { spawn } from 'node:child_process';

/**
 * Runs a `go build -v` / `go install -v` that may take minutes, printing progress every 15 s
 * (modules downloaded, packages built). Resolves with the exit code and the last lines of output,
 * for the error message of a failed build.
 */
export async function runGoWithProgress(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<{ code: number | null; tail: string[] }> {
  const started = Date.now();
  let packages = 0;
  let downloads = 0;
  const tail: string[] = [];
  const child = spawn('go', args, {
    cwd: options.cwd,
    env: {
      ...process.env,
      ...options.env,
      GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim(),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      if (line.startsWith('go: downloading')) downloads++;
      else packages++;
      tail.push(line);
      if (tail.length > 20) tail.shift();
    }
  });
  const progress = setInterval(() => {
    options.log(
      `  … ${Math.round((Date.now() - started) / 1000)} s: ${downloads} modules downloaded, ${packages} packages built`,
    );
  }, 15_000);
  const code = await new Promise<number | null>((done, fail) =>
    child.on('error', fail).on('close', done),
  ).finally(() => clearInterval(progress));
  return { code, tail };
}
