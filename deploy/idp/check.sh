#!/usr/bin/env bash
# End-to-end check of the development identity provider (deploy/idp/idp.mjs) with curl only,
# as a browser and an agent would use it:
#   discovery (end_session_endpoint published) -> dynamic registration (RFC 7591) of two clients,
#   one of organisation test-agency, one of another organisation -> authorization code + PKCE
#   (S256) with a cookie jar: login form, wrong password (401), right password, consent granted
#   automatically, redirect to the registered https://*.agent.localhost redirect_uri with a code
#   (not followed) -> token exchange with client_secret_basic and the code_verifier -> the ID
#   token's signature (against /jwks), iss, aud, nonce, name, preferred_username and roles
#   (non-empty for the client of the account's own organisation, [] for the other, which
#   signs in through the existing session) -> userinfo -> RP-initiated logout.
#
# Usage: bash deploy/idp/check.sh     (after deploy/services.sh; reads .local/env)
# Env overrides: HANDOVER_IDP_ISSUER, HANDOVER_IDP_REGISTRATION_TOKEN, HANDOVER_IDP_PASSWORD_FILE,
#                CHECK_USER (default astrid.lund, organisation test-agency, role caseworker).
# Needs curl, python3 and node (for the RS256 signature check). Prints no password.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/../.." && pwd -P)"
ENV_FILE="$REPO_ROOT/.local/env"

die() { printf 'check.sh: FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf '  ok  %s\n' "$*"; }
step() { printf '==> %s\n' "$*"; }

if [ -z "${HANDOVER_IDP_ISSUER:-}" ] || [ -z "${HANDOVER_IDP_REGISTRATION_TOKEN:-}" ] || [ -z "${HANDOVER_IDP_PASSWORD_FILE:-}" ]; then
  [ -r "$ENV_FILE" ] || die "$ENV_FILE missing: run deploy/services.sh first"
  # shellcheck disable=SC1090
  . "$ENV_FILE"
fi
ISSUER="${HANDOVER_IDP_ISSUER:?HANDOVER_IDP_ISSUER not set}"
REG_TOKEN="${HANDOVER_IDP_REGISTRATION_TOKEN:?HANDOVER_IDP_REGISTRATION_TOKEN not set}"
PASSWORD_FILE="${HANDOVER_IDP_PASSWORD_FILE:?HANDOVER_IDP_PASSWORD_FILE not set}"
USER_NAME="${CHECK_USER:-astrid.lund}"
USER_ORG=test-agency
OTHER_ORG=dk-kobenhavn-kommune
for tool in curl python3 node; do command -v "$tool" >/dev/null || die "$tool not found"; done
[ -r "$PASSWORD_FILE" ] || die "cannot read the password file $PASSWORD_FILE"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
chmod 700 "$WORK"
JAR="$WORK/cookies"

# json FILE EXPR: evaluate a Python expression over the JSON document `d` in FILE.
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
b64url_random() { python3 -c 'import secrets; print(secrets.token_urlsafe(int(__import__("sys").argv[1])))' "$1"; }
urlenc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# header_of FILE NAME: the value of a response header from curl -D output.
header_of() { tr -d '\r' <"$1" | awk -v n="$(printf '%s' "$2" | tr 'A-Z' 'a-z')" 'BEGIN{FS=": "} tolower($1)==n {sub(/^[^:]*: /,""); print; exit}'; }
# absolute URL of a Location value relative to the issuer
absolute() { case "$1" in http://*|https://*) printf '%s\n' "$1" ;; /*) printf '%s%s\n' "$ISSUER" "$1" ;; *) die "unexpected Location: $1" ;; esac; }

# ------------------------------------------------------------------ discovery
step "discovery at $ISSUER/.well-known/openid-configuration"
curl -fsS --max-time 10 "$ISSUER/.well-known/openid-configuration" >"$WORK/discovery.json" \
  || die "discovery did not answer (is the IdP running? bash deploy/services.sh)"
for key in issuer authorization_endpoint token_endpoint jwks_uri end_session_endpoint registration_endpoint userinfo_endpoint; do
  printf '  %-24s %s\n' "$key" "$(json "$WORK/discovery.json" "d.get('$key')")"
done
[ "$(json "$WORK/discovery.json" "d['issuer']")" = "$ISSUER" ] || die "issuer differs from $ISSUER"
[ "$(json "$WORK/discovery.json" "d.get('end_session_endpoint') is not None")" = True ] || die "no end_session_endpoint in discovery"
[ "$(json "$WORK/discovery.json" "d['code_challenge_methods_supported']")" = "['S256']" ] || die "code_challenge_methods_supported is not [S256]"
[ "$(json "$WORK/discovery.json" "sorted(d['scopes_supported'])")" = "['openid', 'profile', 'roles']" ] || die "scopes_supported is not openid profile roles"
ok "end_session_endpoint published, PKCE S256, scopes openid profile roles"
AUTHZ="$(json "$WORK/discovery.json" "d['authorization_endpoint']")"
TOKEN="$(json "$WORK/discovery.json" "d['token_endpoint']")"
JWKS_URI="$(json "$WORK/discovery.json" "d['jwks_uri']")"
END_SESSION="$(json "$WORK/discovery.json" "d['end_session_endpoint']")"
REG="$(json "$WORK/discovery.json" "d['registration_endpoint']")"
USERINFO="$(json "$WORK/discovery.json" "d['userinfo_endpoint']")"

# --------------------------------------------------------------- registration
# register NAME ORGANISATION OUT: one client per agent, as the test harness and the demo do.
register() {
  local name="$1" org="$2" out="$3" port=8443
  cat >"$WORK/reg-$name.json" <<EOF
{
  "client_name": "Handover agent $name (check)",
  "organisation": "$org",
  "redirect_uris": ["https://$name.agent.localhost:$port/auth/callback"],
  "post_logout_redirect_uris": ["https://$name.agent.localhost:$port/"],
  "token_endpoint_auth_method": "client_secret_basic",
  "grant_types": ["authorization_code"],
  "response_types": ["code"]
}
EOF
  local code
  code="$(printf 'header = "Authorization: Bearer %s"\n' "$REG_TOKEN" \
    | curl -sS -K - -o "$out" -w '%{http_code}' -H 'Content-Type: application/json' \
        --data-binary @"$WORK/reg-$name.json" "$REG")"
  [ "$code" = 201 ] || { cat "$out" >&2; die "registration of $name answered $code, not 201"; }
}

step "registration at $REG"
bad="$(curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer not-the-token' \
  -H 'Content-Type: application/json' -d '{}' "$REG")"
[ "$bad" = 401 ] || die "registration with a wrong initial access token answered $bad, not 401"
ok "wrong initial access token: 401"
noorg="$(printf 'header = "Authorization: Bearer %s"\n' "$REG_TOKEN" | curl -sS -K - -o /dev/null -w '%{http_code}' \
  -H 'Content-Type: application/json' -d '{"redirect_uris":["https://x.agent.localhost:8443/auth/callback"]}' "$REG")"
[ "$noorg" = 400 ] || die "registration without organisation answered $noorg, not 400"
ok "registration without organisation: 400 invalid_client_metadata"

register check-own "$USER_ORG" "$WORK/client-own.json"
register check-other "$OTHER_ORG" "$WORK/client-other.json"
echo "  request body:"
sed 's/^/    /' "$WORK/reg-check-own.json"
echo "  response (secrets masked):"
python3 - "$WORK/client-own.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("client_secret", "registration_access_token"):
    if k in d: d[k] = "<%d characters>" % len(d[k])
print("\n".join("    " + l for l in json.dumps(d, indent=2).splitlines()))
EOF
ok "registered client $(json "$WORK/client-own.json" "d['client_id']") (organisation $USER_ORG) and $(json "$WORK/client-other.json" "d['client_id']") (organisation $OTHER_ORG)"

# ------------------------------------------------------------- authorization
# authorize CLIENT_JSON EXPECT_LOGIN(yes|no) OUT_PREFIX: run the flow up to the redirect with a
# code; writes OUT_PREFIX.code, .verifier, .nonce.
authorize() {
  local client="$1" expect_login="$2" out="$3"
  local client_id redirect_uri verifier challenge nonce state url code loc uid
  client_id="$(json "$client" "d['client_id']")"
  redirect_uri="$(json "$client" "d['redirect_uris'][0]")"
  verifier="$(b64url_random 48)"
  challenge="$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(sys.stdin.buffer.read()).rstrip(b"=").decode())')"
  nonce="$(b64url_random 16)"
  state="$(b64url_random 16)"
  printf '%s' "$verifier" >"$out.verifier"
  printf '%s' "$nonce" >"$out.nonce"

  url="$AUTHZ?response_type=code&client_id=$(urlenc "$client_id")&redirect_uri=$(urlenc "$redirect_uri")&scope=$(urlenc 'openid profile roles')&state=$state&nonce=$nonce&code_challenge=$challenge&code_challenge_method=S256"

  # Without PKCE the request is refused (PKCE required for every client).
  loc="$(curl -sS -o /dev/null -D - "$AUTHZ?response_type=code&client_id=$(urlenc "$client_id")&redirect_uri=$(urlenc "$redirect_uri")&scope=openid&state=s&nonce=n" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')"
  case "$loc" in "$redirect_uri"*error=invalid_request*) ;; *) die "authorization without PKCE was not refused (Location: $loc)" ;; esac

  local login_seen=no hops=0
  while :; do
    hops=$((hops + 1)); [ "$hops" -le 12 ] || die "too many redirects"
    code="$(curl -sS -b "$JAR" -c "$JAR" -o "$WORK/body.html" -D "$WORK/headers" -w '%{http_code}' "$url")"
    loc="$(header_of "$WORK/headers" location)"
    if [ "$code" = 200 ] && [[ "$url" == "$ISSUER/interaction/"* ]]; then
      # The login form.
      login_seen=yes
      uid="${url##*/interaction/}"
      check_login_form "$WORK/body.html" "$(json "$client" "d['organisation']")"
      local action="$ISSUER/interaction/$uid/login"
      # Wrong password: 401, the form again with an alert.
      code="$(curl -sS -b "$JAR" -c "$JAR" -o "$WORK/wrong.html" -w '%{http_code}' \
        --data-urlencode "login=$USER_NAME" --data-urlencode "password=wrong-$(b64url_random 6)" "$action")"
      [ "$code" = 401 ] || die "wrong password answered $code, not 401"
      grep -q 'role="alert"[^>]*>Wrong user name or password<' "$WORK/wrong.html" || die "no role=alert 'Wrong user name or password' after a wrong password"
      ok "wrong password: 401 with role=alert 'Wrong user name or password'"
      # Right password (read from the file into curl's stdin, never onto the command line).
      code="$( { printf 'login=%s&password=' "$(urlenc "$USER_NAME")"; head -n 1 "$PASSWORD_FILE" | tr -d '\r\n' | python3 -c 'import sys, urllib.parse; sys.stdout.write(urllib.parse.quote(sys.stdin.read(), safe=""))'; } \
        | curl -sS -b "$JAR" -c "$JAR" -o /dev/null -D "$WORK/headers" -w '%{http_code}' \
            -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @- "$action")"
      [ "$code" = 303 ] || die "right password answered $code, not 303"
      ok "right password: 303 to $(header_of "$WORK/headers" location)"
      url="$(absolute "$(header_of "$WORK/headers" location)")"
      continue
    fi
    case "$code" in 302|303) ;; *) sed -n '1,40p' "$WORK/body.html" >&2; die "$url answered $code" ;; esac
    [ -n "$loc" ] || die "$url: redirect without Location"
    if [[ "$loc" == "$redirect_uri"* ]]; then
      break   # back at the agent: do not follow to the https agent host
    fi
    url="$(absolute "$loc")"
    [[ "$url" == "$ISSUER/"* ]] || die "redirected away from the IdP to $url"
  done
  [ "$login_seen" = "$expect_login" ] || die "login form seen: $login_seen, expected: $expect_login"
  echo "  Location: $(printf '%s' "$loc" | sed -E 's/(code=)[^&]+/\1<code>/')"
  python3 - "$loc" "$state" "$ISSUER" >"$out.code" <<'EOF'
import sys, urllib.parse
loc, state, issuer = sys.argv[1:]
q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
if "error" in q:
    sys.exit("authorization error: %s %s" % (q["error"], q.get("error_description")))
assert q["state"] == [state], "state differs"
assert q["iss"] == [issuer], "iss differs"
print(q["code"][0], end="")
EOF
  ok "redirect to the registered redirect_uri with code, state and iss"
}

check_login_form() {
  local html="$1" org="$2"
  python3 - "$html" "$org" <<'EOF' || die "the login form is not as expected"
import sys, html.parser
doc = open(sys.argv[1]).read()
org = sys.argv[2]
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = []; self.text = []; self.in_h1 = False; self.h1 = ""
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "h1": self.in_h1 = True
    def handle_endtag(self, tag):
        if tag == "h1": self.in_h1 = False
    def handle_data(self, data):
        self.text.append(data)
        if self.in_h1: self.h1 += data
p = P(); p.feed(doc)
tags = p.tags
html_tag = next(a for t, a in tags if t == "html")
assert html_tag.get("lang") == "en", "html lang"
assert p.h1.strip() == "Sign in", "heading"
inputs = {a.get("id"): a for t, a in tags if t == "input"}
labels = {a.get("for") for t, a in tags if t == "label"}
assert inputs["login"]["name"] == "login" and "login" in labels, "login field"
assert inputs["password"]["name"] == "password" and inputs["password"]["type"] == "password" and "password" in labels, "password field"
button = [a for t, a in tags if t == "button" and a.get("id") == "sign-in"]
assert button and button[0].get("type") == "submit", "submit button #sign-in"
assert org in "".join(p.text), "organisation shown"
assert not any(a.get("role") == "alert" for t, a in tags), "no alert before an attempt"
EOF
  ok "login form: lang=en, h1 'Sign in', #login/#password with labels, button #sign-in, organisation $org shown"
}

# token CLIENT_JSON PREFIX: exchange the code; writes PREFIX.tokens.
token() {
  local client="$1" prefix="$2" client_id secret redirect_uri code
  client_id="$(json "$client" "d['client_id']")"
  secret="$(json "$client" "d['client_secret']")"
  redirect_uri="$(json "$client" "d['redirect_uris'][0]")"
  code="$(printf 'user = "%s:%s"\n' "$(urlenc "$client_id")" "$(urlenc "$secret")" \
    | curl -sS -K - -o "$prefix.tokens" -w '%{http_code}' \
        --data-urlencode grant_type=authorization_code \
        --data-urlencode "code=$(cat "$prefix.code")" \
        --data-urlencode "redirect_uri=$redirect_uri" \
        --data-urlencode "code_verifier=$(cat "$prefix.verifier")" \
        "$TOKEN")"
  [ "$code" = 200 ] || { cat "$prefix.tokens" >&2; die "token endpoint answered $code"; }
  ok "token endpoint (client_secret_basic + code_verifier): 200"
}

# check_id_token PREFIX CLIENT_JSON EXPECTED_ROLES_JSON
check_id_token() {
  local prefix="$1" client="$2" roles="$3"
  curl -fsS "$JWKS_URI" >"$WORK/jwks.json"
  # Signature: RS256 against the published key with the token's kid.
  node - "$prefix.tokens" "$WORK/jwks.json" <<'EOF' || die "ID token signature does not verify against $JWKS_URI"
const fs = require('node:fs'); const crypto = require('node:crypto');
const idt = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')).id_token;
const jwks = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const [h, p, s] = idt.split('.');
const header = JSON.parse(Buffer.from(h, 'base64url'));
if (header.alg !== 'RS256') throw new Error('alg ' + header.alg);
const jwk = jwks.keys.find((k) => k.kid === header.kid);
if (!jwk) throw new Error('kid not in jwks');
if (jwk.d) throw new Error('jwks publishes a private key');
const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), crypto.createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
if (!ok) throw new Error('bad signature');
EOF
  python3 - "$prefix.tokens" "$client" "$ISSUER" "$(cat "$prefix.nonce")" "$USER_NAME" "$roles" <<'EOF' || die "ID token claims are not as expected"
import base64, json, sys, time
tokens = json.load(open(sys.argv[1])); client = json.load(open(sys.argv[2]))
issuer, nonce, user, roles = sys.argv[3], sys.argv[4], sys.argv[5], json.loads(sys.argv[6])
seg = tokens["id_token"].split(".")[1]
payload = json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))
print("  ID token payload:")
print("\n".join("    " + l for l in json.dumps(payload, indent=2, sort_keys=True).splitlines()))
assert payload["iss"] == issuer, "iss"
assert payload["aud"] == client["client_id"], "aud"
assert payload["sub"] == user, "sub"
assert payload["preferred_username"] == user, "preferred_username"
assert payload.get("name"), "name"
assert payload["nonce"] == nonce, "nonce"
assert payload["roles"] == roles, "roles %r, expected %r" % (payload.get("roles"), roles)
assert payload["exp"] > time.time(), "exp"
assert tokens["token_type"].lower() in ("bearer", "dpop"), "token_type"
EOF
  ok "ID token: signature (RS256, kid from jwks), iss, aud, sub, name, preferred_username, nonce, roles=$roles"
}

OWN_ROLES="$(python3 -c 'import json,sys; a={x["username"]: x for x in json.load(open(sys.argv[1]))}[sys.argv[2]]; assert a["organisation"]==sys.argv[3], "CHECK_USER must be of organisation "+sys.argv[3]; print(json.dumps(a["roles"]))' "$SCRIPT_DIR/accounts.json" "$USER_NAME" "$USER_ORG")"

step "authorization code + PKCE as $USER_NAME for the client of $USER_ORG"
authorize "$WORK/client-own.json" yes "$WORK/own"
token "$WORK/client-own.json" "$WORK/own"
check_id_token "$WORK/own" "$WORK/client-own.json" "$OWN_ROLES"

step "userinfo at $USERINFO"
at="$(json "$WORK/own.tokens" "d['access_token']")"
printf 'header = "Authorization: Bearer %s"\n' "$at" | curl -fsS -K - "$USERINFO" >"$WORK/userinfo.json" || die "userinfo failed"
[ "$(json "$WORK/userinfo.json" "d['roles']")" = "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]))' "$OWN_ROLES")" ] || die "userinfo roles differ"
ok "userinfo: $(cat "$WORK/userinfo.json")"

# The code is single-use (and replaying it revokes the tokens issued for it, as RFC 6749 4.1.2
# advises: so this comes after the userinfo call).
again="$(printf 'user = "%s:%s"\n' "$(urlenc "$(json "$WORK/client-own.json" "d['client_id']")")" "$(urlenc "$(json "$WORK/client-own.json" "d['client_secret']")")" \
  | curl -sS -K - -o "$WORK/again.json" -w '%{http_code}' --data-urlencode grant_type=authorization_code \
      --data-urlencode "code=$(cat "$WORK/own.code")" \
      --data-urlencode "redirect_uri=$(json "$WORK/client-own.json" "d['redirect_uris'][0]")" \
      --data-urlencode "code_verifier=$(cat "$WORK/own.verifier")" "$TOKEN")"
[ "$again" = 400 ] && [ "$(json "$WORK/again.json" "d['error']")" = invalid_grant ] || die "a spent code answered $again"
ok "the code cannot be used twice (invalid_grant)"
printf 'header = "Authorization: Bearer %s"\n' "$at" | curl -sS -K - -o /dev/null -w '%{http_code}' "$USERINFO" | grep -qx 401 \
  || die "the access token still works after the code was replayed"
ok "replaying the code revoked its access token (userinfo: 401)"

step "same session, client of another organisation ($OTHER_ORG): no login form, roles []"
authorize "$WORK/client-other.json" no "$WORK/other"
token "$WORK/client-other.json" "$WORK/other"
check_id_token "$WORK/other" "$WORK/client-other.json" "[]"

# ----------------------------------------------------------------- logout
step "RP-initiated logout at $END_SESSION"
idt="$(json "$WORK/own.tokens" "d['id_token']")"
post_logout="$(json "$WORK/client-own.json" "d['post_logout_redirect_uris'][0]")"
code="$(curl -sS -b "$JAR" -c "$JAR" -o "$WORK/logout.html" -w '%{http_code}' \
  "$END_SESSION?id_token_hint=$idt&post_logout_redirect_uri=$(urlenc "$post_logout")&state=bye")"
[ "$code" = 200 ] || die "end_session answered $code"
grep -q 'id="sign-out"' "$WORK/logout.html" || die "no #sign-out button on the logout page"
xsrf="$(python3 -c 'import re,sys; print(re.search(r"name=\"xsrf\" value=\"([^\"]+)\"", open(sys.argv[1]).read()).group(1))' "$WORK/logout.html")"
action="$(python3 -c 'import re,sys,html; print(html.unescape(re.search(r"<form id=\"op.logoutForm\" method=\"post\" action=\"([^\"]+)\"", open(sys.argv[1]).read()).group(1)))' "$WORK/logout.html")"
code="$(curl -sS -b "$JAR" -c "$JAR" -o /dev/null -D "$WORK/headers" -w '%{http_code}' \
  --data-urlencode "xsrf=$xsrf" --data-urlencode logout=yes "$action")"
loc="$(header_of "$WORK/headers" location)"
[ "$code" = 303 ] && [ "$loc" = "$post_logout?state=bye" ] || die "logout confirm answered $code, Location $loc"
ok "logout page with button #sign-out; confirm: 303 to $loc"
# The session is gone: a new authorization asks for the password again.
authorize "$WORK/client-own.json" yes "$WORK/after"
ok "after logout the login form is shown again"

echo "check.sh: all checks passed"
