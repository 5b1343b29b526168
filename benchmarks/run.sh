#!/usr/bin/env bash
# Every measurement of the benchmarks suite (issue 7), one command, under 20 minutes on 2 cores:
#   - JMH (-prof gc) of the decision core: route selection (10/100/1000 rules), endpoint choice, authorization
#     (1/10/100 policies), the inbound chain, trace-context extraction, Istio metrics recording, the telemetry of a
#     request; mutual TLS handshakes; config parse/validate/compile;
#   - retained heap of a mesh with 100, 1000 (and 10000) routes; reload latency (change on disk -> new snapshot);
#   - the loopback load harness: plain OkHttp, InMesh, InMesh with mTLS, nginx one hop, two hops, two hops with
#     mTLS, against one Spring Boot application, interleaved, 5 repetitions (LoadHarness);
# then writes benchmarks/results/latest.json (issue 7's shape) and benchmarks/results/latest.md (the table).
#
# Usage: benchmarks/run.sh [--quick] [--skip-build] [--only jmh|config|load]
#   --quick       a smoke run (1 repetition, short phases, JMH 1 x 1 s): checks that everything works, figures
#                 are not worth keeping
#   --skip-build  use the jars built by the previous run
#   --only PART   run one part (and the report over whatever the target directory holds)
# Needs Linux (/proc, taskset), a JDK 17+, Maven, openssl and nginx; nginx is installed from Debian's package when
# missing (apt-get, with sudo when not root).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

quick=false
build=true
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=true ;;
    --skip-build) build=false ;;
    --only) only="$2"; shift ;;
    *) echo "run.sh: unknown argument $1 (expected --quick, --skip-build, --only jmh|config|load)" >&2; exit 2 ;;
  esac
  shift
done
part() { [ -z "$only" ] || [ "$only" = "$1" ]; }
start=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - start )) s] $*"; }

if part load && ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  stamp "installing nginx (Debian package)"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx >/dev/null
fi

target=benchmarks/target
if $build; then
  stamp "build (mvn package -pl benchmarks -am, tests skipped)"
  mvn -B -ntp -q -DskipTests package -pl benchmarks -am
fi
jar=$target/benchmarks.jar
cp="$target/classes:$(cat $target/classpath.txt)"

if $quick; then
  jmh_opts=(-prof gc -wi 1 -i 1 -f 1 -w 1s -r 1s)
  hs_opts=(-prof gc -wi 1 -i 1 -f 1 -w 3s -r 1s)
  cfg_opts=(-prof gc -wi 1 -i 1 -f 1 -w 1s -r 1s -p routes=1000)
  load_opts=(--reps=1 --warmup=2000 --closed=1000 --rate-seconds=1 --saturation-seconds=1)
  heap_sizes=(100 1000)
  reloads=("1000 10 100")
else
  jmh_opts=(-prof gc -wi 3 -i 5 -f 1 -w 1s -r 1s)
  # Handshakes warm up longer: the JDK's EC arithmetic is compiled only after a couple of thousand handshakes.
  hs_opts=(-prof gc -wi 3 -i 5 -f 1 -w 10s -r 1s)
  cfg_opts=(-prof gc -wi 2 -i 3 -f 1 -w 1s -r 2s)
  load_opts=()
  heap_sizes=(100 1000 10000)
  reloads=("1000 50 100")
fi
jmh() {
  local name=$1; shift
  java -jar "$jar" "$@" -rf json -rff "$target/jmh-$name.json"
}

if part jmh; then
  rm -f $target/jmh-*.json
  stamp "JMH: route selection (ns/op, B/op)"
  jmh route RouteSelectionBenchmark "${jmh_opts[@]}"
  stamp "JMH: endpoint choice"
  jmh endpoint EndpointChoiceBenchmark "${jmh_opts[@]}"
  stamp "JMH: authorization, inbound chain"
  jmh authz AuthorizationBenchmark "${jmh_opts[@]}"
  stamp "JMH: telemetry (server span + metrics, client try, traceparent extraction, metrics recording)"
  jmh telemetry TelemetryBenchmark "${jmh_opts[@]}"
  stamp "JMH: mutual TLS handshakes"
  jmh handshake HandshakeBenchmark "${hs_opts[@]}"
  stamp "JMH: parse+validate and compile"
  jmh config ConfigCompileBenchmark "${cfg_opts[@]}"
  stamp "allocation check (bytes per op, 100 rules)"
  java -cp "$jar" io.inmesh.benchmarks.AllocationCheck 100 2>/dev/null
fi

if part config; then
  stamp "retained heap"
  java -Xms2g -Xmx2g -XX:+UseSerialGC -cp "$jar" io.inmesh.benchmarks.SnapshotHeap "${heap_sizes[@]}" 2>/dev/null \
    | tee $target/heap.txt
  stamp "reload latency (change on disk -> new snapshot serving)"
  : > $target/reload.txt
  for layout in "${reloads[@]}"; do
    # shellcheck disable=SC2086
    java -Xmx1g -cp "$jar" io.inmesh.benchmarks.ReloadLatency $layout 2>/dev/null | tee -a $target/reload.txt
  done
fi

if part load; then
  stamp "load harness (client JVM on CPU 0, server side on the others)"
  pin=()
  if [ "$(nproc --all)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi
  rm -f $target/load.json
  "${pin[@]}" java -Xms512m -Xmx512m -cp "$cp" io.inmesh.benchmarks.load.LoadHarness \
    --out=$target/load.json "${load_opts[@]}"
fi

stamp "report"
java -cp "$jar" io.inmesh.benchmarks.Report $target benchmarks/results > /dev/null
cat benchmarks/results/latest.md
stamp "done: benchmarks/results/latest.json, benchmarks/results/latest.md"
