//! The driver: sends a plan's cases through the real agents (their stores and running
//! services, in this process) to the hub. The steps of one case go one after the other, each
//! only once the hub's answer to the previous one is in its sender's store (the outbox row's
//! status, set by the agent when the Receipt or Undeliverable arrives); many cases go at once.
//!
//! Nothing here reads or logs a message body: errors name the case, the step's index, its
//! type and its sender.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agent::Store;
use agent::store::SendStatus;
use anyhow::Context;
use schemas::{AgencyId, MessageId, MessageType};
use tokio::task::JoinSet;

use super::plan::CaseScript;
use super::tally::{Answer, Tally};

/// How the driver runs.
#[derive(Debug, Clone)]
pub struct DriveOptions {
    /// Cases driven at once.
    pub concurrency: usize,
    /// How long to wait for the hub's answer to one message.
    pub answer_timeout: Duration,
    /// Report progress after every this many cases (0: never).
    pub progress_every: usize,
}

impl Default for DriveOptions {
    fn default() -> Self {
        DriveOptions {
            concurrency: 48,
            answer_timeout: Duration::from_secs(60),
            progress_every: 50,
        }
    }
}

/// Where a run stands, for progress output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Cases finished.
    pub cases_done: usize,
    /// Cases in this run.
    pub cases: usize,
    /// Messages answered so far.
    pub messages: u64,
    /// Since the run started.
    pub elapsed: Duration,
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.elapsed.as_secs_f64();
        write!(
            f,
            "{:>5}/{} cases, {:>6} messages, {:>6.1} s, {:>5.0} messages/s",
            self.cases_done,
            self.cases,
            self.messages,
            seconds,
            self.messages as f64 / seconds.max(0.001)
        )
    }
}

/// Drives cases through agents.
#[derive(Debug, Clone)]
pub struct Driver {
    stores: Arc<BTreeMap<AgencyId, Store>>,
    options: DriveOptions,
}

impl Driver {
    /// A driver sending through these agents' stores. Their services must be running.
    pub fn new(stores: impl IntoIterator<Item = (AgencyId, Store)>, options: DriveOptions) -> Self {
        Driver {
            stores: Arc::new(stores.into_iter().collect()),
            options,
        }
    }

    /// Waits until the hub has answered every agent's key announcement and every agent's
    /// key directory holds every other agent's current key, so relocations can be sealed.
    pub async fn wait_until_ready(&self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let missing = self.not_ready().await?;
            if missing.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                anyhow::bail!(
                    "after {timeout:?}: {}. Is `hub serve` running against this broker and \
                     vhost, with these agencies provisioned (`hub provision`)?",
                    missing.join("; ")
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What is not ready yet, in words.
    async fn not_ready(&self) -> anyhow::Result<Vec<String>> {
        let mut unanswered = Vec::new();
        let mut own = BTreeMap::new();
        for (id, store) in self.stores.iter() {
            let announced = store.outbox(1000).await?.iter().any(|m| {
                m.message_type == MessageType::KeyPublished.as_str()
                    && m.status == SendStatus::Delivered
            });
            if !announced {
                unanswered.push(id.to_string());
            }
            if let Some(key) = store.current_key().await? {
                own.insert(id.clone(), key.key_id);
            }
        }
        let mut missing = Vec::new();
        if !unanswered.is_empty() {
            missing.push(format!(
                "the hub has not answered the key announcements of {}",
                unanswered.join(", ")
            ));
        }
        for (id, store) in self.stores.iter() {
            let directory = store.directory_keys().await?;
            let lacking: Vec<&str> = own
                .iter()
                .filter(|(agency, key_id)| {
                    !directory.iter().any(|k| {
                        &k.agency == *agency && k.current && k.key_id.as_str() == key_id.as_str()
                    })
                })
                .map(|(agency, _)| agency.as_str())
                .collect();
            if !lacking.is_empty() {
                missing.push(format!(
                    "{id}'s key directory lacks the current keys of {}",
                    lacking.join(", ")
                ));
            }
        }
        Ok(missing)
    }

    /// Drives `cases`, at most [`DriveOptions::concurrency`] at once, and tallies the hub's
    /// answers. An answer other than the planned one is tallied as unexpected and ends that
    /// case; an agent refusing a draft, a store failing or the hub not answering ends the
    /// run with an error.
    pub async fn run(
        &self,
        cases: &[CaseScript],
        progress: impl Fn(&Progress),
    ) -> anyhow::Result<Tally> {
        let started = Instant::now();
        let mut tally = Tally::default();
        let mut queue = cases.iter();
        let mut running = JoinSet::new();
        let mut done = 0;
        loop {
            while running.len() < self.options.concurrency.max(1) {
                let Some(case) = queue.next() else { break };
                running.spawn(drive_case(
                    self.stores.clone(),
                    case.clone(),
                    self.options.answer_timeout,
                ));
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            tally.merge(joined.context("a case's task failed")??);
            done += 1;
            let every = self.options.progress_every;
            if every > 0 && (done % every == 0 || done == cases.len()) {
                progress(&Progress {
                    cases_done: done,
                    cases: cases.len(),
                    messages: tally.submitted(),
                    elapsed: started.elapsed(),
                });
            }
        }
        Ok(tally)
    }
}

impl Driver {
    /// Queues `cases` as a backlog, without waiting for the hub's answers: submits every
    /// step, case by case and each case's steps in order, and before a step from another
    /// agent than the step before waits until the broker has confirmed every step submitted
    /// so far (an agent publishes its own steps in the order they were queued). So the hub's
    /// ingress holds them in exactly this order, ready for a hub that is stopped to decide
    /// them in batches when it starts. Returns how many steps were submitted.
    pub async fn submit_in_order(
        &self,
        cases: &[CaseScript],
        timeout: Duration,
    ) -> anyhow::Result<u64> {
        let mut unconfirmed: Vec<(&Store, MessageId)> = Vec::new();
        let mut last_sender: Option<&AgencyId> = None;
        let mut submitted = 0;
        for case in cases {
            for (index, step) in case.steps.iter().enumerate() {
                let what = || {
                    format!(
                        "step {index} ({} from {}) of case {}",
                        step.message_type, step.sender, case.case_id
                    )
                };
                let store = self
                    .stores
                    .get(&step.sender)
                    .with_context(|| format!("no agent runs for {}", step.sender))?;
                if last_sender.is_some_and(|s| s != &step.sender) {
                    for (store, id) in unconfirmed.drain(..) {
                        published(store, &id, timeout).await.with_context(what)?;
                    }
                }
                let bytes = serde_json::to_vec(&step.draft).context("a draft serializes")?;
                let (message, _) = agent::submit(store, &step.sender, &bytes)
                    .await
                    .with_context(|| format!("the agent did not accept {}", what()))?;
                anyhow::ensure!(
                    message.envelope.message_id == step.message_id,
                    "the agent gave {} another id than planned",
                    what()
                );
                unconfirmed.push((store, message.envelope.message_id));
                last_sender = Some(&step.sender);
                submitted += 1;
            }
        }
        for (store, id) in unconfirmed {
            published(store, &id, timeout)
                .await
                .context("the last steps")?;
        }
        Ok(submitted)
    }

    /// Waits for the hub's answers to every step of `cases`, submitted before (see
    /// [`Driver::submit_in_order`]), and tallies them. Unlike [`Driver::run`], a case's
    /// later steps are tallied after an unexpected answer too: they were sent anyway.
    pub async fn tally_answers(
        &self,
        cases: &[CaseScript],
        timeout: Duration,
    ) -> anyhow::Result<Tally> {
        let mut tally = Tally::default();
        for case in cases {
            for (index, step) in case.steps.iter().enumerate() {
                let store = self
                    .stores
                    .get(&step.sender)
                    .with_context(|| format!("no agent runs for {}", step.sender))?;
                let got = answer(store, &step.message_id, timeout)
                    .await
                    .with_context(|| {
                        format!(
                            "step {index} ({} from {}) of case {}",
                            step.message_type, step.sender, case.case_id
                        )
                    })?;
                tally.record(case.case_id.as_str(), index, step, got);
            }
            tally.cases += 1;
        }
        Ok(tally)
    }
}

/// Waits until the broker has confirmed a message to its sender's agent.
async fn published(store: &Store, id: &MessageId, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(5);
    loop {
        match store.sent(id).await? {
            Some(sent) if sent.status != SendStatus::Queued => return Ok(()),
            Some(_) => {}
            None => anyhow::bail!("the agent's store lost a queued message"),
        }
        if Instant::now() >= deadline {
            anyhow::bail!("not published to the broker within {timeout:?}: is the agent running?");
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(50));
    }
}

/// Sends one case's steps in order, each after the hub answered the one before.
async fn drive_case(
    stores: Arc<BTreeMap<AgencyId, Store>>,
    case: CaseScript,
    timeout: Duration,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    for (index, step) in case.steps.iter().enumerate() {
        let what = || {
            format!(
                "step {index} ({} from {}) of case {}",
                step.message_type, step.sender, case.case_id
            )
        };
        let store = stores
            .get(&step.sender)
            .with_context(|| format!("no agent runs for {}", step.sender))?;
        let bytes = serde_json::to_vec(&step.draft).context("a draft serializes")?;
        let (message, _) = agent::submit(store, &step.sender, &bytes)
            .await
            .with_context(|| format!("the agent did not accept {}", what()))?;
        let answer = answer(store, &message.envelope.message_id, timeout)
            .await
            .with_context(what)?;
        if !tally.record(case.case_id.as_str(), index, step, answer) {
            break;
        }
    }
    tally.cases += 1;
    Ok(tally)
}

/// Waits for the hub's answer to a message, as its sender's store records it.
async fn answer(store: &Store, id: &MessageId, timeout: Duration) -> anyhow::Result<Answer> {
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(5);
    loop {
        if let Some(sent) = store.sent(id).await? {
            let reason = || sent.answer_reason.clone().unwrap_or_default();
            match sent.status {
                SendStatus::Delivered => return Ok(Answer::Delivered),
                SendStatus::PartiallyDelivered => return Ok(Answer::PartlyRefused(reason())),
                SendStatus::Refused => return Ok(Answer::Refused(reason())),
                SendStatus::Queued | SendStatus::Sent => {}
            }
        }
        if Instant::now() >= deadline {
            anyhow::bail!(
                "no answer from the hub within {timeout:?}: is the hub running? (A message the \
                 hub has seen before is not answered again: was this population loaded already?)"
            );
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(100));
    }
}
