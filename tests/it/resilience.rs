//! Nothing accepted is lost: through dropped connections and agent restarts.

use e2e::{DEADLINE, TestEnv, eventually};

#[tokio::test]
async fn messages_accepted_while_the_agent_is_down_go_out_when_it_restarts() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let mut prison = env.start_agent(&a.prison).await;
    prison.stop().await;

    let ids = [
        prison.send(&env.release_notice(&[&a.municipality])).await,
        prison.send(&env.release_notice(&[&a.municipality])).await,
    ];
    let queued = prison.store.sent(&ids[0]).await.unwrap().unwrap();
    assert_eq!(queued.status, agent::store::SendStatus::Queued);

    prison.restart(env.credentials(&a.prison));
    eventually("both messages delivered", DEADLINE, || async {
        (municipality.inbox().await.len() == 2).then_some(())
    })
    .await;
    for id in ids {
        eventually("the receipt applied", DEADLINE, || async {
            let sent = prison.store.sent(&id).await.unwrap().unwrap();
            (sent.status == agent::store::SendStatus::Delivered).then_some(())
        })
        .await;
    }
    hub.stop().await;
}

#[tokio::test]
async fn hub_and_agents_reconnect_after_their_connections_are_dropped() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    let first = prison.send(&env.release_notice(&[&a.municipality])).await;
    eventually("the first message", DEADLINE, || async {
        municipality
            .inbox()
            .await
            .iter()
            .any(|m| m.envelope.message_id == first)
            .then_some(())
    })
    .await;

    // The broker drops every connection of the hub and both agents.
    let management = env.services.management();
    let users = [
        env.hub_settings.broker.user.clone(),
        a.prison.to_string(),
        a.municipality.to_string(),
    ];
    for user in &users {
        // The management API lists new connections after a short statistics delay.
        eventually("the user's connections to be listed", DEADLINE, || async {
            let listed = management.get("connections").await.unwrap();
            let count = listed
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["user"] == user.as_str())
                .count();
            (count >= 2).then_some(())
        })
        .await;
        let closed = management.close_connections_of(user).await.unwrap();
        assert!(closed >= 2, "{user} had {closed} connections");
    }

    let second = prison.send(&env.release_notice(&[&a.municipality])).await;
    eventually("the message sent after the drop", DEADLINE, || async {
        municipality
            .inbox()
            .await
            .iter()
            .any(|m| m.envelope.message_id == second)
            .then_some(())
    })
    .await;
    assert_eq!(municipality.inbox().await.len(), 2);
    hub.stop().await;
}
