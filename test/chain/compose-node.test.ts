/**
 * Node's own `test/parallel/test-stream-compose.js` cases, rewritten for `chain()`: what a user porting
 * `stream.compose` code meets first. Where genstream differs on purpose, the test says so.
 */
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { chain, GenstreamArgumentError } from '../../lib/index.js';
import { settledError, TestError, toArray, watchUnhandled } from '../helpers.js';

watchUnhandled();

const compose = chain as (...args: unknown[]) => Readable & Writable;

const doubling = (): Transform =>
  new Transform({
    transform(chunk, _e, cb) {
      cb(null, String(chunk) + String(chunk));
    },
  });
const upper = (): Transform =>
  new Transform({
    transform(chunk, _e, cb) {
      cb(null, String(chunk).toUpperCase());
    },
  });

async function* double(source: AsyncIterable<unknown>) {
  for await (const chunk of source) yield String(chunk) + String(chunk);
}
async function* toUpper(source: AsyncIterable<unknown>) {
  for await (const chunk of source) yield String(chunk).toUpperCase();
}

async function text(r: Readable): Promise<string> {
  return (await toArray(r as AsyncIterable<unknown>)).map(String).join('');
}

describe('stream.compose cases, with chain()', () => {
  it('two byte Transforms compose into a byte Duplex', async () => {
    const c = compose(doubling(), upper());
    expect(c.writableObjectMode).toBe(false);
    expect(c.readableObjectMode).toBe(false);
    c.end('asd');
    expect(await text(c)).toBe('ASDASD');
  });

  it('two generator stages compose into a Duplex', async () => {
    const c = compose(double, toUpper);
    c.end('asd');
    expect(await text(c)).toBe('ASDASD');
  });

  it('one generator stage is a Duplex', async () => {
    const c = compose(double);
    c.end('asd');
    expect(await text(c)).toBe('asdasd');
  });

  it('a Readable then a Transform is a Readable', async () => {
    const c = compose(Readable.from(['asd']), upper());
    expect(c.writable).toBeUndefined();
    expect(await text(c)).toBe('ASD');
  });

  it('an async generator object then a Transform is a Readable', async () => {
    const c = compose(
      (async function* () {
        yield 'asd';
      })(),
      upper(),
    );
    expect(await text(c)).toBe('ASD');
  });

  it("Transform, generator, Writable: a Writable that emits 'finish' after the Writable took everything", async () => {
    let res = '';
    const c = compose(
      upper(),
      async function* (source: AsyncIterable<unknown>) {
        yield* source;
      },
      new Writable({
        write(chunk, _e, cb) {
          res += String(chunk);
          cb();
        },
      }),
    );
    c.end('asd');
    await finished(c);
    expect(res).toBe('ASD');
  });

  it("Transform, generator, async function: 'finish' after the function returned", async () => {
    let res = '';
    const c = compose(
      upper(),
      async function* (source: AsyncIterable<unknown>) {
        yield* source;
      },
      async function (source: AsyncIterable<unknown>) {
        for await (const chunk of source) res += String(chunk);
      },
    );
    c.end('asd');
    await finished(c);
    expect(res).toBe('ASD');
  });

  it('object-mode Transforms around a generator carry objects', async () => {
    const wrap = (): Transform => new Transform({ objectMode: true, transform: (chunk, _e, cb) => cb(null, { chunk }) });
    const c = compose(
      wrap(),
      async function* (source: AsyncIterable<unknown>) {
        yield* source;
      },
      wrap(),
    );
    c.end(true);
    expect(await toArray(c)).toEqual([{ chunk: { chunk: true } }]);
  });

  it('a Transform error reaches the chain as the same object; nothing after it runs', async () => {
    const boom = new TestError('asd');
    let after = 0;
    const c = compose(
      new Transform({ objectMode: true, transform: (_c, _e, cb) => cb(boom) }),
      async function* (source: AsyncIterable<unknown>) {
        yield* source;
      },
      new Transform({
        objectMode: true,
        transform: (chunk, _e, cb) => {
          after++;
          cb(null, chunk);
        },
      }),
    );
    c.end(true);
    expect(await toArray(c).then(...settledError)).toBe(boom);
    expect(after).toBe(0);
  });

  it('a generator error reaches the chain as the same object', async () => {
    const boom = new TestError('asd');
    const c = compose(
      new PassThrough({ objectMode: true }),
      async function* (source: AsyncIterable<unknown>) {
        for await (const chunk of source) {
          if (chunk === true) throw boom;
          yield chunk;
        }
      },
      new PassThrough({ objectMode: true }),
    );
    c.end(true);
    expect(await toArray(c).then(...settledError)).toBe(boom);
  });

  it('source, generator, async function: neither readable nor writable, and finished() resolves', async () => {
    let buf = '';
    const s = compose(
      (async function* () {
        yield 'Hello';
        yield 'World';
      })(),
      toUpper,
      async (source: AsyncIterable<unknown>) => {
        for await (const chunk of source) buf += String(chunk);
      },
    );
    expect(s.writable).toBe(false);
    expect(s.readable).toBe(false);
    await finished(s);
    expect(buf).toBe('HELLOWORLD');
  });

  it('composes composed streams: a Readable chain, a Duplex chain and a Writable chain', async () => {
    let buf = '';
    const s1 = compose((async function* () {
      yield 'Hello';
      yield 'World';
    })());
    const s2 = compose(toUpper);
    const s3 = compose(async (source: AsyncIterable<unknown>) => {
      for await (const chunk of source) buf += String(chunk);
    });
    await finished(compose(s1, s2, s3));
    expect(buf).toBe('HELLOWORLD');
  });

  it('a string source is one chunk', async () => {
    let buf = '';
    await finished(
      compose('HelloWorld', toUpper, async (source: AsyncIterable<unknown>) => {
        for await (const chunk of source) buf += String(chunk);
      }),
    );
    expect(buf).toBe('HELLOWORLD');
  });

  it('differs on purpose: an async function sink may return a value (compose fails with ERR_INVALID_RETURN_VALUE)', async () => {
    const s = compose(['a'], async (source: AsyncIterable<unknown>) => {
      for await (const _ of source) void _;
      return 'done';
    });
    await expect(finished(s)).resolves.toBeUndefined();
  });

  it('refuses nothing to compose, a Writable first and a Readable in the middle (a GenstreamArgumentError, not ERR_INVALID_ARG_VALUE)', () => {
    expect(() => compose()).toThrow(GenstreamArgumentError);
    expect(() => compose(new Writable(), new PassThrough())).toThrow(/^chain: stage 0 is a stream without a readable side/);
    expect(() => compose(new PassThrough(), new Readable({ read() {} }), new PassThrough())).toThrow(/^chain: stage 1 is a source/);
  });
});
