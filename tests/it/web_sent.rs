//! Browser and API tests of the agent's page: web_sent (issue 17): what became of each
//! recipient's copy of a sent message.

use e2e::browser::people::ASTRID;
use e2e::browser::{AgentWeb, Browser, TOKEN};
use e2e::{DEADLINE, TestEnv, eventually};
use serde_json::Value;

const CASE: &str = "KBH-2026-0888";

/// The visible text of `css`, without what is folded away in `<details>`.
async fn shown_without_details(browser: &Browser, css: &str) -> String {
    browser
        .client()
        .execute(
            &format!(
                "const t = document.querySelector(\"{css}\").cloneNode(true); \
                 t.querySelectorAll('details').forEach(d => d.remove()); return t.textContent;"
            ),
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// A prison caseworker sends one release notice to the municipality and to the employment
/// service. The statute lets the municipality have it; nothing lets the employment service
/// have it without the person's consent, so the hub refuses that copy. The sender's page
/// shows each recipient's fate in words in every language (the code only folded away for
/// the administrator), and the API gives the same per recipient.
#[tokio::test]
async fn the_sender_sees_what_became_of_each_recipients_copy() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let _hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let _municipality = env.start_agent(&a.municipality).await;
    let _employment = env.start_agent(&a.employment).await;
    let web = AgentWeb::start(&prison).await;
    // The form offers the agencies whose keys the hub's directory lists.
    eventually(
        "both recipients in the prison's key directory",
        DEADLINE,
        || async {
            let keys = prison.store.directory_keys().await.unwrap();
            [&a.municipality, &a.employment]
                .iter()
                .all(|x| keys.iter().any(|k| &k.agency == *x))
                .then_some(())
        },
    )
    .await;

    let browser = Browser::start("sent-fate").await;
    browser.sign_in(&web, ASTRID).await;
    browser.goto(&web.page("/send/release-notice")).await;
    browser.select("#country", "DK").await;
    browser.fill("#national_id", "290177-1860").await;
    browser.fill("#name", "Sigrid Vindelev Testrup").await;
    browser.fill("#case_id", CASE).await;
    for recipient in [&a.municipality, &a.employment] {
        browser
            .click(&format!("input[name='recipient'][value='{recipient}']"))
            .await;
    }
    browser
        .client()
        .execute(
            "document.getElementById('expected_release').value = '2027-03-23';",
            vec![],
        )
        .await
        .unwrap();
    browser.select("#supervision", "parole").await;
    browser.click("button#send").await;
    assert!(browser.text("#sent-note").await.contains("on its way"));

    // The hub answers: delivered to one, refused for the other.
    let id = eventually("the hub's receipt", DEADLINE, || async {
        let outbox = prison.store.outbox(10).await.unwrap();
        let notice = outbox.iter().find(|s| s.message_type == "ReleaseNotice")?;
        (notice.status == agent::store::SendStatus::PartiallyDelivered)
            .then(|| notice.message_id.clone())
    })
    .await;

    // From the list of sent messages to the message's own page.
    browser.goto(&web.page("/")).await;
    browser
        .click(&format!("table.sent a[href='/sent/{id}']"))
        .await;
    assert_eq!(browser.path().await, format!("/sent/{id}"));
    let delivered = format!("li[data-recipient='{}']", a.municipality);
    let refused = format!("li[data-recipient='{}']", a.employment);
    for (lang, heading, delivered_words, refused_words) in [
        ("da", "Løsladelsesmeddelelse", "Leveret", "Ikke leveret"),
        ("nb", "Melding om løslatelse", "Levert", "Ikke levert"),
        (
            "sv",
            "Meddelande om frigivning",
            "Levererat",
            "Inte levererat",
        ),
        ("en", "Release notice", "Delivered", "Not delivered"),
    ] {
        browser
            .in_each_language("sent-page", &[(lang, heading)])
            .await;
        // textContent: as written, not as the tags' capitals show it.
        let got = shown_without_details(&browser, &delivered).await;
        assert!(got.contains(delivered_words), "{lang}: {got}");
        assert!(
            got.contains(a.name_of(&a.municipality)) && !got.contains(a.municipality.as_str()),
            "the recipient by name: {got}"
        );
        let why = shown_without_details(&browser, &refused).await;
        assert!(why.contains(refused_words), "{lang}: {why}");
        let main = shown_without_details(&browser, "main").await;
        assert!(
            !main.contains("NO_GATEWAY"),
            "{lang}: a code on screen: {main}"
        );
        assert!(
            !main.contains("sent-page-"),
            "{lang}: an id without words: {main}"
        );
        assert!(
            browser.has("#sent-overall").await,
            "{lang}: not all delivered"
        );
    }
    // In English: what happened, why and what to do; the code only in the details.
    let why = shown_without_details(&browser, &refused).await;
    assert!(why.contains("No law and no consent"), "{why}");
    assert!(why.contains("Record the person's consent first"), "{why}");
    assert!(
        browser
            .text(&format!("{refused} details summary"))
            .await
            .contains("Technical detail")
    );
    browser.click(&format!("{refused} details summary")).await;
    assert!(
        browser
            .text(&format!("{refused} details"))
            .await
            .contains("NO_GATEWAY")
    );
    browser.screenshot("sent-page-technical").await;
    // What was sent, about whom, by whom.
    let facts = browser.text("dl.facts").await;
    for words in ["Sigrid Vindelev Testrup", CASE, "Astrid"] {
        assert!(facts.contains(words), "{words} missing from {facts}");
    }

    // The API gives the same, with the codes.
    let response = e2e::browser::https()
        .get(web.url(&format!("/api/v1/messages/{id}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "partially_delivered", "{body}");
    let recipients = body["recipients"].as_array().expect("recipients");
    let of = |agency: &schemas::AgencyId| {
        recipients
            .iter()
            .find(|r| r["agency"] == agency.as_str())
            .unwrap_or_else(|| panic!("{agency} in {body}"))
    };
    assert_eq!(of(&a.municipality)["outcome"], "delivered", "{body}");
    assert!(of(&a.municipality).get("reason_code").is_none(), "{body}");
    assert_eq!(of(&a.employment)["outcome"], "refused", "{body}");
    assert_eq!(of(&a.employment)["reason_code"], "NO_GATEWAY", "{body}");
    assert_eq!(recipients.len(), 2, "{body}");
    assert!(
        body.get("case_owner").is_none(),
        "a release notice hands nothing over"
    );
    browser.close().await;
    web.stop().await;
}
