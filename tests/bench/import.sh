#!/usr/bin/env bash
# Import throughput and peak memory on a generated access log (issue 21's figures).
#
#   tests/bench/import.sh [SIZE_MB] [FORMAT]     # default 1024 MB, combined (or json)
#
# Generates a combined (or JSON) log of about SIZE_MB in a temporary directory — a two-day
# surge of signups from ~2 million clients, each followed by a few mapped requests, 2 % of
# lines broken — imports it with /usr/bin/time -v, prints lines/s and the maximum resident
# set size, and deletes the log. Run it on an idle machine: it is a benchmark, not a test.
set -euo pipefail
size_mb=${1:-1024}
format=${2:-combined}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/target/release/stampede"
[ -x "$bin" ] || (cd "$root" && cargo build --release --quiet)
work=$(mktemp -d /tmp/stampede-import-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
log="$work/access.log"

python3 - "$log" "$size_mb" "$format" <<'PY'
import json, random, sys, time
path, size_mb, fmt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
random.seed(21)
limit = size_mb * 1024 * 1024
start = 1736744400  # 2025-01-13T05:00:00Z
paths = ["/api/timeline?limit=20", "/api/posts", "/api/media", "/api/posts/%d/like", "/api/users/%d", "/health"]
methods = ["GET", "POST", "POST", "POST", "GET", "GET"]
written = 0
t = 0.0
with open(path, "w", buffering=1 << 20) as out:
    while written < limit:
        t += random.expovariate(1 / 0.02)          # ~50 lines/s of log time: two days in 1 GB
        client = random.randrange(2_000_000)
        ip = "10.%d.%d.%d" % (client >> 16 & 255, client >> 8 & 255, client & 255)
        if random.random() < 0.15:
            method, p = "POST", "/api/signup"
        else:
            i = random.randrange(len(paths))
            method, p = methods[i], paths[i] % random.randrange(1, 10**6) if "%d" in paths[i] else paths[i]
        stamp = time.gmtime(start + t)
        if fmt == "json":
            line = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", stamp), "method": method, "path": p,
                               "status": 200, "user": "u%d" % client, "user_agent": "bench"})
        else:
            line = '%s - - [%s +0000] "%s %s HTTP/1.1" 200 %d "-" "Mozilla/5.0 (bench %d)"' % (
                ip, time.strftime("%d/%b/%Y:%H:%M:%S", stamp), method, p, random.randrange(100, 5000), client % 7)
        if random.random() < 0.02:
            line = line[: len(line) // 2]           # a broken line
        out.write(line + "\n")
        written += len(line) + 1
PY

lines=$(wc -l < "$log")
bytes=$(stat -c %s "$log")
echo "log: $lines lines, $((bytes / 1024 / 1024)) MiB ($format)"
/usr/bin/time -v "$bin" import access-log "$log" --format "$format" --bin 1m --out "$work/out" \
    --map 'GET /api/timeline=view_feed' --map 'POST /api/posts=create_post' \
    --map 'POST /api/media=upload_media' --map 'POST /api/posts/*/like=like' \
    --map 'GET /api/users/*=view_user' > "$work/summary.txt" 2> "$work/time.txt"
head -4 "$work/summary.txt"
grep -E "journeys|think" "$work/summary.txt" || true
elapsed=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
secs=$(echo "$elapsed" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
echo "elapsed ${elapsed} · $(awk -v l="$lines" -v s="$secs" 'BEGIN { printf "%.0f", l / s }') lines/s · $(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.0f", b / s / 1048576 }') MiB/s · peak RSS $((rss / 1024)) MiB"
