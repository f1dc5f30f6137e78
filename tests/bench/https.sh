#!/usr/bin/env bash
# Benchmark (not a test): what TLS costs the generator. stampede at a fixed rate of
# single-request journeys against `stampede serve` on 127.0.0.1, over plain HTTP, over
# HTTPS with HTTP/1.1 (--http1) and over HTTPS with h2 (ALPN), each 10 s; oha against the
# same servers in the same run when it is installed (`cargo install oha`). Prints CPU-µs
# per request of each generator and the connections stampede opened per run.
# Needs: a release build, python3, /usr/bin/time; oha optional. Loopback only; bounded.
#
# usage: tests/bench/https.sh        RATE=2000 (requests/s)  SECONDS_EACH=10
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=target/release/stampede
rate=${RATE:-2000}
out=$(mktemp -d)
trap 'kill $plain $tls 2>/dev/null || true; rm -rf "$out"' EXIT

start() { # log, extra serve flags...
  local log=$1; shift
  $bin serve --listen 127.0.0.1:0 --hash-cost low "$@" > "$log" 2>/dev/null &
  for _ in $(seq 300); do grep -q listening "$log" 2>/dev/null && break; sleep 0.1; done
}
start "$out/plain.log"; plain=$!
start "$out/tls.log" --tls-self-signed "$out/certs"; tls=$!
http_url=$(head -1 "$out/plain.log" | sed 's/listening on //')
https_url=$(head -1 "$out/tls.log" | sed 's/listening on //')
echo "targets: $http_url and $https_url; $rate requests/s for ${SECONDS_EACH:-10} s each"
sed "s#rate: 2000/s#rate: ${rate}/s#; s#span: 10s#span: ${SECONDS_EACH:-10}s#" \
  tests/bench/single-request.yaml > "$out/scenario.yaml"

measure() { # label, url, stampede flags, oha flags
  local label=$1 url=$2 flags=$3 oha_flags=$4
  /usr/bin/time -f "%U %S" -o "$out/stampede.time" $bin run "$out/scenario.yaml" --target "$url" \
    --profile tests/bench/health-profile.yaml --quiet --out "$out/run-$label" $flags > /dev/null 2>&1
  /usr/bin/time -f "%U %S" -o "$out/render.time" $bin report "$out/run-$label" > /dev/null 2>&1
  local oha_line="oha: not installed"
  if command -v oha > /dev/null; then
    /usr/bin/time -f "%U %S" -o "$out/oha.time" oha -z "${SECONDS_EACH:-10}s" -q "$rate" -c 256 --no-tui \
      $oha_flags "$url/health" > "$out/oha-$label.txt" 2>&1
    oha_line=$(python3 - "$out" "$label" <<'PY'
import re, sys
out, label = sys.argv[1:]
text = open(f"{out}/oha-{label}.txt").read()
answered = sum(int(n) for n in re.findall(r"^\s*\[\d{3}\]\s+(\d+)\s+responses?", text, re.M))
errors = text.split("Error distribution:", 1)[1] if "Error distribution:" in text else ""
sent = answered + sum(int(n) for n in re.findall(r"^\s*\[(\d+)\]", errors, re.M))
cpu = sum(float(x) for x in open(f"{out}/oha.time").read().split())
print(f"oha {sent} requests, {cpu * 1e6 / max(sent, 1):.0f} CPU-µs/req")
PY
)
  fi
  python3 - "$out" "$label" "$oha_line" <<'PY'
import json, sys
out, label, oha = sys.argv[1:]
cpu = lambda name: sum(float(x) for x in open(f"{out}/{name}.time").read().split())
r = json.load(open(f"{out}/run-{label}/report.json"))
t = r.get("transport") or {}
used = max(cpu("stampede") - cpu("render"), 0.0)
print(f"{label:<10} stampede {r['requests']} requests ({r['errors']} errors), "
      f"{used * 1e6 / max(r['requests'], 1):.0f} CPU-µs/req (report rendering excluded), "
      f"{t.get('protocol', '?')}, {t.get('connections_opened', '?')} connections opened; {oha}")
PY
}

measure http "$http_url" "" ""
measure https-h1 "$https_url" "--ca-cert $out/certs/ca.pem --http1" "--insecure --http-version 1.1"
measure https-h2 "$https_url" "--ca-cert $out/certs/ca.pem" "--insecure --http2"
