#!/bin/bash
# Stops the sshd test peer started by ci-up.sh (by its recorded PID; sessions end with it).
set -euo pipefail
STATE=${TRELLIS_SSHD_STATE:-/tmp/trellis-peers/sshd}
if [ -f "$STATE/sshd.pid" ]; then
  kill "$(cat "$STATE/sshd.pid")" 2>/dev/null || true
  rm -f "$STATE/sshd.pid"
fi
rm -f "$STATE/env.json"
echo "sshd peer: down"
