#!/bin/bash
# Starts a real OpenSSH server (Debian's openssh-server) on 127.0.0.1 for the SSH transport
# tests, with its own config, host key, user and client key. Idempotent: does nothing when
# it is already up and answering. Needs root (creates a user, sshd needs /run/sshd).
#   bash test/peers/sshd/ci-up.sh       # start (or confirm it is up)
#   bash test/peers/sshd/down.sh        # stop it (by recorded PID)
# Tests read $STATE/env.json (see README.md).
set -euo pipefail
STATE=${TRELLIS_SSHD_STATE:-/tmp/trellis-peers/sshd}
USER_NAME=${TRELLIS_SSHD_USER:-trellis-ssh}
SSHD=/usr/sbin/sshd
# Test files start the peer in parallel: one at a time, the others then find it up.
mkdir -p "$(dirname "$STATE")"
exec 9>"$STATE.lock"
flock 9

answering() {
  [ -f "$STATE/env.json" ] && [ -f "$STATE/sshd.pid" ] || return 1
  kill -0 "$(cat "$STATE/sshd.pid")" 2>/dev/null || return 1
  local port; port=$(cat "$STATE/port")
  # The server's banner starts with SSH-2.0.
  timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -c 7 <&3" 2>/dev/null | grep -q '^SSH-2.0'
}
if answering; then echo "sshd peer: already up ($STATE)"; exit 0; fi
[ -x "$SSHD" ] || { echo "sshd peer: $SSHD missing (apt-get install openssh-server)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "sshd peer: must run as root (creates a user; sshd needs /run/sshd)" >&2; exit 1; }

mkdir -p "$STATE" /run/sshd
chmod 755 "$STATE"
# A stale server of ours (different port, lost env.json): stop it first.
if [ -f "$STATE/sshd.pid" ]; then kill "$(cat "$STATE/sshd.pid")" 2>/dev/null || true; rm -f "$STATE/sshd.pid"; fi

# The test user: a normal account whose password field is not locked ('*': no password
# login, but sshd's key login still works; '!' would lock it out even for keys).
if ! id "$USER_NAME" >/dev/null 2>&1; then useradd -m -s /bin/bash "$USER_NAME"; fi
usermod -p '*' "$USER_NAME"
HOME_DIR=$(getent passwd "$USER_NAME" | cut -d: -f6)

# Host key and client key, made once per state folder.
[ -f "$STATE/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C trellis-sshd-host -f "$STATE/host_ed25519"
[ -f "$STATE/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C trellis-sshd-client -f "$STATE/client_ed25519"
chmod 600 "$STATE/host_ed25519" "$STATE/client_ed25519"
install -d -m 700 -o "$USER_NAME" -g "$USER_NAME" "$HOME_DIR/.ssh"
install -m 600 -o "$USER_NAME" -g "$USER_NAME" "$STATE/client_ed25519.pub" "$HOME_DIR/.ssh/authorized_keys"

# A free port on loopback, chosen by the kernel.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
echo "$PORT" > "$STATE/port"

cat > "$STATE/sshd_config" <<CONF
# Written by test/peers/sshd/ci-up.sh
Port $PORT
ListenAddress 127.0.0.1
HostKey $STATE/host_ed25519
PidFile $STATE/sshd.pid
UsePAM no
PermitRootLogin no
AllowUsers $USER_NAME
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile .ssh/authorized_keys
Subsystem sftp internal-sftp
AllowStreamLocalForwarding yes
StreamLocalBindUnlink yes
AllowTcpForwarding yes
MaxStartups 100:30:200
MaxSessions 100
LogLevel VERBOSE
CONF

"$SSHD" -t -f "$STATE/sshd_config"
: > "$STATE/sshd.log"
"$SSHD" -f "$STATE/sshd_config" -E "$STATE/sshd.log"

HOST_KEY=$(cut -d' ' -f1,2 "$STATE/host_ed25519.pub")
cat > "$STATE/env.json" <<JSON
{
  "host": "127.0.0.1",
  "port": $PORT,
  "user": "$USER_NAME",
  "home": "$HOME_DIR",
  "keyPath": "$STATE/client_ed25519",
  "hostKey": "$HOST_KEY",
  "hostKeyPath": "$STATE/host_ed25519",
  "config": "$STATE/sshd_config",
  "pidFile": "$STATE/sshd.pid",
  "log": "$STATE/sshd.log",
  "sshd": "$SSHD"
}
JSON
chmod 644 "$STATE/env.json" "$STATE/client_ed25519.pub"
for _ in $(seq 1 50); do answering && break; sleep 0.1; done
answering || { echo "sshd peer: did not come up; log:" >&2; cat "$STATE/sshd.log" >&2; exit 1; }
echo "sshd peer: up on 127.0.0.1:$PORT as $USER_NAME ($STATE)"
