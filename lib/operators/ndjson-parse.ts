import { BadJsonError } from '../internal/errors.js';
import { isThenable } from '../internal/kernel.js';
import { isLineItems } from '../internal/line-items.js';
import { generatorOperator, type Operator } from '../internal/operator.js';
import { openIterator } from '../internal/sources.js';
import { ChunkDecoder, LineSplitter } from '../internal/text.js';
import type { AnyIterable } from '../internal/types.js';
import { checkFunction } from '../internal/validate.js';
import { linesConfig, type LinesOptions } from './lines.js';

/** Options of {@link ndjsonParse}. */
export interface NdjsonParseOptions extends LinesOptions {
  /**
   * Called for a line that is not valid JSON, with the `BadJsonError`, the line and its 1-based number;
   * the line is then skipped instead of failing the stream. May be async: a returned promise is awaited
   * before the next line (other return values are ignored). An error it throws (or a rejection) fails
   * the stream as the same object.
   */
  onError?: (err: BadJsonError, line: string, lineNumber: number) => unknown;
  /** Passed to `JSON.parse` for every line. */
  reviver?: (this: unknown, key: string, value: unknown) => unknown;
}

interface NdjsonConfig {
  max: number;
  encoding: BufferEncoding;
  onError: NdjsonParseOptions['onError'];
  reviver: NdjsonParseOptions['reviver'];
}

// Whitespace-only lines are skipped like empty ones (checked only after JSON.parse has failed).
const BLANK = /^[ \t\r\n\f\v\u00a0\ufeff]*$/;

/**
 * Parses `lines[from..]` into `out` until a line fails; returns the index of that line (its error in
 * `syntaxError`) or `lines.length`. One try/catch around the loop, not one per line.
 */
class LineParser {
  syntaxError: unknown = undefined;

  constructor(private readonly reviver: NdjsonConfig['reviver']) {}

  parse(lines: readonly string[], from: number, out: unknown[]): number {
    let i = from;
    try {
      for (; i < lines.length; i++) {
        const line = lines[i];
        if (line.length !== 0) out.push(JSON.parse(line, this.reviver));
      }
    } catch (err) {
      this.syntaxError = err;
      return i;
    }
    return i;
  }
}

async function* ndjsonCore<T>(config: NdjsonConfig, source: AnyIterable<string | Uint8Array>): AsyncGenerator<T, void, undefined> {
  const decoder = new ChunkDecoder(config.encoding, 'ndjsonParse', true);
  const splitter = new LineSplitter(config.max, 'ndjsonParse');
  const parser = new LineParser(config.reviver);
  const onError = config.onError;
  const lines: string[] = []; // reused: the lines completed by one chunk
  const values: unknown[] = []; // reused: their parsed values
  // The items of lines() (and of filter/take/... after it) are whole lines without line ends: parse
  // each one, instead of joining them into one text (which would read ['1', '2'] as 12).
  const lineItems = isLineItems(source);
  const { it, sync } = openIterator(source);
  let sourceDone = false;
  let inSource = false;
  try {
    // One loop for the chunks and the end of input, so the line handling below exists once.
    while (!sourceDone) {
      inSource = true;
      const r = sync ? (it as Iterator<string | Uint8Array>).next() : await it.next();
      inSource = false;
      const first = splitter.count + 1; // line number of lines[0]
      let tooLong;
      if (r.done) {
        sourceDone = true;
        tooLong = splitter.push(decoder.end(), lines) ?? splitter.end(lines);
      } else if (lineItems && typeof r.value === 'string') {
        splitter.pushLine(r.value, lines);
      } else {
        tooLong = splitter.push(decoder.write(r.value), lines);
      }
      let i = 0;
      while (i < lines.length) {
        const bad = parser.parse(lines, i, values);
        for (let j = 0; j < values.length; j++) yield values[j] as T;
        values.length = 0;
        if (bad === lines.length) break;
        const line = lines[bad];
        if (!BLANK.test(line)) {
          const err = new BadJsonError('ndjsonParse', first + bad, line, parser.syntaxError);
          if (onError === undefined) throw err;
          const done = onError(err, line, first + bad);
          if (isThenable(done)) await done;
        }
        i = bad + 1;
      }
      lines.length = 0;
      if (tooLong !== undefined) throw tooLong;
    }
  } catch (err) {
    if (inSource) sourceDone = true; // the source threw: it is finished, do not return it
    throw err;
  } finally {
    if (!sourceDone && typeof it.return === 'function') await it.return();
  }
}

/**
 * Parses newline-delimited JSON: one JSON value per line, from a stream of text or bytes (it splits
 * lines itself, exactly like `lines()`: `\n` or `\r\n`, multi-byte characters across chunks, the same
 * `maxLineLength` and `encoding` options). Empty and whitespace-only lines are skipped, and a byte-order
 * mark before the first line is ignored. Placed right after `lines()` (directly, or with only filter,
 * take, drop, takeWhile, dropWhile or tap between them, in `pipeline`, `pipe()`, `run()` or `chain()`),
 * it parses each item as one line. Across a stream boundary (`fromGen(lines())` piped into
 * `fromGen(ndjsonParse())`), or after a `map` of lines, it cannot know the items are lines: use
 * `map((line) => JSON.parse(line))` there, or let ndjsonParse split the text itself (drop `lines()`).
 * A line `null` yields `null`, which object-mode Node streams
 * cannot carry — filter it out before a stream stage if your input may contain it.
 *
 * - Backpressure: one chunk is read at a time; its values are yielded before the next chunk is read.
 * - Errors: a line that is not valid JSON fails with `BadJsonError` (`ERR_GENSTREAM_BAD_JSON`; the
 *   message names the 1-based line number and shows the start of the line; `cause` is the
 *   `SyntaxError`) after the values before it, unless `onError` is given: then it is called and the line
 *   skipped. A line over `maxLineLength` fails with `LineTooLongError`. Source errors and errors thrown
 *   by `onError` pass through as the same object.
 * - Cleanup: an early exit or an error returns the source, so its `finally` runs.
 *
 * @example
 * ```ts
 * import { ndjsonParse, toArray } from 'genstream';
 * await toArray(ndjsonParse()(['{"a":1}\n', '\n[2', ']\n'])); // [{ a: 1 }, [2]]
 *
 * const skipped: number[] = [];
 * await toArray(ndjsonParse({ onError: (_err, _line, n) => skipped.push(n) })(['1\n{oops\n3'])); // [1, 3]
 * // skipped: [2]
 * ```
 */
export function ndjsonParse<T = unknown>(options?: NdjsonParseOptions): Operator<string | Uint8Array, T> {
  const { max, encoding } = linesConfig('ndjsonParse', options);
  const onError = options?.onError;
  if (onError !== undefined) checkFunction('ndjsonParse', 'options.onError', onError);
  const reviver = options?.reviver;
  if (reviver !== undefined) checkFunction('ndjsonParse', 'options.reviver', reviver);
  const config: NdjsonConfig = { max, encoding, onError, reviver };
  return generatorOperator('ndjsonParse', (source) => ndjsonCore<T>(config, source));
}
