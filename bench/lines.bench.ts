/**
 * Bytes → lines (issue 14, case 2): a log file of `n` lines (~80 bytes each; the default 3.2M lines is
 * ~256 MB) read with `fs.createReadStream` and split into lines, every line counted and checksummed by
 * the same sink, as
 *   (a) a hand-written line-splitter Transform (StringDecoder + indexOf, one push per line) — the reference
 *   (b) genstream `lines()` as a stage of `stream.pipeline`
 *   (c) genstream `chain(lines())` between the file and `toWritable(sink)`
 *   (d) genstream `for await (const line of pipe(file, lines()))`
 *   (e) split2 (the usual npm line splitter) in pipeline
 *   (f) node:readline `createInterface` + `for await`
 *   (g) genstream `lines()` in pipeline into an async-function sink (`for await`)
 * Targets: (b) ≥ 1.0× (a); (c) and (d) ≥ 0.9× (b). (c) and (d) hand each line to a `for await` loop,
 * a promise per line that (b)'s Writable sink does not pay: (g) is the pipeline form with that same
 * consumer, and (c)/(g), (d)/(g) show what chain()/pipe() themselves cost.
 *
 *   npm run bench -- lines [--n 3200000]
 */
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import split2 from 'split2';
import type { TypedReadable } from '../lib/index.js';
import { logFile } from './data.js';
import { HandLineSplitter, Tally, tallySink } from './fixtures.js';
import { defineBench, type Derived } from './harness.js';

/** The same cheap per-line hash in every case: length and last character. */
const hashLine = (l: string): number => (l.length === 0 ? 0 : Math.imul(l.length, 31) + l.charCodeAt(l.length - 1));



/** The file's chunks, declared (a file stream is an untyped Readable: items `unknown` in chain()/pipe()/run()). */
const open = (file: string): TypedReadable<Buffer> => fs.createReadStream(file);

export default defineBench({
  name: 'lines',
  title: 'Bytes → lines from a log file: genstream lines() vs a hand Transform, split2, readline',
  n: 3_200_000,
  passes: 2,
  reference: 'hand',
  baselines: ['pipelineLines', 'split2'],
  subject: 'pipelineLines',
  cases: [
    {
      key: 'hand',
      label: '(a) hand line-splitter Transform',
      setup: async ({ n }) => {
        const file = await logFile(n);
        return async () => {
          const tally = new Tally(hashLine);
          await pipeline(open(file), new HandLineSplitter(), tallySink(tally));
          return tally.result();
        };
      },
    },
    {
      key: 'pipelineLines',
      label: '(b) lines() in pipeline',
      setup: async ({ n, lib }) => {
        const file = await logFile(n);
        return async () => {
          const tally = new Tally(hashLine);
          await pipeline(open(file), lib.lines(), tallySink(tally));
          return tally.result();
        };
      },
    },
    {
      key: 'chainLines',
      label: '(c) chain(lines()) → toWritable',
      setup: async ({ n, lib }) => {
        const file = await logFile(n);
        return async () => {
          const tally = new Tally(hashLine);
          await pipeline(
            open(file),
            lib.chain(lib.lines()),
            lib.toWritable(async (source: AsyncIterable<string>) => {
              for await (const line of source) tally.add(line);
            }),
          );
          return tally.result();
        };
      },
    },
    {
      key: 'pipeLines',
      label: '(d) for await … of pipe(file, lines())',
      setup: async ({ n, lib }) => {
        const file = await logFile(n);
        return async () => {
          const tally = new Tally(hashLine);
          for await (const line of lib.pipe(open(file), lib.lines())) tally.add(line);
          return tally.result();
        };
      },
    },
    {
      key: 'split2',
      label: '(e) split2() in pipeline',
      setup: async ({ n }) => {
        const file = await logFile(n);
        return async () => {
          const tally = new Tally(hashLine);
          await pipeline(open(file), split2(), tallySink(tally));
          return tally.result();
        };
      },
    },
    {
      key: 'readline',
      label: '(f) readline + for await',
      setup: async ({ n }) => {
        const file = await logFile(n);
        return async () => {
          const tally = new Tally(hashLine);
          const rl = readline.createInterface({ input: open(file), crlfDelay: Infinity });
          for await (const line of rl) tally.add(line);
          return tally.result();
        };
      },
    },
    {
      key: 'pipelineForAwait',
      label: '(g) lines() in pipeline → for await sink',
      setup: async ({ n, lib }) => {
        const file = await logFile(n);
        return async () => {
          const tally = new Tally(hashLine);
          await pipeline(open(file), lib.lines(), async (source: AsyncIterable<string>) => {
            for await (const line of source) tally.add(line);
          });
          return tally.result();
        };
      },
    },
  ],
  summary: (median) => {
    const out: Derived[] = [];
    const hand = median('hand');
    const b = median('pipelineLines');
    const c = median('chainLines');
    const d = median('pipeLines');
    if (b !== undefined && hand !== undefined) out.push({ label: 'lines() in pipeline / hand Transform', value: b / hand, unit: 'ratio', target: 1.0 });
    if (c !== undefined && b !== undefined) out.push({ label: 'chain(lines()) → toWritable / pipeline form', value: c / b, unit: 'ratio', target: 0.9 });
    if (d !== undefined && b !== undefined) out.push({ label: 'pipe(file, lines()) / pipeline form', value: d / b, unit: 'ratio', target: 0.9 });
    const g = median('pipelineForAwait');
    if (c !== undefined && g !== undefined) out.push({ label: 'chain(lines()) → toWritable / pipeline form with the same for-await sink', value: c / g, unit: 'ratio', target: 0.9 });
    if (d !== undefined && g !== undefined) out.push({ label: 'pipe(file, lines()) / pipeline form with the same for-await sink', value: d / g, unit: 'ratio', target: 0.9 });
    return out;
  },
});
