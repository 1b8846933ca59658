/**
 * Part of the postgres-copy example (run it with `npx tsx examples/postgres-copy.ts`): starts a
 * throwaway PostgreSQL server when no GENSTREAM_PG_URL / DATABASE_URL is given. `initdb` makes a new
 * cluster in a temporary directory (trust auth for the `postgres` role, no fsync), and `postgres` listens
 * on 127.0.0.1 at a free port with its unix socket in that directory; `stop()` shuts it down (fast mode)
 * and removes the directory. If this process dies first (even by SIGKILL), a small `sh` guard waiting on
 * a pipe from it stops the server and removes the directory.
 *
 * The binaries come from $GENSTREAM_PG_BIN (a directory holding initdb and postgres), else Debian's
 * /usr/lib/postgresql/<version>/bin (the newest; `apt-get install postgresql` puts them there, not on
 * PATH), else PATH. initdb and postgres refuse to run as root: as root they run as the `postgres` OS user
 * (which the Debian package creates) through `setpriv`.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  /** The server's version, as `postgres --version` prints it (`15.8`). */
  version: string;
  /** Shuts the server down (fast: open sessions are ended) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const has = (dir: string): boolean => executable(join(dir, 'initdb')) && executable(join(dir, 'postgres'));

/** The directory holding `initdb` and `postgres`, or `null` when there is none ($GENSTREAM_PG_BIN, when set, is the only one tried). */
export function findPostgresBin(): string | null {
  const fromEnv = process.env.GENSTREAM_PG_BIN;
  if (fromEnv) return has(fromEnv) ? fromEnv : null;
  let versions: string[] = [];
  try {
    versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v));
  } catch {
    // not Debian's layout
  }
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (has(dir)) return dir;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && has(dir)) return dir;
  }
  return null;
}

/** The uid/gid to run the server as: ours, or the `postgres` OS user's when we are root (`null`: none). */
function serverUser(): { uid: number; gid: number; asRoot: boolean } | null {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? -1, asRoot: false };
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g'), asRoot: true };
  } catch {
    return null;
  }
}

/** Why no private server can be started here, or `null` when one can. */
export function postgresUnavailable(): string | null {
  const bin = findPostgresBin();
  if (bin === null && process.env.GENSTREAM_PG_BIN) return `GENSTREAM_PG_BIN=${process.env.GENSTREAM_PG_BIN} holds no initdb and postgres`;
  if (bin === null) return 'no PostgreSQL server binaries (initdb, postgres): install them (Debian: apt-get install postgresql) or set GENSTREAM_PG_BIN';
  if (serverUser() === null) return 'running as root and there is no `postgres` OS user to run initdb/postgres as (they refuse root)';
  if (process.getuid?.() === 0 && !executable('/usr/bin/setpriv') && !executable('/bin/setpriv')) return 'running as root and `setpriv` (util-linux) is missing';
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

/** Whether every directory above `dir` can be entered by `uid`/`gid` (the server must reach its data). */
function reachable(dir: string, uid: number, gid: number): boolean {
  for (let d = dir; ; d = dirname(d)) {
    const st = statSync(d);
    const bit = st.uid === uid ? 0o100 : st.gid === gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

/** Starts a private server; rejects with the reason (and initdb's or the server's last lines) if it cannot. */
export async function startPostgresServer(): Promise<PrivatePostgres> {
  const why = postgresUnavailable();
  if (why !== null) throw new Error(why);
  const bin = findPostgresBin()!;
  const user = serverUser()!;
  // As root, the server runs as `postgres`: its directory must be reachable by that user. A private
  // TMPDIR (mode 0700, such as a test's) is not, so the directory then goes to /tmp (mode 1777).
  const base = user.asRoot && !reachable(tmpdir(), user.uid, user.gid) ? '/tmp' : tmpdir();
  const dir = mkdtempSync(join(base, 'genstream-example-pg-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'socket');
  mkdirSync(socket);
  if (user.asRoot) {
    chownSync(dir, user.uid, user.gid);
    chownSync(socket, user.uid, user.gid);
  }
  chmodSync(dir, 0o700);
  const as = (cmd: string, args: string[]): [string, string[]] =>
    user.asRoot ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];

  let version = '';
  try {
    version = (await exec(join(bin, 'postgres'), ['--version'])).stdout.trim().split(' ')[2] ?? '';
    // --no-sync and fsync=off: a throwaway cluster needs no durability, and both make it much faster.
    await exec(...as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync']), { timeout: 60_000 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as Error & { stderr?: string };
    throw new Error(`initdb failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ')}`);
  }

  const port = await freePort();
  const serverArgs = ['-D', data, '-k', socket, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  // setpriv execs the server: the pid is the postmaster's, so signals reach it directly.
  const server = spawn(...as('postgres', serverArgs), { stdio: ['ignore', 'pipe', 'pipe'] });
  // The guard: on EOF (this process ended) a fast shutdown, then SIGKILL after 10 s, then the directory goes.
  const guardScript = 'read _ ; kill -INT "$1" 2>/dev/null; i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL "$1" 2>/dev/null; rm -rf "$2"';
  const guard = spawn('sh', ['-c', guardScript, 'sh', String(server.pid), dir], { stdio: ['pipe', 'ignore', 'ignore'] });
  guard.on('error', () => {}); // no sh: stop() and the 'exit' hook below still stop the server
  const exited = new Promise<void>((resolve) => {
    server.once('close', () => resolve());
    server.once('error', () => resolve()); // could not be started at all
  });
  void exited.then(() => guard.kill('SIGKILL')); // never let the guard signal a pid that was reused
  // SIGQUIT: immediate shutdown, the server's own backends included (an 'exit' hook cannot wait).
  const onExit = (): void => void server.kill('SIGQUIT');
  process.once('exit', onExit);
  let stopping: Promise<void> | null = null;
  // The guard stays until the server has exited (the `exited` hook above kills it): if this process
  // dies while stopping, the guard still finishes the job.
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      process.removeListener('exit', onExit);
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGINT'); // fast shutdown: ends open sessions, writes a shutdown checkpoint
        const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    })());

  // Ready once it says so; its last lines explain a failure.
  let log = '';
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 30_000);
    const onData = (s: string): void => {
      log = (log + s).slice(-4000);
      if (log.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    server.stdout.setEncoding('utf8').on('data', onData);
    server.stderr.setEncoding('utf8').on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ready) {
    await stop();
    throw new Error(`postgres did not start on port ${port}: ${log.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, version, stop };
}
