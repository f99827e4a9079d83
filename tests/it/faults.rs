//! Fault injection: the hub killed with SIGKILL at its failpoints, the broker crashed and
//! restarted, connections dropped and PostgreSQL stopped for 30 s, each in the middle of a
//! stream of messages.
//! After each, every accepted message reached each allowed recipient exactly once in
//! effect, nobody else, the sender got one answer per message, and the queues and the
//! outbox drained.
//!
//! Each test runs its own RabbitMQ node ([`PrivateNode`]) and PostgreSQL cluster
//! ([`PrivatePg`]), the hub as an OS process ([`HubProcess`], so a kill is a real
//! `kill -9`) and the agents in-process. The stream: release notices from the prison, one
//! every 100 ms, to the municipality (allowed by statute), the employment service (allowed
//! by the person's consent, with a field removed) and the police (refused: the catalogue
//! does not let the prison send it a release notice); the police and the prison must never
//! hold one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agent::store::SendStatus;
use broker::Credentials;
use broker::depth::QueueDepths;
use e2e::hub_process::{HubProcess, killed_by_sigkill};
use e2e::private_node::PrivateNode;
use e2e::private_pg::PrivatePg;
use e2e::{AgentHandle, DEADLINE, TestEnv, eventually};
use hub::failpoint::{AFTER_COMMIT_BEFORE_ACK, AFTER_CONFIRM_BEFORE_MARK};
use schemas::{Body, MessageId, ReasonCode};
use uuid::Uuid;

/// The hub's executable (`hub serve`, built as a binary of the e2e crate).
const HUB: &str = env!("CARGO_BIN_EXE_hub-serve");

/// The person and the case of the stream.
const SUBJECT: &str = "ps-3f8a1c5e7b9d2064";
const CASE: &str = "KBH-2026-0777";

/// Messages in a stream, and the time between two.
const STREAM: usize = 30;
const PACE: Duration = Duration::from_millis(100);

/// The failpoints are armed at this hit: after the set-up (the four agents' key
/// announcements and the consent, at most one batch each), early in the stream.
const NTH_HIT: u32 = 8;

/// Reconnecting and retrying back off up to 10 s, so a recovery may take one full wait for
/// the hub and another for an agent, after the fault ends.
const AFTER_FAULT: Duration = Duration::from_secs(45);

/// How long PostgreSQL stays down.
const DATABASE_OUTAGE: Duration = Duration::from_secs(30);

/// One env on a private node and cluster: the hub as a process, four agents.
struct Rig {
    // Fields drop in order: the hub and the agents stop before the env removes the vhost,
    // users and database.
    hub: HubProcess,
    prison: Arc<AgentHandle>,
    municipality: AgentHandle,
    police: AgentHandle,
    employment: AgentHandle,
    env: TestEnv,
}

impl Rig {
    /// Starts the hub (with `failpoint` armed) and the agents, waits until each agent's key
    /// announcement is answered, and records the person's consent, so what follows is the
    /// stream.
    async fn start(node: &PrivateNode, pg: &PrivatePg, failpoint: Option<&str>) -> Self {
        let env = TestEnv::on_private_services(node, pg).await;
        let hub = HubProcess::start(&env, Path::new(HUB), failpoint).await;
        let a = &env.agencies;
        let rig = Self {
            hub,
            prison: Arc::new(env.start_agent(&a.prison).await),
            municipality: env.start_agent(&a.municipality).await,
            police: env.start_agent(&a.police).await,
            employment: env.start_agent(&a.employment).await,
            env,
        };
        for agent in rig.agents() {
            agent.key_announced().await;
        }
        rig.env.grant_consent(&rig.municipality, SUBJECT).await;
        rig
    }

    fn agents(&self) -> [&AgentHandle; 4] {
        [
            &self.prison,
            &self.municipality,
            &self.police,
            &self.employment,
        ]
    }

    /// A release notice to the two allowed recipients and the refused one, naming no
    /// gateway (the hub finds one per recipient).
    fn draft(&self) -> serde_json::Value {
        let a = &self.env.agencies;
        e2e::draft(
            "ReleaseNotice",
            &a.prison,
            &[&a.municipality, &a.employment, &a.police],
            CASE,
            SUBJECT,
        )
    }

    /// Sends `n` messages from the prison, one every [`PACE`], in the background.
    fn stream(&self, n: usize) -> Stream {
        let drafts: Vec<_> = (0..n).map(|_| self.draft()).collect();
        let prison = self.prison.clone();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let sent = sent.clone();
            async move {
                let mut pace = tokio::time::interval(PACE);
                for draft in drafts {
                    pace.tick().await;
                    let id = prison.send(&draft).await;
                    sent.lock().unwrap().push(id);
                }
            }
        });
        Stream { sent, task }
    }

    /// Sends one message now and returns its id.
    async fn send(&self) -> MessageId {
        self.prison.send(&self.draft()).await
    }

    /// Waits until the municipality holds `n` of the stream's messages: the stream is
    /// flowing through the hub.
    async fn flowing(&self, stream: &Stream, n: usize) {
        eventually("the stream to flow", DEADLINE, || async {
            let sent: BTreeSet<MessageId> = stream.sent().into_iter().collect();
            let held = self
                .municipality
                .inbox()
                .await
                .iter()
                .filter(|m| sent.contains(&m.envelope.message_id))
                .count();
            (held >= n).then_some(())
        })
        .await;
    }

    /// How many rows the hub's `messages` table holds.
    async fn recorded(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM messages")
            .fetch_one(&self.env.pool)
            .await
            .unwrap()
    }

    /// How many of `ids` the hub has recorded.
    async fn recorded_of(&self, ids: &[MessageId]) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM messages WHERE message_id = ANY($1)")
            .bind(uuids(ids))
            .fetch_one(&self.env.pool)
            .await
            .unwrap()
    }

    /// Asks the hub process to restart without a failpoint, after a kill.
    async fn restart_hub(&mut self) {
        self.hub = HubProcess::start(&self.env, Path::new(HUB), None).await;
    }

    /// Every accepted message (`ids`) reached the municipality and the employment service
    /// exactly once in effect and nobody else, the prison got exactly one answer for each, the hub
    /// recorded each once, and the outbox and the queues drained. Waits up to `within` for
    /// the system to settle.
    async fn assert_exactly_once(&self, ids: &[MessageId], within: Duration) {
        let a = &self.env.agencies;
        let wanted: BTreeSet<MessageId> = ids.iter().copied().collect();
        assert_eq!(wanted.len(), ids.len(), "the stream's ids are distinct");

        // Settle: everything answered, delivered, published and consumed.
        for agent in [&self.municipality, &self.employment] {
            eventually(
                &format!("every message in {}'s inbox", agent.id),
                within,
                || async {
                    let held: BTreeSet<MessageId> = inbox_ids(agent).await.into_iter().collect();
                    wanted.is_subset(&held).then_some(())
                },
            )
            .await;
        }
        eventually(
            "an answer to every message at the prison",
            within,
            || async {
                let answered: BTreeSet<Uuid> = answers(&self.prison)
                    .await
                    .into_iter()
                    .map(|(to, _)| to)
                    .collect();
                ids.iter()
                    .all(|id| answered.contains(&id.as_uuid()))
                    .then_some(())
            },
        )
        .await;
        eventually("the outbox to drain", within, || async {
            let pending: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL AND cancelled_at IS NULL",
            )
            .fetch_one(&self.env.pool)
            .await
            .ok()?;
            (pending == 0).then_some(())
        })
        .await;
        self.assert_queues_drain(within).await;

        // Each allowed recipient holds each message exactly once.
        for agent in [&self.municipality, &self.employment] {
            let mut count: BTreeMap<MessageId, usize> = BTreeMap::new();
            for id in inbox_ids(agent).await {
                *count.entry(id).or_default() += 1;
            }
            for id in ids {
                assert_eq!(count.get(id), Some(&1), "{id} in {}'s inbox", agent.id);
            }
        }
        // Nobody else holds any: not the refused recipient, not the sender.
        for agent in [&self.police, &*self.prison] {
            let leaked: Vec<MessageId> = inbox_ids(agent)
                .await
                .into_iter()
                .filter(|id| wanted.contains(id))
                .collect();
            assert!(leaked.is_empty(), "{} holds {leaked:?}", agent.id);
        }
        // The hub queued copies for the allowed recipients only, and published each.
        let copies: Vec<(Uuid, String, bool)> = sqlx::query_as(
            "SELECT message_id, recipient, published_at IS NOT NULL FROM outbox
             WHERE message_id = ANY($1) ORDER BY message_id, recipient",
        )
        .bind(uuids(ids))
        .fetch_all(&self.env.pool)
        .await
        .unwrap();
        let mut allowed = [a.municipality.to_string(), a.employment.to_string()];
        allowed.sort();
        let mut expected: Vec<(Uuid, String, bool)> = ids
            .iter()
            .flat_map(|id| allowed.iter().map(|r| (id.as_uuid(), r.clone(), true)))
            .collect();
        expected.sort();
        assert_eq!(copies, expected, "the outbox copies of the stream");
        // The hub recorded each message once.
        let recorded: Vec<(Uuid, i64)> = sqlx::query_as(
            "SELECT message_id, count(*) FROM messages WHERE message_id = ANY($1)
             GROUP BY message_id",
        )
        .bind(uuids(ids))
        .fetch_all(&self.env.pool)
        .await
        .unwrap();
        assert_eq!(recorded.len(), ids.len(), "messages recorded");
        assert!(recorded.iter().all(|(_, n)| *n == 1), "{recorded:?}");
        // One decision per recipient of each: the statute for the municipality, the consent
        // for the employment service, a refusal for the police.
        let decided: Vec<(String, bool, String, i64)> = sqlx::query_as(
            "SELECT recipient, delivered, coalesce(split_part(gateway, ':', 1), ''), count(*)
             FROM decisions WHERE message_id = ANY($1) GROUP BY 1, 2, 3 ORDER BY 1",
        )
        .bind(uuids(ids))
        .fetch_all(&self.env.pool)
        .await
        .unwrap();
        let n = ids.len() as i64;
        let mut expected = vec![
            (a.municipality.to_string(), true, "STATUTE".to_owned(), n),
            (a.employment.to_string(), true, "CONSENT".to_owned(), n),
            (a.police.to_string(), false, String::new(), n),
        ];
        expected.sort();
        assert_eq!(decided, expected, "the decisions on the stream");
        // The prison got exactly one answer per message: a receipt naming the allowed
        // recipients and refusing the police.
        let answers = answers(&self.prison).await;
        for id in ids {
            let mine: Vec<&Body> = answers
                .iter()
                .filter(|(to, _)| *to == id.as_uuid())
                .map(|(_, body)| body)
                .collect();
            assert_eq!(mine.len(), 1, "answers to {id}: {mine:?}");
            let Body::Receipt(receipt) = mine[0] else {
                panic!("{id} was refused: {:?}", mine[0]);
            };
            let delivered: BTreeSet<String> = receipt
                .delivered_to
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(delivered, allowed.iter().cloned().collect(), "{id}");
            assert_eq!(receipt.refused.len(), 1, "{id}: {receipt:?}");
            assert_eq!(receipt.refused[0].recipient, a.police);
            assert_eq!(receipt.refused[0].reason, ReasonCode::NotPermittedForRole);
            let sent = self.prison.store.sent(id).await.unwrap().expect("sent");
            assert_eq!(sent.status, SendStatus::PartiallyDelivered, "{id}");
        }
    }

    /// The ingress and the agents' inboxes hold nothing: none ready (passive declare, now)
    /// and none unacknowledged (management API, whose figures lag by a few seconds).
    async fn assert_queues_drain(&self, within: Duration) {
        let mut queues = vec![broker::topology::INGRESS_QUEUE.to_owned()];
        queues.extend(self.agents().iter().map(|agent| self.env.inbox(&agent.id)));
        let depths = QueueDepths::new("faults test");
        let hub = &self.env.hub_settings.broker;
        let credentials = Credentials {
            user: hub.user.clone(),
            password: hub.password.expose().to_owned(),
        };
        let management = self.env.services.management();
        eventually("the queues to drain", within, || async {
            let ready = depths
                .read(
                    &self.env.endpoint(),
                    &credentials,
                    &queues,
                    Duration::from_secs(5),
                )
                .await;
            if !ready.iter().all(|r| matches!(r, Ok(0))) {
                return None;
            }
            for queue in &queues {
                let q = management
                    .get(&format!("queues/{}/{queue}", self.env.vhost))
                    .await
                    .ok()?;
                if q["messages"].as_u64() != Some(0) {
                    return None;
                }
            }
            Some(())
        })
        .await;
    }
}

/// The stream in the background.
struct Stream {
    sent: Arc<Mutex<Vec<MessageId>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Stream {
    /// The ids sent so far.
    fn sent(&self) -> Vec<MessageId> {
        self.sent.lock().unwrap().clone()
    }

    /// Waits until every message is sent; returns their ids.
    async fn finish(self) -> Vec<MessageId> {
        self.task.await.expect("the stream's task");
        self.sent.lock().unwrap().clone()
    }
}

fn uuids(ids: &[MessageId]) -> Vec<Uuid> {
    ids.iter().map(MessageId::as_uuid).collect()
}

async fn inbox_ids(agent: &AgentHandle) -> Vec<MessageId> {
    agent
        .inbox()
        .await
        .into_iter()
        .map(|m| m.envelope.message_id)
        .collect()
}

/// The answers in an agent's inbox: what each answers, and the answer.
async fn answers(agent: &AgentHandle) -> Vec<(Uuid, Body)> {
    agent
        .inbox()
        .await
        .into_iter()
        .filter_map(|m| match &m.body {
            Body::Receipt(r) => Some((r.in_reply_to, m.body)),
            Body::Undeliverable(u) => u.in_reply_to.map(|to| (to, m.body)),
            _ => None,
        })
        .collect()
}

/// The sum of a Prometheus counter's series.
fn counter(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// How many times an in-process agent logged a delivery it already held, among `ids`.
fn duplicates_dropped(ids: &[Uuid]) -> usize {
    e2e::logs::captured()
        .lines()
        .filter(|l| l.contains("duplicate=true"))
        .filter(|l| ids.iter().any(|id| l.contains(&id.to_string())))
        .count()
}

/// Killed after a batch committed, before it was published and acknowledged: the broker
/// redelivers the batch to the restarted hub, which records nothing twice and answers
/// nothing twice, and its relay publishes the batch's outbox rows.
async fn killed_after_commit(node: &PrivateNode, pg: &PrivatePg) {
    let failpoint = format!("{AFTER_COMMIT_BEFORE_ACK}:{NTH_HIT}");
    let mut rig = Rig::start(node, pg, Some(&failpoint)).await;
    let stream = rig.stream(STREAM);

    assert_eq!(rig.hub.wait_for_failpoint().await, AFTER_COMMIT_BEFORE_ACK);
    let status = rig.hub.kill_9().await;
    assert!(killed_by_sigkill(status), "the hub ended by {status}");
    // Mid-stream: part of the stream is committed, not all of it.
    let committed = rig.recorded_of(&stream.sent()).await;
    assert!(
        committed > 0 && committed < STREAM as i64,
        "{committed} of {STREAM} committed at the kill"
    );
    let recorded_at_kill = rig.recorded().await;

    rig.restart_hub().await;
    let ids = stream.finish().await;
    rig.assert_exactly_once(&ids, AFTER_FAULT).await;

    // The restarted hub took the killed batch again: it counts every delivery it took,
    // and recorded only the new ones.
    let taken = counter(&rig.hub.metrics().await, "hub_messages_in_total");
    let new = u64::try_from(rig.recorded().await - recorded_at_kill).unwrap();
    assert!(
        taken > new,
        "the restarted hub took {taken} deliveries and recorded {new}: no redelivery seen"
    );
}

/// Killed after the broker confirmed a batch's deliveries, before they were marked
/// published: the relay of the restarted hub publishes them again, and the recipients keep
/// one copy.
async fn killed_after_confirm(node: &PrivateNode, pg: &PrivatePg) {
    let failpoint = format!("{AFTER_CONFIRM_BEFORE_MARK}:{NTH_HIT}");
    let mut rig = Rig::start(node, pg, Some(&failpoint)).await;
    let stream = rig.stream(STREAM);

    assert_eq!(
        rig.hub.wait_for_failpoint().await,
        AFTER_CONFIRM_BEFORE_MARK
    );
    let status = rig.hub.kill_9().await;
    assert!(killed_by_sigkill(status), "the hub ended by {status}");
    // Confirmed by the broker (so already in the inboxes' queues) but not marked.
    let unmarked: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT id, message_id FROM outbox WHERE published_at IS NULL AND cancelled_at IS NULL",
    )
    .fetch_all(&rig.env.pool)
    .await
    .unwrap();
    let sent_at_kill = uuids(&stream.sent());
    let confirmed_copies: Vec<Uuid> = unmarked
        .iter()
        .map(|(_, message)| *message)
        .filter(|message| sent_at_kill.contains(message))
        .collect();
    assert!(
        !confirmed_copies.is_empty() && sent_at_kill.len() < STREAM,
        "mid-stream, the killed batch holds copies of the stream: {unmarked:?}"
    );

    rig.restart_hub().await;
    let ids = stream.finish().await;
    rig.assert_exactly_once(&ids, AFTER_FAULT).await;

    // The relay published the unmarked rows again...
    let rows: Vec<Uuid> = unmarked.iter().map(|(row, _)| *row).collect();
    let republished: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE id = ANY($1) AND published_at IS NOT NULL AND attempts >= 1",
    )
    .bind(&rows)
    .fetch_one(&rig.env.pool)
    .await
    .unwrap();
    assert_eq!(
        republished,
        rows.len() as i64,
        "rows republished by the relay"
    );
    // ... and the recipients received those copies a second time and dropped them.
    eventually("the recipients to drop the copies", DEADLINE, || async {
        (duplicates_dropped(&confirmed_copies) >= 1).then_some(())
    })
    .await;
}

/// The broker crashes (SIGKILL: what it had not confirmed is lost) and restarts
/// mid-stream: the hub process and the agents ride it out, publishing again what was not
/// confirmed, messages accepted while it is down wait in the prison's outbox, and nothing
/// is lost or doubled.
async fn broker_restarted(node: &PrivateNode, pg: &PrivatePg) {
    let mut rig = Rig::start(node, pg, None).await;
    let pid = rig.hub.pid();
    let stream = rig.stream(STREAM);
    rig.flowing(&stream, 5).await;

    node.kill().await;
    let during = [rig.send().await, rig.send().await];
    for id in &during {
        let sent = rig.prison.store.sent(id).await.unwrap().expect("accepted");
        assert_eq!(sent.status, SendStatus::Queued, "{id} with the broker down");
    }
    node.start().await;

    let mut ids = stream.finish().await;
    ids.extend(during);
    ids.push(rig.send().await);
    rig.assert_exactly_once(&ids, AFTER_FAULT).await;
    assert_eq!(
        rig.hub.exited(),
        None,
        "the hub process survived the restart"
    );
    assert_eq!(rig.hub.pid(), pid);
}

/// Every connection of the hub and the agents closed by the broker, twice, mid-stream:
/// everyone reconnects and nothing is lost or doubled.
async fn connections_dropped(node: &PrivateNode, pg: &PrivatePg) {
    let rig = Rig::start(node, pg, None).await;
    let stream = rig.stream(STREAM);
    let management = rig.env.services.management();
    // The hub's ingress consumer, its publisher and the relay; each agent's two.
    let mut users = vec![(rig.env.hub_settings.broker.user.clone(), 3)];
    users.extend(rig.agents().iter().map(|agent| (agent.id.to_string(), 2)));

    for (round, held) in [5, 15].into_iter().enumerate() {
        rig.flowing(&stream, held).await;
        for (user, at_least) in &users {
            // The management API lists new connections after a short statistics delay.
            eventually(
                &format!("{user}'s connections listed"),
                DEADLINE,
                || async {
                    let listed = management.get("connections").await.ok()?;
                    let count = listed
                        .as_array()?
                        .iter()
                        .filter(|c| c["user"] == user.as_str())
                        .count();
                    (count >= *at_least).then_some(())
                },
            )
            .await;
            // The broker answers 500 for a connection that closed while being closed.
            eventually(
                &format!("{user}'s connections closed"),
                DEADLINE,
                || async { management.close_connections_of(user).await.ok() },
            )
            .await;
        }
        // Everyone saw the drop: the hub's ingress session and each agent's ended again.
        eventually(
            "the hub and the agents to see the drop",
            DEADLINE,
            || async {
                let hub = rig.hub.log().matches("ingress session ended").count();
                let captured = e2e::logs::captured();
                let agents = rig.agents().iter().all(|agent| {
                    let mine = format!("agency={} ", agent.id);
                    captured
                        .lines()
                        .filter(|l| l.contains("broker session ended") && l.contains(&mine))
                        .count()
                        > round
                });
                (hub > round && agents).then_some(())
            },
        )
        .await;
    }

    let ids = stream.finish().await;
    rig.assert_exactly_once(&ids, AFTER_FAULT).await;
}

/// PostgreSQL stopped for 30 s mid-stream: the hub holds its batch unacknowledged and
/// retries, reports itself not ready, decides nothing meanwhile, and catches up once the
/// database is back.
async fn database_stopped(node: &PrivateNode, pg: &PrivatePg) {
    let mut rig = Rig::start(node, pg, None).await;
    let stream = rig.stream(STREAM);
    rig.flowing(&stream, 5).await;

    pg.stop().await;
    let outage = tokio::time::Instant::now();
    let during = [rig.send().await, rig.send().await];
    let readyz = format!("{}/readyz", rig.hub.http_url());
    eventually("the hub to report the database down", DEADLINE, || async {
        let response = reqwest::get(&readyz).await.ok()?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.ok()?;
        (status == reqwest::StatusCode::SERVICE_UNAVAILABLE
            && body["checks"]["database"] == "unavailable")
            .then_some(())
    })
    .await;
    // The outage itself: a fixed length, not a wait for an effect.
    tokio::time::sleep_until(outage + DATABASE_OUTAGE).await;
    let answered: BTreeSet<Uuid> = answers(&rig.prison)
        .await
        .into_iter()
        .map(|(to, _)| to)
        .collect();
    for id in &during {
        assert!(
            !answered.contains(&id.as_uuid()),
            "{id} answered with the database down"
        );
        let sent = rig.prison.store.sent(id).await.unwrap().expect("accepted");
        assert_eq!(
            sent.status,
            SendStatus::Sent,
            "{id} is on the broker, unanswered"
        );
    }
    assert_eq!(
        rig.hub.exited(),
        None,
        "the hub process outlived the outage"
    );
    pg.start().await;

    let mut ids = stream.finish().await;
    ids.extend(during);
    ids.push(rig.send().await);
    rig.assert_exactly_once(&ids, AFTER_FAULT).await;
    rig.hub.wait_ready().await;
}

/// Both failpoints at once, each in an env of its own on one node and one cluster (the
/// faults are the hub's; the broker and the database stay up).
#[tokio::test]
async fn a_hub_killed_at_either_failpoint_loses_and_doubles_nothing() {
    let (node, pg) = tokio::join!(PrivateNode::launch(), PrivatePg::launch());
    tokio::join!(
        killed_after_commit(&node, &pg),
        killed_after_confirm(&node, &pg)
    );
}

#[tokio::test]
async fn a_broker_crash_and_restart_mid_stream_loses_and_doubles_nothing() {
    let (node, pg) = tokio::join!(PrivateNode::launch(), PrivatePg::launch());
    broker_restarted(&node, &pg).await;
}

#[tokio::test]
async fn dropped_connections_mid_stream_lose_and_double_nothing() {
    let (node, pg) = tokio::join!(PrivateNode::launch(), PrivatePg::launch());
    connections_dropped(&node, &pg).await;
}

#[tokio::test]
async fn postgres_stopped_for_30_seconds_mid_stream_loses_and_doubles_nothing() {
    let (node, pg) = tokio::join!(PrivateNode::launch(), PrivatePg::launch());
    database_stopped(&node, &pg).await;
}
