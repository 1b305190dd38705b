#!/bin/bash
# Start a minimal real OpenStack (Debian 12 / Zed packages, see install.sh) on 127.0.0.1:
# Keystone (uwsgi), Glance, Placement (uwsgi), Nova with the fake hypervisor (servers really
# reach ACTIVE), Neutron ML2 with an agentless driver, Cinder with its fake (logging) volume
# driver (volumes really go available / in-use); MariaDB and RabbitMQ started by hand
# (no systemd). Wipes and recreates its state directory, then seeds an image, two flavors,
# an external network, a member user/project and a project with a quota of 2 instances.
# Writes $STATE/env.json (endpoint + credentials for the tests) and $STATE/ready last.
set -euo pipefail
STATE=${TRELLIS_OPENSTACK_STATE:-/tmp/trellis-peers/openstack}
HERE=$(cd "$(dirname "$0")" && pwd)
# A previous run may still be up: stop it by its recorded PIDs before wiping its state.
[ -d "$STATE/run" ] && TRELLIS_OPENSTACK_STATE=$STATE bash "$HERE/down.sh" >/dev/null 2>&1 || true
mkdir -p "$STATE" && cd "$STATE"
rm -rf data log run lock etc py bin ready env.json clouds.yaml; mkdir -p data log run lock etc py bin
T0=$(date +%s.%N)
t() { awk -v a="$1" -v s="$T0" -v e="$(date +%s.%N)" 'BEGIN{printf "%-20s %6.1fs\n", a, e-s}' | tee -a log/timings; }
start() { local name=$1; shift; setsid nohup "$@" > "log/$name.out" 2>&1 < /dev/null & echo $! > "run/$name.pid"; }
wait_http() { for _ in $(seq 1 "${2:-240}"); do curl -s -o /dev/null "$1" && return 0; sleep 0.5; done; echo "timeout waiting for $1"; return 1; }
rand() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
ADMIN_PW=$(rand); MEMBER_PW=$(rand); QUOTA_PW=$(rand); DB_PW=$(rand)
DB="mysql+pymysql://os:$DB_PW@127.0.0.1"
KS=http://127.0.0.1:5000/v3
AUTH="auth_url = $KS
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = admin
username = admin
password = $ADMIN_PW
region_name = RegionOne"
umask 077

# ------------------------------------------------------------------------------ configs
cat > etc/my.cnf <<EOF
[mysqld]
user = mysql
datadir = $STATE/data/mysql
socket = $STATE/run/mysqld.sock
pid-file = $STATE/run/mysqld.pidfile
bind-address = 127.0.0.1
port = 3306
skip-log-bin
skip-name-resolve
innodb_buffer_pool_size = 128M
innodb_flush_log_at_trx_commit = 0
innodb_doublewrite = 0
max_connections = 500
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
log-error = $STATE/log/mysqld.err
EOF
cat > etc/keystone.conf <<EOF
[DEFAULT]
log_file = $STATE/log/keystone.log
[database]
connection = $DB/keystone
[token]
provider = fernet
[fernet_tokens]
key_repository = $STATE/data/fernet-keys
[fernet_receipts]
key_repository = $STATE/data/fernet-keys
[credential]
key_repository = $STATE/data/credential-keys
EOF
# uwsgi must send "Connection: close", or clients see connection resets on reused sockets.
uwsgi_ini() { # name port wsgi-file env
  cat > "etc/$1-uwsgi.ini" <<EOF
[uwsgi]
plugins = python3
http-socket = 127.0.0.1:$2
wsgi-file = $3
master = true
processes = 1
threads = 4
enable-threads = true
lazy-apps = true
die-on-term = true
buffer-size = 65535
add-header = Connection: close
env = $4
logto = $STATE/log/$1-uwsgi.log
EOF
}
uwsgi_ini keystone 5000 /usr/bin/keystone-wsgi-public "OS_KEYSTONE_CONFIG_FILES=$STATE/etc/keystone.conf"
uwsgi_ini placement 8778 /usr/bin/placement-api "OS_PLACEMENT_CONFIG_DIR=$STATE/etc"
cat > etc/placement.conf <<EOF
[DEFAULT]
log_file = $STATE/log/placement.log
[placement_database]
connection = $DB/placement
[api]
auth_strategy = keystone
[keystone_authtoken]
www_authenticate_uri = $KS
$AUTH
EOF
cat > etc/glance-api.conf <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9292
workers = 1
log_file = $STATE/log/glance-api.log
enabled_backends = fs:file
[database]
connection = $DB/glance
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $STATE/data/glance-images
[os_glance_staging_store]
filesystem_store_datadir = $STATE/data/glance-staging
[os_glance_tasks_store]
filesystem_store_datadir = $STATE/data/glance-tasks
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $STATE/lock
[keystone_authtoken]
www_authenticate_uri = $KS
$AUTH
EOF
cat > etc/nova.conf <<EOF
[DEFAULT]
host = trellis-compute
my_ip = 127.0.0.1
state_path = $STATE/data/nova
instances_path = $STATE/data/nova/instances
log_dir = $STATE/log
transport_url = rabbit://guest:guest@127.0.0.1:5672/
compute_driver = fake.FakeDriver
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = 8774
osapi_compute_workers = 1
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[api]
auth_strategy = keystone
[api_database]
connection = $DB/nova_api
[database]
connection = $DB/nova
[conductor]
workers = 1
[scheduler]
workers = 1
[vnc]
enabled = false
[oslo_concurrency]
lock_path = $STATE/lock
[keystone_authtoken]
www_authenticate_uri = $KS
$AUTH
[placement]
$AUTH
[neutron]
$AUTH
[glance]
region_name = RegionOne
[cinder]
os_region_name = RegionOne
# Cinder only lets Nova detach volumes it attached when Nova sends a service token (OSSA-2023-003)
[service_user]
send_service_user_token = true
$AUTH
EOF
cat > etc/neutron.conf <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9696
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
log_file = $STATE/log/neutron-server.log
state_path = $STATE/data/neutron
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = rabbit://guest:guest@127.0.0.1:5672/
api_paste_config = /etc/neutron/api-paste.ini
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
dhcp_agent_notification = false
[database]
connection = $DB/neutron
[oslo_concurrency]
lock_path = $STATE/lock
[keystone_authtoken]
www_authenticate_uri = $KS
$AUTH
[nova]
$AUTH
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers = bindall
extension_drivers = port_security
[ml2_type_flat]
flat_networks = public
[ml2_type_vxlan]
vni_ranges = 1:1000
EOF
cat > etc/cinder.conf <<EOF
[DEFAULT]
log_dir = $STATE/log
state_path = $STATE/data/cinder
host = trellis-volume
my_ip = 127.0.0.1
transport_url = rabbit://guest:guest@127.0.0.1:5672/
auth_strategy = keystone
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = 8776
osapi_volume_workers = 1
api_paste_config = /etc/cinder/api-paste.ini
enabled_backends = fake
[database]
connection = $DB/cinder
[oslo_concurrency]
lock_path = $STATE/lock
[keystone_authtoken]
www_authenticate_uri = $KS
$AUTH
[nova]
$AUTH
[fake]
volume_driver = cinder.tests.fake_driver.FakeLoggingVolumeDriver
volume_backend_name = fake
EOF
# The agentless ML2 driver, registered through an entry point Neutron finds on PYTHONPATH.
cp "$HERE/bindall_driver.py" py/trellis_bindall.py
mkdir -p py/trellis_bindall-0.1.dist-info
printf 'Metadata-Version: 2.1\nName: trellis-bindall\nVersion: 0.1\n' > py/trellis_bindall-0.1.dist-info/METADATA
printf '[neutron.ml2.mechanism_drivers]\nbindall = trellis_bindall:BindAllMechanismDriver\n' > py/trellis_bindall-0.1.dist-info/entry_points.txt
# nova-compute from python3-nova (the Debian nova-compute package would pull in qemu/libvirt).
printf '#!/usr/bin/python3\nimport sys\nfrom nova.cmd.compute import main\nsys.exit(main())\n' > bin/nova-compute
for c in api scheduler volume; do
  printf '#!/usr/bin/python3\nimport sys\nfrom cinder.cmd.%s import main\nsys.exit(main())\n' $c > bin/cinder-$c
done
chmod 755 bin/nova-compute bin/cinder-*
chmod -R go+rX etc py bin   # services that drop privileges still read their config
t configs

# ------------------------------------------------------------------------------ mariadb + rabbitmq
mkdir -p data/mysql data/rabbitmq log/rabbitmq
chown mysql:mysql data/mysql run; chmod 755 "$STATE" data log run; chown -R rabbitmq:rabbitmq data/rabbitmq log/rabbitmq
start rabbitmq setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups env HOME=/var/lib/rabbitmq \
  RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=5672 ERL_EPMD_ADDRESS=127.0.0.1 \
  RABBITMQ_DIST_PORT=25672 RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
  RABBITMQ_MNESIA_BASE="$STATE/data/rabbitmq" RABBITMQ_LOG_BASE="$STATE/log/rabbitmq" /usr/lib/rabbitmq/bin/rabbitmq-server
mariadb-install-db --defaults-file=etc/my.cnf --auth-root-authentication-method=normal --skip-test-db > log/mysql-install.log 2>&1
start mysqld mariadbd --defaults-file=etc/my.cnf
for _ in $(seq 1 80); do mariadb -S run/mysqld.sock -uroot -e 'select 1' >/dev/null 2>&1 && break; sleep 0.25; done
mariadb -S run/mysqld.sock -uroot -e "CREATE USER os@'127.0.0.1' IDENTIFIED BY '$DB_PW'; GRANT ALL ON *.* TO os@'127.0.0.1';
  CREATE DATABASE keystone; CREATE DATABASE glance; CREATE DATABASE placement; CREATE DATABASE neutron;
  CREATE DATABASE nova_api; CREATE DATABASE nova; CREATE DATABASE nova_cell0; CREATE DATABASE cinder;"
t mariadb-up

# ------------------------------------------------------------------------------ schema (parallel) + keystone
( S=$(date +%s); placement-manage --config-file etc/placement.conf db sync > log/placement-dbsync.log 2>&1
  glance-manage --config-file etc/glance-api.conf db_sync > log/glance-dbsync.log 2>&1
  echo "placement+glance dbsync $(( $(date +%s)-S ))s" >> log/timings ) &
P1=$!
( S=$(date +%s); N="nova-manage --config-file etc/nova.conf"
  $N api_db sync && $N cell_v2 map_cell0 && $N cell_v2 create_cell --name=cell1 && $N db sync
  echo "nova dbsync $(( $(date +%s)-S ))s" >> log/timings ) > log/nova-dbsync.log 2>&1 &
P2=$!
( S=$(date +%s); neutron-db-manage --config-file etc/neutron.conf upgrade heads > log/neutron-dbsync.log 2>&1
  echo "neutron dbsync $(( $(date +%s)-S ))s" >> log/timings ) &
P3=$!
( S=$(date +%s); cinder-manage --config-file etc/cinder.conf db sync > log/cinder-dbsync.log 2>&1
  echo "cinder dbsync $(( $(date +%s)-S ))s" >> log/timings ) &
P4=$!
K="keystone-manage --config-file etc/keystone.conf"
{ $K db_sync
  $K fernet_setup --keystone-user root --keystone-group root
  $K credential_setup --keystone-user root --keystone-group root
  $K bootstrap --bootstrap-password "$ADMIN_PW" --bootstrap-region-id RegionOne \
    --bootstrap-admin-url $KS/ --bootstrap-internal-url $KS/ --bootstrap-public-url $KS/
} > log/keystone-manage.log 2>&1
start keystone uwsgi --ini etc/keystone-uwsgi.ini
wait_http $KS
t keystone-up
export OS_AUTH_URL=$KS OS_IDENTITY_API_VERSION=3 OS_USERNAME=admin OS_PASSWORD=$ADMIN_PW \
  OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne OS_INTERFACE=public
{ echo "service create --name nova compute"; echo "service create --name glance image"
  echo "service create --name placement placement"; echo "service create --name neutron network"
  echo "service create --name cinderv3 volumev3"
  # the network endpoint without /v2.0: clients (pkgcloud too) append it
  for s in "compute http://127.0.0.1:8774/v2.1" "image http://127.0.0.1:9292" "placement http://127.0.0.1:8778" "network http://127.0.0.1:9696" "volumev3 http://127.0.0.1:8776/v3/%(project_id)s"; do
    set -- $s; for i in public internal admin; do echo "endpoint create --region RegionOne $1 $i $2"; done; done
} > catalog.cmds
openstack < catalog.cmds > log/catalog.out 2>&1   # one CLI process, many commands (cliff interactive mode)
[ "$(openstack endpoint list -f value | wc -l)" = 18 ] || { echo "catalog incomplete"; cat log/catalog.out; exit 1; }
t catalog
wait $P1 $P2 $P3 $P4
grep -q 'nova dbsync' log/timings && grep -q 'neutron dbsync' log/timings && grep -q 'cinder dbsync' log/timings || { echo "db sync failed, see $STATE/log/*dbsync.log"; exit 1; }
t dbsyncs-done

# ------------------------------------------------------------------------------ services
start placement uwsgi --ini etc/placement-uwsgi.ini
start glance-api glance-api --config-file etc/glance-api.conf
start neutron-server env PYTHONPATH="$STATE/py" neutron-server --config-file etc/neutron.conf
start nova-api nova-api --config-file etc/nova.conf
start nova-conductor nova-conductor --config-file etc/nova.conf
start nova-scheduler nova-scheduler --config-file etc/nova.conf
start nova-compute bin/nova-compute --config-file etc/nova.conf
start cinder-api bin/cinder-api --config-file etc/cinder.conf
start cinder-scheduler bin/cinder-scheduler --config-file etc/cinder.conf
start cinder-volume bin/cinder-volume --config-file etc/cinder.conf
for p in 8778 9292 9696 8774 8776; do wait_http http://127.0.0.1:$p/; done
ss -ltnp | awk '$4 ~ /:4369$/ && $4 ~ /^127/ {print $6}' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 > run/epmd.pid || true
t apis-listening
# Map the compute node into cell1 once it has registered in placement. (No "| grep -q":
# with pipefail an early grep exit SIGPIPEs nova-manage before it commits the mapping.)
for _ in $(seq 1 60); do
  out=$(nova-manage --config-file etc/nova.conf cell_v2 discover_hosts --verbose 2>/dev/null || true)
  case "$out" in *"Checking host mapping"*) break;; esac; sleep 2; done
t compute-mapped

# ------------------------------------------------------------------------------ seed data
head -c 1024 /dev/zero > data/tiny.img
cat > seed.cmds <<EOF
role create service
role add --project admin --user admin service
image create --disk-format raw --container-format bare --public --file $STATE/data/tiny.img cirros-fake
flavor create --id 1 --vcpus 1 --ram 64 --disk 1 m1.tiny
flavor create --id 2 --vcpus 1 --ram 512 --disk 1 m1.small
network create --external --share --provider-network-type flat --provider-physical-network public public
subnet create --network public --subnet-range 203.0.113.0/24 --gateway 203.0.113.1 --no-dhcp public-subnet
project create --domain Default trellis-member
user create --domain Default --password $MEMBER_PW trellis-member
role add --project trellis-member --user trellis-member member
project create --domain Default trellis-quota
user create --domain Default --password $QUOTA_PW trellis-quota
role add --project trellis-quota --user trellis-quota member
quota set --instances 2 trellis-quota
EOF
openstack < seed.cmds > log/seed.out 2>&1
rm -f seed.cmds
case "$(openstack image list -f value -c Status) $(openstack network list -f value -c Name)" in
  *active*public*) ;; *) echo "seed failed"; cat log/seed.out; exit 1;; esac
[ "$(openstack quota show -f value -c instances trellis-quota)" = 2 ] || { echo "quota not set"; cat log/seed.out; exit 1; }
t seeded
# The scheduler learns the fake backend's capacity from cinder-volume's first report: wait
# until a volume really becomes available (and delete it).
st=none
for _ in $(seq 1 30); do
  openstack volume create --size 1 trellis-probe >/dev/null 2>&1 || true
  for _ in $(seq 1 20); do
    st=$(openstack volume show trellis-probe -f value -c status 2>/dev/null || true)
    case "$st" in available|error) break;; esac; sleep 0.5; done
  openstack volume delete trellis-probe >/dev/null 2>&1 || true
  for _ in $(seq 1 20); do openstack volume show trellis-probe >/dev/null 2>&1 || break; sleep 0.5; done
  [ "$st" = available ] && break
  sleep 2
done
[ "$st" = available ] || { echo "cinder: volumes do not become available, see $STATE/log/cinder-*.log"; exit 1; }
t cinder-ready

# ------------------------------------------------------------------------------ what the tests read
ADMIN_PW=$ADMIN_PW MEMBER_PW=$MEMBER_PW QUOTA_PW=$QUOTA_PW KS=$KS python3 - <<'EOF' > env.json
import json, os
def cred(user, project, pw):
    return {"username": user, "password": pw, "project_name": project,
            "user_domain_name": "Default", "project_domain_name": "Default"}
print(json.dumps({
    "auth_url": os.environ["KS"], "region_name": "RegionOne", "interface": "public",
    "admin": cred("admin", "admin", os.environ["ADMIN_PW"]),
    "member": cred("trellis-member", "trellis-member", os.environ["MEMBER_PW"]),
    "quota": cred("trellis-quota", "trellis-quota", os.environ["QUOTA_PW"]),
    "image": "cirros-fake", "flavor": "m1.tiny", "external_network": "public",
}, indent=2))
EOF
# The same clouds as a clouds.yaml (OS_CLIENT_CONFIG_FILE=$STATE/clouds.yaml, clouds trellis-admin/-member)
cat > clouds.yaml <<EOF
clouds:
  trellis-admin:
    auth: {auth_url: "$KS", username: admin, password: "$ADMIN_PW", project_name: admin, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    interface: public
  trellis-member:
    auth: {auth_url: "$KS", username: trellis-member, password: "$MEMBER_PW", project_name: trellis-member, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    interface: public
EOF
chmod 600 env.json clouds.yaml
date -u +%FT%TZ > ready
t ready
echo "OpenStack up on 127.0.0.1 (identity $KS). Credentials: $STATE/env.json, $STATE/clouds.yaml"
