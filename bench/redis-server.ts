/**
 * A private redis-server for the redis benchmark: on 127.0.0.1 at a free port, nothing written to disk
 * (`--save '' --appendonly no`, `--dir` a fresh temporary directory), stopped by `stop()`, and stopped
 * anyway if this process dies without calling it (even by SIGKILL, the harness's timeout): a small
 * `sh` guard beside it waits for its stdin, a pipe from this process, to close, then kills the server
 * and removes the directory.
 *
 * The binary is `$GENSTREAM_REDIS_SERVER` when set, else `redis-server` on PATH. `findRedisServer()`
 * returns a string saying why there is none: the benchmark's cases return it from `setup` to be
 * reported as skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** The redis-server binary to start, or why there is none. */
export function findRedisServer(): { bin: string } | string {
  const env = process.env.GENSTREAM_REDIS_SERVER;
  if (env !== undefined && env !== '') {
    return isExecutable(env) ? { bin: env } : `GENSTREAM_REDIS_SERVER=${env} is not an executable file`;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const bin = path.join(dir, 'redis-server');
    if (isExecutable(bin)) return { bin };
  }
  return 'no redis-server: set GENSTREAM_REDIS_SERVER to its path or put redis-server on PATH (Debian: apt-get install redis-server)';
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A TCP port nobody listens on right now (the server may still lose a race for it: then we retry). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once the server answers PING on `port`; rejects when `exited` settles first or after `ms`. */
async function waitForPong(port: number, exited: Promise<string>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let gone: string | null = null;
  void exited.then((why) => (gone = why));
  while (gone === null) {
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within ${ms} ms`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      let reply = '';
      sock.setEncoding('utf8');
      sock.on('connect', () => sock.write('PING\r\n'));
      sock.on('data', (s: string) => {
        reply += s;
        if (reply.includes('\r\n')) {
          sock.destroy();
          resolve(reply.startsWith('+PONG'));
        }
      });
      sock.on('error', () => resolve(false));
      sock.setTimeout(1000, () => {
        sock.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(gone);
}

/** Starts a private redis-server (see the header). Retries on another port if it loses the race for one. */
export async function startRedisServer(bin: string): Promise<RedisServer> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(bin);
    } catch (err) {
      last = err;
      if (!/Address already in use/i.test(String((err as Error).message))) break;
    }
  }
  throw last;
}

async function startOnce(bin: string): Promise<RedisServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genstream-redis-'));
  const server = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (s: string): void => {
    output = (output + s).slice(-4000);
  };
  server.stdout.setEncoding('utf8').on('data', keep);
  server.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise<string>((resolve) => {
    server.on('error', (err) => resolve(`could not start ${bin}: ${err.message}`));
    server.on('exit', (code, signal) => resolve(`${bin} exited (${code ?? signal}) on port ${port}: ${output.trim().split('\n').slice(-3).join(' | ')}`));
  });
  // The guard: when this process's end of the pipe closes (we stopped the server, or died), it kills the
  // server and removes the directory. It is killed first on a normal stop, so it never signals a reused pid.
  let guard: ChildProcess | null = null;
  if (server.pid !== undefined) {
    guard = spawn('sh', ['-c', 'read _ ; kill "$1" 2>/dev/null; rm -rf "$2"', 'sh', String(server.pid), dir], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    guard.on('error', () => {}); // no sh: the 'exit' hook and stop() still stop the server
  }
  const killGuard = (): void => {
    if (guard !== null && guard.exitCode === null) guard.kill('SIGKILL');
  };
  void exited.then(killGuard);
  const onExit = (): void => {
    killGuard();
    server.kill('SIGKILL');
  };
  process.once('exit', onExit);
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      process.removeListener('exit', onExit);
      killGuard();
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGTERM');
        const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    })());
  try {
    await waitForPong(port, exited, 10_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}
