/**
 * Text machinery shared by `decode()`, `lines()` and `ndjsonParse()`: a chunk decoder that keeps a
 * multi-byte character split across chunks until its last byte arrives, and a line splitter that
 * finds line ends without rescanning (or copying) the partial line it is building.
 */
import { StringDecoder } from 'node:string_decoder';
import { describe, InvalidChunkError, LineTooLongError } from './errors.js';
import { fail } from './validate.js';

/** Checks an encoding argument at call time. */
export function checkEncoding(where: string, name: string, value: unknown): void {
  if (typeof value !== 'string' || !Buffer.isEncoding(value)) {
    fail(where, `\`${name}\` to be a Buffer encoding such as "utf8"`, value);
  }
}

/**
 * Turns string, Buffer and Uint8Array chunks into text. Strings pass through; bytes go through a
 * `StringDecoder`, which holds the first bytes of a character split across chunks until the rest
 * arrives. Anything else is an `ERR_GENSTREAM_INVALID_CHUNK` error naming the operator.
 */
export class ChunkDecoder {
  private readonly decoder: StringDecoder;
  /** Bytes were decoded since the last `end()`: the decoder may hold part of a character. */
  private holdsBytes = false;
  private bomChecked: boolean;

  constructor(
    encoding: BufferEncoding,
    private readonly where: string,
    stripBom = false,
  ) {
    this.decoder = new StringDecoder(encoding);
    this.bomChecked = !stripBom;
  }

  write(chunk: unknown): string {
    let text: string;
    if (typeof chunk === 'string') {
      // A string after bytes: flush what the decoder holds (an incomplete character becomes U+FFFD).
      text = this.holdsBytes ? this.end() + chunk : chunk;
    } else if (chunk instanceof Uint8Array) {
      this.holdsBytes = true;
      text = this.decoder.write(chunk);
    } else {
      throw new InvalidChunkError(this.where, chunk, `${this.where}: expected each chunk to be a string, Buffer or Uint8Array, got ${describe(chunk)}; ` +
          'map items to text first (e.g. with ndjsonStringify() or String)',
      );
    }
    if (!this.bomChecked && text.length > 0) {
      this.bomChecked = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return text;
  }

  /** The rest of a character the decoder still holds (U+FFFD if incomplete), or ''. */
  end(): string {
    if (!this.holdsBytes) return '';
    this.holdsBytes = false;
    return this.decoder.end();
  }
}

/**
 * Splits text into lines at `\n`, removing one `\r` right before it. `push` appends complete lines to
 * `out`; the unterminated rest is kept until the next `push` or `end`. Lines longer than `max`
 * characters are reported (as the return value, so the lines before it can still be emitted first)
 * instead of growing without bound; the partial line never holds more than `max + 1` characters plus
 * one chunk.
 */
export class LineSplitter {
  /** Number of lines completed so far: the 1-based number of the last line pushed to `out`. */
  count = 0;
  private partial = '';

  constructor(
    private readonly max: number,
    private readonly where: string,
  ) {}

  push(text: string, out: string[]): LineTooLongError | undefined {
    let nl = text.indexOf('\n');
    if (nl === -1) {
      // No line end: only append (V8 concatenates lazily), search only new text next time.
      if (text.length > 0) {
        this.partial += text;
        if (this.partial.length > this.max && this.partialTooLong()) return this.tooLong();
      }
      return undefined;
    }
    let line = this.partial.length > 0 ? this.partial + text.slice(0, nl) : text.slice(0, nl);
    this.partial = '';
    for (;;) {
      if (line.length > 0 && line.charCodeAt(line.length - 1) === 13 /* \r */) line = line.slice(0, -1);
      if (line.length > this.max) return this.tooLong();
      this.count++;
      out.push(line);
      const start = nl + 1;
      nl = text.indexOf('\n', start);
      if (nl === -1) {
        if (start < text.length) {
          this.partial = text.slice(start);
          if (this.partial.length > this.max && this.partialTooLong()) return this.tooLong();
        }
        return undefined;
      }
      line = text.slice(start, nl);
    }
  }

  /** Takes `line` as one whole line (an item of `lines()`'s output): counts it and appends it to `out`. */
  pushLine(line: string, out: string[]): void {
    this.count++;
    out.push(line);
  }

  /** Emits the last line if the text did not end with a newline (no empty line after a final `\n`). */
  end(out: string[]): LineTooLongError | undefined {
    if (this.partial.length === 0) return undefined;
    const line = this.partial;
    this.partial = '';
    if (line.length > this.max) return this.tooLong();
    this.count++;
    out.push(line);
    return undefined;
  }

  // Over the limit even if a `\r` ends it (the `\r` of a `\r\n` split across chunks does not count).
  private partialTooLong(): boolean {
    const p = this.partial;
    return p.length > this.max + 1 || p.charCodeAt(p.length - 1) !== 13;
  }

  private tooLong(): LineTooLongError {
    this.partial = '';
    return new LineTooLongError(this.where, this.count + 1, this.max);
  }
}
