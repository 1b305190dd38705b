#!/bin/sh
# Runs on a minion (source side of its connected_to relationship with the master, in
# postconfigure): joins the cluster with the master's endpoint and CA hash, read from the
# master's runtime properties through `ctx target`. The token is the JOIN_TOKEN input
# (a secret, in the 0600 environment file), passed to kubeadm in a 0600 config file.
set -eu
if [ "$(id -u)" -eq 0 ]; then SUDO=''; else SUDO='sudo -n'; fi
NODE_NAME=$(hostname)

if [ -f /etc/kubernetes/kubelet.conf ]; then
  ctx logger info "$NODE_NAME already belongs to a cluster"
  ctx source instance runtime-properties node_name "$NODE_NAME"
  exit 0
fi

ENDPOINT=$(ctx target instance runtime-properties join_endpoint 2>/dev/null || true)
CA_HASH=$(ctx target instance runtime-properties ca_cert_hash 2>/dev/null || true)
[ -n "$ENDPOINT" ] && [ -n "$CA_HASH" ] ||
  ctx retry-operation "the master has not published its endpoint yet" 15

CONFIG=$(mktemp)
chmod 600 "$CONFIG"
trap 'rm -f "$CONFIG"' EXIT
cat > "$CONFIG" <<YAML
apiVersion: kubeadm.k8s.io/v1beta3
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: "$ENDPOINT"
    token: "$JOIN_TOKEN"
    caCertHashes: ["$CA_HASH"]
nodeRegistration:
  name: "$NODE_NAME"
YAML
ctx logger info "joining $ENDPOINT as $NODE_NAME"
$SUDO kubeadm join --config "$CONFIG" >/tmp/kubeadm-join.log 2>&1 || {
  tail -n 20 /tmp/kubeadm-join.log >&2
  exit 1
}
ctx source instance runtime-properties node_name "$NODE_NAME"
ctx logger info "$NODE_NAME joined the cluster"
