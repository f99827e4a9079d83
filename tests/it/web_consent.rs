//! Browser and API tests of the agent's page: web_consent (issue 17, part 2). A caseworker at
//! the municipality records a person's consent from the signed form, partners ticked one by
//! one, and prints the person's copy in their language; the hub accepts the record.

use chrono::{Days, Months, NaiveDate, Utc};
use e2e::browser::people::ASTRID;
use e2e::browser::{AgentWeb, Browser};
use e2e::{DEADLINE, TestEnv, eventually};
use serde_json::json;

/// A synthetic CPR number and a name that appears nowhere else.
const CPR: &str = "290177-1860";
const NAME: &str = "Sigrid Vindelev Testrup";

/// The last day a consent period starting on `start` may have.
fn latest_end(start: NaiveDate) -> NaiveDate {
    start + Months::new(12) - Days::new(1)
}

/// The English words of the categories and purposes this test ticks, as the copy must
/// show them.
fn english(code: &str) -> &'static str {
    match code {
        "SENTENCE_RELEASE" => "sentence and release",
        "CASE_STATUS" => "the state of the case",
        "EDUCATION_EMPLOYMENT" => "education and employment",
        "RISK_NEED" => "risk and needs",
        "RELEASE_COORDINATION" => "preparing a release from prison",
        "REINTEGRATION_PLANNING" => "planning the way back: housing, income and follow-up",
        other => panic!("no words for {other} in this test"),
    }
}

/// Sets a date input (Chromium's date inputs do not take typed text reliably).
async fn set_date(browser: &Browser, id: &str, date: NaiveDate) {
    browser
        .client()
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![json!(id), json!(date.to_string())],
        )
        .await
        .unwrap();
}

async fn tick(browser: &Browser, name: &str, value: &str) {
    browser
        .click(&format!("input[name='{name}'][value='{value}']"))
        .await;
}

async fn is_ticked(browser: &Browser, name: &str, value: &str) -> bool {
    browser
        .find(&format!("input[name='{name}'][value='{value}']"))
        .await
        .prop("checked")
        .await
        .unwrap()
        .is_some_and(|c| c == "true")
}

/// Fills the form as the signed form says, with two mistakes: the employment service is
/// ticked with what it may receive but not why, and the period is a day too long.
async fn fill_with_mistakes(browser: &Browser, env: &TestEnv, today: NaiveDate) {
    let a = &env.agencies;
    browser.select("#country", "DK").await;
    browser.fill("#national_id", CPR).await;
    browser.fill("#name", NAME).await;
    browser.fill("#programme", "Exit København").await;
    set_date(browser, "signed_on", today - Days::new(1)).await;
    browser.select("#method", "mitid").await;
    browser.fill("#reference", "J.nr. 2026-0917-3").await;
    let prison = a.prison.as_str();
    tick(browser, "partner", prison).await;
    tick(browser, &format!("category:{prison}"), "SENTENCE_RELEASE").await;
    tick(browser, &format!("category:{prison}"), "CASE_STATUS").await;
    tick(
        browser,
        &format!("purpose:{prison}"),
        "RELEASE_COORDINATION",
    )
    .await;
    let employment = a.employment.as_str();
    tick(browser, "partner", employment).await;
    tick(
        browser,
        &format!("category:{employment}"),
        "EDUCATION_EMPLOYMENT",
    )
    .await;
    set_date(browser, "end", latest_end(today) + Days::new(1)).await;
}

#[tokio::test]
async fn a_municipality_caseworker_records_a_consent_and_prints_the_persons_copy() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let _hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let _prison = env.start_agent(&a.prison).await;
    let _employment = env.start_agent(&a.employment).await;
    let _police = env.start_agent(&a.police).await;
    municipality
        .knows_keys_of(&[&a.prison, &a.employment, &a.police])
        .await;
    let today = Utc::now().date_naive();
    let web = AgentWeb::start(&municipality).await;
    let browser = Browser::start("record-consent").await;
    browser.sign_in(&web, ASTRID).await;

    // The form: every partner from the key directory, to tick one by one; the period
    // starts today, and its latest last day is shown before it can be broken.
    browser.goto(&web.page("/consents/new")).await;
    assert_eq!(browser.text("h1").await, "Record a consent");
    let latest = latest_end(today).to_string();
    assert!(browser.text("#end-hint").await.contains(&latest));
    for partner in [&a.prison, &a.employment, &a.police] {
        assert!(!is_ticked(&browser, "partner", partner.as_str()).await);
    }
    browser
        .in_each_language(
            "form",
            &[
                ("da", "Registrér et samtykke"),
                ("nb", "Registrer et samtykke"),
                ("sv", "Registrera ett samtycke"),
                ("en", "Record a consent"),
            ],
        )
        .await;

    // Refused, in every language: the partner without a reason and the period over 12
    // months are named, the latter with the latest last day.
    for (lang, heading) in [
        ("da", "Registrér et samtykke"),
        ("nb", "Registrer et samtykke"),
        ("sv", "Registrera ett samtycke"),
        ("en", "Record a consent"),
    ] {
        browser
            .click(&format!("nav.languages a[lang='{lang}']"))
            .await;
        eventually("the form in its language", DEADLINE, || async {
            (browser.text("h1").await == heading).then_some(())
        })
        .await;
        fill_with_mistakes(&browser, &env, today).await;
        browser.click("button#send").await;
        let problems = browser.text("#form-problems").await;
        assert!(problems.contains(&latest), "{lang}: {problems}");
        assert!(
            problems.contains(a.name_of(&a.employment)),
            "{lang}: {problems}"
        );
        browser.screenshot(&format!("refused-{lang}")).await;
    }
    browser
        .client()
        .execute(
            "document.getElementById('partners').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    browser.screenshot("refused-partners").await;
    let problems = browser.text("#form-problems").await;
    assert!(problems.contains("longer than 12 months"), "{problems}");
    assert!(problems.contains("at least one reason"), "{problems}");

    // Nothing typed or ticked is lost.
    let kept = browser.find("#name").await.prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some(NAME));
    let kept = browser
        .find("#reference")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("J.nr. 2026-0917-3"));
    let prison = a.prison.as_str();
    let employment = a.employment.as_str();
    assert!(is_ticked(&browser, "partner", employment).await);
    assert!(is_ticked(&browser, &format!("category:{prison}"), "CASE_STATUS").await);
    assert!(
        is_ticked(
            &browser,
            &format!("purpose:{prison}"),
            "RELEASE_COORDINATION"
        )
        .await
    );
    assert!(
        municipality
            .store
            .sent_of_type("ConsentGranted", 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing recorded"
    );

    // Corrected and checked, then recorded: the person's copy follows.
    tick(
        &browser,
        &format!("purpose:{employment}"),
        "REINTEGRATION_PLANNING",
    )
    .await;
    set_date(&browser, "end", latest_end(today)).await;
    browser.click("button#check").await;
    browser.find("#form-checked").await;
    browser.click("button#send").await;
    assert!(browser.text("#recorded-note").await.contains("on its way"));

    // The hub accepts the record: its receipt comes back, and the page says it is in force.
    let sent = eventually("the hub's answer to the consent", DEADLINE, || async {
        let sent = municipality
            .store
            .sent_of_type("ConsentGranted", 10)
            .await
            .unwrap();
        let answered = sent.first().filter(|s| {
            !matches!(
                s.status,
                agent::store::SendStatus::Queued | agent::store::SendStatus::Sent
            )
        })?;
        Some(answered.clone())
    })
    .await;
    assert_eq!(
        sent.status,
        agent::store::SendStatus::Delivered,
        "the hub accepted the record: {:?}",
        sent.answer_reason
    );
    browser.client().refresh().await.unwrap();
    assert!(browser.text("#hub-answer").await.contains("in force"));

    // The copy says what the record says: each partner by name, with the words of its
    // categories and purposes; no partner the record does not name; no identity number.
    let message = schemas::decode(&sent.payload).unwrap();
    let schemas::Body::ConsentGranted(granted) = &message.body else {
        panic!("{message:?}")
    };
    let record = &granted.consent;
    assert_eq!(record.provisions.len(), 2);
    assert_eq!(record.period.end, latest_end(today));
    let copy = browser.text("#copy").await;
    let sections = browser
        .client()
        .find_all(fantoccini::Locator::Css("#copy section.partner"))
        .await
        .unwrap();
    assert_eq!(
        sections.len(),
        record.provisions.len(),
        "one part per partner"
    );
    for (section, provision) in sections.iter().zip(&record.provisions) {
        let [schemas::messages::RecipientSelector::Agency(partner)] = &provision.recipients[..]
        else {
            panic!("one agency per provision: {provision:?}")
        };
        let text = section.text().await.unwrap();
        assert!(
            text.starts_with(a.name_of(partner)),
            "{partner} heads its part by name: {text}"
        );
        let codes = provision
            .categories
            .iter()
            .map(|c| serde_json::to_value(c).unwrap())
            .chain(
                provision
                    .purposes
                    .iter()
                    .map(|p| serde_json::to_value(p).unwrap()),
            );
        for code in codes {
            let words = english(code.as_str().unwrap());
            // The page writes each item with a capital first letter (CSS), so compare
            // without case.
            assert!(
                text.to_lowercase().contains(words),
                "{words} under {partner}: {text}"
            );
        }
    }
    assert!(
        !copy.contains(a.name_of(&a.police)) && !copy.contains(a.police.as_str()),
        "a partner not in the record"
    );
    assert!(
        !copy.to_lowercase().contains("risk and needs"),
        "a category not in the record"
    );
    assert!(
        !copy.contains(CPR) && !copy.contains("1860"),
        "no identity number"
    );
    assert!(copy.contains(NAME), "the person's name from the register");
    assert!(copy.contains("withdraw"));
    browser
        .in_each_language(
            "copy",
            &[
                ("da", "Dit samtykke"),
                ("nb", "Ditt samtykke"),
                ("sv", "Ditt samtycke"),
                ("en", "Your consent"),
            ],
        )
        .await;

    // The copy in the person's language, whatever the caseworker's.
    browser.click("nav.copy-languages a[lang='sv']").await;
    eventually("the copy in Swedish", DEADLINE, || async {
        (browser.text("h1").await == "Ditt samtycke").then_some(())
    })
    .await;
    let swedish = browser.text("#copy").await.to_lowercase();
    assert!(
        swedish.contains("förberedelse av en frigivning"),
        "{swedish}"
    );
    assert!(
        browser.text("header.site").await.contains("Sign out"),
        "the frame stays English"
    );
    browser.screenshot("copy-for-a-swedish-reader").await;

    // Printed, the copy leaves out the site's header, menus, notes and buttons.
    let hidden_in_print = browser
        .client()
        .execute(
            "return [...document.styleSheets].flatMap(s => [...s.cssRules]) \
               .filter(r => r.media && r.media.mediaText === 'print') \
               .flatMap(r => [...r.cssRules]) \
               .filter(r => r.style.display === 'none') \
               .map(r => r.selectorText).join(', ');",
            vec![],
        )
        .await
        .unwrap();
    let hidden_in_print = hidden_in_print.as_str().unwrap_or_default().to_owned();
    for part in ["header.site", ".no-print", "button"] {
        assert!(
            hidden_in_print.contains(part),
            "{part} printed: {hidden_in_print}"
        );
    }
    for note in ["#hub-answer", "nav.copy-languages", "p.back"] {
        let class = browser
            .find(note)
            .await
            .attr("class")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(class.contains("no-print"), "{note} is not printed");
    }

    // On a phone (390 px wide) the form and the copy fit the screen.
    let copy_url = browser.client().current_url().await.unwrap().to_string();
    browser
        .client()
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    for (url, step) in [
        (web.page("/consents/new"), "form-390px"),
        (copy_url, "copy-390px"),
    ] {
        browser.goto(&url).await;
        let wide = browser
            .client()
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                vec![],
            )
            .await
            .unwrap();
        let offenders = browser
            .client()
            .execute(
                "return [...document.querySelectorAll('main *')] \
                   .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth) \
                   .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className).join(' ');",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            wide,
            json!(0),
            "{step}: scrolls sideways at 390 px: {offenders}"
        );
        browser.screenshot(step).await;
    }
    browser.close().await;
}
