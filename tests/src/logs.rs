//! Every log line the hubs and agents of this test process write, kept in memory so a test
//! can prove what never appears in them (a sealed address, a message body). Our crates log at
//! TRACE and the libraries at DEBUG here, more than in production, so the proof covers what
//! an operator turning logging up would see. With `TEST_LOG` set the lines also go to stderr.

use std::io::Write;
use std::sync::{Mutex, Once};

use tracing_subscriber::EnvFilter;

static LINES: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

const FILTER: &str = "debug,hub=trace,hub_core=trace,broker=trace,agent=trace,seal=trace,e2e=trace,\
sqlx=info,hyper=info,hyper_util=info,h2=info,reqwest=info,fantoccini=info,rustls=info,tower=info";

struct Writer {
    echo: bool,
}

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LINES
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        if self.echo {
            std::io::stderr().write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber for the whole process (once).
pub fn capture() {
    INSTALL.call_once(|| {
        let echo = std::env::var_os("TEST_LOG").is_some();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(FILTER))
            .with_ansi(false)
            .with_writer(move || Writer { echo })
            .try_init();
    });
}

/// Everything logged so far in this process.
pub fn captured() -> String {
    String::from_utf8_lossy(&LINES.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}
