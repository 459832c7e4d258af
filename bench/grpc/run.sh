#!/bin/bash
# bench/grpc: unary Allocate latency and throughput over a unix socket, C
# server (lib/grpc_server) vs Python grpcio server doing the same work, at
# 1, 8 and 64 concurrent streams from the same C load generator.
# Usage: run.sh BUILD_DIR [SECONDS]   (run through `make bench-grpc`)
set -eu
build=$1
secs=${2:-5}
dir=$(mktemp -d /tmp/grpc-bench-XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
gen=$build/interop
mkdir -p "$gen"
protoc -Iproto --python_out="$gen" --grpc_out="$gen" \
	--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin proto/deviceplugin.proto

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# $secs s per point after 0.5 s warm-up; one HTTP/2 connection, N streams in flight"
printf '%-8s %5s %10s %9s %9s %13s %8s %8s\n' server streams calls/s p50_us p99_us server_cpu_% rss_kB hwm_kB
for server in c python; do
	rm -f "$dir/s.sock"
	if [ $server = c ]; then
		"$build/bench/grpc-bench-server" "$dir" s.sock &
	else
		PYTHONPATH=$gen /usr/bin/python3 bench/grpc/server.py "$dir/s.sock" &
	fi
	pid=$!
	for _ in $(seq 100); do [ -S "$dir/s.sock" ] && break; sleep 0.05; done
	for n in 1 8 64; do
		c0=$(cpu_ticks $pid)
		start=$(date +%s%N)
		read -r conc calls cps p50 p99 errs < <("$build/bench/grpc-bench-client" "$dir" s.sock $n "$secs")
		c1=$(cpu_ticks $pid)
		el=$((($(date +%s%N) - start) / 1000000))
		cpu=$(( (c1 - c0) * 1000 * 100 / $(getconf CLK_TCK) / el ))
		printf '%-8s %5s %10s %9s %9s %13s %8s %8s\n' $server "$conc" "$cps" "$p50" "$p99" "$cpu" \
			"$(rss_kb $pid)" "$(hwm_kb $pid)"
		[ "$errs" = 0 ] || echo "  ($errs errors)"
	done
	kill $pid
	wait $pid 2>/dev/null || true
done
