# Shared by soak.sh and capacity.sh: start and stop a real redis-server and
# rtlsd on loopback. Source it; it sets WORK (a temporary directory) and
# stops what it started on exit.

PLAN=${PLAN:-floorplans/testdata/synthetic-clinic.geojson}
REDIS_PORT=${REDIS_PORT:-6391}
COAP_ADDR=${COAP_ADDR:-127.0.0.1:5693}
GRPC_ADDR=${GRPC_ADDR:-127.0.0.1:50061}
METRICS_ADDR=${METRICS_ADDR:-127.0.0.1:9474}
PPROF_ADDR=${PPROF_ADDR:-127.0.0.1:6061}
WORK=$(mktemp -d -t rtlsload.XXXXXX)
REDIS_PID=
RTLSD_PID=

stop_all() {
	stop_rtlsd
	stop_redis
}

# stop_redis kills redis-server outright: it may be busy in a long script
# (an rtlsd write it gave up on), which would delay a SIGTERM.
stop_redis() {
	if [ -n "$REDIS_PID" ]; then kill -9 "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; REDIS_PID=; fi
}
trap stop_all EXIT INT TERM

start_redis() {
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
		--logfile "$WORK/redis.log" &
	REDIS_PID=$!
	for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "redis-server did not start (port $REDIS_PORT): $WORK/redis.log" >&2
	return 1
}

# start_rtlsd BINARY [extra flags...]: rtlsd on the plan, plain CoAP, no
# per-reader rate limits (the load posts each reader's share of a whole
# hospital), logs in $WORK/rtlsd.log.
start_rtlsd() {
	local bin=$1
	shift
	RTLSD_PPROF_ADDR=$PPROF_ADDR "$bin" --floorplan "$PLAN" --redis "redis://127.0.0.1:$REDIS_PORT/0" --insecure \
		--coap-addr "$COAP_ADDR" --grpc-addr "$GRPC_ADDR" --metrics-addr "$METRICS_ADDR" --http-addr '' \
		--reader-batch-rate 0 --reader-sighting-rate 0 --log-level warn "$@" 2>>"$WORK/rtlsd.log" &
	RTLSD_PID=$!
	for _ in $(seq 100); do curl -sf "http://$METRICS_ADDR/metrics" >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "rtlsd did not start: $WORK/rtlsd.log" >&2
	return 1
}

stop_rtlsd() {
	if [ -n "$RTLSD_PID" ]; then kill "$RTLSD_PID" 2>/dev/null || true; wait "$RTLSD_PID" 2>/dev/null || true; RTLSD_PID=; fi
}
