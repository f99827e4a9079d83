//! Key announcements: limited per agency, and answered with directory changes rather than
//! the whole directory to every agency (which grew with the square of the keys).

use agent::store::SendStatus;
use e2e::{AgentHandle, DEADLINE, TestEnv, eventually, example};
use schemas::Body;
use serde_json::json;

/// One agency announces many keys: the excess is refused, every other agency gets only the
/// key that changed (what the hub sends grows linearly), and every running agent still
/// holds each agency's current key.
#[tokio::test]
async fn key_announcements_are_limited_and_sent_as_changes() {
    const ANNOUNCEMENTS: usize = 30;
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let mut agents: Vec<AgentHandle> = Vec::new();
    for id in [&a.police, &a.prison, &a.municipality, &a.employment] {
        agents.push(env.start_agent(id).await);
    }
    for agent in &agents {
        agent.key_announced().await;
    }
    let police = &agents[0];
    let limit: i64 = env.hub_settings.hub.key_announcements_per_hour.into();
    let before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM key_announcements WHERE agency = $1")
            .bind(a.police.as_str())
            .fetch_one(&env.pool)
            .await
            .unwrap();
    let since: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "SELECT max(created_at) FROM outbox WHERE message_type = 'KeyDirectory'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();

    let mut refused = 0;
    for _ in 0..ANNOUNCEMENTS {
        let key = seal::generate();
        let mut m = example("KeyPublished");
        m["envelope"]["sender"] = json!(a.police);
        m["envelope"]["message_id"] = json!(schemas::MessageId::new());
        m["body"]["key_id"] = json!(key.key_id);
        m["body"]["public_key"] = json!(key.public_key);
        // The answer to a key announcement marks the outbox row; it is not an inbox message.
        let id = police.send(&m).await.to_string();
        let answer = eventually("the hub's answer", DEADLINE, || async {
            let outbox = police.store.outbox(100).await.unwrap();
            outbox.into_iter().find(|s| {
                s.message_id == id && s.status != SendStatus::Queued && s.status != SendStatus::Sent
            })
        })
        .await;
        match (answer.status, answer.answer_reason.as_deref()) {
            (SendStatus::Delivered, _) => {}
            (SendStatus::Refused, Some("RATE_LIMITED")) => refused += 1,
            other => panic!("answered {other:?}"),
        }
    }
    let accepted = ANNOUNCEMENTS as i64 - refused;
    assert_eq!(
        accepted,
        limit - before,
        "announcements beyond {limit} an hour are refused"
    );

    // Per accepted announcement: the whole directory to the announcer, one change with the
    // one key to each other agency.
    let agencies = a.ids().len() as i64;
    let payloads = directory_rows(&env, since).await;
    assert_eq!(payloads.len() as i64, accepted * agencies);
    let mut changes = 0;
    for (recipient, payload) in &payloads {
        let Body::KeyDirectory(d) = schemas::decode(payload).unwrap().body else {
            unreachable!()
        };
        if recipient == a.police.as_str() {
            assert!(!d.is_change(), "the announcer gets the whole directory");
        } else {
            assert!(d.is_change(), "{recipient} gets a change");
            assert_eq!(d.keys.len(), 1, "a change carries the key that changed");
            assert!(
                payload.len() < 2048,
                "a change stays small: {}",
                payload.len()
            );
            changes += 1;
        }
    }
    assert_eq!(changes, accepted * (agencies - 1));

    // Every running agent holds every agency's current key, as the hub has it.
    let current: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT ON (agency) agency, key_id FROM sealing_keys ORDER BY agency, seq DESC",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    for agent in &agents {
        eventually("the agent's directory up to date", DEADLINE, || async {
            let held = agent.store.directory_keys().await.unwrap();
            current
                .iter()
                .all(|(agency, key_id)| {
                    held.iter().any(|k| {
                        k.agency.as_str() == agency && k.key_id.as_str() == key_id && k.current
                    }) && held
                        .iter()
                        .filter(|k| k.agency.as_str() == agency && k.current)
                        .count()
                        == 1
                })
                .then_some(())
        })
        .await;
    }
    hub.stop().await;
}

/// The key directories the hub queued after `since`: (recipient, payload).
async fn directory_rows(
    env: &TestEnv,
    since: chrono::DateTime<chrono::Utc>,
) -> Vec<(String, Vec<u8>)> {
    sqlx::query_as(
        "SELECT recipient, payload FROM outbox
         WHERE message_type = 'KeyDirectory' AND created_at > $1",
    )
    .bind(since)
    .fetch_all(&env.pool)
    .await
    .unwrap()
}
