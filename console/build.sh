#!/usr/bin/env bash
# Build the console (Workflow Manager) into treadle/server/static/, which `treadle server`
# serves. Idempotent and quiet when already done:
#   - `npm ci` runs only when node_modules does not match package-lock.json;
#   - the type check and `vite build` run only when a source file changed (or the output
#     is missing).
# TREADLE_CONSOLE_FORCE=1 rebuilds regardless.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(cd "$here/.." && pwd)/treadle/server/static"
cd "$here"

if ! command -v npm >/dev/null 2>&1; then
  echo "console/build.sh: npm is not installed; cannot build the console" >&2
  exit 1
fi

digest() { sha256sum | cut -d' ' -f1; }

lock_hash="$( (cat package-lock.json; node --version) | digest)"
lock_stamp="node_modules/.treadle-lock"
if [[ ! -f "$lock_stamp" || "$(cat "$lock_stamp")" != "$lock_hash" ]]; then
  echo "console: installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$lock_hash" >"$lock_stamp"
fi

src_hash="$(
  find src public index.html vite.config.ts tsconfig.json package.json package-lock.json -type f -print0 |
    sort -z | xargs -0 sha256sum | digest
)"
build_stamp="node_modules/.treadle-build"
if [[ -z "${TREADLE_CONSOLE_FORCE:-}" && -f "$out/index.html" && -f "$build_stamp" && "$(cat "$build_stamp")" == "$src_hash" ]]; then
  exit 0
fi

echo "console: building into treadle/server/static/"
npx --no-install tsc --noEmit
npx --no-install vite build --outDir "$out" --emptyOutDir --logLevel warn
echo "$src_hash" >"$build_stamp"
