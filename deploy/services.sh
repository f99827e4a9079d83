#!/usr/bin/env bash
# Bring up the local RabbitMQ and PostgreSQL that the hub and its tests use.
#
# Idempotent, non-interactive, run as root (CI runs it with CI=true and no stdin).
#   - installs rabbitmq-server, postgresql and curl when missing, and Debian's prometheus
#     package for promtool (which checks deploy/monitoring/alerts.yml) when promtool is;
#   - starts (or reuses) a PostgreSQL cluster and the RabbitMQ node;
#   - enables the rabbitmq_management plugin and all RabbitMQ feature flags
#     (stream_queue is needed for at-least-once dead-lettering on quorum queues);
#   - keeps passwords in /var/lib/handover-hub-dev/secrets.env (generated once per
#     machine, then reused by every checkout);
#   - creates/updates the RabbitMQ user handover-admin (administrator, full
#     permissions on vhost /) and the PostgreSQL role + database handover;
#   - deletes RabbitMQ's default administrator 'guest' (reachable from loopback);
#   - starts (or reuses) the development OpenID Connect identity provider deploy/idp/idp.mjs
#     on http://localhost:8790 (npm package oidc-provider; its secrets, pid and log in
#     /var/lib/handover-hub-dev/idp, shared by every checkout);
#   - writes <repo>/.local/env (mode 600) with HANDOVER_* exports for other scripts.
# Passwords are never printed.
set -euo pipefail

# ---------------------------------------------------------------- settings
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
LOCAL_DIR="$REPO_ROOT/.local"
# One secrets file per machine, not per checkout: every clone (and CI's) shares the same
# services, so they must share the passwords too.
SECRETS_DIR="${HANDOVER_SECRETS_DIR:-/var/lib/handover-hub-dev}"
SECRETS_FILE="$SECRETS_DIR/secrets.env"
ENV_FILE="$LOCAL_DIR/env"

PG_VERSION="${PG_VERSION:-15}"
PG_CLUSTER_NAME="${PG_CLUSTER_NAME:-main}"
PG_DB=handover
PG_ROLE=handover
ADMIN_USER=handover-admin
AMQP_HOST=127.0.0.1
AMQP_PORT=5672
MGMT_URL=http://127.0.0.1:15672

WAIT_PG_SECONDS=90
WAIT_RABBIT_SECONDS=120
WAIT_MGMT_SECONDS=90

export DEBIAN_FRONTEND=noninteractive

step() { printf '==> %s\n' "$*"; }
die() { printf 'services.sh: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts system services)"

# ------------------------------------------------------------- 1. packages
pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
# chromium and chromium-driver for the browser tests of the web pages; python3-pika for the
# interoperability test (an agency system that is not our agent); openssl for the dev CA.
for p in rabbitmq-server postgresql curl openssl chromium chromium-driver python3-pika; do
  pkg_installed "$p" || missing+=("$p")
done
# promtool, for the test of the alert rules in deploy/monitoring (any promtool on PATH will do).
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ "${#missing[@]}" -gt 0 ]; then
  step "installing ${missing[*]}"
  apt_log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    rm -f "$apt_log"
    die "apt-get install ${missing[*]} failed"
  fi
  rm -f "$apt_log"
  if [[ " ${missing[*]} " == *" prometheus "* ]]; then
    # Only promtool is wanted: where an init system lets it, the package also starts a
    # Prometheus server listening on every interface (:9090). Stop it and keep it off.
    if [ -d /run/systemd/system ]; then
      systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    else
      service prometheus stop >/dev/null 2>&1 || true
      update-rc.d prometheus disable >/dev/null 2>&1 || true
    fi
  fi
else
  step "packages present (rabbitmq-server, postgresql, curl)"
fi
PROMTOOL="$(command -v promtool)" || die "promtool is not on PATH after installing prometheus"

# Later steps run commands from / so that runuser/su never complain about an
# unreadable current directory.
cd /

# -------------------------------------------------------------- 4. secrets
gen_password() {
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -hex 16
  else
    od -An -tx1 -N16 /dev/urandom | tr -d ' \n'
  fi
}

# Read KEY from the secrets file without sourcing it.
secret_from_file() {
  [ -f "$SECRETS_FILE" ] || return 0
  sed -n "s/^$1=//p" "$SECRETS_FILE" | tail -n 1 | tr -d "\"'\r"
}

# Only the files under .local are private; do not change the umask globally,
# it would be inherited by the services started below.
mkdir -p "$LOCAL_DIR" "$SECRETS_DIR"
chmod 700 "$LOCAL_DIR"
# 711: the broker (user rabbitmq) must reach pki/ inside; secrets.env itself stays 600.
chmod 711 "$SECRETS_DIR"
PG_PASSWORD="$(secret_from_file HANDOVER_PG_PASSWORD)"
ADMIN_PASSWORD="$(secret_from_file HANDOVER_ADMIN_PASSWORD)"
if [ -n "$PG_PASSWORD" ] && [ -n "$ADMIN_PASSWORD" ]; then
  step "reusing secrets from .local/secrets.env"
else
  step "generating secrets in .local/secrets.env"
  [ -n "$PG_PASSWORD" ] || PG_PASSWORD="$(gen_password)"
  [ -n "$ADMIN_PASSWORD" ] || ADMIN_PASSWORD="$(gen_password)"
  tmp="$(mktemp "$SECRETS_DIR/.secrets.XXXXXX")"   # mktemp creates it with mode 600
  printf '# generated by deploy/services.sh; keep out of git\nHANDOVER_PG_PASSWORD=%s\nHANDOVER_ADMIN_PASSWORD=%s\n' \
    "$PG_PASSWORD" "$ADMIN_PASSWORD" >"$tmp"
  mv -f "$tmp" "$SECRETS_FILE"
fi
chmod 600 "$SECRETS_FILE"
# The passwords end up in URLs and SQL literals: only allow URL-safe characters.
for pw in "$PG_PASSWORD" "$ADMIN_PASSWORD"; do
  [[ "$pw" =~ ^[A-Za-z0-9._~-]+$ ]] \
    || die ".local/secrets.env holds a password with characters other than [A-Za-z0-9._~-]; delete the file to regenerate"
done

# The federation pseudonym key: every agent derives each person's pseudonym from the national
# identity number under it, and the hub never holds it. This is a development key for this
# checkout; a federation makes its own once and gives it to each agency out of band.
PSEUDONYM_KEY_FILE="$LOCAL_DIR/secrets/pseudonym.key"
if [ ! -s "$PSEUDONYM_KEY_FILE" ]; then
  step "generating the development pseudonym key in .local/secrets/pseudonym.key"
  mkdir -p "$LOCAL_DIR/secrets"
  chmod 700 "$LOCAL_DIR/secrets"
  tmp="$(mktemp "$LOCAL_DIR/secrets/.pseudonym.XXXXXX")"   # mode 600
  printf '%s%s\n' "$(gen_password)" "$(gen_password)" >"$tmp"
  mv -f "$tmp" "$PSEUDONYM_KEY_FILE"
fi

# The development identity provider's secrets (section 7), per machine:
# the one password of every synthetic account in deploy/idp/accounts.json, the initial access
# token that lets the tests and the demo register clients, and the key that signs its cookies.
# Its signing key (idp-jwks.json) is created by the provider itself on first start.
IDP_PORT="${HANDOVER_IDP_PORT:-8790}"
IDP_ISSUER="http://localhost:$IDP_PORT"
# One provider per machine, like RabbitMQ and PostgreSQL: every checkout (and CI's clone)
# shares it, its secrets, its pid and its log, under $SECRETS_DIR/idp.
IDP_HOME="$SECRETS_DIR/idp"
mkdir -p "$IDP_HOME"
chmod 700 "$IDP_HOME"
IDP_PASSWORD_FILE="$IDP_HOME/idp-password"
IDP_TOKEN_FILE="$IDP_HOME/idp-registration-token"
IDP_COOKIE_KEY_FILE="$IDP_HOME/idp-cookie-key"
IDP_JWKS_FILE="$IDP_HOME/idp-jwks.json"
mkdir -p "$LOCAL_DIR/secrets"
chmod 700 "$LOCAL_DIR/secrets"
for f in "$IDP_PASSWORD_FILE" "$IDP_TOKEN_FILE" "$IDP_COOKIE_KEY_FILE"; do
  if [ ! -s "$f" ]; then
    step "generating .local/secrets/${f##*/} (development identity provider)"
    tmp="$(mktemp "$IDP_HOME/.idp.XXXXXX")"   # mode 600
    if [ "$f" = "$IDP_COOKIE_KEY_FILE" ]; then
      printf '%s%s\n' "$(gen_password)" "$(gen_password)" >"$tmp"
    else
      printf '%s\n' "$(gen_password)" >"$tmp"
    fi
    mv -f "$tmp" "$f"
  fi
  chmod 600 "$f"
done
IDP_REGISTRATION_TOKEN="$(head -n 1 "$IDP_TOKEN_FILE" | tr -d '\r\n')"
IDP_COOKIE_KEY="$(head -n 1 "$IDP_COOKIE_KEY_FILE" | tr -d '\r\n')"

# ------------------------------------------------------------ 2. PostgreSQL
# Use a running cluster if there is one, otherwise start (creating if needed)
# $PG_VERSION/$PG_CLUSTER_NAME.
pg_running_line="$(pg_lsclusters -h 2>/dev/null | awk '$4 == "online" {print; exit}')"
if [ -n "$pg_running_line" ]; then
  read -r pg_ver pg_name pg_port _ <<<"$pg_running_line"
  step "PostgreSQL $pg_ver/$pg_name already running on port $pg_port"
else
  pg_ver="$PG_VERSION"
  pg_name="$PG_CLUSTER_NAME"
  if ! pg_lsclusters -h 2>/dev/null | awk -v v="$pg_ver" -v n="$pg_name" '$1 == v && $2 == n {f=1} END {exit !f}'; then
    step "creating PostgreSQL cluster $pg_ver/$pg_name"
    pg_createcluster "$pg_ver" "$pg_name" >/dev/null || die "pg_createcluster $pg_ver $pg_name failed"
  fi
  step "starting PostgreSQL $pg_ver/$pg_name"
  pg_ctlcluster "$pg_ver" "$pg_name" start \
    || die "pg_ctlcluster $pg_ver $pg_name start failed (see /var/log/postgresql/postgresql-$pg_ver-$pg_name.log)"
  pg_port="$(pg_lsclusters -h | awk -v v="$pg_ver" -v n="$pg_name" '$1 == v && $2 == n {print $3; exit}')"
fi
[ -n "${pg_port:-}" ] || die "could not determine the PostgreSQL port"

step "waiting for PostgreSQL on 127.0.0.1:$pg_port"
deadline=$((SECONDS + WAIT_PG_SECONDS))
until pg_isready -q -h 127.0.0.1 -p "$pg_port"; do
  [ "$SECONDS" -lt "$deadline" ] \
    || die "PostgreSQL did not accept connections on 127.0.0.1:$pg_port within ${WAIT_PG_SECONDS}s (see /var/log/postgresql/)"
  sleep 1
done

step "ensuring PostgreSQL role and database '$PG_DB'"
# SQL goes through stdin so the password is not visible in the process list.
runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$pg_port" -d postgres >/dev/null <<SQL \
  || die "provisioning the PostgreSQL role/database failed"
SELECT format('CREATE ROLE %I', '$PG_ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE') \gexec
ALTER ROLE "$PG_ROLE" WITH LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$PG_DB', '$PG_ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_DB') \gexec
ALTER DATABASE "$PG_DB" OWNER TO "$PG_ROLE";
SQL

step "checking password login over TCP (127.0.0.1:$pg_port)"
for db in "$PG_DB" postgres; do
  PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=10 \
    psql -X -q -At -h 127.0.0.1 -p "$pg_port" -U "$PG_ROLE" -d "$db" -c 'select 1' >/dev/null 2>&1 \
    || die "password login as '$PG_ROLE' to database '$db' over 127.0.0.1:$pg_port failed; pg_hba.conf needs a 'host all all 127.0.0.1/32 scram-sha-256' (or md5) line (run: runuser -u postgres -- psql -c 'show hba_file')"
done
PG_SERVER_VERSION="$(PGPASSWORD="$PG_PASSWORD" psql -X -At -h 127.0.0.1 -p "$pg_port" -U "$PG_ROLE" -d "$PG_DB" -c 'show server_version' | awk '{print $1}')"

# -------------------------------------------------------------- 3. RabbitMQ
rabbit_up() { rabbitmqctl -q ping >/dev/null 2>&1; }
# The default node's process exists but does not answer yet (still booting):
# it has registered with epmd, or its pid file names a live beam process.
rabbit_beam_present() {
  local pidfile pid
  epmd -names 2>/dev/null | grep -q '^name rabbit at port' && return 0
  pidfile="/var/lib/rabbitmq/mnesia/rabbit@${HOSTNAME%%.*}.pid"
  [ -r "$pidfile" ] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = beam.smp ]
}

rabbit_log_hint() {
  local f
  for f in /var/log/rabbitmq/startup_err /var/log/rabbitmq/startup_log; do
    [ -s "$f" ] && { echo "--- $f (last lines)" >&2; tail -n 20 "$f" >&2; }
  done
  echo "--- see also /var/log/rabbitmq/rabbit@${HOSTNAME%%.*}.log" >&2
}

# Make sure plugin/feature-flag files stay readable/writable by the broker
# (rabbitmq-plugins runs as root, not through su).
fix_rabbit_ownership() {
  [ -f /etc/rabbitmq/enabled_plugins ] && chown rabbitmq:rabbitmq /etc/rabbitmq/enabled_plugins
  return 0
}

PLUGINS=(rabbitmq_management rabbitmq_auth_mechanism_ssl)

# AMQPS on 5671 with client certificates (EXTERNAL: the certificate's common name is the
# broker user); plain AMQP on 5672 with passwords stays for local development only.
PKI_DIR=/var/lib/handover-hub-dev/pki
step "ensuring the development CA and certificates in $PKI_DIR"
demo_names=$(sed -n 's/^id = "\(.*\)"/\1/p' "$REPO_ROOT/config/agencies.toml")
# shellcheck disable=SC2086
PKI_DIR=$PKI_DIR bash "$SCRIPT_DIR/dev-pki.sh" handover-hub $demo_names
RABBIT_CONF=/etc/rabbitmq/rabbitmq.conf
want_conf="# written by deploy/services.sh
listeners.tcp.default = 5672
listeners.ssl.default = 5671
ssl_options.cacertfile = $PKI_DIR/ca.pem
ssl_options.certfile = $PKI_DIR/server.pem
ssl_options.keyfile = $PKI_DIR/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = true
auth_mechanisms.1 = PLAIN
auth_mechanisms.2 = AMQPLAIN
auth_mechanisms.3 = EXTERNAL
ssl_cert_login_from = common_name"
conf_changed=0
if [ "$(cat "$RABBIT_CONF" 2>/dev/null)" != "$want_conf" ]; then
  step "writing $RABBIT_CONF (TLS listener with client certificates)"
  printf '%s\n' "$want_conf" > "$RABBIT_CONF"
  chown rabbitmq:rabbitmq "$RABBIT_CONF"
  conf_changed=1
fi
if [ "$conf_changed" = 1 ] && rabbit_up; then
  step "restarting RabbitMQ to apply its new configuration"
  rabbitmqctl -q stop >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do rabbit_up || rabbit_beam_present || break; sleep 1; done
fi
plugins_in_file() {
  local p
  [ -f /etc/rabbitmq/enabled_plugins ] || return 1
  for p in "${PLUGINS[@]}"; do
    grep -Eq "(\[|,)[[:space:]]*${p}[[:space:]]*(,|\])" /etc/rabbitmq/enabled_plugins || return 1
  done
}

if rabbit_up; then
  # It may still be booting (the node answers pings before the app is up):
  # plugins are checked online after await_startup below.
  step "RabbitMQ already running"
else
  if plugins_in_file; then
    step "RabbitMQ plugins already enabled: ${PLUGINS[*]}"
  else
    step "enabling RabbitMQ plugins (offline): ${PLUGINS[*]}"
    rabbitmq-plugins -q enable --offline "${PLUGINS[@]}" >/dev/null || die "rabbitmq-plugins enable --offline failed"
    fix_rabbit_ownership
  fi
  if rabbit_beam_present; then
    step "RabbitMQ node process exists but does not answer yet; waiting for it"
  else
    step "starting RabbitMQ"
    # As root the Debian wrapper switches to the rabbitmq user.
    rabbitmq-server -detached >/dev/null 2>&1 || { rabbit_log_hint; die "rabbitmq-server -detached failed"; }
  fi
fi

step "waiting for RabbitMQ to finish booting"
deadline=$((SECONDS + WAIT_RABBIT_SECONDS))
until rabbitmqctl -q await_startup --timeout 15 >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    rabbit_log_hint
    die "RabbitMQ did not finish booting within ${WAIT_RABBIT_SECONDS}s"
  fi
  sleep 2
done

# Plugins enabled offline are started at boot; on a node that was already
# running they may be missing: enable them online then.
if ! rabbitmq-plugins -q is_enabled "${PLUGINS[@]}" --online >/dev/null 2>&1; then
  step "enabling RabbitMQ plugins (online): ${PLUGINS[*]}"
  rabbitmq-plugins -q enable --online "${PLUGINS[@]}" >/dev/null || die "rabbitmq-plugins enable --online failed"
  fix_rabbit_ownership
fi

step "enabling all RabbitMQ feature flags (stream_queue is needed for safe dead-lettering)"
rabbitmqctl -q enable_feature_flag all >/dev/null || die "rabbitmqctl enable_feature_flag all failed"
rabbitmqctl -q list_feature_flags name state 2>/dev/null | awk '$1 == "stream_queue" && $2 == "enabled" {f=1} END {exit !f}' \
  || die "feature flag stream_queue is not enabled"

step "ensuring RabbitMQ administrator '$ADMIN_USER'"
# rabbitmqctl (3.10) only takes the password as an argument; it is visible to
# root/rabbitmq in the process list for about a second.
if rabbitmqctl -q list_users 2>/dev/null | awk -v u="$ADMIN_USER" '$1 == u {f=1} END {exit !f}'; then
  rabbitmqctl -q change_password "$ADMIN_USER" "$ADMIN_PASSWORD" >/dev/null || die "rabbitmqctl change_password failed"
else
  rabbitmqctl -q add_user "$ADMIN_USER" "$ADMIN_PASSWORD" >/dev/null || die "rabbitmqctl add_user failed"
fi
rabbitmqctl -q set_user_tags "$ADMIN_USER" administrator >/dev/null || die "rabbitmqctl set_user_tags failed"
rabbitmqctl -q set_permissions -p / "$ADMIN_USER" '.*' '.*' '.*' >/dev/null || die "rabbitmqctl set_permissions failed"

# The broker's default user 'guest' (password 'guest') is an administrator that anyone on this
# host can use from loopback: it would list every user and inbox and could grant itself any
# inbox. Nothing here uses it (handover-admin above provisions everything), so remove it.
if rabbitmqctl -q list_users 2>/dev/null | awk '$1 == "guest" {f=1} END {exit !f}'; then
  step "removing RabbitMQ's default administrator 'guest'"
  rabbitmqctl -q delete_user guest >/dev/null || die "rabbitmqctl delete_user guest failed"
fi

# ---------------------------------------------------------------- 5. env
step "writing .local/env"
tmp="$(mktemp "$LOCAL_DIR/.env.XXXXXX")"
cat >"$tmp" <<EOF
# generated by deploy/services.sh; contains secrets, do not commit
export HANDOVER_PG_URL=postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$pg_port/$PG_DB
export HANDOVER_PKI_DIR=$PKI_DIR
export HANDOVER_AMQPS_PORT=5671
export HANDOVER_PG_ADMIN_URL=postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$pg_port/postgres
export HANDOVER_AMQP_HOST=$AMQP_HOST
export HANDOVER_AMQP_PORT=$AMQP_PORT
export HANDOVER_MGMT_URL=$MGMT_URL
export HANDOVER_ADMIN_USER=$ADMIN_USER
export HANDOVER_ADMIN_PASSWORD=$ADMIN_PASSWORD
export HANDOVER_IDP_ISSUER=$IDP_ISSUER
export HANDOVER_IDP_REGISTRATION_TOKEN=$IDP_REGISTRATION_TOKEN
export HANDOVER_IDP_PASSWORD_FILE=$IDP_PASSWORD_FILE
export HANDOVER_PROMTOOL=$PROMTOOL
EOF
chmod 600 "$tmp"
mv -f "$tmp" "$ENV_FILE"

# ------------------------------------------------------- 6. management API
step "waiting for the RabbitMQ management API at $MGMT_URL"
# Credentials go to curl through stdin (-K -), not the command line.
mgmt_get() {
  printf 'user = "%s:%s"\n' "$ADMIN_USER" "$ADMIN_PASSWORD" \
    | curl -K - -fsS --max-time 10 "$MGMT_URL$1"
}
deadline=$((SECONDS + WAIT_MGMT_SECONDS))
until overview="$(mgmt_get /api/overview 2>/dev/null)"; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    mgmt_get /api/overview >/dev/null || true   # show curl's error once
    die "the management API did not answer at $MGMT_URL/api/overview within ${WAIT_MGMT_SECONDS}s"
  fi
  sleep 2
done
RABBIT_VERSION="$(printf '%s' "$overview" | sed -n 's/.*"rabbitmq_version":"\([^"]*\)".*/\1/p')"

# ------------------------------------------- 7. development identity provider
# deploy/idp/idp.mjs, on the certified npm package oidc-provider: the OpenID Connect provider
# where caseworkers sign in to the agents' pages in the demo and the tests. Dev/test only: plain
# HTTP on 127.0.0.1, issuer http://localhost:8790, everything in memory (a restart forgets the
# registered clients: register them again). Restarted here when its code, accounts, packages or
# secrets changed since it was started.
IDP_DIR="$REPO_ROOT/deploy/idp"
IDP_PID_FILE="$IDP_HOME/idp.pid"
IDP_STAMP_FILE="$IDP_HOME/idp.fingerprint"
IDP_LOG="$IDP_HOME/idp.log"
WAIT_IDP_SECONDS=30

command -v node >/dev/null 2>&1 \
  || die "node is not on PATH: the development identity provider (deploy/idp) needs Node.js 20.18 or later (22 LTS recommended) with npm"
command -v npm >/dev/null 2>&1 || die "npm is not on PATH: it installs the development identity provider's packages (deploy/idp)"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 18) ? 0 : 1)' \
  || die "Node.js $(node --version) is too old for oidc-provider 9 (deploy/idp): it needs 20.18 or later"

# npm_ci DIR PACKAGE WHAT: installs DIR's locked npm packages unless PACKAGE is there and the
# lockfile is not newer than the install.
npm_ci() {
  local dir="$1" package="$2" what="$3" npm_log
  if [ ! -d "$dir/node_modules/$package" ] \
    || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    step "installing $what (npm ci in ${dir#"$REPO_ROOT"/})"
    npm_log="$(mktemp)"
    if ! (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts) >"$npm_log" 2>&1; then
      tail -n 30 "$npm_log" >&2
      rm -f "$npm_log"
      die "npm ci in ${dir#"$REPO_ROOT"/} failed"
    fi
    rm -f "$npm_log"
  fi
}
npm_ci "$IDP_DIR" oidc-provider "the identity provider's npm packages"
# axe-core, which the browser tests inject into every page they check (WCAG 2.1 AA).
npm_ci "$REPO_ROOT/tests/a11y" axe-core "axe-core for the browser tests' accessibility checks"

idp_fingerprint() {
  { cat "$IDP_DIR/idp.mjs" "$IDP_DIR/accounts.json" "$IDP_DIR/package-lock.json" \
      "$IDP_PASSWORD_FILE" "$IDP_TOKEN_FILE" "$IDP_COOKIE_KEY_FILE"
    node --version; echo "$IDP_PORT"; } | sha256sum | cut -d' ' -f1
}
# The pid in $IDP_PID_FILE is a live `node .../deploy/idp/idp.mjs` (of any checkout; a zombie
# has an empty cmdline and does not count).
idp_pid() {
  local pid
  [ -s "$IDP_PID_FILE" ] || return 1
  pid="$(tr -dc '0-9' <"$IDP_PID_FILE")"
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "deploy/idp/idp.mjs" || return 1
  printf '%s\n' "$pid"
}
idp_answers() { curl -fsS --max-time 3 -o /dev/null "$IDP_ISSUER/.well-known/openid-configuration" 2>/dev/null; }
# Whether the provider that answers takes this machine's initial access token: a registration
# with the token and an empty body is refused as invalid metadata (400), not as a bad token (401).
idp_takes_our_token() {
  local code
  code="$(printf 'header = "Authorization: Bearer %s"\n' "$IDP_REGISTRATION_TOKEN" \
    | curl -sS -K - --max-time 5 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        -d '{}' "$IDP_ISSUER/reg" 2>/dev/null)"
  [ "$code" = 400 ]
}
idp_stop() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "deploy/idp/idp.mjs" || break
    sleep 0.2
  done
  rm -f "$IDP_PID_FILE"
  for i in $(seq 1 25); do idp_answers || return 0; sleep 0.2; done
  die "the identity provider (pid $pid) did not stop"
}

want_fp="$(idp_fingerprint)"
idp_start=1
if pid="$(idp_pid)"; then
  if [ "$(cat "$IDP_STAMP_FILE" 2>/dev/null)" != "$want_fp" ]; then
    step "restarting the identity provider (pid $pid): its code, accounts, packages or secrets changed; registered clients are forgotten"
    idp_stop "$pid"
  else
    step "identity provider already running at $IDP_ISSUER (pid $pid)"
    idp_start=0
  fi
elif idp_answers; then
  # Not ours (its pid file is gone, or another checkout started it): use it only if it takes our
  # registration token, i.e. it runs with this machine's secrets.
  idp_takes_our_token \
    || die "something else answers at $IDP_ISSUER and refuses this machine's registration token; stop it (ss -ltnp 'sport = :$IDP_PORT' shows its pid) and run this again"
  step "an identity provider that takes this machine's secrets already answers at $IDP_ISSUER; using it"
  idp_start=0
fi

if [ "$idp_start" = 1 ]; then
  step "starting the identity provider at $IDP_ISSUER (log: $IDP_LOG)"
  mkdir -p "$LOCAL_DIR/logs"
  # Secrets go through the environment (readable by root only), not the command line.
  IDP_PORT="$IDP_PORT" IDP_REGISTRATION_TOKEN="$IDP_REGISTRATION_TOKEN" IDP_COOKIE_KEY="$IDP_COOKIE_KEY" \
    IDP_JWKS_FILE="$IDP_JWKS_FILE" IDP_PASSWORD_FILE="$IDP_PASSWORD_FILE" \
    setsid nohup node "$IDP_DIR/idp.mjs" >>"$IDP_LOG" 2>&1 </dev/null &
  printf '%s\n' "$!" >"$IDP_PID_FILE"
  printf '%s\n' "$want_fp" >"$IDP_STAMP_FILE"
  chmod 600 "$IDP_PID_FILE" "$IDP_STAMP_FILE"
fi

step "waiting for the identity provider's discovery at $IDP_ISSUER/.well-known/openid-configuration"
deadline=$((SECONDS + WAIT_IDP_SECONDS))
until idp_answers; do
  if [ "$idp_start" = 1 ] && ! idp_pid >/dev/null; then
    tail -n 20 "$IDP_LOG" >&2
    die "the identity provider exited at start (see $IDP_LOG)"
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    tail -n 20 "$IDP_LOG" >&2
    die "the identity provider did not answer at $IDP_ISSUER within ${WAIT_IDP_SECONDS}s (see $IDP_LOG)"
  fi
  sleep 0.5
done
idp_takes_our_token || die "the identity provider at $IDP_ISSUER refuses this machine's registration token ($IDP_TOKEN_FILE)"

step "services ready: RabbitMQ ${RABBIT_VERSION:-?}, PostgreSQL ${PG_SERVER_VERSION:-$pg_ver}, identity provider $IDP_ISSUER (env in .local/env)"
