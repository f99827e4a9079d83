//! The demo population through a test env: a small population planned by
//! `e2e::population`, driven through the real agents with backfill on, and what arrived at
//! the hub checked against the driver's tally and the plan's simulated dates.

use std::collections::BTreeMap;

use broker::depth::QueueDepths;
use broker::topology;
use chrono::{DateTime, Duration, Timelike, Utc};
use e2e::population::{Cities, Driver, Mark, Plan, PlanConfig, Shape, Tally};
use e2e::{AgentHandle, DEADLINE, HubHandle, TestEnv};
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
    let (env, hub, agents, plan, driver) = population_env(rich_config(3, 40), 40).await;
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
        oldest < plan.config.now - Duration::days(200),
        "the oldest handover is dated in the simulated past: {oldest}"
    );

    hub.stop().await;
    for mut agent in agents {
        agent.stop().await;
    }
}

/// `cases` cases over two years with more of the rare things than the demo has, so a few
/// dozen cases show each of them (two years, so some cases end early enough for an outcome
/// report).
fn rich_config(seed: u64, cases: usize) -> PlanConfig {
    let now = Utc::now().with_nanosecond(0).unwrap();
    let mut config = PlanConfig::new(seed, cases, 730, now);
    config.shape = Shape {
        consent_at_intake: 0.7,
        relocation: 0.35,
        risk_to_employment: 0.3,
        notice_to_employment_without_consent: 1.0,
        outcome_consent: 0.7,
        outcome_without_consent: 1.0,
        ..Shape::default()
    };
    config
}

/// A population env as the test above has it: backfill over the plan's span, no deadline
/// sweep while the history loads, a hub, the seven agents ready to seal relocations, and a
/// driver on them driving `concurrency` cases at once; the plan is `config` on this env's
/// agencies.
async fn population_env(
    config: PlanConfig,
    concurrency: usize,
) -> (TestEnv, HubHandle, Vec<AgentHandle>, Plan, Driver) {
    let mut env = TestEnv::new().await;
    env.hub_settings.hub.backfill_days = 800;
    env.hub_settings.hub.deadline_sweep_seconds = 3600;
    let hub = env.start_hub().await;
    let (agents, driver) = env.start_population_agents(concurrency).await;
    let plan = Plan::new(config, &Cities::for_test(&env.agencies));
    (env, hub, agents, plan, driver)
}

/// A population run's env, what runs in it, its plan and the hub's answers.
struct Run {
    env: TestEnv,
    hub: HubHandle,
    agents: Vec<AgentHandle>,
    plan: Plan,
    tally: Tally,
}

impl Run {
    async fn stop(self) {
        self.hub.stop().await;
        for mut agent in self.agents {
            agent.stop().await;
        }
    }
}

/// Each step sent after the hub answered the one before, one case at a time: every batch
/// holds one message.
async fn one_by_one(config: PlanConfig) -> Run {
    let (env, hub, agents, plan, driver) = population_env(config, 1).await;
    let tally = driver.run(&plan.cases, |_| {}).await.unwrap();
    Run {
        env,
        hub,
        agents,
        plan,
        tally,
    }
}

/// Every step queued while the hub is stopped, in plan order; the hub started again finds
/// them all on its ingress and decides them in batches. Returns the run and how many
/// messages the hub's ingress held when it started.
async fn in_batches(config: PlanConfig) -> (Run, u32) {
    let (env, hub, agents, plan, driver) = population_env(config, 1).await;
    hub.stop().await;
    let submitted = driver.submit_in_order(&plan.cases, DEADLINE).await.unwrap();
    assert_eq!(submitted, plan.steps().count() as u64);
    let depths = QueueDepths::new("test ingress depth")
        .read(
            &env.endpoint(),
            &env.credentials(&env.agencies.prison),
            &[topology::INGRESS_QUEUE.to_owned()],
            DEADLINE,
        )
        .await;
    let queued = match &depths[..] {
        [Ok(depth)] => *depth,
        other => panic!("the ingress depth: {other:?}"),
    };
    let hub = env.start_hub().await;
    let tally = driver.tally_answers(&plan.cases, DEADLINE).await.unwrap();
    (
        Run {
            env,
            hub,
            agents,
            plan,
            tally,
        },
        queued,
    )
}

/// What the hub recorded, table by table: the columns compared (timestamps in UTC, no
/// column the hub fills from its own clock or with ids of its own) and the rows (the agents'
/// key announcements have ids and keys of each env's own, so they are left out).
const RECORDED: &[(&str, &[&str], &str)] = &[
    (
        "cases",
        &[
            "case_id",
            "subject",
            "owner",
            "stage",
            "end_reason",
            "opened_at",
            "updated_at",
        ],
        "cases",
    ),
    (
        "case_participants",
        &["case_id", "agency"],
        "case_participants",
    ),
    (
        "handovers",
        &[
            "handover_id",
            "case_id",
            "kind",
            "from_agency",
            "to_agency",
            "state",
            "gateway",
            "jurisdiction",
            "reject_code",
            "requested_at",
            "received_at",
            "answered_at",
            "updated_at",
        ],
        "handovers",
    ),
    (
        "consents",
        &[
            "consent_id",
            "version",
            "subject",
            "custodian",
            "record",
            "superseded",
            "recorded_at",
        ],
        "consents",
    ),
    (
        "consent_withdrawals",
        &[
            "consent_id",
            "withdrawn_at",
            "scope",
            "recorded_by",
            "message_id",
        ],
        "consent_withdrawals",
    ),
    (
        "messages",
        &[
            "sender",
            "message_id",
            "message_type",
            "case_id",
            "subject",
            "purpose",
            "sent_at",
            "outcome",
            "reason",
        ],
        "messages WHERE message_type <> 'KeyPublished'",
    ),
    (
        "decisions",
        &[
            "d.sender",
            "d.message_id",
            "d.recipient",
            "d.delivered",
            "d.gateway",
            "d.categories",
            "d.reason",
            "d.removed_categories",
        ],
        "decisions d JOIN messages m USING (sender, message_id)
         WHERE m.message_type <> 'KeyPublished'",
    ),
    (
        "outcomes",
        &[
            "sender",
            "message_id",
            "case_id",
            "subject",
            "end_reason",
            "ended_on",
            "no_new_serious_charge_12m",
            "in_education_or_job_3m",
            "reported_at",
        ],
        "outcomes",
    ),
];

/// Every table of [`RECORDED`] as sorted lines, one a row, with this env's agency ids
/// (wherever they appear, gateways included) replaced by their roles.
async fn recorded(env: &TestEnv) -> BTreeMap<&'static str, Vec<String>> {
    let a = &env.agencies;
    let mut roles = [
        (&a.prison, "<prison>"),
        (&a.municipality, "<municipality>"),
        (&a.police, "<police>"),
        (&a.employment, "<employment>"),
        (&a.contact_point, "<contact_point>"),
        (&a.destination, "<destination>"),
        (&a.protection, "<protection>"),
    ];
    // The second municipality's id extends the first's: the longer replaced first.
    roles.sort_by_key(|(id, _)| std::cmp::Reverse(id.as_str().len()));
    let mut tx = env.pool.begin().await.unwrap();
    sqlx::query("SET LOCAL TIME ZONE 'UTC'")
        .execute(&mut *tx)
        .await
        .unwrap();
    let mut tables = BTreeMap::new();
    for (table, columns, from) in RECORDED {
        let line = columns
            .iter()
            .map(|c| format!("coalesce(({c})::text, 'NULL')"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT concat_ws(' | ', {line}) FROM {from}"
        )))
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        for row in &mut rows {
            for (id, role) in &roles {
                *row = row.replace(id.as_str(), role);
            }
        }
        rows.sort();
        tables.insert(*table, rows);
    }
    tx.rollback().await.unwrap();
    tables
}

/// The differences between two tables' sorted rows, in words (empty when equal).
fn differences(table: &str, batches: &[String], one_by_one: &[String]) -> String {
    if batches == one_by_one {
        return String::new();
    }
    let only = |these: &[String], those: &[String]| -> Vec<String> {
        these
            .iter()
            .filter(|row| !those.contains(row))
            .take(20)
            .cloned()
            .collect()
    };
    format!(
        "{table}: {} rows in batches, {} one by one\n  only in batches (first 20):\n    {}\n  \
         only one by one (first 20):\n    {}\n",
        batches.len(),
        one_by_one.len(),
        only(batches, one_by_one).join("\n    "),
        only(one_by_one, batches).join("\n    "),
    )
}

#[tokio::test]
async fn a_backlog_decided_in_batches_leaves_what_one_by_one_leaves() {
    // The shape of the test above, on fewer cases: relocations, rejections, withdrawals and
    // outcome reports all occur (checked below), and more messages than one batch holds.
    let config = rich_config(20, 30);
    let (one, (batched, queued)) = tokio::join!(one_by_one(config.clone()), in_batches(config));

    // The same plan in both envs (agency ids aside), exercising what this test is for.
    let ids =
        |plan: &Plan| -> Vec<String> { plan.steps().map(|s| s.message_id.to_string()).collect() };
    assert_eq!(ids(&batched.plan), ids(&one.plan), "the same plan");
    let expected = Tally::expected(&one.plan);
    assert!(
        expected.relocations.accepted > 0 && expected.relocations.rejected > 0,
        "{expected}"
    );
    assert!(
        expected.handovers.rejected > 0 && expected.handovers.accepted > 0,
        "{expected}"
    );
    assert!(expected.withdrawals > 0, "{expected}");
    assert!(expected.outcomes.reported > 0, "{expected}");
    let steps = one.plan.steps().count();
    assert!(steps > 128, "more than one batch: {steps} steps");

    // The hub answered both as planned.
    assert!(
        one.tally.unexpected.is_empty(),
        "{:#?}",
        one.tally.unexpected
    );
    assert_eq!(one.tally, expected, "one by one: as planned");
    assert!(
        batched.tally.unexpected.is_empty(),
        "{:#?}",
        batched.tally.unexpected
    );
    assert_eq!(batched.tally, expected, "in batches: as planned");

    // The backlog was all queued when the hub started, and decided many at a time: the
    // messages one transaction recorded share its id.
    assert_eq!(queued as usize, steps, "the backlog on the ingress");
    let batch_sizes = |env: &TestEnv| {
        let pool = env.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM messages WHERE message_type <> 'KeyPublished'
                 GROUP BY xmin::text ORDER BY 1 DESC",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let sizes = batch_sizes(&batched.env).await;
    tracing::info!(batched = ?sizes, "messages recorded per transaction");
    assert_eq!(sizes.iter().sum::<i64>() as usize, steps);
    assert!(
        sizes.len() * 4 <= steps && sizes[0] >= 32,
        "decided in batches: {sizes:?}"
    );
    let singles = batch_sizes(&one.env).await;
    assert!(
        singles.len() == steps && singles.iter().all(|n| *n == 1),
        "decided one by one: {singles:?}"
    );

    // What the hub recorded is the same, row for row.
    let reference = recorded(&one.env).await;
    let compared = recorded(&batched.env).await;
    for (table, rows) in &reference {
        assert!(
            !rows.is_empty() && !compared[table].is_empty(),
            "{table} has rows in both"
        );
    }
    assert_eq!(reference["messages"].len(), steps);
    let handovers = &reference["handovers"];
    for (what, needle) in [
        ("rejected", "| rejected |"),
        ("accepted", "| accepted |"),
        ("relocation", "| relocation |"),
    ] {
        assert!(
            handovers.iter().any(|row| row.contains(needle)),
            "a {what} handover compared"
        );
    }
    let report: String = reference
        .iter()
        .map(|(table, rows)| differences(table, &compared[table], rows))
        .collect();
    assert!(
        report.is_empty(),
        "decided in batches, the hub recorded otherwise than one by one:\n{report}"
    );

    batched.stop().await;
    one.stop().await;
}
