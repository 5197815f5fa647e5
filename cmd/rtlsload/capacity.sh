#!/usr/bin/env bash
# capacity.sh: the capacity curve. For each build and each offered rate, a
# fresh rtlsd (built with -tags pprof) on an emptied real redis-server runs
# rtlsload's hospital mix for POINT (the first 10 s are warm-up, left out);
# one line of a markdown table per point on stdout, JSON reports and a CPU
# profile per point in $RESULTS. Run from the repository root (make capacity).
#   BUILDS  "name=path/to/rtlsd ..." (default: this tree, built now)
#   RATES   offered sightings/s ("20000 40000 60000 80000 100000 120000 150000")
#   POINT   seconds per point (40)   RESULTS (capacity-results)
#   RTLSD_FLAGS  extra rtlsd flags for every point (e.g. "--tick 100ms")
set -euo pipefail
RATES=${RATES:-20000 40000 60000 80000 100000 120000 150000}
POINT=${POINT:-40}
RESULTS=${RESULTS:-capacity-results}
RTLSLOAD=${RTLSLOAD:-bin/rtlsload}
mkdir -p "$RESULTS"
. "$(dirname "$0")/lib.sh"
if [ -z "${BUILDS:-}" ]; then
	go build -tags pprof -o "$WORK/rtlsd" ./cmd/rtlsd
	BUILDS="this=$WORK/rtlsd"
fi
go build -o "$RTLSLOAD" ./cmd/rtlsload

echo "| build | offered/s | acked/s | 5.03 sightings/s | retried/s | told late/s | no answer/s | dropped after 2.04/s | clean/s | positions/s | kernel drops (whole point) | ack p50/p99 ms | ENTER beyond p50/p99 ms | epoch flushed / events / stored p50/p99 ms | rtlsd cores | µs CPU/sighting | RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for build in $BUILDS; do
	name=${build%%=*}
	bin=${build#*=}
	for rate in $RATES; do
		# A fresh redis-server each point: an earlier rtlsd may have left it
		# busy in a long write script.
		stop_redis
		start_redis
		# shellcheck disable=SC2086 # RTLSD_FLAGS are words
		if ! start_rtlsd "$bin" ${RTLSD_FLAGS:-}; then
			echo "| $name | $rate | rtlsd did not start: $(tail -c 300 "$WORK/rtlsd.log") |"
			stop_rtlsd
			continue
		fi
		json="$RESULTS/$name-$rate.json"
		# A CPU profile of the middle of the point, if the build serves pprof.
		( sleep $((POINT / 2 - 5)); curl -sf -o "$RESULTS/$name-$rate.pprof" \
			"http://$PPROF_ADDR/debug/pprof/profile?seconds=10" || true ) &
		prof=$!
		"$RTLSLOAD" --mix --floorplan "$PLAN" --rate "$rate" --duration "${POINT}s" --coap-addr "$COAP_ADDR" \
			--grpc-addr "$GRPC_ADDR" --metrics-addr "$METRICS_ADDR" --json "$json" >"$RESULTS/$name-$rate.txt" 2>&1 || true
		wait "$prof" || true
		# The kernel's drops on rtlsd's CoAP socket over the whole point,
		# from /proc/net/udp whatever the build exports.
		kdrops=$(awk -v port="$(printf ':%04X' "${COAP_ADDR##*:}")" '$2 ~ port"$" { print $NF; exit }' /proc/net/udp 2>/dev/null || true)
		stop_rtlsd
		python3 - "$name" "$json" "${kdrops:--}" <<'PY'
import json, sys
name, path, kd = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    s = json.load(open(path))["Steady"]
except Exception as e:
    print(f"| {name} | (no report: {e}) |"); sys.exit()
ms = lambda d: d / 1e6
# the server's epoch delay (builds without rtls_pipeline_epoch_delay_seconds: -)
q = lambda k: f"{ms(s[k]['P50']):.0f}/{ms(s[k]['P99']):.0f}" if s.get(k, {}).get('N') else "-"
print(f"| {name} | {s['Offered']:.0f} | {s['Acked']:.0f} | {s['Refused503']:.0f} | {s.get('Retried', 0):.0f} | {s.get('ToldLate', 0):.0f} | {s['NoAnswer']:.0f} | {s['Dropped']:.0f} | "
      f"{s['Clean']:.0f} | {s['Positions']:.0f} | {kd} | {ms(s['Ack']['P50']):.1f}/{ms(s['Ack']['P99']):.1f} | "
      f"{ms(s['EventBeyond']['P50']):.0f}/{ms(s['EventBeyond']['P99']):.0f} | "
      f"{q('Flushed')} / {q('Events')} / {q('Stored')} | {s['ServerCores']:.2f} | "
      f"{s['CPUPerSightingMicro']:.1f} | {s['RSSMB']:.0f} |")
PY
	done
done
