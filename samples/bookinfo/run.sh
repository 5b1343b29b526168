#!/usr/bin/env bash
# The bookinfo demo. Its services arrive with the Spring Boot starter issue; until then this script builds the
# CLI, validates the demo's Istio YAML with it and shows how two requests to reviews are routed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [ ! -f mesh-cli/target/mesh.jar ]; then
  mvn -B -ntp -q -DskipTests install
fi
echo "bookinfo: the services are not built yet; validating samples/bookinfo/config with 'mesh validate':"
java -jar mesh-cli/target/mesh.jar validate samples/bookinfo/config
echo
echo "bookinfo: a request from jason ('mesh explain'):"
java -jar mesh-cli/target/mesh.jar explain --config samples/bookinfo/config -H 'end-user: jason' \
  GET http://reviews:9080/reviews/1
echo
echo "bookinfo: an anonymous request:"
java -jar mesh-cli/target/mesh.jar explain --config samples/bookinfo/config GET http://reviews:9080/reviews/1
