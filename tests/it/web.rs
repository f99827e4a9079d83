//! The agent's HTTP API (plain HTTP) and the caseworker's inbox page (headless Chromium),
//! against a real hub, broker and database.

use e2e::browser::people::{ASTRID, BO, DINA};
use e2e::browser::{AgentWeb, Browser, TOKEN};
use e2e::{DEADLINE, TestEnv, draft, eventually, refusal};
use serde_json::{Value, json};

const SUBJECT: &str = "ps-3e8b1c7a9d2f5e40";
const CASE: &str = "KBH-2026-0777";

fn http() -> reqwest::Client {
    e2e::browser::https()
}

/// GET with the token; the status and the JSON body.
async fn get(url: &str) -> (u16, Value) {
    let response = http().get(url).bearer_auth(TOKEN).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// POST JSON with the token; the status and the JSON body.
async fn post(url: &str, body: &Value) -> (u16, Value) {
    post_raw(url, body.to_string()).await
}

async fn post_raw(url: &str, body: String) -> (u16, Value) {
    let response = http()
        .post(url)
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Waits for the first message of `message_type` in `agent`'s inbox, decoded.
async fn first_received(agent: &e2e::AgentHandle, message_type: &str) -> schemas::Message {
    eventually(
        &format!("a {message_type} in the inbox"),
        DEADLINE,
        || async {
            let rows = agent.store.inbox(50).await.unwrap();
            let row = rows.iter().find(|r| r.message_type == message_type)?;
            Some(schemas::decode(&row.payload).unwrap())
        },
    )
    .await
}

/// Waits until the sent message `id` has left `queued` and `sent`; returns its status body.
async fn hub_answered(web: &AgentWeb, id: &str) -> Value {
    let url = web.url(&format!("/api/v1/messages/{id}"));
    eventually(
        "the hub's answer, seen through the API",
        DEADLINE,
        || async {
            let (status, body) = get(&url).await;
            assert_eq!(status, 200, "{body}");
            (!matches!(body["status"].as_str(), Some("queued" | "sent"))).then_some(body)
        },
    )
    .await
}

#[tokio::test]
async fn the_api_needs_its_token_and_names_the_offending_field() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let prison = env.start_agent(&a.prison).await;
    let web = AgentWeb::start(&prison).await;

    let health = http().get(web.url("/health")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let bare = http().get(web.url("/api/v1/inbox")).send().await.unwrap();
    assert_eq!(bare.status().as_u16(), 401);
    assert_eq!(bare.json::<Value>().await.unwrap()["error"], "unauthorized");
    let wrong = http()
        .get(web.url("/api/v1/inbox"))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let openapi = http()
        .get(web.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        openapi.json::<Value>().await.unwrap()["openapi"],
        "3.1.0",
        "the API describes itself without a token"
    );

    let messages = web.url("/api/v1/messages");
    let mut notice = env.release_notice(&[&a.municipality]);
    notice["body"]["supervision"]["kind"] = json!("house_arrest");
    let (status, body) = post(&messages, &notice).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "schema_violation");
    assert_eq!(body["reason"], "SCHEMA_VIOLATION");
    assert_eq!(body["path"], "body.supervision.kind");
    assert!(body["detail"].as_str().unwrap().contains("unknown variant"));

    let (status, body) = post_raw(&messages, "{\"envelope\": ".into()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("malformed_json"))
    );

    let mut theirs = env.release_notice(&[&a.municipality]);
    theirs["envelope"]["sender"] = json!(a.municipality);
    let (status, body) = post(&messages, &theirs).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("wrong_sender"))
    );

    let (status, body) = post(
        &web.url("/api/v1/consents"),
        &env.release_notice(&[&a.municipality]),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("wrong_message_type"))
    );

    let answer = web.url(&format!(
        "/api/v1/handovers/{}/answer",
        uuid::Uuid::new_v4()
    ));
    let rejection =
        json!({"case_id": CASE, "subject": SUBJECT, "to": a.municipality, "outcome": "rejected"});
    let (status, body) = post(&answer, &rejection).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        (body["error"].as_str(), body["path"].as_str()),
        (Some("reason_required"), Some("reason"))
    );
    let (status, body) = post(&answer, &json!({"case_id": CASE, "subject": "123456-7890", "to": a.municipality, "outcome": "accepted"})).await;
    assert_eq!(
        (status, body["error"].as_str(), body["path"].as_str()),
        (400, Some("invalid_request"), Some("subject")),
        "a person is named by pseudonym only: {body}"
    );

    let (status, _) =
        get(&web.url(&format!("/api/v1/messages/{}", schemas::MessageId::new()))).await;
    assert_eq!(status, 404);
    let (status, _) = get(&web.url("/api/v1/inbox/no-such-message")).await;
    assert_eq!(status, 404);
    assert!(
        prison
            .store
            .outbox(10)
            .await
            .unwrap()
            .iter()
            .all(|m| m.message_type == "KeyPublished"),
        "nothing refused was queued (only the agent's own key announcement)"
    );
    web.stop().await;
}

#[tokio::test]
async fn the_api_submits_reports_status_and_opens_the_inbox() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison_web = AgentWeb::start(&prison).await;
    let muni_web = AgentWeb::start(&municipality).await;

    let notice = env.release_notice(&[&a.municipality]);
    let (status, body) = post(&prison_web.url("/api/v1/messages"), &notice).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "queued");
    let id = body["message_id"].as_str().unwrap().to_owned();
    assert_eq!(hub_answered(&prison_web, &id).await["status"], "delivered");
    let (status, body) = post(&prison_web.url("/api/v1/messages"), &notice).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("delivered")),
        "the same message again changes nothing"
    );

    // No gateway lets the employment service read a release notice without consent.
    let mut refused = draft("ReleaseNotice", &a.prison, &[&a.employment], CASE, SUBJECT);
    refused["envelope"]["purpose"] = json!("RELEASE_COORDINATION");
    let (status, body) = post(&prison_web.url("/api/v1/messages"), &refused).await;
    assert_eq!(status, 202, "{body}");
    let answered = hub_answered(&prison_web, body["message_id"].as_str().unwrap()).await;
    assert_eq!(answered["status"], "refused", "{answered}");
    assert_eq!(answered["reason"], "NO_GATEWAY");
    assert!(answered["detail"].is_string());

    let listed = eventually(
        "the notice in the municipality's inbox",
        DEADLINE,
        || async {
            let (_, body) = get(&muni_web.url("/api/v1/inbox")).await;
            body["messages"]
                .as_array()?
                .iter()
                .find(|m| m["message_id"] == json!(id))
                .cloned()
        },
    )
    .await;
    assert_eq!(listed["message_type"], "ReleaseNotice");
    assert_eq!(listed["sender"], json!(a.prison));
    assert_eq!(
        (listed["opened"].as_bool(), listed["quarantined"].as_bool()),
        (Some(false), Some(false))
    );

    let (status, unopened) = get(&muni_web.url(&format!("/api/v1/inbox/{id}"))).await;
    assert_eq!(
        (status, unopened["error"].as_str()),
        (409, Some("not_opened")),
        "a GET opens nothing"
    );
    let (status, opened) = post(
        &muni_web.url(&format!("/api/v1/inbox/{id}/open")),
        &json!({}),
    )
    .await;
    assert_eq!(status, 200, "{opened}");
    assert!(
        opened["text"]
            .as_str()
            .unwrap()
            .starts_with("Release notice from")
    );
    assert_eq!(opened["message"]["envelope"]["message_id"], json!(id));
    let (_, body) = get(&muni_web.url("/api/v1/inbox?limit=10")).await;
    let again = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message_id"] == json!(id))
        .unwrap();
    assert_eq!(again["opened"], true);

    prison_web.stop().await;
    muni_web.stop().await;
    hub.stop().await;
}

#[tokio::test]
async fn a_caseworker_signs_in_reads_a_handover_with_its_consent_and_accepts_it() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    env.grant_consent(&municipality, SUBJECT).await;
    let handover_id = uuid::Uuid::new_v4();
    let request = env.handover_request(CASE, SUBJECT, handover_id);
    let request_id = prison.send(&request).await.to_string();
    assert_eq!(
        refusal(&prison.answer_to(request_id.parse().unwrap()).await),
        None
    );
    eventually("the request at the municipality", DEADLINE, || async {
        municipality
            .store
            .inbox_message(&request_id, None)
            .await
            .unwrap()
            .map(|_| ())
    })
    .await;
    let web = AgentWeb::start(&municipality).await;
    let browser = Browser::start("handover").await;

    browser.sign_in(&web, ASTRID).await;

    let row = format!("tr[data-message-id='{request_id}']");
    let text = browser.text(&row).await;
    assert!(text.contains("Handover request"), "{text}");
    assert!(
        text.contains("2027-01-08"),
        "the respond-by date is shown: {text}"
    );
    assert!(
        text.contains(a.name_of(&a.prison)) && text.contains(CASE) && text.contains("NEW"),
        "{text}"
    );
    assert!(
        !text.contains(a.prison.as_str()),
        "the sender by name, not id: {text}"
    );
    browser.screenshot("inbox").await;
    // The inbox in each language the page speaks, each checked for accessibility.
    browser
        .in_each_language(
            "inbox",
            &[
                ("da", "Indbakke"),
                ("nb", "Innboks"),
                ("sv", "Inkorg"),
                ("en", "Inbox"),
            ],
        )
        .await;

    // On a phone (390 px wide) the inbox fits the screen: nothing scrolls sideways.
    browser
        .client()
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    browser.goto(&web.page("/")).await;
    let wide = browser
        .client()
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(wide, json!(0), "the inbox scrolls sideways at 390 px");
    let label = browser
        .client()
        .execute(
            "const td = document.querySelector('table.inbox td[data-label]'); \
             return [getComputedStyle(td).display, getComputedStyle(td, '::before').content];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        label,
        json!(["block", "\"Received: \""]),
        "each row a card, each cell labelled"
    );
    browser.screenshot("inbox-390px").await;
    browser
        .client()
        .set_window_size(1280, 1700)
        .await
        .expect("the window back");

    browser.click(&format!("{row} a")).await;
    // A GET opens nothing: the page's own Open button (a POST) records the opening.
    browser.find("#open-message").await;
    browser.screenshot("unopened").await;
    browser.click("#open-message").await;
    // Only the opened message has its facts: wait for them before reading the title, which
    // the page before had too.
    let facts = browser.text("dl.facts").await;
    assert_eq!(browser.text("h1").await, "Handover request");
    assert!(
        facts.contains("2027-01-08") && facts.contains("Housing application started"),
        "{facts}"
    );
    let consent = browser.text("section.consent").await;
    assert!(
        consent.contains(
            "Shares sentence and release, the state of the case, risk and needs, housing, \
             income and benefits and contact details with municipalities and the prison and \
             probation service for release coordination, reintegration planning and case \
             coordination until"
        ),
        "the consent in plain words: {consent}"
    );
    assert!(consent.contains("Version 1: in force"), "{consent}");
    browser.screenshot("message").await;
    // The message and its answer form in each language, each checked for accessibility.
    browser
        .in_each_language(
            "message",
            &[
                ("da", "Anmodning om overdragelse"),
                ("nb", "Forespørsel om overlevering"),
                ("sv", "Begäran om överlämning"),
                ("en", "Handover request"),
            ],
        )
        .await;

    // First the municipality tells the prison it has the request, in time.
    browser.click("#outcome-received").await;
    browser.click("form.card button[type=submit]").await;
    assert!(browser.text("ul.answers").await.contains("Received"));
    assert!(
        !browser.has("#outcome-received").await,
        "received is sent once; accept and reject remain"
    );
    browser.screenshot("received").await;

    // Rejecting without a reason is refused on the page, and nothing is sent.
    browser.click("#outcome-rejected").await;
    browser.click("form.card button[type=submit]").await;
    assert!(browser.text(".alert").await.contains("needs a reason"));
    browser.screenshot("reject-without-reason").await;
    assert_eq!(
        municipality
            .store
            .sent_of_type("HandoverResponse", 10)
            .await
            .unwrap()
            .len(),
        1,
        "only the receipt was sent"
    );

    browser.click("#outcome-accepted").await;
    browser.click("form.card button[type=submit]").await;
    assert!(browser.text("ul.answers").await.contains("Accepted"));
    let owner = eventually(
        "ownership to move to the municipality",
        DEADLINE,
        || async {
            let owner: String = sqlx::query_scalar("SELECT owner FROM cases WHERE case_id = $1")
                .bind(CASE)
                .fetch_one(&env.pool)
                .await
                .unwrap();
            (owner == a.municipality.as_str()).then_some(owner)
        },
    )
    .await;
    assert_eq!(owner, a.municipality.as_str());
    eventually(
        "the page to show the answer delivered",
        DEADLINE,
        || async {
            browser.client().refresh().await.ok()?;
            browser
                .text("ul.answers")
                .await
                .contains("delivered")
                .then_some(())
        },
    )
    .await;
    browser.screenshot("accepted").await;
    // The answer names the caseworker who gave it, so the prison knows whom to call: the
    // person's consent covers CONTACT between the prison and the municipality.
    let answer = first_received(&prison, "HandoverResponse").await;
    assert_eq!(
        answer.envelope.sent_by,
        Some(schemas::SentBy {
            name: "Astrid Lund".try_into().unwrap(),
            role: schemas::StaffRole::Caseworker,
        })
    );
    assert!(
        answer
            .envelope
            .data_categories
            .contains(&schemas::DataCategory::Contact)
    );
    browser.goto(&web.page("/")).await;
    assert!(browser.text(&row).await.contains("Accepted by you"));
    browser.screenshot("inbox-after").await;

    // The person register: a wrong number is explained and what was typed stays; a right
    // one enters the person, who is then found by name.
    browser.click("header nav a[href='/persons']").await;
    browser.select("#jurisdiction", "NO").await;
    browser.fill("#national_id", "010190 12058").await;
    browser.fill("#name", "Kari Vindelev").await;
    browser.click("form.entry button[type=submit]").await;
    assert!(
        browser.text("#entry-error").await.contains("check digit"),
        "the rule is named"
    );
    let kept = browser
        .find("#name")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(kept, "Kari Vindelev", "what was typed stays");
    browser.screenshot("person-number-refused").await;
    browser.fill("#national_id", "010190 12057").await;
    browser.click("form.entry button[type=submit]").await;
    assert_eq!(browser.text("h1").await, "Kari Vindelev");
    let facts = browser.text("dl.facts").await;
    assert!(
        facts.contains("010190 12057") && facts.contains("1 January 1990"),
        "{facts}"
    );
    browser.screenshot("person").await;
    browser.goto(&web.page("/persons?q=vindelev")).await;
    assert!(browser.text("table.people").await.contains("Kari Vindelev"));
    browser.screenshot("people-found").await;

    // The person withdraws their consent; the caseworker records it on the message's page,
    // and it goes to the hub at once.
    browser
        .goto(&web.page(&format!("/messages/{request_id}?sender={}", a.prison)))
        .await;
    browser.click("details.withdraw summary").await;
    browser.select("select[name='channel']", "by_phone").await;
    browser.screenshot("withdraw-form").await;
    browser.click(".withdraw-button").await;
    // The box was not ticked: the browser keeps the form until it is.
    assert!(!browser.has("#withdrawn-note").await);
    browser
        .click("details.withdraw input[name='confirm']")
        .await;
    browser.click(".withdraw-button").await;
    assert!(
        browser
            .text("#withdrawn-note")
            .await
            .contains("withdrawal is recorded")
    );
    browser.screenshot("withdrawn").await;
    let withdrawal = eventually("the withdrawal sent", DEADLINE, || async {
        let sent = municipality
            .store
            .sent_of_type("ConsentWithdrawn", 10)
            .await
            .unwrap();
        sent.into_iter().next()
    })
    .await;
    let withdrawal = schemas::decode(&withdrawal.payload).unwrap();
    let schemas::Body::ConsentWithdrawn(w) = &withdrawal.body else {
        panic!("{withdrawal:?}")
    };
    let evidence = w.evidence.as_ref().expect("who received the wish, and how");
    assert_eq!(evidence.received_by.as_str(), "Caseworker");

    browser.close().await;
    web.stop().await;
    hub.stop().await;
}

#[tokio::test]
async fn a_quarantined_message_is_marked_and_cannot_be_opened() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    let employment = env.start_agent(&a.employment).await;
    let consent_id = env.grant_consent(&municipality, SUBJECT).await;

    // A release notice reaches the employment service under the consent; nobody opens it.
    let notice = draft("ReleaseNotice", &a.prison, &[&a.employment], CASE, SUBJECT);
    let id = prison.send(&notice).await;
    assert_eq!(refusal(&prison.answer_to(id).await), None);
    let id = id.to_string();

    // The person withdraws; the municipality records it through its API.
    let muni_web = AgentWeb::start(&municipality).await;
    let (status, body) = post(
        &muni_web.url(&format!("/api/v1/consents/{consent_id}/withdraw")),
        &json!({"case_id": CASE, "subject": SUBJECT}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let answered = hub_answered(&muni_web, body["message_id"].as_str().unwrap()).await;
    assert_eq!(answered["status"], "delivered", "{answered}");
    eventually("quarantine at the employment service", DEADLINE, || async {
        let row = employment.store.inbox_message(&id, None).await.unwrap()?;
        row.quarantined_at.map(|_| ())
    })
    .await;

    let job_web = AgentWeb::start(&employment).await;
    let (status, body) = post(
        &job_web.url(&format!("/api/v1/inbox/{id}/open")),
        &json!({}),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (409, Some("quarantined")));
    let (_, body) = get(&job_web.url("/api/v1/inbox")).await;
    let listed = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message_id"] == json!(id))
        .unwrap();
    assert_eq!(
        (listed["quarantined"].as_bool(), listed["opened"].as_bool()),
        (Some(true), Some(false))
    );

    let browser = Browser::start("quarantine").await;
    browser.sign_in(&job_web, ASTRID).await;
    let row = format!("tr[data-message-id='{id}']");
    let text = browser.text(&row).await;
    assert!(
        text.contains("QUARANTINED") && text.contains("cannot be opened"),
        "{text}"
    );
    assert!(
        !browser.has(&format!("{row} a")).await,
        "no link to open it"
    );
    browser.screenshot("inbox").await;
    browser
        .goto(&job_web.page(&format!("/messages/{id}")))
        .await;
    assert_eq!(browser.text("h1").await, "This message is quarantined");
    assert!(browser.text("main").await.contains("withdrew that consent"));
    browser.screenshot("refused").await;
    let row = employment
        .store
        .inbox_message(&id, None)
        .await
        .unwrap()
        .unwrap();
    assert!(row.opened_at.is_none(), "still never opened");

    browser.close().await;
    job_web.stop().await;
    muni_web.stop().await;
    hub.stop().await;
}

/// Issue 16, part 6: caseworkers sign in personally through the real identity provider, and
/// the access log names each one.
#[tokio::test]
async fn two_caseworkers_sign_in_personally_and_the_log_names_each() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    // The prison's caseworker is named on the notice (CONTACT), but the statute it travels
    // under does not cover CONTACT: the municipality gets it without the name.
    let mut notice = env.release_notice(&[&a.municipality]);
    notice["envelope"]["sent_by"] = json!({"name": "Per Vagt", "role": "caseworker"});
    let id = prison.send(&notice).await;
    assert_eq!(refusal(&prison.answer_to(id).await), None);
    let id = id.to_string();
    let row = eventually("the notice at the municipality", DEADLINE, || async {
        municipality.store.inbox_message(&id, None).await.unwrap()
    })
    .await;
    let received = schemas::decode(&row.payload).unwrap();
    assert_eq!(received.envelope.sent_by, None, "removed under the statute");
    assert_eq!(
        received.envelope.withheld,
        [schemas::DataCategory::Contact],
        "the municipality is told what was held back"
    );
    let removed: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(removed_categories) FROM decisions WHERE message_id = $1",
    )
    .bind(uuid::Uuid::parse_str(&id).unwrap())
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert!(removed.iter().any(|c| c == "CONTACT"), "{removed:?}");
    let web = AgentWeb::start(&municipality).await;
    let browser = Browser::start("sign-in").await;

    // The old token login is gone: the page offers only the agency's sign-in service.
    browser.goto(&web.page("/login")).await;
    assert!(!browser.has("#token").await, "no token field");
    browser.screenshot("login").await;
    let posted = web
        .client()
        .post(web.url("/login"))
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status().as_u16(), 405);
    assert!(posted.headers().get("set-cookie").is_none());

    // An expired session is sent to sign in again.
    let short = AgentWeb::start_with(
        &municipality,
        agent::http::SessionLimits {
            lifetime: std::time::Duration::from_secs(3600),
            idle: std::time::Duration::from_secs(2),
        },
    )
    .await;
    browser.sign_in(&short, ASTRID).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    browser.goto(&short.page("/")).await;
    assert_eq!(browser.path().await, "/login", "the idle session ended");
    browser.screenshot("expired").await;
    short.stop().await;

    // A caseworker opens the notice, and may not see the access log. (The provider still
    // knows her: no second password.)
    browser.sign_in(&web, ASTRID).await;
    browser.screenshot("astrid-inbox").await;
    let row = format!("tr[data-message-id='{id}']");
    browser.click(&format!("{row} a")).await;
    browser.click("#open-message").await;
    browser.find("dl.facts").await;
    assert!(
        !browser.has("header nav a[href='/access-log']").await,
        "no link to the log for a caseworker"
    );
    browser.goto(&web.page("/access-log")).await;
    assert_eq!(browser.text("h1").await, "Not for your role");
    browser.screenshot("astrid-no-log").await;

    // Sign-out ends the session here and at the provider: the next sign-in asks again.
    browser.click("form.logout button").await;
    browser.click("#sign-out").await;
    eventually("back on the signed-out page", DEADLINE, || async {
        (browser.path().await == "/signed-out").then_some(())
    })
    .await;
    assert_eq!(browser.text("h1").await, "You are signed out");
    browser.screenshot("signed-out").await;
    browser.goto(&web.page("/")).await;
    assert_eq!(browser.path().await, "/login", "the session has ended");

    // A coordinator reads the same notice; the log names each of them.
    browser.sign_in(&web, BO).await;
    browser
        .goto(&web.page(&format!("/messages/{id}?sender={}", a.prison)))
        .await;
    browser.find("dl.facts").await;
    browser.click("header nav a[href='/access-log']").await;
    let log = browser.text("table.access-log").await;
    assert!(
        log.contains("Astrid Lund (astrid.lund)") && log.contains("Bo Nielsen (bo.nielsen)"),
        "{log}"
    );
    assert!(log.contains("opened a message"), "{log}");
    assert!(browser.text("#chain").await.contains("unbroken"));
    browser.screenshot("coordinator-log").await;
    let by_astrid = agent::access_log::entries(
        &municipality.store,
        &agent::access_log::Filter {
            subject: None,
            actor: Some("astrid.lund".into()),
        },
    )
    .await
    .unwrap();
    assert!(
        by_astrid
            .iter()
            .any(|e| e.action == "message_opened" && e.message_id.as_deref() == Some(id.as_str())),
        "{by_astrid:?}"
    );
    assert!(
        by_astrid
            .iter()
            .all(|e| e.actor == "page:Astrid Lund (astrid.lund)")
    );

    // A cross-site POST without the form's token is refused, with the session's own cookie
    // and browser, and so is one from another origin.
    let session = browser
        .client()
        .get_named_cookie("__Host-agent_session")
        .await
        .expect("the session cookie");
    assert_eq!(session.secure(), Some(true));
    assert_eq!(session.http_only(), Some(true));
    let user_agent = browser
        .client()
        .execute("return navigator.userAgent", vec![])
        .await
        .unwrap();
    let cookie = format!("__Host-agent_session={}", session.value());
    let forged = |origin: Option<&str>, body: &str| {
        let mut request = web
            .client()
            .post(web.page(&format!("/messages/{id}/open")))
            .header("cookie", &cookie)
            .header("user-agent", user_agent.as_str().unwrap())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned());
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    assert_eq!(forged(None, "").await.unwrap().status().as_u16(), 403);
    assert_eq!(
        forged(None, "csrf=guessed")
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        forged(Some("https://evil.example"), "")
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    // The same cookie from another program (another User-Agent) is no session at all.
    let replayed = web
        .client()
        .get(web.page("/"))
        .header("cookie", &cookie)
        .header("user-agent", "curl/8.5.0")
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status().as_u16(), 303);

    // Someone the provider knows but who has no role here gets no session.
    browser.goto(&web.page("/")).await;
    browser.click("form.logout button").await;
    browser.click("#sign-out").await;
    // The provider sends the browser back to the signed-out page; only then is it free to
    // go on (else that redirect can land after the next page is asked for).
    eventually("back on the signed-out page", DEADLINE, || async {
        (browser.path().await == "/signed-out").then_some(())
    })
    .await;
    browser.goto(&web.page("/login/start")).await;
    browser.fill("input#login", DINA.0).await;
    browser
        .fill("input#password", &e2e::browser::idp_password())
        .await;
    browser.click("button#sign-in").await;
    assert!(
        browser.text("#login-error").await.contains("no role"),
        "the page says why"
    );
    browser.goto(&web.page("/")).await;
    assert_eq!(browser.path().await, "/login");
    browser.screenshot("no-role").await;

    browser.close().await;
    web.stop().await;
    hub.stop().await;
}

/// A code the provider never issued, with the browser's own state, gets a sign-in error
/// from the real provider's refusal, and no session.
#[tokio::test]
async fn a_forged_code_gets_a_sign_in_error_and_no_session() {
    let env = TestEnv::new().await;
    let municipality = env.start_agent(&env.agencies.municipality).await;
    let web = AgentWeb::start(&municipality).await;
    let http = web.client();
    let started = http.get(web.page("/login/start")).send().await.unwrap();
    assert_eq!(started.status().as_u16(), 303);
    let to_provider = reqwest::Url::parse(started.headers()["location"].to_str().unwrap()).unwrap();
    let query: std::collections::HashMap<_, _> = to_provider.query_pairs().collect();
    assert_eq!(query["code_challenge_method"], "S256", "PKCE");
    assert!(query.contains_key("nonce"));
    let state = query["state"].to_string();
    let cookie = started.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(cookie, format!("__Host-agent_signin={state}"));
    let answered = http
        .get(web.page(&format!("/auth/callback?state={state}&code=forged-code")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status().as_u16(), 401);
    assert!(
        answered
            .headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap().starts_with("__Host-agent_session=")),
        "no session"
    );
    let page = answered.text().await.unwrap();
    assert!(page.contains("did not pass its checks"), "{page}");
    // The started sign-in is used up: the same answer again is refused too.
    let again = http
        .get(web.page(&format!("/auth/callback?state={state}&code=forged-code")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 401);
    web.stop().await;
}

/// The accessibility check that every screenshot runs is a real one: on a page with an
/// unlabelled field, an image without text and low contrast, axe-core reports each.
#[tokio::test]
async fn the_accessibility_check_reports_what_is_wrong() {
    let browser = Browser::start("a11y-self-check").await;
    browser
        .goto(
            "data:text/html,<!doctype html><html><head><title>x</title></head><body><main>\
             <input type=text><img src=x.png><p style='color:%23bbb;background:%23fff'>faint</p>\
             </main></body></html>",
        )
        .await;
    let found = browser.accessibility_violations().await.join("\n");
    for rule in ["label", "image-alt", "color-contrast", "html-has-lang"] {
        assert!(
            found.contains(&format!("{rule} (")),
            "{rule} missing from:\n{found}"
        );
    }
    browser.close().await;
}

/// Issue 17, part 1: a prison caseworker sends a release notice from the page. A form sent
/// incomplete or with a wrong number keeps what was typed and says what to fix; the notice
/// reaches the municipality named by the caseworker who sent it.
#[tokio::test]
async fn a_prison_caseworker_sends_a_release_notice_from_the_page() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    let web = AgentWeb::start(&prison).await;
    let browser = Browser::start("send-release").await;
    browser.sign_in(&web, ASTRID).await;
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
    browser.click("main a[href='/send/release-notice']").await;
    assert_eq!(browser.text("h1").await, "Send a release notice");
    browser
        .in_each_language(
            "form",
            &[
                ("da", "Send en løsladelsesmeddelelse"),
                ("nb", "Send en melding om løslatelse"),
                ("sv", "Skicka ett meddelande om frigivning"),
                ("en", "Send a release notice"),
            ],
        )
        .await;

    // Sent empty: every missing field is named, and nothing is queued.
    browser.fill("#case_id", CASE).await;
    browser.click("button#send").await;
    let problems = browser.text("#form-problems").await;
    for words in [
        "national identity number",
        "at least one agency",
        "expected release date",
        "supervision",
    ] {
        assert!(problems.contains(words), "{words} missing from {problems}");
    }
    let kept = browser.find("#case_id").await.prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some(CASE), "what was typed stays");
    browser.screenshot("form-problems").await;

    // A wrong number is explained; the rest stays.
    browser.select("#country", "DK").await;
    browser.fill("#national_id", "321377-1860").await;
    browser.fill("#name", "Sigrid Vindelev Testrup").await;
    browser
        .click(&format!(
            "input[name='recipient'][value='{}']",
            a.municipality
        ))
        .await;
    browser
        .client()
        .execute(
            "document.getElementById('expected_release').value = '2027-03-23';",
            vec![],
        )
        .await
        .unwrap();
    browser.select("#supervision", "parole").await;
    // Checked as it is typed, without a send: once the caseworker has left the number, its
    // problem is named beside it, and the empty send's summary keeps only what is still to
    // correct.
    eventually(
        "the number's rule named as it is typed",
        DEADLINE,
        || async {
            let beside = browser.text("#national_id-error").await;
            beside.contains("not valid").then_some(())
        },
    )
    .await;
    let summary = browser.text("#form-problems").await;
    for corrected in [
        "at least one agency",
        "expected release date",
        "supervision",
    ] {
        assert!(
            !summary.contains(corrected),
            "{corrected} still in {summary}"
        );
    }
    assert!(summary.contains("not valid"), "{summary}");
    assert_eq!(
        browser
            .find("#national_id")
            .await
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    browser.screenshot("form-checked-as-typed").await;
    browser.click("button#send").await;
    assert!(
        browser
            .text("#national_id-error")
            .await
            .contains("not valid"),
        "the number's rule is named"
    );
    let kept = browser.find("#name").await.prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("Sigrid Vindelev Testrup"));
    assert!(
        browser
            .find(&format!(
                "input[name='recipient'][value='{}']",
                a.municipality
            ))
            .await
            .prop("checked")
            .await
            .unwrap()
            .is_some_and(|c| c == "true"),
        "the chosen recipient stays chosen"
    );
    assert!(
        prison
            .store
            .outbox(10)
            .await
            .unwrap()
            .iter()
            .all(|m| m.message_type != "ReleaseNotice")
    );

    // Corrected: the problem goes as it is typed; then the notice goes, and the municipality
    // reads it, named by whoever sent it.
    browser.fill("#national_id", "290177-1860").await;
    eventually("the problem gone once corrected", DEADLINE, || async {
        (!browser.has("#national_id-error").await).then_some(())
    })
    .await;
    let field = browser.find("#national_id").await;
    assert_eq!(field.attr("aria-invalid").await.unwrap(), None);
    browser.click("button#send").await;
    assert!(browser.text("#sent-note").await.contains("on its way"));
    browser.screenshot("sent").await;
    let notice = first_received(&municipality, "ReleaseNotice").await;
    assert_eq!(
        notice.envelope.case_id.as_ref().map(|c| c.as_str()),
        Some(CASE)
    );
    let schemas::Body::ReleaseNotice(body) = &notice.body else {
        panic!("{notice:?}")
    };
    assert_eq!(body.expected_release.to_string(), "2027-03-23");
    assert_eq!(body.contact_officer.name.as_str(), "Astrid Lund");
    assert!(
        notice.envelope.subject.is_some(),
        "the person is named by pseudonym"
    );

    // Then the prison hands the case over, from the page too.
    browser.click("header nav a[href='/send']").await;
    browser.click("main a[href='/send/handover-request']").await;
    browser
        .in_each_language(
            "handover-form",
            &[
                ("da", "Overdrag en sag"),
                ("nb", "Overlever en sak"),
                ("sv", "Lämna över ett ärende"),
                ("en", "Hand over a case"),
            ],
        )
        .await;
    browser.select("#country", "DK").await;
    browser.fill("#national_id", "290177-1860").await;
    browser.fill("#case_id", CASE).await;
    browser
        .click(&format!(
            "input[name='recipient'][value='{}']",
            a.municipality
        ))
        .await;
    let set_date = |date: &'static str| {
        browser.client().execute(
            "document.getElementById('respond_by').value = arguments[0];",
            vec![json!(date)],
        )
    };
    set_date("2020-01-01").await.unwrap();
    browser
        .fill(
            "#why",
            "Release in 110 days; the municipality takes over the exit plan.",
        )
        .await;
    browser
        .fill(
            "#plan",
            "Housing application started. Weekly meetings until release.",
        )
        .await;
    browser.click("button#send").await;
    assert!(browser.text("#respond_by-error").await.contains("passed"));
    let kept = browser.find("#plan").await.prop("value").await.unwrap();
    assert_eq!(
        kept.as_deref(),
        Some("Housing application started. Weekly meetings until release."),
        "what was typed stays"
    );
    browser.screenshot("handover-problems").await;
    set_date("2030-01-15").await.unwrap();
    browser.click("button#send").await;
    assert!(browser.text("#sent-note").await.contains("on its way"));
    // No consent of the person lets the prison hand the case's details to the municipality
    // (the statute covers the release notice only): the hub refuses it, and the prison's
    // page says so in words, with what to do, and no code.
    let refused = eventually("the refusal on the page", DEADLINE, || async {
        browser.goto(&web.page("/")).await;
        let sent = browser.text("table.sent").await;
        sent.contains("No law and no consent").then_some(sent)
    })
    .await;
    assert!(
        refused.contains("Record the person's consent first"),
        "{refused}"
    );
    // The code is only in the technical detail, folded away for the administrator.
    let shown = browser
        .client()
        .execute(
            "const t = document.querySelector('table.sent').cloneNode(true); \
             t.querySelectorAll('details').forEach(d => d.remove()); return t.innerText;",
            vec![],
        )
        .await
        .unwrap();
    assert!(!shown.as_str().unwrap().contains("NO_GATEWAY"), "{shown}");
    browser.screenshot("handover-refused").await;
    let request = prison
        .store
        .sent_of_type("HandoverRequest", 10)
        .await
        .unwrap()
        .pop()
        .expect("the request was queued");
    let request = schemas::decode(&request.payload).unwrap();
    let schemas::Body::HandoverRequest(h) = &request.body else {
        panic!("{request:?}")
    };
    assert_eq!(h.respond_by.to_string(), "2030-01-15");
    assert_eq!(
        request.envelope.subject, notice.envelope.subject,
        "the same person"
    );
    browser.close().await;
    web.stop().await;
    hub.stop().await;
}

/// Issue 17, part 7: the main job (read a handover request, open it, tell the sender it is
/// received) by keyboard alone, with a visible focus ring of at least 3:1 on every stop.
#[tokio::test]
async fn the_main_job_works_by_keyboard_alone() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;
    let prison = env.start_agent(&a.prison).await;
    env.grant_consent(&municipality, SUBJECT).await;
    let request = env.handover_request(CASE, SUBJECT, uuid::Uuid::new_v4());
    let request_id = prison.send(&request).await.to_string();
    first_received(&municipality, "HandoverRequest").await;
    let web = AgentWeb::start(&municipality).await;
    let browser = Browser::start("keyboard").await;
    browser.sign_in(&web, ASTRID).await;

    browser
        .tab_to(&format!("tr[data-message-id='{request_id}'] a"))
        .await;
    browser.press("\u{E007}").await;
    browser.find("#open-message").await;
    browser.tab_to("#open-message").await;
    browser.screenshot("focus-open").await;
    browser.press("\u{E007}").await;
    browser.find("dl.facts").await;
    browser.tab_to("#outcome-received").await;
    browser.press(" ").await;
    browser.tab_to("form.card button[type=submit]").await;
    browser.press("\u{E007}").await;
    assert!(browser.text("ul.answers").await.contains("Received"));
    browser.screenshot("received").await;
    browser.close().await;
    web.stop().await;
    hub.stop().await;
}
