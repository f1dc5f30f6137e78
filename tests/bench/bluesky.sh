#!/usr/bin/env bash
# Benchmark (not a test): a local Bluesky PDS (tests/pds) at fixed open-model rates, measured
# by stampede through the built-in `bluesky-pds` profile, to find where it saturates.
# Signups run as newcomer journeys; posts as natives writing to their own repos. Then a
# RedNote replay at increasing samples. Each point gets a fresh PDS; every point is bounded
# (10 s of arrivals, or a 20 s replay) and goes to 127.0.0.1 only.
#
# usage: tests/bench/bluesky.sh [DIR]   (needs tests/pds/setup.sh and a release build)
#   SIGNUP_RATES="5 10 15 20 30"  POST_RATES="25 50 100 150 200"  SAMPLES="0.0001 0.0002 0.0004"
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="${1:-${STAMPEDE_PDS_DIR:-$HOME/.cache/stampede-pds}}"
export PDS_PORT="${PDS_PORT:-2783}" PDS_MAX_LIFETIME_S=600
bin=target/release/stampede
out=$(mktemp -d)
trap 'tests/pds/stop.sh "$DIR"; rm -rf "$out"' EXIT

summary() { # report label
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ms = lambda us: f"{us/1000:.0f}ms"
a = r["arrivals"]
print(f"{sys.argv[2]}: arrivals {a['started']}/{a['planned']} started, dropped {a['dropped']}, "
      f"lateness p99 {ms(a['lateness_us']['p99'])}, in flight max {r['in_flight_max']}, "
      f"elapsed {r['elapsed_s']:.1f}s for {r['replay_duration_s']:.0f}s of arrivals")
for x in r["actions"]:
    if x["requests"]:
        print(f"  {x['name']:<13} {x['requests']:>5} req {sum(x['errors'].values()):>3} err  "
              f"{x['requests'] / r['replay_duration_s']:6.1f}/s  response p50 {ms(x['response_us']['p50'])} "
              f"p99 {ms(x['response_us']['p99'])}  service p50 {ms(x['service_us']['p50'])} p99 {ms(x['service_us']['p99'])}")
PY
}

point() { # action rate
  tests/pds/start.sh "$DIR" >/dev/null
  sed "s#RATE#$2#; s#ACTION#$1#; /pick: uniform/d; s#natives: 200#natives: 40#; s#fixed: 5#fixed: 1#" \
    tests/bench/platform.yaml >"$out/s.yaml"
  [ "$1" = signup ] && sed -i 's#natives: 40#natives: 0#; /posts_per_native/d' "$out/s.yaml"
  rm -rf "$out/run"
  $bin run "$out/s.yaml" --target "http://127.0.0.1:$PDS_PORT" --profile bluesky-pds --quiet \
    --out "$out/run" >"$out/run.log" 2>&1 || cat "$out/run.log"
  tests/pds/stop.sh "$DIR"
  summary "$out/run/report.json" "$1 at $2/s"
}

for rate in ${SIGNUP_RATES-5 10 15 20 30}; do point signup "$rate"; done
for rate in ${POST_RATES-25 50 100 150 200}; do point create_post "$rate"; done
for sample in ${SAMPLES-0.0001 0.0002 0.0004}; do
  tests/pds/start.sh "$DIR" >/dev/null
  rm -rf "$out/run"
  $bin run scenarios/rednote-2025-01.yaml --target "http://127.0.0.1:$PDS_PORT" --profile bluesky-pds \
    --replay-in 20s --sample "$sample" --quiet --out "$out/run" >"$out/run.log" 2>&1 || cat "$out/run.log"
  tests/pds/stop.sh "$DIR"
  summary "$out/run/report.json" "rednote-2025-01 --replay-in 20s --sample $sample"
done
