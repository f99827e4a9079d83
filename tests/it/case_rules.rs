//! A case id belongs to one person and to the agency that opened it; a handover's answer
//! goes only to its requester; a rejection carries its reason; the requester may cancel.

use chrono::{NaiveTime, TimeZone, Utc};
use e2e::{AgentHandle, DEADLINE, HubHandle, TestEnv, draft, eventually, refusal};
use schemas::messages::Receipt;
use schemas::{Body, Jurisdiction, ReasonCode};
use serde_json::{Value, json};

const SUBJECT: &str = "ps-3e5a7c9b1d2f4e60";
const OTHER_SUBJECT: &str = "ps-9d8c7b6a5f4e3d21";
const CASE: &str = "KBH-2026-0401";

async fn case_row(env: &TestEnv, case: &str) -> Option<(String, String)> {
    sqlx::query_as("SELECT owner, subject FROM cases WHERE case_id = $1")
        .bind(case)
        .fetch_optional(&env.pool)
        .await
        .unwrap()
}

async fn handover_state(env: &TestEnv, handover_id: uuid::Uuid) -> String {
    sqlx::query_scalar("SELECT state FROM handovers WHERE handover_id = $1")
        .bind(handover_id)
        .fetch_one(&env.pool)
        .await
        .unwrap()
}

/// Whether the hub logged a delivery of message `id` to `recipient`.
async fn delivered(env: &TestEnv, subject: &str, id: schemas::MessageId, recipient: &str) -> bool {
    hub::db::disclosures(&env.pool, subject)
        .await
        .unwrap()
        .iter()
        .any(|d| d.message_id == id.as_uuid() && d.recipient == recipient)
}

async fn holds(agent: &AgentHandle, id: schemas::MessageId) -> bool {
    agent
        .inbox()
        .await
        .iter()
        .any(|m| m.envelope.message_id == id)
}

/// The municipality's answer to `handover_id`, to `to`.
fn answer(
    env: &TestEnv,
    to: &[&schemas::AgencyId],
    handover_id: uuid::Uuid,
    outcome: &str,
) -> Value {
    let a = &env.agencies;
    let mut m = draft("HandoverResponse", &a.municipality, to, CASE, SUBJECT);
    m["body"]["handover_id"] = json!(handover_id);
    m["body"]["outcome"] = json!(outcome);
    m["envelope"]["purpose"] = json!("RELEASE_COORDINATION");
    m
}

/// A hub, the prison's and the municipality's agents, a consent in force, and the prison's
/// handover request of the case to the municipality.
async fn open_handover() -> (TestEnv, HubHandle, AgentHandle, AgentHandle, uuid::Uuid) {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    env.grant_consent(&municipality, SUBJECT).await;
    let handover_id = uuid::Uuid::new_v4();
    let request = env.handover_request(CASE, SUBJECT, handover_id);
    assert_eq!(refusal(&prison.send_and_wait(&request).await), None);
    (env, hub, prison, municipality, handover_id)
}

#[tokio::test]
async fn a_message_naming_another_person_on_a_case_is_refused() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;

    // The prison opens the case about SUBJECT with a release notice (the statute allows it).
    let first = draft(
        "ReleaseNotice",
        &a.prison,
        &[&a.municipality],
        CASE,
        SUBJECT,
    );
    assert_eq!(refusal(&prison.send_and_wait(&first).await), None);
    assert_eq!(
        case_row(&env, CASE).await,
        Some((a.prison.to_string(), SUBJECT.to_owned()))
    );

    // The same case id naming another person: refused, and the municipality never gets it.
    let other = draft(
        "ReleaseNotice",
        &a.prison,
        &[&a.municipality],
        CASE,
        OTHER_SUBJECT,
    );
    let id = prison.send(&other).await;
    assert_eq!(
        refusal(&prison.answer_to(id).await),
        Some(ReasonCode::SubjectMismatch)
    );
    assert!(!delivered(&env, OTHER_SUBJECT, id, a.municipality.as_str()).await);
    // A later message of the same sender is delivered, so the refused one would be by now.
    let after = draft(
        "ReleaseNotice",
        &a.prison,
        &[&a.municipality],
        CASE,
        SUBJECT,
    );
    let after = prison.send(&after).await;
    eventually("the next notice at the municipality", DEADLINE, || async {
        holds(&municipality, after).await.then_some(())
    })
    .await;
    assert!(!holds(&municipality, id).await);
    assert_eq!(
        case_row(&env, CASE).await.map(|(_, s)| s),
        Some(SUBJECT.to_owned())
    );
    hub.stop().await;
}

#[tokio::test]
async fn a_case_id_refused_at_its_first_message_cannot_be_taken_by_another_agency() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;

    // The prison's first message about the case is refused: no consent lets the employment
    // service have it yet.
    let notice = draft("ReleaseNotice", &a.prison, &[&a.employment], CASE, SUBJECT);
    assert_eq!(
        refusal(&prison.send_and_wait(&notice).await),
        Some(ReasonCode::NoGateway)
    );
    assert_eq!(case_row(&env, CASE).await, None);

    // With a consent in force, the municipality tries to open a case under that id.
    env.grant_consent(&municipality, SUBJECT).await;
    let mut take = draft(
        "HandoverRequest",
        &a.municipality,
        &[&a.prison],
        CASE,
        SUBJECT,
    );
    take["body"]["handover_id"] = json!(uuid::Uuid::new_v4());
    take["envelope"]["purpose"] = json!("RELEASE_COORDINATION");
    assert_eq!(
        refusal(&municipality.send_and_wait(&take).await),
        Some(ReasonCode::NotParticipant)
    );
    assert_eq!(case_row(&env, CASE).await, None, "nobody took the case id");

    // The prison itself may open it, about the same person only.
    let other = draft(
        "ReleaseNotice",
        &a.prison,
        &[&a.municipality],
        CASE,
        OTHER_SUBJECT,
    );
    assert_eq!(
        refusal(&prison.send_and_wait(&other).await),
        Some(ReasonCode::SubjectMismatch)
    );
    let notice = draft(
        "ReleaseNotice",
        &a.prison,
        &[&a.municipality],
        CASE,
        SUBJECT,
    );
    assert_eq!(refusal(&prison.send_and_wait(&notice).await), None);
    assert_eq!(
        case_row(&env, CASE).await,
        Some((a.prison.to_string(), SUBJECT.to_owned()))
    );
    hub.stop().await;
}

#[tokio::test]
async fn an_answer_addressed_to_a_third_agency_does_not_reach_it() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    let employment = env.start_agent(&a.employment).await;
    env.grant_consent(&municipality, SUBJECT).await;
    let handover_id = uuid::Uuid::new_v4();
    let request = env.handover_request(CASE, SUBJECT, handover_id);
    assert_eq!(refusal(&prison.send_and_wait(&request).await), None);

    // The consent would let the employment service have CASE_STATUS: only the rule stops it.
    let id = municipality
        .send(&answer(
            &env,
            &[&a.prison, &a.employment],
            handover_id,
            "received",
        ))
        .await;
    let receipt = municipality.answer_to(id).await;
    let Body::Receipt(Receipt {
        delivered_to,
        refused,
        ..
    }) = &receipt.body
    else {
        panic!("a receipt: {receipt:?}")
    };
    assert_eq!(delivered_to, std::slice::from_ref(&a.prison));
    assert_eq!(refused.len(), 1);
    assert_eq!(
        (&refused[0].recipient, refused[0].reason),
        (&a.employment, ReasonCode::OutsideHandover)
    );
    eventually("the answer at the prison", DEADLINE, || async {
        holds(&prison, id).await.then_some(())
    })
    .await;
    assert!(!delivered(&env, SUBJECT, id, a.employment.as_str()).await);
    assert!(!holds(&employment, id).await);

    // Addressed to the third agency alone, it is refused as a whole.
    let only_third = municipality
        .send_and_wait(&answer(&env, &[&a.employment], handover_id, "accepted"))
        .await;
    assert_eq!(refusal(&only_third), Some(ReasonCode::OutsideHandover));
    assert_eq!(handover_state(&env, handover_id).await, "received");
    hub.stop().await;
}

#[tokio::test]
async fn a_rejection_without_a_reason_is_refused() {
    let (env, hub, _prison, municipality, handover_id) = open_handover().await;
    let a = &env.agencies;

    let bare = municipality
        .send_and_wait(&answer(&env, &[&a.prison], handover_id, "rejected"))
        .await;
    assert_eq!(refusal(&bare), Some(ReasonCode::ReasonRequired));
    let Body::Undeliverable(u) = &bare.body else {
        unreachable!()
    };
    assert!(u.detail.contains("body.reason"), "{}", u.detail);
    assert_eq!(handover_state(&env, handover_id).await, "requested");

    let mut with_reason = answer(&env, &[&a.prison], handover_id, "rejected");
    with_reason["body"]["reason"] = json!("No places until March");
    assert_eq!(
        refusal(&municipality.send_and_wait(&with_reason).await),
        None
    );
    assert_eq!(handover_state(&env, handover_id).await, "rejected");
    hub.stop().await;
}

#[tokio::test]
async fn the_sender_cancels_a_handover_the_recipient_gets_it_and_it_is_not_escalated() {
    let (env, hub, prison, municipality, handover_id) = open_handover().await;
    let a = &env.agencies;

    let cancel = |from: &schemas::AgencyId, to: &schemas::AgencyId| {
        let mut m = draft("HandoverCancelled", from, &[to], CASE, SUBJECT);
        m["body"]["handover_id"] = json!(handover_id);
        m["envelope"]["purpose"] = json!("RELEASE_COORDINATION");
        m
    };
    // Only the requester cancels.
    assert_eq!(
        refusal(
            &municipality
                .send_and_wait(&cancel(&a.municipality, &a.prison))
                .await
        ),
        Some(ReasonCode::NotCaseOwner)
    );
    let id = prison.send(&cancel(&a.prison, &a.municipality)).await;
    assert_eq!(refusal(&prison.answer_to(id).await), None);
    let got = eventually("the cancellation at the municipality", DEADLINE, || async {
        municipality
            .inbox()
            .await
            .into_iter()
            .find(|m| m.envelope.message_id == id)
    })
    .await;
    let Body::HandoverCancelled(c) = &got.body else {
        panic!("a cancellation: {got:?}")
    };
    assert_eq!(c.handover_id, handover_id);
    let shown = agent::present::describe(&got);
    assert!(shown.contains("Handover cancelled"), "{shown}");
    assert_eq!(handover_state(&env, handover_id).await, "cancelled");
    assert_eq!(
        case_row(&env, CASE).await.map(|(owner, _)| owner),
        Some(a.prison.to_string()),
        "the case stays with its owner"
    );

    // Nothing answers a cancelled handover, and no deadline runs on it.
    let late = municipality
        .send_and_wait(&answer(&env, &[&a.prison], handover_id, "accepted"))
        .await;
    assert_eq!(refusal(&late), Some(ReasonCode::InvalidTransition));
    let shared = hub::prepare(env.hub_settings.clone()).await.unwrap();
    let calendar = shared.deadlines.calendar(Jurisdiction::DK);
    let long_after = calendar.add_working_days(Utc::now().date_naive(), 30);
    let at =
        Utc.from_utc_datetime(&long_after.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap()));
    assert_eq!(hub::deadlines::sweep(&shared, at).await.unwrap(), 0);
    hub.stop().await;
}
