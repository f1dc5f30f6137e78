#!/usr/bin/env bash
# Runs tests/spirit/prepare.py against the instance start.sh started on SPIRIT_PORT (its
# database), with the install's Python:
#
#   tests/spirit/manage.sh [DIR] accounts N FILE.csv [PREFIX]   provision N accounts
#   tests/spirit/manage.sh [DIR] count                          JSON counts per user
#
# DIR defaults to ${STAMPEDE_SPIRIT_DIR:-~/.cache/stampede/spirit}; FILE is made absolute.
set -euo pipefail
DIR="${STAMPEDE_SPIRIT_DIR:-$HOME/.cache/stampede/spirit}"
if [[ $# -gt 0 && -d "$1" ]]; then
  DIR="$1"
  shift
fi
RUN="$DIR/run-${SPIRIT_PORT:-8000}"
if [[ ! -f "$RUN/env" ]]; then
  echo "no Spirit instance was started in $RUN: run tests/spirit/start.sh first" >&2
  exit 1
fi
ARGS=("$@")
if [[ "${ARGS[0]:-}" == accounts && ${#ARGS[@]} -ge 3 ]]; then
  ARGS[2]="$(realpath -m "${ARGS[2]}")"
fi
HERE="$(cd "$(dirname "$0")" && pwd)"
cd "$DIR/project"
# shellcheck disable=SC2046 # the env file holds one VAR=value per line, no spaces
exec env -i PATH="$DIR/venv/bin:/usr/bin:/bin" HOME="$HOME" PYTHONPATH="$DIR/project" $(cat "$RUN/env") \
  "$DIR/venv/bin/python" "$HERE/prepare.py" "${ARGS[@]}"
