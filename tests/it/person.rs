//! Who the person is, end to end: agencies name a person by national identity number, every
//! agent derives the same pseudonym, and the identity travels sealed to the recipients whose
//! gateway covers IDENTITY. The proofs: the municipality (under statute) reads the number and
//! name, the employment service (under a consent without IDENTITY) reads neither, the hub
//! refuses a copy for the contact point, and neither the number nor the name is anywhere in
//! the hub's database, the logs, or the store of an agency not entitled to them.

use e2e::{TestEnv, draft, files_contain, refusal};
use schemas::messages::SealedIdentity;
use schemas::{AgencyId, MessageType, ReasonCode};
use serde_json::{Value, json};

/// A synthetic CPR number, as a caseworker types it, and its normalised form.
const CPR: &str = "150640-3123";
const CPR_NORMALISED: &str = "1506403123";
/// A name that appears nowhere else.
const NAME: &str = "Åse Vindelev-Testrup";

fn person() -> Value {
    json!({"jurisdiction": "DK", "national_id": CPR, "name": NAME})
}

/// `draft` naming its person by number instead of pseudonym.
fn by_number(mut m: Value, person: Value) -> Value {
    m["envelope"].as_object_mut().unwrap().remove("subject");
    if let Some(consent) = m["body"].get_mut("consent").and_then(Value::as_object_mut) {
        consent.remove("subject");
    }
    m["person"] = person;
    m
}

#[tokio::test]
async fn the_identity_reaches_only_entitled_recipients_and_never_the_hub() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    let employment = env.start_agent(&a.employment).await;
    let contact_point = env.start_agent(&a.contact_point).await;
    prison
        .knows_keys_of(&[&a.municipality, &a.employment, &a.contact_point])
        .await;

    // 1. The municipality records the consent, typing the number; the consent lets the
    // employment service have the release date but not who the person is.
    let consent = by_number(
        e2e::consent_granted(&env, "ps-0000000000000000", uuid::Uuid::new_v4(), 1),
        person(),
    );
    let recorded = municipality.submit(&consent).await;
    let subject = recorded
        .envelope
        .subject
        .clone()
        .expect("a derived subject");
    assert!(subject.as_str().starts_with("ps-"));
    assert_eq!(
        refusal(&municipality.answer_to(recorded.envelope.message_id).await),
        None
    );

    // 2. The prison sends the release notice, typing the number the other way; its agent
    // derives the same pseudonym without asking anyone.
    let case = "KBH-2026-7001";
    let notice = by_number(
        draft(
            "ReleaseNotice",
            &a.prison,
            &[&a.municipality, &a.employment],
            case,
            "ps-0000000000000000",
        ),
        json!({"jurisdiction": "DK", "national_id": CPR_NORMALISED, "name": NAME}),
    );
    let sent = prison.submit(&notice).await;
    assert_eq!(sent.envelope.subject.as_ref(), Some(&subject));
    let answer = prison.answer_to(sent.envelope.message_id).await;
    assert_eq!(refusal(&answer), None, "{answer:?}");

    // 3. The municipality reads who it is; the employment service gets the notice without.
    let at_municipality = municipality.received(MessageType::ReleaseNotice).await;
    let opened =
        agent::people::open_identity(&municipality.store, &municipality.id, &at_municipality)
            .await
            .unwrap();
    let expected: SealedIdentity = serde_json::from_value(json!({
        "jurisdiction": "DK", "national_id": CPR_NORMALISED, "name": NAME,
        "date_of_birth": "1940-06-15"
    }))
    .unwrap();
    assert_eq!(opened, Some(agent::people::IdentityView::Shared(expected)));
    let at_employment = employment.received(MessageType::ReleaseNotice).await;
    assert!(at_employment.body.sealed_identity().is_none());
    assert_eq!(
        agent::people::open_identity(&employment.store, &employment.id, &at_employment)
            .await
            .unwrap(),
        Some(agent::people::IdentityView::NotShared)
    );
    let text = agent::present::describe_opened(
        &at_employment,
        None,
        Some(&agent::people::IdentityView::NotShared),
    );
    assert!(
        text.contains("identity not shared with your agency"),
        "{text}"
    );
    // The municipality finds the person by number or name; the employment service cannot.
    let today = chrono::Utc::now().date_naive();
    let found = agent::people::search(&municipality.store, "vindelev", today)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, subject);
    assert!(
        agent::people::search(&employment.store, CPR, today)
            .await
            .unwrap()
            .is_empty()
    );

    // 4. A copy sealed for the contact point, which never receives IDENTITY, is refused.
    let mut forged = draft(
        "ReleaseNotice",
        &a.prison,
        &[&a.municipality, &a.contact_point],
        "KBH-2026-7002",
        subject.as_str(),
    );
    let key_of = |agency: &AgencyId, keys: &[schemas::messages::DirectoryKey]| {
        keys.iter()
            .find(|k| &k.agency == agency && k.current)
            .map(|k| k.key_id.to_string())
            .unwrap()
    };
    let keys = prison.store.directory_keys().await.unwrap();
    forged["envelope"]["data_categories"] =
        json!(["SENTENCE_RELEASE", "ECONOMY_BENEFITS", "IDENTITY"]);
    forged["body"]["sealed_identity"] = json!({
        "scheme": schemas::messages::SEALING_SCHEME,
        "copies": [{"recipient": a.contact_point, "key_id": key_of(&a.contact_point, &keys),
                    "enc": "ZW5j", "ciphertext": "Y3Q="}]
    });
    let answer = prison.send_and_wait(&forged).await;
    assert_eq!(refusal(&answer), Some(ReasonCode::SealedForUnentitled));

    // 5. The number and the name are nowhere but on the entitled agencies' side.
    hub.stop().await;
    let logs = e2e::logs::captured();
    assert!(!logs.is_empty(), "the logs were captured");
    for needle in [CPR, CPR_NORMALISED, "Vindelev", "Testrup"] {
        assert_eq!(
            env.where_in_database(needle).await,
            Vec::<String>::new(),
            "{needle} in the hub's database"
        );
        assert!(!logs.contains(needle), "{needle} in the logs");
        for agent in [&employment, &contact_point] {
            assert_eq!(
                files_contain(&agent.settings.agent.data_dir, needle),
                Vec::<std::path::PathBuf>::new(),
                "{needle} in the store of {}",
                agent.id
            );
        }
    }
    // The scans would have seen it: the sealed copies are in the hub's outbox, and the
    // municipality's register holds the number in clear.
    let sealed = env.where_in_database("sealed_identity").await;
    assert!(sealed.contains(&"outbox.payload".to_owned()), "{sealed:?}");
    assert!(!files_contain(&municipality.settings.agent.data_dir, CPR_NORMALISED).is_empty());
    for mut agent in [prison, municipality, employment, contact_point] {
        agent.stop().await;
    }
}

/// The hub reads its recipients' sealing keys once per batch: a key announced earlier in the
/// same batch must count, so a copy sealed to it is not refused as an unknown key.
#[tokio::test]
async fn a_copy_sealed_to_a_key_announced_earlier_in_the_same_batch_is_accepted() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    // No hub yet: the municipality's key announcement and the prison's notice wait together
    // on the ingress queue, and the hub decides them in one batch when it starts.
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    let key = e2e::eventually("the municipality's key", e2e::DEADLINE, || async {
        municipality
            .store
            .own_keys()
            .await
            .unwrap()
            .into_iter()
            .next()
    })
    .await;
    let mut notice = draft(
        "ReleaseNotice",
        &a.prison,
        &[&a.municipality],
        "KBH-2026-7003",
        "ps-0b3e5c7a9d1f2e4c",
    );
    let message_id: uuid::Uuid = notice["envelope"]["message_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let sealed = seal::seal(
        message_id,
        schemas::messages::SEALED_IDENTITY,
        &serde_json::to_vec(&json!({"jurisdiction": "DK", "national_id": CPR_NORMALISED,
                                     "name": NAME, "date_of_birth": "1940-06-15"}))
        .unwrap(),
        &[seal::Recipient {
            agency: &a.municipality,
            key_id: &key.key_id,
            public_key: &key.public_key,
        }],
    )
    .unwrap();
    notice["envelope"]["data_categories"] =
        json!(["SENTENCE_RELEASE", "ECONOMY_BENEFITS", "IDENTITY"]);
    notice["body"]["sealed_identity"] = json!(sealed);
    let id = prison.send(&notice).await;
    // Both are on the ingress queue before the hub starts.
    e2e::eventually("both messages to be published", e2e::DEADLINE, || async {
        let sent = prison.store.sent(&id).await.unwrap()?;
        (sent.status == agent::store::SendStatus::Sent).then_some(())
    })
    .await;

    let hub = env.start_hub().await;
    let answer = prison.answer_to(id).await;
    assert_eq!(refusal(&answer), None, "{answer:?}");
    let at_municipality = municipality.received(MessageType::ReleaseNotice).await;
    let opened =
        agent::people::open_identity(&municipality.store, &municipality.id, &at_municipality)
            .await
            .unwrap();
    assert!(
        matches!(opened, Some(agent::people::IdentityView::Shared(_))),
        "{opened:?}"
    );
    hub.stop().await;
}

/// A D-nummer (Norway) and the fødselsnummer that replaced it: synthetic.
const D_NUMMER: &str = "410190 12040";
const FODSELSNUMMER: &str = "010190 12057";

/// A person whose identity number changed is linked old to new by an agency that knows both:
/// the case, the consent and the disclosure log follow; nobody outside the case can link,
/// and nobody can merge two people the hub knows apart.
#[tokio::test]
async fn a_changed_identity_number_is_linked_and_the_case_consent_and_log_follow() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    // The employment service receives the release notice (and its key is sealed to).
    let employment = env.start_agent(&a.employment).await;
    let police = env.start_agent(&a.police).await;
    prison
        .knows_keys_of(&[&a.municipality, &a.employment])
        .await;
    let by_d_nummer = json!({"jurisdiction": "NO", "national_id": D_NUMMER, "name": NAME});
    let by_new_number = json!({"jurisdiction": "NO", "national_id": FODSELSNUMMER, "name": NAME});

    // The person is known by a D-nummer: consent, and a release notice that opens a case.
    let consent = by_number(
        e2e::consent_granted(&env, "ps-0000000000000000", uuid::Uuid::new_v4(), 1),
        by_d_nummer.clone(),
    );
    let recorded = municipality.submit(&consent).await;
    let old = recorded.envelope.subject.clone().unwrap();
    assert_eq!(
        refusal(&municipality.answer_to(recorded.envelope.message_id).await),
        None
    );
    let case = "KBH-2026-7010";
    let notice = by_number(
        draft(
            "ReleaseNotice",
            &a.prison,
            &[&a.municipality, &a.employment],
            case,
            "ps-0000000000000000",
        ),
        by_d_nummer.clone(),
    );
    let sent = prison.submit(&notice).await;
    assert_eq!(
        refusal(&prison.answer_to(sent.envelope.message_id).await),
        None
    );
    municipality.received(MessageType::ReleaseNotice).await;

    // Before any link, a message naming the new number does not belong to the case.
    let summary = |person: Value| {
        by_number(
            draft(
                "RiskNeedSummary",
                &a.prison,
                &[&a.municipality],
                case,
                "ps-0000000000000000",
            ),
            person,
        )
    };
    let early = prison.submit(&summary(by_new_number.clone())).await;
    let new = early.envelope.subject.clone().unwrap();
    assert_ne!(new, old);
    assert_eq!(
        refusal(&prison.answer_to(early.envelope.message_id).await),
        Some(ReasonCode::SubjectMismatch)
    );

    // The police take no part in the case: they cannot link.
    let person = agent::people::find(&municipality.store, &old)
        .await
        .unwrap()
        .expect("the municipality knows the person");
    let reason = schemas::messages::LinkReason::NumberChanged;
    let mut outside = agent::people::link_draft(&municipality.store, &person, &new, reason)
        .await
        .unwrap();
    outside["envelope"]["sender"] = json!(a.police);
    assert_eq!(
        refusal(&police.send_and_wait(&outside).await),
        Some(ReasonCode::NotParticipant)
    );

    // The employment service takes part in the case, but neither owns it nor keeps the
    // person's consent: a link would let the case and the consent follow, so it may not.
    let mut participant = outside.clone();
    participant["envelope"]["sender"] = json!(a.employment);
    participant["envelope"]["message_id"] = json!(schemas::MessageId::new());
    assert_eq!(
        refusal(&employment.send_and_wait(&participant).await),
        Some(ReasonCode::NotCaseOwner)
    );

    // The municipality keeps the person's consent and knows both numbers: it links them.
    let link = agent::people::link_draft(&municipality.store, &person, &new, reason)
        .await
        .unwrap();
    assert_eq!(link["envelope"]["case_id"], json!(case));
    assert_eq!(refusal(&municipality.send_and_wait(&link).await), None);
    // The prison, also in the case, sends the same link (as every agency does after a key
    // rotation): the hub takes it and changes nothing.
    let at_prison = agent::people::find(&prison.store, &old)
        .await
        .unwrap()
        .expect("the prison knows the person");
    let same = agent::people::link_draft(&prison.store, &at_prison, &new, reason)
        .await
        .unwrap();
    assert_eq!(refusal(&prison.send_and_wait(&same).await), None);
    let links: i64 = sqlx::query_scalar("SELECT count(*) FROM person_links")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(links, 1);

    // Now a message naming the new number belongs to the case and flows under the consent
    // recorded for the old one.
    let later = prison
        .submit(&summary(
            json!({"jurisdiction": "NO", "national_id": FODSELSNUMMER}),
        ))
        .await;
    assert_eq!(later.envelope.subject.as_ref(), Some(&new));
    let answer = prison.answer_to(later.envelope.message_id).await;
    assert_eq!(refusal(&answer), None, "{answer:?}");
    let gateway: Option<String> =
        sqlx::query_scalar("SELECT gateway FROM decisions WHERE message_id = $1 AND delivered")
            .bind(later.envelope.message_id.as_uuid())
            .fetch_optional(&env.pool)
            .await
            .unwrap();
    assert!(
        gateway
            .as_deref()
            .is_some_and(|g| g.starts_with("CONSENT:")),
        "delivered under the consent recorded for the old pseudonym: {gateway:?}"
    );

    // The person's disclosure log, asked for by either pseudonym, holds both.
    for asked in [&old, &new] {
        let log = hub::db::disclosures(&env.pool, asked.as_str())
            .await
            .unwrap();
        let types: Vec<&str> = log.iter().map(|d| d.message_type.as_str()).collect();
        assert!(types.contains(&"ReleaseNotice"), "{asked}: {types:?}");
        assert!(types.contains(&"RiskNeedSummary"), "{asked}: {types:?}");
    }

    // Nobody can link a pseudonym the hub knows already: that would merge two people.
    let other = prison
        .submit(&by_number(
            draft(
                "ReleaseNotice",
                &a.prison,
                &[&a.municipality],
                "KBH-2026-7011",
                "ps-0000000000000000",
            ),
            json!({"jurisdiction": "DK", "national_id": CPR, "name": "Another Person"}),
        ))
        .await;
    assert_eq!(
        refusal(&prison.answer_to(other.envelope.message_id).await),
        None
    );
    let someone_else = other.envelope.subject.clone().unwrap();
    let mut merge = agent::people::link_draft(&municipality.store, &person, &someone_else, reason)
        .await
        .unwrap();
    merge["body"]["previous"] = json!(new);
    assert_eq!(
        refusal(&municipality.send_and_wait(&merge).await),
        Some(ReasonCode::LinkConflict)
    );
    hub.stop().await;
}
