//! One message can fail only itself, and ids are scoped by their broker-authenticated
//! sender (issue 14, findings 0, 3 and 5): a forwarded copy of another agency's message is
//! refused without stopping the hub; a message the database refuses for a reason other than
//! its availability is found in its batch and refused alone; while the database is
//! unavailable the hub holds the batch and says so in `/readyz` and its metrics; an agency
//! that uses another's message id neither hides nor replaces that message; a dead letter
//! keeps a bounded prefix of what was refused.

use std::time::Duration;

use e2e::{DEADLINE, TestEnv, draft, eventually, refusal};
use lapin::BasicProperties;
use schemas::{AgencyId, Body, MessageId, ReasonCode};
use serde_json::json;

const SUBJECT: &str = "ps-9c3e1a7f5b2d8e40";
const CASE: &str = "KBH-POISON-1";

/// Publishes `payload` through `agency`'s own submit exchange, as a hostile or careless
/// agency's own system would (not through our agent), and waits for the broker's confirm.
async fn publish_as(env: &TestEnv, agency: &AgencyId, payload: &[u8], id: MessageId) {
    let connection = env.connect_as(agency).await;
    let publisher = broker::Publisher::open(&connection).await.unwrap();
    publisher
        .publish(broker::Outgoing {
            exchange: &broker::topology::submit_exchange(agency),
            routing_key: "",
            payload,
            properties: BasicProperties::default().with_message_id(id.to_string().into()),
        })
        .await
        .expect("the broker takes it");
    let _ = connection.close(200, "done".into()).await;
}

/// The bytes of the message `id` as `agent` received them.
async fn received_bytes(agent: &e2e::AgentHandle, id: MessageId) -> Vec<u8> {
    eventually("the message in the inbox", DEADLINE, || async {
        agent
            .store
            .inbox(1000)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.message_id == id.to_string())
            .map(|r| r.payload)
    })
    .await
}

#[tokio::test]
async fn a_forwarded_message_is_refused_as_sender_mismatch_and_routing_goes_on() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    let employment = env.start_agent(&a.employment).await;
    for agent in [&prison, &municipality, &employment] {
        agent.key_announced().await;
    }
    env.grant_consent(&municipality, SUBJECT).await;

    // The prison's release notice reaches the employment service under the person's
    // consent; the employment service publishes its bytes again through its own exchange,
    // unchanged, and once more addressed to someone else.
    let original = prison
        .send(&draft(
            "ReleaseNotice",
            &a.prison,
            &[&a.municipality, &a.employment],
            CASE,
            SUBJECT,
        ))
        .await;
    assert_eq!(refusal(&prison.answer_to(original).await), None);
    let bytes = received_bytes(&employment, original).await;
    publish_as(&env, &a.employment, &bytes, original).await;
    let mut readdressed: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    readdressed["envelope"]["recipients"] = json!([a.destination]);
    publish_as(
        &env,
        &a.employment,
        &serde_json::to_vec(&readdressed).unwrap(),
        original,
    )
    .await;

    // The forwarder is told SENDER_MISMATCH for the copy, and for the readdressed copy
    // that it reused its own message id (ids are scoped by the authenticated sender)...
    let answers = eventually("two answers at the forwarder", DEADLINE, || async {
        let answers: Vec<ReasonCode> = employment
            .inbox()
            .await
            .iter()
            .filter_map(|m| match &m.body {
                Body::Undeliverable(u) if u.in_reply_to == Some(original.as_uuid()) => {
                    Some(u.reason)
                }
                _ => None,
            })
            .collect();
        (answers.len() == 2).then_some(answers)
    })
    .await;
    assert_eq!(
        answers,
        vec![ReasonCode::SenderMismatch, ReasonCode::DuplicateIdConflict]
    );
    // ...and the hub goes on deciding: a lawful release notice sent right after arrives.
    let next = prison.send(&env.release_notice(&[&a.municipality])).await;
    assert_eq!(refusal(&prison.answer_to(next).await), None);
    eventually("the next release notice", DEADLINE, || async {
        municipality
            .inbox()
            .await
            .iter()
            .any(|m| m.envelope.message_id == next)
            .then_some(())
    })
    .await;
    // The refusals are recorded under the agency that sent them, the original under the
    // prison; the municipality holds the original once.
    let senders: Vec<String> =
        sqlx::query_scalar("SELECT sender FROM messages WHERE message_id = $1 ORDER BY sender")
            .bind(original.as_uuid())
            .fetch_all(&env.pool)
            .await
            .unwrap();
    let mut expected = vec![a.employment.to_string(), a.prison.to_string()];
    expected.sort();
    assert_eq!(senders, expected);
    let copies = municipality
        .inbox()
        .await
        .iter()
        .filter(|m| m.envelope.message_id == original)
        .count();
    assert_eq!(copies, 1);
    hub.stop().await;
}

#[tokio::test]
async fn a_reused_message_id_neither_hides_nor_fakes_a_delivery() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    let employment = env.start_agent(&a.employment).await;
    for agent in [&prison, &municipality, &employment] {
        agent.key_announced().await;
    }
    env.grant_consent(&municipality, SUBJECT).await;
    let information = |id: MessageId| {
        let mut m = draft(
            "InformationResponse",
            &a.employment,
            &[&a.municipality],
            CASE,
            SUBJECT,
        );
        m["envelope"]["message_id"] = json!(id);
        m["envelope"]["purpose"] = json!("REINTEGRATION_PLANNING");
        m["envelope"]["data_categories"] = json!(["CASE_STATUS"]);
        m["body"]["answers"] = json!([{"category": "CASE_STATUS", "text": "Reports weekly."}]);
        m
    };
    let release_notice = |id: MessageId| {
        let mut m = draft(
            "ReleaseNotice",
            &a.prison,
            &[&a.municipality, &a.employment],
            CASE,
            SUBJECT,
        );
        m["envelope"]["message_id"] = json!(id);
        m
    };
    let held_by_municipality = |id: MessageId, from: AgencyId| {
        let municipality = &municipality;
        async move {
            municipality
                .inbox()
                .await
                .iter()
                .any(|m| m.envelope.message_id == id && m.envelope.sender == from)
        }
    };

    // The prison's release notice opens the case; the employment service, which received
    // it, uses its id for its own message to the municipality, which also received it.
    let first = MessageId::new();
    assert_eq!(
        refusal(&prison.send_and_wait(&release_notice(first)).await),
        None
    );
    eventually("the employment service has it", DEADLINE, || async {
        employment
            .inbox()
            .await
            .iter()
            .any(|m| m.envelope.message_id == first)
            .then_some(())
    })
    .await;
    let answer = employment.send_and_wait(&information(first)).await;
    let Body::Receipt(receipt) = &answer.body else {
        panic!("expected a receipt, got {answer:?}");
    };
    assert_eq!(receipt.delivered_to, vec![a.municipality.clone()]);
    // The receipt is true: the employment service's message is there, beside the prison's.
    eventually("both messages with one id", DEADLINE, || async {
        (held_by_municipality(first, a.employment.clone()).await
            && held_by_municipality(first, a.prison.clone()).await)
            .then_some(())
    })
    .await;

    // The employment service uses an id first; the prison's later message with the same
    // id still arrives.
    let second = MessageId::new();
    assert_eq!(
        refusal(&employment.send_and_wait(&information(second)).await),
        None
    );
    assert_eq!(
        refusal(&prison.send_and_wait(&release_notice(second)).await),
        None
    );
    eventually("the prison's message despite the id", DEADLINE, || async {
        held_by_municipality(second, a.prison.clone())
            .await
            .then_some(())
    })
    .await;
    assert!(held_by_municipality(second, a.employment.clone()).await);
    // Opening by id alone is ambiguous now; by id and sender it is not.
    let ambiguous = municipality
        .store
        .inbox_message(&second.to_string(), None)
        .await;
    assert!(
        matches!(ambiguous, Err(agent::store::StoreError::Ambiguous)),
        "{ambiguous:?}"
    );
    let chosen = municipality
        .store
        .inbox_message(&second.to_string(), Some(a.prison.as_str()))
        .await
        .unwrap()
        .expect("the prison's message");
    assert_eq!(chosen.message_type, "ReleaseNotice");
    hub.stop().await;
}

/// Makes the hub's database refuse to record one message, as a constraint would: an error
/// that is the message's, not the database's availability.
async fn poison(env: &TestEnv, id: MessageId) {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW.message_id = '{id}' THEN
             RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'check_violation';
           END IF;
           RETURN NEW;
         END $$"
    )))
    .execute(&env.pool)
    .await
    .unwrap();
    sqlx::query(
        "CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION poison()",
    )
    .execute(&env.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_message_the_database_refuses_fails_only_itself() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    prison.key_announced().await;
    municipality.key_announced().await;
    // The hub is stopped while the prison sends, so the messages wait in the ingress and
    // are taken in one batch.
    hub.stop().await;
    let drafts: Vec<_> = (0..7)
        .map(|_| env.release_notice(&[&a.municipality]))
        .collect();
    let mut ids = Vec::new();
    for d in &drafts {
        ids.push(prison.send(d).await);
    }
    let poisoned = ids[4];
    poison(&env, poisoned).await;
    eventually("every message published", DEADLINE, || async {
        let outbox = prison.store.outbox(100).await.unwrap();
        ids.iter()
            .all(|id| {
                outbox.iter().any(|m| {
                    m.message_id == id.to_string() && m.status != agent::store::SendStatus::Queued
                })
            })
            .then_some(())
    })
    .await;
    let hub = env.start_hub().await;

    for id in &ids {
        let answer = prison.answer_to(*id).await;
        if *id == poisoned {
            assert_eq!(refusal(&answer), Some(ReasonCode::Unprocessable));
        } else {
            assert_eq!(refusal(&answer), None, "{answer:?}");
        }
    }
    let delivered = eventually("the others delivered", DEADLINE, || async {
        let inbox = municipality.inbox().await;
        (inbox.len() == ids.len() - 1).then_some(inbox)
    })
    .await;
    assert!(delivered.iter().all(|m| m.envelope.message_id != poisoned));
    assert_eq!(env.dead_letters_with("UNPROCESSABLE").await, 1);
    assert_eq!(
        hub::db::verify_audit(&env.pool).await.unwrap(),
        hub::db::AuditCheck::Intact {
            entries: env.audit_entries().await
        }
    );
    hub.stop().await;
}

#[tokio::test]
async fn while_the_database_cannot_commit_the_hub_holds_the_batch_and_is_not_ready() {
    let env = TestEnv::with(&[("hub.held_unready_seconds", "1")]).await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let url = hub.http_url().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    prison.key_announced().await;
    municipality.key_announced().await;
    let client = broker::http_client().build().unwrap();
    let ready = || async {
        client
            .get(format!("{url}/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(ready().await, 200);

    // Every commit fails as a serialization failure would: about availability, not the
    // message, so the hub retries and never refuses it.
    sqlx::query(
        "CREATE FUNCTION unavailable() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'busy for the test' USING ERRCODE = 'serialization_failure'; END $$",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    sqlx::query(
        "CREATE TRIGGER unavailable BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION unavailable()",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    let id = prison.send(&env.release_notice(&[&a.municipality])).await;
    eventually("readiness turns false", DEADLINE, || async {
        (ready().await == 503).then_some(())
    })
    .await;
    let metrics = client
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let held: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("hub_ingress_held_seconds "))
        .expect("the held-batch gauge")
        .parse()
        .unwrap();
    assert!(held >= 1.0, "held for {held} s");
    assert!(municipality.inbox().await.is_empty());

    sqlx::query("DROP TRIGGER unavailable ON messages")
        .execute(&env.pool)
        .await
        .unwrap();
    assert_eq!(refusal(&prison.answer_to(id).await), None);
    eventually("ready again", DEADLINE, || async {
        (ready().await == 200).then_some(())
    })
    .await;
    assert_eq!(env.dead_letters_with("UNPROCESSABLE").await, 0);
    hub.stop().await;
}

#[tokio::test]
async fn a_dead_letter_keeps_a_bounded_prefix_with_the_size_and_hash_of_the_whole() {
    let env = TestEnv::with(&[("hub.max_message_bytes", "65536")]).await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let police = env.start_agent(&a.police).await;
    police.key_announced().await;
    let big = vec![b'x'; 1 << 20];
    let id = MessageId::new();
    publish_as(&env, &a.police, &big, id).await;
    let (size, kept, hash): (i32, Vec<u8>, Vec<u8>) =
        eventually("the dead letter", Duration::from_secs(20), || async {
            sqlx::query_as(
                "SELECT size_bytes, body, body_sha256 FROM dead_letters WHERE reason = 'OVERSIZED'",
            )
            .fetch_optional(&env.pool)
            .await
            .unwrap()
        })
        .await;
    assert_eq!(size, 1 << 20);
    assert_eq!(kept.len(), hub::plan::DEAD_LETTER_PREFIX);
    assert_eq!(hash, hub_core::audit::body_hash(&big).to_vec());
    hub.stop().await;
}

#[tokio::test]
async fn a_message_the_agents_store_refuses_fails_only_itself() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    prison.key_announced().await;
    municipality.key_announced().await;
    let drafts: Vec<_> = (0..5)
        .map(|_| env.release_notice(&[&a.municipality]))
        .collect();
    let poisoned = drafts[2]["envelope"]["message_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The municipality's store refuses one message, as a constraint would: the store's
    // fault is the message's, not its availability.
    let db = municipality.settings.agent.data_dir.join("agent.db");
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}",
        db.display()
    ))
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TRIGGER poison BEFORE INSERT ON inbox WHEN NEW.message_id = '{poisoned}'
         BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::Connection::close(conn).await.unwrap();

    let mut ids = Vec::new();
    for d in &drafts {
        ids.push(prison.send(d).await);
    }
    // Every other message is stored, the refused one is kept as rejected, and the inbox
    // goes on: a message sent afterwards arrives too.
    let later = prison.send(&env.release_notice(&[&a.municipality])).await;
    let held = eventually("the others and the later one", DEADLINE, || async {
        let inbox = municipality.inbox().await;
        inbox
            .iter()
            .any(|m| m.envelope.message_id == later)
            .then_some(inbox)
    })
    .await;
    let held: Vec<String> = held
        .iter()
        .filter(|m| matches!(m.body, Body::ReleaseNotice(_)))
        .map(|m| m.envelope.message_id.to_string())
        .collect();
    assert_eq!(held.len(), ids.len(), "{held:?}");
    assert!(!held.contains(&poisoned));
    let rejected = municipality.store.rejected().await.unwrap();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    hub.stop().await;
}
