//! Least privilege on the broker: an agency can write only to its own submit exchange, read
//! only its own inbox, and cannot pose as another agency.

use e2e::{DEADLINE, TestEnv, eventually};
use lapin::BasicProperties;
use lapin::options::{BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;

/// Publishes once on a fresh confirm channel and returns the broker's error, if any.
async fn try_publish(
    connection: &lapin::Connection,
    exchange: &str,
    key: &str,
    props: BasicProperties,
) -> Result<(), String> {
    let channel = connection
        .create_channel()
        .await
        .map_err(|e| e.to_string())?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let confirm = channel
        .basic_publish(
            exchange.into(),
            key.into(),
            BasicPublishOptions::default(),
            b"{}",
            props,
        )
        .await
        .map_err(|e| e.to_string())?;
    match confirm.await {
        Ok(c) if c.is_ack() => Ok(()),
        Ok(c) => Err(format!("not acked: {c:?}")),
        Err(e) => Err(e.to_string()),
    }
}

#[tokio::test]
async fn an_agency_cannot_write_outside_its_exchange_or_read_another_inbox() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let prison = env.connect_as(&a.prison).await;

    // The default exchange would reach any queue by name: refused.
    let inbox = broker::topology::inbox_queue(&a.municipality);
    let err = try_publish(&prison, "", &inbox, BasicProperties::default())
        .await
        .unwrap_err();
    assert!(err.contains("ACCESS_REFUSED"), "{err}");
    // Another agency's submit exchange, and the hub's delivery exchange: refused.
    for exchange in [
        broker::topology::submit_exchange(&a.municipality),
        broker::topology::DELIVER_EXCHANGE.to_owned(),
    ] {
        let err = try_publish(
            &prison,
            &exchange,
            &a.municipality.to_string(),
            BasicProperties::default(),
        )
        .await
        .unwrap_err();
        assert!(err.contains("ACCESS_REFUSED"), "{exchange}: {err}");
    }
    // Its own exchange works.
    try_publish(
        &prison,
        &broker::topology::submit_exchange(&a.prison),
        "",
        BasicProperties::default(),
    )
    .await
    .unwrap();

    // Reading another agency's inbox, or the hub's ingress: refused.
    for queue in [inbox, broker::topology::INGRESS_QUEUE.to_owned()] {
        let channel = prison.create_channel().await.unwrap();
        let err = channel
            .basic_consume(
                queue.as_str().into(),
                "spy".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .err()
            .unwrap_or_else(|| panic!("consuming {queue} was allowed"));
        assert!(err.to_string().contains("ACCESS_REFUSED"), "{queue}: {err}");
    }
}

#[tokio::test]
async fn the_broker_refuses_a_forged_user_id_and_the_hub_ignores_body_claims() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let prison = env.connect_as(&a.prison).await;
    // Claiming to be the municipality in the validated user_id property: the broker refuses.
    let forged = BasicProperties::default().with_user_id(a.municipality.as_str().into());
    let err = try_publish(
        &prison,
        &broker::topology::submit_exchange(&a.prison),
        "",
        forged,
    )
    .await
    .unwrap_err();
    assert!(err.contains("PRECONDITION_FAILED"), "{err}");

    // Claiming it in the body: the hub refuses (identity comes from the exchange).
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let mut notice = env.release_notice(&[&a.employment]);
    notice["envelope"]["sender"] = serde_json::json!(a.municipality);
    let publisher = broker::Publisher::open(&prison).await.unwrap();
    publisher
        .publish(broker::Outgoing {
            exchange: &broker::topology::submit_exchange(&a.prison),
            routing_key: "",
            payload: &serde_json::to_vec(&notice).unwrap(),
            properties: BasicProperties::default(),
        })
        .await
        .unwrap();
    eventually("the sender mismatch dead letter", DEADLINE, || async {
        (env.dead_letters_with("SENDER_MISMATCH").await == 1).then_some(())
    })
    .await;
    // The municipality's agent was never told anything under its name.
    assert!(municipality.inbox().await.is_empty());
    hub.stop().await;
}
