#!/usr/bin/env bash
# Benchmark (not a test): stampede's executor against oha, side by side, on the same local
# target, at fixed rates of single-request journeys. Prints CPU-µs per request of each
# generator, stampede's start lateness, and per-second started vs planned.
# Needs: a release build, oha (`cargo install oha`), python3. Loopback only; bounded.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=target/release/stampede
out=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$out"' EXIT

$bin serve --listen 127.0.0.1:0 --hash-cost low > "$out/serve.log" 2>/dev/null &
server=$!
for _ in $(seq 100); do grep -q listening "$out/serve.log" 2>/dev/null && break; sleep 0.1; done
url=$(head -1 "$out/serve.log" | sed 's/listening on //')
echo "target: $url"

for rate in ${RATES:-2000 5000}; do
  # The same 10 s curve at this rate.
  sed "s#rate: 2000/s#rate: ${rate}/s#" tests/bench/single-request.yaml > "$out/scenario-$rate.yaml"
  /usr/bin/time -f "%U %S %M" -o "$out/stampede.time" $bin run "$out/scenario-$rate.yaml" \
    --target "$url" --profile tests/bench/health-profile.yaml --quiet --out "$out/run-$rate" > /dev/null 2>&1
  /usr/bin/time -f "%U %S %M" -o "$out/oha.time" oha -z 10s -q "$rate" -c 256 --no-tui \
    --latency-correction "$url/health" > "$out/oha-$rate.txt" 2>&1
  # Both generators are counted the same way: the requests each one reports having sent,
  # and the CPU of sending them and summarising the result. oha prints a text summary;
  # stampede also renders report.html, summary.md, junit.xml and intervals.hlog, whose CPU
  # (measured by re-rendering them with `stampede report`) is taken out.
  /usr/bin/time -f "%U %S %M" -o "$out/render.time" $bin report "$out/run-$rate" > /dev/null 2>&1
  python3 - "$out" "$rate" <<'PY'
import json, re, sys
out, rate = sys.argv[1], int(sys.argv[2])
def cpu(name):
    user, sys_, rss = open(f"{out}/{name}.time").read().split()
    return (float(user) + float(sys_)), int(rss)
def oha_requests(text):
    # "Status code distribution:" lists "[200] 19998 responses"; "Error distribution:"
    # lists "[2] connection closed" — every request oha sent is in exactly one of them.
    answered = sum(int(n) for n in re.findall(r"^\s*\[\d{3}\]\s+(\d+)\s+responses?", text, re.M))
    errors_part = text.split("Error distribution:", 1)[1] if "Error distribution:" in text else ""
    failed = sum(int(n) for n in re.findall(r"^\s*\[(\d+)\]", errors_part, re.M))
    if answered + failed == 0:
        sys.exit(f"cannot read oha's request count from {out}/oha-{rate}.txt")
    return answered + failed
r = json.load(open(f"{out}/run-{rate}/report.json"))
s_cpu, s_rss = cpu("stampede")
render_cpu, _ = cpu("render")
s_cpu = max(s_cpu - render_cpu, 0.0)
o_cpu, o_rss = cpu("oha")
done = r["requests"]
sent = oha_requests(open(f"{out}/oha-{rate}.txt").read())
print(f"rate {rate}/s: stampede {done} requests, {s_cpu*1e6/done:.0f} CPU-µs/req "
      f"(report rendering, {render_cpu:.2f} s, excluded), RSS {s_rss/1024:.0f} MiB; "
      f"oha {sent} requests, {o_cpu*1e6/sent:.0f} CPU-µs/req, RSS {o_rss/1024:.0f} MiB; "
      f"ratio {s_cpu/done/(o_cpu/sent):.2f}")
lat = r["arrivals"]["lateness_us"]
print(f"  lateness p50 {lat['p50']/1000:.2f} ms, p99 {lat['p99']/1000:.2f} ms, max {lat['max']/1000:.2f} ms")
worst = 0.0
for point in r["series"]:
    planned, started = point["arrivals_planned"], point["arrivals_started"]
    if planned:
        worst = max(worst, abs(started - planned) / planned)
print(f"  per-interval started vs planned: worst deviation {worst*100:.2f}% over {len(r['series'])} intervals")
PY
done
