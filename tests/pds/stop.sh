#!/usr/bin/env bash
# Stops the PDS that start.sh started on PDS_PORT (default 2583): TERM to its process
# group (timeout and node), then KILL if it is still there after 5 s.
#
# usage: tests/pds/stop.sh [DIR]
set -euo pipefail
DIR="${1:-${STAMPEDE_PDS_DIR:-$HOME/.cache/stampede-pds}}"
RUN="$DIR/run-${PDS_PORT:-2583}"
[[ -f "$RUN/pds.pid" ]] || exit 0
PID="$(cat "$RUN/pds.pid")"
rm -f "$RUN/pds.pid"
kill -TERM -- "-$PID" 2>/dev/null || exit 0
for _ in $(seq 1 50); do
  kill -0 "$PID" 2>/dev/null || exit 0
  sleep 0.1
done
kill -KILL -- "-$PID" 2>/dev/null || true
