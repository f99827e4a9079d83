//! Least privilege on the broker: an agency can write only to its own submit exchange, read
//! only its own inbox, cannot learn another's inbox depth, and cannot pose as another agency.

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
    let inbox = env.inbox(&a.municipality);
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

/// The messages ready in `queue` and its consumers, by passive declare as whoever
/// `connection` logged in as; the broker's refusal otherwise.
async fn peek(connection: &lapin::Connection, queue: &str) -> Result<(u32, u32), String> {
    let channel = connection.create_channel().await.unwrap();
    channel
        .queue_declare(
            queue.into(),
            lapin::options::QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .map(|q| (q.message_count(), q.consumer_count()))
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn an_agency_cannot_find_another_agencys_inbox_to_read_its_depth() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    // Messages wait for the municipality, whose agent is offline: two notices (and the key
    // directory the prison's new key brings).
    let hub = env.start_hub().await;
    let mut prison = env.start_agent(&a.prison).await;
    for _ in 0..2 {
        let notice = serde_json::to_vec(&env.release_notice(&[&a.municipality])).unwrap();
        prison
            .store
            .enqueue(&schemas::decode(&notice).unwrap(), chrono::Utc::now())
            .await
            .unwrap();
    }
    let municipality = env.connect_as(&a.municipality).await;
    let inbox = env.inbox(&a.municipality);
    // Once both notices are out, all that was published to the municipality waits there.
    let waiting = eventually(
        "the notices in the municipality's inbox",
        DEADLINE,
        || async {
            let (notices, published): (i64, i64) = sqlx::query_as(
                "SELECT count(*) FILTER (WHERE message_type = 'ReleaseNotice'), count(*)
             FROM outbox WHERE recipient = $1 AND published_at IS NOT NULL",
            )
            .bind(a.municipality.as_str())
            .fetch_one(&env.pool)
            .await
            .unwrap();
            let ready = peek(&municipality, &inbox).await.ok()?;
            (notices == 2 && i64::from(ready.0) == published).then_some(ready)
        },
    )
    .await;

    // RabbitMQ checks no permission on a passive declare: whoever names the queue learns its
    // depth and consumers. So the name carries a random tag, and the name anyone could form
    // from the agency id leads nowhere.
    assert!(
        broker::topology::is_inbox_of(&inbox, &a.municipality),
        "{inbox}"
    );
    let police = env.connect_as(&a.police).await;
    let guessed = broker::topology::legacy_inbox_queue(&a.municipality);
    let err = peek(&police, &guessed).await.unwrap_err();
    assert!(err.contains("NOT_FOUND"), "{guessed}: {err}");
    // The broker would tell anyone who knew the tag: it is what keeps the depth private. (The
    // hub may still publish to the inbox meanwhile, a key directory change, so the police's
    // answer is compared with the municipality's own at the same moment.)
    eventually(
        "the police to read the depth the municipality reads",
        DEADLINE,
        || async {
            let theirs = peek(&police, &inbox).await.ok()?;
            let own = peek(&municipality, &inbox).await.ok()?;
            (theirs == own && theirs.0 >= waiting.0).then_some(())
        },
    )
    .await;
    // Each agency's tag is its own: knowing one's own inbox tells nothing of another's.
    let tags: std::collections::BTreeSet<String> = a
        .ids()
        .into_iter()
        .map(|id| env.inbox(id).rsplit('.').next().unwrap().to_owned())
        .collect();
    assert_eq!(tags.len(), a.ids().len(), "{tags:?}");
    prison.stop().await;
    hub.stop().await;
}

#[tokio::test]
async fn provisioning_keeps_each_inbox_name_and_retires_the_untagged_inboxes() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let vhost = &env.vhost;
    let management = env.services.management();
    // As left by a hub from before tagged inboxes: an untagged inbox for the municipality
    // holding a message, and an empty one for the police, both bound for delivery.
    let deliver = broker::topology::DELIVER_EXCHANGE;
    for agency in [&a.municipality, &a.police] {
        let legacy = broker::topology::legacy_inbox_queue(agency);
        management.put_quorum_queue(vhost, &legacy).await.unwrap();
        management
            .bind(vhost, deliver, &legacy, agency.as_str())
            .await
            .unwrap();
    }
    let hub_login = broker::Credentials {
        user: env.hub_settings.broker.user.clone(),
        password: env.hub_settings.broker.password.expose().to_owned(),
    };
    let hub = broker::connect(&env.endpoint(), &hub_login, "test hub login")
        .await
        .unwrap();
    let publisher = broker::Publisher::open(&hub).await.unwrap();
    let deliver_one = || async {
        publisher
            .publish(broker::Outgoing {
                exchange: deliver,
                routing_key: a.municipality.as_str(),
                payload: b"{}",
                properties: BasicProperties::default(),
            })
            .await
            .unwrap()
    };
    deliver_one().await;
    let legacy = broker::topology::legacy_inbox_queue(&a.municipality);
    let inbox = env.inbox(&a.municipality);
    assert_eq!(peek(&hub, &legacy).await, Ok((1, 0)));
    assert_eq!(peek(&hub, &inbox).await, Ok((1, 0)));

    let before = hub::db::inboxes(&env.pool).await.unwrap();
    hub::provision::provision_all(&env.hub_settings, &env.pool)
        .await
        .unwrap();
    assert_eq!(
        hub::db::inboxes(&env.pool).await.unwrap(),
        before,
        "provisioning again keeps every inbox's name"
    );
    let file = hub::provision::inbox_file(&env.hub_settings.hub.secrets_dir, &a.municipality);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), inbox);

    // The empty untagged inbox is gone; the other is kept for its message but gets no more.
    let police_legacy = broker::topology::legacy_inbox_queue(&a.police);
    let err = peek(&hub, &police_legacy).await.unwrap_err();
    assert!(err.contains("NOT_FOUND"), "{err}");
    deliver_one().await;
    assert_eq!(peek(&hub, &legacy).await, Ok((1, 0)), "unbound, kept");
    assert_eq!(peek(&hub, &inbox).await, Ok((2, 0)));
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
