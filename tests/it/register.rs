//! The register of processing (GDPR art. 30) over HTTP: public, in four formats, and exactly
//! what the generator makes of the running hub's settings.

use chrono::{DateTime, Utc};
use e2e::TestEnv;
use schemas::MessageType;
use serde_json::Value;

async fn get(url: &str) -> reqwest::Response {
    // No cookie, no token: the register needs no login.
    let response = reqwest::get(url).await.expect("the hub answers");
    assert_eq!(response.status().as_u16(), 200, "{url}");
    response
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_register_is_public_in_four_formats_and_matches_the_generator() {
    let env = TestEnv::new().await;
    let hub = env.start_hub().await;
    let base = hub.http_url().await;
    let settings = &env.hub_settings;

    // JSON: the generator's output for this env's settings, at the time the hub stamped.
    let response = get(&format!("{base}/api/v1/register")).await;
    assert!(header(&response, "content-type").starts_with("application/json"));
    let served: Value = response.json().await.unwrap();
    let at: DateTime<Utc> = served["generated_at"]
        .as_str()
        .expect("a generation time")
        .parse()
        .unwrap();
    let expected = hub::http::register::generate(
        settings,
        &settings.policy().unwrap(),
        &settings.directory(),
        Some(at),
    );
    assert_eq!(served, serde_json::to_value(&expected).unwrap());
    let activities = expected.activities.len();
    assert!(activities > MessageType::ALL.len() / 2);
    // The env's protection unit is the allow-list, named from the hub's directory.
    assert_eq!(
        served["protected_location_allow"][0]["id"],
        env.agencies.protection.as_str()
    );

    // CSV: a download, a header and one row per activity.
    let response = get(&format!("{base}/register.csv")).await;
    assert!(header(&response, "content-type").starts_with("text/csv"));
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"register-of-processing.csv\""
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("id,kind,name,"), "{}", lines[0]);
    assert_eq!(lines.len(), 1 + activities);
    for (line, activity) in lines[1..].iter().zip(&expected.activities) {
        assert!(line.starts_with(&format!("{},", activity.id)), "{line}");
    }

    // Markdown: a download, a section per activity.
    let response = get(&format!("{base}/register.md")).await;
    assert!(header(&response, "content-type").starts_with("text/markdown"));
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"register-of-processing.md\""
    );
    let md = response.text().await.unwrap();
    for activity in &expected.activities {
        assert!(
            md.contains(&format!("(`{}`)", activity.id)),
            "{}",
            activity.id
        );
    }

    // HTML: a page that names every message type (as an activity, or as not listed, with
    // why), no script, and a policy that allows none.
    let response = get(&format!("{base}/register")).await;
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    assert!(header(&response, "content-security-policy").starts_with("default-src 'none'"));
    let html = response.text().await.unwrap();
    for t in MessageType::ALL {
        assert!(html.contains(&format!("<code>{t}</code>")), "{t}");
    }
    assert!(!html.contains("<script"));
    assert!(html.contains("Message catalogue version 1."));
    // Stamped with its own generation time, in a machine-readable element.
    assert!(html.contains("Generated <time datetime=\""));

    hub.stop().await;
}
