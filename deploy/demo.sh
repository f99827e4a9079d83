#!/usr/bin/env bash
# The main job: services up, hub and agents started, a real scenario run end to end.
#
# The prison and probation service's agent sends a release notice about a person to the
# municipality and the employment service; each recipient's agent shows it; the prison's
# agent shows the hub's receipt. Then everything stops cleanly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash deploy/services.sh
# shellcheck source=/dev/null
source .local/env

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

echo "==> building the hub and the agent"
cargo build --quiet --bin hub --bin agent
HUB=target/debug/hub
AGENT=target/debug/agent

mkdir -p .local/secrets .local/logs
chmod 700 .local/secrets
[ -f .local/secrets/hub.password ] || (umask 077; openssl rand -hex 16 > .local/secrets/hub.password)
export HUB__DATABASE__URL="$HANDOVER_PG_URL"
export HUB__BROKER__PASSWORD; HUB__BROKER__PASSWORD="$(cat .local/secrets/hub.password)"
export HUB__BROKER__ADMIN_USER="$HANDOVER_ADMIN_USER"
export HUB__BROKER__ADMIN_PASSWORD="$HANDOVER_ADMIN_PASSWORD"

echo "==> provisioning the broker and the agency registry"
"$HUB" provision

PRISON=dk-kriminalforsorgen
KOMMUNE=dk-kobenhavn-kommune
JOBCENTER=dk-jobcenter-kobenhavn
POLITI=dk-kobenhavns-politi
KONTAKTPUNKT=dk-exit-kontaktpunkt
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

echo "==> starting the hub and the agents (logs in .local/logs/)"
"$HUB" serve > .local/logs/hub.log 2>&1 & pids+=($!)
for agency in $PRISON $KOMMUNE $JOBCENTER $POLITI $KONTAKTPUNKT; do
  "$AGENT" --config "config/agents/$agency.toml" run > ".local/logs/agent-$agency.log" 2>&1 & pids+=($!)
done

agent() { local who=$1; shift; "$AGENT" --config "config/agents/$who.toml" "$@"; }
wait_for() { # wait_for DESCRIPTION COMMAND...: poll until the command succeeds, at most 30 s
  local what=$1; shift
  for _ in $(seq 1 150); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "demo: timed out waiting for $what (see .local/logs/)" >&2
  exit 1
}

say "1. Kriminalforsorgen (prison and probation) sends a release notice for case KBH-2026-0142"
echo "   to Københavns Kommune and Jobcenter København, almost four months before the expected release."
sent=$(agent $PRISON send config/demo/release-notice.json)
echo "   $sent"
id=$(sed -n 's/^accepted ReleaseNotice \([0-9a-f-]*\) .*/\1/p' <<<"$sent")

say "2. The municipality's agent receives it"
wait_for "the municipality's inbox" agent $KOMMUNE show "$id"
agent $KOMMUNE show "$id" | sed 's/^/   /'

say "3. The employment service's agent receives it"
wait_for "the employment service's inbox" agent $JOBCENTER show "$id"
agent $JOBCENTER show "$id" | sed 's/^/   /'

say "4. The prison's agent has the hub's receipt"
delivered() { agent $PRISON outbox --limit 50 | grep "$id" | grep -q " delivered "; }
wait_for "the receipt" delivered
receipt=$(agent $PRISON inbox --limit 50 | awk '/Receipt/ {print $NF; exit}')
agent $PRISON show "$receipt" | sed 's/^/   /'

say "5. The police and the national contact point were not addressed and received nothing"
for agency in $POLITI $KONTAKTPUNKT; do
  if agent $agency show "$id" >/dev/null 2>&1; then
    echo "demo: $agency received a message it was not addressed" >&2; exit 1
  fi
  echo "   $agency: not in its inbox"
done

say "6. The hub's records"
"$HUB" audit verify | sed 's/^/   /'
echo "   disclosures for this message:"
psql "$HANDOVER_PG_URL" -At -F ' ' -c \
  "select '   -> ' || recipient, 'under ' || gateway, 'categories ' || array_to_string(categories, ',')
     from decisions where message_id = '$id' order by recipient"

say "Done. Stopping the hub and the agents."
