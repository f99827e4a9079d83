//! Retention (issue 19, part 5): past the configured periods the hub deletes forwarded bodies
//! and dead letters, and the agent the messages opened long ago, while the message records,
//! the disclosure log, the audit log and the access log keep what the law needs; the register
//! of processing states the periods.

use chrono::{Duration, Utc};
use e2e::{DEADLINE, TestEnv, draft, eventually, refusal};
use lapin::BasicProperties;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use schemas::MessageType;

async fn count(env: &TestEnv, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&env.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn past_their_periods_bodies_and_dead_letters_go_and_the_records_the_law_needs_stay() {
    let mut env = TestEnv::new().await;
    env.hub_settings.hub.delivered_bodies_days = Some(30);
    env.hub_settings.hub.dead_letters_days = Some(90);
    let a = env.agencies.clone();
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;

    // A delivered release notice, and input the hub refuses and keeps for inspection.
    let sent = prison
        .send(&draft(
            "ReleaseNotice",
            &a.prison,
            &[&a.municipality],
            "KBH-2026-9001",
            "ps-00000000000000a1",
        ))
        .await;
    assert_eq!(refusal(&prison.answer_to(sent).await), None);
    municipality.received(MessageType::ReleaseNotice).await;
    let connection = env.connect_as(&a.prison).await;
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    channel
        .basic_publish(
            broker::topology::submit_exchange(&a.prison).as_str().into(),
            "".into(),
            BasicPublishOptions::default(),
            b"not a message",
            BasicProperties::default().with_user_id(a.prison.as_str().into()),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    eventually("the refused input kept", DEADLINE, || async {
        (count(&env, "SELECT count(*) FROM dead_letters").await == 1).then_some(())
    })
    .await;
    eventually("everything published", DEADLINE, || async {
        (count(
            &env,
            "SELECT count(*) FROM outbox WHERE published_at IS NULL",
        )
        .await
            == 0)
            .then_some(())
    })
    .await;
    let records = [
        "SELECT count(*) FROM messages",
        "SELECT count(*) FROM decisions",
        "SELECT count(*) FROM audit_log",
    ];
    let mut before = Vec::new();
    for sql in records {
        before.push(count(&env, sql).await);
    }
    let bodies = count(&env, "SELECT count(*) FROM outbox").await;
    assert!(bodies >= 2, "a delivery and a receipt at least: {bodies}");

    // Within the periods nothing goes; past them the bodies and the dead letter go.
    let settings = &env.hub_settings.hub;
    let within = hub::retention::purge(&env.pool, settings, Utc::now() + Duration::days(29))
        .await
        .unwrap();
    assert_eq!(within, hub::retention::Purged::default());
    let past = hub::retention::purge(&env.pool, settings, Utc::now() + Duration::days(91))
        .await
        .unwrap();
    assert_eq!(past.dead_letters, 1);
    assert_eq!(past.bodies as i64, bodies);
    assert_eq!(count(&env, "SELECT count(*) FROM outbox").await, 0);
    let mut after = Vec::new();
    for sql in records {
        after.push(count(&env, sql).await);
    }
    assert_eq!(
        after, before,
        "message records, disclosure log and audit log stay"
    );
    assert!(matches!(
        hub::db::verify_audit(&env.pool).await.unwrap(),
        hub::db::AuditCheck::Intact { .. }
    ));

    // The register of processing states the periods.
    let base = hub.http_url().await;
    let register = broker::http_client()
        .build()
        .unwrap()
        .get(format!("{base}/register.md"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        register.contains("deleted from the hub 30 days after delivery"),
        "{register}"
    );
    assert!(register.contains("Deleted 90 days after the input arrived."));

    hub.stop().await;
}

#[tokio::test]
async fn an_agent_deletes_messages_opened_longer_ago_than_its_period_and_its_access_log_stays() {
    let env = TestEnv::new().await;
    let a = env.agencies.clone();
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let mut municipality = env.start_agent(&a.municipality).await;
    let sent = prison
        .send(&draft(
            "ReleaseNotice",
            &a.prison,
            &[&a.municipality],
            "KBH-2026-9002",
            "ps-00000000000000a2",
        ))
        .await;
    assert_eq!(refusal(&prison.answer_to(sent).await), None);
    let received = municipality.received(MessageType::ReleaseNotice).await;
    let id = received.envelope.message_id.to_string();
    municipality
        .store
        .open_message(&id, None, Utc::now() - Duration::days(40))
        .await
        .unwrap()
        .unwrap();
    agent::access_log::opened(
        &municipality.store,
        &agent::access_log::Actor::page("mette.holm"),
        &received,
        None,
        None,
    )
    .await
    .unwrap();
    let unopened_before = municipality.inbox().await.len() - 1;

    // The agent restarts with a period of 30 days: the message opened 40 days ago goes at
    // once, those never opened stay, and the access log still verifies with its entry.
    municipality.stop().await;
    let (mut settings, store) = env.agent_store(&a.municipality).await;
    settings.agent.opened_messages_days = Some(30);
    let running = agent::service::start(settings, env.credentials(&a.municipality), store.clone());
    eventually("the old opened message deleted", DEADLINE, || async {
        store
            .inbox_message(&id, None)
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    assert_eq!(store.inbox(1000).await.unwrap().len(), unopened_before);
    assert_eq!(agent::access_log::verify(&store).await.unwrap().unwrap(), 1);
    running.stop().await;
    hub.stop().await;
}
