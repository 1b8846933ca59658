/** The library-author example's promise: users get the record type inferred from `columns`, in both forms. */
import { describe, expectTypeOf, it } from 'vitest';
import { chain, map, pipe, type TypedDuplex } from 'genstream';
import { parseTsv, parseTsvStream, type TsvRecord } from '../../examples/library-author/tsv.js';

const lines = ['1\tada\ttrue\n'];

describe('library-author types', () => {
  it('infers the record from columns, without `as const`, in the iterable form', () => {
    const rows = parseTsv(lines, { columns: { id: 'number', name: 'string', vip: 'boolean' } });
    expectTypeOf(rows).toEqualTypeOf<AsyncGenerator<{ id: number; name: string; vip: boolean }, void, undefined>>();
  });

  it('infers the same record in the stream form, and it flows through chain()', () => {
    const parser = parseTsvStream({ columns: { id: 'number', name: 'string' } });
    expectTypeOf(parser).toEqualTypeOf<TypedDuplex<string | Uint8Array, { id: number; name: string }>>();
    const ids = chain(parser, map((r) => r.id));
    expectTypeOf(ids).toEqualTypeOf<TypedDuplex<string | Uint8Array, number>>();
  });

  it('is a pipe() stage with the record type', () => {
    const names = pipe(lines, (src) => parseTsv(src, { columns: { name: 'string' } }), map((r) => r.name.length));
    expectTypeOf(names).toEqualTypeOf<AsyncGenerator<number, void, undefined>>();
  });

  it('names the record type for users: TsvRecord<typeof columns>', () => {
    const columns = { id: 'number', ok: 'boolean' } as const;
    expectTypeOf<TsvRecord<typeof columns>>().toEqualTypeOf<{ id: number; ok: boolean }>();
    expectTypeOf(parseTsv(lines, { columns })).toEqualTypeOf<AsyncGenerator<TsvRecord<typeof columns>, void, undefined>>();
  });

  it('rejects what does not fit', () => {
    // @ts-expect-error 'date' is not a column type
    parseTsv(lines, { columns: { at: 'date' } });
    // @ts-expect-error no such column
    pipe(lines, (src) => parseTsv(src, { columns: { id: 'number' } }), map((r) => r.email));
    // @ts-expect-error a number column is not a string
    chain(parseTsvStream({ columns: { id: 'number' } }), map((r: { id: string }) => r.id));
  });
});
