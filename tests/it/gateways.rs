//! Who may make a gateway (issue 14, findings 1, 2 and the consent half of 6): only a
//! programme's custodians record its consent, one record in force per person and programme,
//! any agency may record a withdrawal with its evidence, several genuine records combine per
//! category, and a new version after a withdrawal is in force.

use e2e::{
    AgentHandle, DEADLINE, PRISON_PROGRAMME, TestEnv, consent_granted, draft, eventually, refusal,
};
use schemas::{AgencyId, Body, MessageId, ReasonCode};
use serde_json::{Value, json};

const CASE: &str = "KBH-2026-1414";

fn subject() -> String {
    format!("ps-{:016x}", rand_u64())
}

fn rand_u64() -> u64 {
    uuid::Uuid::new_v4().as_u64_pair().0
}

/// A release notice from the prison to `to`, with housing and income needs (ECONOMY_BENEFITS).
fn notice(env: &TestEnv, to: &[&AgencyId], subject: &str) -> Value {
    draft("ReleaseNotice", &env.agencies.prison, to, CASE, subject)
}

/// The copy of message `id` in an agent's inbox, once it is there.
async fn copy_of(agent: &AgentHandle, id: MessageId) -> schemas::Message {
    eventually("the recipient's copy", DEADLINE, || async {
        agent
            .inbox()
            .await
            .into_iter()
            .find(|m| m.envelope.message_id == id)
    })
    .await
}

fn needs_kept(copy: &schemas::Message) -> bool {
    let Body::ReleaseNotice(n) = &copy.body else {
        panic!("a release notice expected")
    };
    n.needs.is_some()
}

/// A withdrawal of `consent_id` from `sender`, without a case id.
fn withdrawal(sender: &AgencyId, subject: &str, consent_id: uuid::Uuid, evidence: bool) -> Value {
    let mut m = e2e::example("ConsentWithdrawn");
    m["envelope"]["sender"] = json!(sender);
    m["envelope"]["message_id"] = json!(MessageId::new());
    m["envelope"]["subject"] = json!(subject);
    m["envelope"].as_object_mut().unwrap().remove("case_id");
    m["body"]["consent_id"] = json!(consent_id);
    m["body"]["withdrawn_at"] = json!(chrono::Utc::now());
    if evidence {
        m["body"]["evidence"] = json!({
            "received_by": "jobkonsulent, Jobcenter",
            "received_at": chrono::Utc::now(),
            "channel": "in_person"
        });
    }
    m
}

#[tokio::test]
async fn an_agency_cannot_make_its_own_gateway() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    let employment = env.start_agent(&a.employment).await;
    let subject = subject();
    env.grant_consent(&municipality, &subject).await;

    // The employment service records a consent of its own for the person, naming itself
    // custodian and granting itself risk, need and income data.
    let mut fabricated = consent_granted(&env, &subject, uuid::Uuid::new_v4(), 1);
    fabricated["envelope"]["sender"] = json!(a.employment);
    let consent = &mut fabricated["body"]["consent"];
    consent["custodian"] = json!(a.employment);
    consent["provisions"] = json!([{
        "recipients": [{"agency": a.employment}],
        "categories": ["SENTENCE_RELEASE", "RISK_NEED", "ECONOMY_BENEFITS", "CASE_STATUS"]
    }]);
    assert_eq!(
        refusal(&employment.send_and_wait(&fabricated).await),
        Some(ReasonCode::NotProgrammeCustodian)
    );

    // The prison's next release notice reaches it only as the real consent allows.
    let id = prison
        .send(&notice(&env, &[&a.municipality, &a.employment], &subject))
        .await;
    assert_eq!(refusal(&prison.answer_to(id).await), None);
    let copy = copy_of(&employment, id).await;
    assert!(!needs_kept(&copy), "income and housing needs withheld");
    assert_eq!(
        copy.envelope.data_categories,
        vec![schemas::DataCategory::SentenceRelease]
    );
    hub.stop().await;
}

#[tokio::test]
async fn one_record_in_force_per_person_and_programme() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    let subject = subject();
    let first = env.grant_consent(&municipality, &subject).await;

    // Another agency's record for the same person and programme.
    let mut other = consent_granted(&env, &subject, uuid::Uuid::new_v4(), 1);
    other["envelope"]["sender"] = json!(a.prison);
    other["body"]["consent"]["custodian"] = json!(a.prison);
    assert_eq!(
        refusal(&prison.send_and_wait(&other).await),
        Some(ReasonCode::NotProgrammeCustodian)
    );
    // A second record from the custodian itself: it must supersede the one in force.
    let second = consent_granted(&env, &subject, uuid::Uuid::new_v4(), 1);
    assert_eq!(
        refusal(&municipality.send_and_wait(&second).await),
        Some(ReasonCode::ConsentAlreadyInForce)
    );
    let next = consent_granted(&env, &subject, first, 2);
    assert_eq!(refusal(&municipality.send_and_wait(&next).await), None);
    hub.stop().await;
}

#[tokio::test]
async fn any_agency_records_a_withdrawal_with_evidence_and_the_custodian_is_told() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    let _employment = env.start_agent(&a.employment).await;
    let police = env.start_agent(&a.police).await;
    let subject = subject();
    let consent_id = env.grant_consent(&municipality, &subject).await;
    let before = prison
        .send_and_wait(&notice(&env, &[&a.employment], &subject))
        .await;
    assert_eq!(refusal(&before), None);

    // Without evidence, an agency other than the custodian is refused.
    assert_eq!(
        refusal(
            &police
                .send_and_wait(&withdrawal(&a.police, &subject, consent_id, false))
                .await
        ),
        Some(ReasonCode::WithdrawalEvidenceMissing)
    );
    // The police take part in no case of the person and name none: with evidence, accepted.
    let recorded = police
        .send_and_wait(&withdrawal(&a.police, &subject, consent_id, true))
        .await;
    assert_eq!(refusal(&recorded), None, "{recorded:?}");

    // The custodian is told at once; sharing under the consent stops.
    eventually("the custodian told", DEADLINE, || async {
        municipality
            .inbox()
            .await
            .iter()
            .any(|m| matches!(&m.body, Body::ConsentWithdrawn(w) if w.consent_id == consent_id && w.evidence.is_some()))
            .then_some(())
    })
    .await;
    let after = prison
        .send_and_wait(&notice(&env, &[&a.employment], &subject))
        .await;
    assert_eq!(refusal(&after), Some(ReasonCode::ConsentWithdrawn));
    // It made the police custodian of nothing.
    let custodians: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT custodian FROM consents WHERE consent_id = $1")
            .bind(consent_id)
            .fetch_all(&env.pool)
            .await
            .unwrap();
    assert_eq!(custodians, [a.municipality.to_string()]);
    hub.stop().await;
}

#[tokio::test]
async fn two_genuine_records_each_carry_what_they_cover_and_the_log_names_each() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    let employment = env.start_agent(&a.employment).await;
    let subject = subject();
    // The programme form lets the employment service have sentence data, not income needs.
    let exit = env.grant_consent(&municipality, &subject).await;
    // The prison's ordinary form lets it have income needs for release coordination.
    let ordinary = uuid::Uuid::new_v4();
    let mut form = consent_granted(&env, &subject, ordinary, 1);
    form["envelope"]["sender"] = json!(a.prison);
    let record = &mut form["body"]["consent"];
    record["custodian"] = json!(a.prison);
    record["programme"] = json!(PRISON_PROGRAMME);
    record["provisions"] = json!([{
        "senders": [{"agency": a.prison}],
        "recipients": [{"role": "employment"}],
        "purposes": ["RELEASE_COORDINATION"],
        "categories": ["ECONOMY_BENEFITS"]
    }]);
    let answer = prison.send_and_wait(&form).await;
    assert_eq!(refusal(&answer), None, "{answer:?}");

    let id = prison.send(&notice(&env, &[&a.employment], &subject)).await;
    assert_eq!(refusal(&prison.answer_to(id).await), None);
    let copy = copy_of(&employment, id).await;
    assert!(needs_kept(&copy), "the prison's form covers income needs");

    let log = hub::db::disclosures(&env.pool, &subject).await.unwrap();
    let row = log
        .iter()
        .find(|d| d.message_id == id.as_uuid())
        .expect("logged");
    assert!(row.removed.is_empty());
    let mut basis = row.basis.clone();
    basis.sort();
    assert_eq!(
        basis,
        [
            format!("ECONOMY_BENEFITS=CONSENT:{ordinary}@1"),
            format!("SENTENCE_RELEASE=CONSENT:{exit}@1"),
        ]
    );
    let csv = hub::export::disclosures_csv(&log);
    assert!(csv.contains(&format!("ECONOMY_BENEFITS=CONSENT:{ordinary}@1")));

    // Withdrawing either record the delivery relied on tells the employment service.
    let withdrawn = prison
        .send_and_wait(&withdrawal(&a.prison, &subject, ordinary, false))
        .await;
    assert_eq!(refusal(&withdrawn), None);
    eventually("the recipient told", DEADLINE, || async {
        employment
            .inbox()
            .await
            .iter()
            .any(|m| matches!(&m.body, Body::ConsentWithdrawn(w) if w.consent_id == ordinary))
            .then_some(())
    })
    .await;
    hub.stop().await;
}

#[tokio::test]
async fn a_new_version_after_a_withdrawal_is_in_force_from_its_start() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    let subject = subject();
    let consent_id = env.grant_consent(&municipality, &subject).await;
    let withdrawn = municipality
        .send_and_wait(&withdrawal(&a.municipality, &subject, consent_id, false))
        .await;
    assert_eq!(refusal(&withdrawn), None);
    let refused = prison
        .send_and_wait(&notice(&env, &[&a.employment], &subject))
        .await;
    assert_eq!(refusal(&refused), Some(ReasonCode::ConsentWithdrawn));

    // The person consents again; the custodian issues version 2.
    let v2 = municipality
        .send_and_wait(&consent_granted(&env, &subject, consent_id, 2))
        .await;
    assert_eq!(refusal(&v2), None);
    let id = prison.send(&notice(&env, &[&a.employment], &subject)).await;
    assert_eq!(refusal(&prison.answer_to(id).await), None);
    let log = hub::db::disclosures(&env.pool, &subject).await.unwrap();
    let row = log.iter().find(|d| d.message_id == id.as_uuid()).unwrap();
    assert_eq!(row.gateway, format!("CONSENT:{consent_id}@2"));
    hub.stop().await;
}
