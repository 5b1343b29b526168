#!/usr/bin/env bash
# Istio's Bookinfo on InMesh: six Spring Boot services, one JVM each, on 127.0.0.1, calling each other over mutual
# TLS (built-in CA), with the mesh configuration read from $MESH_CONFIG_DIR (default samples/bookinfo/mesh, Istio's
# own YAML) and watched: edit it and traffic follows within a second. Shows a live view of the traffic until Ctrl-C,
# then stops everything it started.
#
#   samples/bookinfo/run.sh
#
# Environment:
#   MESH_CONFIG_DIR     the mesh configuration directory (default: samples/bookinfo/mesh)
#   BOOKINFO_STATE_DIR  where the CA, the logs and the pids go (default: samples/bookinfo/target/run)
#   BOOKINFO_VIEW       off: no live view, just keep the services running until interrupted
#   BOOKINFO_RATE       requests per second of the live view (default 10); BOOKINFO_USER sends them as that user
#   BOOKINFO_SKIP_BUILD 1: use samples/bookinfo/target/bookinfo.jar as it is
#   BOOKINFO_ACCESS_LOG text or json: each service logs every request it serves (logs in $BOOKINFO_STATE_DIR/logs)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jar="$here/target/bookinfo.jar"
config="${MESH_CONFIG_DIR:-$here/mesh}"
state="${BOOKINFO_STATE_DIR:-$here/target/run}"
mkdir -p "$state/logs"
config="$(cd "$config" && pwd)"
state="$(cd "$state" && pwd)"

# name version port
services=(
  "productpage v1 9080"
  "details v1 9081"
  "ratings v1 9082"
  "reviews v1 9083"
  "reviews v2 9084"
  "reviews v3 9085"
)

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

for s in "${services[@]}"; do
  set -- $s
  for p in "$3" "$(($3 + 1000))"; do
    if port_in_use "$p"; then
      echo "bookinfo: port $p on 127.0.0.1 is in use (is the demo already running?); stop what uses it first" >&2
      exit 1
    fi
  done
done

if [ "${BOOKINFO_SKIP_BUILD:-0}" != "1" ]; then
  echo "bookinfo: building (mvn package -pl samples/bookinfo -am) ..."
  (cd "$root" && mvn -B -ntp -q -DskipTests package -pl samples/bookinfo -am)
fi
if [ ! -f "$jar" ]; then
  echo "bookinfo: $jar is missing; build it with: mvn -DskipTests package -pl samples/bookinfo -am" >&2
  exit 1
fi

pids=()
stop() {
  trap - EXIT INT TERM
  # whoever started us may have closed our output already: never die writing to it before the services are stopped
  trap '' PIPE
  set +e
  if [ "${#pids[@]}" -gt 0 ]; then
    echo
    echo "bookinfo: stopping ${#pids[@]} processes ..."
    kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 1 60); do
      alive=0
      for p in "${pids[@]}"; do
        if kill -0 "$p" 2>/dev/null; then alive=1; fi
      done
      [ "$alive" = 0 ] && break
      sleep 0.5
    done
    if [ "$alive" = 1 ]; then
      echo "bookinfo: some services did not stop in 30 s; killing them"
      kill -9 "${pids[@]}" 2>/dev/null || true
    fi
    wait 2>/dev/null || true
  fi
  rm -f "$state/pids"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

java_opts="${BOOKINFO_JAVA_OPTS:--Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k}"
: > "$state/pids"
for s in "${services[@]}"; do
  set -- $s
  name="$1"; version="$2"; port="$3"
  log="$state/logs/$name-$version.log"
  # shellcheck disable=SC2086
  MESH_CONFIG_DIR="$config" BOOKINFO_CA_DIR="$state/ca" BOOKINFO_ACCESS_LOG="${BOOKINFO_ACCESS_LOG:-off}" \
    java $java_opts -jar "$jar" "$name" "$version" >"$log" 2>&1 &
  pids+=("$!")
  echo "$! $name $version $port" >> "$state/pids"
done
echo "bookinfo: started ${#pids[@]} services (mesh config: $config, logs: $state/logs); waiting until they are up ..."

deadline=$((SECONDS + ${BOOKINFO_START_TIMEOUT:-180}))
for s in "${services[@]}"; do
  set -- $s
  name="$1"; version="$2"; port="$3"
  until curl -fs -o /dev/null "http://127.0.0.1:$((port + 1000))/actuator/health"; do
    i=0
    for p in "${pids[@]}"; do
      if ! kill -0 "$p" 2>/dev/null; then
        read -r _ dead_name dead_version _ < <(sed -n "$((i + 1))p" "$state/pids")
        echo "bookinfo: $dead_name $dead_version exited; the end of its log ($state/logs/$dead_name-$dead_version.log):" >&2
        tail -n 30 "$state/logs/$dead_name-$dead_version.log" >&2
        exit 1
      fi
      i=$((i + 1))
    done
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "bookinfo: $name $version did not come up in time; see $state/logs/$name-$version.log" >&2
      exit 1
    fi
    sleep 0.5
  done
done

cat <<INFO
bookinfo: ready
  product page     http://127.0.0.1:9080/productpage   (JSON: curl -H 'Accept: application/json' ...)
  sign in as jason http://127.0.0.1:9080/login?u=jason  (or send the header end-user: jason)
  actuators        http://127.0.0.1:10080/actuator/mesh  (each service's port + 1000: /actuator/mesh, health, prometheus)
  mesh config      $config   (edit it: traffic follows; walkthrough in samples/bookinfo/README.md)
INFO

if [ "${BOOKINFO_VIEW:-on}" = "off" ]; then
  wait "${pids[0]}"
else
  # in the background, so that a SIGTERM (kill, timeout) reaches the trap at once; Ctrl-C stops it with the rest
  java -Xmx64m -XX:TieredStopAtLevel=1 -jar "$jar" view &
  pids+=("$!")
  wait "$!"
fi
