#!/usr/bin/env bash
# Benchmark (not a test): what stampede's generator costs per request next to oha's, on the
# same target in the same run, and how steadily it starts journeys; plus two figures that
# stay stable on a busy machine (callgrind instructions per request) and the main job's
# peak memory.
#
#   tests/bench/generator.sh [RATE...]       # default: 2000 5000 10000 20000
#
# The target is nginx with one worker on loopback serving a small JSON (its own config and
# prefix in a temp dir; installed from Debian when absent). Each rate runs stampede
# (`--quiet`, one request per journey, even spacing, 10 s) and then
# `oha -z 10s -q RATE -c 50 --latency-correction`; CPU is user + sys of the whole process
# from /usr/bin/time, divided by the requests each tool reports.
# Needs: a release build, oha (`cargo install oha --locked`), python3, valgrind (for the
# instruction count; skipped without it). Loopback only; every run is bounded.
# Environment: TABLE=0 skips the table (and oha), CALLGRIND=0 the instruction count,
# IDLE_SLOTS=0 the memory of an idle slot, MAIN_JOB=0 the main job's RSS,
# THREADS=N runs stampede with N runtime threads (default 1), STAMPEDE=PATH another build.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${STAMPEDE:-$PWD/target/release/stampede}
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
if [ "${TABLE:-1}" != 0 ] && ! command -v oha > /dev/null; then
  echo "oha is missing: cargo install oha --locked" >&2; exit 2
fi
if ! command -v nginx > /dev/null && [ ! -x /usr/sbin/nginx ]; then
  apt-get install -y nginx-light > /dev/null 2>&1 || apt-get install -y nginx > /dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
out=$(mktemp -d)
nginx_pid=""
trap '[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; [ "${KEEP:-0}" != 0 ] || rm -rf "$out"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$out/nginx/logs"
cat > "$out/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $out/nginx/nginx.pid;
error_log $out/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$port;
    location / {
      default_type application/json;
      return 200 '{"status":"ok"}';
    }
  }
}
EOF
"$nginx_bin" -p "$out/nginx" -c "$out/nginx/nginx.conf" &
nginx_pid=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break
  sleep 0.1
done
url="http://127.0.0.1:$port"
echo "target: nginx $("$nginx_bin" -v 2>&1 | sed 's#.*/##'), 1 worker, $url"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start, $(date -u +%FT%TZ)"
threads=${THREADS:-1}

# scenario RATE SPAN FILE: one `view_feed` (GET /health) per journey, evenly spaced.
scenario() {
  sed -e "s#rate: 2000/s#rate: $1/s#" -e "s#span: 10s#span: $2#" tests/bench/single-request.yaml > "$3"
}

[ "${TABLE:-1}" != 0 ] && echo && echo "| rate | stampede CPU-µs/req | oha CPU-µs/req | ratio | stampede start lateness p99 |"
[ "${TABLE:-1}" != 0 ] && echo "|---|---|---|---|---|"
rates=$([ "${TABLE:-1}" != 0 ] && echo "${@:-2000 5000 10000 20000}" || true)
for rate in $rates; do
  for r in $rate; do
    scenario "$r" 10s "$out/scenario-$r.yaml"
    /usr/bin/time -f "%U %S %M" -o "$out/stampede.time" "$bin" run "$out/scenario-$r.yaml" \
      --target "$url" --profile tests/bench/nginx-profile.yaml --threads "$threads" --quiet \
      --out "$out/run-$r" > "$out/stampede-$r.log" 2>&1 || true
    /usr/bin/time -f "%U %S %M" -o "$out/oha.time" oha -z 10s -q "$r" -c 50 --no-tui \
      --latency-correction "$url/health" > "$out/oha-$r.txt" 2>&1
    python3 - "$out" "$r" <<'PY'
import json, re, sys
out, rate = sys.argv[1], int(sys.argv[2])
def cpu(name):
    user, sys_, _ = open(f"{out}/{name}.time").read().split()[-3:]
    return float(user) + float(sys_)
def oha_requests(text):
    # Every request oha sent is in "Status code distribution" or "Error distribution".
    answered = sum(int(n) for n in re.findall(r"^\s*\[\d{3}\]\s+(\d+)\s+responses?", text, re.M))
    errors_part = text.split("Error distribution:", 1)[1] if "Error distribution:" in text else ""
    failed = sum(int(n) for n in re.findall(r"^\s*\[(\d+)\]", errors_part, re.M))
    if answered + failed == 0:
        sys.exit(f"cannot read oha's request count from {out}/oha-{rate}.txt")
    return answered + failed
try:
    r = json.load(open(f"{out}/run-{rate}/report.json"))
except OSError:
    sys.exit(open(f"{out}/stampede-{rate}.log").read())
done, sent = r["requests"], oha_requests(open(f"{out}/oha-{rate}.txt").read())
s, o = cpu("stampede") * 1e6 / done, cpu("oha") * 1e6 / sent
p99 = r["arrivals"]["lateness_us"]["p99"] / 1000
print(f"| {rate:,}/s | {s:.1f} | {o:.1f} | {s / o:.2f} | {p99:.2f} ms |")
PY
  done
done

if [ "${CALLGRIND:-1}" != 0 ] && command -v valgrind > /dev/null; then
  # A fixed run of 2,000 requests (200/s for 10 s; under valgrind the generator falls
  # behind, so no arrival is dropped for lateness: every request runs), and the same run at 100/s for 10 s (1,000 requests): the
  # difference divided by 1,000 is the instructions each added request costs, free of
  # start-up. Not free of closing intervals and writing the report, which grow with the
  # number of distinct latencies and so with timing (0.4k to 6.8k of the figure in three
  # runs of one build): the request path's own count (a slot's job, and hyper's
  # connection task, inclusive) is the figure to watch for regressions.
  for n in 1000 2000; do
    scenario $((n / 10)) 10s "$out/cg-$n.yaml"
    valgrind --tool=callgrind --callgrind-out-file="$out/callgrind-$n.out" "$bin" run "$out/cg-$n.yaml" \
      --target "$url" --profile tests/bench/nginx-profile.yaml --threads 1 --quiet \
      --lateness-budget 1h --drain 10m --out "$out/cg-run-$n" > /dev/null 2> "$out/cg-$n.log" || true
  done
  python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
def counts(n):
    text = open(f"{out}/cg-{n}.log").read()
    ir = int(re.search(r"Collected : (\d+)", text).group(1))
    return ir, json.load(open(f"{out}/cg-run-{n}/report.json"))["requests"]
(ir1, n1), (ir2, n2) = counts(1000), counts(2000)
print(f"\ncallgrind: {n2:,} requests {ir2 / 1e6:,.0f} M instructions ({ir2 / n2:,.0f} Ir/request all in); "
      f"each added request {(ir2 - ir1) / max(n2 - n1, 1):,.0f} Ir ({n1:,} requests: {ir1 / 1e6:,.0f} M)")
PATH_FUNCTIONS = ("stampede::executor::slots::run_job::{{closure}}",
                  "hyper::proto::h1::dispatch::Dispatcher<D,Bs,I,T>::poll_catch")
def path(n):
    import subprocess
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--auto=no", "--threshold=100",
                           f"{out}/callgrind-{n}.out"], capture_output=True, text=True).stdout
    best = dict.fromkeys(PATH_FUNCTIONS, 0)
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S*?:?(\S.*?)(?: \[.*\])?$", line)
        for name in PATH_FUNCTIONS:
            if m and m.group(2).endswith(name):
                best[name] = max(best[name], int(m.group(1).replace(",", "")))
    return best
p1, p2 = path(1000), path(2000)
job, conn = ((p2[f] - p1[f]) / max(n2 - n1, 1) for f in PATH_FUNCTIONS)
print(f"request path per added request: {job + conn:,.0f} Ir (a slot's job {job:,.0f}, hyper's connection task {conn:,.0f})")
PY
fi

if [ "${IDLE_SLOTS:-1}" != 0 ]; then
  # The same ~120-journey replay with 64, 4,096 and 8,032 worker slots (its 2 ms spike
  # asks for 8,032; few are ever busy): the RSS added per slot is what an idle slot costs.
  for slots in 64 4096 8192; do
    /usr/bin/time -f "%M" -o "$out/idle-$slots.time" "$bin" run tests/bench/idle-slots.yaml \
      --target "$url" --profile tests/bench/nginx-profile.yaml --max-in-flight "$slots" --quiet \
      --out "$out/idle-$slots" > /dev/null 2>&1 || true
  done
  python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
kib = {n: int(open(f"{out}/idle-{n}.time").read().split()[-1]) for n in (64, 4096, 8192)}
slots = {n: json.load(open(f"{out}/idle-{n}/report.json"))["slots"] for n in kib}
per = (kib[8192] - kib[64]) * 1024 / (slots[8192] - slots[64])
print(f"idle slot: {per:,.0f} bytes (peak RSS {kib[64] / 1024:.1f} / {kib[4096] / 1024:.1f} / "
      f"{kib[8192] / 1024:.1f} MiB with {slots[64]:,} / {slots[4096]:,} / {slots[8192]:,} slots)")
PY
fi

if [ "${MAIN_JOB:-1}" != 0 ]; then
  /usr/bin/time -f "%M" -o "$out/main.time" "$bin" run scenarios/rednote-2025-01.yaml --quiet \
    --out "$out/main" > /dev/null 2>&1 || true
  slots=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['slots'])" "$out/main/report.json" 2>/dev/null || echo "?")
  echo "main job (scenarios/rednote-2025-01.yaml): peak RSS $(( $(tail -1 "$out/main.time") / 1024 )) MiB, $slots worker slots"
fi
