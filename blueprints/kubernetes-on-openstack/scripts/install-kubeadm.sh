#!/bin/sh
# Prepares a Debian 12 VM for kubeadm: kernel modules and sysctls, no swap, containerd with
# the systemd cgroup driver, and kubelet/kubeadm/kubectl from pkgs.k8s.io for
# KUBERNETES_VERSION (e.g. 1.31), held at that version. Idempotent: safe to run again.
set -eu
if [ "$(id -u)" -eq 0 ]; then SUDO=''; else SUDO='sudo -n'; fi
$SUDO true 2>/dev/null || ctx abort-operation "$(id -un) needs password-less sudo on this VM"

# cloud-init may still hold the apt lock right after boot: let Trellis retry later.
if $SUDO fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1; then
  ctx retry-operation "apt is locked (cloud-init still running?)" 15
fi

printf 'overlay\nbr_netfilter\n' | $SUDO tee /etc/modules-load.d/kubernetes.conf >/dev/null
$SUDO modprobe overlay
$SUDO modprobe br_netfilter
printf 'net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n' |
  $SUDO tee /etc/sysctl.d/90-kubernetes.conf >/dev/null
$SUDO sysctl --quiet --system

# The kubelet refuses to run with swap on.
$SUDO swapoff -a
$SUDO sed -i '/\sswap\s/ s/^\([^#]\)/# \1/' /etc/fstab

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q containerd apt-transport-https ca-certificates curl gpg
$SUDO mkdir -p /etc/containerd
containerd config default | sed 's/SystemdCgroup = false/SystemdCgroup = true/' |
  $SUDO tee /etc/containerd/config.toml >/dev/null
$SUDO systemctl restart containerd
$SUDO systemctl enable containerd >/dev/null 2>&1

REPO="https://pkgs.k8s.io/core:/stable:/v$KUBERNETES_VERSION/deb/"
$SUDO mkdir -p -m 755 /etc/apt/keyrings
curl -fsSL "${REPO}Release.key" | $SUDO gpg --batch --yes --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] $REPO /" |
  $SUDO tee /etc/apt/sources.list.d/kubernetes.list >/dev/null
$SUDO apt-get update -q
$SUDO apt-get install -y -q kubelet kubeadm kubectl
$SUDO apt-mark hold kubelet kubeadm kubectl >/dev/null
$SUDO systemctl enable --now kubelet >/dev/null 2>&1

ctx instance runtime-properties kubernetes_version "$(kubeadm version -o short)"
ctx logger info "kubeadm $(kubeadm version -o short) and containerd $(containerd --version | awk '{print $3}') installed"
