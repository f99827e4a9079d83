//! Process plumbing shared by the hub and agent binaries: the shutdown signal, logging,
//! backoff for reconnects and retries, and the [`Supervisor`] of a service's long-running
//! tasks, which stops the process when one of them dies.
//!
//! Logging: plain lines for people, JSON lines in production (`LOG_FORMAT=json`); the level
//! from `RUST_LOG` (default `info`). Message bodies and personal data are never logged: spans
//! carry ids, types, agencies and reason codes only.

mod supervisor;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

pub use supervisor::{Ended, Supervisor, TaskFailed, TaskOutcome};

/// Resolves when the process is asked to stop: SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Installs the global log subscriber once; later calls do nothing. Colours only when stderr
/// is a terminal and `NO_COLOR` is not set: a log file or the journal gets no escape codes.
pub fn init_logging() {
    use std::io::IsTerminal;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,lapin=warn"));
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    let _ = if std::env::var("LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Exponential backoff for reconnecting and retrying: 200 ms doubling to 10 s.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            next: Duration::from_millis(200),
        }
    }
}

impl Backoff {
    /// The next wait.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(Duration::from_secs(10));
        delay
    }

    /// Back to the shortest wait, after a success.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// A consumer's reconnect loop: runs `session` again and again until one ends without error
/// (it saw `stop`) or `stop` turns true. After a session fails, `ended` is told why (to log
/// it) and the next one starts after the next [`Backoff`] delay. A session that got as far as
/// consuming says so with [`Connected::mark`], which resets the backoff: a flapping broker
/// is retried quickly and a lasting outage slowly, never in a hot loop.
pub async fn reconnecting<E, Fut>(
    stop: &mut watch::Receiver<bool>,
    mut session: impl FnMut(watch::Receiver<bool>, Connected) -> Fut,
    mut ended: impl FnMut(E),
) where
    Fut: Future<Output = Result<(), E>>,
{
    let mut backoff = Backoff::default();
    let connected = Connected::default();
    while !*stop.borrow() {
        let outcome = session(stop.clone(), connected.clone()).await;
        if connected.0.swap(false, Ordering::Relaxed) {
            backoff.reset();
        }
        match outcome {
            Ok(()) => break,
            Err(e) => {
                ended(e);
                if sleep_or_stop(backoff.next_delay(), stop).await {
                    break;
                }
            }
        }
    }
}

/// How a session run by [`reconnecting`] tells it that it connected.
#[derive(Debug, Clone, Default)]
pub struct Connected(Arc<AtomicBool>);

impl Connected {
    /// The session is connected and consuming: after it ends, the next one starts after the
    /// shortest wait again.
    pub fn mark(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Waits `delay`, or less if `stop` turns true. Returns whether to stop.
pub async fn sleep_or_stop(delay: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        () = tokio::time::sleep(delay) => {}
        () = stopped(stop) => {}
    }
    *stop.borrow()
}

/// Resolves once `stop` is true (or its sender is gone).
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// The span every log line about one message is written in: ids, case, type and sender,
/// never the body.
pub fn message_span(envelope: &schemas::Envelope) -> tracing::Span {
    tracing::info_span!(
        "message",
        message_id = %envelope.message_id,
        correlation_id = %envelope.correlation_id,
        case = envelope.case_id.as_ref().map(|c| c.as_str()),
        message_type = %envelope.message_type,
        sender = %envelope.sender,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_session_is_retried_until_one_ends_without_error() {
        let (_stop_tx, mut stop) = watch::channel(false);
        let mut sessions = 0;
        let mut failures = Vec::new();
        reconnecting(
            &mut stop,
            |_stop, connected| {
                sessions += 1;
                let n = sessions;
                async move {
                    // The second connects before it fails, as a session that lost its broker.
                    if n == 2 {
                        connected.mark();
                    }
                    if n < 3 { Err(n) } else { Ok(()) }
                }
            },
            |e| failures.push(e),
        )
        .await;
        assert_eq!(sessions, 3);
        assert_eq!(failures, [1, 2]);
    }

    #[tokio::test]
    async fn no_session_starts_once_stop_is_true() {
        let (stop_tx, mut stop) = watch::channel(false);
        stop_tx.send_replace(true);
        let mut sessions = 0;
        reconnecting(
            &mut stop,
            |_stop, _connected| {
                sessions += 1;
                async { Ok::<(), ()>(()) }
            },
            |()| {},
        )
        .await;
        assert_eq!(sessions, 0);
    }
}
