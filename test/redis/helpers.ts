/**
 * A real Redis for the genstream/redis tests.
 *
 * `useRedis()` (called once at the top of a test file) picks the server for the file:
 *   1. env `GENSTREAM_REDIS_URL` (CI starts one): used as it is;
 *   2. else a private `redis-server` (env `GENSTREAM_REDIS_SERVER`, or `redis-server` on PATH) started for
 *      the file on 127.0.0.1 and a free port, without persistence, in a temporary directory; stopped and
 *      its directory removed in afterAll, whether the tests passed or not;
 *   3. else none: `redis.available` is false and `redis.skipTag` says why, for the describe() name (CI
 *      fails a skipped test unless a name above it carries "[skip-reason: ...]"). `skipTag` is `""` when
 *      Redis is there, so a name never claims a skip that did not happen:
 *      `redis.describe('fromRedisStream', ...)` is `describe.skipIf(!redis.available)(\`fromRedisStream${redis.skipTag}\`, ...)`.
 * Each test gets its own key prefix (`redis.key('jobs')`), so tests never share a stream, and
 * `redis.client()` makes ioredis clients that are all quit after the test.
 *
 * `privateRedis()` starts a server of the test's own that it can stop and start again (a Redis restart
 * without persistence); it is stopped after the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, vi } from 'vitest';

/** The `redis-server` binary to start: env `GENSTREAM_REDIS_SERVER`, else the first on PATH, else `null`. */
function findServer(): string | null {
  const fromEnv = process.env.GENSTREAM_REDIS_SERVER;
  if (fromEnv) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const SERVER = findServer();

/** Whether a private server can be started, and if not why: for `it.skipIf(...)` and its name. */
export const redisServer = {
  available: SERVER !== null,
  /** `" [skip-reason: ...]"` when no server binary can be found, `""` otherwise. */
  skipTag: SERVER === null ? ' [skip-reason: no redis-server binary: set GENSTREAM_REDIS_SERVER or put redis-server on PATH]' : '',
};

/** A free TCP port on 127.0.0.1 (free a moment ago: the caller retries if it was taken meanwhile). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Servers still running, killed if the test process exits without its afterAll (a crash, a kill). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * One redis-server process of the tests, without persistence, in a temporary directory of its own.
 * `start()` and `stop()` may alternate (a restart keeps the port and loses every key); `close()`
 * stops it for good and removes the directory.
 */
export class RedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'genstream-redis-'));
  port = 0;
  private child: ChildProcess | null = null;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts the server (on a free port the first time, on the same port after a `stop()`); resolves once it accepts connections. */
  async start(): Promise<void> {
    if (SERVER === null) throw new Error('no redis-server binary (set GENSTREAM_REDIS_SERVER or put redis-server on PATH)');
    if (this.child !== null) return;
    for (let attempt = 1; ; attempt++) {
      const port = this.port || (await freePort());
      try {
        await this.spawn(port);
        this.port = port;
        return;
      } catch (err) {
        if (attempt >= 3 || this.port !== 0) throw err; // a fresh port may have been taken meanwhile: try another
      }
    }
  }

  private spawn(port: number): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--loglevel', 'notice'];
    const child = spawn(SERVER!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    return new Promise((resolve, reject) => {
      let log = '';
      const onData = (chunk: Buffer): void => {
        log += chunk.toString();
        if (/Ready to accept connections/.test(log)) {
          child.stdout!.off('data', onData);
          child.stdout!.resume(); // keep draining its log
          child.off('exit', onExit);
          this.child = child;
          child.once('exit', () => {
            running.delete(child);
            if (this.child === child) this.child = null;
          });
          resolve();
        }
      };
      const onExit = (code: number | null, signal: string | null): void => {
        running.delete(child);
        reject(new Error(`redis-server on port ${port} exited (${code ?? signal}) before it was ready:\n${log}`));
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
      child.once('exit', onExit);
      child.once('error', reject);
    });
  }

  /** Stops the server (SIGTERM, no persistence: every key is gone) and resolves once it has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(killer);
  }

  /** Stops it and removes its directory. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Clients made for one test, quit after it. */
class Clients {
  private readonly made: Redis[] = [];

  make(url: string, options: RedisOptions = {}): Redis {
    const client = new Redis(url, { connectionName: 'genstream-test', ...options });
    client.on('error', noop); // a stopped server is expected in some tests; the commands report it
    this.made.push(client);
    return client;
  }

  async quitAll(): Promise<void> {
    const all = this.made.splice(0);
    await Promise.all(all.map(quit));
  }
}

/** Quits a client politely if it is connected (QUIT waits for its replies), else disconnects it. */
async function quit(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    await Promise.race([client.quit().catch(noop), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  }
  client.disconnect();
}

function noop(): void {}

export interface RedisForTests {
  /** A Redis is there for this file. */
  readonly available: boolean;
  /** Why not (`""` when available). */
  readonly reason: string;
  /** `" [skip-reason: <reason>]"` when unavailable, `""` when available: append it to the describe() name. */
  readonly skipTag: string;
  /** Where it is (set once the file's beforeAll ran). */
  readonly url: string;
  /** A key of the running test only: `redis.key('jobs')` → `gs:<run>:<test>:jobs`. */
  key(name: string): string;
  /** A new ioredis client of the file's server (or of `url`), quit after the test. */
  client(options?: RedisOptions & { url?: string }): Redis;
  /** `describe.skipIf(!available)(name + skipTag, fn)`. */
  describe(name: string, fn: () => void): void;
}

/** Sets up the Redis of the calling test file (see the top of this file). Call it once, at the top level. */
export function useRedis(): RedisForTests {
  const fromEnv = process.env.GENSTREAM_REDIS_URL || '';
  const available = fromEnv !== '' || SERVER !== null;
  const reason = available ? '' : 'no Redis: GENSTREAM_REDIS_URL is not set and no redis-server binary is on PATH (or in GENSTREAM_REDIS_SERVER)';
  const run = `gs:${process.pid}:${randomUUID().slice(0, 8)}`;
  let server: RedisServer | null = null;
  let url = fromEnv;
  let testNo = 0;
  let admin: Redis | null = null;
  const clients = new Clients();

  beforeAll(async () => {
    if (!available || fromEnv !== '') return;
    server = new RedisServer();
    await server.start();
    url = server.url;
  });
  afterAll(async () => {
    try {
      if (admin !== null) await quit(admin);
    } finally {
      await server?.close();
    }
  });
  beforeEach(() => {
    testNo++;
  });
  afterEach(async () => {
    await clients.quitAll();
    await servers.closeAll();
    if (!available) return;
    // A shared Redis (CI) stays clean: this test's keys go.
    if (admin === null) {
      admin = new Redis(url, { connectionName: 'genstream-test-admin' });
      admin.on('error', noop);
    }
    await deleteKeys(admin, `${run}:${testNo}:*`).catch(noop);
  });

  const skipTag = available ? '' : ` [skip-reason: ${reason}]`;
  return {
    available,
    reason,
    skipTag,
    get url() {
      return url;
    },
    key: (name) => `${run}:${testNo}:${name}`,
    client: ({ url: other, ...options } = {}) => clients.make(other ?? url, options),
    describe: (name, fn) => describe.skipIf(!available)(`${name}${skipTag}`, fn),
  };
}

async function deleteKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = (await client.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)) as [string, string[]];
    cursor = next;
    if (keys.length > 0) await client.call('UNLINK', ...keys);
  } while (cursor !== '0');
}

/** The private servers started by the running test, closed after it. */
const servers = {
  live: [] as RedisServer[],
  async closeAll(): Promise<void> {
    await Promise.all(this.live.splice(0).map((s) => s.close()));
  },
};

/**
 * A redis-server of the running test alone, started (call `stop()`/`start()` to restart it, losing
 * every key); closed after the test (by the afterEach of `useRedis()`, which the file must call).
 * Needs `redisServer.available`.
 */
export async function privateRedis(): Promise<RedisServer> {
  const server = new RedisServer();
  servers.live.push(server);
  await server.start();
  return server;
}

/** Waits until the async `condition()` holds; the timeout (5 s by default) is only a hang guard. */
export function untilAsync(condition: () => Promise<boolean>, timeout = 5000): Promise<void> {
  return vi.waitFor(
    async () => {
      if (!(await condition())) throw new Error('condition not met yet');
    },
    { timeout, interval: 5 },
  );
}

/** Settles with `promise`, or rejects once `ms` have passed: a hang guard. */
export function within<T>(promise: Promise<T>, ms: number, what = 'the operation'): Promise<T> {
  let timer: NodeJS.Timeout;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang guard: ${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

/** Redis facts the tests assert on. */
export const facts = {
  /** XPENDING summary: how many entries of the group are delivered and not acked. */
  async pending(client: Redis, stream: string, group: string): Promise<number> {
    const [count] = (await client.call('XPENDING', stream, group)) as [number];
    return Number(count);
  },
  /** The ids pending in the group, with their consumer and delivery count. */
  async pendingEntries(client: Redis, stream: string, group: string): Promise<{ id: string; consumer: string; deliveries: number }[]> {
    const rows = (await client.call('XPENDING', stream, group, '-', '+', 1_000_000)) as [string, string, number, number][];
    return rows.map(([id, consumer, , deliveries]) => ({ id, consumer, deliveries: Number(deliveries) }));
  },
  /** XINFO GROUPS of one group as an object (`pending`, `entries-read`, `lag`, ...). */
  async group(client: Redis, stream: string, group: string): Promise<Record<string, unknown>> {
    const groups = (await client.call('XINFO', 'GROUPS', stream)) as unknown[][];
    for (const flat of groups) {
      const info: Record<string, unknown> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) info[String(flat[i])] = flat[i + 1];
      if (info.name === group) return info;
    }
    throw new Error(`no group ${group} on ${stream}`);
  },
  /** Every entry of a stream (XRANGE - +), as `{ id, fields }`. */
  async entries(client: Redis, stream: string): Promise<{ id: string; fields: Record<string, string> }[]> {
    const rows = (await client.call('XRANGE', stream, '-', '+')) as [string, string[]][];
    return rows.map(([id, flat]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      return { id, fields };
    });
  },
  async xlen(client: Redis, stream: string): Promise<number> {
    return Number(await client.call('XLEN', stream));
  },
  /** How many connections with this client name are blocked in a command (CLIENT LIST flag `b`). */
  async blockedConnectionsNamed(client: Redis, name: string): Promise<number> {
    const list = String(await client.call('CLIENT', 'LIST'));
    return list.split('\n').filter((line) => line.includes(` name=${name} `) && /\bflags=\w*b/.test(line)).length;
  },
  /** How many connections the server has with this client name (CLIENT LIST). */
  async connectionsNamed(client: Redis, name: string): Promise<number> {
    const list = String(await client.call('CLIENT', 'LIST'));
    return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
  },
};

/** Adds `n` entries `{ n: i, ... }` to `stream` in pipelines of 1000; their ids in order. */
export async function produce(client: Redis, stream: string, n: number, extra: (i: number) => Record<string, string> = () => ({})): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < n; start += 1000) {
    const p = client.pipeline();
    for (let i = start; i < Math.min(n, start + 1000); i++) p.call('XADD', stream, '*', 'n', String(i), ...Object.entries(extra(i)).flat());
    const results = (await p.exec()) ?? [];
    for (const [err, id] of results) {
      if (err) throw err;
      ids.push(String(id));
    }
  }
  return ids;
}
