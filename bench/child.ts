/**
 * Child-process entry of the benchmark runner: measures ONE case of one bench file in this fresh
 * process and prints its samples on one marked stdout line. Started by `bench/harness.ts`:
 *
 *   node --expose-gc --import tsx bench/child.ts <bench file> <case key> --n=N --passes=P --warmup=W --lib=<genstream module>
 */
import { pathToFileURL } from 'node:url';
import { measureCase, RESULT_MARK, type BenchSpec, type Genstream } from './harness.js';

async function main(): Promise<void> {
  const [file, key, ...flags] = process.argv.slice(2);
  const opt = (name: string): string => {
    const flag = flags.find((f) => f.startsWith(`--${name}=`));
    if (flag === undefined) throw new Error(`bench child: missing --${name}=`);
    return flag.slice(name.length + 3);
  };
  const spec = ((await import(pathToFileURL(file).href)) as { default: BenchSpec }).default;
  const lib = (await import(pathToFileURL(opt('lib')).href)) as Genstream;
  const result = await measureCase(spec, key, lib, {
    n: Number(opt('n')),
    passes: Number(opt('passes')),
    warmup: Number(opt('warmup')),
    libPath: opt('lib'),
  });
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
