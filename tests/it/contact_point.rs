//! The national contact point's questions (issue 18), answered from a population driven
//! through the real agents and hub: every figure of the period views checked against a count
//! computed in the test from the population plan alone; the differencing attack across
//! months, quarters and years; a live change that moves no figure by one; the CSV; and the
//! pages in each language in headless Chromium with axe-core.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use e2e::TestEnv;
use e2e::population::figures::{
    self, CellKey, DeadlineCounts, DeadlineKind, Period, PlanFigures, Published, SheetSums,
};
use e2e::population::{Cities, Plan, PlanConfig, Shape};
use hub::http::dashboard::auth::{self, Role};
use schemas::Jurisdiction;
use serde_json::Value;

use crate::dashboard::{PASSWORD, get_json, sign_in};

/// A table's cells by (row, column).
type Cells = BTreeMap<(String, String), Value>;

/// One table of a view for each period of a year, by period key.
type ByPeriod = BTreeMap<String, Cells>;

/// Whether a shown cell agrees with the count the plan gives: the number itself, `<5` for 1
/// to 4, or `suppressed` for a count withheld to protect another (never 1 to 4).
fn agrees(shown: &Value, expected: i64) -> bool {
    match shown {
        Value::Number(n) => n.as_i64() == Some(expected),
        Value::String(s) if s == "<5" => (1..5).contains(&expected),
        Value::String(s) if s == "suppressed" => !(1..5).contains(&expected),
        _ => false,
    }
}

fn published(shown: &Value) -> Published {
    match shown {
        Value::Number(n) => Published::Exact(n.as_i64().unwrap_or(-1)),
        _ => Published::Hidden,
    }
}

/// A table of the JSON (`columns`, `rows` of `label` and `cells`) as (row, column) -> cell.
fn table(t: &Value) -> BTreeMap<(String, String), Value> {
    let columns: Vec<&str> = t["columns"]
        .as_array()
        .unwrap_or_else(|| panic!("a table: {t}"))
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let mut out = BTreeMap::new();
    for row in t["rows"].as_array().unwrap() {
        let label = row["label"].as_str().unwrap().to_owned();
        for (c, cell) in columns.iter().zip(row["cells"].as_array().unwrap()) {
            out.insert((label.clone(), (*c).to_owned()), cell.clone());
        }
    }
    out
}

/// Counts how many cells were checked, and how many of those showed a number above 0, so a
/// test that checked nothing fails.
#[derive(Default, Debug)]
struct Checked {
    cells: usize,
    positive: usize,
}

impl Checked {
    fn cell(&mut self, what: &str, shown: Option<&Value>, expected: i64) {
        let shown = shown.cloned().unwrap_or(Value::from(0));
        assert!(
            agrees(&shown, expected),
            "{what}: the page shows {shown}, the plan says {expected}"
        );
        self.cells += 1;
        if shown.as_i64().is_some_and(|n| n > 0) {
            self.positive += 1;
        }
    }

    fn counts(
        &mut self,
        what: &str,
        t: &BTreeMap<(String, String), Value>,
        row: &str,
        c: DeadlineCounts,
    ) {
        for (column, expected) in [
            ("due", c.due),
            ("overdue", c.overdue),
            ("answered_late", c.answered_late),
            ("open_at_end", c.open_at_end),
        ] {
            self.cell(
                &format!("{what} {row} {column}"),
                t.get(&(row.to_owned(), column.to_owned())),
                expected,
            );
        }
    }
}

/// The population: about eight cases a month over three years, through the env's real agents
/// and hub (backfill on), then the hub's deadline sweep as of now.
async fn populate(env: &TestEnv, hub: &e2e::HubHandle) -> (Plan, Vec<e2e::AgentHandle>) {
    let (agents, driver) = env.start_population_agents(60).await;
    let now = chrono::Utc::now();
    let mut config = PlanConfig::new(18, 160, 1100, now);
    config.shape = Shape {
        relocation: 0.1,
        ..Shape::default()
    };
    let plan = Plan::new(config, &Cities::for_test(&env.agencies));
    let tally = driver.run(&plan.cases, |_| {}).await.unwrap();
    assert!(tally.unexpected.is_empty(), "{:#?}", tally.unexpected);
    hub::deadlines::sweep(&hub.shared, now).await.unwrap();
    (plan, agents)
}

async fn figures(base: &str, cookie: &str, view: &str, period: &str) -> Value {
    let (status, body) = get_json(
        &format!("{base}/api/v1/dashboard/{view}?period={period}"),
        Some(cookie),
    )
    .await;
    assert_eq!(status, 200, "{view} {period}: {body}");
    body["figures"].clone()
}

/// The cells of one table of one view for every period of `year` the hub offers, for the
/// differencing attack: a row a period does not show is all zeros there.
fn year_cells(
    tables: &BTreeMap<String, BTreeMap<(String, String), Value>>,
) -> BTreeMap<CellKey, Published> {
    let rows: BTreeSet<&String> = tables
        .values()
        .flat_map(|t| t.keys().map(|(r, _)| r))
        .collect();
    let columns: BTreeSet<&String> = tables
        .values()
        .flat_map(|t| t.keys().map(|(_, c)| c))
        .collect();
    let mut cells = BTreeMap::new();
    for (period, t) in tables {
        for row in &rows {
            for column in &columns {
                let shown = t
                    .get(&((*row).clone(), (*column).clone()))
                    .map_or(Published::Exact(0), published);
                cells.insert((period.clone(), (*row).clone(), (*column).clone()), shown);
            }
        }
    }
    cells
}

#[tokio::test]
async fn the_contact_point_sees_what_the_population_plan_says_and_no_small_count_gives_itself_away()
{
    let mut env = TestEnv::new().await;
    env.hub_settings.hub.backfill_days = 1200;
    env.hub_settings.hub.deadline_sweep_seconds = 3600;
    let hub = env.start_hub().await;
    let (plan, agents) = populate(&env, &hub).await;
    let a = &env.agencies;
    let expected = PlanFigures::new(
        &plan,
        &Cities::for_test(a),
        &|id| a.name_of(id).to_owned(),
        &|id| {
            Some(
                if id == &a.destination {
                    "Midtjylland"
                } else {
                    "Hovedstaden"
                }
                .to_owned(),
            )
        },
    );
    let base = hub.http_url().await;
    auth::add_user(
        &env.pool,
        "analyst",
        Role::Analyst,
        Jurisdiction::DK,
        PASSWORD,
    )
    .await
    .unwrap();
    let cookie = sign_in(&base, "analyst", PASSWORD).await.unwrap();
    let today = hub_core::periods::local_day(chrono::Utc::now(), Jurisdiction::DK);

    // Every closed period the hub offers: each figure of the plan, on the JSON the page is
    // built from.
    let mut checked = Checked::default();
    let mut overdue_years: BTreeMap<i32, BTreeMap<String, ByPeriod>> = BTreeMap::new();
    let mut release_years: BTreeMap<i32, ByPeriod> = BTreeMap::new();
    let mut other_years: BTreeMap<(i32, &str), ByPeriod> = BTreeMap::new();
    for period in hub_core::periods::Period::offered(today) {
        let key = period.to_string();
        let mine = Period::parse(&key).expect("the same period keys");
        let f = figures(&base, &cookie, "overdue", &key).await;
        let want = expected.overdue(&mine);
        let by_deadline = table(&f["by_deadline"]);
        for kind in DeadlineKind::ALL {
            let c = want.by_kind.get(&kind).copied().unwrap_or_default();
            checked.counts(&format!("{key} overdue"), &by_deadline, kind.as_str(), c);
        }
        let by_agency = table(&f["by_agency"]);
        let agencies: BTreeSet<&String> = want.by_agency.keys().map(|(name, _)| name).collect();
        for name in agencies {
            checked.counts(
                &format!("{key} overdue"),
                &by_agency,
                name,
                want.agency(name),
            );
        }
        let by_region = table(&f["by_region"]);
        for region in ["Hovedstaden", "Midtjylland", figures::WITHHELD] {
            checked.counts(
                &format!("{key} overdue"),
                &by_region,
                region,
                want.region(region, false),
            );
        }
        let year = overdue_years.entry(period.year()).or_default();
        for (name, t) in [
            ("by_deadline", by_deadline),
            ("by_agency", by_agency),
            ("by_region", by_region),
        ] {
            year.entry(name.to_owned())
                .or_default()
                .insert(key.clone(), t);
        }

        let f = figures(&base, &cookie, "releases", &key).await;
        let want = expected.releases(&mine);
        let by_prison = table(&f["by_prison"]);
        checked.cell(
            &format!("{key} notices"),
            by_prison.get(&("total".into(), "received".into())),
            want.received,
        );
        checked.cell(
            &format!("{key} late notices"),
            by_prison.get(&("total".into(), "late".into())),
            want.late,
        );
        for ((prison, municipality), n) in &want.late_by_prison_and_municipality {
            let shown = f["late_pairs"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["prison"] == *prison && p["municipality"] == *municipality)
                .map(|p| p["late"].clone());
            checked.cell(
                &format!("{key} late {prison} -> {municipality}"),
                shown.as_ref(),
                *n,
            );
        }
        match want.spread() {
            Some([p25, median, p75]) => {
                assert_eq!(f["days_late"]["median"].as_f64(), Some(median), "{key}");
                assert_eq!(f["days_late"]["p25"].as_f64(), Some(p25), "{key}");
                assert_eq!(f["days_late"]["p75"].as_f64(), Some(p75), "{key}");
            }
            None => assert!(f["days_late"].is_null(), "{key}: {}", f["days_late"]),
        }
        release_years
            .entry(period.year())
            .or_default()
            .insert(key.clone(), by_prison);

        // Flows (a matrix with row totals) and rejections (counts by reason), for the attack.
        let f = figures(&base, &cookie, "flows", &key).await;
        let mut flows = BTreeMap::new();
        for row in f["rows"].as_array().unwrap() {
            let label = row["label"].as_str().unwrap().to_owned();
            for (c, cell) in f["columns"]
                .as_array()
                .unwrap()
                .iter()
                .zip(row["cells"].as_array().unwrap())
            {
                flows.insert(
                    (label.clone(), c.as_str().unwrap().to_owned()),
                    cell.clone(),
                );
            }
            flows.insert((label, "total".to_owned()), row["total"].clone());
        }
        other_years
            .entry((period.year(), "flows"))
            .or_default()
            .insert(key.clone(), flows);
        let f = figures(&base, &cookie, "rejections", &key).await;
        for part in ["handovers", "hub_refusals"] {
            let pairs: BTreeMap<(String, String), Value> = f[part]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        (p[0].as_str().unwrap().to_owned(), "n".to_owned()),
                        p[1].clone(),
                    )
                })
                .collect();
            other_years
                .entry((period.year(), part))
                .or_default()
                .insert(key.clone(), pairs);
        }

        let f = figures(&base, &cookie, "occupancy", &key).await;
        for (programme, n) in expected.occupancy(&mine) {
            let shown = f["in_period"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["programme"] == programme.as_str())
                .map(|r| r["people"].clone());
            checked.cell(&format!("{key} people in {programme}"), shown.as_ref(), n);
        }
    }
    println!("{checked:?}");
    assert!(
        checked.positive >= 50,
        "the plan's figures were shown: {checked:?}"
    );

    // Cohorts: complete ones show their figures, the others when their follow-up ends.
    let f = figures(&base, &cookie, "outcomes", "").await;
    let mut complete = 0;
    for (year, c) in expected.cohorts() {
        let cohort = f["cohorts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["year"] == year)
            .unwrap_or_else(|| panic!("cohort {year} missing: {f}"));
        if today.year() <= year + 1 {
            assert!(
                cohort["figures"].is_null(),
                "{year} is not complete: {cohort}"
            );
            continue;
        }
        complete += 1;
        let shown = &cohort["figures"];
        checked.cell(
            &format!("cohort {year} reports"),
            Some(&shown["reports"]),
            c.reports,
        );
        checked.cell(
            &format!("cohort {year} charge known"),
            Some(&shown["charge_known"]),
            c.charge_known,
        );
        let rate = figures::shown_rate(c.no_new_charge, c.charge_known);
        if let Some(shown_rate) = shown["no_new_charge"].as_f64() {
            assert_eq!(Some(shown_rate), rate, "cohort {year}");
        }
    }
    assert!(complete >= 1, "a complete cohort: {f}");

    // The differencing attack: no count from 1 to 4 follows from the months, quarters and
    // year of a view, nor from its totals and its column sums.
    let overdue_sums = SheetSums {
        not_over_periods: &["answered_late", "open_at_end", "escalated"],
        columns: &[("overdue", &["answered_late", "open_at_end"])],
    };
    let mut hidden = 0;
    for (year, tables) in &overdue_years {
        for (name, by_period) in tables {
            let cells = year_cells(by_period);
            hidden += cells.values().filter(|c| **c == Published::Hidden).count();
            let given_away = figures::derivable_small_counts(&cells, &overdue_sums);
            assert!(
                given_away.is_empty(),
                "overdue {name} {year}: {given_away:?}"
            );
        }
    }
    for (year, by_period) in &release_years {
        let cells = year_cells(by_period);
        hidden += cells.values().filter(|c| **c == Published::Hidden).count();
        let given_away = figures::derivable_small_counts(&cells, &SheetSums::default());
        assert!(given_away.is_empty(), "releases {year}: {given_away:?}");
    }
    for ((year, name), by_period) in &other_years {
        let cells = year_cells(by_period);
        hidden += cells.values().filter(|c| **c == Published::Hidden).count();
        let given_away = figures::derivable_small_counts(&cells, &SheetSums::default());
        assert!(given_away.is_empty(), "{name} {year}: {given_away:?}");
    }
    println!("the differencing attack found nothing behind {hidden} hidden counts");
    assert!(
        hidden >= 20,
        "the attack had hidden counts to work on: {hidden}"
    );

    pages_and_csv(&base, &cookie, today).await;

    // Watching the present: a new case moves no figure of the present by one, and no figure
    // of a closed period at all.
    let closed = Period::parse(&hub_core::periods::Period::default_on(today).to_string()).unwrap();
    let before_closed = figures(&base, &cookie, "overdue", &closed.key()).await;
    let before_cases = figures(&base, &cookie, "cases", "").await;
    let before_now = figures(&base, &cookie, "occupancy", &closed.key()).await["now"].clone();
    let cases_before: i64 = sqlx::query_scalar("SELECT count(*) FROM cases")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let prison = agents.iter().find(|x| x.id == a.prison).unwrap();
    prison.send(&env.release_notice(&[&a.municipality])).await;
    e2e::eventually("the new case recorded", e2e::DEADLINE, || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM cases")
            .fetch_one(&env.pool)
            .await
            .unwrap();
        (n == cases_before + 1).then_some(())
    })
    .await;
    assert_eq!(
        figures(&base, &cookie, "overdue", &closed.key()).await,
        before_closed
    );
    let after_cases = figures(&base, &cookie, "cases", "").await;
    assert_moves_by_five(&before_cases, &after_cases, "cases");
    let after_now = figures(&base, &cookie, "occupancy", &closed.key()).await["now"].clone();
    assert_moves_by_five(&before_now, &after_now, "occupancy now");

    for mut agent in agents {
        agent.stop().await;
    }
    hub.stop().await;
}

/// Every number of `after` is the number at the same place of `before`, or differs from it
/// by a multiple of 5; hidden and shown may swap. Rows are matched by their label.
fn assert_moves_by_five(before: &Value, after: &Value, what: &str) {
    let (before, after) = (numbers(before, what), numbers(after, what));
    let mut compared = 0;
    for (path, b) in &before {
        if let Some(a) = after.get(path) {
            let moved = (a - b).abs();
            assert!(moved % 5.0 == 0.0, "{path}: {b} -> {a}");
            compared += 1;
        }
    }
    assert!(compared > 0, "{what}: nothing to compare");
}

/// The numbers of a JSON value by their path; an array element with a `label` or a
/// `programme` is named by it, not by its place. Rates (`coverage`, `use_of_places`) are
/// left out: they are shares of rounded counts.
fn numbers(value: &Value, path: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    match value {
        Value::Number(n) => {
            out.insert(path.to_owned(), n.as_f64().unwrap_or(f64::NAN));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let name = item
                    .get("label")
                    .or_else(|| item.get("programme"))
                    .or_else(|| item.get("region"))
                    .and_then(Value::as_str)
                    .map_or_else(|| i.to_string(), str::to_owned);
                out.extend(numbers(item, &format!("{path}[{name}]")));
            }
        }
        Value::Object(fields) => {
            for (k, v) in fields {
                if !matches!(k.as_str(), "coverage" | "use_of_places" | "places") {
                    out.extend(numbers(v, &format!("{path}.{k}")));
                }
            }
        }
        _ => {}
    }
    out
}

/// The headings of the dashboard in each language, back to English last.
const IN_EACH_LANGUAGE: [(&str, &str); 4] = [
    ("da", "Nationalt kontaktpunkt – Danmark"),
    ("nb", "Nasjonalt kontaktpunkt – Danmark"),
    ("sv", "Nationell kontaktpunkt – Danmark"),
    ("en", "National contact point – Denmark"),
];

/// The four views of issue 18 in headless Chromium: each in every language (screenshots and
/// axe-core), the page's cells the same as the JSON's, a period chosen with the form, a
/// period not yet over refused in words; and the CSV with what the JSON has.
async fn pages_and_csv(base: &str, cookie: &str, today: chrono::NaiveDate) {
    let browser = e2e::browser::Browser::start("contact-point").await;
    browser.goto(&format!("{base}/login")).await;
    browser.fill("#name", "analyst").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("form button[type=submit]").await;
    browser.find("#cases-total").await;

    let default = hub_core::periods::Period::default_on(today).to_string();
    for view in ["overdue", "releases", "occupancy", "outcomes"] {
        browser.goto(&format!("{base}/dashboard/{view}")).await;
        browser.find("#view-rule").await;
        browser.in_each_language(view, &IN_EACH_LANGUAGE).await;
    }

    // The page shows what the JSON says, cell by cell.
    browser.goto(&format!("{base}/dashboard/overdue")).await;
    let json = figures(base, cookie, "overdue", &default).await;
    let mut compared = 0;
    for ((row, column), cell) in table(&json["by_deadline"]) {
        let css = format!(r#"#overdue-by-deadline td[data-row="{row}"][data-col="{column}"]"#);
        let shown = browser.text(&css).await;
        let want = cell
            .as_i64()
            .map_or_else(|| cell.as_str().unwrap().to_owned(), |n| n.to_string());
        assert_eq!(shown, want, "{css}");
        compared += 1;
    }
    assert!(compared >= 10, "{compared}");

    // Another period, chosen with the page's own form.
    let year = (chrono::Datelike::year(&today) - 1).to_string();
    browser.select("#period", &year).await;
    browser.click("form.period button[type=submit]").await;
    e2e::eventually("the year's figures", e2e::DEADLINE, || async {
        let json = figures(base, cookie, "overdue", &year).await;
        let total = table(&json["by_deadline"])[&("total".to_owned(), "due".to_owned())].clone();
        let shown = browser
            .text(r#"#overdue-by-deadline td[data-row="total"][data-col="due"]"#)
            .await;
        (shown == total.to_string().trim_matches('"')).then_some(())
    })
    .await;
    browser.screenshot("overdue-year").await;

    // A period not yet over is refused, in words, with the way forward.
    let this_month = chrono::Datelike::month(&today);
    let open = format!("{}-{this_month:02}", chrono::Datelike::year(&today));
    browser
        .goto(&format!("{base}/dashboard/overdue?period={open}"))
        .await;
    assert!(
        browser.text("main").await.contains("is not over yet"),
        "{}",
        browser.text("main").await
    );
    browser.screenshot("period-not-over").await;
    let (status, body) = get_json(
        &format!("{base}/api/v1/dashboard/releases?period={open}"),
        Some(cookie),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("period_not_closed"))
    );
    let (status, body) = get_json(
        &format!("{base}/api/v1/dashboard/releases?period=soon"),
        Some(cookie),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_period")));
    browser.close().await;

    // The CSV: a line per cell, the same values as the JSON, small counts still hidden.
    let response = broker::http_client()
        .build()
        .unwrap()
        .get(format!("{base}/dashboard/releases.csv?period={year}"))
        .header("cookie", cookie)
        .header("accept-language", "da")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("releases-{year}.csv"))
    );
    let csv = response.text().await.unwrap();
    let json = figures(base, cookie, "releases", &year).await;
    let by_prison = table(&json["by_prison"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("Tabel,Række,Kolonne,Værdi"),
        "in the analyst's language"
    );
    let lines: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let pairs = json["late_pairs"].as_array().unwrap().len();
    assert_eq!(lines.len(), by_prison.len() + 2 * pairs, "{csv}");
    let total_late = &by_prison[&("total".to_owned(), "late".to_owned())];
    let in_danish = match total_late.as_str() {
        Some("suppressed") => "udeladt".to_owned(),
        _ => total_late.to_string().trim_matches('"').to_owned(),
    };
    assert!(
        lines
            .iter()
            .any(|l| l[1] == "I alt" && l[2] == "For sene" && l[3] == in_danish),
        "the total of late notices, {total_late}, in the CSV: {csv}"
    );
}
