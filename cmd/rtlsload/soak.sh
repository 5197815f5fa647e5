#!/usr/bin/env bash
# soak.sh: rtlsload's hospital mix against rtlsd with a real redis-server on
# loopback, a row every 10 s. Run from the repository root (make soak).
#   DURATION (10m)  RATE sightings/s (50000)  RESTART_EVERY seconds between
#   rtlsd restarts (0: none; exercises the load's reconnection)
#   RTLSD (bin/rtlsd)  RTLSLOAD (bin/rtlsload)  OUT (report JSON, soak.json)
set -euo pipefail
DURATION=${DURATION:-10m}
RATE=${RATE:-50000}
RESTART_EVERY=${RESTART_EVERY:-0}
RTLSD=${RTLSD:-bin/rtlsd}
RTLSLOAD=${RTLSLOAD:-bin/rtlsload}
OUT=${OUT:-soak.json}
. "$(dirname "$0")/lib.sh"

start_redis
start_rtlsd "$RTLSD"
echo "soak: $DURATION at about $RATE sightings/s; rtlsd $RTLSD (log $WORK/rtlsd.log), redis-server :$REDIS_PORT" >&2
"$RTLSLOAD" --mix --floorplan "$PLAN" --rate "$RATE" --duration "$DURATION" --coap-addr "$COAP_ADDR" \
	--grpc-addr "$GRPC_ADDR" --metrics-addr "$METRICS_ADDR" --json "$OUT" &
LOAD_PID=$!
if [ "$RESTART_EVERY" -gt 0 ]; then
	while kill -0 "$LOAD_PID" 2>/dev/null; do
		sleep "$RESTART_EVERY"
		kill -0 "$LOAD_PID" 2>/dev/null || break
		echo "soak: restarting rtlsd" >&2
		stop_rtlsd
		start_rtlsd "$RTLSD"
	done
fi
wait "$LOAD_PID"
