#!/usr/bin/env bash
# Starts a local Spirit forum on 127.0.0.1 under gunicorn, installed by setup.sh, from a
# copy of the template database, with a time limit: it stops by itself after
# SPIRIT_MAX_LIFETIME_S seconds (default 3600). Prints the URL once the login page answers.
#
# usage: tests/spirit/start.sh [DIR]
#   SPIRIT_PORT (8000), SPIRIT_WORKERS (gunicorn sync workers, 2), SPIRIT_HASH (default:
#   Django's PBKDF2; low: MD5 as Spirit's dev settings), SPIRIT_MAX_LIFETIME_S (3600).
# Provision accounts afterwards with tests/spirit/accounts.sh (same DIR and SPIRIT_PORT).
set -euo pipefail
DIR="${1:-${STAMPEDE_SPIRIT_DIR:-$HOME/.cache/stampede/spirit}}"
PORT="${SPIRIT_PORT:-8000}"
WORKERS="${SPIRIT_WORKERS:-2}"
LIFETIME="${SPIRIT_MAX_LIFETIME_S:-3600}"
RUN="$DIR/run-$PORT"   # one directory per port, so instances never share data

if [[ ! -f "$DIR/installed" ]]; then
  echo "Spirit is not installed in $DIR: run tests/spirit/setup.sh first" >&2
  exit 1
fi
if ! [[ "$WORKERS" =~ ^[0-9]+$ ]] || ((WORKERS < 1 || WORKERS > 64)); then
  echo "SPIRIT_WORKERS must be 1..64, not '$WORKERS'" >&2
  exit 1
fi
if [[ -f "$RUN/spirit.pid" ]] && kill -0 "$(cat "$RUN/spirit.pid")" 2>/dev/null; then
  echo "Spirit already runs on port $PORT (pid $(cat "$RUN/spirit.pid")); stop it with tests/spirit/stop.sh" >&2
  exit 1
fi
# Something else on the port would answer the readiness check below in our place.
if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/"; then
  echo "port $PORT on 127.0.0.1 is in use; choose another SPIRIT_PORT" >&2
  exit 1
fi
rm -rf "$RUN"
mkdir -p "$RUN"
cp "$DIR/template/db.sqlite3" "$RUN/db.sqlite3"
# The settings read these; accounts.sh reads them back from here.
cat >"$RUN/env" <<VARS
DJANGO_SETTINGS_MODULE=project.settings.stampede
SPIRIT_RUN_DIR=$RUN
SPIRIT_PORT=$PORT
SPIRIT_HASH=${SPIRIT_HASH:-default}
SPIRIT_SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
VARS

# setsid makes `timeout` the leader of a new process group (whose id is $!), so stop.sh
# stops it, gunicorn and its workers at once.
cd "$DIR/project"
# shellcheck disable=SC2046 # the env file holds one VAR=value per line, no spaces
env -i PATH="$DIR/venv/bin:/usr/bin:/bin" HOME="$HOME" $(cat "$RUN/env") \
  setsid timeout "$LIFETIME" "$DIR/venv/bin/gunicorn" project.wsgi \
  --bind "127.0.0.1:$PORT" --workers "$WORKERS" --timeout 120 --graceful-timeout 5 \
  --access-logfile - >"$RUN/spirit.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$RUN/spirit.pid"

# Wait (bounded) until the forum answers, or report why it did not.
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/user/login/" 2>/dev/null; then
    echo "Spirit up at http://127.0.0.1:$PORT ($WORKERS workers; stops by itself after ${LIFETIME}s; tests/spirit/stop.sh stops it now)"
    exit 0
  fi
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "Spirit exited during startup:" >&2
    tail -n 20 "$RUN/spirit.log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "Spirit did not answer within 60 s; stopping it" >&2
kill -TERM -- "-$PID" 2>/dev/null || true
exit 1
