#!/usr/bin/env bash
# Calibration benchmark of the paired A/B gate (`stampede ab`) beside the two-run gate
# (`stampede compare`): how often does each cry wolf on two identical platforms (A/A), and
# how often does each catch one endpoint slower by EFFECT % (A/B)?
#
# Pair i (seed 1000 + i) is two `stampede ab` runs of tests/bench/calibration.yaml (12 s),
# each starting two fresh reference platforms (`serve --hash-cost low`) from this build:
#   aa-i:  baseline and candidate both --fault-latency view_feed=lognormal:20ms,0.3
#   ab-i:  baseline view_feed=lognormal:20ms,0.3, candidate lognormal:(20 × (1 + EFFECT/100))ms,0.3
# (scaling a lognormal's median scales every quantile: +EFFECT % of the injected delay on
# view_feed only; the platform's own 1–3 ms are unchanged, so the end-to-end change is a
# little smaller). `--fault exp` injects exponential delays instead (mean 20 ms): spread as
# wide as their mean, so a run's percentiles carry far more sampling noise of their own —
# noise no pairing removes, as the two deployments draw their delays independently.
# `ab` judges each pair of simultaneous runs. The same runs give `compare` its table the
# way it is used, on runs made apart (~20 s): A/A = (aa-i baseline, ab-i baseline), A/B =
# (aa-i baseline, ab-i candidate).
#
# --busy runs a CPU burner on every core through the measurements (bounded by the
# script's own lifetime and a timeout), as a shared CI runner would.
#
# Usage: tests/bench/ab-calibrate.sh [--pairs N] [--effect PERCENT] [--fault lognormal|exp]
#        [--busy] [--dir DIR] [--reuse] [--scenario FILE]
# --scenario replays FILE instead (tests/bench/calibration-dense.yaml: three times the
# view_feed requests, for small effects).
# --reuse judges the runs already in DIR again (`stampede compare --paired` on each A/B
# run's two directories), e.g. after changing the statistic or its flags.
#        [-- COMPARE FLAGS...]   (flags given to both `ab` and `compare`)
# Loopback only; every run is killed after 120 s.
set -euo pipefail

pairs=20 effect=25 fault=lognormal busy=false dir= reuse=false scenario=
while [[ $# -gt 0 ]]; do
    case $1 in
        --pairs) pairs=$2; shift 2 ;;
        --effect) effect=$2; shift 2 ;;
        --fault) fault=$2; shift 2 ;;
        --busy) busy=true; shift ;;
        --reuse) reuse=true; shift ;;
        --dir) dir=$2; shift 2 ;;
        --scenario) scenario=$(realpath "$2"); shift 2 ;;
        --) shift; break ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
flags=("$@")
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CARGO_TARGET_DIR:-$root/target}/release/stampede
scenario=${scenario:-$root/tests/bench/calibration.yaml}
dir=${dir:-${TMPDIR:-/tmp}/stampede-ab-calibration-$fault-$effect$([[ $busy == true ]] && echo -busy)}
mkdir -p "$dir"
slower=$(awk -v e="$effect" 'BEGIN { printf "%g", 20 * (1 + e / 100) }')
case $fault in
    lognormal) fault_a=view_feed=lognormal:20ms,0.3 fault_b=view_feed=lognormal:${slower}ms,0.3 ;;
    exp) fault_a=view_feed=exp:20ms fault_b=view_feed=exp:${slower}ms ;;
    *) echo "unknown fault: $fault (expected lognormal or exp)" >&2; exit 2 ;;
esac

# Built before the burners start: a build under them would be the first measurement's noise.
[[ $reuse == true ]] || (cd "$root" && cargo build --release --quiet)
burners=()
stop() { for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop EXIT
if [[ $busy == true ]]; then
    for _ in $(seq "$(nproc)"); do
        timeout 7200 bash -c 'while :; do :; done' &
        burners+=($!)
    done
fi

load_samples=()
code=0
# ab NAME FAULT_A FAULT_B SEED: one paired run; its exit code in $code.
ab() {
    code=0
    if [[ $reuse == true ]]; then
        "$bin" compare --paired "$dir/$1/baseline" "$dir/$1/candidate" "${flags[@]}" >"$dir/$1.txt" 2>&1 || code=$?
        return
    fi
    timeout 120 "$bin" ab "$scenario" --seed "$4" --out "$dir/$1" \
        "--baseline-serve-arg=--fault-latency=$2" "--candidate-serve-arg=--fault-latency=$3" \
        "${flags[@]}" >"$dir/$1.txt" 2>&1 || code=$?
    load_samples+=("$(cut -d' ' -f1 /proc/loadavg)")
    if [[ $code -eq 2 || $code -eq 124 ]]; then echo "ab $1 failed: $(tail -n3 "$dir/$1.txt")" >&2; exit 2; fi
}
# compare NAME BASE CAND: the two-run gate on two of those runs; its exit code in $code.
compare() {
    code=0
    "$bin" compare "$2" "$3" "${flags[@]}" >"$dir/compare-$1.txt" 2>&1 || code=$?
    if [[ $code -eq 2 ]]; then echo "compare $1 failed: $(tail -n3 "$dir/compare-$1.txt")" >&2; exit 2; fi
}

ab_false=0 ab_caught=0 cmp_false=0 cmp_caught=0
started=$(date +%s)
for i in $(seq "$pairs"); do
    seed=$((1000 + i))
    ab "aa-$i" "$fault_a" "$fault_a" "$seed"; [[ $code -eq 1 ]] && ab_false=$((ab_false + 1))
    ab "ab-$i" "$fault_a" "$fault_b" "$seed"; [[ $code -eq 1 ]] && ab_caught=$((ab_caught + 1))
    compare "aa-$i" "$dir/aa-$i/baseline" "$dir/ab-$i/baseline"; [[ $code -eq 1 ]] && cmp_false=$((cmp_false + 1))
    compare "ab-$i" "$dir/aa-$i/baseline" "$dir/ab-$i/candidate"; [[ $code -eq 1 ]] && cmp_caught=$((cmp_caught + 1))
    printf 'pair %d: ab %d/%d false, %d/%d caught; compare %d/%d false, %d/%d caught\n' \
        "$i" "$ab_false" "$i" "$ab_caught" "$i" "$cmp_false" "$i" "$cmp_caught" "$i"
done
sorted=$(printf '%s\n' "${load_samples[@]}" | sort -n)
echo
echo "effect +$effect % on view_feed ($fault), $pairs pairs of 12 s replays of $(basename "$scenario"), busy=$busy, $(($(date +%s) - started)) s"
echo "load average (1 min) over the runs: median $(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'), range $(echo "$sorted" | head -n1)–$(echo "$sorted" | tail -n1)"
echo
echo "| gate | A/A false regressions | +$effect % caught |"
echo "|---|---|---|"
echo "| ab (paired, simultaneous) | $ab_false of $pairs | $ab_caught of $pairs |"
echo "| compare (two runs apart) | $cmp_false of $pairs | $cmp_caught of $pairs |"
