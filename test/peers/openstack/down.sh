#!/bin/bash
# Stop the loopback OpenStack started by up.sh, by its recorded PIDs only: TERM everything,
# wait, then KILL stragglers. Leaves the state directory (logs) in place.
STATE=${TRELLIS_OPENSTACK_STATE:-/tmp/trellis-peers/openstack}
R=$STATE/run
rm -f "$STATE/ready"
pids=()
for s in cinder-volume cinder-scheduler cinder-api nova-api nova-compute nova-scheduler nova-conductor neutron-server glance-api placement keystone mysqld; do
  if [ -f "$R/$s.pid" ]; then p=$(cat "$R/$s.pid"); kill -TERM "$p" 2>/dev/null && pids+=("$p"); rm -f "$R/$s.pid"; fi
done
if [ -f "$R/rabbitmq.pid" ]; then
  setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups env HOME=/var/lib/rabbitmq \
    /usr/lib/rabbitmq/bin/rabbitmqctl -n rabbit@localhost stop >/dev/null 2>&1 || kill -TERM "$(cat "$R/rabbitmq.pid")" 2>/dev/null
  pids+=("$(cat "$R/rabbitmq.pid")"); rm -f "$R/rabbitmq.pid"
fi
for _ in $(seq 1 60); do
  alive=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break; sleep 0.5
done
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && { echo "SIGKILL $p"; kill -KILL "$p"; }; done
if [ -f "$R/epmd.pid" ]; then kill -TERM "$(cat "$R/epmd.pid")" 2>/dev/null; rm -f "$R/epmd.pid"; fi
exit 0
