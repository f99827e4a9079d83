//! Deadlines and escalation with controlled time, and several hubs side by side.

use chrono::{Days, NaiveTime, TimeZone, Utc};
use e2e::{DEADLINE, TestEnv, eventually, refusal};
use schemas::messages::EscalationLevel;
use schemas::{Body, Jurisdiction};
use serde_json::json;

const SUBJECT: &str = "ps-0c2d4e6f8a1b3c5d";
const CASE: &str = "KBH-2026-0777";

fn escalations(inbox: &[schemas::Message]) -> Vec<&schemas::messages::Escalation> {
    inbox
        .iter()
        .filter_map(|m| match &m.body {
            Body::Escalation(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn an_unanswered_handover_escalates_once_to_the_coordinator_then_to_the_contact_point() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    let contact_point = env.start_agent(&a.contact_point).await;
    env.grant_consent(&municipality, SUBJECT).await;
    let request = env.handover_request(CASE, SUBJECT, uuid::Uuid::new_v4());
    assert_eq!(refusal(&prison.send_and_wait(&request).await), None);

    // The sweep runs with a clock the test sets; no waiting for real days.
    let shared = hub::prepare(env.hub_settings.clone()).await.unwrap();
    let calendar = shared.deadlines.calendar(Jurisdiction::DK);
    let today = Utc::now().date_naive();
    let due = calendar.add_working_days(today, 2);
    let at = |day: chrono::NaiveDate| {
        Utc.from_utc_datetime(&day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap()))
    };

    assert_eq!(
        hub::deadlines::sweep(&shared, at(due)).await.unwrap(),
        0,
        "not overdue on the due day"
    );
    let first = at(calendar.add_working_days(due, 1));
    assert_eq!(hub::deadlines::sweep(&shared, first).await.unwrap(), 1);
    assert_eq!(
        hub::deadlines::sweep(&shared, first).await.unwrap(),
        0,
        "sent once"
    );
    let inbox = eventually("the coordinator's escalation", DEADLINE, || async {
        let inbox = prison.inbox().await;
        (!escalations(&inbox).is_empty()).then_some(inbox)
    })
    .await;
    let to_coordinator = inbox
        .iter()
        .find(|m| matches!(m.body, Body::Escalation(_)))
        .unwrap();
    let Body::Escalation(e) = &to_coordinator.body else {
        unreachable!()
    };
    assert_eq!(e.level, EscalationLevel::Coordinator);
    assert_eq!(e.days_overdue, 1);
    assert_eq!(
        to_coordinator.envelope.case_id.as_ref().map(|c| c.as_str()),
        Some(CASE)
    );

    // A double breach reaches the contact point: its own pseudonym, no case id.
    let double = at(calendar.add_working_days(due, 2));
    assert_eq!(hub::deadlines::sweep(&shared, double).await.unwrap(), 1);
    let message = eventually("the contact point's escalation", DEADLINE, || async {
        contact_point
            .inbox()
            .await
            .into_iter()
            .find(|m| matches!(m.body, Body::Escalation(_)))
    })
    .await;
    let Body::Escalation(e) = &message.body else {
        unreachable!()
    };
    assert_eq!(e.level, EscalationLevel::ContactPoint);
    assert_eq!(e.days_overdue, 2);
    assert_eq!(e.agencies, vec![a.municipality.clone(), a.prison.clone()]);
    assert_eq!(message.envelope.case_id, None);
    let pseudonym = message.envelope.subject.clone().unwrap();
    assert_ne!(
        pseudonym.as_str(),
        SUBJECT,
        "the contact point's pseudonym is its own"
    );
    assert_eq!(
        pseudonym,
        hub_core::contact_point::pseudonym("test-contact-point-key", &SUBJECT.try_into().unwrap())
    );
    hub.stop().await;
}

/// A handover in a case its owner has closed cannot be answered any more (the hub refuses
/// it with CaseClosed): closing the case ends it, and nobody is told it is late (the
/// agent's Due view leaves a closed case out too).
#[tokio::test]
async fn a_handover_in_a_closed_case_is_not_escalated() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    env.grant_consent(&municipality, SUBJECT).await;
    let request = env.handover_request(CASE, SUBJECT, uuid::Uuid::new_v4());
    assert_eq!(refusal(&prison.send_and_wait(&request).await), None);
    let closing = e2e::draft("CaseClosed", &a.prison, &[&a.municipality], CASE, SUBJECT);
    assert_eq!(refusal(&prison.send_and_wait(&closing).await), None);
    let state: String = sqlx::query_scalar("SELECT state FROM handovers")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(
        state, "cancelled",
        "closing the case ends its open handover"
    );

    let shared = hub::prepare(env.hub_settings.clone()).await.unwrap();
    let calendar = shared.deadlines.calendar(Jurisdiction::DK);
    let late = calendar.add_working_days(Utc::now().date_naive(), 12);
    let at = Utc.from_utc_datetime(&late.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap()));
    assert_eq!(
        hub::deadlines::sweep(&shared, at).await.unwrap(),
        0,
        "no escalation for a closed case"
    );
    hub.stop().await;
}

#[tokio::test]
async fn a_release_notice_that_comes_too_late_is_escalated_when_it_arrives() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let contact_point = env.start_agent(&a.contact_point).await;
    let mut notice = env.release_notice(&[&a.municipality]);
    let release = Utc::now().date_naive() + Days::new(30);
    notice["body"]["expected_release"] = json!(release);
    notice["body"]
        .as_object_mut()
        .unwrap()
        .remove("earliest_release");
    notice["envelope"]["subject"] = json!(SUBJECT);
    let answer = prison.send_and_wait(&notice).await;
    assert_eq!(refusal(&answer), None);
    let inbox = eventually("the coordinator's escalation", DEADLINE, || async {
        let inbox = prison.inbox().await;
        (!escalations(&inbox).is_empty()).then_some(inbox)
    })
    .await;
    assert_eq!(escalations(&inbox)[0].level, EscalationLevel::Coordinator);
    // 30 days before release is less than half the 3 months required: a double breach.
    eventually("the contact point's escalation", DEADLINE, || async {
        escalations(&contact_point.inbox().await)
            .iter()
            .any(|e| e.level == EscalationLevel::ContactPoint)
            .then_some(())
    })
    .await;
    hub.stop().await;
}

#[tokio::test]
async fn two_hubs_share_the_ingress_without_double_delivery() {
    let env = TestEnv::with(&[("hub.prefetch", "4"), ("hub.batch_max", "4")]).await;
    let a = &env.agencies;
    let hubs = [env.start_hub().await, env.start_hub().await];
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    prison.key_announced().await;
    municipality.key_announced().await;
    let audited = env.audit_entries().await;
    let count = 60;
    for _ in 0..count {
        prison.send(&env.release_notice(&[&a.municipality])).await;
    }
    eventually("every message delivered and answered", DEADLINE, || async {
        (municipality.inbox().await.len() == count && prison.inbox().await.len() == count)
            .then_some(())
    })
    .await;
    // One outbox row per message for the municipality (rows are keyed by message and
    // recipient), each recorded as published; the record may trail the delivery a moment.
    let rows: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE recipient = $1 AND message_type = 'ReleaseNotice'",
    )
    .bind(a.municipality.as_str())
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(
        rows, count as i64,
        "each message queued once for the municipality"
    );
    eventually("every row recorded as published", DEADLINE, || async {
        let published: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM outbox WHERE recipient = $1 AND message_type = 'ReleaseNotice' AND published_at IS NOT NULL",
        )
        .bind(a.municipality.as_str())
        .fetch_one(&env.pool)
        .await
        .unwrap();
        (published == count as i64).then_some(())
    })
    .await;
    assert_eq!(
        hub::db::verify_audit(&env.pool).await.unwrap(),
        hub::db::AuditCheck::Intact {
            entries: audited + count as u64
        }
    );
    for hub in hubs {
        hub.stop().await;
    }
}
