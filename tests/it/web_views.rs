//! Browser and API tests of the agent's page: web_views (issue 17, part 3). A caseworker at
//! the municipality sees, before the hub escalates anything, the release coming up, the
//! handover request due with its deadline by the jurisdiction's calendar, the case and who
//! owns it, and the person's timeline.

use chrono::{Datelike, Days, NaiveDate, Utc};
use e2e::browser::people::ASTRID;
use e2e::browser::{AgentWeb, Browser};
use e2e::{DEADLINE, TestEnv, draft, eventually, refusal};
use hub_core::deadlines::{DeadlineKind, due_date};
use schemas::Jurisdiction;
use serde_json::{Value, json};

/// A synthetic CPR number and a name that appears nowhere else.
const CPR: &str = "290177-1860";
const NAME: &str = "Sigrid Vindelev Testrup";
const CASE: &str = "KBH-2026-0917";

/// `m` naming its person by number (the sending agent derives the pseudonym and seals the
/// identity to the recipients that may have it).
fn by_number(mut m: Value) -> Value {
    m["envelope"].as_object_mut().unwrap().remove("subject");
    m["person"] = json!({"jurisdiction": "DK", "national_id": CPR, "name": NAME});
    m
}

/// A date as the English page writes it: `3 December 2026`.
fn written(d: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

#[tokio::test]
async fn a_caseworker_sees_releases_deadlines_cases_and_a_persons_timeline() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    prison.knows_keys_of(&[&a.municipality]).await;
    let today = Utc::now().date_naive();

    // The prison sends the release notice (in 40 days, earliest in 30), naming the person by
    // number; the municipality records the person's consent; the prison asks the
    // municipality to take the case over.
    let expected = today + Days::new(40);
    let earliest = today + Days::new(30);
    let mut notice = by_number(draft(
        "ReleaseNotice",
        &a.prison,
        &[&a.municipality],
        CASE,
        "ps-0000000000000000",
    ));
    notice["body"]["expected_release"] = json!(expected);
    notice["body"]["earliest_release"] = json!(earliest);
    notice["body"]["supervision"] = json!({"kind": "parole"});
    let notice = prison.submit(&notice).await;
    let subject = notice.envelope.subject.clone().expect("a derived subject");
    assert_eq!(
        refusal(&prison.answer_to(notice.envelope.message_id).await),
        None
    );
    env.grant_consent(&municipality, subject.as_str()).await;
    let handover_id = uuid::Uuid::new_v4();
    let mut request = env.handover_request(CASE, subject.as_str(), handover_id);
    request["body"]["respond_by"] = json!(today + Days::new(60));
    let request = prison.submit(&request).await;
    assert_eq!(
        refusal(&prison.answer_to(request.envelope.message_id).await),
        None
    );
    eventually("both messages at the municipality", DEADLINE, || async {
        let types = municipality.inbox_types().await;
        (types.iter().any(|t| t == "ReleaseNotice") && types.iter().any(|t| t == "HandoverRequest"))
            .then_some(())
    })
    .await;

    // The hub's own calendar says when it escalates: the page must show those days.
    let deadlines = env.hub_settings.deadlines();
    let calendar = deadlines.calendar(Jurisdiction::DK);
    let requested_at: chrono::DateTime<Utc> =
        sqlx::query_scalar("SELECT requested_at FROM handovers WHERE handover_id = $1")
            .bind(handover_id)
            .fetch_one(&env.pool)
            .await
            .unwrap();
    let requested_on = requested_at.date_naive();
    let receive_by = due_date(
        &calendar,
        &deadlines.rules,
        DeadlineKind::HandoverReceived,
        requested_on,
    );
    let answer_by = due_date(
        &calendar,
        &deadlines.rules,
        DeadlineKind::HandoverAnswered,
        requested_on,
    );

    let web = AgentWeb::start(&municipality).await;
    let browser = Browser::start("web-views").await;
    browser.sign_in(&web, ASTRID).await;

    // Releases: the one coming up, its days left counted to the earliest release.
    browser.goto(&web.page("/releases")).await;
    browser
        .in_each_language(
            "releases",
            &[
                ("da", "Kommende løsladelser"),
                ("nb", "Kommende løslatelser"),
                ("sv", "Kommande frigivningar"),
                ("en", "Releases coming up"),
            ],
        )
        .await;
    let row = browser
        .text(&format!(
            "tr[data-message-id='{}']",
            notice.envelope.message_id
        ))
        .await;
    for shown in [
        written(expected),
        format!("earliest {}", written(earliest)),
        format!("{} days", (earliest - today).num_days()),
        "(to the earliest release)".to_owned(),
        "Parole".to_owned(),
        a.name_of(&a.prison).to_owned(),
        format!(
            "asked of {} on {}",
            a.name_of(&a.municipality),
            written(requested_on)
        ),
    ] {
        assert!(row.contains(&shown), "{shown} missing from {row}");
    }
    assert!(
        !row.contains(NAME),
        "not yet in the register: named by pseudonym"
    );

    // Due: the request, to be marked received and answered, on the hub's days.
    browser.goto(&web.page("/due")).await;
    browser
        .in_each_language(
            "due",
            &[
                ("da", "Frister"),
                ("nb", "Frister"),
                ("sv", "Tidsfrister"),
                ("en", "Due and overdue"),
            ],
        )
        .await;
    let rows = browser.text("table.due tbody").await;
    let lines: Vec<&str> = rows.lines().collect();
    let receipt_at = lines
        .iter()
        .position(|l| l.contains("Mark the handover request received"))
        .expect(&rows);
    let answer_at = lines
        .iter()
        .position(|l| l.contains("Accept or reject the handover request"))
        .expect(&rows);
    assert!(receipt_at < answer_at, "soonest first: {rows}");
    for shown in [
        written(receive_by),
        "due in 2 working days".to_owned(),
        written(answer_by),
        "due in 10 working days".to_owned(),
    ] {
        assert!(rows.contains(&shown), "{shown} missing from {rows}");
    }
    assert!(
        browser
            .has(&format!(
                "tr[data-message-id='{}'] a[href='/messages/{}?sender={}']",
                request.envelope.message_id, request.envelope.message_id, a.prison
            ))
            .await,
        "each links to its message"
    );

    // Cases: the prison owns the case until the municipality accepts; "only mine" is empty
    // until Astrid has opened something.
    browser.goto(&web.page("/cases")).await;
    browser
        .in_each_language(
            "cases",
            &[
                ("da", "Sager"),
                ("nb", "Saker"),
                ("sv", "Ärenden"),
                ("en", "Cases"),
            ],
        )
        .await;
    let case = browser.text(&format!("tr[data-case='{CASE}']")).await;
    for shown in [
        a.name_of(&a.prison).to_owned(),
        format!("handover to {} asked", a.name_of(&a.municipality)),
        "Handover request".to_owned(),
        "Mark the handover request received".to_owned(),
        written(receive_by),
    ] {
        assert!(case.contains(&shown), "{shown} missing from {case}");
    }
    browser.click("#mine").await;
    browser.click("#filter").await;
    // Astrid has opened nothing yet (found once the filtered page has loaded).
    browser.find("#no-cases").await;
    browser.screenshot("cases-mine-none").await;

    // She opens the release notice: the person enters the register, and the case is hers.
    browser.goto(&web.page("/")).await;
    browser
        .click(&format!(
            "tr[data-message-id='{}'] a",
            notice.envelope.message_id
        ))
        .await;
    browser.click("#open-message").await;
    browser.find("dl.facts").await;
    browser.goto(&web.page("/cases?mine=1")).await;
    let case = browser.text(&format!("tr[data-case='{CASE}']")).await;
    assert!(case.contains(NAME), "named from the register: {case}");
    browser.screenshot("cases-mine").await;

    // The person's timeline: every message about them, with who sent it to whom.
    browser
        .click(&format!(
            "tr[data-case='{CASE}'] a[href='/persons/{subject}']"
        ))
        .await;
    browser
        .in_each_language(
            "person",
            &[("da", NAME), ("nb", NAME), ("sv", NAME), ("en", NAME)],
        )
        .await;
    let timeline = browser.text("table.timeline tbody").await;
    let lines: Vec<&str> = timeline.lines().collect();
    assert_eq!(lines.len(), 3, "notice, consent, request: {timeline}");
    assert!(
        lines[0].contains("Handover request"),
        "newest first: {timeline}"
    );
    assert!(lines[1].contains("Consent recorded"), "{timeline}");
    assert!(lines[1].contains("to the hub"), "{timeline}");
    assert!(lines[2].contains("Release notice"), "{timeline}");
    let from_prison = format!("{} to {}", a.name_of(&a.prison), a.name_of(&a.municipality));
    assert!(lines[0].contains(&from_prison), "{timeline}");
    assert!(lines[0].contains("New"), "not opened yet: {timeline}");
    assert!(lines[2].contains("Opened"), "{timeline}");

    // On a phone (390 px wide) every view fits the screen: nothing scrolls sideways.
    browser
        .client()
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    for view in [
        "/cases",
        "/due",
        "/releases",
        &format!("/persons/{subject}"),
    ] {
        browser.goto(&web.page(view)).await;
        let wide = browser
            .client()
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(wide, json!(0), "{view} scrolls sideways at 390 px");
        let step = format!(
            "{}-390px",
            view.trim_start_matches('/').split('/').next().unwrap()
        );
        browser.screenshot(&step).await;
    }

    browser.close().await;
    web.stop().await;
    hub.stop().await;
}
