#!/bin/sh
# Undoes kubeadm on this VM (delete): matters when the VM is kept (an external server);
# a VM Trellis created is deleted right after anyway.
set -eu
if [ "$(id -u)" -eq 0 ]; then SUDO=''; else SUDO='sudo -n'; fi
if command -v kubeadm >/dev/null 2>&1 && [ -d /etc/kubernetes ]; then
  $SUDO kubeadm reset --force >/dev/null 2>&1 || ctx logger warning "kubeadm reset failed"
  ctx logger info "kubeadm reset on $(hostname)"
fi
