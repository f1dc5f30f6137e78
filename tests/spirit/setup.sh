#!/usr/bin/env bash
# Installs the Spirit forum (django-spirit from PyPI) for local replays: a virtualenv with
# the pinned requirements, a project made by `spirit startproject`, its static files, and
# a migrated template database with one category to post in (start.sh copies it for every
# instance). Idempotent and quiet: a second run with the same inputs does nothing.
#
# usage: tests/spirit/setup.sh [DIR]   (default ${STAMPEDE_SPIRIT_DIR:-~/.cache/stampede/spirit})
# exit status: 0 installed (or already), 1 failed, 3 PyPI unreachable (nothing to install from).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="${1:-${STAMPEDE_SPIRIT_DIR:-$HOME/.cache/stampede/spirit}}"
LOG="$DIR/setup.log"
PYTHON="${PYTHON:-python3}"
mkdir -p "$DIR"
: >"$LOG"

fail() {
  echo "spirit setup failed: $1 (log: $LOG)" >&2
  tail -n 15 "$LOG" >&2 || true
  exit "${2:-1}"
}

# Everything that identifies an install: if it has not changed, there is nothing to do.
STAMP="$("$PYTHON" --version 2>&1) $(cat "$HERE/requirements.txt" "$HERE/settings.py" "$HERE/prepare.py" | sha256sum | cut -c1-16)"
if [[ -f "$DIR/installed" && "$(cat "$DIR/installed")" == "$STAMP" ]]; then
  exit 0
fi
rm -f "$DIR/installed"

# 1. The virtualenv and the pinned packages (pure wheels: nothing is compiled).
if ! [[ -x "$DIR/venv/bin/python" ]]; then
  "$PYTHON" -m venv "$DIR/venv" >>"$LOG" 2>&1 || fail "cannot create a virtualenv with $PYTHON"
fi
if ! "$DIR/venv/bin/pip" install --disable-pip-version-check -q -r "$HERE/requirements.txt" >>"$LOG" 2>&1; then
  # Unreachable, or failing for another reason? Ask the index (pip's own configuration).
  if ! "$DIR/venv/bin/pip" index versions django-spirit --timeout 20 >>"$LOG" 2>&1; then
    fail "PyPI is unreachable (pip cannot list django-spirit)" 3
  fi
  fail "pip install of django-spirit failed"
fi

# 2. The project skeleton (`spirit startproject` runs django-admin from the venv) and the
# settings for local replays.
if ! [[ -f "$DIR/project/manage.py" ]]; then
  rm -rf "$DIR/project"
  (cd "$DIR" && PATH="$DIR/venv/bin:$PATH" "$DIR/venv/bin/spirit" startproject project) >>"$LOG" 2>&1 \
    || fail "spirit startproject failed"
fi
cp "$HERE/settings.py" "$DIR/project/project/settings/stampede.py"

# 3. Static files and the template database: migrations, cache tables and one category.
TEMPLATE="$DIR/template"
rm -rf "$TEMPLATE"
mkdir -p "$TEMPLATE"
export DJANGO_SETTINGS_MODULE=project.settings.stampede SPIRIT_RUN_DIR="$TEMPLATE" SPIRIT_SECRET_KEY=setup
# (What `manage.py spiritinstall` does, without its collectstatic prompt.)
for command in "migrate --noinput" "createcachetable" "collectstatic --noinput --clear -v 0"; do
  (cd "$DIR/project" && "$DIR/venv/bin/python" manage.py $command) >>"$LOG" 2>&1 \
    || fail "manage.py $command failed"
done
(cd "$DIR/project" && PYTHONPATH="$DIR/project" "$DIR/venv/bin/python" "$HERE/prepare.py" category) >>"$LOG" 2>&1 \
  || fail "cannot create the category to post in"
echo "$STAMP" >"$DIR/installed"
