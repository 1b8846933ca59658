// A TypeScript consumer compiled as CommonJS (.cts: `import` becomes require(), the types come from the
// .d.cts declarations), checked and run like types.ts.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chain, GenstreamError, map, pipe, toArray, type TypedDuplex } from 'genstream';
import { parallelMap, WorkerLoadError } from 'genstream/workers';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const exactly = <A, B>(ok: Equal<A, B>): Equal<A, B> => ok;

async function main(): Promise<void> {
  const upper: TypedDuplex<string, string> = chain(map((s: string) => s.toUpperCase()));
  assert.equal(typeof upper.pipe, 'function');
  const lengths = await toArray(pipe(['a', 'bb'], map((s) => s.length)));
  exactly<typeof lengths, number[]>(true);
  // @ts-expect-error: the items are numbers, not strings
  exactly<typeof lengths, string[]>(true);
  assert.deepEqual(lengths, [1, 2]);

  const double = pathToFileURL(join(__dirname, '..', 'double.mjs'));
  assert.deepEqual(await toArray(pipe([1, 2, 3], parallelMap<number, number>(double, { threads: 2 }))), [2, 4, 6]);
  const err = await toArray(pipe([1], parallelMap(double, { export: 'nope' }))).then(
    () => assert.fail('a missing export loads'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkerLoadError && err instanceof GenstreamError);
  assert.equal(err.code, 'ERR_GENSTREAM_WORKER_LOAD');
  console.log('ts (cjs): inferred types, parallelMap, error code: ok');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
