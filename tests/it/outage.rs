//! Outages: a broker that goes down and comes back, an agent that restarts, a delivery that
//! arrives twice. Nothing accepted is lost and nothing is shown twice.
//!
//! Only the tests that stop or crash a broker run one, a [`PrivateNode`] of their own; the
//! others use the shared broker, which never goes down.

use std::time::Duration;

use agent::store::SendStatus;
use e2e::private_node::PrivateNode;
use e2e::{AgentHandle, DEADLINE, TestEnv, consent_granted, eventually};
use schemas::MessageId;

/// Reconnecting backs off up to 10 s between attempts, so allow for one full wait after the
/// broker is back.
const AFTER_OUTAGE: Duration = Duration::from_secs(30);

async fn status(agent: &AgentHandle, id: &MessageId) -> SendStatus {
    agent
        .store
        .sent(id)
        .await
        .unwrap()
        .expect("in the outbox")
        .status
}

async fn wait_for_status(agent: &AgentHandle, id: &MessageId, want: SendStatus, within: Duration) {
    eventually(&format!("{id} to be {want}"), within, || async {
        (status(agent, id).await == want).then_some(())
    })
    .await;
}

/// How many times `id` is in the agent's inbox.
async fn held(agent: &AgentHandle, id: &MessageId) -> usize {
    agent
        .inbox()
        .await
        .iter()
        .filter(|m| &m.envelope.message_id == id)
        .count()
}

async fn wait_until_held(agent: &AgentHandle, id: &MessageId, within: Duration) {
    eventually(&format!("{id} in {}'s inbox", agent.id), within, || async {
        (held(agent, id).await > 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn messages_accepted_while_the_broker_is_down_are_sent_when_it_is_back() {
    let node = PrivateNode::launch().await;
    let env = TestEnv::on_private_node(&node).await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;

    // Everyone is connected before the outage: a first message makes the round trip.
    let before = prison.send(&env.release_notice(&[&a.municipality])).await;
    wait_for_status(&prison, &before, SendStatus::Delivered, DEADLINE).await;

    node.stop().await;
    let during = [
        prison.send(&env.release_notice(&[&a.municipality])).await,
        prison.send(&env.release_notice(&[&a.municipality])).await,
    ];
    for id in &during {
        assert_eq!(status(&prison, id).await, SendStatus::Queued);
    }

    // The same node comes back on the same data; the hub and both agents reconnect by
    // themselves.
    node.start().await;
    for id in &during {
        wait_until_held(&municipality, id, AFTER_OUTAGE).await;
        wait_for_status(&prison, id, SendStatus::Delivered, AFTER_OUTAGE).await;
    }
    for id in during.iter().chain([&before]) {
        assert_eq!(held(&municipality, id).await, 1);
    }
    hub.stop().await;
}

#[tokio::test]
async fn what_the_broker_confirmed_survives_a_broker_crash() {
    let node = PrivateNode::launch().await;
    let env = TestEnv::on_private_node(&node).await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let mut municipality = env.start_agent(&a.municipality).await;

    // The hub delivers into the municipality's inbox queue while its agent is stopped, and
    // records each delivery as published once the broker has confirmed it.
    municipality.stop().await;
    let waiting = [
        prison.send(&env.release_notice(&[&a.municipality])).await,
        prison.send(&env.release_notice(&[&a.municipality])).await,
    ];
    let ids: Vec<uuid::Uuid> = waiting.iter().map(MessageId::as_uuid).collect();
    eventually(
        "the broker to confirm both deliveries",
        DEADLINE,
        || async {
            let confirmed: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM outbox
             WHERE recipient = $1 AND message_id = ANY($2) AND published_at IS NOT NULL",
            )
            .bind(a.municipality.as_str())
            .bind(&ids)
            .fetch_one(&env.pool)
            .await
            .unwrap();
            (confirmed == 2).then_some(())
        },
    )
    .await;

    node.kill().await;
    node.start().await;
    municipality.restart(env.credentials(&a.municipality));
    for id in &waiting {
        wait_until_held(&municipality, id, AFTER_OUTAGE).await;
    }
    hub.stop().await;
}

#[tokio::test]
async fn an_agent_restart_loses_nothing() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let mut municipality = env.start_agent(&a.municipality).await;

    // The municipality's agent stops; a consent record waits in its outbox.
    municipality.stop().await;
    let consent = consent_granted(&env, "ps-7e1d3c5b9a2f4e60", uuid::Uuid::new_v4(), 1);
    let queued = municipality.send(&consent).await;
    assert_eq!(status(&municipality, &queued).await, SendStatus::Queued);
    municipality.store.close().await;
    drop(municipality);

    // Meanwhile messages arrive for it: the hub has delivered them into its inbox queue.
    let arrived = [
        prison.send(&env.release_notice(&[&a.municipality])).await,
        prison.send(&env.release_notice(&[&a.municipality])).await,
    ];
    for id in &arrived {
        wait_for_status(&prison, id, SendStatus::Delivered, DEADLINE).await;
    }

    // A new agent process on the same data directory, as after a restart of the service.
    let municipality = env.start_agent(&a.municipality).await;
    for id in &arrived {
        wait_until_held(&municipality, id, DEADLINE).await;
    }
    wait_for_status(&municipality, &queued, SendStatus::Delivered, DEADLINE).await;
    hub.stop().await;
}

#[tokio::test]
async fn a_message_delivered_twice_is_shown_once() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;

    let first = prison.send(&env.release_notice(&[&a.municipality])).await;
    wait_until_held(&municipality, &first, DEADLINE).await;

    // The agent can hold the message before the hub has recorded the broker's confirm; wait
    // for that record, or resetting it below would race with it.
    eventually("the hub to record the publish", DEADLINE, || async {
        let published: bool = sqlx::query_scalar(
            "SELECT published_at IS NOT NULL FROM outbox WHERE message_id = $1 AND recipient = $2",
        )
        .bind(first.as_uuid())
        .bind(a.municipality.as_str())
        .fetch_one(&env.pool)
        .await
        .unwrap();
        published.then_some(())
    })
    .await;

    // The hub's relay publishes the same outbox row again, as after a crash between the
    // broker's confirm and recording it.
    let (row, attempts): (uuid::Uuid, i32) = sqlx::query_as(
        "UPDATE outbox SET published_at = NULL, next_attempt_at = now()
         WHERE message_id = $1 AND recipient = $2 RETURNING id, attempts",
    )
    .bind(first.as_uuid())
    .bind(a.municipality.as_str())
    .fetch_one(&env.pool)
    .await
    .unwrap();
    // Published with confirms to a mandatory route: the copy is in the inbox queue.
    eventually("the relay to publish the row again", DEADLINE, || async {
        let republished: bool = sqlx::query_scalar(
            "SELECT published_at IS NOT NULL AND attempts > $2 FROM outbox WHERE id = $1",
        )
        .bind(row)
        .bind(attempts)
        .fetch_one(&env.pool)
        .await
        .unwrap();
        republished.then_some(())
    })
    .await;

    // The inbox queue is first in, first out and the agent takes it in order: once a later
    // message is in, the copy has been received too.
    let later = prison.send(&env.release_notice(&[&a.municipality])).await;
    wait_until_held(&municipality, &later, DEADLINE).await;
    assert_eq!(held(&municipality, &first).await, 1);
    assert_eq!(municipality.inbox().await.len(), 2);
    hub.stop().await;
}
