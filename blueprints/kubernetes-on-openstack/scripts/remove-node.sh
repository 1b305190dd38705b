#!/bin/sh
# Runs on the master (target side of a minion's relationship, in unlink) when a minion
# goes away (scale in, uninstall): drains the node so its pods move, then deletes it.
set -eu
if [ "$(id -u)" -eq 0 ]; then SUDO=''; else SUDO='sudo -n'; fi
KUBECTL="$SUDO kubectl --kubeconfig /etc/kubernetes/admin.conf"
NODE=$(ctx source instance runtime-properties node_name 2>/dev/null || true)
if [ -z "$NODE" ]; then
  ctx logger info "the minion never joined: nothing to remove"
  exit 0
fi
$KUBECTL drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout=120s >/dev/null 2>&1 ||
  ctx logger warning "could not drain $NODE in 120 s: deleting it anyway"
$KUBECTL delete node "$NODE" --ignore-not-found >/dev/null
ctx logger info "removed node $NODE from the cluster"
