// A TypeScript consumer (ES module), checked with tsc --strict, module nodenext, skipLibCheck off (the
// shipped .d.ts are checked too), then compiled and run. Types infer through a pipeline; a wrong stage
// is a type error.
import assert from 'node:assert/strict';
import { chain, filter, GenstreamError, map, pipe, run, toArray, toReadable, type TypedDuplex } from 'genstream';
import type { RedisClientLike } from 'genstream/redis';
import { parallelMap } from 'genstream/workers';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const exactly = <A, B>(ok: Equal<A, B>): Equal<A, B> => ok;

const lengths = await toArray(pipe(['a', 'bb', 'ccc'], map((s) => s.length)));
exactly<typeof lengths, number[]>(true);
assert.deepEqual(lengths, [1, 2, 3]);

const evensAsText: TypedDuplex<number, string> = chain(filter((n: number) => n % 2 === 0), map((n) => `#${n}`));
const total = await run(toReadable([1, 2, 3, 4]), evensAsText, async (rows) => {
  let text = '';
  for await (const row of rows) text += row;
  return text;
});
exactly<typeof total, string>(true);
assert.equal(total, '#2#4');

// @ts-expect-error: the stage takes strings, the source gives numbers
pipe([1, 2, 3], map((s: string) => s.toUpperCase()));
// @ts-expect-error: the items are numbers, not strings
exactly<typeof lengths, string[]>(true);

const doubled = await toArray(pipe([1, 2, 3], parallelMap<number, number>(new URL('../double.mjs', import.meta.url), { threads: 2 })));
exactly<typeof doubled, number[]>(true);
assert.deepEqual(doubled, [2, 4, 6]);

try {
  await toArray(pipe([1], parallelMap(new URL('../double.mjs', import.meta.url), { export: 'nope' })));
  assert.fail('a missing export loads');
} catch (err) {
  if (!(err instanceof GenstreamError)) throw err;
  const code: string = err.code;
  assert.equal(code, 'ERR_GENSTREAM_WORKER_LOAD');
}

const client: RedisClientLike | undefined = undefined;
assert.equal(client, undefined);
console.log('ts (esm): inferred types, a rejected stage, parallelMap, error code: ok');
