#!/usr/bin/env bash
# Calibration benchmark of the regression gate (`stampede compare`): how often does it
# cry wolf on two runs of the same build (A/A), and how often does it catch a platform
# whose latency grew by 25 % (A/B)?
#
# Every run replays tests/bench/calibration.yaml (12 s) against a fresh reference
# platform (`stampede serve --hash-cost low`) on 127.0.0.1 with injected latency:
#   A (baseline):  --fault-latency all=lognormal:20ms,0.3
#   B (+25 %):     --fault-latency all=lognormal:25ms,0.3
# Scaling a lognormal's median scales every quantile of the injected delay by 1.25; the
# platform's own processing time (1–3 ms) is unchanged, so the end-to-end change is a
# little under +25 % — slightly harder to detect than the brief's +25 %.
#
# The defaults were tuned on that set (`--set tuning`), so its figures are in-sample. The
# figures to quote come from a held-out set (`--set held-out`) the tuning never saw:
# other seeds (1000 + i for pair i), another injected distribution and another endpoint —
# exponential latency on view_feed alone:
#   A (baseline):  --fault-latency view_feed=exp:20ms
#   B (+25 %):     --fault-latency view_feed=exp:25ms
# (scaling an exponential's mean scales every quantile by 1.25; the other actions are
# untouched, so only one action's rows may detect it).
#
# Runs go A, B, A for each pair i, so A/A pair i = (A_2i-1, A_2i) and A/B pair i =
# (A_2i-1, B_i), and slow drifts of the machine hit both kinds alike. Each server is
# fresh, so a growing database never separates the runs.
#
# Usage:
#   tests/bench/calibrate.sh [--set tuning|held-out] [--pairs N] [--dir DIR] [--reuse] [-- COMPARE FLAGS...]
# --reuse skips the runs and re-compares those already in DIR (for tuning the flags).
# Bounded: each run is killed after 120 s, each server after the run; loopback only.
set -euo pipefail

pairs=20
set_name=tuning
dir=
reuse=false
while [[ $# -gt 0 ]]; do
    case $1 in
        --set) set_name=$2; shift 2 ;;
        --pairs) pairs=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --reuse) reuse=true; shift ;;
        --) shift; break ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
compare_flags=("$@")
case $set_name in
    tuning) fault_a=all=lognormal:20ms,0.3 fault_b=all=lognormal:25ms,0.3 seed_base= ;;
    held-out) fault_a=view_feed=exp:20ms fault_b=view_feed=exp:25ms seed_base=1000 ;;
    *) echo "unknown set: $set_name (expected tuning or held-out)" >&2; exit 2 ;;
esac
dir=${dir:-${TMPDIR:-/tmp}/stampede-calibration-$set_name}

root=$(cd "$(dirname "$0")/../.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
bin=$target_dir/release/stampede
scenario=$root/tests/bench/calibration.yaml
mkdir -p "$dir/runs" "$dir/compare"

server_pid=
stop_server() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -INT "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=
}
trap stop_server EXIT

# run NAME FAULT SEED: one replay against a fresh server injecting latency FAULT (a
# --fault-latency value), with the scenario's seed unless SEED is given.
run() {
    local name=$1 fault=$2 seed=${3:-} out=$dir/runs/$1 url=
    local seed_flags=()
    [[ -n $seed ]] && seed_flags=(--seed "$seed")
    rm -rf "$out" && mkdir -p "$out"
    "$bin" serve --listen 127.0.0.1:0 --hash-cost low \
        --fault-latency "$fault" >"$out/serve.out" 2>"$out/serve.err" &
    server_pid=$!
    for _ in $(seq 100); do
        url=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$out/serve.out" | head -n1)
        [[ -n $url ]] && break
        sleep 0.1
    done
    if [[ -z $url ]]; then echo "server did not start: $(cat "$out/serve.err")" >&2; exit 2; fi
    local code=0
    timeout 120 "$bin" run "$scenario" "${seed_flags[@]}" --target "$url" --quiet --out "$out" >"$out/run.log" 2>&1 || code=$?
    stop_server
    if [[ $code -ne 0 ]]; then echo "run $name exited $code: $(tail -n3 "$out/run.log")" >&2; exit 2; fi
    printf '%s ' "$name"
}

if [[ $reuse == false ]]; then
    (cd "$root" && cargo build --release --quiet)
    started=$(date +%s)
    for i in $(seq "$pairs"); do
        seed=${seed_base:+$((seed_base + i))}
        run "a$((2 * i - 1))" "$fault_a" "$seed"
        run "b$i" "$fault_b" "$seed"
        run "a$((2 * i))" "$fault_a" "$seed"
    done
    echo
    echo "runs: $((3 * pairs)) in $(($(date +%s) - started)) s"
fi

# compare KIND I BASELINE CANDIDATE: prints nothing, records the exit code and the table.
false_regressions=0 detections=0 aa_inconclusive=0
for i in $(seq "$pairs"); do
    for kind in aa ab; do
        base=$dir/runs/a$((2 * i - 1))
        if [[ $kind == aa ]]; then cand=$dir/runs/a$((2 * i)); else cand=$dir/runs/b$i; fi
        table=$dir/compare/$kind-$i.txt
        code=0
        "$bin" compare "$base" "$cand" "${compare_flags[@]}" >"$table" 2>&1 || code=$?
        "$bin" compare "$base" "$cand" "${compare_flags[@]}" --format json >"${table%.txt}.json" 2>/dev/null || true
        if [[ $code -eq 2 ]]; then echo "compare $kind $i failed: $(cat "$table")" >&2; exit 2; fi
        if [[ $kind == aa ]]; then
            [[ $code -eq 1 ]] && false_regressions=$((false_regressions + 1))
            grep -q inconclusive "$table" && aa_inconclusive=$((aa_inconclusive + 1))
        else
            [[ $code -eq 1 ]] && detections=$((detections + 1))
        fi
    done
done

echo "set: $set_name (A: $fault_a, B: $fault_b${seed_base:+, seeds $((seed_base + 1))..$((seed_base + pairs))})"
echo "compare flags: ${compare_flags[*]:-(defaults)}"
echo "A/A pairs: $pairs, false regressions: $false_regressions (pairs with an inconclusive row: $aa_inconclusive)"
echo "A/B pairs (+25 % injected latency): $pairs, detections: $detections"
echo "tables: $dir/compare/"
if [[ $false_regressions -le 1 && $detections -ge $((pairs - 1)) ]]; then
    echo "goal met (at most 1 false regression, at least $((pairs - 1)) detections)"
else
    echo "goal NOT met"
    exit 1
fi
