// An ES module consumer of the installed tarball: genstream, genstream/workers and genstream/redis by
// their package names, a pipeline through the adapters, chain() and operators, parallelMap in worker
// threads, and errors recognised by code across the ESM and CommonJS copies.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';
import { chain, filter, fromGen, GenstreamError, lines, LineTooLongError, map, pipe, toArray, toReadable, toWritable } from 'genstream';
import { fromRedisStream } from 'genstream/redis';
import { parallelMap, WorkerLoadError } from 'genstream/workers';

// toReadable → fromGen → chain(operators) → toWritable, in stream.pipeline.
async function* square(source) {
  for await (const n of source) yield n * n;
}
const got = [];
await pipeline(
  toReadable([1, 2, 3, 4, 5, 6]),
  fromGen(square),
  chain(filter((n) => n % 2 === 0), map((n) => `${n}`)),
  toWritable(async (rows) => {
    for await (const row of rows) got.push(row);
  }),
);
assert.deepEqual(got, ['4', '16', '36']);

// parallelMap from the installed genstream/workers: two threads, input order kept.
const double = new URL('./double.mjs', import.meta.url);
assert.deepEqual(await toArray(pipe([1, 2, 3, 4, 5, 6, 7], parallelMap(double, { threads: 2, batchSize: 2 }))), [2, 4, 6, 8, 10, 12, 14]);
const loadErr = await toArray(pipe([1], parallelMap(double, { export: 'nope' }))).then(
  () => assert.fail('a missing export loads'),
  (e) => e,
);
assert.equal(loadErr.code, 'ERR_GENSTREAM_WORKER_LOAD');
assert.ok(loadErr instanceof WorkerLoadError && loadErr instanceof GenstreamError);

// Both copies in one process (an import here, a require() in some dependency): errors carry their code,
// and instanceof matches by it, both ways.
const cjs = createRequire(import.meta.url)('genstream');
assert.notEqual(cjs.lines, lines, 'require() gives the CommonJS build, a second copy');
const tooLong = (m) => m.toArray(m.pipe([`${'x'.repeat(20)}\n`], m.lines({ maxLineLength: 8 }))).then(() => assert.fail('no error'), (e) => e);
for (const err of [await tooLong(cjs), await tooLong({ toArray, pipe, lines })]) {
  assert.equal(err.code, 'ERR_GENSTREAM_LINE_TOO_LONG');
  assert.ok(err instanceof LineTooLongError && err instanceof cjs.LineTooLongError && err instanceof cjs.GenstreamError);
  assert.ok(!(err instanceof cjs.NullValueError));
}

// genstream/redis loads without ioredis (an optional peer dependency); argument errors are the core's.
const argErr = (() => {
  try {
    fromRedisStream({}, { stream: 's', group: 'g', consumer: 'c' });
  } catch (e) {
    return e;
  }
})();
assert.equal(argErr?.code, 'ERR_GENSTREAM_INVALID_ARG');
assert.ok(argErr instanceof TypeError);

console.log('esm: pipeline, parallelMap (2 threads), error codes across ESM/CJS copies, genstream/redis: ok');
