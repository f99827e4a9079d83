//! Supervision of a service's long-running tasks.
//!
//! A [`Supervisor`] runs named tasks and waits for whichever comes first: the shutdown
//! signal, or the end of one of its tasks. A task that ends before it was asked to (it
//! returned, failed or panicked) is logged by name and reason, the others are stopped as at
//! shutdown, and the wait ends with a [`TaskFailed`], so the process exits non-zero and its
//! service manager restarts it: nobody is fooled by a live process whose consumer is gone.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::{Id, JoinError, JoinSet};

/// What a supervised task returns: nothing, or a result whose error says why it failed.
pub trait TaskOutcome: Send + 'static {
    /// The outcome, with the error in words.
    fn into_result(self) -> Result<(), String>;
}

impl TaskOutcome for () {
    fn into_result(self) -> Result<(), String> {
        Ok(())
    }
}

impl<E: fmt::Display + Send + 'static> TaskOutcome for Result<(), E> {
    fn into_result(self) -> Result<(), String> {
        self.map_err(|e| format!("{e:#}"))
    }
}

/// How a supervised task ended when it should not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// It returned without error before it was asked to stop.
    Returned,
    /// It returned an error.
    Failed(String),
    /// It panicked, with this message.
    Panicked(String),
    /// It was cancelled from outside the supervisor.
    Cancelled,
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Returned => f.write_str("returned before it was asked to stop"),
            Self::Failed(error) => write!(f, "failed: {error}"),
            Self::Panicked(message) => write!(f, "panicked: {message}"),
            Self::Cancelled => f.write_str("was cancelled"),
        }
    }
}

/// The task that ended a supervised service, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {task} task {ended}")]
pub struct TaskFailed {
    /// The task's name, as it was spawned.
    pub task: &'static str,
    /// How it ended.
    pub ended: Ended,
}

/// When a task is asked to stop, relative to the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// With the first: everything that takes or does work.
    First = 0,
    /// Once every task of the first stage has ended: what those need while they finish.
    Last = 1,
}

const STAGES: usize = 2;

/// A service's long-running tasks, each with a name and a stop signal, watched together.
///
/// Tasks are made from the stop signal they must watch ([`Supervisor::spawn`]); when it turns
/// true they finish what they hold and return. [`Supervisor::run_until`] is the service's
/// main loop.
pub struct Supervisor {
    running: JoinSet<Result<(), String>>,
    names: HashMap<Id, (&'static str, Stage)>,
    stops: [watch::Sender<bool>; STAGES],
}

impl Default for Supervisor {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.names.values().map(|(name, _)| *name).collect();
        names.sort_unstable();
        f.debug_struct("Supervisor").field("tasks", &names).finish()
    }
}

impl Supervisor {
    /// A supervisor with no tasks yet.
    pub fn new() -> Self {
        Self {
            running: JoinSet::new(),
            names: HashMap::new(),
            stops: [watch::channel(false).0, watch::channel(false).0],
        }
    }

    /// Runs the task `make` builds from its stop signal, under `name` (a few words, no
    /// personal data: it is logged). It is asked to stop with the others, at shutdown or when
    /// another task ends unexpectedly.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, make: F)
    where
        F: FnOnce(watch::Receiver<bool>) -> Fut,
        Fut: Future + Send + 'static,
        Fut::Output: TaskOutcome,
    {
        self.spawn_in(Stage::First, name, make);
    }

    /// [`Supervisor::spawn`], for a task the others need while they finish (a lock they work
    /// under): it is asked to stop only once every other task has ended.
    pub fn spawn_last<F, Fut>(&mut self, name: &'static str, make: F)
    where
        F: FnOnce(watch::Receiver<bool>) -> Fut,
        Fut: Future + Send + 'static,
        Fut::Output: TaskOutcome,
    {
        self.spawn_in(Stage::Last, name, make);
    }

    fn spawn_in<F, Fut>(&mut self, stage: Stage, name: &'static str, make: F)
    where
        F: FnOnce(watch::Receiver<bool>) -> Fut,
        Fut: Future + Send + 'static,
        Fut::Output: TaskOutcome,
    {
        let task = make(self.stops[stage as usize].subscribe());
        let handle = self.running.spawn(async move { task.await.into_result() });
        self.names.insert(handle.id(), (name, stage));
    }

    /// Runs until `shutdown` resolves or a task ends, whichever comes first; then asks every
    /// task to stop (first those spawned with [`Supervisor::spawn`], then, once they have
    /// ended, those spawned with [`Supervisor::spawn_last`]) and waits for them, for at most
    /// `grace` in all. Tasks still running then are aborted, and what they held is left
    /// undone (unacknowledged deliveries are redelivered).
    ///
    /// Ok when shutdown was asked for and every task then ended without error; otherwise the
    /// first task that ended before it was asked to, or that failed or panicked while
    /// stopping. Each such task is logged with its name and reason.
    pub async fn run_until(
        mut self,
        shutdown: impl Future<Output = ()>,
        grace: Duration,
    ) -> Result<(), TaskFailed> {
        let mut first_failure = tokio::select! {
            () = shutdown => {
                tracing::info!("shutdown requested; finishing the work in hand");
                None
            }
            Some(joined) = self.running.join_next_with_id() => self.settle(joined, 0),
        };
        if let Some(failed) = &first_failure {
            tracing::error!(
                task = failed.task,
                reason = %failed.ended,
                "a task ended unexpectedly; stopping the others"
            );
        }
        let drained = tokio::time::timeout(grace, async {
            for stage in 0..STAGES {
                self.stops[stage].send_replace(true);
                while self.names.values().any(|(_, s)| *s as usize <= stage) {
                    let Some(joined) = self.running.join_next_with_id().await else {
                        break;
                    };
                    if let Some(failed) = self.settle(joined, stage + 1) {
                        tracing::error!(
                            task = failed.task,
                            reason = %failed.ended,
                            "a task ended badly while the service stopped"
                        );
                        first_failure.get_or_insert(failed);
                    }
                }
            }
        })
        .await;
        if drained.is_err() {
            let mut unfinished: Vec<&str> = self.names.values().map(|(name, _)| *name).collect();
            unfinished.sort_unstable();
            tracing::warn!(
                grace_seconds = grace.as_secs(),
                tasks = ?unfinished,
                "grace period over; the tasks still running are stopped where they are, and \
                 unacknowledged deliveries will be redelivered"
            );
            self.running.shutdown().await;
        }
        first_failure.map_or(Ok(()), Err)
    }

    /// Forgets the task that ended; returns how it failed, if it did. `stopped` is how many
    /// stages have been asked to stop: a task of a later stage should not have ended yet.
    fn settle(
        &mut self,
        joined: Result<(Id, Result<(), String>), JoinError>,
        stopped: usize,
    ) -> Option<TaskFailed> {
        let (id, ended) = match joined {
            Ok((id, Ok(()))) => (id, None),
            Ok((id, Err(error))) => (id, Some(Ended::Failed(error))),
            Err(e) => (e.id(), Some(join_error(e))),
        };
        let (task, stage) = self.names.remove(&id).unwrap_or(("unnamed", Stage::First));
        let asked = (stage as usize) < stopped;
        let ended = ended.or((!asked).then_some(Ended::Returned))?;
        Some(TaskFailed { task, ended })
    }
}

/// Why a task did not return: its panic message, or cancellation.
fn join_error(e: JoinError) -> Ended {
    match e.try_into_panic() {
        Ok(payload) => Ended::Panicked(
            payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_owned()),
        ),
        Err(_) => Ended::Cancelled,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::service::stopped;

    const GRACE: Duration = Duration::from_secs(5);

    /// A task that works until it is asked to stop, then counts itself as stopped.
    fn worker(
        done: &Arc<AtomicUsize>,
    ) -> impl FnOnce(watch::Receiver<bool>) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>
    {
        let done = done.clone();
        move |mut stop| {
            Box::pin(async move {
                stopped(&mut stop).await;
                done.fetch_add(1, Ordering::SeqCst);
            })
        }
    }

    #[tokio::test]
    async fn a_shutdown_stops_every_task_and_is_ok() {
        let done = Arc::new(AtomicUsize::new(0));
        let mut tasks = Supervisor::new();
        tasks.spawn("ingress", worker(&done));
        tasks.spawn("relay", worker(&done));
        tasks.spawn_last("claims", worker(&done));
        tasks
            .run_until(async {}, GRACE)
            .await
            .expect("a requested shutdown");
        assert_eq!(done.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_task_that_panics_ends_the_wait_with_its_name() {
        let done = Arc::new(AtomicUsize::new(0));
        let mut tasks = Supervisor::new();
        tasks.spawn("ingress", worker(&done));
        tasks.spawn("sweeper", |_stop| async {
            if true {
                panic!("the sweeper broke");
            }
        });
        let failed = tasks
            .run_until(std::future::pending(), GRACE)
            .await
            .unwrap_err();
        assert_eq!(failed.task, "sweeper");
        assert_eq!(failed.ended, Ended::Panicked("the sweeper broke".into()));
        assert_eq!(done.load(Ordering::SeqCst), 1, "the others are stopped");
        assert_eq!(
            failed.to_string(),
            "the sweeper task panicked: the sweeper broke"
        );
    }

    #[tokio::test]
    async fn a_task_that_returns_early_ends_the_wait_with_its_name() {
        let done = Arc::new(AtomicUsize::new(0));
        let mut tasks = Supervisor::new();
        tasks.spawn("relay", worker(&done));
        tasks.spawn_last("claims", worker(&done));
        tasks.spawn("ingress", |_stop| async {});
        let failed = tasks
            .run_until(std::future::pending(), GRACE)
            .await
            .unwrap_err();
        assert_eq!(
            failed,
            TaskFailed {
                task: "ingress",
                ended: Ended::Returned
            }
        );
        assert_eq!(done.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_task_that_fails_ends_the_wait_with_its_error() {
        let mut tasks = Supervisor::new();
        tasks.spawn("http", |_stop| async {
            Err::<(), _>(std::io::Error::other("address in use"))
        });
        let failed = tasks
            .run_until(std::future::pending(), GRACE)
            .await
            .unwrap_err();
        assert_eq!(failed.task, "http");
        assert_eq!(failed.ended, Ended::Failed("address in use".into()));
    }

    #[tokio::test]
    async fn the_last_stage_is_stopped_only_once_the_first_has_ended() {
        let (first_ended, first_seen) = watch::channel(false);
        let mut tasks = Supervisor::new();
        tasks.spawn("ingress", move |mut stop| async move {
            stopped(&mut stop).await;
            let _ = first_ended.send(true);
        });
        tasks.spawn_last("claims", move |mut stop| async move {
            stopped(&mut stop).await;
            // Asked to stop only after the ingress ended.
            if *first_seen.borrow() {
                Ok(())
            } else {
                Err("asked to stop while the ingress still ran")
            }
        });
        tasks.run_until(async {}, GRACE).await.unwrap();
    }

    #[tokio::test]
    async fn a_task_that_does_not_stop_is_aborted_after_the_grace_period() {
        let grace = Duration::from_millis(200);
        let mut tasks = Supervisor::new();
        tasks.spawn("stuck", |_stop| std::future::pending::<()>());
        let started = std::time::Instant::now();
        tasks.run_until(async {}, grace).await.unwrap();
        let waited = started.elapsed();
        assert!(waited >= grace && waited < GRACE, "{waited:?}");
    }

    #[tokio::test]
    async fn a_failure_while_stopping_is_reported() {
        let mut tasks = Supervisor::new();
        tasks.spawn("http", |mut stop| async move {
            stopped(&mut stop).await;
            Err::<(), _>("the listener failed")
        });
        let failed = tasks.run_until(async {}, GRACE).await.unwrap_err();
        assert_eq!(failed.ended, Ended::Failed("the listener failed".into()));
    }
}
