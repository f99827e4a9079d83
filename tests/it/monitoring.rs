//! Monitoring (`deploy/monitoring`): the alert rules and the Grafana dashboard name only series
//! the hub and the agent expose, with labels they carry; promtool accepts the rules, the
//! example configuration and the dashboard's queries, and the rules' unit tests pass; and the
//! series added for the alerts (certificate expiry, audit chain) say what they claim.
//!
//! The exposed names come from the metrics registries themselves, encoded in-process with every
//! family populated, never from a list typed here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::{DEADLINE, TestEnv, eventually, repo_root};
use hub::metrics::audit::{Broken, Checker};
use schemas::{AgencyId, ReasonCode};
use serde_json::Value;
use uuid::Uuid;

fn monitoring() -> PathBuf {
    repo_root().join("deploy/monitoring")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(monitoring().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn message(message_type: &str) -> schemas::Message {
    schemas::decode(&serde_json::to_vec(&e2e::example(message_type)).unwrap()).unwrap()
}

/// The hub's exposition with every family holding a sample and every scraped part read.
fn hub_exposition() -> String {
    use hub::metrics::{
        AuditStatus, Backlog, Dropped, MessageDecided, Metrics, Published, Refused, Scope,
        ScrapeFailed, Snapshot,
    };
    let metrics = Metrics::new();
    let notice = message("ReleaseNotice");
    let decided = hub::db::Decided::message(
        &notice.envelope.sender,
        &notice,
        hub::db::Outcome::Routed { refused: vec![] },
    );
    metrics.emit(MessageDecided {
        decided: &decided,
        latency: std::time::Duration::from_millis(3),
    });
    metrics.emit(Refused {
        scope: Scope::Message,
        reason: ReasonCode::SchemaViolation,
    });
    let recipient = AgencyId::try_from("dk-a").unwrap();
    metrics.emit(Published {
        outbox_id: Uuid::nil(),
        recipient: &recipient,
        message_type: "Escalation",
    });
    metrics.emit(Dropped);
    metrics.emit(ScrapeFailed {
        part: "outbox",
        queue: None,
        error: "test".into(),
    });
    metrics.emit(ScrapeFailed {
        part: "queue_depth",
        queue: Some("inbox.dk-a"),
        error: "test".into(),
    });
    metrics.record_audit_check(AuditStatus {
        intact: true,
        checked_at: 1_700_000_000,
    });
    let _consuming = metrics.ingress_consuming();
    metrics.encode(&Snapshot {
        outbox: Some(Backlog {
            pending: 1,
            lag_seconds: 1.0,
        }),
        depths: vec![("hub.ingress".into(), 1)],
        certificate_expiry: Some(1_830_893_867),
    })
}

/// The agent's exposition with every family holding a sample and every scraped part read.
fn agent_exposition() -> String {
    use agent::metrics::{Backlog, Metrics, Published, Received, Rejected, ScrapeFailed, Snapshot};
    let metrics = Metrics::new();
    let notice = message("ReleaseNotice");
    let undeliverable = message("Undeliverable");
    for (message, new) in [(&notice, true), (&notice, false), (&undeliverable, true)] {
        metrics.emit(Received { message, new });
    }
    metrics.emit(Rejected {
        reason: ReasonCode::MalformedJson,
    });
    let agency = AgencyId::try_from("dk-a").unwrap();
    metrics.emit(Published {
        agency: &agency,
        message_id: "m",
        message_type: "ReleaseNotice",
    });
    metrics.emit(ScrapeFailed {
        part: "outbox",
        error: "test".into(),
    });
    let _consuming = metrics.consuming();
    metrics.encode(&Snapshot {
        outbox: Some(Backlog {
            pending: 1,
            lag_seconds: 1.0,
        }),
        inbox_depth: Some(1),
        certificate_expiry: Some(1_830_893_867),
    })
}

/// Every series of an exposition, with the label names seen on its samples.
fn exposed(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut series: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (name, labels) = match line.split_once('{') {
            Some((name, rest)) => (name, rest.split_once('}').map_or("", |(l, _)| l)),
            None => (line.split_once(' ').map_or(line, |(n, _)| n), ""),
        };
        let names = labels
            .split(',')
            .filter_map(|pair| pair.split_once('=').map(|(k, _)| k.trim().to_owned()));
        series.entry(name.to_owned()).or_default().extend(names);
    }
    series
}

/// The metric families an exposition declares (`# TYPE name kind`), with their kind.
fn families(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let mut words = l.strip_prefix("# TYPE ")?.split(' ');
            Some((words.next()?.to_owned(), words.next()?.to_owned()))
        })
        .collect()
}

/// Labels Prometheus adds to every series it scrapes.
const TARGET_LABELS: [&str; 2] = ["job", "instance"];

/// PromQL words that are not metric names.
const NOT_METRICS: &[&str] = &[
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "inf",
    "nan",
    "atan2",
];

/// PromQL words followed by a list of label names.
const LABEL_LISTS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// What a PromQL expression refers to: each series selector (metric name and the label names
/// it matches on) and the label names it groups or joins by.
#[derive(Debug, Default, PartialEq)]
struct Refs {
    selectors: Vec<(String, Vec<String>)>,
    grouping: Vec<String>,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// The index after the string literal that starts at `i`.
fn after_string(chars: &[char], mut i: usize) -> usize {
    let quote = chars[i];
    i += 1;
    while i < chars.len() && chars[i] != quote {
        i += if chars[i] == '\\' { 2 } else { 1 };
    }
    i + 1
}

/// The label names of the matchers in braces that open at `i`, and the index after them.
fn matchers(chars: &[char], mut i: usize) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    i += 1;
    while i < chars.len() && chars[i] != '}' {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i = after_string(chars, i);
        } else if is_name_start(c) {
            let start = i;
            while i < chars.len() && is_name(chars[i]) {
                i += 1;
            }
            names.push(chars[start..i].iter().collect());
        } else {
            i += 1;
        }
    }
    (names, i + 1)
}

/// Reads what an expression refers to. Grafana's `$variables` and range durations are
/// skipped, and so are function names (a word followed by a parenthesis).
fn refs(expr: &str) -> Refs {
    let chars: Vec<char> = expr.chars().collect();
    let next_non_space = |mut j: usize| {
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        j
    };
    let mut found = Refs::default();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i = after_string(&chars, i);
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '[' {
            while i < chars.len() && chars[i] != ']' {
                i += 1;
            }
            i += 1;
        } else if c == '$' || c.is_ascii_digit() || c == '.' {
            i += 1;
            while i < chars.len() && (is_name(chars[i]) || chars[i] == '.') {
                i += 1;
            }
        } else if c == '{' {
            let (labels, next) = matchers(&chars, i);
            found.selectors.push((String::new(), labels));
            i = next;
        } else if is_name_start(c) {
            let start = i;
            while i < chars.len() && is_name(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = next_non_space(i);
            let paren = chars.get(next) == Some(&'(');
            if LABEL_LISTS.contains(&word.as_str()) {
                if paren {
                    let close = next + chars[next..].iter().position(|&c| c == ')').unwrap();
                    let list: String = chars[next + 1..close].iter().collect();
                    found.grouping.extend(
                        list.split(',')
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .map(str::to_owned),
                    );
                    i = close + 1;
                }
            } else if !NOT_METRICS.contains(&word.as_str()) && !paren {
                let mut labels = Vec::new();
                if chars.get(next) == Some(&'{') {
                    (labels, i) = matchers(&chars, next);
                }
                found.selectors.push((word, labels));
            }
        } else {
            i += 1;
        }
    }
    found
}

/// `(alert, expr)` of every rule in alerts.yml: single-line expressions, or block scalars
/// (`|`, `>-`) whose lines are indented beyond `expr:`.
fn rule_exprs(yaml: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = yaml.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut rules = Vec::new();
    let mut alert = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        if let Some(name) = line.strip_prefix("- alert:") {
            alert = Some(name.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("expr:") {
            let rest = rest.trim();
            let expr = if ["|", "|-", ">", ">-"].contains(&rest) {
                let at = indent(lines[i]);
                let mut block = Vec::new();
                while i + 1 < lines.len()
                    && (lines[i + 1].trim().is_empty() || indent(lines[i + 1]) > at)
                {
                    i += 1;
                    block.push(lines[i].trim());
                }
                block.join("\n")
            } else {
                assert!(
                    !rest.starts_with(['"', '\'']),
                    "write expressions unquoted: {rest}"
                );
                rest.to_owned()
            };
            let name = alert.take().expect("every expr belongs to an alert");
            rules.push((name, expr.trim().to_owned()));
        }
        i += 1;
    }
    rules
}

/// `(where, query)` of every target of every panel (rows' panels included) and every query
/// variable of the dashboard.
fn dashboard_queries(dashboard: &Value) -> Vec<(String, String)> {
    fn panels(list: &Value, out: &mut Vec<(String, String)>) {
        for panel in list.as_array().into_iter().flatten() {
            let title = panel["title"].as_str().unwrap_or("?");
            for target in panel["targets"].as_array().into_iter().flatten() {
                if let Some(expr) = target["expr"].as_str() {
                    out.push((format!("panel {title:?}"), expr.to_owned()));
                }
            }
            panels(&panel["panels"], out);
        }
    }
    let mut out = Vec::new();
    panels(&dashboard["panels"], &mut out);
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        if variable["type"] == "query" {
            let query = variable["query"]["query"]
                .as_str()
                .or(variable["query"].as_str())
                .unwrap();
            out.push((format!("variable {}", variable["name"]), query.to_owned()));
        }
    }
    out
}

/// What a query refers to; `label_values(metric, label)` of a variable as a selector of
/// `metric` on `label`.
fn query_refs(query: &str) -> Refs {
    match query
        .strip_prefix("label_values(")
        .and_then(|q| q.strip_suffix(')'))
    {
        Some(args) => {
            let (metric, label) = args.rsplit_once(',').expect("label_values(metric, label)");
            let mut found = refs(metric);
            found.grouping.push(label.trim().to_owned());
            found
        }
        None => refs(query),
    }
}

/// What is wrong with the series a query refers to, given what is exposed (empty when
/// nothing is).
fn problems(place: &str, query: &str, exposed: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let found = query_refs(query);
    let mut problems = Vec::new();
    if found.selectors.is_empty() {
        problems.push(format!("{place}: names no series: {query}"));
    }
    let mut known: BTreeSet<&str> = TARGET_LABELS.into_iter().collect();
    for (metric, labels) in &found.selectors {
        let carried = match (metric.as_str(), exposed.get(metric)) {
            ("up", _) => BTreeSet::new(),
            (_, Some(labels)) => labels.iter().map(String::as_str).collect(),
            (_, None) => {
                problems.push(format!("{place}: {metric:?} is not exposed: {query}"));
                continue;
            }
        };
        known.extend(&carried);
        for label in labels {
            if !carried.contains(label.as_str()) && !TARGET_LABELS.contains(&label.as_str()) {
                problems.push(format!("{place}: {metric} has no label {label:?}: {query}"));
            }
        }
    }
    for label in &found.grouping {
        if !known.contains(label.as_str()) {
            problems.push(format!(
                "{place}: no series here has label {label:?}: {query}"
            ));
        }
    }
    problems
}

#[test]
fn the_query_reader_finds_metrics_labels_and_groupings_and_skips_the_rest() {
    let found = refs(
        r#"histogram_quantile(0.95, sum by (le, queue) (rate(hub_x_bucket{instance=~"$hub", a="}"}[$__rate_interval])))
           or on(instance) group_left hub_y offset 15m unless max without (b) (hub_z) - time() < 21 * 86400
           # hub_commented_out"#,
    );
    assert_eq!(
        found,
        Refs {
            selectors: vec![
                ("hub_x_bucket".into(), vec!["instance".into(), "a".into()]),
                ("hub_y".into(), vec![]),
                ("hub_z".into(), vec![]),
            ],
            grouping: vec!["le".into(), "queue".into(), "instance".into(), "b".into()],
        }
    );
    let exposed = exposed("hub_x_bucket{le=\"1\",queue=\"q\"} 1\nhub_y 1\n");
    assert_eq!(
        problems("t", "sum by (queue) (hub_x_bucket{le=\"1\"})", &exposed),
        Vec::<String>::new()
    );
    assert_eq!(problems("t", "hub_y", &exposed), Vec::<String>::new());
    assert_eq!(problems("t", "up{job=\"x\"} == 0", &exposed).len(), 0);
    assert_eq!(problems("t", "hub_w > 0", &exposed).len(), 1);
    assert_eq!(problems("t", "hub_y{queue=\"q\"}", &exposed).len(), 1);
    assert_eq!(problems("t", "sum by (reason) (hub_y)", &exposed).len(), 1);
    assert_eq!(problems("t", "time()", &exposed).len(), 1);
    assert_eq!(
        query_refs("label_values(hub_y, instance)"),
        Refs {
            selectors: vec![("hub_y".into(), vec![])],
            grouping: vec!["instance".into()],
        }
    );
}

#[test]
fn alerts_and_dashboard_name_only_series_the_hub_and_agent_expose() {
    let (hub, agent) = (hub_exposition(), agent_exposition());
    let mut exposed = exposed(&hub);
    exposed.extend(self::exposed(&agent));

    let alerts = read("alerts.yml");
    let rules = rule_exprs(&alerts);
    assert_eq!(
        rules.len(),
        alerts.matches("- alert:").count(),
        "an alert's expr was not read"
    );
    for wanted in [
        "HubIngressNotConsuming",
        "QueueBacklogGrowing",
        "HubDeadLetters",
        "DeadlineEscalations",
        "CertificateExpiresSoon",
        "AuditChainBroken",
    ] {
        assert!(rules.iter().any(|(name, _)| name == wanted), "no {wanted}");
    }
    let dashboard: Value = serde_json::from_str(&read("grafana-dashboard.json")).unwrap();
    let queries = dashboard_queries(&dashboard);

    let problems: Vec<String> = rules
        .iter()
        .map(|(alert, expr)| (format!("alert {alert}"), expr))
        .chain(queries.iter().map(|(place, q)| (place.clone(), q)))
        .flat_map(|(place, query)| problems(&place, query, &exposed))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");

    // Every family the hub and the agent expose is on the dashboard.
    let used: BTreeSet<String> = queries
        .iter()
        .flat_map(|(_, q)| query_refs(q).selectors)
        .map(|(metric, _)| metric)
        .collect();
    let missing: Vec<String> = families(&hub)
        .into_iter()
        .chain(families(&agent))
        .filter(|(family, kind)| {
            let samples: &[&str] = match kind.as_str() {
                "counter" => &["_total"],
                "histogram" => &["_bucket", "_sum", "_count"],
                _ => &[""],
            };
            !samples
                .iter()
                .any(|suffix| used.contains(&format!("{family}{suffix}")))
        })
        .map(|(family, _)| family)
        .collect();
    assert!(missing.is_empty(), "not on the dashboard: {missing:?}");

    // Every panel and query reads from the dashboard's data source variable.
    let variables = dashboard["templating"]["list"].as_array().unwrap();
    assert!(
        variables
            .iter()
            .any(|v| v["name"] == "datasource" && v["type"] == "datasource"),
        "no $datasource variable"
    );
    fn data_sources(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(uid) = map.get("datasource").map(|d| &d["uid"]) {
                    out.push(uid.as_str().unwrap_or("?").to_owned());
                }
                map.values().for_each(|v| data_sources(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| data_sources(v, out)),
            _ => {}
        }
    }
    let mut uids = Vec::new();
    data_sources(&dashboard["panels"], &mut uids);
    assert!(!uids.is_empty());
    assert!(uids.iter().all(|uid| uid == "${datasource}"), "{uids:?}");
}

/// promtool, from `HANDOVER_PROMTOOL` (which deploy/services.sh writes into .local/env). In CI
/// its absence is a failure; elsewhere the test says why it skips.
fn promtool() -> Option<PathBuf> {
    match std::env::var_os("HANDOVER_PROMTOOL") {
        Some(path) => Some(path.into()),
        None if std::env::var_os("CI").is_some() => {
            panic!("HANDOVER_PROMTOOL is not set: deploy/services.sh installs promtool and sets it")
        }
        None => {
            eprintln!(
                "skipped: HANDOVER_PROMTOOL is not set (run deploy/services.sh, then source .local/env)"
            );
            None
        }
    }
}

fn run(promtool: &Path, args: &[&str], dir: &Path) -> String {
    let output = Command::new(promtool)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", promtool.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "promtool {}: {text}",
        args.join(" ")
    );
    text
}

#[test]
fn promtool_accepts_the_rules_the_config_and_the_dashboards_queries_and_the_tests_pass() {
    let Some(promtool) = promtool() else { return };
    let dir = monitoring();
    let checked = run(&promtool, &["check", "rules", "alerts.yml"], &dir);
    let rules = rule_exprs(&read("alerts.yml")).len();
    assert!(
        checked.contains(&format!("SUCCESS: {rules} rules found")),
        "{checked}"
    );
    run(&promtool, &["test", "rules", "alerts.test.yml"], &dir);
    run(&promtool, &["check", "config", "prometheus.yml"], &dir);

    // The dashboard's queries, with Grafana's variables filled in, as recording rules.
    let dashboard: Value = serde_json::from_str(&read("grafana-dashboard.json")).unwrap();
    let mut yaml = String::from("groups:\n  - name: dashboard\n    rules:\n");
    let queries = dashboard_queries(&dashboard);
    let panels = queries
        .iter()
        .filter(|(place, _)| place.starts_with("panel"));
    for (n, (_, expr)) in panels.enumerate() {
        let expr = expr
            .replace("$__rate_interval", "5m")
            .replace("$hub", ".*")
            .replace("$agent", ".*");
        yaml += &format!(
            "      - record: dashboard:query_{n}\n        expr: {}\n",
            serde_json::to_string(&expr).unwrap()
        );
    }
    let scratch = std::env::temp_dir().join(format!("handover-dashboard-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::write(scratch.join("dashboard-rules.yml"), yaml).unwrap();
    run(
        &promtool,
        &["check", "rules", "dashboard-rules.yml"],
        &scratch,
    );
    std::fs::remove_dir_all(scratch).unwrap();
}

/// A certificate's `notAfter` as openssl reads it, in seconds since the Unix epoch.
fn openssl_not_after(cert: &Path) -> i64 {
    let output = Command::new("openssl")
        .args(["x509", "-noout", "-enddate", "-in"])
        .arg(cert)
        .output()
        .expect("openssl runs");
    let text = String::from_utf8(output.stdout).unwrap();
    let date = text.trim().strip_prefix("notAfter=").expect("notAfter=...");
    let words: Vec<&str> = date.split_whitespace().collect();
    chrono::NaiveDateTime::parse_from_str(&words[..4].join(" "), "%b %d %H:%M:%S %Y")
        .unwrap_or_else(|e| panic!("{date}: {e}"))
        .and_utc()
        .timestamp()
}

fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn hub_and_agent_expose_their_certificates_expiry_and_the_hub_its_audit_chain() {
    let mut env = TestEnv::new().await;
    let a = env.agencies.clone();
    let hub = env.start_hub_over_tls().await;
    let hub_cert = hub.shared.settings.broker.tls.clone().unwrap().cert_file;
    let text = hub::metrics::scrape(&hub.shared).await;
    assert_eq!(
        sample(&text, "hub_tls_certificate_expiry_timestamp_seconds"),
        Some(openssl_not_after(&hub_cert) as f64),
        "{text}"
    );
    // The chain is checked as the hub starts.
    eventually("the hub's first audit chain check", DEADLINE, || async {
        let text = hub.shared.metrics.encode(&Default::default());
        (sample(&text, "hub_audit_chain_intact") == Some(1.0)).then_some(())
    })
    .await;

    let (_, store) = env.agent_store(&a.prison).await;
    let login = broker::Credentials {
        user: a.prison.to_string(),
        password: String::new(),
    };
    let tls = env.client_tls(a.prison.as_str());
    let metrics = agent::metrics::Metrics::with_inbox_depth(
        env.tls_endpoint(tls.clone()),
        login.clone(),
        &a.prison,
        env.inbox(&a.prison),
    );
    let text = metrics.scrape(&store).await;
    assert_eq!(
        sample(&text, "agent_tls_certificate_expiry_timestamp_seconds"),
        Some(openssl_not_after(&tls.cert_file) as f64),
        "{text}"
    );
    assert_eq!(
        sample(&text, "agent_scrape_errors_total{part=\"certificate\"}"),
        None
    );

    // A certificate that cannot be read is left out and counted, never reported as 0.
    let gone = broker::TlsFiles {
        cert_file: std::env::temp_dir().join(format!("no-such-{}.pem", Uuid::new_v4())),
        ..tls
    };
    let metrics = agent::metrics::Metrics::with_inbox_depth(
        env.tls_endpoint(gone),
        login,
        &a.prison,
        env.inbox(&a.prison),
    );
    let text = metrics.scrape(&store).await;
    assert!(!text.contains("agent_tls_certificate"), "{text}");
    assert_eq!(
        sample(&text, "agent_scrape_errors_total{part=\"certificate\"}"),
        Some(1.0)
    );
    hub.stop().await;
}

/// Appends `n` entries to the audit log as the hub does.
async fn append_audit(pool: &sqlx::PgPool, n: usize) {
    let mut tx = pool.begin().await.unwrap();
    let mut audit = hub::db::AuditAppender::start(&mut tx).await.unwrap();
    for i in 0..n {
        audit
            .append(
                &mut tx,
                chrono::Utc::now(),
                &serde_json::json!({"kind": "monitoring test", "n": i}),
            )
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn last_seq(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM audit_log")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_audit_chain_check_goes_on_from_where_it_stopped_and_finds_tampering() {
    let env = TestEnv::new().await;
    append_audit(&env.pool, 5).await;
    // Pages of two entries, so that every check reads more than one page.
    let mut checker = Checker::new(2);
    let intact = checker.check(&env.pool).await.unwrap().unwrap();
    assert_eq!(intact.seq, last_seq(&env.pool).await);

    append_audit(&env.pool, 3).await;
    let tampered = intact.seq + 2;
    let mut tx = env.pool.begin().await.unwrap();
    for sql in [
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update".to_owned(),
        format!(
            "UPDATE audit_log SET entry = replace(entry, 'monitoring', 'MONITORING') WHERE seq = {tampered}"
        ),
        "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update".to_owned(),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let broken = Err(Broken {
        seq: tampered,
        problem: "the entry's content does not match its hash",
    });
    assert_eq!(checker.check(&env.pool).await.unwrap(), broken);
    // Found again at each check until it is repaired, and by a whole pass.
    assert_eq!(checker.check(&env.pool).await.unwrap(), broken);
    assert_eq!(Checker::new(3).check(&env.pool).await.unwrap(), broken);
    assert_eq!(
        hub::db::verify_audit(&env.pool).await.unwrap(),
        hub::db::AuditCheck::Broken {
            seq: tampered,
            problem: "the entry's content does not match its hash"
        }
    );
}
