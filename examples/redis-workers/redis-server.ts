/**
 * Part of the redis-workers example (run it with `npx tsx examples/redis-workers/main.ts`): starts a
 * throwaway redis-server for the example when no REDIS_URL is given. It listens on 127.0.0.1 at a free
 * port, writes nothing to disk (`--save '' --appendonly no`, `--dir` a temporary directory) and is stopped
 * by `stop()`; if this process dies first (even by SIGKILL), a small `sh` guard waiting on a pipe from it
 * kills the server and removes the directory. The binary is $GENSTREAM_REDIS_SERVER, else `redis-server`
 * on PATH.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
}

/** The redis-server binary, or `null` when there is none. */
export function findRedisServer(): string | null {
  const fromEnv = process.env.GENSTREAM_REDIS_SERVER;
  if (fromEnv) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      if (dir === '') continue;
      accessSync(join(dir, 'redis-server'), constants.X_OK);
      return join(dir, 'redis-server');
    } catch {
      // not in this directory
    }
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function startRedisServer(): Promise<PrivateRedis> {
  const bin = findRedisServer();
  if (bin === null) throw new Error('no redis-server: set REDIS_URL, or GENSTREAM_REDIS_SERVER to its path, or put redis-server on PATH');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'genstream-example-redis-'));
  const server = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const guard = spawn('sh', ['-c', 'read _ ; kill "$1" 2>/dev/null; rm -rf "$2"', 'sh', String(server.pid), dir], { stdio: ['pipe', 'ignore', 'ignore'] });
  guard.on('error', () => {}); // no sh: stop() and the 'exit' hook below still stop the server
  const exited = new Promise<void>((resolve) => {
    server.once('close', () => resolve());
    server.once('error', () => resolve()); // could not be started at all
  });
  void exited.then(() => guard.kill('SIGKILL')); // never let the guard signal a pid that was reused
  const onExit = (): void => void server.kill('SIGKILL');
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    guard.kill('SIGKILL');
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready once it says so (Redis 6 and 7 both log this line); its last lines explain a failure.
  let log = '';
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    const onData = (s: string): void => {
      log = (log + s).slice(-2000);
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    server.stdout.setEncoding('utf8').on('data', onData);
    server.stderr.setEncoding('utf8').on('data', onData);
    void exited.then(() => resolve(false));
  });
  if (!ready) {
    await stop();
    throw new Error(`${bin} did not start on port ${port}: ${log.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}
