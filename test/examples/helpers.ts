/**
 * Runs an example the way its header says (`npx tsx examples/<file> [args]`) in a child process, with
 * TMPDIR pointing at a directory this test file owns (removed after it), and returns its output.
 * A non-zero exit rejects with the child's stdout and stderr in the error, so a failing example shows
 * what it printed. A child still running when its file's tests end (a test that timed out) is stopped
 * then, and any run is stopped after `timeoutMs`.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const tsx = join('node_modules', '.bin', 'tsx');
const running = new Set<ChildProcess>();

export interface ExampleOutput {
  stdout: string;
  stderr: string;
}

/** A temp dir for this test file's examples (their TMPDIR), removed after the file's tests. */
export function exampleTmpDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'genstream-examples-'));
  afterAll(() => {
    for (const child of running) child.kill('SIGTERM'); // tsx passes it on to the example
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** `tsx examples/<file> ...args`, with `env` added to (or, where a value is undefined, removed from) the environment. */
export function runExample(
  file: string,
  args: readonly string[],
  tmp: string,
  env: Record<string, string | undefined> = {},
  timeoutMs = 90_000,
): Promise<ExampleOutput> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = execFile(tsx, [join('examples', file), ...args], { env: childEnv, maxBuffer: 16 * 1024 * 1024, timeout: timeoutMs }, (err, stdout, stderr) => {
      running.delete(child);
      if (err === null) resolve({ stdout, stderr });
      else {
        err.message += `${err.killed ? ` (stopped after ${timeoutMs} ms)` : ''}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
        reject(err);
      }
    });
    running.add(child);
  });
}
