// Run with `node --enable-source-maps`: an error thrown inside the installed package (a bad argument to
// fromGen) is traced to genstream's TypeScript sources, shipped in the package where the source maps
// point (lib/, next to dist/), for the ES module and the CommonJS build. Every stack frame inside the
// package names a lib/*.ts file that exists, at a line it has; the first frame is the line that
// constructs the error.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

assert.ok(process.execArgv.includes('--enable-source-maps'), 'run this with node --enable-source-maps');
const pkgDir = fileURLToPath(new URL('./node_modules/genstream/', import.meta.url));
const builds = { esm: await import('genstream'), cjs: createRequire(import.meta.url)('genstream') };
for (const [build, m] of Object.entries(builds)) {
  let err;
  try {
    m.fromGen(1);
  } catch (e) {
    err = e;
  }
  assert.equal(err?.code, 'ERR_GENSTREAM_INVALID_ARG');
  const frames = err.stack
    .split('\n')
    .map((line) => /\(?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?$/.exec(line.trim()))
    .filter((m) => m !== null)
    .map(([, file, line]) => ({ file: file.startsWith('file:') ? fileURLToPath(file) : file, line: Number(line) }))
    .filter(({ file }) => file.startsWith(pkgDir));
  assert.ok(frames.length >= 2, `${build}: frames inside the package in\n${err.stack}`);
  for (const { file, line } of frames) {
    const rel = file.slice(pkgDir.length);
    assert.match(rel, /^lib\/.+\.ts$/, `${build}: a frame in ${rel}, not in lib/*.ts (is the source map missing?)\n${err.stack}`);
    assert.ok(existsSync(file), `${build}: ${rel} is not in the package`);
    assert.ok(line <= readFileSync(file, 'utf8').split('\n').length, `${build}: ${rel} has no line ${line}`);
  }
  const top = frames[0];
  const text = readFileSync(top.file, 'utf8').split('\n')[top.line - 1];
  assert.ok(text.includes(`new ${err.name}(`), `${build}: the first frame, ${top.file}:${top.line}, does not construct a ${err.name}: ${text}`);
  console.log(`${build}: ${err.stack.split('\n').slice(0, 3).join(' | ').replaceAll(pkgDir, '<pkg>/')}`);
}
