/**
 * The published bundles, built by tsup as `npm run build` does (into a temp dir): error names survive
 * bundling, and errors thrown by the CommonJS copy are recognised by the ESM copy's classes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledError, thrown } from './helpers.js';

type Genstream = typeof import('../lib/index.js');
type Workers = typeof import('../lib/workers/index.js');
type RedisStreams = typeof import('../lib/redis/index.js');

describe('the built ESM and CJS bundles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'genstream-dist-'));
  let esm: Genstream;
  let cjs: Genstream;
  let esmWorkers: Workers;
  let cjsWorkers: Workers;
  let esmRedis: RedisStreams;
  let cjsRedis: RedisStreams;

  beforeAll(async () => {
    await build({
      entry: { index: 'lib/index.ts', 'workers/index': 'lib/workers/index.ts', 'redis/index': 'lib/redis/index.ts' },
      format: ['esm', 'cjs'],
      outDir: dir,
      target: 'node20',
      tsconfig: 'tsconfig.build.json',
      dts: false,
      silent: true,
      config: false,
      treeshake: false,
    });
    cjs = createRequire(import.meta.url)(join(dir, 'index.cjs')) as Genstream;
    esm = (await import(pathToFileURL(join(dir, 'index.js')).href)) as Genstream;
    cjsWorkers = createRequire(import.meta.url)(join(dir, 'workers', 'index.cjs')) as Workers;
    esmWorkers = (await import(pathToFileURL(join(dir, 'workers', 'index.js')).href)) as Workers;
    cjsRedis = createRequire(import.meta.url)(join(dir, 'redis', 'index.cjs')) as RedisStreams;
    esmRedis = (await import(pathToFileURL(join(dir, 'redis', 'index.js')).href)) as RedisStreams;
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the error names (the bundler renames classes)', () => {
    for (const m of [esm, cjs]) {
      expect(new m.GenstreamError('ERR_GENSTREAM_NULL_VALUE', 'x').name).toBe('GenstreamError');
      expect(new m.NullValueError('x').name).toBe('NullValueError');
      expect(new m.InvalidChunkError('x', 1).name).toBe('InvalidChunkError');
      expect(new m.AlreadyUsedError('x').name).toBe('AlreadyUsedError');
      expect(String(new m.BadJsonError('x', 1, 'l', undefined))).toMatch(/^BadJsonError: /);
    }
  });

  it('recognises an error thrown by the CJS copy with the ESM classes, and the other way round', async () => {
    const err = await cjs.toArray(cjs.lines()([1 as never])).then(...settledError);
    expect(err).toBeInstanceOf(cjs.InvalidChunkError);
    expect(err).toBeInstanceOf(esm.InvalidChunkError);
    expect(err).toBeInstanceOf(esm.GenstreamError);
    expect(err).not.toBeInstanceOf(esm.NullValueError);
    const argErr = (() => {
      try {
        esm.fromGen(1 as never);
      } catch (e) {
        return e;
      }
    })();
    expect(argErr).toBeInstanceOf(cjs.GenstreamArgumentError);
    expect(argErr).toBeInstanceOf(TypeError);
  });

  it('runs parallelMap from both builds of genstream/workers (the worker code is the bundled text)', async () => {
    const double = new URL('./workers/fixtures/double.mjs', import.meta.url);
    for (const [core, workers] of [[esm, esmWorkers], [cjs, cjsWorkers]] as const) {
      expect(await core.toArray(workers.parallelMap<number, number>(double, { threads: 2, batchSize: 3 })([1, 2, 3, 4, 5, 6, 7]))).toEqual([2, 4, 6, 8, 10, 12, 14]);
      const err = await core.toArray(workers.parallelMap(double, { export: 'nope' })([1])).then(...settledError);
      expect(err).toBeInstanceOf(esmWorkers.WorkerLoadError);
      expect(err).toBeInstanceOf(cjsWorkers.WorkerLoadError);
      expect(err).toBeInstanceOf(esm.GenstreamError);
      expect((err as Error).name).toBe('WorkerLoadError');
    }
  });

  it('loads genstream/redis from both builds; its argument errors are the core classes', () => {
    for (const redis of [esmRedis, cjsRedis]) {
      expect(typeof redis.fromRedisStream).toBe('function');
      expect(typeof redis.toRedisStream).toBe('function');
      const err = thrown(() => redis.fromRedisStream({} as never, { stream: 's', group: 'g', consumer: 'c' }));
      expect(err).toBeInstanceOf(esm.GenstreamArgumentError);
      expect(err).toBeInstanceOf(cjs.GenstreamArgumentError);
    }
  });
});
