import { Step, type KernelState, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkEncoding, ChunkDecoder, LineSplitter } from '../internal/text.js';
import { checkOptions, checkPositiveInt } from '../internal/validate.js';

/** Options of {@link lines}. */
export interface LinesOptions {
  /**
   * Longest line accepted, in characters (UTF-16 code units, not counting the line end). A longer line
   * fails the stream with a `LineTooLongError` (`ERR_GENSTREAM_LINE_TOO_LONG`) naming its line number,
   * so input that is not line-delimited cannot grow the buffer without bound. `Infinity` disables the
   * check. Default `1048576` (1 Mi characters).
   */
  maxLineLength?: number;
  /** Encoding of byte chunks (string chunks are used as they are). Default `'utf8'`. */
  encoding?: BufferEncoding;
}

/** Default `maxLineLength` of `lines()` and `ndjsonParse()`. */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

interface LinesConfig {
  max: number;
  encoding: BufferEncoding;
}

/**
 * The fused step: each chunk is decoded and split, and the lines it completes are pushed on in one
 * synchronous loop (the cost is per chunk, not per line). A later async step makes it wait, and
 * only then, before the rest of the chunk's lines.
 */
class LinesStep extends Step {
  private readonly decoder: ChunkDecoder;
  private readonly splitter: LineSplitter;
  private readonly out: string[] = []; // reused: the lines completed by one chunk
  private readonly reject = (err: unknown): never => this.fail(err);

  constructor(
    config: LinesConfig,
    private readonly state: KernelState,
  ) {
    super();
    this.decoder = new ChunkDecoder(config.encoding, 'lines');
    this.splitter = new LineSplitter(config.max, 'lines');
  }

  push(chunk: unknown): Pending {
    let text: string;
    try {
      text = this.decoder.write(chunk);
    } catch (err) {
      return this.fail(err);
    }
    return this.emit(0, this.splitter.push(text, this.out));
  }

  override flush(): Pending {
    if (this.state.stopped) return this.next.flush();
    const err = this.splitter.push(this.decoder.end(), this.out) ?? this.splitter.end(this.out);
    const p = this.emit(0, err);
    return p === undefined ? this.next.flush() : p.then(() => this.next.flush());
  }

  /** Pushes `out[from..]`, then fails with `err` (a line too long) after the lines before it. */
  private emit(from: number, err: Error | undefined): Pending {
    const out = this.out;
    const next = this.next;
    for (let i = from; i < out.length; i++) {
      if (this.state.stopped) break;
      const p = next.push(out[i]);
      if (p !== undefined) return p.then(() => this.emit(i + 1, err), this.reject);
    }
    out.length = 0;
    if (err !== undefined) this.fail(err);
  }
}

/** Checks the options shared by `lines()` and `ndjsonParse()`. */
export function linesConfig(where: string, options: LinesOptions | undefined): LinesConfig {
  checkOptions(where, options);
  const max = options?.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  checkPositiveInt(where, 'options.maxLineLength', max, true);
  const encoding = options?.encoding ?? 'utf8';
  checkEncoding(where, 'options.encoding', encoding);
  return { max, encoding };
}

/**
 * Splits a stream of text or bytes into lines: at `\n`, with one `\r` right before it removed (so
 * `\r\n` works), multi-byte characters and `\r\n` split across chunks handled. The last line is emitted
 * even without a final newline (as it is: a lone `\r` at the very end stays), and a final newline does
 * not add an empty line. Bytes are decoded as
 * `options.encoding` (UTF-8 by default); string chunks are used as they are.
 *
 * - Backpressure: one chunk is read at a time; its lines are yielded before the next chunk is read.
 * - Errors: a line longer than `maxLineLength` fails with `LineTooLongError` after the lines before
 *   it; a chunk that is not a string, Buffer or Uint8Array fails with `ERR_GENSTREAM_INVALID_CHUNK`;
 *   source errors pass through as the same object.
 * - Cleanup: an early exit (`break`, a downstream `take`) returns the source, so its `finally` runs.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { pipeline } from 'node:stream/promises';
 * import { lines, toArray } from 'genstream';
 *
 * await toArray(lines()(['a\r\nb', '\nc'])); // ['a', 'b', 'c']
 * await pipeline(createReadStream('app.log'), lines(), async (source: AsyncIterable<string>) => {
 *   for await (const line of source) if (line.includes('ERROR')) console.log(line);
 * });
 * ```
 */
export function lines(options?: LinesOptions): Operator<string | Uint8Array, string> {
  const config = linesConfig('lines', options);
  // Yields one line per item, so a following ndjsonParse() parses each item (see line-items.ts).
  return fusable('lines', (state) => new LinesStep(config, state), { makesLines: true });
}
