#!/bin/sh
# Installs PostgreSQL from Debian's own repository (bookworm ships PostgreSQL 15).
# Debian's package would create and start a "main" cluster on 5432 as the postgres user;
# this blueprint runs its own cluster in DATA_DIR instead (configure/start), so creating
# the main cluster is switched off before the install.
set -eu

if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  ctx logger info "PostgreSQL is already installed: $(ls -d /usr/lib/postgresql/*/ | xargs -n1 basename | tr '\n' ' ')"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then SUDO=''; else SUDO='sudo -n'; fi
if ! $SUDO true 2>/dev/null; then
  ctx abort-operation "PostgreSQL is not installed and $(id -un) cannot use sudo without a password to install it"
fi

# cloud-init may still hold the apt lock right after boot: wait for it.
i=0
while $SUDO fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1; do
  i=$((i + 1))
  [ "$i" -gt 60 ] && ctx retry-operation "apt is still locked (cloud-init?)" 15
  sleep 5
done

$SUDO mkdir -p /etc/postgresql-common
echo 'create_main_cluster = false' | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q postgresql postgresql-contrib
ctx logger info "installed $(ls -d /usr/lib/postgresql/*/ | xargs -n1 basename | tr '\n' ' ')"
