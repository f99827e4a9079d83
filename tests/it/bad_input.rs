//! Bad input gets a typed Undeliverable, is kept as a dead letter, and the hub keeps serving.

use e2e::{DEADLINE, TestEnv, eventually};
use lapin::BasicProperties;
use schemas::{Body, MessageType, ReasonCode};
use serde_json::json;

/// Publishes raw bytes into the prison's submit exchange, as a non-agent client could.
async fn publish_as_prison(env: &TestEnv, payload: &[u8], message_id: Option<&str>) {
    let connection = env.connect_as(&env.agencies.prison).await;
    let publisher = broker::Publisher::open(&connection).await.unwrap();
    let mut properties = BasicProperties::default();
    if let Some(id) = message_id {
        properties = properties.with_message_id(id.into());
    }
    publisher
        .publish(broker::Outgoing {
            exchange: &broker::topology::submit_exchange(&env.agencies.prison),
            routing_key: "",
            payload,
            properties,
        })
        .await
        .expect("the broker takes it");
    let _ = connection.close(200, "done".into()).await;
}

#[tokio::test]
async fn each_kind_of_bad_input_is_refused_with_its_own_reason_and_kept() {
    let env = TestEnv::with(&[("hub.max_message_bytes", "8192")]).await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;

    let valid = || env.release_notice(&[&a.municipality]);
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut m = valid();
        f(&mut m);
        serde_json::to_vec(&m).unwrap()
    };
    let cases: Vec<(&str, Vec<u8>, ReasonCode)> = vec![
        (
            "malformed JSON",
            b"{\"envelope\": {".to_vec(),
            ReasonCode::MalformedJson,
        ),
        (
            "invalid UTF-8",
            b"{\"envelope\": {\"message_type\": \"\xff\xfe\"}}".to_vec(),
            ReasonCode::MalformedJson,
        ),
        (
            "unknown type",
            with(&|m| m["envelope"]["message_type"] = json!("Teleport")),
            ReasonCode::UnknownMessageType,
        ),
        (
            "wrong version",
            with(&|m| m["envelope"]["schema_version"] = json!(2)),
            ReasonCode::UnsupportedSchemaVersion,
        ),
        (
            "schema violation",
            with(&|m| m["body"]["supervision"]["kind"] = json!("house_arrest")),
            ReasonCode::SchemaViolation,
        ),
        (
            "oversized",
            with(&|m| m["body"]["contact_officer"]["name"] = json!("x".repeat(9000))),
            ReasonCode::Oversized,
        ),
        (
            "unknown recipient",
            with(&|m| m["envelope"]["recipients"] = json!(["dk-nobody"])),
            ReasonCode::UnknownRecipient,
        ),
        (
            "claims another identity",
            with(&|m| m["envelope"]["sender"] = json!(a.municipality)),
            ReasonCode::SenderMismatch,
        ),
        (
            "forbidden purpose",
            with(&|m| m["envelope"]["purpose"] = json!("CRIMINAL_INVESTIGATION")),
            ReasonCode::ForbiddenPurpose,
        ),
    ];
    for (i, (_, payload, _)) in cases.iter().enumerate() {
        publish_as_prison(&env, payload, Some(&format!("bad-input-{i}"))).await;
    }
    // The hub is still serving: a valid message sent after all the bad ones arrives.
    let good = prison.send(&valid()).await;
    eventually("the valid message after the bad ones", DEADLINE, || async {
        municipality
            .inbox()
            .await
            .iter()
            .any(|m| m.envelope.message_id == good)
            .then_some(())
    })
    .await;
    let answers = eventually("an undeliverable for every bad input", DEADLINE, || async {
        let answers: Vec<_> = prison
            .inbox()
            .await
            .into_iter()
            .filter(|m| m.envelope.message_type == MessageType::Undeliverable)
            .collect();
        (answers.len() >= cases.len()).then_some(answers)
    })
    .await;
    assert_eq!(
        answers.len(),
        cases.len(),
        "one answer per bad input, no more"
    );
    let reasons: Vec<ReasonCode> = answers
        .iter()
        .map(|m| match &m.body {
            Body::Undeliverable(u) => u.reason,
            other => panic!("{other:?}"),
        })
        .collect();
    for (what, _, reason) in &cases {
        assert!(
            reasons.contains(reason),
            "{what}: no Undeliverable with {reason}; got {reasons:?}"
        );
        assert!(
            env.dead_letters_with(reason.as_str()).await >= 1,
            "{what}: no dead letter with {reason}"
        );
    }
    // Nothing bad reached the municipality: only the one valid message.
    assert_eq!(municipality.inbox().await.len(), 1);
    let letters = hub::db::list_dead_letters(&env.pool, 100).await.unwrap();
    assert_eq!(letters.len(), cases.len());
    assert!(letters.iter().all(|d| d.sender == a.prison.as_str()));
    hub.stop().await;
}

#[tokio::test]
async fn reusing_a_message_id_for_other_content_is_refused() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;

    let first = env.release_notice(&[&a.municipality]);
    let mut second = first.clone();
    second["body"]["expected_release"] = json!("2027-05-01");
    publish_as_prison(&env, &serde_json::to_vec(&first).unwrap(), None).await;
    publish_as_prison(&env, &serde_json::to_vec(&second).unwrap(), None).await;

    let answers = eventually("two answers", DEADLINE, || async {
        let inbox = prison.inbox().await;
        (inbox.len() == 2).then_some(inbox)
    })
    .await;
    assert_eq!(answers[0].envelope.message_type, MessageType::Receipt);
    let Body::Undeliverable(u) = &answers[1].body else {
        panic!("{:?}", answers[1])
    };
    assert_eq!(u.reason, ReasonCode::DuplicateIdConflict);
    // The receipt can reach the prison before the municipality's agent has taken its copy.
    let inbox = eventually("the municipality's copy", DEADLINE, || async {
        let inbox = municipality.inbox().await;
        (!inbox.is_empty()).then_some(inbox)
    })
    .await;
    assert_eq!(inbox.len(), 1);
    let queued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE recipient = $1 AND message_type = 'ReleaseNotice'",
    )
    .bind(a.municipality.as_str())
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(queued, 1, "the conflicting copy was never queued");
    let Body::ReleaseNotice(n) = &inbox[0].body else {
        unreachable!()
    };
    assert_eq!(
        n.expected_release.to_string(),
        "2027-03-15",
        "the first content stands"
    );
    hub.stop().await;
}
