#!/usr/bin/env bash
# Benchmark (not a test): what the live metrics endpoint costs the generator. stampede at a
# fixed rate of single-request journeys against `stampede serve` on 127.0.0.1, once
# without --metrics-listen and once with it, scraped every second (as Prometheus would, by
# a python3 loop whose CPU is not counted) and --metrics-linger 0s. Prints CPU-µs per
# request of stampede in both runs (report rendering excluded, as in https.sh).
# Needs: a release build, python3, /usr/bin/time. Loopback only; bounded.
#
# usage: tests/bench/metrics-endpoint.sh        RATE=2000 (requests/s)  SECONDS_EACH=10
#        STAMPEDE_BIN=path (default target/release/stampede)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${STAMPEDE_BIN:-target/release/stampede}
rate=${RATE:-2000}
out=$(mktemp -d)
scraper=
trap 'kill $server $scraper 2>/dev/null || true; rm -rf "$out"' EXIT

$bin serve --listen 127.0.0.1:0 --hash-cost low > "$out/serve.log" 2>/dev/null &
server=$!
for _ in $(seq 300); do grep -q listening "$out/serve.log" 2>/dev/null && break; sleep 0.1; done
url=$(head -1 "$out/serve.log" | sed 's/listening on //')
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "target: $url; $rate requests/s for ${SECONDS_EACH:-10} s each; metrics on 127.0.0.1:$port"
sed "s#rate: 2000/s#rate: ${rate}/s#; s#span: 10s#span: ${SECONDS_EACH:-10}s#" \
  tests/bench/single-request.yaml > "$out/scenario.yaml"

measure() { # label, extra stampede flags...
  local label=$1; shift
  /usr/bin/time -f "%U %S" -o "$out/stampede.time" $bin run "$out/scenario.yaml" --target "$url" \
    --profile tests/bench/health-profile.yaml --quiet --out "$out/run-$label" "$@" > /dev/null 2>&1
  /usr/bin/time -f "%U %S" -o "$out/render.time" $bin report "$out/run-$label" > /dev/null 2>&1
  python3 - "$out" "$label" <<'PY'
import json, sys
out, label = sys.argv[1:]
cpu = lambda name: sum(float(x) for x in open(f"{out}/{name}.time").read().split())
r = json.load(open(f"{out}/run-{label}/report.json"))
used = max(cpu("stampede") - cpu("render"), 0.0)
print(f"{label:<16} {r['requests']} requests ({r['errors']} errors), "
      f"{used * 1e6 / max(r['requests'], 1):.1f} CPU-µs/req (report rendering excluded)")
PY
}

measure without
# One scrape a second for as long as the run lasts (bounded: 10 minutes at most).
python3 - "$port" > "$out/scrapes.txt" 2>&1 <<'PY' &
import sys, time, urllib.request
port, n = sys.argv[1], 0
for _ in range(600):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            r.read()
            n += 1
            print(n, flush=True)
    except OSError:
        pass
    time.sleep(1)
PY
scraper=$!
measure metrics-listen --metrics-listen "127.0.0.1:$port" --metrics-linger 0s
kill $scraper 2>/dev/null || true
echo "scrapes answered during the second run: $(tail -1 "$out/scrapes.txt" 2>/dev/null || echo 0)"
