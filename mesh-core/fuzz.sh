#!/usr/bin/env bash
# Fuzzes mesh-core with Jazzer: each fuzz test class in its own JVM (Jazzer fuzzes one @FuzzTest per JVM), for
# SECONDS each (default 30). Usage: mesh-core/fuzz.sh [SECONDS] [CLASS...]   (run from anywhere)
#
# A finding fails the run; Jazzer writes its reproducer next to the seeds
# (src/test/resources/<package>/<Class>Inputs/<method>/crash-*), where the normal build then replays it as a
# regression test until it is fixed. Inputs that found new coverage go to .cifuzz-corpus/ (not committed).
# Without JAZZER_FUZZ, `mvn verify` runs the same classes over their committed seeds only.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
classes=("$@")
if [ ${#classes[@]} -eq 0 ]; then
  classes=(ConfigYamlFuzzTest TraceContextFuzzTest JwtFuzzTest PathNormalizerFuzzTest)
fi
mvn -B -ntp -q test-compile -pl mesh-core
status=0
for c in "${classes[@]}"; do
  echo "=== fuzzing $c for ${seconds}s"
  start=$(date +%s)
  if ! JAZZER_FUZZ=1 mvn -B -ntp surefire:test@fuzz-regression -pl mesh-core -Dtest="$c" \
      -Djazzer.max_duration="${seconds}s" -Djazzer.instrument='io.inmesh.**' > "mesh-core/target/fuzz-$c.log" 2>&1; then
    status=1
    echo "!!! $c: FINDING or failure, see mesh-core/target/fuzz-$c.log"
    grep -E "^(== Java Exception|Caused by|\s+at io\.inmesh)|crash-|FuzzTestFindingException|AssertionFailedError|expected" \
      "mesh-core/target/fuzz-$c.log" | head -20 || true
  fi
  # libFuzzer's final line: "Done N runs in S second(s)"
  grep -E "Done [0-9]+ runs" "mesh-core/target/fuzz-$c.log" | tail -1 || true
  echo "=== $c: $(( $(date +%s) - start ))s wall"
done
exit $status
