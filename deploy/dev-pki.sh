#!/usr/bin/env bash
# A development certificate authority for AMQPS with client certificates.
#
#   deploy/dev-pki.sh [NAME...]
#
# Creates (once) a CA, a server certificate for localhost / 127.0.0.1 (the broker) and one for
# *.agent.localhost (the agents' pages) in $PKI_DIR
# (default /var/lib/handover-hub-dev/pki), and a client certificate for each NAME (an agency
# id or the hub's broker user; the certificate's common name is the broker user name):
# $PKI_DIR/clients/NAME.pem and NAME.key. Idempotent: existing files are kept. For local
# development and tests only; production agencies get certificates from their own PKI.
set -euo pipefail

PKI_DIR="${PKI_DIR:-/var/lib/handover-hub-dev/pki}"
DAYS=825
mkdir -p "$PKI_DIR/clients"
chmod 755 "$PKI_DIR"
chmod 700 "$PKI_DIR/clients"
cd "$PKI_DIR"
# One at a time: tests make client certificates concurrently, and two `openssl x509
# -CAcreateserial` writing the CA's serial file at once make one of them fail.
exec 9>"$PKI_DIR/.lock"
flock 9

if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days "$DAYS" -subj "/CN=Handover hub development CA" \
    -keyout ca.key -out ca.pem 2>/dev/null
  chmod 600 ca.key
fi

if [ ! -f server.pem ]; then
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$DAYS" \
    -extfile server.ext -out server.pem 2>/dev/null
  rm -f server.csr server.ext
  # The broker runs as the rabbitmq user and must read its key.
  chown rabbitmq:rabbitmq server.key 2>/dev/null || true
  chmod 600 server.key
fi

# The agents' pages: each agent's page has a host name of its own under agent.localhost
# (browsers resolve *.localhost to this machine), so no two pages share cookies.
if [ ! -f web.pem ]; then
  openssl req -newkey rsa:2048 -nodes -subj "/CN=agent.localhost" -keyout web.key -out web.csr 2>/dev/null
  printf 'subjectAltName=DNS:*.agent.localhost,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > web.ext
  openssl x509 -req -in web.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$DAYS" \
    -extfile web.ext -out web.pem 2>/dev/null
  rm -f web.csr web.ext
  chmod 600 web.key
fi

for name in "$@"; do
  [ -f "clients/$name.pem" ] && continue
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "clients/$name.key" \
    -out "clients/$name.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' > "clients/$name.ext"
  openssl x509 -req -in "clients/$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days "$DAYS" \
    -extfile "clients/$name.ext" -out "clients/$name.pem" 2>/dev/null
  rm -f "clients/$name.csr" "clients/$name.ext"
  chmod 600 "clients/$name.key"
done
