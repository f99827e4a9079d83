//! Relocation with a sealed destination, end to end: the origin municipality asks, the
//! destination confirms, ownership moves, the police protection unit is told. The proofs: the
//! plaintext address is nowhere in the hub's database, its logs, its dead letters, any agent's
//! store, or anything delivered to an agency not entitled to it; the origin cannot open it;
//! the national contact point sees only counts; a rotated-out key still opens what was sealed
//! to it.

use chrono::{Days, Utc};
use e2e::{AgentHandle, DEADLINE, TestEnv, draft, eventually, files_contain, refusal};
use schemas::messages::{EscalationLevel, SealedLocation};
use schemas::{Body, Message, MessageType};
use serde_json::{Value, json};

const SUBJECT: &str = "ps-5e1a0c3b7d9f2468";

/// Where the person will live: written by the origin, sealed to the destination.
fn destination_details() -> Value {
    json!({"address": "Innherredsveien 61 B", "postal_code": "7067", "city": "Trondheim",
           "notes": "Keys with caretaker Nordvik"})
}

/// The new address, sealed by the destination to the police protection unit only.
fn new_address() -> Value {
    json!({"address": "Elgeseter gate 93 C", "postal_code": "7030", "city": "Trondheim",
           "notes": "Alarm code with patrol Tangen"})
}

/// Strings that must never appear outside the entitled agents' screens.
const PLAINTEXT: &[&str] = &[
    "Innherredsveien",
    "caretaker Nordvik",
    "Elgeseter gate",
    "patrol Tangen",
    "Kirkegata 5",
];

/// A consent covering relocation safety: every municipality and the protection unit may get
/// case status, risk and the protected location (the hard rules still decide who may).
fn relocation_consent(env: &TestEnv) -> Value {
    let mut m = e2e::consent_granted(env, SUBJECT, uuid::Uuid::new_v4(), 1);
    m["body"]["consent"]["provisions"] = json!([{
        "recipients": [{"role": "municipality"}, {"agency": env.agencies.protection}],
        "purposes": ["RELOCATION_SAFETY", "CASE_COORDINATION"],
        "categories": ["RISK_NEED", "CASE_STATUS", "PROTECTED_LOCATION"]
    }]);
    m
}

fn relocation_request(env: &TestEnv, case: &str, relocation_id: uuid::Uuid) -> Value {
    let a = &env.agencies;
    let mut m = draft(
        "RelocationRequest",
        &a.municipality,
        &[&a.destination],
        case,
        SUBJECT,
    );
    m["body"]["relocation_id"] = json!(relocation_id);
    m["body"]["sealed_destination"] = json!({"seal": destination_details()});
    m
}

fn relocation_confirmed(env: &TestEnv, case: &str, relocation_id: uuid::Uuid) -> Value {
    let a = &env.agencies;
    let mut m = draft(
        "RelocationConfirmed",
        &a.destination,
        &[&a.municipality, &a.protection],
        case,
        SUBJECT,
    );
    m["body"]["relocation_id"] = json!(relocation_id);
    m["body"]["new_owner"] = json!(a.destination);
    m["body"]["sealed_address"] = json!({"seal": new_address()});
    m
}

async fn opened(agent: &AgentHandle, message: &Message) -> agent::sealing::SealedView {
    agent::sealing::open(&agent.store, &agent.id, message)
        .await
        .unwrap()
        .expect("the type has a sealed field")
}

fn location(value: Value) -> SealedLocation {
    serde_json::from_value(value).unwrap()
}

/// The key directory as the hub lists it.
async fn key_directory(env: &TestEnv) -> schemas::messages::KeyDirectory {
    hub::keys::list(
        &env.pool,
        &hub::db::load_directory(&env.pool).await.unwrap(),
        &env.hub_settings.policy().unwrap(),
    )
    .await
    .unwrap()
}

async fn owner(env: &TestEnv, case: &str) -> String {
    sqlx::query_scalar("SELECT owner FROM cases WHERE case_id = $1")
        .bind(case)
        .fetch_one(&env.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_relocation_keeps_the_new_address_sealed_from_everyone_not_entitled() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let origin = env.start_agent(&a.municipality).await;
    let destination = env.start_agent(&a.destination).await;
    let protection = env.start_agent(&a.protection).await;
    let contact_point = env.start_agent(&a.contact_point).await;
    let employment = env.start_agent(&a.employment).await;
    let police = env.start_agent(&a.police).await;
    origin.knows_keys_of(&[&a.destination, &a.employment]).await;
    destination.knows_keys_of(&[&a.protection]).await;
    assert_eq!(
        refusal(&origin.send_and_wait(&relocation_consent(&env)).await),
        None
    );

    // 1. The origin asks; its agent seals the destination details to the destination only.
    let case = "OSL-2026-4711";
    let relocation_id = uuid::Uuid::new_v4();
    let answer = origin
        .send_and_wait(&relocation_request(&env, case, relocation_id))
        .await;
    assert_eq!(refusal(&answer), None, "{answer:?}");
    let request = destination.received(MessageType::RelocationRequest).await;
    assert_eq!(
        opened(&destination, &request).await.location(),
        Some(&location(destination_details())),
        "the destination reads the details"
    );
    assert_eq!(
        owner(&env, case).await,
        a.municipality.as_str(),
        "not moved yet"
    );

    // 2. The destination confirms; the new address is sealed to the protection unit only.
    let answer = destination
        .send_and_wait(&relocation_confirmed(&env, case, relocation_id))
        .await;
    assert_eq!(refusal(&answer), None, "{answer:?}");
    let at_unit = protection.received(MessageType::RelocationConfirmed).await;
    assert_eq!(
        opened(&protection, &at_unit).await.location(),
        Some(&location(new_address())),
        "the protection unit reads the new address"
    );
    let Body::RelocationConfirmed(unit_copy) = &at_unit.body else {
        unreachable!()
    };
    let copies = &unit_copy.sealed_address.as_ref().unwrap().copies;
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].recipient, a.protection);
    assert_eq!(
        owner(&env, case).await,
        a.destination.as_str(),
        "ownership moved"
    );

    // 3. The origin is told of the move, without the address, and cannot open anything.
    let at_origin = origin.received(MessageType::RelocationConfirmed).await;
    let Body::RelocationConfirmed(origin_copy) = &at_origin.body else {
        unreachable!()
    };
    assert_eq!(
        origin_copy.sealed_address, None,
        "the hub sent the origin no address"
    );
    assert_eq!(opened(&origin, &at_origin).await.location(), None);
    let sent = origin
        .store
        .sent(&request.envelope.message_id)
        .await
        .unwrap()
        .unwrap();
    let sent = schemas::decode(&sent.payload).unwrap();
    assert_eq!(
        opened(&origin, &sent).await.location(),
        None,
        "the origin sealed the details to the destination, not to itself"
    );
    // Even holding the destination's copy, relabelled as its own, its keys do not open it.
    let Body::RelocationRequest(sent_body) = &sent.body else {
        unreachable!()
    };
    let mut stolen = sent_body.sealed_destination.clone();
    stolen.copies[0].recipient = a.municipality.clone();
    for key in origin.store.own_keys().await.unwrap() {
        stolen.copies[0].key_id = schemas::ids::ShortText::try_from(key.key_id.clone()).unwrap();
        let private = origin.store.private_key(&key.key_id).await.unwrap();
        assert!(
            seal::open(
                sent.envelope.message_id.as_uuid(),
                "sealed_destination",
                &a.municipality,
                &stolen,
                |_| private.clone(),
            )
            .is_err(),
            "the origin's key {} opened the destination's copy",
            key.key_id
        );
    }

    // 4. A sender that seals to an agency not entitled is refused; the refused message is
    // kept as a dead letter, still sealed.
    let employment_key = origin
        .store
        .directory_keys()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.agency == a.employment && k.current)
        .unwrap();
    let mut leaky = relocation_request(&env, "OSL-2026-4712", uuid::Uuid::new_v4());
    let leaky_id = schemas::MessageId::new();
    leaky["envelope"]["message_id"] = json!(leaky_id);
    let destination_key = origin
        .store
        .directory_keys()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.agency == a.destination && k.current)
        .unwrap();
    let plaintext = br#"{"address":"Kirkegata 5","postal_code":"7013","city":"Trondheim"}"#;
    let sealed = seal::seal(
        leaky_id.as_uuid(),
        "sealed_destination",
        plaintext,
        &[
            seal::Recipient {
                agency: &a.destination,
                key_id: destination_key.key_id.as_str(),
                public_key: &destination_key.public_key,
            },
            seal::Recipient {
                agency: &a.employment,
                key_id: employment_key.key_id.as_str(),
                public_key: &employment_key.public_key,
            },
        ],
    )
    .unwrap();
    leaky["body"]["sealed_destination"] = serde_json::to_value(&sealed).unwrap();
    let answer = origin.send_and_wait(&leaky).await;
    assert_eq!(
        refusal(&answer),
        Some(schemas::ReasonCode::SealedForUnentitled)
    );
    assert_eq!(env.dead_letters_with("SEALED_FOR_UNENTITLED").await, 1);

    // 5. Nothing of the relocation reached an agency not entitled to it.
    for agent in [&employment, &police, &contact_point] {
        for m in agent.inbox().await {
            assert!(
                !matches!(
                    m.envelope.message_type,
                    MessageType::RelocationRequest | MessageType::RelocationConfirmed
                ) && m
                    .envelope
                    .case_id
                    .as_ref()
                    .is_none_or(|c| !c.as_str().starts_with("OSL-")),
                "{} received {:?} about the relocation",
                agent.id,
                m.envelope.message_type
            );
            let json = String::from_utf8(m.to_json()).unwrap();
            assert!(
                !json.contains(a.destination.as_str())
                    || m.envelope.message_type == MessageType::KeyDirectory
            );
        }
    }

    // 6. The national contact point sees counts only, small ones suppressed.
    let counts = this_years_relocations(&env).await;
    let dk = &counts;
    use hub::contact_point::Count;
    assert_eq!(dk.requested, Count::Suppressed);
    assert_eq!(dk.confirmed, Count::Suppressed);
    assert_eq!(dk.open, Count::Exact(0));
    let shown = serde_json::to_string(&counts).unwrap();
    for hidden in [
        a.destination.as_str(),
        a.municipality.as_str(),
        case,
        SUBJECT,
    ] {
        assert!(!shown.contains(hidden), "the counts name {hidden}");
    }

    // 7. Rotation: the unit makes a new key; senders learn it; the old message still opens.
    let before = protection.store.current_key().await.unwrap().unwrap();
    let rotated = agent::keys::rotate(&protection.store, &protection.id, Utc::now())
        .await
        .unwrap();
    eventually(
        "the destination to learn the rotated key",
        DEADLINE,
        || async {
            let keys = destination.store.directory_keys().await.unwrap();
            keys.iter()
                .any(|k| {
                    k.agency == a.protection && k.current && k.key_id.as_str() != before.key_id
                })
                .then_some(())
        },
    )
    .await;
    let hub_keys = key_directory(&env).await;
    let old = hub_keys
        .keys
        .iter()
        .find(|k| k.key_id.as_str() == before.key_id)
        .unwrap();
    assert!(!old.current, "the hub lists the old key as rotated out");
    assert!(
        hub_keys
            .keys
            .iter()
            .any(|k| k.current && k.agency == a.protection && k.key_id.as_str() != before.key_id)
    );
    let _ = rotated;
    assert_eq!(
        opened(&protection, &at_unit).await.location(),
        Some(&location(new_address())),
        "a message sealed to the old key stays readable by its holder"
    );

    // 7b. The unit is restored from a backup older than the rotation, so it holds only the
    // old key and announces it again: the old key is current again, for every sender.
    let announced = agent::keys::key_published(
        &protection.id,
        &before,
        schemas::MessageId::new(),
        uuid::Uuid::now_v7(),
        Utc::now(),
    )
    .unwrap();
    protection
        .store
        .enqueue(&announced, Utc::now())
        .await
        .unwrap();
    eventually(
        "the destination to learn the old key is current again",
        DEADLINE,
        || async {
            let keys = destination.store.directory_keys().await.unwrap();
            keys.iter()
                .any(|k| {
                    k.agency == a.protection && k.current && k.key_id.as_str() == before.key_id
                })
                .then_some(())
        },
    )
    .await;
    let hub_keys = key_directory(&env).await;
    let current: Vec<&str> = hub_keys
        .keys
        .iter()
        .filter(|k| k.agency == a.protection && k.current)
        .map(|k| k.key_id.as_str())
        .collect();
    assert_eq!(
        current,
        [before.key_id.as_str()],
        "one current key per agency"
    );

    // 8. The plaintext is nowhere: not in the hub's database (messages, outbox, dead
    // letters, audit, everything), its logs, or any agent's store.
    hub.stop().await;
    let agents = [
        origin,
        destination,
        protection,
        contact_point,
        employment,
        police,
    ];
    let logs = e2e::logs::captured();
    assert!(!logs.is_empty(), "the logs were captured");
    for needle in PLAINTEXT {
        assert_eq!(
            env.where_in_database(needle).await,
            Vec::<String>::new(),
            "{needle} in the hub's database"
        );
        assert!(!logs.contains(needle), "{needle} in the logs");
        for agent in &agents {
            assert_eq!(
                files_contain(&agent.settings.agent.data_dir, needle),
                Vec::<std::path::PathBuf>::new(),
                "{needle} in the store of {}",
                agent.id
            );
        }
    }
    // The scans would have seen it: they find what is stored in clear (the case id), and the
    // sealed field's ciphertexts in the outbox and the dead letter.
    let with_case = env.where_in_database(case).await;
    assert!(with_case.contains(&"cases".to_owned()), "{with_case:?}");
    let sealed_bodies = env.where_in_database("sealed_destination").await;
    assert!(
        sealed_bodies.contains(&"outbox.payload".to_owned())
            && sealed_bodies.contains(&"dead_letters.body".to_owned()),
        "{sealed_bodies:?}"
    );
    assert!(
        logs.contains(case),
        "the hub's decisions on this case were logged"
    );
    assert!(!files_contain(&agents[0].settings.agent.data_dir, case).is_empty());
    for mut agent in agents {
        agent.stop().await;
    }
}

#[tokio::test]
async fn an_unanswered_relocation_escalates_to_the_origin_and_the_contact_point_only_counts_it() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let origin = env.start_agent(&a.municipality).await;
    let destination = env.start_agent(&a.destination).await;
    let contact_point = env.start_agent(&a.contact_point).await;
    origin.knows_keys_of(&[&a.destination]).await;
    assert_eq!(
        refusal(&origin.send_and_wait(&relocation_consent(&env)).await),
        None
    );
    let case = "OSL-2026-4720";
    let relocation_id = uuid::Uuid::new_v4();
    assert_eq!(
        refusal(
            &origin
                .send_and_wait(&relocation_request(&env, case, relocation_id))
                .await
        ),
        None
    );

    let shared = hub::prepare(env.hub_settings.clone()).await.unwrap();
    let now = Utc::now();
    assert_eq!(
        hub::deadlines::sweep(&shared, now + Days::new(2))
            .await
            .unwrap(),
        0,
        "2 calendar days to answer"
    );
    // Long past the deadline: the first and the double breach at once, but only the origin's
    // coordinator gets a message.
    assert_eq!(
        hub::deadlines::sweep(&shared, now + Days::new(10))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        hub::deadlines::sweep(&shared, now + Days::new(11))
            .await
            .unwrap(),
        0,
        "once"
    );
    let escalation = origin.received(MessageType::Escalation).await;
    let Body::Escalation(e) = &escalation.body else {
        unreachable!()
    };
    assert_eq!(
        e.deadline,
        schemas::messages::DeadlineName::RelocationAnswered
    );
    assert_eq!(e.level, EscalationLevel::Coordinator);
    let recorded: Vec<String> =
        sqlx::query_scalar("SELECT level FROM escalations WHERE subject_ref = $1 ORDER BY level")
            .bind(relocation_id.to_string())
            .fetch_all(&env.pool)
            .await
            .unwrap();
    assert_eq!(
        recorded,
        ["contact_point", "coordinator"],
        "the double breach is recorded"
    );
    let counts = this_years_relocations(&env).await;
    assert_eq!(counts.overdue, hub::contact_point::Count::Suppressed);
    assert_eq!(counts.open, hub::contact_point::Count::Suppressed);
    let to_contact_point: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE recipient = $1 AND message_type = 'Escalation'",
    )
    .bind(a.contact_point.as_str())
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(
        to_contact_point, 0,
        "the contact point gets no row about a relocation"
    );
    assert!(
        contact_point
            .inbox()
            .await
            .iter()
            .all(|m| m.envelope.message_type != MessageType::Escalation)
    );
    let _ = destination;
    hub.stop().await;
}

/// The contact point's relocation counts for this year (in progress: the dashboard shows
/// only closed periods, the function any).
async fn this_years_relocations(env: &TestEnv) -> hub::contact_point::RelocationCounts {
    use chrono::Datelike;
    let today = hub_core::periods::local_day(chrono::Utc::now(), schemas::Jurisdiction::DK);
    hub::contact_point::relocations(
        &env.pool,
        schemas::Jurisdiction::DK,
        hub_core::periods::Period::Year(today.year()),
        &Default::default(),
    )
    .await
    .unwrap()
}
