#!/usr/bin/env bash
# Loads the demo population into the demo hub: a synthetic but realistic set of cases (500 over
# three years in København, Aarhus, Oslo and Trondheim by default), sent through the real agents
# and the real hub, so the national contact point's dashboard shows figures that came through
# the product. See "Demo population" in README.md.
#
#   deploy/demo-data.sh                      # 500 cases, 1100 days, seed 1
#   deploy/demo-data.sh --cases 50 --seed 2  # any demo-data option (see demo-data --help)
#
# It brings the services up, builds, provisions the broker and the agency registry (as
# deploy/demo.sh does, with the same environment), starts a hub of its own in the background
# that dates each message's effects by its sent_at (HUB__HUB__BACKFILL_DAYS=1200) and does not
# sweep deadlines while the history loads, runs demo-data, and stops the hub. The same
# population (seed) is loaded into a hub once: a second run finds it and skips. Nothing else
# may consume from the broker meanwhile (no hub, no agents: stop deploy/demo.sh first).
#
# demo-data's agents publish sealing keys of their own for every agency. deploy/demo.sh's
# agents announce their own again when they next start, which makes those current again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash deploy/services.sh
# shellcheck source=/dev/null
source .local/env

die() { printf 'demo-data.sh: %s\n' "$*" >&2; exit 1; }

echo "==> building the hub and demo-data (release)"
cargo build --quiet --release --bin hub --bin demo-data
HUB=target/release/hub

# shellcheck source=deploy/hub-env.sh
source deploy/hub-env.sh

echo "==> provisioning the broker and the agency registry"
"$HUB" provision

# Another hub would date these messages by its own clock, and running agents would take
# deliveries meant for demo-data's: nothing may consume in the hub's vhost.
busy=$(curl -fsS -u "$HANDOVER_ADMIN_USER:$HANDOVER_ADMIN_PASSWORD" \
  "$HANDOVER_MGMT_URL/api/queues/handover?columns=name,consumers" |
  python3 -c 'import json, sys; print(" ".join(q["name"] for q in json.load(sys.stdin) if q.get("consumers")))') ||
  die "could not ask the broker's management API which queues have consumers"
[ -z "$busy" ] || die "a hub or agents are running (consumers on: $busy); stop them first"

# Backfill: a message dated up to 1200 days back takes effect at its date. No deadline sweep
# while the history loads (it would judge handovers answered seconds later, in the
# population's past, by today's clock); the next hub to run sweeps as usual.
log=.local/logs/hub-demo-data.log
echo "==> starting a hub with backfill (log in $log)"
HUB__HUB__BACKFILL_DAYS=1200 HUB__HUB__DEADLINE_SWEEP_SECONDS=86400 "$HUB" serve > "$log" 2>&1 &
hub_pid=$!
stop_hub() {
  if kill -0 "$hub_pid" 2>/dev/null; then
    kill -TERM "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
  fi
}
trap stop_hub EXIT
for _ in $(seq 1 150); do
  curl -fsS http://127.0.0.1:8700/readyz >/dev/null 2>&1 && break
  kill -0 "$hub_pid" 2>/dev/null || { tail -n 20 "$log" >&2; die "the hub stopped (see $log)"; }
  sleep 0.2
done
curl -fsS http://127.0.0.1:8700/readyz >/dev/null 2>&1 || die "the hub is not ready after 30 s (see $log)"

echo "==> loading the population"
started=$(date +%s)
rc=0
target/release/demo-data "$@" || rc=$?
echo "==> stopping the hub"
stop_hub
trap - EXIT
if [ "$rc" -eq 3 ]; then
  echo "==> the population is in the hub already; nothing loaded"
  exit 0
fi

[ "$rc" -eq 0 ] || die "demo-data failed (exit $rc); the hub's log is $log"

echo "==> done in $(( $(date +%s) - started )) s; what the hub holds now"
psql "$HANDOVER_PG_URL" -X -q -P footer=off <<'SQL'
SELECT stage, count(*) AS cases FROM cases GROUP BY 1 ORDER BY 2 DESC;
SELECT kind, state, count(*) AS handovers FROM handovers GROUP BY 1, 2 ORDER BY 1, 3 DESC;
SELECT count(*) AS outcome_reports,
       round(100.0 * count(*) FILTER (WHERE no_new_serious_charge_12m)
             / nullif(count(no_new_serious_charge_12m), 0)) AS no_new_charge_pct,
       round(100.0 * count(*) FILTER (WHERE in_education_or_job_3m)
             / nullif(count(in_education_or_job_3m), 0)) AS in_job_pct
  FROM outcomes;
SELECT reason AS refused, count(*) FROM messages WHERE outcome = 'refused' GROUP BY 1 ORDER BY 2 DESC;
SQL
echo "Open handovers overdue today are escalated by the next deadline sweep of a running hub."
