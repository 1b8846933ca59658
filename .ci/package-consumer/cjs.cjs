// A CommonJS consumer of the installed tarball: the same checks as esm.mjs, through require().
'use strict';
const assert = require('node:assert/strict');
const { pathToFileURL } = require('node:url');
const { join } = require('node:path');
const { pipeline } = require('node:stream/promises');
const { chain, filter, fromGen, GenstreamError, lines, LineTooLongError, map, pipe, toArray, toReadable, toWritable } = require('genstream');
const { fromRedisStream } = require('genstream/redis');
const { parallelMap, WorkerLoadError } = require('genstream/workers');

async function* square(source) {
  for await (const n of source) yield n * n;
}

async function main() {
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

  const double = pathToFileURL(join(__dirname, 'double.mjs'));
  assert.deepEqual(await toArray(pipe([1, 2, 3, 4, 5, 6, 7], parallelMap(double, { threads: 2, batchSize: 2 }))), [2, 4, 6, 8, 10, 12, 14]);
  const loadErr = await toArray(pipe([1], parallelMap(double, { export: 'nope' }))).then(
    () => assert.fail('a missing export loads'),
    (e) => e,
  );
  assert.equal(loadErr.code, 'ERR_GENSTREAM_WORKER_LOAD');
  assert.ok(loadErr instanceof WorkerLoadError && loadErr instanceof GenstreamError);

  // The ES module build in the same process: a second copy, errors matched by code both ways.
  const esm = await import('genstream');
  assert.notEqual(esm.lines, lines, 'import() gives the ES module build, a second copy');
  const tooLong = (m) => m.toArray(m.pipe([`${'x'.repeat(20)}\n`], m.lines({ maxLineLength: 8 }))).then(() => assert.fail('no error'), (e) => e);
  for (const err of [await tooLong(esm), await tooLong({ toArray, pipe, lines })]) {
    assert.equal(err.code, 'ERR_GENSTREAM_LINE_TOO_LONG');
    assert.ok(err instanceof LineTooLongError && err instanceof esm.LineTooLongError && err instanceof esm.GenstreamError);
    assert.ok(!(err instanceof esm.NullValueError));
  }

  let argErr;
  try {
    fromRedisStream({}, { stream: 's', group: 'g', consumer: 'c' });
  } catch (e) {
    argErr = e;
  }
  assert.equal(argErr?.code, 'ERR_GENSTREAM_INVALID_ARG');
  assert.ok(argErr instanceof TypeError);

  console.log('cjs: pipeline, parallelMap (2 threads), error codes across CJS/ESM copies, genstream/redis: ok');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
