#!/usr/bin/env bash
# The main job: services up, hub and agents started, a real scenario run end to end.
#
# The story of one person's release: the municipality records the person's consent at
# intake, naming them by CPR number and name (a synthetic person, new each run); every agent
# derives the same pseudonym from the number, and the hub sees only that. The prison sends
# the release notice (the municipality reads it under statute, with the person's identity
# sealed to it; the employment service only what the consent covers, and not who it is); the prison hands the case over and the
# municipality accepts, so ownership moves; a risk and need summary reaches only those the
# consent allows; the person withdraws consent and the flow stops. The disclosure log and
# the audit chain are shown at the end.
#
# Then a second person relocates from Oslo to Trondheim: Oslo kommune asks, its agent sealing
# the destination details to Trondheim kommune; Trondheim confirms, sealing the new address to
# the police protection unit only; ownership moves. The demo then shows that Oslo cannot read
# the address, that it is nowhere in the hub's database, logs or Oslo's store, that the
# contact point sees counts only, and that a rotated key still opens what was sealed to it.
# Then everything stops cleanly.
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

# shellcheck source=deploy/hub-env.sh
source deploy/hub-env.sh

echo "==> provisioning the broker and the agency registry"
"$HUB" provision

PRISON=dk-kriminalforsorgen
KOMMUNE=dk-kobenhavn-kommune
JOBCENTER=dk-jobcenter-kobenhavn
POLITI=dk-kobenhavns-politi
KONTAKTPUNKT=dk-exit-kontaktpunkt
OSLO=no-oslo-kommune
TRONDHEIM=no-trondheim-kommune
BESKYTTELSE=no-politiet-beskyttelse
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

# Københavns Kommune's caseworkers sign in to its agent's page personally, through the
# agency's identity provider (here the development provider deploy/services.sh started). The
# page has a host name of its own over TLS; the agent registers with the provider as a client
# of organisation dk-kobenhavn-kommune, as an agency's IT registers it in Entra ID and the like.
PAGE_HOST="$KOMMUNE.agent.localhost"
PAGE_PORT=8702
PAGE="https://$PAGE_HOST:$PAGE_PORT"
echo "==> registering Københavns Kommune's page with the identity provider at $HANDOVER_IDP_ISSUER"
registration=$(curl -fsS --max-time 10 -X POST "$HANDOVER_IDP_ISSUER/reg" \
  -H "Authorization: Bearer $HANDOVER_IDP_REGISTRATION_TOKEN" -H 'Content-Type: application/json' \
  -d "{\"client_name\": \"Handover agent $KOMMUNE\", \"organisation\": \"$KOMMUNE\",
       \"redirect_uris\": [\"$PAGE/auth/callback\"], \"post_logout_redirect_uris\": [\"$PAGE/signed-out\"],
       \"token_endpoint_auth_method\": \"client_secret_basic\",
       \"grant_types\": [\"authorization_code\"], \"response_types\": [\"code\"]}") \
  || { echo "demo: the identity provider refused the registration (see /var/lib/handover-hub-dev/idp/idp.log)" >&2; exit 1; }
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

echo "==> starting the hub and the agents (logs in .local/logs/)"
"$HUB" serve > .local/logs/hub.log 2>&1 & pids+=($!)
for agency in $PRISON $KOMMUNE $JOBCENTER $POLITI $KONTAKTPUNKT $OSLO $TRONDHEIM $BESKYTTELSE; do
  if [ "$agency" = "$KOMMUNE" ]; then
    AGENT__HTTP__TOKEN="$(openssl rand -hex 16)" \
    AGENT__HTTP__SIGN_IN__ISSUER="$HANDOVER_IDP_ISSUER" \
    AGENT__HTTP__SIGN_IN__PUBLIC_URL="$PAGE" \
    AGENT__HTTP__SIGN_IN__CLIENT_ID="$(field client_id <<<"$registration")" \
    AGENT__HTTP__SIGN_IN__CLIENT_SECRET="$(field client_secret <<<"$registration")" \
    AGENT__HTTP__TLS__CERT_FILE="$HANDOVER_PKI_DIR/web.pem" \
    AGENT__HTTP__TLS__KEY_FILE="$HANDOVER_PKI_DIR/web.key" \
      "$AGENT" --config "config/agents/$agency.toml" run > ".local/logs/agent-$agency.log" 2>&1 & pids+=($!)
  else
    "$AGENT" --config "config/agents/$agency.toml" run > ".local/logs/agent-$agency.log" 2>&1 & pids+=($!)
  fi
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
# A synthetic person: a CPR number of a random date of birth (1960-1997) and serial, and a name
# that appears nowhere else, so the proof below can search for both.
CPR=$(python3 -c 'import random, datetime as d
born = d.date(1960, 1, 1) + d.timedelta(days=random.randrange(13500))
print(born.strftime("%d%m%y") + "-" + str(random.randrange(4)) + "%03d" % random.randrange(1000))')
PERSON_NAME="Sigrid Vindelev Testrup"
SUBJECT="(derived by the agents)"
CASE="KBH-$(date +%Y)-$(uuid | cut -c1-4)"
CONSENT_ID=$(uuid)
HANDOVER_ID=$(uuid)
mkdir -p .local/demo
fill() { # fill TEMPLATE: write the template with this run's ids and dates, print its path
  local out
  out=".local/demo/$(basename "$1")"
  SUBJECT=$SUBJECT CASE=$CASE CONSENT_ID=$CONSENT_ID HANDOVER_ID=$HANDOVER_ID CPR=$CPR \
    PERSON_NAME=$PERSON_NAME python3 - "$1" > "$out" <<'PY'
import datetime, os, re, sys
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
today = now.date()
values = {k: os.environ[k] for k in ("SUBJECT", "CASE", "CONSENT_ID", "HANDOVER_ID", "CPR", "PERSON_NAME")}
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

say "1. Intake at Københavns Kommune: $PERSON_NAME (CPR $CPR) consents to sharing"
echo "   with the prison service and the municipality (release, case, risk, economy, identity)"
echo "   and with the employment service (release date, education and employment only)."
echo "   The caseworker types the CPR number; the agent derives the person's pseudonym:"
send $KOMMUNE config/demo/consent.json
hub_answer $KOMMUNE "$id"
SUBJECT=$(agent $KOMMUNE persons find "$CPR" | awk '{print $NF}')
RELEASED=$SUBJECT
echo "   pseudonym: $SUBJECT (the same at every agency with the federation's key; the hub"
echo "   sees only this)"

say "2. Kriminalforsorgen sends the release notice for case $CASE"
send $PRISON config/demo/release-notice.json
notice=$id
hub_answer $PRISON "$notice"
wait_for "the municipality's inbox" agent $KOMMUNE show "$notice"
echo "   Københavns Kommune sees (under statute DK-RPL115-KSP, the identity sealed to it):"
agent $KOMMUNE show "$notice" | sed 's/^/     /'
wait_for "the employment service's inbox" agent $JOBCENTER show "$notice"
echo "   Jobcenter København sees (under the consent; housing and income needs and the"
echo "   person's identity removed):"
agent $JOBCENTER show "$notice" | sed 's/^/     /'

# page_sign_in USER JAR: signs USER in to Københavns Kommune's page as a browser would (the
# page, the provider's login form, back to the page), keeping cookies in JAR.
page_sign_in() {
  local user=$1 jar=$2 form
  local c=(curl -fsS --max-time 10 --cacert "$HANDOVER_PKI_DIR/ca.pem" --resolve "$PAGE_HOST:$PAGE_PORT:127.0.0.1"
           -b "$jar" -c "$jar" -L --max-redirs 10)
  form=$("${c[@]}" -o /dev/null -w '%{url_effective}' "$PAGE/login/start") \
    || { echo "demo: the page did not send $user to the sign-in service" >&2; exit 1; }
  tr -d '\n' <"$HANDOVER_IDP_PASSWORD_FILE" >"$jar.password"
  "${c[@]}" -o "$jar.page" --data-urlencode "login=$user" \
    --data-urlencode "password@$jar.password" "$form/login" \
    || { echo "demo: $user could not sign in" >&2; exit 1; }
  "${c[@]}" -o "$jar.page" "$PAGE/"
  grep -q 'id="signed-in-as"' "$jar.page" || { echo "demo: $user is not signed in" >&2; exit 1; }
  sed -n 's/.*id="signed-in-as">\([^<]*\)<.*/\1/p' "$jar.page"
}
# page_open JAR ID SENDER: opens a received message on the page with the form's own token.
page_open() {
  local jar=$1 id=$2 sender=$3 csrf
  local c=(curl -fsS --max-time 10 --cacert "$HANDOVER_PKI_DIR/ca.pem" --resolve "$PAGE_HOST:$PAGE_PORT:127.0.0.1"
           -b "$jar" -c "$jar")
  local page
  # Read whole pages before searching them: a search that stops early would cut curl off.
  page=$("${c[@]}" "$PAGE/messages/$id?sender=$sender")
  csrf=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$page" | head -1)
  "${c[@]}" -o /dev/null -d "csrf=$csrf" "$PAGE/messages/$id/open?sender=$sender"
  page=$("${c[@]}" "$PAGE/messages/$id?sender=$sender")
  grep -q '<dl class="facts">' <<<"$page" \
    || { echo "demo: the message did not open on the page" >&2; exit 1; }
}
echo "   Two caseworkers of Københavns Kommune sign in to its page with their own accounts"
echo "   ($PAGE, through the agency's sign-in service) and read the notice:"
jars=$(mktemp -d); chmod 700 "$jars"
for user in freja.munk jonas.krogh; do
  name=$(page_sign_in $user "$jars/$user")
  echo "     signed in: $name"
  page_open "$jars/$user" "$notice" "$PRISON"
done
rm -rf "$jars"
echo "   Københavns Kommune's access log names each of them (who, when, which message, which person):"
for user in freja.munk jonas.krogh; do
  agent $KOMMUNE access-log export --user "$user" | tail -n +2 | cut -d, -f2-7 | grep "$notice" \
    | sed 's/^/     /' | grep . \
    || { echo "demo: the access log does not name $user" >&2; exit 1; }
done

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

say "8. A second person relocates from Oslo to Trondheim; the new location must not leak"
SUBJECT="ps-$(uuid | tr -d - | cut -c1-16)"
CASE="OSL-$(date +%Y)-$(uuid | cut -c1-4)"
CONSENT_ID=$(uuid)
HANDOVER_ID=$(uuid)
knows_key() { agent "$1" keys list | grep -A100 "key directory" | grep "$2" | grep -q current; }
wait_for "Oslo's key directory" knows_key $OSLO $TRONDHEIM
wait_for "Trondheim's key directory" knows_key $TRONDHEIM $BESKYTTELSE
echo "   Every agent published its sealing key; the hub sent the directory to all (public keys only):"
"$HUB" keys list | grep '^no-' | sed 's/^/     /'
echo "   Oslo kommune records the person's consent to relocation safety:"
send $OSLO config/demo/relocation-consent.json
hub_answer $OSLO "$id"
echo "   Oslo kommune asks Trondheim kommune; its agent seals the destination details to Trondheim:"
send $OSLO config/demo/relocation-request.json
request=$id
hub_answer $OSLO "$request"
wait_for "Trondheim's inbox" agent $TRONDHEIM show "$request"
echo "   Trondheim kommune opens its copy:"
agent $TRONDHEIM show "$request" | sed 's/^/     /'
echo "   Trondheim confirms the move; its agent seals the new address to the protection unit only:"
send $TRONDHEIM config/demo/relocation-confirmed.json
confirmed=$id
hub_answer $TRONDHEIM "$confirmed"
echo "   owner of $CASE now: $(owner)"
wait_for "the protection unit's inbox" agent $BESKYTTELSE show "$confirmed"
echo "   The police protection unit reads the new address:"
agent $BESKYTTELSE show "$confirmed" | sed 's/^/     /'
wait_for "Oslo's inbox" agent $OSLO show "$confirmed"
echo "   Oslo kommune is told of the move, without the address:"
agent $OSLO show "$confirmed" | sed 's/^/     /'

say "9. Proof: the address is nowhere it should not be"
found=0
SECRET="Innherredsveien"
check() { # check PLACE COMMAND...: count $SECRET (a pattern) in what the command prints
  local place=$1 n out
  shift
  out=$("$@") || { echo "demo: could not read the $place" >&2; exit 1; }
  [ -n "$out" ] || { echo "demo: the $place is empty" >&2; exit 1; }
  n=$(grep -Ec "$SECRET" <<<"$out" || true)
  printf '   %-58s %s\n' "$place" "$n occurrence(s) in $(wc -c <<<"$out") bytes"
  found=$((found + n))
}
check "hub database (pg_dump, text)" pg_dump --data-only "$HANDOVER_PG_URL"
check "hub outbox and dead letters (bodies as text)" psql "$HANDOVER_PG_URL" -Atc \
  "select convert_from(payload, 'UTF8') from outbox union all select convert_from(body, 'UTF8') from dead_letters"
check "hub log" cat .local/logs/hub.log
check "every agent's log" sh -c 'cat .local/logs/agent-*.log'
check "Oslo kommune's store (SQLite files)" sh -c "cat .local/agents/$OSLO/agent.db* | strings"
check "Trondheim kommune's store (opened on screen only)" sh -c "cat .local/agents/$TRONDHEIM/agent.db* | strings"
check "police protection unit's store (opened on screen only)" sh -c "cat .local/agents/$BESKYTTELSE/agent.db* | strings"
if [ "$found" -ne 0 ]; then echo "demo: the sealed address leaked" >&2; exit 1; fi
echo "   The first person's CPR number (written either way) and name, searched the same way:"
SECRET="${CPR}|${CPR/-/}|Vindelev|Testrup"
check "hub database (pg_dump, text)" pg_dump --data-only "$HANDOVER_PG_URL"
check "hub outbox and dead letters (bodies as text)" psql "$HANDOVER_PG_URL" -Atc \
  "select convert_from(payload, 'UTF8') from outbox union all select convert_from(body, 'UTF8') from dead_letters"
check "hub log" cat .local/logs/hub.log
check "every agent's log" sh -c 'cat .local/logs/agent-*.log'
check "the employment service's store (identity not shared)" sh -c "cat .local/agents/$JOBCENTER/agent.db* | strings"
if [ "$found" -ne 0 ]; then echo "demo: the person's identity leaked" >&2; exit 1; fi
echo "   Københavns Kommune's register knows the person (opened from the sealed identity):"
agent $KOMMUNE persons find "Vindelev" | sed 's/^/     /'
agent $KOMMUNE persons find "$CPR" | grep -q "$RELEASED" \
  || { echo "demo: the municipality's register does not know the person" >&2; exit 1; }
echo "   Who at Københavns Kommune saw or did what about the person (its access log; ids only):"
agent $KOMMUNE access-log export --subject "$RELEASED" | cut -d, -f2-7 | sed 's/^/     /'
agent $KOMMUNE access-log verify | sed 's/^/   /'
n=$(pg_dump --data-only "$HANDOVER_PG_URL" | grep -c "$CASE" || true)
echo "   (the same search finds the case id, which is not sealed, on $n lines of the hub database)"
[ "$n" -gt 0 ] || { echo "demo: the search finds nothing at all" >&2; exit 1; }
echo "   The national contact point's view of relocations in the last closed quarter (counts only,"
echo "   under 5 suppressed; today's relocation is in a period not yet over, which is never shown):"
"$HUB" contact-point relocations | sed 's/^/     /'

say "10. The protection unit rotates its key; the old message stays readable"
agent $BESKYTTELSE keys rotate | sed 's/^/   /'
agent $BESKYTTELSE show "$confirmed" | grep -i -A3 "address" | head -4 | sed 's/^/     /'

say "Done. Stopping the hub and the agents."
