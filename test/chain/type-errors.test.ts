/**
 * What the compiler says about chain()/pipe()/run() calls: small snippets compiled with the TypeScript
 * compiler API against lib/index.ts (one Program for all of them). A mismatch is reported on the
 * offending argument, and the diagnostic's first line names its position and the two item types
 * (not "No overload matches this call"); correct snippets compile with no error.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { TYPES_FILE, withGenerated } from '../../lib/chain/types.gen.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** The snippets live (in memory only) next to this file, so they import the library as the tests do. */
const SNIPPETS = join(ROOT, 'test/chain/__type_snippets__');

const PRELUDE = `
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { ReadableStream, WritableStream } from 'node:stream/web';
import { parse } from 'csv-parse';
import streamChain from 'stream-chain';
import { chain, filter, map, pipe, run, take, toArray, toReadable, toWritable, type TypedWritable } from '../../../lib/index.js';
interface User { id: number; name: string }
declare const users: User[];
declare const printStrings: (source: AsyncIterable<string>) => Promise<void>;
declare const strings: TypedWritable<string>;
export {};
`;

/** `n` stages alternating number -> string -> number, each typed from the stage before it. */
function stages(n: number): string {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'map((n) => n.toFixed(0))' : 'map((s) => s.length)')).join(', ');
}
/** The same, annotated (arguments past MaxTypedArguments are not contextually typed). */
function annotated(n: number): string {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'map((n: number) => n.toFixed(0))' : 'map((s: string) => s.length)')).join(', ');
}

/** Snippets that must fail, with the exact first line of their only diagnostic. */
const failing: Record<string, { code: string; first: string }> = {
  'chain: a stage taking strings after one yielding numbers': {
    code: 'chain(map((n: number) => n * 2), map((s: string) => s.length));',
    first: "Argument of type 'Operator<string, number>' is not assignable to parameter of type 'StageMismatch<1, number, string>'.",
  },
  'chain: a source first counts as position 0': {
    code: 'chain(users, map((u) => u.id), map((s: string) => s.length));',
    first: "Argument of type 'Operator<string, number>' is not assignable to parameter of type 'StageMismatch<2, number, string>'.",
  },
  'chain: positions count the arguments after the options': {
    code: "chain({ name: 'ids' }, users, map((s: string) => s.length));",
    first: "Argument of type 'Operator<string, number>' is not assignable to parameter of type 'StageMismatch<1, User, string>'.",
  },
  'chain: a sink taking strings after numbers': {
    code: 'chain(map((u: User) => u.id), toWritable(printStrings));',
    first: "Argument of type 'TypedWritable<string>' is not assignable to parameter of type 'StageMismatch<1, number, string>'.",
  },
  'chain: a stage after an untyped stream receives unknown': {
    code: 'chain(new Transform({ objectMode: true }), map((row: string[]) => row.length));',
    first: "Argument of type 'Operator<string[], number>' is not assignable to parameter of type 'StageMismatch<1, unknown, string[]>'.",
  },
  'chain: the same after csv-parse': {
    code: "pipe(['a,b\\n'], parse(), map((row: string[]) => row[0]));",
    first: "Argument of type 'Operator<string[], string>' is not assignable to parameter of type 'StageMismatch<1, unknown, string[]>'.",
  },
  'chain: a stream-chain chain taking numbers after strings': {
    code: 'chain(map((s: string) => s.trim()), streamChain([(n: number) => n * 2]));',
    first: "Argument of type 'ChainOutput<number, number>' is not assignable to parameter of type 'StageMismatch<1, string, number>'.",
  },
  'chain: a Readable in the middle': {
    code: 'chain(map((n: number) => n), toReadable([1]), map((n: number) => n));',
    first:
      "Argument of type 'TypedReadable<number>' is not assignable to parameter of type 'InvalidArgument<1, \"a source (a Readable, a ReadableStream, an iterable) can only be the first argument\">'.",
  },
  'chain: a Writable first': {
    code: 'chain(new Writable(), map((n: number) => n));',
    first:
      "Argument of type 'Writable' is not assignable to parameter of type 'InvalidArgument<0, \"a sink (a Writable, a WritableStream, an async function) can only be the last argument\">'.",
  },
  'chain: a sink in the middle': {
    code: 'chain(map((n: number) => String(n)), printStrings, map((n: number) => n));',
    first:
      "Argument of type '(source: AsyncIterable<string>) => Promise<void>' is not assignable to parameter of type 'InvalidArgument<1, \"a sink (a Writable, a WritableStream, an async function) can only be the last argument\">'.",
  },
  'chain: an unknown option': {
    code: "chain({ nam: 'x' }, map((n: number) => n));",
    first: "Object literal may only specify known properties, and 'nam' does not exist in type 'InvalidArgument<0, \"unknown option \\\"nam\\\"\">'.",
  },
  'chain: no argument': {
    code: 'chain();',
    first: 'Expected at least 1 arguments, but got 0.',
  },
  'pipe: a stage taking strings after one yielding numbers': {
    code: 'pipe([1, 2], map((n) => n * 2), map((s: string) => s.length));',
    first: "Argument of type 'Operator<string, number>' is not assignable to parameter of type 'StageMismatch<1, number, string>'.",
  },
  'pipe: a mismatch after 20 contextually typed stages': {
    code: `pipe([1], ${stages(20)}, map((s: string) => s.length));`,
    first: "Argument of type 'Operator<string, number>' is not assignable to parameter of type 'StageMismatch<20, number, string>'.",
  },
  'pipe: a mismatch past MaxTypedArguments': {
    code: `pipe([1], ${annotated(36)}, map((s: string) => s.length));`,
    first: "Argument of type 'Operator<string, number>' is not assignable to parameter of type 'StageMismatch<36, number, string>'.",
  },
  'run: a stage taking strings from a source of numbers': {
    code: 'void run([1], map((s: string) => s.length), toArray);',
    first: "Argument of type 'Operator<string, number>' is not assignable to parameter of type 'StageMismatch<0, number, string>'.",
  },
  'run: the ids are numbers; the sink function takes strings': {
    code: 'void run(toReadable(users), chain(map((u) => u.id)), printStrings);',
    first:
      "Argument of type '(source: AsyncIterable<string>) => Promise<void>' is not assignable to parameter of type 'StageMismatch<1, number, string> & RunSinkFn<number, void>'.",
  },
  'run: the ids are numbers; the Writable takes strings': {
    code: 'void run(toReadable(users), chain(map((u) => u.id)), strings);',
    first: "Argument of type 'TypedWritable<string>' is not assignable to parameter of type 'StageMismatch<1, number, string>'.",
  },
  'run: the ids are numbers; the WritableStream takes strings': {
    code: 'void run(users, map((u) => u.id), new WritableStream<string>());',
    first: "Argument of type 'WritableStream<string>' is not assignable to parameter of type 'StageMismatch<1, number, string>'.",
  },
  'run: a mismatch after 30 stages': {
    code: `void run([1], ${stages(30)}, printStrings);`,
    first:
      "Argument of type '(source: AsyncIterable<string>) => Promise<void>' is not assignable to parameter of type 'StageMismatch<30, number, string> & RunSinkFn<number, void>'.",
  },
  'run: a stage as the sink': {
    code: 'void run(users, map((u) => u.id));',
    first:
      "Argument of type 'Operator<User, number>' is not assignable to parameter of type 'InvalidArgument<0, \"a stage (it returns an async iterable), not a sink: add a sink such as toArray or forEach(fn)\"> & RunSinkFn<User, AsyncGenerator<number, void, undefined>>'.",
  },
};

/** Snippets that must compile with no error. */
const passing: Record<string, string> = {
  'chain of stages': 'chain(map((n: number) => n * 2), filter((n) => n > 2), map((n) => String(n)));',
  'chain with a source, a sink, options': "chain({ name: 'x' }, users, map((u) => u.name), printStrings);",
  'chain after an untyped stream, narrowed': 'chain(new Transform({ objectMode: true }), map((row) => row as string[]), map((row) => row.length));',
  'pipe with an inferred generic operator': 'pipe(users, take(5), map((u) => u.id * 2));',
  'run into a sink of the right type': 'void run(toReadable(users), chain(map((u) => u.name)), printStrings);',
  'run into a Writable and a WritableStream': 'void run(users, map((u) => u.name), strings); void run(users, map((u) => u.name), new WritableStream<string>());',
  '30 contextually typed stages': `pipe([1], ${stages(30)}); chain([1], ${stages(30)}); void run([1], ${stages(30)}, toArray);`,
  '40 annotated stages': `chain(${annotated(40)}); pipe([1], ${annotated(40)}); void run([1], ${annotated(40)}, toArray);`,
  'an argument typed any, accepted anywhere':
    'declare const a: any; pipe(a, map((n) => n)); chain(map((n: number) => n), a, map((s: string) => s)); void run(users, a);',
  'a plain Readable, a PassThrough, a ReadableStream': 'pipe(Readable.from([1]), new PassThrough(), map((x) => String(x))); pipe(new ReadableStream<number>(), map((n) => n + 1));',
};

/** The snippets' file names. */
const names = [...Object.keys(failing), ...Object.keys(passing)];
const fileOf = (name: string): string => join(SNIPPETS, `s${names.indexOf(name)}.ts`);

let diagnosticsOf: (name: string) => readonly ts.Diagnostic[];

beforeAll(() => {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  // The snippets share one prelude of imports: unused ones are no finding.
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, noUnusedLocals: false, noUnusedParameters: false };
  const sources = new Map<string, string>();
  for (const [name, { code }] of Object.entries(failing)) sources.set(fileOf(name), PRELUDE + code + '\n');
  for (const [name, code] of Object.entries(passing)) sources.set(fileOf(name), PRELUDE + code + '\n');
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => sources.has(f) || fileExists.call(host, f);
  host.readFile = (f) => sources.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, languageVersion, ...rest) => {
    const text = sources.get(f);
    return text === undefined ? getSourceFile.call(host, f, languageVersion, ...rest) : ts.createSourceFile(f, text, languageVersion, true);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  diagnosticsOf = (name) => {
    const file = program.getSourceFile(fileOf(name));
    if (file === undefined) throw new Error(`no snippet file for ${name}`);
    return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
  };
}, 120_000);

const text = (d: ts.Diagnostic): string => ts.flattenDiagnosticMessageText(d.messageText, '\n');

describe('the compiler errors of chain(), pipe() and run()', () => {
  it.each(Object.keys(failing))('reports %s in one short diagnostic naming the position and the types', (name) => {
    const diagnostics = diagnosticsOf(name);
    expect(diagnostics.map(text)).toHaveLength(1);
    const lines = text(diagnostics[0]).split('\n');
    expect(lines[0]).toBe(failing[name].first);
    expect(lines.length).toBeLessThanOrEqual(3);
  });

  it.each(Object.keys(passing))('compiles %s with no error', (name) => {
    expect(diagnosticsOf(name).map(text)).toEqual([]);
  });
});

describe('lib/chain/types.ts', () => {
  it('holds the signatures lib/chain/types.gen.ts generates (run it after editing the generator)', () => {
    const current = readFileSync(TYPES_FILE, 'utf8');
    expect(withGenerated(current) === current).toBe(true);
  });
});
