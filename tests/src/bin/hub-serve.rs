//! `hub-serve`: exactly `hub serve` (the same library entry: `Settings::load`,
//! `hub::prepare`, `hub::run` until SIGTERM or Ctrl-C), built as a binary of this crate.
//!
//! Integration tests that must kill the hub with SIGKILL run it as an OS process of its own
//! ([`e2e::hub_process`]), and Cargo builds a crate's own binaries before its integration
//! tests and names them in `CARGO_BIN_EXE_<name>`; the `hub` package's binary is not built
//! by `cargo test -p e2e`. Settings come from `HUB_CONFIG_DIR` (default `config`) and the
//! `HUB__*` variables, as for `hub serve`.

use std::path::PathBuf;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    broker::service::init_logging();
    let dir =
        std::env::var_os("HUB_CONFIG_DIR").map_or_else(|| PathBuf::from("config"), PathBuf::from);
    let settings = hub::Settings::load(&dir)?;
    let shared = hub::prepare(settings).await?;
    hub::run(shared, broker::service::shutdown_signal()).await
}
