#!/usr/bin/env bash
# stages.sh BINARY PROFILE...: rtlsd's CPU by stage in capacity.sh's CPU
# profiles (cumulative time of each stage's entry points, as a share of the
# profile's samples): the CoAP front (read, decode, validate, hand-off),
# the CBOR/JSON decode alone, the ingest log's consumer (Redis mode), the engine (Add, Flush and its worker
# goroutines), the geofence, the store writes,
# the garbage collector.
set -euo pipefail
bin=$1
shift
printf '| profile | CPU s in 10 s | front | decode | log consumer | engine | geofence | store | GC |\n|---|---|---|---|---|---|---|---|---|\n'
for prof in "$@"; do
	go tool pprof -top -cum "$bin" "$prof" 2>/dev/null | awk -v name="$(basename "$prof" .pprof)" '
	/Total samples/ { for (i = 1; i <= NF; i++) if ($i == "samples") { t = $(i + 2); total = t + 0; if (t ~ /ms$/) total /= 1000 } }
	function cum(pat,   v) { return (pat in best) ? best[pat] : 0 }
	NF >= 6 && $4 ~ /s$/ {
		c = $4; sub(/s$/, "", c); if ($4 ~ /ms$/) { c = $4; sub(/ms$/, "", c); c /= 1000 }
		fn = $6
		n = split("rfid.(*Server).serveDatagram rfid.(*Server).processReceived rfid.(*ingest).decode location.(*Engine).Add location.(*Engine).Flush location.(*Engine).run.func1 geofence. redisstore. runtime.gcBgMarkWorker ingest.(*Consumer).Run", pats, " ")
		for (i = 1; i <= n; i++) if (index(fn, pats[i]) > 0 && c > best[pats[i]]) best[pats[i]] = c
	}
	END {
		front = cum("rfid.(*Server).serveDatagram") + cum("rfid.(*Server).processReceived")
		eng = cum("location.(*Engine).Add") + cum("location.(*Engine).Flush") + cum("location.(*Engine).run.func1")
		printf "| %s | %.2f | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% |\n", name, total,
			100 * front / total, 100 * cum("rfid.(*ingest).decode") / total, 100 * cum("ingest.(*Consumer).Run") / total, 100 * eng / total,
			100 * cum("geofence.") / total, 100 * cum("redisstore.") / total, 100 * cum("runtime.gcBgMarkWorker") / total
	}'
done
