#!/usr/bin/env bash
# Prepares a RedNote replay against the Spirit instance start.sh started on SPIRIT_PORT:
# provisions NATIVES and NEWCOMERS accounts on it (Spirit's signup waits for an emailed
# activation link) and writes OUT_DIR/rednote-spirit.yaml, the RedNote scenario with
# `population.accounts` and `population.newcomer_accounts` pointing at the two CSVs beside
# it, and `target: spirit`.
#
# usage: tests/spirit/scenario.sh [DIR] OUT_DIR NATIVES NEWCOMERS
#   NATIVES ≥ the plan's natives and NEWCOMERS ≥ its newcomers (`stampede plan` prints both).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR_ARGS=()
if [[ $# -eq 4 ]]; then
  DIR_ARGS=("$1")
  shift
fi
if [[ $# -ne 3 ]]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
OUT="$1" NATIVES="$2" NEWCOMERS="$3"
mkdir -p "$OUT"
"$HERE/manage.sh" "${DIR_ARGS[@]}" accounts "$NATIVES" "$OUT/natives.csv" n
"$HERE/manage.sh" "${DIR_ARGS[@]}" accounts "$NEWCOMERS" "$OUT/newcomers.csv" c
sed -e 's|^population:$|population:\n  accounts: natives.csv              # provisioned by tests/spirit/scenario.sh\n  newcomer_accounts: newcomers.csv|' \
  -e 's|^target: reference$|target: spirit|' \
  "$HERE/../../scenarios/rednote-2025-01.yaml" >"$OUT/rednote-spirit.yaml"
grep -q '^  newcomer_accounts: newcomers.csv' "$OUT/rednote-spirit.yaml" && grep -q '^target: spirit' "$OUT/rednote-spirit.yaml" \
  || { echo "scenarios/rednote-2025-01.yaml changed shape: cannot add the accounts" >&2; exit 1; }
echo "$OUT/rednote-spirit.yaml"
