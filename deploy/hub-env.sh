# Sourced by deploy/demo.sh and deploy/demo-data.sh (after deploy/services.sh and
# `source .local/env`): the local hub's secrets, made on first use in .local/secrets (mode
# 700, not in git), and the HUB__* environment that points the hub at the local services.
# The hub and the agents talk AMQPS with client certificates (see README); the hub's broker
# password is set for its user but not used to log in.

mkdir -p .local/secrets .local/logs
chmod 700 .local/secrets
[ -f .local/secrets/hub.password ] || (umask 077; openssl rand -hex 16 > .local/secrets/hub.password)
[ -f .local/secrets/contact-point.key ] || (umask 077; openssl rand -hex 32 > .local/secrets/contact-point.key)
export HUB__DATABASE__URL="$HANDOVER_PG_URL"
export HUB__BROKER__PASSWORD; HUB__BROKER__PASSWORD="$(cat .local/secrets/hub.password)"
export HUB__BROKER__HOST=localhost HUB__BROKER__PORT=5671
export HUB__BROKER__TLS__CA_FILE="$HANDOVER_PKI_DIR/ca.pem"
export HUB__BROKER__TLS__CERT_FILE="$HANDOVER_PKI_DIR/clients/handover-hub.pem"
export HUB__BROKER__TLS__KEY_FILE="$HANDOVER_PKI_DIR/clients/handover-hub.key"
export HUB__BROKER__ADMIN_USER="$HANDOVER_ADMIN_USER"
export HUB__BROKER__ADMIN_PASSWORD="$HANDOVER_ADMIN_PASSWORD"
export HUB__HUB__CONTACT_POINT_KEY; HUB__HUB__CONTACT_POINT_KEY="$(cat .local/secrets/contact-point.key)"
