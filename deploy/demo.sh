#!/usr/bin/env bash
# The main job: services up, hub and agents started, a real scenario run end to end.
#
# The story of one person's release: the municipality records the person's consent at
# intake; the prison sends the release notice (the municipality reads it under statute, the
# employment service only what the consent covers); the prison hands the case over and the
# municipality accepts, so ownership moves; a risk and need summary reaches only those the
# consent allows; the person withdraws consent and the flow stops. The disclosure log and
# the audit chain are shown at the end. Then everything stops cleanly.
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
# The hub and the agents talk AMQPS with client certificates (see README); the hub's broker
# password is set for its user but not used to log in.
export HUB__BROKER__HOST=localhost HUB__BROKER__PORT=5671
export HUB__BROKER__TLS__CA_FILE="$HANDOVER_PKI_DIR/ca.pem"
export HUB__BROKER__TLS__CERT_FILE="$HANDOVER_PKI_DIR/clients/handover-hub.pem"
export HUB__BROKER__TLS__KEY_FILE="$HANDOVER_PKI_DIR/clients/handover-hub.key"
export HUB__BROKER__ADMIN_USER="$HANDOVER_ADMIN_USER"
export HUB__BROKER__ADMIN_PASSWORD="$HANDOVER_ADMIN_PASSWORD"
[ -f .local/secrets/contact-point.key ] || (umask 077; openssl rand -hex 32 > .local/secrets/contact-point.key)
export HUB__HUB__CONTACT_POINT_KEY; HUB__HUB__CONTACT_POINT_KEY="$(cat .local/secrets/contact-point.key)"

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

# Fresh ids for this run, so the demo can run again and again on the same database.
uuid() { cat /proc/sys/kernel/random/uuid; }
SUBJECT="ps-$(uuid | tr -d - | cut -c1-16)"
CASE="KBH-$(date +%Y)-$(uuid | cut -c1-4)"
CONSENT_ID=$(uuid)
HANDOVER_ID=$(uuid)
mkdir -p .local/demo
fill() { # fill TEMPLATE: write the template with this run's ids and dates, print its path
  local out
  out=".local/demo/$(basename "$1")"
  SUBJECT=$SUBJECT CASE=$CASE CONSENT_ID=$CONSENT_ID HANDOVER_ID=$HANDOVER_ID python3 - "$1" > "$out" <<'PY'
import datetime, os, re, sys
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
today = now.date()
values = {k: os.environ[k] for k in ("SUBJECT", "CASE", "CONSENT_ID", "HANDOVER_ID")}
values["NOW"] = now.isoformat().replace("+00:00", "Z")
values["TODAY"] = today.isoformat()
def fill(m):
    name = m.group(1)
    days = re.fullmatch(r"IN_(\d+)_DAYS", name)
    return (today + datetime.timedelta(days=int(days.group(1)))).isoformat() if days else values[name]
print(re.sub(r"__([A-Z0-9_]+?)__", fill, open(sys.argv[1]).read()), end="")
PY
  echo "$out"
}
send() { # send AGENCY TEMPLATE: queue a message, print the agent's answer, set $id
  local line
  line=$(agent "$1" send "$(fill "$2")")
  echo "   $line"
  id=$(sed -n 's/^accepted [A-Za-z]* \([0-9a-f-]*\) .*/\1/p' <<<"$line")
}
answered() { agent "$1" outbox --limit 100 | grep "$2" | grep -Eq " (delivered|partially_delivered|refused)"; }
hub_answer() { # hub_answer AGENCY ID: wait for the hub's answer and print it
  wait_for "the hub's answer" answered "$1" "$2"
  echo "   hub: $(agent "$1" outbox --limit 100 | grep "$2" | awk '{print $4, $5}')"
}
owner() { psql "$HANDOVER_PG_URL" -Atc "select owner from cases where case_id = '$CASE'"; }

say "1. Intake at Københavns Kommune: the person ($SUBJECT) consents to sharing"
echo "   with the prison service and the municipality (release, case, risk, economy) and with"
echo "   the employment service (release date, education and employment only)."
send $KOMMUNE config/demo/consent.json
hub_answer $KOMMUNE "$id"

say "2. Kriminalforsorgen sends the release notice for case $CASE"
send $PRISON config/demo/release-notice.json
notice=$id
hub_answer $PRISON "$notice"
wait_for "the municipality's inbox" agent $KOMMUNE show "$notice"
echo "   Københavns Kommune sees (under statute DK-RPL115-KSP):"
agent $KOMMUNE show "$notice" | sed 's/^/     /'
wait_for "the employment service's inbox" agent $JOBCENTER show "$notice"
echo "   Jobcenter København sees (under the consent; housing and income needs removed):"
agent $JOBCENTER show "$notice" | sed 's/^/     /'

say "3. The prison hands the case over to the municipality"
send $PRISON config/demo/handover-request.json
hub_answer $PRISON "$id"
echo "   owner of $CASE: $(owner)"
send $KOMMUNE config/demo/handover-received.json
hub_answer $KOMMUNE "$id"
echo "   received; owner still: $(owner)"
send $KOMMUNE config/demo/handover-accepted.json
hub_answer $KOMMUNE "$id"
echo "   accepted; owner now: $(owner)"

say "4. The prison shares its risk and need summary; the consent covers the municipality only"
send $PRISON config/demo/risk-need-summary.json
hub_answer $PRISON "$id"

say "5. The person withdraws consent; the municipality records it"
send $KOMMUNE config/demo/consent-withdrawn.json
hub_answer $KOMMUNE "$id"
wait_for "the withdrawal notice" sh -c "$AGENT --config config/agents/$JOBCENTER.toml inbox | grep -q ConsentWithdrawn"
echo "   Jobcenter København, which received data under it, was told."
echo "   The prison tries to share the summary again:"
send $PRISON config/demo/risk-need-summary.json
hub_answer $PRISON "$id"

say "6. The police and the national contact point were not addressed and received nothing"
for agency in $POLITI $KONTAKTPUNKT; do
  if agent $agency show "$notice" >/dev/null 2>&1; then
    echo "demo: $agency received a message it was not addressed" >&2; exit 1
  fi
  echo "   $agency: nothing in its inbox about this person"
done

say "7. The person's disclosure log (GDPR art. 15) and the audit chain"
"$HUB" disclosures --subject "$SUBJECT" --format csv | sed 's/^/   /'
"$HUB" audit verify | sed 's/^/   /'

say "Done. Stopping the hub and the agents."
