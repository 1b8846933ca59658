/**
 * Runs an example the way its header says (`npx tsx examples/<file> [args]`) in a child process, with
 * TMPDIR pointing at a directory this test file owns (removed after it), and returns its output.
 * A non-zero exit rejects with the child's stdout and stderr in the error, so a failing example shows
 * what it printed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';

const exec = promisify(execFile);
const tsx = join('node_modules', '.bin', 'tsx');

export interface ExampleOutput {
  stdout: string;
  stderr: string;
}

/** A temp dir for this test file's examples (their TMPDIR), removed after the file's tests. */
export function exampleTmpDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'genstream-examples-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `tsx examples/<file> ...args`, with `env` added to (or, where a value is undefined, removed from) the environment. */
export async function runExample(file: string, args: readonly string[], tmp: string, env: Record<string, string | undefined> = {}): Promise<ExampleOutput> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  try {
    const { stdout, stderr } = await exec(tsx, [join('examples', file), ...args], { env: childEnv, maxBuffer: 16 * 1024 * 1024 });
    return { stdout, stderr };
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    e.message += `\n--- stdout\n${e.stdout ?? ''}\n--- stderr\n${e.stderr ?? ''}`;
    throw e;
  }
}
