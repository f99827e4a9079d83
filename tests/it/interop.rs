//! An agency system that is not our agent: `tests/interop/agency.py`, plain AMQP with pika,
//! publishes a release notice with the agency's own broker login and reads the hub's receipt
//! from its inbox, while the recipient runs our agent.

use std::process::Stdio;
use std::time::Duration;

use e2e::{DEADLINE, TestEnv, eventually, repo_root};
use schemas::Body;
use serde_json::Value;

/// The system Python with Debian's python3-pika (not a pyenv `python3` on PATH).
const PYTHON: &str = "/usr/bin/python3";

/// Panics with what to do when the system Python cannot import pika.
async fn require_pika() {
    let output = tokio::process::Command::new(PYTHON)
        .args(["-c", "import pika"])
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {PYTHON}: {e}; run deploy/services.sh"));
    assert!(
        output.status.success(),
        "{PYTHON} cannot import pika (Debian package python3-pika): run deploy/services.sh, \
         which installs it. {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn an_agency_without_the_agent_sends_with_pika_and_gets_the_receipt() {
    require_pika().await;
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let municipality = env.start_agent(&a.municipality).await;

    // The prison's own system, with the prison's broker login.
    let credentials = env.credentials(&a.prison);
    let endpoint = env.endpoint();
    let script = tokio::process::Command::new(PYTHON)
        .arg(repo_root().join("tests/interop/agency.py"))
        .args(["--host", &endpoint.host])
        .args(["--port", &endpoint.port.to_string()])
        .args(["--vhost", &endpoint.vhost])
        .args(["--agency", a.prison.as_str()])
        .args(["--to", a.municipality.as_str()])
        .args(["--timeout", "30"])
        .env("AGENCY_PASSWORD", &credentials.password)
        .env("AGENCY_INBOX", env.inbox(&a.prison))
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(45), script)
        .await
        .expect("the script finishes")
        .expect("the script runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "agency.py failed ({}): {stdout}{stderr}",
        output.status
    );
    let printed: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("agency.py printed no JSON line ({e}): {stdout}{stderr}"));
    let message_id = printed["message_id"].as_str().expect("message_id printed");
    assert_eq!(printed["answer_type"], "Receipt");

    // What the script got is a valid Receipt from the hub for its message.
    let answer = schemas::decode(&serde_json::to_vec(&printed["answer"]).unwrap())
        .expect("the receipt decodes");
    assert_eq!(answer.envelope.sender, env.hub_settings.hub.id);
    assert_eq!(answer.envelope.recipients, vec![a.prison.clone()]);
    let Body::Receipt(receipt) = &answer.body else {
        panic!("expected a receipt, got {answer:?}")
    };
    assert_eq!(receipt.in_reply_to.to_string(), message_id);
    assert_eq!(receipt.delivered_to, vec![a.municipality.clone()]);
    assert!(receipt.refused.is_empty(), "{receipt:?}");

    // The recipient's agent holds the release notice, from the prison.
    let received = eventually(
        "the release notice at the municipality",
        DEADLINE,
        || async {
            municipality
                .inbox()
                .await
                .into_iter()
                .find(|m| m.envelope.message_id.to_string() == message_id)
        },
    )
    .await;
    assert_eq!(received.envelope.sender, a.prison);
    assert!(matches!(received.body, Body::ReleaseNotice(_)));
    hub.stop().await;
}
