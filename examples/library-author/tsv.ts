/**
 * Part of the library-author example (run it with `npx tsx examples/library-author/main.ts`): a small
 * library, as you would publish it, that parses tab-separated values into typed records. ONE generator
 * (`tsvRecords`) does the work; the library ships it twice:
 *
 * - `parseTsv(source, options)`: an async iterable API, for `for await` code and genstream's `pipe()`;
 * - `parseTsvStream(options)`: a stream API, a Duplex (bytes or strings in, records out) for
 *   `stream.pipeline`, `.pipe()` and `chain()`, made from the same generator with `fromGen`.
 *
 * Both infer the record type from `columns` (`{ id: 'number', name: 'string' }` gives
 * `{ id: number; name: string }`), both stop and clean up the same way, and `onDone` reports once how
 * the parse ended: it runs in the generator's `finally`.
 */
import { fromGen, lines, type AnyIterable, type TypedDuplex } from 'genstream';

/** The type a column's text is converted to. */
export type ColumnType = 'string' | 'number' | 'boolean';

/** The columns of a file, in order: name → type. */
export type Columns = Readonly<Record<string, ColumnType>>;

/** The JavaScript type of a column of type `T`. */
export type ColumnValue<T extends ColumnType> = T extends 'number' ? number : T extends 'boolean' ? boolean : string;

/** A parsed record: `{ id: 'number', name: 'string' }` gives `{ id: number; name: string }`. */
export type TsvRecord<C extends Columns> = { -readonly [K in keyof C]: ColumnValue<C[K]> };

/** How a parse ended, given once to {@link TsvOptions.onDone}. */
export interface TsvSummary {
  /** Records yielded. */
  records: number;
  /** Invalid lines skipped (with `skipInvalid: true`). */
  skipped: number;
  /** `true` when the whole input was parsed; `false` after an early exit (`break`, `destroy()`) or an error. */
  complete: boolean;
}

/** Options of {@link parseTsv} and {@link parseTsvStream}. */
export interface TsvOptions<C extends Columns> {
  /** The columns, in file order, and their types. Lines with another number of fields are invalid. */
  columns: C;
  /** The first line is a header and is not parsed. Default `false`. */
  header?: boolean;
  /** Skip invalid lines (counted in {@link TsvSummary.skipped}) instead of failing with a {@link TsvError}. Default `false`. */
  skipInvalid?: boolean;
  /** Called exactly once when the parse ends, whichever way: the end of the input, an early exit, an error. */
  onDone?: (summary: TsvSummary) => void;
}

/** A line that does not fit the columns. `line` is 1-based, the header included. */
export class TsvError extends Error {
  override readonly name = 'TsvError';
  readonly code = 'ERR_TSV_INVALID_LINE';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Checks the options at call time, so a mistake shows where the parser is made, not at its first record. */
function checkOptions(where: string, options: TsvOptions<Columns>): void {
  const cols = options?.columns;
  if (cols === null || typeof cols !== 'object' || Object.keys(cols).length === 0) {
    throw new TypeError(`${where}: expected \`columns\` to be an object of column types, such as { id: 'number' }; got ${cols === null ? 'null' : typeof cols}`);
  }
  for (const [name, type] of Object.entries(cols)) {
    if (type !== 'string' && type !== 'number' && type !== 'boolean') {
      throw new TypeError(`${where}: column \`${name}\` has type ${JSON.stringify(type)}; expected 'string', 'number' or 'boolean'`);
    }
  }
}

/**
 * THE implementation, shared by both APIs: bytes or strings in (any chunking; genstream's `lines()` joins
 * lines split across chunks, UTF-8 safe), records out.
 */
async function* tsvRecords<C extends Columns>(chunks: AnyIterable<string | Uint8Array>, options: TsvOptions<C>): AsyncGenerator<TsvRecord<C>, void, undefined> {
  const names = Object.keys(options.columns);
  const types = names.map((n) => options.columns[n]!);
  const summary: TsvSummary = { records: 0, skipped: 0, complete: false };
  let lineNo = 0;
  try {
    for await (const line of lines()(chunks)) {
      lineNo++;
      if ((lineNo === 1 && options.header) || line === '') continue;
      const fields = line.split('\t');
      let problem = fields.length !== names.length ? `${fields.length} fields, expected ${names.length} (${names.join(', ')})` : '';
      const record: Record<string, string | number | boolean> = {};
      for (let i = 0; i < names.length && problem === ''; i++) {
        const text = fields[i]!;
        const type = types[i];
        if (type === 'number') {
          const n = Number(text);
          if (text === '' || !Number.isFinite(n)) problem = `column ${names[i]}: ${JSON.stringify(text)} is not a number`;
          record[names[i]!] = n;
        } else if (type === 'boolean') {
          if (text !== 'true' && text !== 'false') problem = `column ${names[i]}: ${JSON.stringify(text)} is not true or false`;
          record[names[i]!] = text === 'true';
        } else {
          record[names[i]!] = text;
        }
      }
      if (problem !== '') {
        if (options.skipInvalid) {
          summary.skipped++;
          continue;
        }
        throw new TsvError(`tsv: line ${lineNo}: ${problem}`, lineNo);
      }
      summary.records++;
      yield record as TsvRecord<C>;
    }
    summary.complete = true;
  } finally {
    // Runs on the end, on an error, and when the consumer stops early (break, return(), destroy()).
    options.onDone?.(summary);
  }
}

/**
 * Parses tab-separated values into typed records, as an async generator.
 *
 * `source` is anything `for await` takes that yields strings or bytes: a file stream, a socket, an
 * array, another generator. The record type follows `columns`. Invalid lines throw a {@link TsvError}
 * naming the line (or are skipped with `skipInvalid`).
 *
 * - Backpressure: the source is read only as the loop asks for records.
 * - Cleanup: leaving the loop early (`break`, `return()`, a throw) returns the source, which destroys a
 *   stream source; `onDone` is called once, with `complete: false`.
 *
 * As a `stream.pipeline` or `pipe()` stage: `(source) => parseTsv(source, options)`.
 *
 * @example
 * ```ts
 * for await (const row of parseTsv(createReadStream('users.tsv'), { columns: { id: 'number', name: 'string' } })) {
 *   row.id; // number
 * }
 * ```
 */
export function parseTsv<const C extends Columns>(source: AnyIterable<string | Uint8Array>, options: TsvOptions<C>): AsyncGenerator<TsvRecord<C>, void, undefined> {
  checkOptions('parseTsv', options);
  if (source == null || (typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function' && typeof (source as Iterable<unknown>)[Symbol.iterator] !== 'function')) {
    throw new TypeError(`parseTsv: expected \`source\` to be an iterable or async iterable of strings or bytes; got ${source === null ? 'null' : typeof source}`);
  }
  return tsvRecords(source, options);
}

/**
 * Parses tab-separated values into typed records, as a Duplex stream: write bytes or strings, read
 * records (object mode). Use it in `stream.pipeline`, with `.pipe()`, or in genstream's `chain()`, where
 * the record type flows on (`TypedDuplex<string | Uint8Array, TsvRecord<C>>`).
 *
 * - Backpressure: the stream's high-water marks bound what it holds; writes wait while records are not read.
 * - Errors: an invalid line destroys the stream with the {@link TsvError} (the same object `pipeline` rejects with).
 * - Cleanup: `destroy()` (or a pipeline torn down by another stage) stops the parser; `onDone` is called
 *   once, with `complete: false`.
 *
 * @example
 * ```ts
 * await pipeline(createReadStream('users.tsv'), parseTsvStream({ columns: { id: 'number', name: 'string' } }), saveUsers);
 * ```
 */
export function parseTsvStream<const C extends Columns>(options: TsvOptions<C>): TypedDuplex<string | Uint8Array, TsvRecord<C>> {
  checkOptions('parseTsvStream', options);
  return fromGen((chunks: AsyncIterable<string | Uint8Array>) => tsvRecords(chunks, options), { writableObjectMode: false, readableObjectMode: true, name: 'parseTsv' });
}
