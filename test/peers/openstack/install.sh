#!/bin/bash
# Install the Debian 12 (bookworm) OpenStack Zed packages the loopback cloud needs, without
# starting any service (the postinst scripts would otherwise try to launch daemons).
# Idempotent: does nothing when every package is already installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(keystone glance-api glance-common nova-api nova-conductor nova-scheduler placement-api
  neutron-server neutron-plugin-ml2 python3-openstackclient rabbitmq-server mariadb-server
  uwsgi-plugin-python3 curl iproute2
  python3-cinder cinder-common)  # Cinder runs from python3-cinder (cinder-volume would pull LVM/iSCSI)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && { echo "openstack peer: packages already installed"; exit 0; }
# Every openstack-pkg-tools debconf question (configure_db, register-endpoint, ...) defaults to
# false; policy-rc.d keeps postinst scripts from starting daemons (no systemd here).
REMOVE_POLICY=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; REMOVE_POLICY=1
fi
trap '[ "$REMOVE_POLICY" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
apt-get -o DPkg::Lock::Timeout=600 update -q
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
