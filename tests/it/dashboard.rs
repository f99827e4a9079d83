//! The national contact point's dashboard: logins, roles and jurisdictions over HTTP, and
//! every view in headless Chromium with its figures checked against the hub's database.

use e2e::TestEnv;
use hub::http::dashboard::auth::{self, Role};
use schemas::Jurisdiction;
use serde_json::Value;

pub(crate) const PASSWORD: &str = "correct horse battery staple";

fn client() -> reqwest::Client {
    broker::http_client()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs in over HTTP; the session cookie (`name=value`), or the status when refused.
pub(crate) async fn sign_in(base: &str, name: &str, password: &str) -> Result<String, u16> {
    let response = client()
        .post(format!("{base}/login"))
        .form(&[("name", name), ("password", password)])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.to_owned());
    match (status, cookie) {
        (303, Some(cookie)) => {
            assert!(cookie.contains("HttpOnly"), "{cookie}");
            assert!(cookie.contains("SameSite=Strict"), "{cookie}");
            Ok(cookie.split(';').next().unwrap().to_owned())
        }
        (status, _) => Err(status),
    }
}

/// GET with a session cookie; the status and the JSON body.
pub(crate) async fn get_json(url: &str, cookie: Option<&str>) -> (u16, Value) {
    let mut request = client().get(url);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_dashboard_needs_a_login_and_shows_each_role_and_jurisdiction_only_its_own() {
    let env = TestEnv::new().await;
    let hub = env.start_hub().await;
    let base = hub.http_url().await;
    auth::add_user(&env.pool, "ana", Role::Analyst, Jurisdiction::DK, PASSWORD)
        .await
        .unwrap();
    auth::add_user(
        &env.pool,
        "stat",
        Role::Statistician,
        Jurisdiction::DK,
        PASSWORD,
    )
    .await
    .unwrap();
    auth::add_user(
        &env.pool,
        "norge",
        Role::Analyst,
        Jurisdiction::NO,
        PASSWORD,
    )
    .await
    .unwrap();
    // Short passwords are refused before anything is stored.
    assert!(matches!(
        auth::add_user(&env.pool, "weak", Role::Analyst, Jurisdiction::DK, "short").await,
        Err(auth::AuthError::Invalid(_))
    ));

    // Without a session: the page sends to the login, the API answers 401.
    let response = client()
        .get(format!("{base}/dashboard/cases"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/login");
    let (status, body) = get_json(&format!("{base}/api/v1/dashboard/cases"), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("login_required"))
    );
    let (status, _) = get_json(
        &format!("{base}/api/v1/dashboard/cases"),
        Some("hub_session=forged"),
    )
    .await;
    assert_eq!(status, 401, "a made-up session is no session");

    // A wrong password and an unknown name get the same answer.
    assert_eq!(sign_in(&base, "ana", "wrong password!").await, Err(401));
    assert_eq!(sign_in(&base, "nobody", PASSWORD).await, Err(401));

    let ana = sign_in(&base, "ana", PASSWORD).await.unwrap();
    let stat = sign_in(&base, "stat", PASSWORD).await.unwrap();
    let norge = sign_in(&base, "norge", PASSWORD).await.unwrap();
    let overdue = format!("{base}/api/v1/dashboard/overdue");
    let (status, body) = get_json(&overdue, Some(&ana)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["jurisdiction"], "DK");
    assert!(
        body["figures"]["rows"].is_array(),
        "an analyst sees rows: {body}"
    );
    let (status, body) = get_json(&overdue, Some(&stat)).await;
    assert_eq!(status, 200);
    assert!(
        body["figures"].get("rows").is_none(),
        "a statistician sees counts only: {body}"
    );
    let (_, body) = get_json(&overdue, Some(&norge)).await;
    assert_eq!(body["jurisdiction"], "NO");
    let (status, body) = get_json(&format!("{base}/api/v1/dashboard/nothing"), Some(&ana)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_view"))
    );

    // A sign-out without the page's CSRF token (or with a wrong one) is refused and ends
    // nothing: another site could send it with the browser's cookie.
    for form in [vec![], vec![("csrf", "0123abcd")]] {
        let response = client()
            .post(format!("{base}/logout"))
            .header("cookie", &ana)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403, "{form:?}");
        assert!(response.headers().get("set-cookie").is_none());
        assert!(response.text().await.unwrap().contains("still signed in"));
        let (status, _) = get_json(&overdue, Some(&ana)).await;
        assert_eq!(status, 200, "the session lives on after {form:?}");
    }

    // Signing out from the page's own form ends the session on the server, not just in the
    // browser.
    let page = client()
        .get(format!("{base}/dashboard/cases"))
        .header("cookie", &ana)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the sign-out form carries a CSRF token")
        .to_owned();
    let response = client()
        .post(format!("{base}/logout"))
        .header("cookie", &ana)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let ended = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        ended.starts_with("hub_session=;") && ended.contains("Max-Age=0"),
        "{ended}"
    );
    let (status, _) = get_json(&overdue, Some(&ana)).await;
    assert_eq!(status, 401);

    // Disabling a login ends its sessions.
    assert!(auth::disable_user(&env.pool, "stat").await.unwrap());
    let (status, _) = get_json(&overdue, Some(&stat)).await;
    assert_eq!(status, 401);
    assert_eq!(sign_in(&base, "stat", PASSWORD).await, Err(401));

    // After four failures in a row the name must wait, even with the right password (it is
    // slowed, not locked: hygiene.rs shows the right password gets in after the delay).
    for _ in 0..4 {
        assert_eq!(sign_in(&base, "norge", "not the password").await, Err(401));
    }
    assert_eq!(sign_in(&base, "norge", PASSWORD).await, Err(429));
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_sha256 FROM dashboard_sessions")
        .fetch_all(&env.pool)
        .await
        .unwrap();
    let token = norge.split_once('=').unwrap().1;
    assert!(
        stored.iter().all(|t| t.as_slice() != token.as_bytes()),
        "session tokens are stored hashed"
    );
    hub.stop().await;
}

/// Whether the dashboard hides a count it writes as `text`: under 5, or withheld so that no
/// count under 5 follows from a total.
fn hidden(text: &str) -> bool {
    text == "<5" || text == "suppressed"
}

/// Checks a count the dashboard writes as `text` against the database's `n`: 1 to 4 are
/// "<5", any other is exact unless withheld.
fn assert_shown(text: &str, n: i64, what: &str) {
    if (1..5).contains(&n) {
        assert_eq!(text, "<5", "{what}: {n}");
    } else {
        assert!(
            text == n.to_string() || text == "suppressed",
            "{what}: {n} shown as {text}"
        );
    }
}

/// Checks a count of the present (cases, consent coverage) against the database's `n`: 1 to 4
/// are "<5", any other is rounded to the nearest 5 unless withheld.
fn assert_rounded(text: &str, n: i64, what: &str) {
    match hub_core::periods::rounded(n) {
        None => assert_eq!(text, "<5", "{what}: {n}"),
        Some(r) => assert!(
            text == r.to_string() || text == "suppressed",
            "{what}: {n} (rounded {r}) shown as {text}"
        ),
    }
}

/// A share as the dashboard writes it, or "suppressed" when the part or the rest is small.
fn shown_rate(part: i64, whole: i64) -> String {
    let small = |n: i64| (1..5).contains(&n);
    if whole == 0 || small(part) || small(whole - part) || small(whole) {
        "suppressed".to_owned()
    } else {
        format!(
            "{:.1} %",
            (part as f64 * 1000.0 / whole as f64).round() / 10.0
        )
    }
}

/// Checks a share the dashboard writes as `text`: suppressed when any of the counts it is
/// drawn from (`counts`, as written) is hidden, otherwise as [`shown_rate`] of `part, whole`.
fn assert_rate<const N: usize>(text: &str, counts: [&str; N], (part, whole): (i64, i64)) {
    if counts.iter().any(|c| hidden(c)) {
        assert_eq!(text, "suppressed", "a rate of a hidden count");
    } else {
        assert_eq!(text, shown_rate(part, whole));
    }
}

/// The median and 90th percentile the way a statistician computes them by hand (linear
/// between ranks), to one decimal; "–" under five values.
fn shown_percentiles(mut days: Vec<f64>) -> (String, String) {
    if days.len() < 5 {
        return ("–".into(), "–".into());
    }
    days.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (days.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        let v = days[lo] + (days[hi] - days[lo]) * (pos - lo as f64);
        format!("{:.1}", (v * 10.0).round() / 10.0)
    };
    (at(0.5), at(0.9))
}

async fn rows(pool: &sqlx::PgPool, sql: &str) -> Vec<sqlx::postgres::PgRow> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(pool)
        .await
        .unwrap()
}

/// An agency as the dashboard names it: by the registry's name.
fn named(env: &TestEnv, id: &str) -> String {
    let id = schemas::AgencyId::try_from(id).expect("an agency id");
    env.agencies.name_of(&id).to_owned()
}

async fn cell(
    browser: &e2e::browser::Browser,
    table: &str,
    row: &str,
    col: Option<&str>,
) -> String {
    let css = match col {
        Some(col) => format!(r#"#{table} td[data-row="{row}"][data-col="{col}"]"#),
        None => format!(r#"#{table} td[data-row="{row}"]"#),
    };
    browser.text(&css).await
}

#[tokio::test]
async fn every_view_in_chromium_shows_the_figures_of_the_database() {
    use sqlx::Row;
    let mut env = TestEnv::new().await;
    env.hub_settings.hub.backfill_days = 800;
    // The sweep runs once, after the history has loaded (see `populate`).
    env.hub_settings.hub.deadline_sweep_seconds = 3600;
    let hub = env.start_hub().await;
    populate(&env, &hub).await;
    let pool = &env.pool;
    let base = hub.http_url().await;
    auth::add_user(pool, "analyst", Role::Analyst, Jurisdiction::DK, PASSWORD)
        .await
        .unwrap();

    let browser = e2e::browser::Browser::start("dashboard").await;
    browser.goto(&format!("{base}/dashboard/cases")).await;
    assert_eq!(
        browser.path().await,
        "/login",
        "the dashboard needs a login"
    );
    browser.fill("#name", "analyst").await;
    browser.fill("#password", "not the password").await;
    browser.click("form button[type=submit]").await;
    assert!(
        browser
            .text("#login-error")
            .await
            .contains("Wrong name or password")
    );
    browser.screenshot("login-refused").await;
    browser.fill("#name", "analyst").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("form button[type=submit]").await;
    browser.find("#cases-total").await;
    assert_eq!(browser.path().await, "/dashboard/cases");

    // Cases: by stage and by region and stage.
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM cases")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(total >= 10, "the population opened cases: {total}");
    assert_rounded(&browser.text("#cases-total").await, total, "total");
    let in_programme: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cases WHERE stage IN ('intake', 'active', 'suspended')",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(
        in_programme < total,
        "closed and referred cases are not in a programme"
    );
    assert_rounded(
        &browser.text("#cases-in-programme").await,
        in_programme,
        "in a programme now",
    );
    for row in rows(
        pool,
        "SELECT k.stage, count(*) FROM cases k JOIN agencies a ON a.id = k.owner GROUP BY 1",
    )
    .await
    {
        let (stage, n): (String, i64) = (row.get(0), row.get(1));
        assert_rounded(
            &cell(&browser, "cases-by-stage", &stage, None).await,
            n,
            &stage,
        );
    }
    let mut regions = std::collections::BTreeSet::new();
    for row in rows(
        pool,
        "SELECT a.region, k.stage, count(*) FROM cases k JOIN agencies a ON a.id = k.owner GROUP BY 1, 2",
    )
    .await
    {
        let (region, stage, n): (String, String, i64) = (row.get(0), row.get(1), row.get(2));
        let text = cell(&browser, "cases-by-region", &region, Some(&stage)).await;
        assert_rounded(&text, n, &format!("{region} {stage}"));
        regions.insert(region);
    }
    // No row of regions by stage, with its total, and no column, with the total by stage,
    // hides exactly one count: that one would follow by subtraction.
    let stages = hub::contact_point::STAGES;
    let mut columns: Vec<Vec<String>> = Vec::new();
    for stage in stages {
        columns.push(vec![cell(&browser, "cases-by-stage", stage, None).await]);
    }
    let mut hidden_cells = 0;
    for region in &regions {
        let mut line = vec![cell(&browser, "cases-by-region", region, Some("total")).await];
        for (i, stage) in stages.iter().enumerate() {
            let text = cell(&browser, "cases-by-region", region, Some(stage)).await;
            columns[i].push(text.clone());
            line.push(text);
        }
        let hiding = line.iter().filter(|t| hidden(t)).count();
        assert_ne!(hiding, 1, "{region}: {line:?}");
        hidden_cells += hiding;
    }
    for (stage, line) in stages.iter().zip(&columns) {
        assert_ne!(
            line.iter().filter(|t| hidden(t)).count(),
            1,
            "{stage}: {line:?}"
        );
    }
    println!("cases by region and stage: {hidden_cells} counts hidden");
    assert!(browser.has("svg.chart title").await, "charts are pictures");
    browser.screenshot("cases").await;
    let active = cell(&browser, "cases-by-stage", "active", None).await;
    // The same page in the analyst's language, through the page's own language menu; the
    // cells keep their codes, only the words change. Back to English for the checks below.
    browser
        .in_each_language(
            "cases",
            &[
                ("da", "Nationalt kontaktpunkt – Danmark"),
                ("nb", "Nasjonalt kontaktpunkt – Danmark"),
                ("sv", "Nationell kontaktpunkt – Danmark"),
            ],
        )
        .await;
    assert_eq!(browser.path().await, "/dashboard/cases");
    assert_eq!(browser.text("main h2").await, "Ärenden");
    assert_eq!(
        cell(&browser, "cases-by-stage", "active", None).await,
        active.replace("suppressed", "dold"),
        "the same figure in Swedish"
    );
    assert!(browser.text("#cases-by-stage").await.contains("Aktivt"));
    browser
        .in_each_language("cases", &[("en", "National contact point – Denmark")])
        .await;

    // Overdue in the last closed year: a row per overdue handover deadline, under the contact
    // point's own pseudonyms (the figures themselves are checked against the population plan
    // in contact_point.rs).
    let year = chrono::Datelike::year(&hub_core::periods::local_day(
        chrono::Utc::now(),
        Jurisdiction::DK,
    )) - 1;
    let in_year = |column: &str| {
        format!("extract(year FROM {column} AT TIME ZONE 'Europe/Copenhagen') = {year}")
    };
    browser
        .goto(&format!("{base}/dashboard/overdue?period={year}"))
        .await;
    let with_handovers = rows(
        pool,
        "SELECT DISTINCT k.subject FROM handovers h JOIN cases k ON k.case_id = h.case_id WHERE h.kind = 'handover'",
    )
    .await;
    let expected: std::collections::BTreeSet<String> = with_handovers
        .iter()
        .map(|r| {
            let subject = schemas::Pseudonym::try_from(r.get::<String, _>(0)).unwrap();
            hub_core::contact_point::pseudonym(
                env.hub_settings.hub.contact_point_key.expose(),
                &subject,
            )
            .to_string()
        })
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for element in browser
        .client()
        .find_all(fantoccini::Locator::Css(
            r#"#overdue-rows td[data-col="deadline"]"#,
        ))
        .await
        .unwrap()
    {
        seen.insert(element.attr("data-row").await.unwrap().unwrap());
    }
    assert!(
        !seen.is_empty(),
        "the population has overdue handovers in {year}"
    );
    assert!(seen.is_subset(&expected), "{seen:?}");
    let subjects: Vec<String> = sqlx::query_scalar("SELECT DISTINCT subject FROM cases")
        .fetch_all(pool)
        .await
        .unwrap();
    let page = browser.client().source().await.unwrap();
    assert!(
        subjects.iter().all(|s| !page.contains(s.as_str())),
        "no agency pseudonym on the contact point's page"
    );
    assert!(
        subjects.iter().all(|s| !seen.contains(s)),
        "the contact point's pseudonyms are not the agencies'"
    );
    browser.screenshot("overdue").await;

    // Timing: percentiles per agency asked, recomputed by hand from the handovers.
    browser
        .goto(&format!("{base}/dashboard/timing?period={year}"))
        .await;
    let mut per_agency: std::collections::BTreeMap<String, (Vec<f64>, Vec<f64>)> =
        Default::default();
    for row in rows(
        pool,
        &format!("SELECT h.to_agency, extract(epoch FROM h.received_at - h.requested_at)::float8,
                CASE WHEN h.state = 'accepted' THEN extract(epoch FROM h.answered_at - h.requested_at)::float8 END
         FROM handovers h WHERE h.kind = 'handover' AND {}", in_year("h.requested_at")),
    )
    .await
    {
        let entry = per_agency.entry(row.get(0)).or_default();
        if let Some(s) = row.get::<Option<f64>, _>(1) {
            entry.0.push(s / 86_400.0);
        }
        if let Some(s) = row.get::<Option<f64>, _>(2) {
            entry.1.push(s / 86_400.0);
        }
    }
    let mut checked = 0;
    for (agency, (receive, accept)) in per_agency {
        let agency = named(&env, &agency);
        let (received, accepted) = (receive.len() as i64, accept.len() as i64);
        let (r50, r90) = shown_percentiles(receive);
        let (a50, a90) = shown_percentiles(accept);
        assert_shown(
            &cell(&browser, "timing", &agency, Some("received")).await,
            received,
            "received",
        );
        assert_eq!(
            cell(&browser, "timing", &agency, Some("receive_p50")).await,
            r50
        );
        assert_eq!(
            cell(&browser, "timing", &agency, Some("receive_p90")).await,
            r90
        );
        assert_shown(
            &cell(&browser, "timing", &agency, Some("accepted")).await,
            accepted,
            "accepted",
        );
        assert_eq!(
            cell(&browser, "timing", &agency, Some("accept_p50")).await,
            a50
        );
        assert_eq!(
            cell(&browser, "timing", &agency, Some("accept_p90")).await,
            a90
        );
        checked += usize::from(r50 != "–");
    }
    assert!(checked > 0, "at least one agency has percentiles to check");
    browser.screenshot("timing").await;

    // Rejections by the receiving agency's code.
    browser
        .goto(&format!("{base}/dashboard/rejections?period={year}"))
        .await;
    for row in rows(
        pool,
        &format!(
            "SELECT coalesce(reject_code, 'not given'), count(*) FROM handovers
         WHERE kind = 'handover' AND state = 'rejected' AND {} GROUP BY 1",
            in_year("answered_at")
        ),
    )
    .await
    {
        let (code, n): (String, i64) = (row.get(0), row.get(1));
        assert_shown(
            &cell(&browser, "rejections-handovers", &code, None).await,
            n,
            &code,
        );
    }
    browser.screenshot("rejections").await;

    // Consent coverage of open cases, in all.
    browser.goto(&format!("{base}/dashboard/consent")).await;
    let coverage = rows(
        pool,
        "SELECT count(*), count(*) FILTER (WHERE EXISTS (
             SELECT 1 FROM consents c WHERE c.subject = k.subject AND NOT c.superseded
               AND c.record->>'status' = 'active'
               AND (c.record->'period'->>'start')::date <= current_date
               AND (c.record->'period'->>'end')::date >= current_date
               AND NOT EXISTS (SELECT 1 FROM consent_withdrawals w WHERE w.consent_id = c.consent_id AND w.scope = '\"entire\"'::jsonb)))
         FROM cases k WHERE k.stage <> 'closed'",
    )
    .await;
    let (open, with): (i64, i64) = (coverage[0].get(0), coverage[0].get(1));
    let open_text = cell(&browser, "consent", "all", Some("open")).await;
    let with_text = cell(&browser, "consent", "all", Some("with_consent")).await;
    assert_rounded(&open_text, open, "open cases");
    assert_rounded(&with_text, with, "with consent");
    // A share of the present is worked out from the rounded counts.
    let rounded = |n: i64| hub_core::periods::rounded(n).unwrap_or(n);
    assert_rate(
        &cell(&browser, "consent", "all", Some("coverage")).await,
        [&open_text, &with_text],
        (rounded(with), rounded(open)),
    );
    browser.screenshot("consent").await;

    // Outcomes by cohort: a row per year in which programmes ended, figures only for cohorts
    // whose year of follow-up is over.
    browser.goto(&format!("{base}/dashboard/outcomes")).await;
    for row in rows(
        pool,
        "SELECT extract(year FROM ended_on)::int, count(*) FROM outcomes GROUP BY 1",
    )
    .await
    {
        let (cohort, n): (i32, i64) = (row.get(0), row.get(1));
        let text = cell(
            &browser,
            "outcomes-cohorts",
            &cohort.to_string(),
            Some("reports"),
        )
        .await;
        if cohort + 1 < year + 1 {
            assert_shown(&text, n, &format!("cohort {cohort}"));
        } else {
            assert!(
                text.contains(&format!("{}", cohort + 1)),
                "cohort {cohort} pending: {text}"
            );
        }
    }
    browser.screenshot("outcomes").await;

    // Flows: every pair of agencies.
    browser
        .goto(&format!("{base}/dashboard/flows?period={year}"))
        .await;
    for row in rows(
        pool,
        &format!("SELECT from_agency, to_agency, count(*) FROM handovers WHERE kind = 'handover' AND {} GROUP BY 1, 2", in_year("requested_at")),
    )
    .await
    {
        let (from, to, n): (String, String, i64) = (row.get(0), row.get(1), row.get(2));
        let (from, to) = (named(&env, &from), named(&env, &to));
        let text = cell(&browser, "flows", &from, Some(&to)).await;
        assert_shown(&text, n, &format!("{from} -> {to}"));
    }
    browser.screenshot("flows").await;

    // Relocations: counts only.
    browser
        .goto(&format!("{base}/dashboard/relocations?period={year}"))
        .await;
    let requested: i64 = rows(
        pool,
        &format!(
            "SELECT count(*) FROM handovers WHERE kind = 'relocation' AND {}",
            in_year("requested_at")
        ),
    )
    .await[0]
        .get(0);
    assert_shown(
        &cell(&browser, "relocations", "requested", None).await,
        requested,
        "relocations requested",
    );
    browser.screenshot("relocations").await;

    // Signing out ends the session.
    browser.click("header form button[type=submit]").await;
    browser.find("form input#password").await;
    assert_eq!(browser.path().await, "/login");
    browser.goto(&format!("{base}/dashboard/cases")).await;
    assert_eq!(browser.path().await, "/login");
    browser.close().await;
    hub.stop().await;
}

/// A small population through the env's real agents and hub (backfill on), then one
/// deadline sweep a month on, so the handovers left open are escalated.
async fn populate(env: &TestEnv, hub: &e2e::HubHandle) {
    use e2e::population::{Cities, Plan, PlanConfig, Shape};
    let (agents, driver) = env.start_population_agents(60).await;
    let now = chrono::Utc::now();
    let mut config = PlanConfig::new(11, 60, 730, now);
    // Refusals and relocations too, so every view has something to show.
    config.shape = Shape {
        relocation: 0.1,
        notice_to_employment_without_consent: 1.0,
        ..Shape::default()
    };
    let plan = Plan::new(config, &Cities::for_test(&env.agencies));
    let tally = driver.run(&plan.cases, |_| {}).await.unwrap();
    assert!(tally.unexpected.is_empty(), "{:#?}", tally.unexpected);
    // As a hub would sweep a month on, when the handovers still open are overdue.
    hub::deadlines::sweep(&hub.shared, now + chrono::Duration::days(30))
        .await
        .unwrap();
    for mut agent in agents {
        agent.stop().await;
    }
}
