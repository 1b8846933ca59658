/** Options of `chain()`, given as an optional first argument. */
import type { DuplexOptions } from '../internal/options.js';

/**
 * Options of `chain()`: the first argument when it is a plain object. Each side's object mode follows
 * the stage at that end unless set here (a byte stream first makes a byte writable side; a genstream
 * stage, generator or Web stream at an end makes that side object mode).
 *
 * @example
 * ```ts
 * import { createGzip } from 'node:zlib';
 * import { chain } from 'genstream';
 *
 * const gzip = chain({ highWaterMark: 64 * 1024, name: 'gzip' }, createGzip());
 * ```
 */
export interface ChainOptions extends DuplexOptions {
  /** Name used in error messages and `failedStage` labels (default `chain`). */
  name?: string;
}
