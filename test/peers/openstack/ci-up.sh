#!/bin/bash
# One command for CI (.ci/run) and developers: install the packages if missing, then start
# the loopback OpenStack unless it is already up and answering. Idempotent. Leaves the
# services running; the tests read $STATE/env.json (see README.md).
#   bash test/peers/openstack/ci-up.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${TRELLIS_OPENSTACK_STATE:-/tmp/trellis-peers/openstack}
up_and_answering() {
  [ -f "$STATE/ready" ] && [ -f "$STATE/env.json" ] || return 1
  for url in http://127.0.0.1:5000/v3 http://127.0.0.1:8774/ http://127.0.0.1:9696/ http://127.0.0.1:9292/ http://127.0.0.1:8776/; do
    curl -s -o /dev/null --max-time 5 "$url" || return 1
  done
}
if up_and_answering; then echo "openstack peer: already up ($STATE)"; exit 0; fi
S=$(date +%s)
bash "$HERE/install.sh"
I=$(date +%s)
bash "$HERE/up.sh"
echo "openstack peer: install $(( I - S ))s, up $(( $(date +%s) - I ))s"
