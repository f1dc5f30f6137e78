#!/usr/bin/env bash
# Benchmark (not a test): the knee of a local Spirit forum (tests/spirit) for the RedNote
# mix, found by `stampede capacity` through the built-in `spirit` profile: replays of
# growing sample at --replay-in 20s against one instance (data carries over between steps,
# as capacity says for a --target), gunicorn with SPIRIT_WORKERS sync workers. Accounts for
# the largest size are provisioned first (Spirit's signup needs an emailed link). Traffic
# goes to 127.0.0.1 only; the search is bounded by --budget.
#
# usage: tests/bench/spirit.sh [DIR]   (needs tests/spirit/setup.sh and a release build)
#   SPIRIT_WORKERS=2  SPIRIT_HASH=default|low  SAMPLE=0.00003 (×1)  FROM=0.5  TO=8
#   PRECISION=25%  BUDGET=12m  SPIRIT_PORT=8791  STAMPEDE=target/release/stampede
#   SLO="login.response.p99 < 2s" (added to the scenario's thresholds; several: separate with ;)
#   SCALE=sample|compress: what grows between steps. `compress` keeps SAMPLE and shortens
#   the replay from REPLAY_IN (default 20s) ÷ FROM onwards: at a small rate a larger sample
#   replayed slowly has enough requests in every phase to be judged, where a tiny sample
#   in 20 s may have no create_post during the surge at all. KEEP=1 keeps the run dirs.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="${1:-${STAMPEDE_SPIRIT_DIR:-$HOME/.cache/stampede/spirit}}"
export SPIRIT_PORT="${SPIRIT_PORT:-8791}" SPIRIT_WORKERS="${SPIRIT_WORKERS:-2}" SPIRIT_MAX_LIFETIME_S=3600
export SPIRIT_HASH="${SPIRIT_HASH:-default}"
SAMPLE="${SAMPLE:-0.00003}" FROM="${FROM:-0.5}" TO="${TO:-8}" SCALE="${SCALE:-sample}"
REPLAY_IN="${REPLAY_IN:-20s}"
bin=${STAMPEDE:-target/release/stampede}
out=$(mktemp -d)
trap 'tests/spirit/stop.sh "$DIR"; if [ "${KEEP:-0}" = 1 ]; then echo "kept $out"; else rm -rf "$out"; fi' EXIT

tests/spirit/start.sh "$DIR"
# Accounts for the largest step: its plan's natives and newcomers, plus a margin.
largest=$([ "$SCALE" = compress ] && echo "$SAMPLE" || python3 -c "print($SAMPLE * $TO)")
read -r natives newcomers < <($bin plan scenarios/rednote-2025-01.yaml --replay-in "$REPLAY_IN" \
  --sample "$largest" --format json |
  python3 -c 'import json,sys; p=json.load(sys.stdin); print(p["natives"] + 2, p["total_arrivals"] + 10)')
tests/spirit/scenario.sh "$DIR" "$out" "$natives" "$newcomers" >/dev/null
echo "provisioned $natives natives and $newcomers newcomers (SPIRIT_HASH=$SPIRIT_HASH, $SPIRIT_WORKERS workers)"
slos=()
IFS=';' read -ra exprs <<< "${SLO:-login.response.p99 < 2s}"
for e in "${exprs[@]}"; do slos+=(--slo "$e"); done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
$bin capacity "$out/rednote-spirit.yaml" --target "http://127.0.0.1:$SPIRIT_PORT" \
  --replay-in "$REPLAY_IN" --sample "$SAMPLE" --scale "$SCALE" --from "$FROM" --to "$TO" --precision "${PRECISION:-25%}" \
  --budget "${BUDGET:-12m}" "${slos[@]}" --out "$out/capacity" || true
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out/capacity/capacity.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for s in c["steps"]:
    print(json.dumps({k: s.get(k) for k in ("size", "sample", "outcome", "planned_peak_arrivals_per_s", "planned_peak_requests_per_s", "failed")})[:400])
print("answer:", json.dumps({k: c.get(k) for k in ("passing", "failing", "verdict", "first_failure")})[:1200])
PY
