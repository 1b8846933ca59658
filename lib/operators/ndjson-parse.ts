import { BadJsonError } from '../internal/errors.js';
import { isThenable, Step, type KernelState, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { ChunkDecoder, LineSplitter } from '../internal/text.js';
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

/**
 * The fused step. Per chunk: decode, split, parse the completed lines in one `try` (the error of a bad
 * line is caught once, not guarded per line), push the values on. A bad line goes to `onError` (which
 * may be async) or fails the stage after the values before it; so does a line too long.
 */
class NdjsonStep extends Step {
  private readonly decoder: ChunkDecoder;
  private readonly splitter: LineSplitter;
  private readonly parser: LineParser;
  private readonly lines: string[] = []; // reused: the lines completed by one chunk
  private readonly values: unknown[] = []; // reused: their parsed values
  /** Next line of `lines` to parse, next value of `values` to push. */
  private li = 0;
  private vi = 0;
  /** Index in `lines` of a line that failed to parse, handled once the values before it are pushed. */
  private bad = -1;
  /** Line number of `lines[0]`. */
  private first = 1;
  private tooLong: Error | undefined = undefined;
  private readonly resume = (): Pending => this.drain();
  private readonly reject = (err: unknown): never => this.fail(err);

  constructor(
    private readonly config: NdjsonConfig,
    private readonly state: KernelState,
    /** The input items are whole lines (lines() before it): parse each, do not split. */
    private readonly lineItems: boolean,
  ) {
    super();
    this.decoder = new ChunkDecoder(config.encoding, 'ndjsonParse', true);
    this.splitter = new LineSplitter(config.max, 'ndjsonParse');
    this.parser = new LineParser(config.reviver);
  }

  push(chunk: unknown): Pending {
    this.first = this.splitter.count + 1;
    if (this.lineItems && typeof chunk === 'string') this.splitter.pushLine(chunk, this.lines);
    else {
      let text: string;
      try {
        text = this.decoder.write(chunk);
      } catch (err) {
        return this.fail(err);
      }
      this.tooLong = this.splitter.push(text, this.lines);
    }
    return this.drain();
  }

  override flush(): Pending {
    if (this.state.stopped) return this.next.flush();
    this.first = this.splitter.count + 1;
    this.tooLong = this.splitter.push(this.decoder.end(), this.lines) ?? this.splitter.end(this.lines);
    const p = this.drain();
    return p === undefined ? this.next.flush() : p.then(() => this.next.flush());
  }

  /** Pushes parsed values and handles bad lines until the chunk's lines are done, or a step waits. */
  private drain(): Pending {
    const { lines, values, next } = this;
    for (;;) {
      while (this.vi < values.length) {
        if (this.state.stopped) return this.reset();
        const p = next.push(values[this.vi++]);
        if (p !== undefined) return p.then(this.resume, this.reject);
      }
      values.length = 0;
      this.vi = 0;
      if (this.bad !== -1) {
        const i = this.bad;
        this.bad = -1;
        this.li = i + 1;
        const line = lines[i];
        if (!BLANK.test(line)) {
          const err = new BadJsonError('ndjsonParse', this.first + i, line, this.parser.syntaxError);
          const onError = this.config.onError;
          if (onError === undefined) {
            this.reset();
            return this.fail(err);
          }
          let done: unknown;
          try {
            done = onError(err, line, this.first + i);
          } catch (thrown) {
            this.reset();
            return this.fail(thrown);
          }
          if (isThenable(done)) return (done as Promise<unknown>).then(this.resume, this.reject);
        }
        continue;
      }
      if (this.li >= lines.length) break;
      const bad = this.parser.parse(lines, this.li, values);
      this.li = lines.length;
      if (bad < lines.length) this.bad = bad;
    }
    const tooLong = this.tooLong;
    this.reset();
    if (tooLong !== undefined) this.fail(tooLong);
  }

  private reset(): void {
    this.lines.length = 0;
    this.values.length = 0;
    this.li = 0;
    this.vi = 0;
    this.bad = -1;
    this.tooLong = undefined;
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
  return fusable('ndjsonParse', (state, ctx) => new NdjsonStep(config, state, ctx.lineItems));
}
