#!/usr/bin/env bash
# Benchmark (not a test): the reference platform's routes at fixed open-model rates,
# measured by stampede itself (response time from the intended send time). Signups run as
# a newcomer journey at each hash cost; posts, follows and timeline reads as natives.
# Bounded: 10 s per point, loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=target/release/stampede
out=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$out"' EXIT

point() { # cost action rate
  $bin serve --listen 127.0.0.1:0 --hash-cost "$1" > "$out/serve.log" 2>/dev/null &
  server=$!
  for _ in $(seq 100); do grep -q listening "$out/serve.log" 2>/dev/null && break; sleep 0.1; done
  url=$(head -1 "$out/serve.log" | sed 's/listening on //')
  sed "s#RATE#$3#; s#ACTION#$2#" tests/bench/platform.yaml > "$out/s.yaml"
  # Only follows have a target to pick; signups are newcomers, so no natives are needed.
  [ "$2" = follow ] || sed -i '/pick: uniform/d' "$out/s.yaml"
  [ "$2" = signup ] && sed -i 's#natives: 200#natives: 0#; /posts_per_native/d' "$out/s.yaml"
  rm -rf "$out/run"
  $bin run "$out/s.yaml" --target "$url" --quiet --out "$out/run" > "$out/run.log" 2>&1 || cat "$out/run.log"
  kill -INT $server; wait $server 2>/dev/null || true
  python3 - "$out/run/report.json" "$1" "$2" "$3" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a = next(x for x in r["actions"] if x["name"] == sys.argv[3])
ms = lambda us: f"{us/1000:.1f}ms"
print(f"{sys.argv[3]:<12} cost {sys.argv[2]:<8} {sys.argv[4]:>5}/s: {a['requests']} requests, "
      f"{sum(a['errors'].values())} errors, response p50 {ms(a['response_us']['p50'])} p99 {ms(a['response_us']['p99'])}, "
      f"service p99 {ms(a['service_us']['p99'])}, dropped {r['arrivals']['dropped']}")
PY
}

point low signup 500
point default signup 10
point high signup 2
point low create_post 1000
point low follow 1000
point low view_feed 1000
