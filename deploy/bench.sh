#!/usr/bin/env bash
# The benchmark (see "Benchmarks" in README.md), in one run: the hub against the raw broker
# relay that publishes what the hub publishes (two copies per message), the CPU time of the
# hub, the broker and PostgreSQL and the WAL per message, latency of the hub and the raw
# relay at half the hub's measured capacity, the hub's peak memory, and an agency's backlog
# drained when it comes back.
#
#   deploy/bench.sh                                   # 20000 messages, backlog of 100000
#   deploy/bench.sh --messages 5000 --backlog 10000   # any hub-bench option (--help)
#   deploy/bench.sh --repeat 3                        # relays, hub and backlog thrice, medians
#
# It brings the services up, builds the benchmark and the hub process it starts (release),
# and runs it in a vhost and database of its own that it removes afterwards. Run it on a
# quiet machine: builds or tests running beside it halve the figures.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash deploy/services.sh
# shellcheck source=/dev/null
source .local/env

echo "==> building hub-bench and hub-serve (release)"
cargo build --quiet --release -p e2e --bin hub-bench --bin hub-serve
exec target/release/hub-bench "$@"
