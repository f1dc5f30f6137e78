#!/usr/bin/env bash
# Proves the tests bite: applies each planted bug (issue 23) to a scratch copy of the
# committed tree, builds it, runs the test that guards against that bug, and reports
# whether the test failed as it should.
#
#   tests/plants.sh            # every plant
#   tests/plants.sh css        # plants whose name contains `css`
#
# The scratch copy and its target dir (seeded from target/release, so dependencies are not
# rebuilt) live in a temp dir removed on exit. Needs what the integration tests need
# (chromium for the chart plants). Exit status: 0 when every plant was caught.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
only=${1:-}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/stampede-plants.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

echo "== scratch copy of HEAD in $scratch"
mkdir -p "$scratch/repo" "$scratch/target"
git -C "$root" archive HEAD | tar -x -C "$scratch/repo"
if [ -d "$root/target/release" ]; then
  cp -a "$root/target/release" "$scratch/target/release"
fi
export CARGO_TARGET_DIR="$scratch/target"

# name | file | sed expression | test filter (integration test names)
plants=(
  "started-is-planned|src/report/html/charts.rs|s/p\.arrivals_started as f64 \/ dt/p.arrivals_planned as f64 \/ dt/|charts::the_started_line_is_the_started_series_and_dips_during_the_stall"
  "think-dropped-from-intended|src/executor/walk.rs|s/^\(\s*\)self\.step_intended += think;/\1let _ = think;/|pacing::a_stall_on_a_later_step_counts_from_arrival_plus_think_times"
  "think-from-previous-end|src/executor/walk.rs|s/^\(\s*\)self\.step_intended += think;/\1self.step_intended = self.ready + think;/|pacing::a_stall_on_a_later_step_counts_from_arrival_plus_think_times"
  "no-lateness-drops|src/executor/journey.rs|s/let late = lateness > ctx\.lateness_budget;/let late = false \&\& lateness > ctx.lateness_budget;/|pacing::a_stall_drops_late_arrivals_counted_per_interval_and_judged"
  "room-stay-holds-slot|src/executor/walk.rs|s/^\(\s*\)room::spawn(ctx, client, \&self\.vars, stay);/\1let until = stay.until; room::spawn(ctx, client, \&self.vars, stay); journey::sleep_until(ctx, until).await;/|validity::a_room_storm_beyond_the_slot_budget_starts_every_arrival_on_time"
  "css-hides-charts|src/report/html/style.css|\$a svg.chart { display: none; }|charts::every_chart_is_displayed_with_visible_series"
)

missed=0
results=()
for plant in "${plants[@]}"; do
  IFS='|' read -r name file expr filter <<<"$plant"
  [[ -n "$only" && "$name" != *"$only"* ]] && continue
  echo "== plant $name: $file"
  git -C "$root" show "HEAD:$file" >"$scratch/repo/$file"
  sed -i "$expr" "$scratch/repo/$file"
  if cmp -s <(git -C "$root" show "HEAD:$file") "$scratch/repo/$file"; then
    results+=("$name: NOT APPLIED (the sed matched nothing)"); missed=1; continue
  fi
  if ! (cd "$scratch/repo" && cargo test --release --test integration --no-run -q) >"$scratch/build.log" 2>&1; then
    tail -20 "$scratch/build.log"
    results+=("$name: DOES NOT BUILD"); missed=1
  elif (cd "$scratch/repo" && cargo test --release -q --test integration -- --exact "$filter") >"$scratch/test.log" 2>&1; then
    results+=("$name: MISSED ($filter passed)"); missed=1
  else
    why=$(grep -m1 -A1 "panicked at" "$scratch/test.log" | tail -1 | cut -c1-160)
    results+=("$name: caught by $filter — $why")
  fi
  git -C "$root" show "HEAD:$file" >"$scratch/repo/$file"
done

echo "== outcomes"
printf '%s\n' "${results[@]}"
exit "$missed"
