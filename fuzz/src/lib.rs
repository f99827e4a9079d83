//! What the fuzz targets check, as plain functions, so the same checks run under libFuzzer
//! (`cargo fuzz run envelope`, `cargo fuzz run consent`) and as ordinary unit tests on fixed
//! inputs (`cargo test` in this directory).
//!
//! - [`envelope`]: arbitrary bytes through the hub's intake (`hub::plan::intake`: the sender
//!   from the exchange, the size check, then `schemas::decode`: UTF-8, JSON, schema version,
//!   message type, envelope and body) and, for what decodes, through the routing decision
//!   and the outbox rows it plans (`hub::plan::route`) against the shipped configuration.
//! - [`consent`]: structured arbitrary consent records, withdrawals and flows through
//!   `hub_core::consent::evaluate`, compared with a plain reference evaluation written from
//!   the rules in `shared/domain.md`, and checked against the invariants that matter most:
//!   never a recipient the consent does not name, never after expiry or withdrawal.
//!
//! A violated invariant panics, which libFuzzer reports as a crash and keeps the input.

pub mod consent;
pub mod envelope;
