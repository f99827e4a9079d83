#!/usr/bin/env bash
# Removes what interrupted test runs left behind: vhosts named t-*, users named t*-*, and
# databases named hub_t_*. Tests create only such names, and remove them when they end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=/dev/null
source .local/env

api() { curl -fsS -K - "$@" <<<"user = \"$HANDOVER_ADMIN_USER:$HANDOVER_ADMIN_PASSWORD\""; }

for vhost in $(api "$HANDOVER_MGMT_URL/api/vhosts?columns=name" | python3 -c 'import json,sys; print("\n".join(v["name"] for v in json.load(sys.stdin) if v["name"].startswith("t-")))'); do
  api -X DELETE "$HANDOVER_MGMT_URL/api/vhosts/$vhost" >/dev/null
done
for user in $(api "$HANDOVER_MGMT_URL/api/users?columns=name" | python3 -c 'import json,re,sys; print("\n".join(u["name"] for u in json.load(sys.stdin) if re.fullmatch(r"t[0-9a-f]{8}-[a-z-]+", u["name"])))'); do
  api -X DELETE "$HANDOVER_MGMT_URL/api/users/$user" >/dev/null
done
for db in $(psql "$HANDOVER_PG_ADMIN_URL" -Atc "select datname from pg_database where datname like 'hub\_t\_%'"); do
  psql "$HANDOVER_PG_ADMIN_URL" -qc "drop database if exists \"$db\" with (force)"
done
