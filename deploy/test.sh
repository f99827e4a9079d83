#!/usr/bin/env bash
# Runs every check and test: formatting, lints, the API docs, unit tests, and the integration tests
# against real RabbitMQ and PostgreSQL (started, or installed first, by services.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash deploy/services.sh
# shellcheck source=/dev/null
source .local/env

echo "==> removing test vhosts, users and databases left by interrupted runs"
bash deploy/clean-test-leftovers.sh

# A fresh checkout gains nothing from incremental compilation, which roughly doubles the
# size of the target directory.
if [[ -n "${CI:-}" ]]; then export CARGO_INCREMENTAL=0; fi

echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "==> cargo doc (warnings denied: stale links fail)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --quiet
echo "==> cargo test"
cargo test --workspace
