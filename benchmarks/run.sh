#!/usr/bin/env bash
# Runs the config-plane measurements (JMH compile benchmark, retained heap, reload latency), the request-path
# decision core (JMH route selection, allocation check), the security plane (JMH authorization and handshakes,
# mTLS against plaintext per request on loopback) and telemetry (JMH spans, propagation and metrics per request).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -B -ntp -q -DskipTests package -pl benchmarks -am
jar=benchmarks/target/benchmarks.jar
echo "== JMH: parse+validate and compile (ms/op)"
java -jar "$jar" ConfigCompileBenchmark -rf json -rff benchmarks/target/jmh-config.json
echo "== JMH: route selection (ns/op, B/op)"
java -jar "$jar" RouteSelectionBenchmark -prof gc -wi 3 -i 5 -f 1 -w 1s -r 1s -rf json -rff benchmarks/target/jmh-route.json
echo "== allocation check (bytes per op, 100 rules)"
java -cp "$jar" io.inmesh.benchmarks.AllocationCheck 100 2>/dev/null
echo "== retained heap"
java -Xms2g -Xmx2g -XX:+UseSerialGC -cp "$jar" io.inmesh.benchmarks.SnapshotHeap 100 1000 10000 2>/dev/null
echo "== reload latency (change on disk -> new snapshot serving)"
for layout in "1000 50 100" "1000 50 1" "10000 50 1000" "10000 50 1"; do
  java -Xmx1g -cp "$jar" io.inmesh.benchmarks.ReloadLatency $layout 2>/dev/null
done
echo "== JMH: security (authorization, handshakes)"
java -jar "$jar" AuthorizationBenchmark -prof gc -wi 3 -i 5 -f 1 -w 1s -r 1s -rf json -rff benchmarks/target/jmh-authz.json
# Handshakes warm up longer: the JDK's EC arithmetic is compiled only after a couple of thousand handshakes.
java -jar "$jar" HandshakeBenchmark -prof gc -wi 3 -i 5 -f 1 -w 10s -r 1s -rf json -rff benchmarks/target/jmh-handshake.json
echo "== mTLS against plaintext per request (one kept-alive connection, loopback, 1 KiB answers)"
java -Xmx1g -cp "$jar" io.inmesh.benchmarks.MtlsLoopback 10000 5 10000 2>/dev/null
echo "== JMH: telemetry per request (server span + metrics, client try span + inject + metrics, traceparent extract)"
java -jar "$jar" TelemetryBenchmark -prof gc -wi 3 -i 5 -f 1 -w 1s -r 1s -rf json -rff benchmarks/target/jmh-telemetry.json
