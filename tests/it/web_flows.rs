//! Issue 17, part 1: the flows that take more than a choice, from the page, in headless
//! Chromium against a real hub: a relocation request (its destination sealed by the agent),
//! its confirmation (the new address sealed to the police protection unit), an information
//! request and its answer; and every send form in every language.

use e2e::browser::people::{ASTRID, BO, CARL};
use e2e::browser::{AgentWeb, Browser};
use e2e::{AgentHandle, DEADLINE, TestEnv, eventually, refusal};
use schemas::{Body, MessageType};
use serde_json::json;

const NUMBER: &str = "290177-1860";
const CASE: &str = "NBY-2026-0311";

/// The person's pseudonym, as every agent derives it from the number under the common key.
fn subject_of(agent: &AgentHandle) -> String {
    let key = agent.settings.pseudonym_key().unwrap().expect("a key");
    let today = chrono::Utc::now().date_naive();
    let id = schemas::NationalId::parse(schemas::Jurisdiction::DK, NUMBER, today).unwrap();
    key.pseudonym(&id).to_string()
}

/// Sets a date input's value (typing into one follows the browser's locale).
async fn set_date(browser: &Browser, id: &str, date: &str) {
    browser
        .client()
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![json!(id), json!(date)],
        )
        .await
        .unwrap();
}

/// The municipality (Nordby) asks the destination (Sydby) to receive a person who must move,
/// and asks it a question; Sydby confirms and answers, each from the page. Every form is
/// shown in every language, and a refused form keeps what was typed.
#[tokio::test]
async fn a_relocation_and_a_question_go_and_are_answered_from_the_page() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let origin = env.start_agent(&a.municipality).await;
    let destination = env.start_agent(&a.destination).await;
    let protection = env.start_agent(&a.protection).await;
    origin.knows_keys_of(&[&a.destination]).await;
    destination
        .knows_keys_of(&[&a.protection, &a.municipality])
        .await;
    // The person's consent covers relocation and questions between the municipalities.
    let subject = subject_of(&origin);
    let mut consent = e2e::consent_granted(&env, &subject, uuid::Uuid::new_v4(), 1);
    consent["body"]["consent"]["provisions"] = json!([{
        "recipients": [{"role": "municipality"}, {"agency": a.protection}],
        "purposes": ["RELOCATION_SAFETY", "CASE_COORDINATION", "REINTEGRATION_PLANNING"],
        "categories": ["RISK_NEED", "CASE_STATUS", "PROTECTED_LOCATION", "EDUCATION_EMPLOYMENT"]
    }]);
    assert_eq!(refusal(&origin.send_and_wait(&consent).await), None);

    let origin_web = AgentWeb::start(&origin).await;
    let browser = Browser::start("flows-origin").await;
    browser.sign_in(&origin_web, ASTRID).await;
    browser.click("header nav a[href='/send']").await;
    browser
        .in_each_language(
            "send-page",
            &[
                ("da", "Send"),
                ("nb", "Send"),
                ("sv", "Skicka"),
                ("en", "Send"),
            ],
        )
        .await;
    // The forms not walked below, each in every language.
    for (path, step, headings) in [
        (
            "/send/risk-need-summary",
            "risk-form",
            [
                ("da", "Del en risiko- og behovsvurdering"),
                ("nb", "Del en risiko- og behovsvurdering"),
                ("sv", "Dela en risk- och behovsbedömning"),
                ("en", "Share a risk and need summary"),
            ],
        ),
        (
            "/send/outcome-report",
            "outcome-form",
            [
                ("da", "Indberet et resultat"),
                ("nb", "Rapporter et resultat"),
                ("sv", "Rapportera ett resultat"),
                ("en", "Report an outcome"),
            ],
        ),
        (
            "/send/case-closing",
            "closing-form",
            [
                ("da", "Afslut en sag"),
                ("nb", "Avslutt en sak"),
                ("sv", "Avsluta ett ärende"),
                ("en", "Close a case"),
            ],
        ),
    ] {
        browser.goto(&origin_web.page(path)).await;
        browser.in_each_language(step, &headings).await;
    }

    // 1. The relocation request: sent incomplete, then whole.
    browser.goto(&origin_web.page("/send")).await;
    browser
        .click("main a[href='/send/relocation-request']")
        .await;
    browser
        .in_each_language(
            "relocation-form",
            &[
                ("da", "Anmod om flytning"),
                ("nb", "Be om flytting"),
                ("sv", "Begär en flytt"),
                ("en", "Ask for a relocation"),
            ],
        )
        .await;
    browser.select("#country", "DK").await;
    browser.fill("#national_id", NUMBER).await;
    browser.fill("#name", "Sigrid Vindelev Testrup").await;
    browser.fill("#case_id", CASE).await;
    browser
        .click(&format!(
            "input[name='recipient'][value='{}']",
            a.destination
        ))
        .await;
    browser.select("#threat_level", "high").await;
    browser.fill("#address", "Innherredsveien 61 B").await;
    browser.click("button#send").await;
    let problems = browser.text("#form-problems").await;
    for words in [
        "date by which the move",
        "needs at the destination",
        "postal code",
    ] {
        assert!(problems.contains(words), "{words} missing from {problems}");
    }
    let kept = browser.find("#address").await.prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("Innherredsveien 61 B"), "kept");
    browser.screenshot("relocation-problems").await;
    set_date(&browser, "needed_by", "2030-01-20").await;
    browser
        .fill("#needs", "Supported housing for three months.")
        .await;
    browser.fill("#postal_code", "7067").await;
    browser.fill("#city", "Sydby").await;
    browser.click("button#send").await;
    assert!(browser.text("#sent-note").await.contains("on its way"));

    // 2. Sydby reads it, with the destination opened for it alone, and confirms.
    let destination_web = AgentWeb::start(&destination).await;
    let receiver = Browser::start("flows-destination").await;
    receiver.sign_in(&destination_web, BO).await;
    let request = destination.received(MessageType::RelocationRequest).await;
    let path = format!(
        "/messages/{}?sender={}",
        request.envelope.message_id, a.municipality
    );
    receiver.goto(&destination_web.page(&path)).await;
    receiver.click("#open-message").await;
    let page = receiver.text("main").await;
    assert!(page.contains("Innherredsveien 61 B"), "{page}");
    assert!(page.contains("high"), "the threat level in words: {page}");
    receiver.click("a#reply").await;
    receiver
        .in_each_language(
            "confirm-form",
            &[
                ("da", "Bekræft flytningen"),
                ("nb", "Bekreft flyttingen"),
                ("sv", "Bekräfta flytten"),
                ("en", "Confirm the relocation"),
            ],
        )
        .await;
    receiver.fill("#address", "Elgeseter gate 93 C").await;
    receiver.click("button#send").await;
    assert!(
        receiver
            .text("#move_date-error")
            .await
            .contains("move date"),
        "the missing date is named"
    );
    set_date(&receiver, "move_date", "2030-01-18").await;
    receiver
        .click(&format!(
            "input[name='recipient'][value='{}']",
            a.protection
        ))
        .await;
    receiver.fill("#postal_code", "7030").await;
    receiver.fill("#city", "Sydby").await;
    receiver.click("button#send").await;
    assert!(receiver.text("#sent-note").await.contains("on its way"));

    // The origin learns of the move without the address; the protection unit reads it.
    let at_origin = origin.received(MessageType::RelocationConfirmed).await;
    let Body::RelocationConfirmed(told) = &at_origin.body else {
        unreachable!()
    };
    assert_eq!(told.new_owner, a.destination);
    assert_eq!(told.sealed_address, None, "the origin gets no address");
    let at_unit = protection.received(MessageType::RelocationConfirmed).await;
    let opened = agent::sealing::open(&protection.store, &protection.id, &at_unit)
        .await
        .unwrap()
        .expect("a sealed field");
    assert_eq!(
        opened.location().map(|l| l.address.as_str()),
        Some("Elgeseter gate 93 C")
    );
    // Answered once: the page says so instead of offering the form again.
    receiver.goto(&destination_web.page(&path)).await;
    assert!(receiver.has("#replied").await);

    // 3. A question from the origin, answered by Sydby.
    browser
        .goto(&origin_web.page("/send/information-request"))
        .await;
    browser
        .in_each_language(
            "question-form",
            &[
                ("da", "Anmod om oplysninger"),
                ("nb", "Be om opplysninger"),
                ("sv", "Begär uppgifter"),
                ("en", "Ask for information"),
            ],
        )
        .await;
    browser.select("#country", "DK").await;
    browser.fill("#national_id", NUMBER).await;
    browser.fill("#case_id", CASE).await;
    browser
        .click(&format!(
            "input[name='recipient'][value='{}']",
            a.destination
        ))
        .await;
    browser.select("#purpose", "CASE_COORDINATION").await;
    browser
        .click("input[name='category'][value='EDUCATION_EMPLOYMENT']")
        .await;
    browser
        .fill(
            "#question",
            "Has the person started the job training agreed?",
        )
        .await;
    browser.click("button#send").await;
    assert!(browser.text("#sent-note").await.contains("on its way"));
    let question = destination.received(MessageType::InformationRequest).await;
    let path = format!(
        "/messages/{}?sender={}",
        question.envelope.message_id, a.municipality
    );
    receiver.goto(&destination_web.page(&path)).await;
    receiver.click("#open-message").await;
    assert!(
        receiver
            .text("main")
            .await
            .contains("Has the person started the job training agreed?")
    );
    receiver.click("a#reply").await;
    receiver
        .in_each_language(
            "answer-form",
            &[
                ("da", "Besvar spørgsmålet"),
                ("nb", "Svar på spørsmålet"),
                ("sv", "Besvara frågan"),
                ("en", "Answer the question"),
            ],
        )
        .await;
    receiver
        .fill(
            "#answer-EDUCATION_EMPLOYMENT",
            "Started on 4 January; attends three days a week.",
        )
        .await;
    receiver.click("button#send").await;
    assert!(receiver.text("#sent-note").await.contains("on its way"));
    let answer = eventually("the answer at the origin", DEADLINE, || async {
        origin
            .inbox()
            .await
            .into_iter()
            .find(|m| m.envelope.message_type == MessageType::InformationResponse)
    })
    .await;
    assert_eq!(
        answer.envelope.correlation_id,
        question.envelope.correlation_id
    );
    let Body::InformationResponse(body) = &answer.body else {
        unreachable!()
    };
    assert_eq!(
        body.answers[0].text.as_str(),
        "Started on 4 January; attends three days a week."
    );
    // The origin reads the answer in words.
    let path = format!(
        "/messages/{}?sender={}",
        answer.envelope.message_id, a.destination
    );
    browser.goto(&origin_web.page(&path)).await;
    browser.click("#open-message").await;
    browser
        .in_each_language(
            "answer-read",
            &[
                ("da", "Svar med oplysninger"),
                ("nb", "Svar med opplysninger"),
                ("sv", "Svar med uppgifter"),
                ("en", "Information answer"),
            ],
        )
        .await;
    assert!(
        browser
            .text("main")
            .await
            .contains("Started on 4 January; attends three days a week.")
    );
    browser.close().await;
    receiver.close().await;
    origin_web.stop().await;
    destination_web.stop().await;
    hub.stop().await;
}

/// Issue 17, parts 5 and 7: the pages not walked by a flow, each in every language and
/// checked by axe-core: sign-in, the people register, the access log, a page that is not
/// there, signed out, and the administrator's settings.
#[tokio::test]
async fn every_other_page_reads_in_every_language() {
    let env = TestEnv::new().await;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&env.agencies.municipality).await;
    let web = AgentWeb::start(&municipality).await;
    let browser = Browser::start("pages").await;
    browser.goto(&web.page("/")).await;
    browser
        .in_each_language(
            "sign-in",
            &[
                ("da", "Log ind"),
                ("nb", "Logg inn"),
                ("sv", "Logga in"),
                ("en", "Sign in"),
            ],
        )
        .await;
    browser.sign_in(&web, BO).await;
    for (path, step, headings) in [
        (
            "/persons",
            "people",
            [
                ("da", "Personer"),
                ("nb", "Personer"),
                ("sv", "Personer"),
                ("en", "People"),
            ],
        ),
        (
            "/access-log",
            "access-log",
            [
                ("da", "Adgangslog"),
                ("nb", "Tilgangslogg"),
                ("sv", "Åtkomstlogg"),
                ("en", "Access log"),
            ],
        ),
        (
            "/messages/01a2008d-8b70-7160-8999-000000000000",
            "not-found",
            [
                ("da", "Ikke fundet"),
                ("nb", "Ikke funnet"),
                ("sv", "Hittades inte"),
                ("en", "Not found"),
            ],
        ),
    ] {
        browser.goto(&web.page(path)).await;
        browser.in_each_language(step, &headings).await;
    }
    browser.click("form.logout button").await;
    browser.click("#sign-out").await;
    browser
        .in_each_language(
            "signed-out",
            &[
                ("da", "Du er logget ud"),
                ("nb", "Du er logget ut"),
                ("sv", "Du är utloggad"),
                ("en", "You are signed out"),
            ],
        )
        .await;
    browser.close().await;

    let administrator = Browser::start("pages-admin").await;
    administrator.sign_in(&web, CARL).await;
    administrator
        .in_each_language(
            "admin",
            &[
                ("da", "Agentens indstillinger"),
                ("nb", "Agentens innstillinger"),
                ("sv", "Agentens inställningar"),
                ("en", "Agent settings"),
            ],
        )
        .await;
    administrator.close().await;
    web.stop().await;
    hub.stop().await;
}
