//! A message accepted by an agent reaches each allowed recipient once, and only them.

use e2e::{DEADLINE, TestEnv, eventually};
use schemas::{Body, MessageType, ReasonCode};
use serde_json::json;

#[tokio::test]
async fn a_release_notice_reaches_the_municipality_under_statute_and_the_prison_gets_a_receipt() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    let employment = env.start_agent(&a.employment).await;
    let police = env.start_agent(&a.police).await;
    for agent in [&prison, &municipality, &employment, &police] {
        agent.key_announced().await;
    }
    let audited = env.audit_entries().await;

    let id = prison
        .send(&env.release_notice(&[&a.municipality, &a.employment]))
        .await;

    for agent in [&municipality] {
        let inbox = eventually("the release notice in the inbox", DEADLINE, || async {
            let inbox = agent.inbox().await;
            (!inbox.is_empty()).then_some(inbox)
        })
        .await;
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].envelope.message_id, id);
        assert_eq!(inbox[0].envelope.sender, a.prison);
        assert!(matches!(inbox[0].body, Body::ReleaseNotice(_)));
    }
    let receipt = eventually("the receipt at the prison", DEADLINE, || async {
        prison.inbox().await.into_iter().next()
    })
    .await;
    let Body::Receipt(body) = &receipt.body else {
        panic!("expected a receipt, got {receipt:?}")
    };
    assert_eq!(body.in_reply_to, id.as_uuid());
    assert_eq!(body.delivered_to, vec![a.municipality.clone()]);
    // No statute covers the employment service and no consent is on record.
    assert_eq!(body.refused.len(), 1);
    assert_eq!(body.refused[0].recipient, a.employment);
    assert_eq!(body.refused[0].reason, schemas::ReasonCode::NoGateway);
    assert_eq!(receipt.envelope.causation_id, Some(id.as_uuid()));
    let sent = prison.store.sent(&id).await.unwrap().unwrap();
    assert_eq!(sent.status, agent::store::SendStatus::PartiallyDelivered);

    // The disclosure log names the gateway of each delivery and each refusal; the employment
    // service and the police got nothing.
    let rows: Vec<(String, bool, Option<String>)> = sqlx::query_as(
        "SELECT recipient, delivered, gateway FROM decisions WHERE message_id = $1 ORDER BY recipient",
    )
    .bind(id.as_uuid())
    .fetch_all(&env.pool)
    .await
    .unwrap();
    let gateway = Some("STATUTE:DK-RPL115-KSP".to_owned());
    let mut expected = vec![
        (a.municipality.to_string(), true, gateway.clone()),
        (a.employment.to_string(), false, None),
    ];
    expected.sort();
    assert_eq!(rows, expected);
    assert!(employment.inbox().await.is_empty());
    assert!(police.inbox().await.is_empty());
    assert_eq!(
        hub::db::verify_audit(&env.pool).await.unwrap(),
        hub::db::AuditCheck::Intact {
            entries: audited + 1
        }
    );
    hub.stop().await;
}

#[tokio::test]
async fn without_a_gateway_nothing_is_delivered() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;

    // A risk and need summary has no statutory gateway, and consent is not in force.
    let mut summary = e2e::example("RiskNeedSummary");
    summary["envelope"]["sender"] = json!(a.prison);
    summary["envelope"]["recipients"] = json!([a.municipality]);
    summary["envelope"]
        .as_object_mut()
        .unwrap()
        .remove("gateway");
    summary["envelope"]["message_id"] = json!(schemas::MessageId::new());
    let refused = prison.send(&summary).await;
    // A message that is allowed, sent after it, proves the hub has passed the refused one.
    let allowed = prison.send(&env.release_notice(&[&a.municipality])).await;

    let inbox = eventually("the allowed message", DEADLINE, || async {
        let inbox = municipality.inbox().await;
        (!inbox.is_empty()).then_some(inbox)
    })
    .await;
    assert_eq!(
        inbox
            .iter()
            .map(|m| m.envelope.message_id)
            .collect::<Vec<_>>(),
        vec![allowed]
    );
    let answer = eventually("the undeliverable", DEADLINE, || async {
        prison
            .inbox()
            .await
            .into_iter()
            .find(|m| m.envelope.message_type == MessageType::Undeliverable)
    })
    .await;
    let Body::Undeliverable(body) = answer.body else {
        unreachable!()
    };
    assert_eq!(body.reason, ReasonCode::NoGateway);
    assert_eq!(body.in_reply_to, Some(refused.as_uuid()));
    hub.stop().await;
}

#[tokio::test]
async fn a_message_published_twice_is_delivered_and_answered_once() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;

    let notice = env.release_notice(&[&a.municipality]);
    let bytes = serde_json::to_vec(&notice).unwrap();
    let connection = env.connect_as(&a.prison).await;
    let publisher = broker::Publisher::open(&connection).await.unwrap();
    let exchange = broker::topology::submit_exchange(&a.prison);
    for _ in 0..3 {
        publisher
            .publish(broker::Outgoing {
                exchange: &exchange,
                routing_key: "",
                payload: &bytes,
                properties: Default::default(),
            })
            .await
            .unwrap();
    }
    // A later message proves all three copies were handled.
    let later = prison.send(&env.release_notice(&[&a.municipality])).await;
    eventually("the later message", DEADLINE, || async {
        municipality
            .inbox()
            .await
            .iter()
            .any(|m| m.envelope.message_id == later)
            .then_some(())
    })
    .await;
    eventually("two receipts", DEADLINE, || async {
        (prison.inbox().await.len() == 2).then_some(())
    })
    .await;
    assert_eq!(municipality.inbox().await.len(), 2);
    // The agent would hide a duplicate delivery; the hub's outbox shows it did not send one.
    let deliveries: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE recipient = $1 AND message_type = 'ReleaseNotice'",
    )
    .bind(a.municipality.as_str())
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(
        deliveries, 2,
        "the duplicate was queued for the municipality"
    );
    let messages: i64 =
        sqlx::query_scalar("SELECT count(*) FROM messages WHERE message_type = 'ReleaseNotice'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(messages, 2);
    assert_eq!(prison.inbox_types().await, ["Receipt", "Receipt"]);
    hub.stop().await;
}
