#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, for trying the hub's failover (docs/cluster.md).
#
#   deploy/cluster.sh [--dir DIR] COMMAND
#
#   start         start the three nodes, creating them and joining them into one cluster on
#                 first use; enable every feature flag; wait until each serves AMQP and its
#                 management API. Safe to run again: running nodes are left alone.
#   stop          stop the three nodes gracefully (their data is kept)
#   status        each node, its ports and whether it runs; the cluster as a running node sees it
#   stop-node N   stop node N (1, 2 or 3) gracefully
#   kill-node N   kill node N's Erlang VM (SIGKILL), as in a crash
#   start-node N  start node N again; it rejoins the cluster by itself
#   env           print the hub's and agents' broker settings for this cluster (no secrets)
#   destroy       kill the nodes and delete DIR
#
# DIR (default /var/lib/handover-hub-dev/cluster) holds each node's data, logs and
# configuration, and the cluster's settings, chosen at the first start from the environment and
# kept in DIR/cluster.env (later starts ignore the environment):
#   HANDOVER_CLUSTER_NAME        node name prefix (hh: nodes hh1@localhost, hh2@..., hh3@...)
#   HANDOVER_CLUSTER_AMQP_PORTS  three AMQP ports (5681 5682 5683), on 127.0.0.1
#   HANDOVER_CLUSTER_AMQPS_PORTS three AMQPS ports (5691 5692 5693), when TLS is on
#   HANDOVER_CLUSTER_MGMT_PORTS  three management API ports (15681 15682 15683)
#   HANDOVER_CLUSTER_DIST_PORTS  three Erlang distribution ports (25681 25682 25683)
#   HANDOVER_CLUSTER_TLS         auto (default: on when the development CA of deploy/dev-pki.sh
#                                exists), 1 or 0. TLS is the same setup as deploy/services.sh:
#                                client certificates, EXTERNAL login by common name.
#   HANDOVER_CLUSTER_ADMIN_USER, HANDOVER_CLUSTER_ADMIN_PASSWORD
#                                the administrator (default: HANDOVER_ADMIN_USER and
#                                HANDOVER_ADMIN_PASSWORD from .local/env when set, else
#                                handover-admin with a generated password)
# None of the ports may be the shared node's (5671, 5672, 15672, 25672) or the CLI tools'
# (35672-35682). DIR/env (mode 600) exports HANDOVER_CLUSTER_* for scripts, the
# administrator's password included; passwords are never printed.
#
# Run as root (the Debian wrapper scripts then run each node as the rabbitmq user, whose Erlang
# cookie all three nodes and the CLI share). DIR must be reachable by that user, which is why
# the default is not under .local (kept at mode 700 by deploy/services.sh).
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
DIR=/var/lib/handover-hub-dev/cluster
WAIT_BOOT_SECONDS=120
WAIT_MGMT_SECONDS=90
NODES=(1 2 3)

step() { printf '==> %s\n' "$*"; }
die() { printf 'cluster.sh: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || usage; DIR="$2"; shift 2 ;;
    --dir=*) DIR="${1#--dir=}"; shift ;;
    -h|--help) usage 0 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage
COMMAND="$1"; shift

[ "$(id -u)" -eq 0 ] || die "must run as root (the RabbitMQ wrapper scripts switch to the rabbitmq user only for root)"
command -v rabbitmq-server >/dev/null 2>&1 || die "rabbitmq-server is not installed (run deploy/services.sh first)"
[ "$COMMAND" != start ] || mkdir -p "$DIR"
[ -d "$DIR" ] || die "no cluster in $DIR (start one with: $0 --dir $DIR start)"
DIR="$(cd -- "$DIR" && pwd -P)"
# Commands run from / so that su never complains about an unreadable current directory.
cd /

CONF="$DIR/cluster.env"
ENV_FILE="$DIR/env"

# ------------------------------------------------------------ settings
port_reserved() {
  case "$1" in 5671|5672|15672|25672) return 0 ;; esac
  [ "$1" -ge 35672 ] && [ "$1" -le 35682 ]
}

# Three ports from a space-separated list, checked.
three_ports() {
  local what="$1" list="$2" p n=0
  for p in $list; do
    [[ "$p" =~ ^[0-9]+$ ]] && [ "$p" -ge 1 ] && [ "$p" -le 65535 ] || die "$what: $p is not a port"
    port_reserved "$p" && die "$what: port $p belongs to the shared node or the CLI tools"
    n=$((n + 1))
  done
  [ "$n" -eq 3 ] || die "$what: give exactly three ports, got '$list'"
  printf '%s' "$list"
}

gen_password() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

PKI_DIR="${HANDOVER_PKI_DIR:-/var/lib/handover-hub-dev/pki}"

load_or_create_settings() {
  if [ -f "$CONF" ]; then
    # shellcheck source=/dev/null
    source "$CONF"
    return
  fi
  [ "$COMMAND" = start ] || die "no cluster in $DIR yet: run '$0 --dir $DIR start' first"
  NAME="${HANDOVER_CLUSTER_NAME:-hh}"
  [[ "$NAME" =~ ^[a-z][a-z0-9_-]*$ ]] || die "HANDOVER_CLUSTER_NAME must be [a-z][a-z0-9_-]*"
  AMQP_PORTS="$(three_ports AMQP "${HANDOVER_CLUSTER_AMQP_PORTS:-5681 5682 5683}")"
  AMQPS_PORTS="$(three_ports AMQPS "${HANDOVER_CLUSTER_AMQPS_PORTS:-5691 5692 5693}")"
  MGMT_PORTS="$(three_ports management "${HANDOVER_CLUSTER_MGMT_PORTS:-15681 15682 15683}")"
  DIST_PORTS="$(three_ports distribution "${HANDOVER_CLUSTER_DIST_PORTS:-25681 25682 25683}")"
  local all
  all="$(printf '%s\n' $AMQP_PORTS $AMQPS_PORTS $MGMT_PORTS $DIST_PORTS | sort | uniq -d)"
  [ -z "$all" ] || die "ports used twice: $all"
  case "${HANDOVER_CLUSTER_TLS:-auto}" in
    1) TLS=1; [ -f "$PKI_DIR/server.pem" ] || die "TLS asked for, but $PKI_DIR has no server.pem (run deploy/services.sh)" ;;
    0) TLS=0 ;;
    auto) if [ -f "$PKI_DIR/server.pem" ]; then TLS=1; else TLS=0; fi ;;
    *) die "HANDOVER_CLUSTER_TLS must be auto, 1 or 0" ;;
  esac
  ADMIN_USER="${HANDOVER_CLUSTER_ADMIN_USER:-${HANDOVER_ADMIN_USER:-handover-admin}}"
  ADMIN_PASSWORD="${HANDOVER_CLUSTER_ADMIN_PASSWORD:-${HANDOVER_ADMIN_PASSWORD:-$(gen_password)}}"
  [[ "$ADMIN_USER" =~ ^[A-Za-z0-9._-]+$ ]] || die "the administrator's name may hold [A-Za-z0-9._-] only"
  [[ "$ADMIN_PASSWORD" =~ ^[A-Za-z0-9._~-]+$ ]] || die "the administrator's password may hold [A-Za-z0-9._~-] only"
  local tmp
  tmp="$(mktemp "$DIR/.cluster.XXXXXX")"   # mode 600
  cat >"$tmp" <<EOF
# written by deploy/cluster.sh at the cluster's first start; holds the administrator's password
NAME=$NAME
AMQP_PORTS="$AMQP_PORTS"
AMQPS_PORTS="$AMQPS_PORTS"
MGMT_PORTS="$MGMT_PORTS"
DIST_PORTS="$DIST_PORTS"
TLS=$TLS
PKI_DIR=$PKI_DIR
ADMIN_USER=$ADMIN_USER
ADMIN_PASSWORD=$ADMIN_PASSWORD
EOF
  mv -f "$tmp" "$CONF"
}

# The Nth (1-3) of a space-separated list.
nth() {
  local list
  read -ra list <<<"$2"
  printf '%s' "${list[$(($1 - 1))]}"
}
node_name() { printf '%s%s@localhost' "$NAME" "$1"; }
node_dir() { printf '%s/node%s' "$DIR" "$1"; }
pid_file() { printf '%s/node.pid' "$(node_dir "$1")"; }
amqp_port() { nth "$1" "$AMQP_PORTS"; }
amqps_port() { nth "$1" "$AMQPS_PORTS"; }
mgmt_port() { nth "$1" "$MGMT_PORTS"; }
dist_port() { nth "$1" "$DIST_PORTS"; }

check_node_number() {
  [[ "${1:-}" =~ ^[123]$ ]] || die "name a node: 1, 2 or 3"
}

# Runs a command with node N's environment.
with_node() {
  local n="$1"; shift
  local d
  d="$(node_dir "$n")"
  RABBITMQ_NODENAME="$(node_name "$n")" \
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
  RABBITMQ_NODE_PORT="$(amqp_port "$n")" \
  RABBITMQ_DIST_PORT="$(dist_port "$n")" \
  RABBITMQ_MNESIA_BASE="$d/mnesia" \
  RABBITMQ_LOG_BASE="$d/log" \
  RABBITMQ_PID_FILE="$d/node.pid" \
  RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" \
  RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" \
    "$@"
}

ctl() { local n="$1"; shift; with_node "$n" rabbitmqctl -q -n "$(node_name "$n")" "$@"; }

node_pid() {
  local f pid
  f="$(pid_file "$1")"
  [ -r "$f" ] || return 1
  pid="$(tr -dc '0-9' <"$f")"
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = beam.smp ] && printf '%s' "$pid"
}
node_alive() { node_pid "$1" >/dev/null; }

log_hint() {
  local log
  for log in "$(node_dir "$1")"/log/*; do
    [ -s "$log" ] && { echo "--- last lines of $log" >&2; tail -n 25 "$log" >&2; }
  done
  return 0
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_node_files() {
  local n="$1" d
  d="$(node_dir "$n")"
  mkdir -p "$d/mnesia" "$d/log"
  local conf="# written by deploy/cluster.sh
listeners.tcp.default = 127.0.0.1:$(amqp_port "$n")
management.tcp.ip = 127.0.0.1
management.tcp.port = $(mgmt_port "$n")
default_user = $ADMIN_USER
default_pass = $ADMIN_PASSWORD
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
# A node cut off from the majority pauses rather than serving a split cluster.
cluster_partition_handling = pause_minority
# A fresh node joins node 1 as it boots (node 1 itself, finding only itself, starts the
# cluster); a node with data rejoins the cluster it belongs to.
cluster_formation.peer_discovery_backend = classic_config
cluster_formation.classic_config.nodes.1 = $(node_name 1)"
  local plugins="rabbitmq_management"
  if [ "$TLS" = 1 ]; then
    conf="$conf
listeners.ssl.default = 127.0.0.1:$(amqps_port "$n")
ssl_options.cacertfile = $PKI_DIR/ca.pem
ssl_options.certfile = $PKI_DIR/server.pem
ssl_options.keyfile = $PKI_DIR/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = true
auth_mechanisms.1 = PLAIN
auth_mechanisms.2 = AMQPLAIN
auth_mechanisms.3 = EXTERNAL
ssl_cert_login_from = common_name"
    plugins="rabbitmq_management,rabbitmq_auth_mechanism_ssl"
  fi
  printf '%s\n' "$conf" >"$d/rabbitmq.conf"
  printf '[%s].\n' "$plugins" >"$d/enabled_plugins"
  chmod 600 "$d/rabbitmq.conf"
  chmod 750 "$d"
  chown -R rabbitmq:rabbitmq "$d"
}

# Launches node N in the background (rabbitmq-server -detached returns at once).
launch_node() {
  local n="$1" p
  for p in "$(amqp_port "$n")" "$(mgmt_port "$n")" "$(dist_port "$n")"; do
    port_in_use "$p" && die "port $p of $(node_name "$n") is taken by another process"
  done
  write_node_files "$n"
  rm -f "$(pid_file "$n")"   # a killed node leaves it behind; 'rabbitmqctl wait' would read it
  with_node "$n" rabbitmq-server -detached >/dev/null 2>&1 \
    || { log_hint "$n"; die "rabbitmq-server -detached failed for $(node_name "$n")"; }
}

wait_node() {
  local n="$1"
  ctl "$n" wait "$(pid_file "$n")" --timeout "$WAIT_BOOT_SECONDS" >/dev/null 2>&1 \
    || { log_hint "$n"; die "$(node_name "$n") did not start (waited up to ${WAIT_BOOT_SECONDS}s; its log is above)"; }
}

# Whether node N counts node 1 among its cluster's members.
joined() {
  ctl "$1" cluster_status --formatter json 2>/dev/null | grep -q "\"$(node_name 1)\""
}

join_node() {
  local n="$1"
  step "joining $(node_name "$n") to $(node_name 1)"
  local action out
  for action in stop_app reset "join_cluster $(node_name 1)" start_app; do
    # shellcheck disable=SC2086
    out="$(ctl "$n" $action 2>&1)" || { printf '%s\n' "$out" >&2; log_hint "$n"; die "rabbitmqctl $action failed on $(node_name "$n")"; }
  done
}

mgmt_get() {
  printf 'user = "%s:%s"\n' "$ADMIN_USER" "$ADMIN_PASSWORD" \
    | curl -K - -fsS --max-time 10 "http://127.0.0.1:$(mgmt_port "$1")$2"
}

wait_mgmt() {
  local n="$1" deadline=$((SECONDS + WAIT_MGMT_SECONDS))
  until mgmt_get "$n" /api/overview >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "the management API of $(node_name "$n") did not answer within ${WAIT_MGMT_SECONDS}s"
    sleep 1
  done
}

# The running members of the cluster, as the first running node's management API lists them.
running_members() {
  local n
  for n in "${NODES[@]}"; do
    if node_alive "$n"; then
      mgmt_get "$n" '/api/nodes?columns=name,running' 2>/dev/null \
        | python3 -c 'import json, sys; print(" ".join(sorted(n["name"] for n in json.load(sys.stdin) if n.get("running"))))' \
        2>/dev/null || true
      return 0
    fi
  done
}

write_env_file() {
  local tmp nodes="" tls_nodes="" n
  for n in "${NODES[@]}"; do
    nodes="${nodes:+$nodes,}127.0.0.1:$(amqp_port "$n")"
    tls_nodes="${tls_nodes:+$tls_nodes,}localhost:$(amqps_port "$n")"
  done
  tmp="$(mktemp "$DIR/.env.XXXXXX")"   # mode 600
  {
    echo "# generated by deploy/cluster.sh; holds the cluster administrator's password"
    echo "export HANDOVER_CLUSTER_NODES=$nodes"
    [ "$TLS" = 1 ] && echo "export HANDOVER_CLUSTER_AMQPS_NODES=$tls_nodes"
    echo "export HANDOVER_CLUSTER_MGMT_URL=http://127.0.0.1:$(mgmt_port 1)"
    echo "export HANDOVER_CLUSTER_ADMIN_USER=$ADMIN_USER"
    echo "export HANDOVER_CLUSTER_ADMIN_PASSWORD=$ADMIN_PASSWORD"
  } >"$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

print_status() {
  local n state
  for n in "${NODES[@]}"; do
    if node_alive "$n"; then state="running (pid $(node_pid "$n"))"; else state=stopped; fi
    printf '    %-24s %-22s amqp 127.0.0.1:%s' "$(node_name "$n")" "$state" "$(amqp_port "$n")"
    [ "$TLS" = 1 ] && printf '  amqps localhost:%s' "$(amqps_port "$n")"
    printf '  management http://127.0.0.1:%s  distribution %s\n' "$(mgmt_port "$n")" "$(dist_port "$n")"
  done
  local members
  members="$(running_members)"
  printf '    running cluster members: %s\n' "${members:-none}"
}

# ------------------------------------------------------------ commands
fresh() { [ ! -d "$(node_dir "$1")/mnesia/$(node_name "$1")" ]; }

cmd_start() {
  local n first=0 now=() later=()
  fresh 1 && first=1
  # Node 1 and every node that has data start together (a stopped cluster's nodes wait for
  # each other as they boot). Then each fresh node 2 or 3 starts and joins node 1 as it
  # boots, one at a time: two nodes joining at once can fail.
  for n in "${NODES[@]}"; do
    if node_alive "$n"; then
      step "$(node_name "$n") already running"
    elif [ "$n" != 1 ] && fresh "$n"; then
      later+=("$n")
    else
      now+=("$n")
    fi
  done
  for n in "${now[@]}"; do
    step "starting $(node_name "$n") (AMQP 127.0.0.1:$(amqp_port "$n"))"
    launch_node "$n"
  done
  for n in "${now[@]}"; do
    wait_node "$n"
  done
  for n in "${later[@]}"; do
    step "starting $(node_name "$n") (AMQP 127.0.0.1:$(amqp_port "$n")); it joins $(node_name 1)"
    launch_node "$n"
    wait_node "$n"
  done
  for n in 2 3; do
    joined "$n" || join_node "$n"
  done
  step "enabling all feature flags (stream_queue is needed for safe dead-lettering)"
  ctl 1 enable_feature_flag all >/dev/null || die "enable_feature_flag all failed"
  ctl 1 list_feature_flags name state 2>/dev/null | awk '$1 == "stream_queue" && $2 == "enabled" {f=1} END {exit !f}' \
    || die "feature flag stream_queue is not enabled"
  step "waiting for the management API of each node"
  for n in "${NODES[@]}"; do
    wait_mgmt "$n"
  done
  local members count
  members="$(running_members)"
  count="$(wc -w <<<"$members")"
  [ "$count" -eq 3 ] || die "the cluster has $count running members ($members), not 3"
  write_env_file
  [ "$first" = 1 ] && step "new cluster; administrator '$ADMIN_USER' (password in $ENV_FILE)"
  step "cluster ready in $DIR"
  print_status
}

stop_node() {
  local n="$1"
  if ! node_alive "$n"; then
    step "$(node_name "$n") already stopped"
    return
  fi
  step "stopping $(node_name "$n")"
  ctl "$n" stop "$(pid_file "$n")" >/dev/null 2>&1 || die "rabbitmqctl stop failed for $(node_name "$n")"
}

cmd_stop() {
  local n pids=()
  for n in "${NODES[@]}"; do
    stop_node "$n" &
    pids+=("$!")
  done
  for n in "${pids[@]}"; do wait "$n" || die "a node did not stop"; done
  step "cluster stopped (data kept in $DIR)"
}

kill_node() {
  local n="$1" pid
  if ! pid="$(node_pid "$n")"; then
    step "$(node_name "$n") is not running"
    return
  fi
  step "killing $(node_name "$n") (pid $pid)"
  kill -KILL "$pid"
  for _ in $(seq 1 100); do [ -e "/proc/$pid" ] || return 0; sleep 0.1; done
  die "$(node_name "$n") (pid $pid) did not exit"
}

cmd_start_node() {
  local n="$1"
  if node_alive "$n"; then
    step "$(node_name "$n") already running"
  else
    step "starting $(node_name "$n")"
    launch_node "$n"
    wait_node "$n"
  fi
  wait_mgmt "$n"
  step "$(node_name "$n") running; cluster members: $(running_members)"
}

cmd_env() {
  local others="" n
  for n in 2 3; do others="${others:+$others,}127.0.0.1:$(amqp_port "$n")"; done
  echo "# the hub and agents on this cluster, plain AMQP with passwords (development only):"
  echo "export HUB__BROKER__HOST=127.0.0.1 HUB__BROKER__PORT=$(amqp_port 1) HUB__BROKER__NODES=$others"
  echo "export AGENT__BROKER__HOST=127.0.0.1 AGENT__BROKER__PORT=$(amqp_port 1) AGENT__BROKER__NODES=$others"
  if [ "$TLS" = 1 ]; then
    others=""
    for n in 2 3; do others="${others:+$others,}localhost:$(amqps_port "$n")"; done
    echo "# or AMQPS with client certificates (broker.tls as for the shared broker):"
    echo "export HUB__BROKER__HOST=localhost HUB__BROKER__PORT=$(amqps_port 1) HUB__BROKER__NODES=$others"
    echo "export AGENT__BROKER__HOST=localhost AGENT__BROKER__PORT=$(amqps_port 1) AGENT__BROKER__NODES=$others"
  fi
  echo "# provisioning (hub provision, hub agency add) through node 1's management API; its"
  echo "# administrator (HUB__BROKER__ADMIN_USER and _PASSWORD) is in $ENV_FILE"
  echo "export HUB__BROKER__MANAGEMENT_URL=http://127.0.0.1:$(mgmt_port 1)"
}

# This cluster's Erlang VMs, found by the data folder in their environment: also one that
# has not written its pid file yet (a start that was interrupted).
our_vms() {
  local p n env
  for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = beam.smp ] || continue
    env="$(tr '\0' '\n' <"$p/environ" 2>/dev/null)" || continue
    for n in "${NODES[@]}"; do
      if grep -qxF "RABBITMQ_MNESIA_BASE=$(node_dir "$n")/mnesia" <<<"$env"; then
        echo "${p#/proc/}"
      fi
    done
  done
}

cmd_destroy() {
  local pid pids
  # Its data is about to go: nothing to stop gracefully.
  mapfile -t pids < <(our_vms)
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
  done
  rm -rf -- "$DIR"
  step "cluster removed: $DIR"
}

if [ "$COMMAND" = destroy ] && [ ! -f "$CONF" ]; then
  # Nothing of ours here (a failed first start at most): remove only an empty folder.
  rmdir -- "$DIR" 2>/dev/null || true
  step "no cluster in $DIR"
  exit 0
fi
load_or_create_settings
case "$COMMAND" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) print_status ;;
  stop-node) check_node_number "${1:-}"; stop_node "$1" ;;
  kill-node) check_node_number "${1:-}"; kill_node "$1" ;;
  start-node) check_node_number "${1:-}"; cmd_start_node "$1" ;;
  env) cmd_env ;;
  destroy) cmd_destroy ;;
  *) usage ;;
esac
