#!/usr/bin/env bash
# The package as a user gets it (npm run check:package; .ci/run calls it after the build). Builds and
# packs the tarball, then, in a scratch project outside the repository (mktemp), installs that tarball
# with TypeScript 5.9 and @types/node 20 (and nothing else: ioredis, the optional peer, stays out) and:
#   1. checks what the tarball holds (.ci/package-consumer/contents.mjs): dist/, the lib/ sources the
#      source maps point at and nothing more, every map source found, no map carrying its sources;
#   2. runs an ES module (esm.mjs) and a CommonJS script (cjs.cjs): a pipeline (toReadable → fromGen →
#      chain(filter, map) → toWritable), parallelMap from genstream/workers in 2 threads, errors
#      recognised by code across the ESM and CJS copies, genstream/redis loaded without ioredis;
#   3. traces an error thrown inside the package to lib/*.ts with node --enable-source-maps (stack.mjs);
#   4. type-checks types.ts (ESM) and types.cts (CJS) with tsc --strict, module nodenext, skipLibCheck
#      off (the shipped .d.ts/.d.cts are checked too; inferred types, @ts-expect-error cases), then runs
#      the compiled output;
#   5. runs publint --strict and @arethetypeswrong/cli (default profile "strict": node10, node16 from
#      CJS and from ESM, bundler) on the tarball.
# The install must print no npm warning. Exit 0 only when every step passed; the first failure stops it.
# Options: --no-build packs the dist/ already built (CI, after `npm run build`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=1
for arg in "$@"; do
  case $arg in
    --no-build) build=0 ;;
    *) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
  esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/genstream-package.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
step() { printf '\n== %s [%ss]\n' "$*" "$SECONDS"; }
# run LIMIT_S CMD...: CMD under a time limit (a hung worker or install fails the check instead of CI).
run() {
  local limit=$1
  shift
  timeout --kill-after=5 "$limit" "$@"
}

if ((build)); then
  step "npm run build"
  run 120 npm run --silent build >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
fi

step "npm pack"
run 60 npm pack --ignore-scripts --json --pack-destination "$tmp" >"$tmp/pack.json"
tgz=$(node -e '
  const [p] = require(process.argv[1]);
  const kB = (n) => (n / 1000).toFixed(1) + " kB";
  console.error(`${p.filename}: ${kB(p.size)} packed, ${kB(p.unpackedSize)} unpacked, ${p.entryCount} files`);
  console.log(p.filename);
' "$tmp/pack.json")
tgz=$tmp/$tgz

step "scratch project: npm install <tarball> typescript@5.9 @types/node@20"
app=$tmp/app
mkdir "$app"
cp "$root"/.ci/package-consumer/{package.json,tsconfig.json,double.mjs,esm.mjs,cjs.cjs,stack.mjs,types.ts,types.cts,contents.mjs} "$app"/
(cd "$app" && run 180 npm install --no-audit --no-fund --prefer-offline "$tgz" typescript@5.9 @types/node@20 2>&1) | tee "$tmp/install.log"
if grep -qi 'warn' "$tmp/install.log"; then
  echo "!! npm install of the tarball printed a warning (above)"
  exit 1
fi

step "contents of the installed package"
(cd "$app" && run 30 node contents.mjs)

step "ES module and CommonJS consumers"
(cd "$app" && run 60 node esm.mjs && run 60 node cjs.cjs)

step "stack trace with node --enable-source-maps"
(cd "$app" && run 30 node --enable-source-maps stack.mjs)

step "TypeScript: tsc --strict, module nodenext, skipLibCheck false ($("$app"/node_modules/.bin/tsc --version))"
(cd "$app" && run 120 ./node_modules/.bin/tsc -p tsconfig.json && run 60 node out/types.js && run 60 node out/types.cjs)

step "publint --strict"
run 60 node_modules/.bin/publint run --strict "$tgz"

step "attw (profile strict: every resolution mode)"
run 120 node_modules/.bin/attw --profile strict "$tgz"

step "package: green"
