import { describe, InvalidChunkError } from '../internal/errors.js';
import { Step, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';

class StringifyStep extends Step {
  private index = 0;

  push(value: unknown): Pending {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (err) {
      this.fail(err); // a BigInt or a cycle: JSON's own TypeError, as the same object
    }
    if (json === undefined) {
      this.fail(
        new InvalidChunkError('ndjsonStringify', value, `ndjsonStringify: item ${this.index} is ${describe(value)}, which JSON cannot represent; ` +
            'filter it out or map it to null first',
        ),
      );
    }
    this.index++;
    return this.next.push(json + '\n');
  }
}

/**
 * Serializes each item as one line of newline-delimited JSON: `JSON.stringify(item) + '\n'` (objects
 * with `toJSON`, such as Dates, use it). Fusable: no buffering, one string per item.
 *
 * - Errors: an item JSON cannot represent at top level (`undefined`, a function, a symbol) fails with
 *   `ERR_GENSTREAM_INVALID_CHUNK` naming its index; `JSON.stringify`'s own errors (a BigInt, a cycle)
 *   and source errors pass through as the same object.
 * - Cleanup: an early exit returns the source, so its `finally` runs.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import { pipeline } from 'node:stream/promises';
 * import { ndjsonStringify, toArray, toReadable } from 'genstream';
 *
 * await toArray(ndjsonStringify()([{ a: 1 }, [2]])); // ['{"a":1}\n', '[2]\n']
 * await pipeline(toReadable([{ id: 1 }, { id: 2 }]), ndjsonStringify(), createWriteStream('out.ndjson'));
 * ```
 */
export function ndjsonStringify(): Operator<unknown, string> {
  return fusable('ndjsonStringify', () => new StringifyStep());
}
