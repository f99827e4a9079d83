//! Operations endpoints: the hub's and the agents' metrics agree with what they recorded,
//! readiness names what is failing, and no case id or pseudonym is ever exposed.

use std::collections::BTreeMap;

use agent::http::{AppState, Token};
use agent::metrics::Metrics;
use agent::store::SendStatus;
use broker::topology;
use e2e::{DEADLINE, TestEnv, eventually, refusal};
use lapin::BasicProperties;
use schemas::{AgencyId, Body, MessageType};
use serde_json::Value;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Every sample of `metric` in an exposition, keyed by its label set as written, e.g.
/// `message_type="ReleaseNotice"` (empty for a metric without labels).
fn samples(text: &str, metric: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(metric)?;
            let (labels, value) = match rest.strip_prefix('{') {
                Some(labelled) => labelled.split_once("} ")?,
                None => ("", rest.strip_prefix(' ')?),
            };
            Some((labels.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// Rows of `(label value, count)` as the samples a counter keyed by that label would have.
fn keyed(label: &str, rows: Vec<(String, i64)>) -> BTreeMap<String, f64> {
    rows.into_iter()
        .map(|(value, n)| (format!("{label}=\"{value}\""), n as f64))
        .collect()
}

async fn counts(pool: &PgPool, query: &str) -> Vec<(String, i64)> {
    sqlx::query_as(sqlx::AssertSqlSafe(query.to_owned()))
        .fetch_all(pool)
        .await
        .unwrap()
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("the server answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn readyz(base: &str) -> (u16, Value) {
    let (status, body) = get(&format!("{base}/readyz")).await;
    (
        status,
        serde_json::from_str(&body).expect("readiness is JSON"),
    )
}

/// Which of `needles` appear in `haystack`.
fn found<'a>(haystack: &str, needles: &[&'a str]) -> Vec<&'a str> {
    needles
        .iter()
        .copied()
        .filter(|n| haystack.contains(n))
        .collect()
}

/// A fresh case id and pseudonym, so a scan can only find them where this test put them.
fn case_and_subject() -> (String, String) {
    let id = uuid::Uuid::new_v4().simple().to_string();
    (format!("OPS-{}", &id[..12]), format!("ps-{}", &id[12..28]))
}

/// Publishes raw bytes into the prison's submit exchange, as a non-agent client could.
async fn publish_as_prison(env: &TestEnv, payload: &[u8]) {
    let connection = env.connect_as(&env.agencies.prison).await;
    let publisher = broker::Publisher::open(&connection).await.unwrap();
    publisher
        .publish(broker::Outgoing {
            exchange: &topology::submit_exchange(&env.agencies.prison),
            routing_key: "",
            payload,
            properties: BasicProperties::default(),
        })
        .await
        .expect("the broker takes it");
    let _ = connection.close(200, "done".into()).await;
}

#[tokio::test]
async fn the_hubs_metrics_agree_with_its_database_and_expose_no_case_or_person() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let base = hub.http_url().await;
    let prison = env.start_agent(&a.prison).await;
    let municipality = env.start_agent(&a.municipality).await;
    prison.key_announced().await;
    municipality.key_announced().await;

    // One routed message (delivered to the municipality, refused for the employment service),
    // one refused as a whole, and one that does not even decode.
    let (case, subject) = case_and_subject();
    let routed = e2e::draft(
        "ReleaseNotice",
        &a.prison,
        &[&a.municipality, &a.employment],
        &case,
        &subject,
    );
    let answer = prison.send_and_wait(&routed).await;
    assert_eq!(answer.envelope.message_type, MessageType::Receipt);
    let refused = e2e::draft(
        "RiskNeedSummary",
        &a.prison,
        &[&a.municipality],
        &case,
        &subject,
    );
    let answer = prison.send_and_wait(&refused).await;
    assert_eq!(answer.envelope.message_type, MessageType::Undeliverable);
    assert!(refusal(&answer).is_some());
    publish_as_prison(&env, b"{\"envelope\": {").await;
    eventually("the undecodable input answered", DEADLINE, || async {
        prison
            .inbox()
            .await
            .iter()
            .any(|m| matches!(&m.body, Body::Undeliverable(u) if u.in_reply_to.is_none()))
            .then_some(())
    })
    .await;
    // Everything the hub queued is published (answers are counted before they are sent).
    eventually("the outbox drained", DEADLINE, || async {
        let pending: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM outbox WHERE published_at IS NULL AND cancelled_at IS NULL",
        )
        .fetch_one(&env.pool)
        .await
        .unwrap();
        (pending == 0).then_some(())
    })
    .await;

    let (status, text) = get(&format!("{base}/metrics")).await;
    assert_eq!(status, 200);

    // In: every recorded message by type, and input refused before it decoded.
    let mut expected_in = keyed(
        "message_type",
        counts(
            &env.pool,
            "SELECT message_type, count(*) FROM messages GROUP BY 1",
        )
        .await,
    );
    let undecodable: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM dead_letters d WHERE NOT EXISTS
           (SELECT 1 FROM messages m WHERE m.sender = d.sender AND m.body_sha256 = d.body_sha256)",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    expected_in.insert("message_type=\"undecodable\"".into(), undecodable as f64);
    for (series, n) in [
        ("message_type=\"ReleaseNotice\"", 1.0),
        ("message_type=\"RiskNeedSummary\"", 1.0),
        ("message_type=\"KeyPublished\"", 2.0),
        ("message_type=\"undecodable\"", 1.0),
    ] {
        assert_eq!(expected_in.get(series), Some(&n), "{expected_in:?}");
    }
    assert_eq!(
        samples(&text, "hub_messages_in_total"),
        expected_in,
        "{text}"
    );
    let decided: f64 = expected_in.values().sum();
    assert_eq!(
        samples(&text, "hub_decision_latency_seconds_count"),
        BTreeMap::from([(String::new(), decided)]),
        "one latency per message decided"
    );

    // Refusals: dead letters for whole messages, refused rows of the disclosure log for
    // single recipients.
    let mut expected_refused = BTreeMap::new();
    for (reason, n) in counts(
        &env.pool,
        "SELECT reason, count(*) FROM dead_letters GROUP BY 1",
    )
    .await
    {
        expected_refused.insert(format!("scope=\"message\",reason=\"{reason}\""), n as f64);
    }
    for (reason, n) in counts(
        &env.pool,
        "SELECT reason, count(*) FROM decisions WHERE NOT delivered GROUP BY 1",
    )
    .await
    {
        expected_refused.insert(format!("scope=\"recipient\",reason=\"{reason}\""), n as f64);
    }
    assert_eq!(
        expected_refused.get("scope=\"message\",reason=\"MALFORMED_JSON\""),
        Some(&1.0)
    );
    let scoped = |scope: &str| -> f64 {
        expected_refused
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("scope=\"{scope}\"")))
            .map(|(_, n)| n)
            .sum()
    };
    assert_eq!(scoped("message"), 2.0, "{expected_refused:?}");
    assert!(scoped("recipient") >= 1.0, "{expected_refused:?}");
    assert_eq!(
        samples(&text, "hub_refused_total"),
        expected_refused,
        "{text}"
    );

    // One decision line at info per message decided: ids, type, sender, outcome and reason
    // codes; never the subject.
    let logs = e2e::logs::captured();
    let decision = |draft: &Value| {
        let id = draft["envelope"]["message_id"].as_str().unwrap().to_owned();
        logs.lines()
            .find(|l| l.contains("message decided") && l.contains(&id))
            .unwrap_or_else(|| panic!("no decision line for {id}"))
            .to_owned()
    };
    let line = decision(&routed);
    for part in [
        " INFO ",
        "message_type=\"ReleaseNotice\"",
        "outcome=\"routed\"",
        "refused_recipients=1",
        a.prison.as_str(),
    ] {
        assert!(line.contains(part), "{part} in {line}");
    }
    let line = decision(&refused);
    assert!(
        line.contains("outcome=\"refused\"") && line.contains("reason=\""),
        "{line}"
    );
    assert!(
        !logs.contains(&subject),
        "the subject's pseudonym is in the logs"
    );

    // Out: every published outbox row by type.
    let expected_out = keyed(
        "message_type",
        counts(
            &env.pool,
            "SELECT message_type, count(*) FROM outbox WHERE published_at IS NOT NULL GROUP BY 1",
        )
        .await,
    );
    assert_eq!(
        expected_out.get("message_type=\"ReleaseNotice\""),
        Some(&1.0)
    );
    assert_eq!(
        samples(&text, "hub_messages_out_total"),
        expected_out,
        "{text}"
    );
    assert_eq!(samples(&text, "hub_outbox_pending")[""], 0.0);
    assert_eq!(samples(&text, "hub_outbox_lag_seconds")[""], 0.0);

    // Queue depths: the ingress and every agency's inbox. The police run no agent here, so
    // their inbox holds everything the hub published to them (key directories).
    let depths = samples(&text, "hub_queue_depth");
    assert!(depths.contains_key("queue=\"hub.ingress\""), "{text}");
    let directory = hub.shared.directory().await.unwrap();
    for agency in directory.iter() {
        let series = format!("queue=\"{}\"", topology::legacy_inbox_queue(&agency.id));
        assert!(depths.contains_key(&series), "{series} missing: {text}");
    }
    for id in a.ids() {
        let tag = env.inbox(id).rsplit('.').next().unwrap().to_owned();
        assert!(!text.contains(&tag), "{id}'s inbox tag is in the metrics");
    }
    let to_police: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE recipient = $1 AND published_at IS NOT NULL",
    )
    .bind(a.police.as_str())
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!(to_police > 0);
    let police = format!("queue=\"{}\"", topology::legacy_inbox_queue(&a.police));
    eventually("the police inbox depth", DEADLINE, || async {
        let text = get(&format!("{base}/metrics")).await.1;
        (samples(&text, "hub_queue_depth").get(&police) == Some(&(to_police as f64))).then_some(())
    })
    .await;

    // Ready, and alive.
    let (status, body) = readyz(&base).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"ready": true, "checks": {"database": "ok", "broker": "ok"}})
    );
    assert_eq!(get(&format!("{base}/healthz")).await, (200, "ok".into()));

    // No case id or pseudonym in anything the operations endpoints serve; the same scan
    // finds both where the hub keeps them.
    let needles = [case.as_str(), subject.as_str()];
    let rows: Vec<String> = sqlx::query_scalar("SELECT to_jsonb(m)::text FROM messages m")
        .fetch_all(&env.pool)
        .await
        .unwrap();
    assert_eq!(found(&rows.join("\n"), &needles), needles);
    let text = get(&format!("{base}/metrics")).await.1;
    assert_eq!(found(&text, &needles), Vec::<&str>::new(), "{text}");
    assert_eq!(
        found(&readyz(&base).await.1.to_string(), &needles),
        Vec::<&str>::new()
    );
    hub.stop().await;
}

#[tokio::test]
async fn readiness_names_the_database_while_it_refuses_connections() {
    let env = TestEnv::new().await;
    let hub = env.start_hub().await;
    let base = hub.http_url().await;
    eventually("ready", DEADLINE, || async {
        (readyz(&base).await.0 == 200).then_some(())
    })
    .await;

    // The hub's database stops taking connections and drops the ones it has.
    let database: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let admin = PgPool::connect(&env.services.pg_admin_url).await.unwrap();
    let allow = |on: bool| {
        sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS {on}"
        ))
    };
    sqlx::query(allow(false)).execute(&admin).await.unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&database)
        .execute(&admin)
        .await
        .unwrap();

    let body = eventually("unready, naming the database", DEADLINE, || async {
        let (status, body) = readyz(&base).await;
        (status == 503).then_some(body)
    })
    .await;
    assert_eq!(
        body,
        serde_json::json!({"ready": false, "checks": {"database": "unavailable", "broker": "ok"}})
    );
    // The outbox backlog cannot be read now: it is left out of the scrape and the failure
    // counted, never reported as an empty outbox.
    let text = get(&format!("{base}/metrics")).await.1;
    assert!(samples(&text, "hub_outbox_pending").is_empty(), "{text}");
    assert!(
        samples(&text, "hub_outbox_lag_seconds").is_empty(),
        "{text}"
    );
    assert!(
        samples(&text, "hub_scrape_errors_total")
            .get("part=\"outbox\"")
            .is_some_and(|n| *n >= 1.0),
        "{text}"
    );

    sqlx::query(allow(true)).execute(&admin).await.unwrap();
    admin.close().await;
    eventually("ready again", DEADLINE, || async {
        (readyz(&base).await.0 == 200).then_some(())
    })
    .await;
    let text = get(&format!("{base}/metrics")).await.1;
    assert_eq!(samples(&text, "hub_outbox_pending").get(""), Some(&0.0));
    hub.stop().await;
}

/// Sets the hub user's permissions in the env's vhost, or removes them.
async fn hub_permissions(env: &TestEnv, granted: bool) {
    let user = &env.hub_settings.broker.user;
    if granted {
        env.services
            .management()
            .put_permissions(&env.vhost, user, &topology::hub_permissions())
            .await
            .unwrap();
        return;
    }
    let url = format!(
        "{}/api/permissions/{}/{}",
        env.services.management_url, env.vhost, user
    );
    let response = broker::http_client()
        .build()
        .unwrap()
        .delete(url)
        .basic_auth(&env.services.admin_user, Some(&env.services.admin_password))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{response:?}");
}

#[tokio::test]
async fn readiness_names_the_broker_while_the_ingress_cannot_consume() {
    let env = TestEnv::new().await;
    let hub = env.start_hub().await;
    let base = hub.http_url().await;
    eventually("ready", DEADLINE, || async {
        (readyz(&base).await.0 == 200).then_some(())
    })
    .await;
    let text = get(&format!("{base}/metrics")).await.1;
    assert_eq!(samples(&text, "hub_ingress_consuming").get(""), Some(&1.0));

    // The hub loses its access to the vhost and its connections: it cannot consume again,
    // nor read queue depths. (The management API lists new connections after a statistics
    // delay, and the scrape above opened the depth reader's a moment ago, so closing is
    // repeated until every connection of the hub has gone: permissions are checked when a
    // connection opens, and one left open would go on working.)
    hub_permissions(&env, false).await;
    let management = env.services.management();
    let user = &env.hub_settings.broker.user;
    let (body, text) = eventually("unready, naming the broker", DEADLINE, || async {
        management.close_connections_of(user).await.unwrap();
        let (status, body) = readyz(&base).await;
        let text = get(&format!("{base}/metrics")).await.1;
        (status == 503 && samples(&text, "hub_queue_depth").is_empty()).then_some((body, text))
    })
    .await;
    assert_eq!(
        body,
        serde_json::json!({"ready": false, "checks": {"database": "ok", "broker": "not consuming"}})
    );
    // Queue depths cannot be read either: left out and counted, never reported as 0.
    assert_eq!(samples(&text, "hub_ingress_consuming").get(""), Some(&0.0));
    assert!(
        samples(&text, "hub_queue_depth_errors_total")
            .get("queue=\"hub.ingress\"")
            .is_some_and(|n| *n >= 1.0),
        "{text}"
    );

    hub_permissions(&env, true).await;
    eventually("ready again", DEADLINE, || async {
        (readyz(&base).await.0 == 200).then_some(())
    })
    .await;
    hub.stop().await;
}

/// An agent run as `agent run` runs it: its service and its HTTP server share metrics.
struct MeteredAgent {
    id: AgencyId,
    store: agent::Store,
    service: Option<agent::service::Running>,
    base: String,
    stop_http: Option<oneshot::Sender<()>>,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl MeteredAgent {
    async fn start(env: &TestEnv, agency: &AgencyId) -> Self {
        let (settings, store) = env.agent_store(agency).await;
        let credentials = env.credentials(agency);
        let metrics = Metrics::with_inbox_depth(
            env.endpoint(),
            credentials.clone(),
            agency,
            env.inbox(agency),
        );
        let service =
            agent::service::start_with(settings, credentials, store.clone(), metrics.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState::with_metrics(store.clone(), agency.clone(), Token::new("t"), metrics);
        let (stop_http, stopped) = oneshot::channel::<()>();
        let http = tokio::spawn(agent::http::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        Self {
            id: agency.clone(),
            store,
            service: Some(service),
            base,
            stop_http: Some(stop_http),
            http,
        }
    }

    async fn metrics(&self) -> String {
        let (status, text) = get(&format!("{}/metrics", self.base)).await;
        assert_eq!(status, 200);
        text
    }

    /// Waits until `metric` has exactly the samples `expected` (the service counts just after
    /// it stores, so a scrape may briefly lag what the store shows).
    async fn shows_exactly(&self, metric: &str, expected: &BTreeMap<String, f64>) {
        let what = format!("{metric} to read {expected:?}");
        eventually(&what, DEADLINE, || async {
            (&samples(&self.metrics().await, metric) == expected).then_some(())
        })
        .await;
    }

    /// Waits until `metric` has the samples `expected` among others.
    async fn shows_including(&self, metric: &str, expected: &BTreeMap<String, f64>) {
        let what = format!("{metric} to include {expected:?}");
        eventually(&what, DEADLINE, || async {
            let got = samples(&self.metrics().await, metric);
            expected
                .iter()
                .all(|(k, v)| got.get(k) == Some(v))
                .then_some(())
        })
        .await;
    }

    async fn send(&self, draft: &Value) -> schemas::MessageId {
        let bytes = serde_json::to_vec(draft).unwrap();
        let (message, _) = agent::submit(&self.store, &self.id, &bytes).await.unwrap();
        message.envelope.message_id
    }

    /// Waits until every message sent has the hub's answer.
    async fn all_answered(&self) {
        eventually("every sent message answered", DEADLINE, || async {
            let outbox = self.store.outbox(100).await.unwrap();
            outbox
                .iter()
                .all(|m| !matches!(m.status, SendStatus::Queued | SendStatus::Sent))
                .then_some(())
        })
        .await;
    }

    async fn stop_service(&mut self) {
        if let Some(service) = self.service.take() {
            service.stop().await;
        }
    }

    async fn stop(mut self) {
        self.stop_service().await;
        if let Some(stop) = self.stop_http.take() {
            let _ = stop.send(());
        }
        self.http.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn an_agents_metrics_count_what_it_published_and_received() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let mut prison = MeteredAgent::start(&env, &a.prison).await;
    let mut municipality = MeteredAgent::start(&env, &a.municipality).await;
    for agent in [&prison, &municipality] {
        eventually("ready", DEADLINE, || async {
            (readyz(&agent.base).await.0 == 200).then_some(())
        })
        .await;
    }

    let (case, subject) = case_and_subject();
    prison
        .send(&e2e::draft(
            "ReleaseNotice",
            &a.prison,
            &[&a.municipality],
            &case,
            &subject,
        ))
        .await;
    prison
        .send(&e2e::draft(
            "RiskNeedSummary",
            &a.prison,
            &[&a.municipality],
            &case,
            &subject,
        ))
        .await;
    prison.all_answered().await;
    eventually("the release notice received", DEADLINE, || async {
        let inbox = municipality.store.inbox(100).await.unwrap();
        inbox
            .iter()
            .any(|m| m.message_type == "ReleaseNotice")
            .then_some(())
    })
    .await;

    // The prison: published by type, and the hub's answers, as its outbox records them.
    let outbox = prison.store.outbox(100).await.unwrap();
    let mut published = BTreeMap::new();
    for m in &outbox {
        *published
            .entry(format!("message_type=\"{}\"", m.message_type))
            .or_insert(0.0) += 1.0;
    }
    assert_eq!(
        published.keys().collect::<Vec<_>>(),
        [
            "message_type=\"KeyPublished\"",
            "message_type=\"ReleaseNotice\"",
            "message_type=\"RiskNeedSummary\""
        ]
    );
    prison
        .shows_exactly("agent_messages_published_total", &published)
        .await;
    let answered = |statuses: &[SendStatus]| {
        outbox
            .iter()
            .filter(|m| statuses.contains(&m.status))
            .count() as f64
    };
    let receipts = answered(&[SendStatus::Delivered, SendStatus::PartiallyDelivered]);
    let undeliverables = answered(&[SendStatus::Refused]);
    assert_eq!((receipts, undeliverables), (2.0, 1.0));
    prison
        .shows_including(
            "agent_messages_received_total",
            &BTreeMap::from([
                ("message_type=\"Receipt\"".to_owned(), receipts),
                ("message_type=\"Undeliverable\"".to_owned(), undeliverables),
            ]),
        )
        .await;
    let mut refused_by_reason = BTreeMap::new();
    for m in outbox.iter().filter(|m| m.status == SendStatus::Refused) {
        let reason = m.answer_reason.clone().unwrap();
        *refused_by_reason
            .entry(format!("reason=\"{reason}\""))
            .or_insert(0.0) += 1.0;
    }
    prison
        .shows_exactly("agent_undeliverables_received_total", &refused_by_reason)
        .await;

    // The municipality: received by type, as its inbox holds them.
    let notices = municipality
        .store
        .inbox(100)
        .await
        .unwrap()
        .iter()
        .filter(|m| m.message_type == "ReleaseNotice")
        .count() as f64;
    assert_eq!(notices, 1.0);
    municipality
        .shows_including(
            "agent_messages_received_total",
            &BTreeMap::from([("message_type=\"ReleaseNotice\"".to_owned(), notices)]),
        )
        .await;
    municipality
        .shows_exactly(
            "agent_messages_published_total",
            &BTreeMap::from([("message_type=\"KeyPublished\"".to_owned(), 1.0)]),
        )
        .await;

    // With its service stopped, the municipality is unready, and what reaches its inbox
    // meanwhile shows as the depth of its queue on the broker.
    municipality.stop_service().await;
    let (status, body) = readyz(&municipality.base).await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        serde_json::json!({"ready": false, "checks": {"store": "ok", "broker": "not consuming"}})
    );
    prison
        .send(&e2e::draft(
            "ReleaseNotice",
            &a.prison,
            &[&a.municipality],
            &case,
            &subject,
        ))
        .await;
    eventually(
        "one message waiting in the inbox queue",
        DEADLINE,
        || async {
            let text = municipality.metrics().await;
            (samples(&text, "agent_inbox_queue_depth").get("") == Some(&1.0)).then_some(())
        },
    )
    .await;

    // With the prison's service stopped, what it accepts waits in its outbox.
    prison.all_answered().await;
    prison.stop_service().await;
    prison
        .send(&e2e::draft(
            "ReleaseNotice",
            &a.prison,
            &[&a.municipality],
            &case,
            &subject,
        ))
        .await;
    let text = prison.metrics().await;
    assert_eq!(samples(&text, "agent_outbox_pending").get(""), Some(&1.0));
    assert!(samples(&text, "agent_outbox_lag_seconds").contains_key(""));
    assert_eq!(samples(&text, "agent_inbox_consuming").get(""), Some(&0.0));

    // Neither agent exposes the case or the person; the same scan finds both in the store.
    let needles = [case.as_str(), subject.as_str()];
    let stored: Vec<String> = municipality
        .store
        .inbox(100)
        .await
        .unwrap()
        .into_iter()
        .map(|m| String::from_utf8_lossy(&m.payload).into_owned())
        .collect();
    assert_eq!(found(&stored.join("\n"), &needles), needles);
    for agent in [&prison, &municipality] {
        let text = agent.metrics().await;
        assert_eq!(found(&text, &needles), Vec::<&str>::new(), "{text}");
    }
    prison.stop().await;
    municipality.stop().await;
    hub.stop().await;
}

#[tokio::test]
async fn an_agent_that_cannot_read_its_inbox_depth_leaves_it_out_and_counts_it() {
    // An agent whose broker login fails still serves its metrics, without the inbox depth.
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let (_, store) = env.agent_store(&a.employment).await;
    let mut credentials = env.credentials(&a.employment);
    credentials.password.push_str("-wrong");
    let metrics = Metrics::with_inbox_depth(
        env.endpoint(),
        credentials,
        &a.employment,
        env.inbox(&a.employment),
    );
    let text = metrics.scrape(&store).await;
    assert!(
        samples(&text, "agent_inbox_queue_depth").is_empty(),
        "{text}"
    );
    assert_eq!(
        samples(&text, "agent_scrape_errors_total").get("part=\"inbox_queue\""),
        Some(&1.0),
        "{text}"
    );
    assert_eq!(samples(&text, "agent_outbox_pending").get(""), Some(&0.0));
    store.close().await;
}

/// The agent as `agent run` runs it (`agent::run`, with its supervised tasks): it answers
/// readiness, sends what is queued in its store and takes what the hub sends it, and on
/// shutdown drains and returns cleanly within its grace period.
#[tokio::test]
async fn the_agent_as_its_binary_runs_it_carries_messages_and_stops_when_told() {
    let env = TestEnv::new().await;
    let _hub = env.start_hub().await;
    let a = env.agencies.clone();
    let municipality = env.start_agent(&a.municipality).await;
    let (mut settings, store) = env.agent_store(&a.prison).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    settings.http.listen = Some(format!("127.0.0.1:{port}"));
    settings.http.token = Some(Token::new("run-token"));
    settings.agent.shutdown_grace_seconds = 5;
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(agent::run(settings.clone(), async move {
        let _ = stopped.await;
    }));

    let ready = format!("http://127.0.0.1:{port}/readyz");
    eventually("the agent to be ready", DEADLINE, || async {
        let response = reqwest::get(&ready).await.ok()?;
        response.status().is_success().then_some(())
    })
    .await;

    // What a caseworker queues goes out, and the hub's answer about it comes back in.
    let draft = serde_json::to_vec(&env.release_notice(&[&a.municipality])).unwrap();
    let key = settings.pseudonym_key().unwrap();
    let (message, _) = agent::submit_with(&store, &a.prison, key.as_ref(), &draft)
        .await
        .unwrap();
    let id = message.envelope.message_id;
    municipality.receives(id).await;
    eventually("the hub's answer to reach the agent", DEADLINE, || async {
        let outcomes = store.recipient_outcomes(&id.to_string()).await.ok()?;
        let delivered =
            |o: &agent::store::RecipientOutcome| o.outcome == agent::store::Outcome::Delivered;
        (!outcomes.is_empty() && outcomes.iter().all(delivered)).then_some(())
    })
    .await;

    stop.send(()).unwrap();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(15), running)
        .await
        .expect("agent::run returns within its grace period once told to stop")
        .expect("agent::run does not panic");
    assert!(
        ended.is_ok(),
        "a requested shutdown is not a failure: {ended:?}"
    );
    assert!(
        reqwest::get(&ready).await.is_err(),
        "its HTTP server has stopped"
    );
}
