#!/usr/bin/env bash
# Stops the Spirit forum that start.sh started on SPIRIT_PORT (default 8000): TERM to its
# process group (timeout, gunicorn and its workers), then KILL if it is still there after 5 s.
#
# usage: tests/spirit/stop.sh [DIR]
set -euo pipefail
DIR="${1:-${STAMPEDE_SPIRIT_DIR:-$HOME/.cache/stampede/spirit}}"
RUN="$DIR/run-${SPIRIT_PORT:-8000}"
[[ -f "$RUN/spirit.pid" ]] || exit 0
PID="$(cat "$RUN/spirit.pid")"
rm -f "$RUN/spirit.pid"
kill -TERM -- "-$PID" 2>/dev/null || exit 0
for _ in $(seq 1 50); do
  kill -0 "$PID" 2>/dev/null || exit 0
  sleep 0.1
done
kill -KILL -- "-$PID" 2>/dev/null || true
