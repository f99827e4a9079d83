//! Routing by consent and case ownership, withdrawal, the disclosure log and the audit chain.

use e2e::{DEADLINE, TestEnv, consent_granted, draft, eventually, refusal};
use schemas::{Body, ReasonCode};
use serde_json::json;

const SUBJECT: &str = "ps-5a1c9e3b7d2f4a60";
const CASE: &str = "KBH-2026-0999";

#[tokio::test]
async fn consent_decides_what_the_employment_service_gets_and_removals_are_logged() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    let employment = env.start_agent(&a.employment).await;

    // Before any consent, the employment service gets nothing: no statute covers it.
    let notice = draft(
        "ReleaseNotice",
        &a.prison,
        &[&a.municipality, &a.employment],
        CASE,
        SUBJECT,
    );
    let answer = prison.send_and_wait(&notice).await;
    assert_eq!(refusal(&answer), Some(ReasonCode::NoGateway));

    let consent_id = uuid::Uuid::new_v4();
    let granted = municipality
        .send_and_wait(&consent_granted(&env, SUBJECT, consent_id, 1))
        .await;
    assert_eq!(refusal(&granted), None, "{granted:?}");

    let notice = draft(
        "ReleaseNotice",
        &a.prison,
        &[&a.municipality, &a.employment],
        CASE,
        SUBJECT,
    );
    let id = prison.send(&notice).await;
    let answer = prison.answer_to(id).await;
    assert_eq!(refusal(&answer), None, "{answer:?}");

    // The municipality gets everything (statute); the employment service gets the notice
    // without the housing and income needs, which its consent does not cover.
    let muni_copy = eventually("the municipality's copy", DEADLINE, || async {
        municipality
            .inbox()
            .await
            .into_iter()
            .find(|m| m.envelope.message_id == id)
    })
    .await;
    let job_copy = eventually("the employment service's copy", DEADLINE, || async {
        employment
            .inbox()
            .await
            .into_iter()
            .find(|m| m.envelope.message_id == id)
    })
    .await;
    let (Body::ReleaseNotice(full), Body::ReleaseNotice(stripped)) =
        (&muni_copy.body, &job_copy.body)
    else {
        panic!("release notices expected")
    };
    assert!(full.needs.is_some());
    assert!(stripped.needs.is_none());
    assert_eq!(
        job_copy.envelope.data_categories,
        vec![schemas::DataCategory::SentenceRelease]
    );
    let under = schemas::GatewayRef::try_from(format!("CONSENT:{consent_id}@1")).unwrap();
    assert_eq!(
        job_copy.envelope.gateway,
        Some(under),
        "the copy names its gateway"
    );

    let log = hub::db::disclosures(&env.pool, SUBJECT).await.unwrap();
    let to_job = log
        .iter()
        .find(|d| d.recipient == a.employment.as_str())
        .expect("logged");
    assert_eq!(to_job.removed, vec!["ECONOMY_BENEFITS".to_owned()]);
    assert_eq!(to_job.gateway, format!("CONSENT:{consent_id}@1"));
    let to_muni = log
        .iter()
        .find(|d| d.recipient == a.municipality.as_str() && d.message_id == id.as_uuid())
        .unwrap();
    assert_eq!(to_muni.gateway, "STATUTE:DK-RPL115-KSP");
    assert!(hub::export::disclosures_csv(&log).lines().count() == log.len() + 1);
    hub.stop().await;
}

#[tokio::test]
async fn only_the_custodian_issues_versions_and_only_the_owner_hands_over() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    let employment = env.start_agent(&a.employment).await;
    let consent_id = env.grant_consent(&municipality, SUBJECT).await;

    // The prison may not issue version 2 of the municipality's consent record.
    let mut v2 = consent_granted(&env, SUBJECT, consent_id, 2);
    v2["envelope"]["sender"] = json!(a.prison);
    assert_eq!(
        refusal(&prison.send_and_wait(&v2).await),
        Some(ReasonCode::NotCustodian)
    );

    // The prison opens the case with a handover request to the municipality.
    let handover_id = uuid::Uuid::new_v4();
    let request = env.handover_request(CASE, SUBJECT, handover_id);
    assert_eq!(refusal(&prison.send_and_wait(&request).await), None);
    let owner = || async {
        sqlx::query_scalar::<_, String>("SELECT owner FROM cases WHERE case_id = $1")
            .bind(CASE)
            .fetch_one(&env.pool)
            .await
            .unwrap()
    };
    assert_eq!(owner().await, a.prison.as_str());

    // Only the addressed recipient answers; "received" does not move ownership.
    let answer = |from: &schemas::AgencyId, outcome: &str| {
        let mut m = draft("HandoverResponse", from, &[&a.prison], CASE, SUBJECT);
        m["body"]["handover_id"] = json!(handover_id);
        m["body"]["outcome"] = json!(outcome);
        m["envelope"]["purpose"] = json!("RELEASE_COORDINATION");
        m
    };
    assert_eq!(
        refusal(
            &employment
                .send_and_wait(&answer(&a.employment, "accepted"))
                .await
        ),
        Some(ReasonCode::NotAddressedRecipient)
    );
    assert_eq!(
        refusal(
            &municipality
                .send_and_wait(&answer(&a.municipality, "received"))
                .await
        ),
        None
    );
    assert_eq!(owner().await, a.prison.as_str());
    assert_eq!(
        refusal(
            &municipality
                .send_and_wait(&answer(&a.municipality, "accepted"))
                .await
        ),
        None
    );
    assert_eq!(
        owner().await,
        a.municipality.as_str(),
        "ownership moves on accepted"
    );

    // The prison no longer owns the case: it cannot hand it over again.
    let again = env.handover_request(CASE, SUBJECT, uuid::Uuid::new_v4());
    assert_eq!(
        refusal(&prison.send_and_wait(&again).await),
        Some(ReasonCode::NotCaseOwner)
    );
    hub.stop().await;
}

#[tokio::test]
async fn a_withdrawal_stops_the_flow_tells_past_recipients_and_quarantines_unopened_messages() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    let employment = env.start_agent(&a.employment).await;
    let consent_id = env.grant_consent(&municipality, SUBJECT).await;

    // Under consent: a release notice to the employment service (left unopened), and an open
    // handover from the prison to the municipality.
    let notice = draft("ReleaseNotice", &a.prison, &[&a.employment], CASE, SUBJECT);
    let under_consent = prison.send(&notice).await;
    assert_eq!(refusal(&prison.answer_to(under_consent).await), None);
    let handover_id = uuid::Uuid::new_v4();
    let request = env.handover_request(CASE, SUBJECT, handover_id);
    assert_eq!(refusal(&prison.send_and_wait(&request).await), None);
    eventually("the notice at the employment service", DEADLINE, || async {
        employment
            .inbox()
            .await
            .iter()
            .any(|m| m.envelope.message_id == under_consent)
            .then_some(())
    })
    .await;

    // The person withdraws; the municipality records it.
    let mut withdrawn = e2e::example("ConsentWithdrawn");
    withdrawn["envelope"]["sender"] = json!(a.municipality);
    withdrawn["envelope"]["message_id"] = json!(schemas::MessageId::new());
    withdrawn["envelope"]["subject"] = json!(SUBJECT);
    withdrawn["envelope"]["case_id"] = json!(CASE);
    withdrawn["body"]["consent_id"] = json!(consent_id);
    withdrawn["body"]["withdrawn_at"] = json!(chrono::Utc::now());
    assert_eq!(refusal(&municipality.send_and_wait(&withdrawn).await), None);

    // Agencies that received data under it are told, and the unopened notice is quarantined.
    let row = eventually("quarantine at the employment service", DEADLINE, || async {
        let inbox = employment.store.inbox(100).await.unwrap();
        let told = inbox.iter().any(|m| m.message_type == "ConsentWithdrawn");
        let notice = inbox
            .into_iter()
            .find(|m| m.message_id == under_consent.to_string())?;
        (told && notice.quarantined_at.is_some()).then_some(notice)
    })
    .await;
    assert!(row.opened_at.is_none());
    let notice = employment.store.inbox(100).await.unwrap();
    let notice = notice
        .iter()
        .find(|m| m.message_type == "ConsentWithdrawn")
        .unwrap();
    assert!(
        notice.quarantined_at.is_none(),
        "the withdrawal notice itself stays readable"
    );
    let opened = employment
        .store
        .open_message(&row.message_id, None, chrono::Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert!(
        opened.opened_at.is_none(),
        "a quarantined message cannot be opened"
    );

    // The open handover is blocked; nothing more flows under the consent.
    let state: String = sqlx::query_scalar("SELECT state FROM handovers WHERE handover_id = $1")
        .bind(handover_id)
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(state, "blocked_consent");
    let after = draft("ReleaseNotice", &a.prison, &[&a.employment], CASE, SUBJECT);
    assert_eq!(
        refusal(&prison.send_and_wait(&after).await),
        Some(ReasonCode::ConsentWithdrawn)
    );
    hub.stop().await;
}

#[tokio::test]
async fn hub_audit_verify_finds_edited_inserted_and_deleted_entries() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    prison.key_announced().await;
    // The events and entries before this test's three: the agent's key announcement.
    let base = env.audit_entries().await;
    let last: i64 = sqlx::query_scalar("SELECT max(seq) FROM audit_log")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let mut sent = Vec::new();
    for _ in 0..3 {
        // Each waits for its answer, so each is a batch of its own: one entry each.
        let id = prison.send(&env.release_notice(&[&a.municipality])).await;
        prison.answer_to(id).await;
        sent.push(id.as_uuid());
    }
    hub.stop().await;
    let verify = || hub::db::verify_audit(&env.pool);
    // The seq of this test's n-th entry.
    let seq = |n: i64| last + n;
    assert_eq!(
        verify().await.unwrap(),
        hub::db::AuditCheck::Intact { entries: base + 3 }
    );

    // The log refuses updates and deletes outright.
    assert!(
        sqlx::query("UPDATE audit_log SET entry = entry WHERE seq = $1")
            .bind(seq(2))
            .execute(&env.pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit_log WHERE seq = $1")
            .bind(seq(3))
            .execute(&env.pool)
            .await
            .is_err()
    );

    // Each notice is a leaf of its batch's entry, and the path from its record to the
    // entry's tree hash holds.
    for (n, id) in sent.iter().enumerate() {
        match hub::db::audit::prove(&env.pool, a.prison.as_str(), *id)
            .await
            .unwrap()
        {
            hub::db::audit::Proof::InBatch(inclusion) => {
                assert_eq!(
                    (inclusion.seq, inclusion.index, inclusion.size),
                    (seq(n as i64 + 1), 0, 1)
                );
                assert!(inclusion.holds());
                let (text, proven) =
                    hub::db::audit::Proof::InBatch(inclusion).report(a.prison.as_str(), *id);
                assert!(proven && text.contains("is leaf 0 of 1"), "{text}");
            }
            other => panic!("no proof of notice {n}: {other:?}"),
        }
    }
    assert_eq!(
        hub::db::audit::prove(&env.pool, a.municipality.as_str(), sent[0])
            .await
            .unwrap(),
        hub::db::audit::Proof::Unknown,
        "ids are scoped by their sender"
    );

    // Someone with the power to lift the trigger edits, deletes, inserts: verify finds each.
    let pool = env.pool.clone();
    let tamper = |sql: String| {
        let pool = pool.clone();
        async move {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await
                .unwrap();
            let check = hub::db::verify_audit_in(&mut tx).await.unwrap();
            tx.rollback().await.unwrap();
            check
        }
    };
    let broken_at = |check: hub::db::AuditCheck| match check {
        hub::db::AuditCheck::Broken { seq, .. } => seq,
        intact => panic!("tampering not found: {intact:?}"),
    };
    assert_eq!(
        broken_at(
            tamper(format!(
                "UPDATE audit_log SET entry = replace(entry, '\"messages\":1', '\"messages\":2') WHERE seq = {}",
                seq(2)
            ))
            .await
        ),
        seq(2)
    );
    assert_eq!(
        broken_at(tamper(format!("DELETE FROM audit_log WHERE seq = {}", seq(2))).await),
        seq(3)
    );
    assert_eq!(
        broken_at(tamper(format!("INSERT INTO audit_log SELECT {}, entry, prev_hash, hash FROM audit_log WHERE seq = {}", seq(4), seq(1))).await),
        seq(4)
    );

    // The records a batch entry commits to: a message's record or a decision edited, a
    // decision deleted, a message forged into a batch.
    let of = |n: usize| format!("sender = '{}' AND message_id = '{}'", a.prison, sent[n]);
    for (sql, at) in [
        (format!("UPDATE messages SET message_type = 'HandoverRequest' WHERE {}", of(1)), seq(2)),
        (format!("UPDATE decisions SET delivered = NOT delivered WHERE {}", of(2)), seq(3)),
        (format!("UPDATE decisions SET recipient = '{}' WHERE {}", a.police, of(0)), seq(1)),
        (format!("DELETE FROM decisions WHERE {}", of(1)), seq(2)),
        (
            format!(
                "INSERT INTO messages SELECT sender, gen_random_uuid(), correlation_id, message_type, case_id, subject, purpose,
                        body_sha256, sent_at, received_at, outcome, reason, audit_seq, audit_leaf + 1
                 FROM messages WHERE {}",
                of(2)
            ),
            seq(3),
        ),
    ] {
        assert_eq!(broken_at(tamper(sql.clone()).await), at, "{sql}");
    }
    // A proof made from an edited record no longer leads to the entry's tree hash.
    let set_type = |to: String| {
        let (pool, sql) = (
            env.pool.clone(),
            format!("UPDATE messages SET message_type = $1 WHERE {}", of(1)),
        );
        async move {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(to)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    let original: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT message_type FROM messages WHERE {}",
        of(1)
    )))
    .fetch_one(&env.pool)
    .await
    .unwrap();
    set_type("HandoverRequest".to_owned()).await;
    match hub::db::audit::prove(&env.pool, a.prison.as_str(), sent[1])
        .await
        .unwrap()
    {
        hub::db::audit::Proof::InBatch(inclusion) => assert!(!inclusion.holds()),
        other => panic!("{other:?}"),
    }
    set_type(original).await;
    assert_eq!(
        verify().await.unwrap(),
        hub::db::AuditCheck::Intact { entries: base + 3 }
    );
}
