#!/usr/bin/env bash
# Starts a local Bluesky PDS plus an in-memory PLC directory on 127.0.0.1, installed by
# setup.sh, with a time limit: the server stops by itself after PDS_MAX_LIFETIME_S seconds
# (default 3600). Prints the PDS URL once it answers /xrpc/_health.
#
# usage: tests/pds/start.sh [DIR]
#   PDS_PORT (2583), PLC_PORT (PDS_PORT-1), PDS_MAX_LIFETIME_S (3600), KEEP_DATA=1 keeps
#   the previous data (the PLC is in memory, so old DIDs cannot be updated after a restart).
# Rate limits stay off (PDS_RATE_LIMITS_ENABLED=false): a replay from one IP would
# otherwise hit the per-IP createAccount limit (100 per 5 min) within seconds.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="${1:-${STAMPEDE_PDS_DIR:-$HOME/.cache/stampede-pds}}"
PORT="${PDS_PORT:-2583}"
PLC="${PLC_PORT:-$((PORT - 1))}"
LIFETIME="${PDS_MAX_LIFETIME_S:-3600}"
RUN="$DIR/run-$PORT"   # one directory per port, so instances never share data

if [[ ! -f "$DIR/installed" ]]; then
  echo "the PDS is not installed in $DIR: run tests/pds/setup.sh first" >&2
  exit 1
fi
if [[ -f "$RUN/pds.pid" ]] && kill -0 "$(cat "$RUN/pds.pid")" 2>/dev/null; then
  echo "a PDS already runs on port $PORT (pid $(cat "$RUN/pds.pid")); stop it with tests/pds/stop.sh" >&2
  exit 1
fi
mkdir -p "$RUN"
if [[ "${KEEP_DATA:-0}" != 1 ]]; then
  rm -rf "$RUN/data"
fi
mkdir -p "$RUN/data/blobs"
cp "$HERE/start-local.mjs" "$DIR/app/start-local.mjs"
hex() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# New secrets on every start; the data is thrown away anyway (see KEEP_DATA).
env -i PATH="$DIR/node/bin:/usr/bin:/bin" HOME="$HOME" \
  PDS_HOSTNAME=localhost PDS_PORT="$PORT" PLC_PORT="$PLC" PDS_DEV_MODE=true \
  PDS_DID_PLC_URL="http://127.0.0.1:$PLC" \
  PDS_DATA_DIRECTORY="$RUN/data" PDS_BLOBSTORE_DISK_LOCATION="$RUN/data/blobs" \
  PDS_REPO_SIGNING_KEY_K256_PRIVATE_KEY_HEX="$(hex)" \
  PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX="$(hex)" \
  PDS_DPOP_SECRET="$(hex)" PDS_JWT_SECRET="$(hex)" PDS_ADMIN_PASSWORD=admin-pass \
  PDS_INVITE_REQUIRED=false PDS_CRAWLERS= PDS_RATE_LIMITS_ENABLED=false LOG_ENABLED=false \
  setsid timeout "$LIFETIME" "$DIR/node/bin/node" "$DIR/app/start-local.mjs" \
  >"$RUN/pds.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$RUN/pds.pid"

# Wait (bounded) until the PDS answers, or report why it did not.
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/xrpc/_health" 2>/dev/null; then
    echo "PDS up at http://127.0.0.1:$PORT (stops by itself after ${LIFETIME}s; tests/pds/stop.sh stops it now)"
    exit 0
  fi
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "the PDS exited during startup:" >&2
    tail -n 20 "$RUN/pds.log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "the PDS did not answer within 60 s; stopping it" >&2
kill -TERM -- "-$PID" 2>/dev/null || true
exit 1
