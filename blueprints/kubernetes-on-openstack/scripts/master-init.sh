#!/bin/sh
# Initialises the control plane with kubeadm (once), installs the CNI plugin, registers
# the API token, and records what minions and other deployments need as runtime
# properties: endpoint, join_endpoint, ca_cert, ca_cert_hash. JOIN_TOKEN and API_TOKEN
# come from secrets through the 0600 environment file; they go to kubeadm and kubectl
# through a config file (mode 600) and stdin, never on a command line, never into
# runtime properties or logs.
set -eu
if [ "$(id -u)" -eq 0 ]; then SUDO=''; else SUDO='sudo -n'; fi
KUBECTL="$SUDO kubectl --kubeconfig /etc/kubernetes/admin.conf"

token_ok() { echo "$1" | grep -Eq '^[a-z0-9]{6}\.[a-z0-9]{16}$'; }
token_ok "$JOIN_TOKEN" || ctx abort-operation "the join token secret is not a kubeadm token ([a-z0-9]{6}.[a-z0-9]{16}; try: kubeadm token generate)"
token_ok "$API_TOKEN" || ctx abort-operation "the API token secret is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})"

if [ ! -f /etc/kubernetes/admin.conf ]; then
  CONFIG=$(mktemp)
  chmod 600 "$CONFIG"
  cat > "$CONFIG" <<YAML
apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
bootstrapTokens:
  - token: "$JOIN_TOKEN"
    description: "Trellis: minions join with this"
    ttl: "0s"
    usages: [signing, authentication]
    groups: ["system:bootstrappers:kubeadm:default-node-token"]
localAPIEndpoint:
  advertiseAddress: "$PRIVATE_IP"
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
controlPlaneEndpoint: "$PRIVATE_IP:6443"
apiServer:
  certSANs: ["$PUBLIC_IP", "$PRIVATE_IP"]
networking:
  podSubnet: "$POD_CIDR"
  serviceSubnet: "$SERVICE_CIDR"
YAML
  ctx logger info "kubeadm init (this takes a few minutes)"
  if ! $SUDO kubeadm init --config "$CONFIG" --upload-certs >/tmp/kubeadm-init.log 2>&1; then
    rm -f "$CONFIG"
    tail -n 20 /tmp/kubeadm-init.log >&2
    exit 1
  fi
  rm -f "$CONFIG"
  $KUBECTL apply -f "$CNI_MANIFEST" >/dev/null
  ctx logger info "control plane initialised, CNI applied from $CNI_MANIFEST"
fi

# The API token: a bootstrap token (authenticated by the API server kubeadm configured)
# in a group bound to cluster-admin. Applied every time, so a changed secret takes effect.
API_ID=${API_TOKEN%%.*}
API_SECRET=${API_TOKEN#*.}
$KUBECTL apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-$API_ID
  namespace: kube-system
type: bootstrap.kubernetes.io/token
stringData:
  description: "Trellis: API access for deployments"
  token-id: "$API_ID"
  token-secret: "$API_SECRET"
  usage-bootstrap-authentication: "true"
  auth-extra-groups: "system:bootstrappers:trellis-deployer"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: trellis-deployer
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: "system:bootstrappers:trellis-deployer"
YAML

# Wait for the control plane node to be Ready (the CNI has to come up first).
if ! $KUBECTL wait --for=condition=Ready node --all --timeout=300s >/dev/null; then
  ctx retry-operation "the control plane node is not Ready yet" 20
fi

CA_HASH="sha256:$($SUDO openssl x509 -pubkey -noout -in /etc/kubernetes/pki/ca.crt |
  openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //')"
ctx instance runtime-properties endpoint "https://$PUBLIC_IP:6443"
ctx instance runtime-properties join_endpoint "$PRIVATE_IP:6443"
ctx instance runtime-properties ca_cert "$($SUDO cat /etc/kubernetes/pki/ca.crt)"
ctx instance runtime-properties ca_cert_hash "$CA_HASH"
ctx instance runtime-properties node_name "$(hostname)"
ctx logger info "Kubernetes API at https://$PUBLIC_IP:6443 (CA $CA_HASH)"
