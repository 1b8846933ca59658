/**
 * "These items are lines": the output of `lines()` carries a mark, kept by the operators that pass items
 * through unchanged (filter, take, drop, takeWhile, dropWhile, tap) and by `chain()`/`pipe()`'s own
 * wrappers. `ndjsonParse()` reads a marked source one line per item; otherwise it would join the items
 * (which have no line ends left) into one text and parse `['1', '2', '3']` as `123`.
 */
const kLineItems: unique symbol = Symbol.for('genstream.lineItems') as never;

/** Marks `iterable` as yielding one line per item (without line ends); returns it. */
export function markLineItems<T extends object>(iterable: T): T {
  Object.defineProperty(iterable, kLineItems, { value: true });
  return iterable;
}

/** `true` for an iterable marked by {@link markLineItems}. */
export function isLineItems(value: unknown): boolean {
  return value != null && (value as Record<symbol, unknown>)[kLineItems] === true;
}

/** Marks `out` when `source` is marked: for stages that pass items through unchanged. */
export function keepLineItems<T extends object>(source: unknown, out: T): T {
  return isLineItems(source) ? markLineItems(out) : out;
}
