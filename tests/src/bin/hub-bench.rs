//! `hub-bench`: how many release notices per second the hub decides, records, delivers and
//! answers, against the real broker and database on this machine.
//!
//! It provisions an isolated vhost and database, queues the person's consent and then N
//! release notices of about 2 KB about one case, from the prison to the municipality (under
//! statute) and the employment service (under the consent, with housing and income needs
//! removed), published with confirms before the hub starts. Then it starts a hub and times it
//! until every message has been deduplicated, decided against consent and case, recorded with
//! its audit entry, and its two deliveries and its receipt published with confirms.
//!
//! ```sh
//! source .local/env
//! cargo run --release -p e2e --bin hub-bench -- --messages 10000
//! ```

use std::time::{Duration, Instant};

use anyhow::Context;
use e2e::TestEnv;
use serde_json::json;

fn messages_arg() -> anyhow::Result<usize> {
    let mut args = std::env::args().skip(1);
    let mut messages = 10_000;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--messages" => {
                messages = args
                    .next()
                    .context("--messages takes a number")?
                    .parse()
                    .context("--messages takes a number")?;
            }
            "-h" | "--help" => {
                println!("usage: hub-bench [--messages N]   (default 10000)");
                std::process::exit(0);
            }
            other => anyhow::bail!("unknown argument {other:?}; see --help"),
        }
    }
    Ok(messages)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = messages_arg()?;
    let env = TestEnv::new().await;
    let a = &env.agencies;

    // About 2 KB on the wire: a release notice with a caseworker's note on needs.
    let note = "Housing: applied for supported housing in Valby; waiting list about 8 weeks. \
                Income: kontanthjælp application to be filed the week before release. "
        .repeat(9);
    let subject = "ps-0b3e5c7a9d1f2e4c";
    let payloads: Vec<Vec<u8>> = (0..n)
        .map(|_| {
            let mut m = e2e::draft(
                "ReleaseNotice",
                &a.prison,
                &[&a.municipality, &a.employment],
                "BENCH-0001",
                subject,
            );
            m["body"]["needs"]["notes"] = json!(note);
            serde_json::to_vec(&m).expect("serializes")
        })
        .collect();
    let size = payloads[0].len();
    println!("queueing the consent and {n} release notices of {size} bytes on the broker ...");
    let consent = e2e::consent_granted(&env, subject, uuid::Uuid::new_v4(), 1);
    let municipality = env.connect_as(&a.municipality).await;
    broker::Publisher::open(&municipality)
        .await?
        .publish(broker::Outgoing {
            exchange: &broker::topology::submit_exchange(&a.municipality),
            routing_key: "",
            payload: &serde_json::to_vec(&consent)?,
            properties: Default::default(),
        })
        .await?;
    let connection = env.connect_as(&a.prison).await;
    let publisher = broker::Publisher::open(&connection).await?;
    let exchange = broker::topology::submit_exchange(&a.prison);
    for chunk in payloads.chunks(500) {
        let outgoing: Vec<_> = chunk
            .iter()
            .map(|p| broker::Outgoing {
                exchange: &exchange,
                routing_key: "",
                payload: p,
                properties: Default::default(),
            })
            .collect();
        for result in publisher.publish_all(&outgoing).await {
            result.context("queueing the backlog")?;
        }
    }

    println!("starting the hub ...");
    let started = Instant::now();
    let hub = env.start_hub().await;
    let expected = i64::try_from(3 * n + 1)?;
    let mut last_report = Instant::now();
    loop {
        let published: i64 =
            sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")
                .fetch_one(&env.pool)
                .await?;
        if published >= expected {
            break;
        }
        if last_report.elapsed() > Duration::from_secs(2) {
            let messages: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
                .fetch_one(&env.pool)
                .await?;
            println!(
                "  {:>6.1} s: {messages}/{n} messages decided, {published}/{expected} outgoing published",
                started.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "not done after 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    hub.stop().await;
    let stripped: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM decisions WHERE recipient = $1 AND gateway LIKE 'CONSENT:%' AND removed_categories = '{ECONOMY_BENEFITS}'",
    )
    .bind(a.employment.as_str())
    .fetch_one(&env.pool)
    .await?;
    anyhow::ensure!(
        stripped == i64::try_from(n)?,
        "expected {n} consent deliveries with needs removed, found {stripped}"
    );
    let rate = n as f64 / elapsed;
    // The hub runs inside this process (with the publisher that queued the backlog), so this
    // is an upper bound on the hub's own peak resident memory.
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("peak resident memory of the process (hub and publisher): {peak}");
    println!(
        "{n} messages of {size} bytes in {elapsed:.2} s: {rate:.0} messages/s through the hub ({:.0} deliveries and receipts/s)",
        3.0 * rate
    );
    Ok(())
}
