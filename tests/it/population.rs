//! The demo population through a test env: a small population planned by
//! `e2e::population`, driven through the real agents with backfill on, and what arrived at
//! the hub checked against the driver's tally and the plan's simulated dates.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Timelike, Utc};
use e2e::population::{Cities, DriveOptions, Driver, Mark, Plan, PlanConfig, Shape, Tally};
use e2e::{DEADLINE, TestEnv};
use schemas::MessageType;
use sqlx::Row;

async fn counts(env: &TestEnv, sql: &str) -> BTreeMap<String, u64> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(&env.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1) as u64))
        .collect()
}

async fn count(env: &TestEnv, sql: &str) -> u64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&env.pool)
        .await
        .unwrap() as u64
}

#[tokio::test]
async fn a_small_population_arrives_as_tallied_and_dated_as_simulated() {
    let mut env = TestEnv::new().await;
    env.hub_settings.hub.backfill_days = 800;
    // The sweep compares open handovers with the real clock: not while the history loads.
    env.hub_settings.hub.deadline_sweep_seconds = 3600;
    let hub = env.start_hub().await;
    let a = env.agencies.clone();
    let mut agents = Vec::new();
    for id in [
        &a.prison,
        &a.municipality,
        &a.destination,
        &a.police,
        &a.employment,
        &a.contact_point,
        &a.protection,
    ] {
        agents.push(env.start_agent(id).await);
    }

    // More of the rare things than the demo has, so 40 cases show each of them (two years,
    // so some cases end early enough for an outcome report).
    let now = Utc::now().with_nanosecond(0).unwrap();
    let mut config = PlanConfig::new(3, 40, 730, now);
    config.shape = Shape {
        consent_at_intake: 0.7,
        relocation: 0.35,
        risk_to_employment: 0.3,
        notice_to_employment_without_consent: 1.0,
        outcome_consent: 0.7,
        outcome_without_consent: 1.0,
        ..Shape::default()
    };
    let plan = Plan::new(config, &Cities::for_test(&env.agencies));
    let driver = Driver::new(
        agents
            .iter()
            .map(|agent| (agent.id.clone(), agent.store.clone())),
        DriveOptions {
            concurrency: 40,
            answer_timeout: DEADLINE,
            progress_every: 0,
        },
    );
    driver.wait_until_ready(DEADLINE).await.unwrap();
    let tally = driver.run(&plan.cases, |_| {}).await.unwrap();
    assert!(tally.unexpected.is_empty(), "{:#?}", tally.unexpected);
    assert_eq!(tally, Tally::expected(&plan), "as planned");
    // The plan exercised what this test is for.
    assert!(tally.relocations.accepted > 0, "{tally}");
    assert!(
        tally.handovers.rejected > 0 && tally.handovers.accepted > 0,
        "{tally}"
    );
    assert!(
        tally.outcomes.reported > 0 && !tally.cases_closed.is_empty(),
        "{tally}"
    );
    assert!(
        tally.expected_refusals.contains_key("NO_GATEWAY"),
        "{tally}"
    );
    assert!(
        tally.expected_refusals.contains_key("CATEGORY_NOT_COVERED"),
        "{tally}"
    );
    assert!(
        tally.by_type[&MessageType::OutcomeReport].refused > 0,
        "{tally}"
    );

    // Cases, consents, handovers, relocations, rejection codes and outcomes at the hub.
    assert_eq!(
        count(&env, "SELECT count(*) FROM cases").await,
        tally.cases_opened
    );
    let closed = counts(
        &env,
        "SELECT end_reason, count(*) FROM cases WHERE stage = 'closed' GROUP BY 1",
    )
    .await;
    let tallied: BTreeMap<String, u64> = tally
        .cases_closed
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    assert_eq!(closed, tallied);
    assert_eq!(
        count(&env, "SELECT count(*) FROM consents").await,
        tally.consent_versions
    );
    assert_eq!(
        count(&env, "SELECT count(*) FROM consent_withdrawals").await,
        tally.withdrawals
    );
    for (kind, expected) in [
        ("handover", tally.handovers),
        ("relocation", tally.relocations),
    ] {
        let states = counts(
            &env,
            &format!(
                "SELECT CASE WHEN state IN ('requested', 'received') THEN 'open' ELSE state END,
                        count(*) FROM handovers WHERE kind = '{kind}' GROUP BY 1"
            ),
        )
        .await;
        let of = |s: &str| states.get(s).copied().unwrap_or(0);
        assert_eq!(of("accepted"), expected.accepted, "{kind}s accepted");
        assert_eq!(of("rejected"), expected.rejected, "{kind}s rejected");
        assert_eq!(of("open"), expected.open(), "{kind}s open");
        assert_eq!(states.values().sum::<u64>(), expected.requested, "{kind}s");
    }
    let codes = counts(
        &env,
        "SELECT reject_code, count(*) FROM handovers WHERE state = 'rejected' GROUP BY 1",
    )
    .await;
    let tallied: BTreeMap<String, u64> = tally
        .rejection_codes
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    assert_eq!(codes, tallied);
    let o = sqlx::query(
        "SELECT count(*), count(no_new_serious_charge_12m),
                count(*) FILTER (WHERE no_new_serious_charge_12m),
                count(in_education_or_job_3m), count(*) FILTER (WHERE in_education_or_job_3m)
         FROM outcomes",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    let o: Vec<u64> = (0..5).map(|i| o.get::<i64, _>(i) as u64).collect();
    let t = tally.outcomes;
    assert_eq!(
        o,
        [
            t.reported,
            t.charge_known,
            t.no_new_charge,
            t.job_known,
            t.in_job
        ]
    );

    // Every message as tallied: routed or refused per type, partly refused ones by their
    // refused recipient, and the refusals' reasons.
    let routed = counts(
        &env,
        "SELECT message_type, count(*) FROM messages
         WHERE outcome = 'routed' AND message_type <> 'KeyPublished' GROUP BY 1",
    )
    .await;
    let refused = counts(
        &env,
        "SELECT message_type, count(*) FROM messages WHERE outcome = 'refused' GROUP BY 1",
    )
    .await;
    let partly = counts(
        &env,
        "SELECT m.message_type, count(DISTINCT m.message_id) FROM messages m
         JOIN decisions d USING (sender, message_id)
         WHERE m.outcome = 'routed' AND NOT d.delivered GROUP BY 1",
    )
    .await;
    for (t, c) in &tally.by_type {
        let of = |m: &BTreeMap<String, u64>| m.get(t.as_str()).copied().unwrap_or(0);
        assert_eq!(of(&routed), c.delivered + c.partly_refused, "{t} routed");
        assert_eq!(of(&refused), c.refused, "{t} refused");
        assert_eq!(of(&partly), c.partly_refused, "{t} partly refused");
    }
    assert_eq!(
        routed.values().sum::<u64>() + refused.values().sum::<u64>(),
        tally.submitted()
    );
    let mut reasons = counts(
        &env,
        "SELECT reason, count(*) FROM messages WHERE outcome = 'refused' GROUP BY 1",
    )
    .await;
    for (reason, n) in counts(
        &env,
        "SELECT d.reason, count(*) FROM decisions d JOIN messages m USING (sender, message_id)
         WHERE m.outcome = 'routed' AND NOT d.delivered GROUP BY 1",
    )
    .await
    {
        *reasons.entry(reason).or_default() += n;
    }
    assert_eq!(reasons, tally.expected_refusals);

    // Dated as simulated: each case opened, and each handover requested and answered, at
    // its message's sent_at (backfill), months before the hub's clock.
    let mut checked = 0;
    for case in &plan.cases {
        for step in &case.steps {
            let body = &step.draft["body"];
            let handover = || {
                body["handover_id"]
                    .as_str()
                    .or(body["relocation_id"].as_str())
                    .unwrap()
                    .to_owned()
            };
            let (sql, id) = match step.mark {
                Mark::OpensCase => (
                    "SELECT opened_at FROM cases WHERE case_id = $1",
                    case.case_id.to_string(),
                ),
                Mark::Requested(_) => (
                    "SELECT requested_at FROM handovers WHERE handover_id = $1::uuid",
                    handover(),
                ),
                Mark::Answered { .. } => (
                    "SELECT answered_at FROM handovers WHERE handover_id = $1::uuid",
                    handover(),
                ),
                _ => continue,
            };
            let at: Option<DateTime<Utc>> = sqlx::query_scalar(sql)
                .bind(&id)
                .fetch_one(&env.pool)
                .await
                .unwrap();
            assert_eq!(
                at,
                Some(step.at),
                "{} {}: the hub's date",
                case.case_id,
                step.message_type
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} dates checked");
    let oldest: DateTime<Utc> = sqlx::query_scalar("SELECT min(requested_at) FROM handovers")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert!(
        oldest < now - Duration::days(200),
        "the oldest handover is dated in the simulated past: {oldest}"
    );

    hub.stop().await;
    for mut agent in agents {
        agent.stop().await;
    }
}
