//! A three-node RabbitMQ cluster (`deploy/cluster.sh`): a node stopped under load loses
//! nothing, and two hubs share the work without delivering anything twice.
//!
//! Both tests share one cluster ([`Cluster::shared`]), each with its own vhost, users and
//! database; they run side by side until one stops a node, which waits until it has the
//! cluster to itself.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use agent::store::SendStatus;
use e2e::cluster::{Cluster, NODES, sample};
use e2e::{AgentHandle, DEADLINE, HubHandle, TestEnv, eventually};
use schemas::{AgencyId, Body, MessageId, ReasonCode};

/// Reconnecting backs off up to 10 s, and a quorum queue elects a new leader when its leader
/// goes: allow for both, on a machine busy with three nodes.
const AFTER_FAILOVER: Duration = Duration::from_secs(90);

/// The policy `hub provision` applies to the ingress and every inbox: safe dead-lettering.
fn assert_dead_letter_policy(queue: &serde_json::Value) {
    let name = &queue["name"];
    let policy = &queue["effective_policy_definition"];
    assert_eq!(
        policy["dead-letter-strategy"], "at-least-once",
        "{name}: {policy}"
    );
    assert_eq!(policy["overflow"], "reject-publish", "{name}: {policy}");
    assert_eq!(
        policy["dead-letter-exchange"], "hub.dlx",
        "{name}: {policy}"
    );
    assert_eq!(
        policy["delivery-limit"],
        broker::topology::DELIVERY_LIMIT,
        "{name}: {policy}"
    );
}

/// The nodes a quorum queue has members on, and those that are online.
fn members(queue: &serde_json::Value, field: &str) -> BTreeSet<String> {
    queue[field]
        .as_array()
        .unwrap_or_else(|| panic!("{} has no {field}: {queue}", queue["name"]))
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect()
}

/// The queues of a test: the ingress, the broker's dead letters, and every agency's inbox.
/// The agencies these tests run: the prison and the four it sends to.
fn in_play(a: &e2e::Agencies) -> [&AgencyId; 5] {
    [
        &a.prison,
        &a.municipality,
        &a.destination,
        &a.police,
        &a.employment,
    ]
}

fn queues(env: &TestEnv, agencies: &[&AgencyId]) -> Vec<String> {
    let mut all = vec![
        broker::topology::INGRESS_QUEUE.to_owned(),
        broker::topology::DEAD_LETTER_QUEUE.to_owned(),
    ];
    all.extend(agencies.iter().map(|a| env.inbox(a)));
    all
}

/// Every queue has a replica on each of the three nodes and the hub's dead-letter policy.
async fn assert_replicated(cluster: &Cluster, env: &TestEnv, agencies: &[&AgencyId]) {
    let everywhere: BTreeSet<String> = (1..=NODES).map(|n| cluster.node_name(n)).collect();
    for name in queues(env, agencies) {
        // The effective policy shows once the queue's statistics were first emitted.
        let queue = eventually(&format!("{name}'s statistics"), DEADLINE, || async {
            let queue = cluster.queue(&env.vhost, &name).await;
            queue
                .get("effective_policy_definition")
                .is_some()
                .then_some(queue)
        })
        .await;
        assert_eq!(queue["type"], "quorum", "{name}");
        assert_eq!(members(&queue, "members"), everywhere, "{name}'s replicas");
        if name != broker::topology::DEAD_LETTER_QUEUE {
            assert_dead_letter_policy(&queue);
        }
    }
}

/// Waits until every queue of the env is empty: nothing ready (read by passive declare, which
/// the queue's leader answers) and nothing unacknowledged (from the management API, whose
/// figures lag by a statistics interval and can be missing for a while after a node's
/// restart). On a timeout the last readings are shown.
async fn assert_drained(cluster: &Cluster, env: &TestEnv, agencies: &[&AgencyId]) {
    let names = queues(env, agencies);
    let credentials = broker::Credentials {
        user: env.hub_settings.broker.user.clone(),
        password: env.hub_settings.broker.password.expose().to_owned(),
    };
    let depths = broker::depth::QueueDepths::new("test drain check");
    let deadline = tokio::time::Instant::now() + AFTER_FAILOVER;
    loop {
        let ready = depths
            .read(&env.cluster_endpoint(), &credentials, &names, DEADLINE)
            .await;
        let mut readings = Vec::new();
        for (name, ready) in names.iter().zip(ready) {
            let queue = cluster.queue(&env.vhost, name).await;
            let unacknowledged = &queue["messages_unacknowledged"];
            let drained =
                matches!(ready, Ok(0)) && (unacknowledged == 0 || unacknowledged.is_null());
            if !drained {
                readings.push(format!(
                    "{name}: ready {ready:?}, unacknowledged {unacknowledged}, leader {}, online {}",
                    queue["leader"], queue["online"]
                ));
            }
        }
        if readings.is_empty() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "queues did not drain within {AFTER_FAILOVER:?}: {readings:#?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The ids of the messages of one type in an agent's inbox, with how often each is there.
async fn held(agent: &AgentHandle, message_type: &str) -> BTreeMap<MessageId, usize> {
    let mut counts = BTreeMap::new();
    for m in agent.inbox().await {
        if m.envelope.message_type.as_str() == message_type {
            *counts.entry(m.envelope.message_id).or_default() += 1;
        }
    }
    counts
}

/// Waits until the hub has answered every message `sender` sent (a receipt applied). When it
/// does not, says where the unanswered ones stand: still in the agent's outbox, confirmed by
/// the broker, or recorded by the hub with deliveries not yet published.
async fn wait_answered(env: &TestEnv, sender: &AgentHandle, ids: &[MessageId], within: Duration) {
    let want: BTreeSet<String> = ids.iter().map(ToString::to_string).collect();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let outbox = sender.store.outbox(10_000).await.unwrap();
        let waiting: Vec<_> = outbox
            .iter()
            .filter(|m| want.contains(&m.message_id))
            .filter(|m| matches!(m.status, SendStatus::Queued | SendStatus::Sent))
            .collect();
        if waiting.is_empty() {
            return;
        }
        if tokio::time::Instant::now() >= deadline {
            let queued = waiting
                .iter()
                .filter(|m| m.status == SendStatus::Queued)
                .count();
            let uuids: Vec<uuid::Uuid> = waiting
                .iter()
                .map(|m| m.message_id.parse().unwrap())
                .collect();
            let recorded: i64 =
                sqlx::query_scalar("SELECT count(*) FROM messages WHERE message_id = ANY($1)")
                    .bind(&uuids)
                    .fetch_one(&env.pool)
                    .await
                    .unwrap();
            let unpublished: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL AND cancelled_at IS NULL",
            )
            .fetch_one(&env.pool)
            .await
            .unwrap();
            panic!(
                "after {within:?}, {} of {} messages are unanswered: {queued} still queued at \
                 the agent, {} confirmed by the broker; the hub recorded {recorded} of them; \
                 {unpublished} outbox rows unpublished",
                waiting.len(),
                want.len(),
                waiting.len() - queued,
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What every message of the stream must have become: a release notice from the prison to
/// two municipalities (allowed by statute), the police (not a recipient of release notices)
/// and the employment service (no gateway without consent). Each municipality holds each id
/// once, the police and the employment service hold nothing, the prison holds one receipt per
/// message saying so, the hub recorded each message
/// once with one outbox row per allowed recipient, all published, and one audit entry each.
async fn assert_each_delivered_once(
    env: &TestEnv,
    ids: &[MessageId],
    audited_before: u64,
    [prison, municipality, destination, police, employment]: [&AgentHandle; 5],
) {
    let a = &env.agencies;
    let want: BTreeMap<MessageId, usize> = ids.iter().map(|id| (*id, 1)).collect();
    assert_eq!(want.len(), ids.len(), "the stream's ids are distinct");
    let mut receipts = BTreeMap::new();
    for m in prison.inbox().await {
        let Body::Receipt(r) = &m.body else {
            panic!("the prison received something other than a receipt: {m:?}")
        };
        let delivered: BTreeSet<&AgencyId> = r.delivered_to.iter().collect();
        assert_eq!(
            delivered,
            BTreeSet::from([&a.municipality, &a.destination]),
            "{r:?}"
        );
        let refused: BTreeSet<(&AgencyId, ReasonCode)> =
            r.refused.iter().map(|r| (&r.recipient, r.reason)).collect();
        assert_eq!(
            refused,
            BTreeSet::from([
                (&a.police, ReasonCode::NotPermittedForRole),
                (&a.employment, ReasonCode::NoGateway),
            ]),
            "{r:?}"
        );
        *receipts
            .entry(MessageId::try_from(r.in_reply_to).expect("a message id"))
            .or_insert(0usize) += 1;
    }
    assert_eq!(receipts, want, "one receipt per message at the prison");
    for recipient in [municipality, destination] {
        // Deliveries travel through other queues, to other consumers, than the receipts: a
        // recipient whose connection was on the stopped node may still be taking them.
        let _ = tokio::time::timeout(AFTER_FAILOVER, async {
            loop {
                let got = held(recipient, "ReleaseNotice").await;
                if want.keys().all(|id| got.contains_key(id)) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
        .await;
        let got = held(recipient, "ReleaseNotice").await;
        let missing = want.keys().filter(|id| !got.contains_key(id)).count();
        let twice = got.values().filter(|&&n| n > 1).count();
        let foreign = got.keys().filter(|id| !want.contains_key(id)).count();
        assert_eq!(
            (missing, twice, foreign),
            (0, 0, 0),
            "{}: of {} messages, missing, held twice, not sent",
            recipient.id,
            ids.len()
        );
        assert_eq!(got, want, "{}", recipient.id);
    }
    for refused in [police, employment] {
        let inbox = refused.inbox().await;
        assert!(inbox.is_empty(), "{} received {inbox:?}", refused.id);
    }

    let uuids: Vec<uuid::Uuid> = ids.iter().map(MessageId::as_uuid).collect();
    let recorded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM messages WHERE message_id = ANY($1)")
            .bind(&uuids)
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(recorded, ids.len() as i64, "messages the hub recorded");
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT recipient, count(*), count(published_at) FROM outbox
         WHERE message_id = ANY($1) GROUP BY recipient ORDER BY recipient",
    )
    .bind(&uuids)
    .fetch_all(&env.pool)
    .await
    .unwrap();
    let n = ids.len() as i64;
    let mut expected = vec![
        (a.municipality.to_string(), n, n),
        (a.destination.to_string(), n, n),
    ];
    expected.sort();
    assert_eq!(rows, expected, "outbox rows per recipient: all, published");
    let pending: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE published_at IS NULL AND cancelled_at IS NULL",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(pending, 0, "the outbox drained");
    let dead: i64 = sqlx::query_scalar("SELECT count(*) FROM dead_letters")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(dead, 0, "dead letters");
    assert_eq!(
        hub::db::verify_audit(&env.pool).await.unwrap(),
        hub::db::AuditCheck::Intact {
            entries: audited_before + ids.len() as u64
        },
        "one audit entry per message, chain intact"
    );
}

/// Transport-level duplicates an agent dropped (deliveries of a message it already held).
/// Key directories are left out: the hub sends every agency one per new key, and with two
/// hubs an older one can arrive after a newer one, which the agent counts as already held.
fn duplicates_dropped(metrics: &agent::metrics::Metrics) -> u64 {
    let text = metrics.encode(&agent::metrics::Snapshot::default());
    text.lines()
        .filter(|l| l.starts_with("agent_duplicates_dropped_total{"))
        .filter(|l| !l.contains("message_type=\"KeyDirectory\""))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .map(|n| n as u64)
        .sum()
}

fn hub_count(hub: &HubHandle, series: &str) -> f64 {
    let text = hub
        .shared
        .metrics
        .encode(&hub::metrics::Snapshot::default());
    sample(&text, series)
}

#[tokio::test]
async fn a_node_stopped_under_load_loses_nothing_and_delivers_each_message_once() {
    let started = std::time::Instant::now();
    let cluster = Cluster::shared().await;
    let stable = cluster.stable().await;
    let env = TestEnv::on_cluster(&cluster, &[]).await;
    let a = &env.agencies;
    assert_replicated(&cluster, &env, &in_play(a)).await;
    let hub = env.start_hub().await;
    let (prison, _) = env.start_counted_agent(&a.prison).await;
    let (municipality, municipality_metrics) = env.start_counted_agent(&a.municipality).await;
    let (destination, destination_metrics) = env.start_counted_agent(&a.destination).await;
    let (police, _) = env.start_counted_agent(&a.police).await;
    let (employment, _) = env.start_counted_agent(&a.employment).await;
    for agent in [&prison, &municipality, &destination, &police, &employment] {
        agent.key_announced().await;
    }
    let audited = env.audit_entries().await;

    // The node leading the ingress goes (every queue's leader starts on node 1, through which
    // provisioning declared them), and with it every connection on it: connections spread
    // over the nodes, so some of the hub's and the agents' are there.
    let ingress = cluster
        .queue(&env.vhost, broker::topology::INGRESS_QUEUE)
        .await;
    let leader = ingress["leader"]
        .as_str()
        .and_then(|name| cluster.node_number(name))
        .unwrap_or_else(|| panic!("the ingress has no leader: {ingress}"));
    let hub_node = cluster
        .node_of_connection(&env.hub_settings.broker.user, "hub ingress")
        .await;
    let on_leader: Vec<String> = cluster
        .connections()
        .await
        .into_iter()
        .filter(|c| c.node == leader)
        .map(|c| c.name)
        .collect();
    tracing::info!(
        leader = %cluster.node_name(leader),
        hub_ingress_on = %cluster.node_name(hub_node),
        ?on_leader,
        "stopping the ingress leader's node"
    );

    // The prison's agent sends a steady stream, before, during and after the stop.
    let sent = Mutex::new(Vec::<MessageId>::new());
    let done = AtomicBool::new(false);
    let stream = async {
        let mut pace = tokio::time::interval(Duration::from_millis(100));
        while !done.load(Ordering::SeqCst) {
            pace.tick().await;
            let draft =
                env.release_notice(&[&a.municipality, &a.destination, &a.police, &a.employment]);
            let id = prison.send(&draft).await;
            sent.lock().unwrap().push(id);
        }
    };
    let disruption = async {
        eventually(
            "ten messages through before the stop",
            AFTER_FAILOVER,
            || async { (held(&municipality, "ReleaseNotice").await.len() >= 10).then_some(()) },
        )
        .await;
        // No other test may see the node go: wait until this one has the cluster to itself.
        drop(stable);
        let exclusive = cluster.exclusive().await;
        cluster.stop_node(leader).await;
        let at_stop = sent.lock().unwrap().len();
        eventually(
            "twenty messages accepted after the stop",
            AFTER_FAILOVER,
            || async { (sent.lock().unwrap().len() >= at_stop + 20).then_some(()) },
        )
        .await;
        done.store(true, Ordering::SeqCst);
        exclusive
    };
    let ((), _exclusive) = tokio::join!(stream, disruption);
    let ids = sent.into_inner().unwrap();

    // Everything is answered while the node is still down; then it comes back and rejoins
    // while the rest is checked.
    wait_answered(&env, &prison, &ids, AFTER_FAILOVER).await;
    let checks = async {
        assert_each_delivered_once(
            &env,
            &ids,
            audited,
            [&prison, &municipality, &destination, &police, &employment],
        )
        .await;
        assert_drained(&cluster, &env, &in_play(a)).await;
    };
    tokio::join!(cluster.start_node(leader), checks);
    let redelivered =
        duplicates_dropped(&municipality_metrics) + duplicates_dropped(&destination_metrics);
    tracing::info!(
        messages = ids.len(),
        redelivered_and_dropped = redelivered,
        elapsed = ?started.elapsed(),
        "nothing lost across the node stop"
    );

    // Its replicas are back with it.
    let everywhere: BTreeSet<String> = (1..=NODES).map(|n| cluster.node_name(n)).collect();
    eventually(
        "the ingress replicas online again",
        AFTER_FAILOVER,
        || async {
            let queue = cluster
                .queue(&env.vhost, broker::topology::INGRESS_QUEUE)
                .await;
            (members(&queue, "online") == everywhere).then_some(())
        },
    )
    .await;
    hub.stop().await;
}

#[tokio::test]
async fn two_hubs_on_the_cluster_share_the_work_and_deliver_each_message_once() {
    let cluster = Cluster::shared().await;
    let _stable = cluster.stable().await;
    // The relay waits as long as in production before retrying a row the fast path claimed,
    // so a slow confirm is not published a second time by design of at-least-once.
    let mut env = TestEnv::on_cluster(&cluster, &[("hub.outbox_claim_seconds", "30")]).await;
    let tls = env.use_cluster_tls(&cluster);
    let a = env.agencies.clone();
    let first = env.start_hub().await;
    let second = env.start_hub().await;
    let (prison, prison_metrics) = env.start_counted_agent(&a.prison).await;
    let (municipality, municipality_metrics) = env.start_counted_agent(&a.municipality).await;
    let (destination, destination_metrics) = env.start_counted_agent(&a.destination).await;
    let (police, police_metrics) = env.start_counted_agent(&a.police).await;
    let (employment, employment_metrics) = env.start_counted_agent(&a.employment).await;
    for agent in [&prison, &municipality, &destination, &police, &employment] {
        agent.key_announced().await;
    }
    let audited = env.audit_entries().await;
    let user = env.hub_settings.broker.user.clone();
    tracing::info!(tls, "two hubs consuming");

    let in_series = "hub_messages_in_total{message_type=\"ReleaseNotice\"}";
    let out_series = "hub_messages_out_total{message_type=\"ReleaseNotice\"}";
    let receipts_series = "hub_messages_out_total{message_type=\"Receipt\"}";
    let receipts_before = hub_count(&first, receipts_series) + hub_count(&second, receipts_series);
    let mut ids = Vec::new();
    let mut pace = tokio::time::interval(Duration::from_millis(50));
    for _ in 0..60 {
        pace.tick().await;
        ids.push(
            prison
                .send(&env.release_notice(&[
                    &a.municipality,
                    &a.destination,
                    &a.police,
                    &a.employment,
                ]))
                .await,
        );
    }
    wait_answered(&env, &prison, &ids, AFTER_FAILOVER).await;
    assert_each_delivered_once(
        &env,
        &ids,
        audited,
        [&prison, &municipality, &destination, &police, &employment],
    )
    .await;

    // Both hubs decided some; together each message exactly once, and each delivery and
    // receipt was published once (a second publish would count twice here).
    let decided = [hub_count(&first, in_series), hub_count(&second, in_series)];
    tracing::info!(?decided, "release notices decided per hub");
    assert!(
        decided.iter().all(|&n| n > 0.0),
        "both hubs took work: {decided:?}"
    );
    assert_eq!(decided[0] + decided[1], ids.len() as f64);
    let published = hub_count(&first, out_series) + hub_count(&second, out_series);
    assert_eq!(published, 2.0 * ids.len() as f64, "deliveries published");
    let receipts = hub_count(&first, receipts_series) + hub_count(&second, receipts_series);
    assert_eq!(
        receipts - receipts_before,
        ids.len() as f64,
        "receipts published"
    );
    // No agent was handed a message it already held.
    for (agency, metrics) in [
        (&a.prison, &prison_metrics),
        (&a.municipality, &municipality_metrics),
        (&a.destination, &destination_metrics),
        (&a.police, &police_metrics),
        (&a.employment, &employment_metrics),
    ] {
        assert_eq!(
            duplicates_dropped(metrics),
            0,
            "{agency} dropped duplicates"
        );
    }
    assert_drained(&cluster, &env, &in_play(&a)).await;
    // The hubs' connections spread over the nodes; with the development CA every client
    // connection of this test is AMQPS with a client certificate.
    let connections = cluster.connections().await;
    let hub_nodes: BTreeSet<String> = connections
        .iter()
        .filter(|c| c.user == user)
        .map(|c| cluster.node_name(c.node))
        .collect();
    tracing::info!(?hub_nodes, "nodes the hubs' connections are on");
    // This env's users: `t<suffix>-hub` and `t<suffix>-<agency>`.
    let env_prefix = user.trim_end_matches("hub");
    let ours: Vec<_> = connections
        .iter()
        .filter(|c| c.user.starts_with(env_prefix))
        .collect();
    assert!(!ours.is_empty(), "the connections are listed");
    assert!(ours.iter().all(|c| c.tls == tls), "{ours:?}");
    first.stop().await;
    second.stop().await;
}
