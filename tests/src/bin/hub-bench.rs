//! `hub-bench`: the hub measured against the raw broker, in one run, on this machine.
//!
//! 1. **Raw relays.** N messages of the chosen size wait in a quorum queue; a relay built
//!    like the hub's ingress ([`e2e::bench`]) consumes them, publishes each with a confirm
//!    into a second quorum queue and acknowledges. No database. Once with one copy out per
//!    message, once with two: the broker's share of the hub's work, which publishes a
//!    delivery and the sender's receipt for each message it routes. The two-copy relay is the
//!    ceiling the hub is measured against.
//! 2. **Hub throughput and cost.** N release notices of the same size from the prison to the
//!    municipality wait on the hub's ingress; a hub process starts and decides each
//!    (validation, consent and case checks, deduplication, audit, outbox), publishing the
//!    delivery and the sender's receipt with confirms. Timed until every delivery and
//!    receipt is in its queue (asked of the broker, so no row of the database under test is
//!    counted meanwhile). Around it, the CPU time of the hub, the broker (`beam.smp`) and
//!    PostgreSQL (`postgres`, with the children the postmaster reaped) from `/proc`, and
//!    PostgreSQL's WAL position: the cost per message of each.
//! 3. **Latency at half the hub's measured capacity** (or `--latency-rate`), for the hub and
//!    the one-copy raw relay, end to end from the producer's publish to the consumer at the
//!    far queue.
//! 4. **Memory**: the hub runs as its own process, so its peak resident memory is its own.
//! 5. **Backlog**: the municipality's agent is offline while M messages for it go through
//!    the hub; then it starts, and its drain is timed until every one is in its store.
//!
//! Rates vary by a fifth or more from one run to the next on a small machine. `--repeat K`
//! measures the relays, the hub and the backlog's drain K times and reports the medians,
//! with every figure.
//!
//! ```sh
//! source .local/env
//! cargo build --release -p e2e --bins
//! target/release/hub-bench --messages 20000 --backlog 100000 --repeat 3
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use e2e::TestEnv;
use e2e::bench::{self, SendTimes};
use e2e::hub_process::{self, HubProcess};
use serde_json::json;

struct Args {
    messages: usize,
    latency_seconds: f64,
    /// The offered load of the latency runs; 25% of the raw rate when not given.
    latency_rate: Option<f64>,
    backlog: usize,
    size: usize,
    /// How often the raw relay's throughput and the backlog's drain are measured.
    repeat: usize,
    /// Whether each notice carries the person's identity sealed to the municipality.
    sealed_identity: bool,
}

fn number<T: std::str::FromStr>(value: Option<String>, flag: &str) -> anyhow::Result<T> {
    value
        .with_context(|| format!("{flag} takes a number"))?
        .parse()
        .map_err(|_| anyhow::anyhow!("{flag} takes a number"))
}

fn args() -> anyhow::Result<Args> {
    let mut parsed = Args {
        messages: 20_000,
        latency_seconds: 20.0,
        latency_rate: None,
        backlog: 100_000,
        size: 2048,
        repeat: 1,
        sealed_identity: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--messages" => parsed.messages = number(args.next(), "--messages")?,
            "--latency-seconds" => {
                parsed.latency_seconds = number(args.next(), "--latency-seconds")?;
            }
            "--latency-rate" => {
                parsed.latency_rate = Some(number(args.next(), "--latency-rate")?);
            }
            "--backlog" => parsed.backlog = number(args.next(), "--backlog")?,
            "--size" => parsed.size = number(args.next(), "--size")?,
            "--repeat" => parsed.repeat = number(args.next(), "--repeat")?,
            "--sealed-identity" => parsed.sealed_identity = true,
            "-h" | "--help" => {
                println!(
                    "usage: hub-bench [--messages N] [--latency-seconds S] [--latency-rate R] [--backlog M] [--size BYTES] [--repeat K] [--sealed-identity]\n\
                     defaults: 20000 messages for throughput, 20 s of latency at half the hub's\n\
                     measured rate (--latency-rate sets another offered load, in messages/s),\n\
                     a backlog of 100000 (0 skips it), messages of 2048 bytes;\n\
                     --repeat K measures the relays, the hub and the backlog's drain K times\n\
                     and reports the medians (default 1);\n\
                     --sealed-identity seals the person's identity in every notice to the municipality\n\
                     (the same size on the wire: the note is shorter)"
                );
                std::process::exit(0);
            }
            other => anyhow::bail!("unknown argument {other:?}; see --help"),
        }
    }
    anyhow::ensure!(parsed.messages > 0, "--messages must be at least 1");
    anyhow::ensure!(parsed.repeat > 0, "--repeat must be at least 1");
    anyhow::ensure!(
        parsed.latency_rate.is_none_or(|r| r > 0.0),
        "--latency-rate must be above 0"
    );
    Ok(parsed)
}

/// The municipality's sealing key, published to the hub's database, when the notices carry a
/// sealed identity.
struct BenchKey {
    key_id: String,
    public_key: String,
}

/// Publishes a sealing key for the municipality, as its agent would.
async fn publish_municipality_key(env: &TestEnv) -> anyhow::Result<BenchKey> {
    let pair = seal::generate();
    sqlx::query(
        "INSERT INTO sealing_keys (agency, key_id, scheme, public_key, published_at)
         VALUES ($1, $2, $3, $4, now())",
    )
    .bind(env.agencies.municipality.as_str())
    .bind(&pair.key_id)
    .bind(schemas::messages::SEALING_SCHEME)
    .bind(&pair.public_key)
    .execute(&env.pool)
    .await?;
    Ok(BenchKey {
        key_id: pair.key_id,
        public_key: pair.public_key,
    })
}

/// `n` release notices from the prison to the municipality (under statute), each of `size`
/// bytes on the wire (a caseworker's note on needs makes up the size), each with its own id;
/// with `identity`, each carries the person's identity sealed to that key.
fn notices(
    env: &TestEnv,
    n: usize,
    size: usize,
    identity: Option<&BenchKey>,
) -> Vec<(String, Vec<u8>)> {
    let a = &env.agencies;
    let subject = "ps-0b3e5c7a9d1f2e4c";
    let line = "Housing: applied for supported housing in Valby; waiting list about 8 weeks. ";
    (0..n)
        .map(|_| {
            let mut m = e2e::draft(
                "ReleaseNotice",
                &a.prison,
                &[&a.municipality],
                "BENCH-0001",
                subject,
            );
            m["body"]["needs"]["notes"] = json!("");
            if let Some(key) = identity {
                let message_id: uuid::Uuid = m["envelope"]["message_id"]
                    .as_str()
                    .and_then(|id| id.parse().ok())
                    .expect("a message id");
                let plaintext = json!({"jurisdiction": "DK", "national_id": "1506403123",
                                       "name": "Bench Testperson", "date_of_birth": "1940-06-15"});
                let sealed = seal::seal(
                    message_id,
                    schemas::messages::SEALED_IDENTITY,
                    &serde_json::to_vec(&plaintext).expect("serializes"),
                    &[seal::Recipient {
                        agency: &a.municipality,
                        key_id: &key.key_id,
                        public_key: &key.public_key,
                    }],
                )
                .expect("seals");
                m["body"]["sealed_identity"] = json!(sealed);
                m["envelope"]["data_categories"] =
                    json!(["SENTENCE_RELEASE", "ECONOMY_BENEFITS", "IDENTITY"]);
            }
            let base = serde_json::to_vec(&m).expect("serializes").len();
            let pad = size.saturating_sub(base);
            let note: String = line.chars().cycle().take(pad).collect();
            m["body"]["needs"]["notes"] = json!(note);
            let id = m["envelope"]["message_id"]
                .as_str()
                .expect("a message id")
                .to_owned();
            (id, serde_json::to_vec(&m).expect("serializes"))
        })
        .collect()
}

fn payloads(messages: &[(String, Vec<u8>)]) -> Vec<Vec<u8>> {
    messages.iter().map(|(_, p)| p.clone()).collect()
}

async fn published_outbox_rows(env: &TestEnv) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")
            .fetch_one(&env.pool)
            .await?,
    )
}

/// Waits until `probe` reaches `target`, printing progress every 2 s; fails after `limit`.
/// The probes count rows in the stores under test, so they run only every 100 ms (at most
/// 2% of a 5 s measurement): counting every 20 ms took a visible share of PostgreSQL's time.
async fn wait_for<F, Fut>(
    what: &str,
    target: u64,
    limit: Duration,
    mut probe: F,
) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<u64>>,
{
    let started = Instant::now();
    let mut reported = Instant::now();
    loop {
        let now = probe().await?;
        if now >= target {
            return Ok(());
        }
        if reported.elapsed() > Duration::from_secs(2) {
            println!(
                "    {:>6.1} s: {now}/{target} {what}",
                started.elapsed().as_secs_f64()
            );
            reported = Instant::now();
        }
        anyhow::ensure!(
            started.elapsed() < limit,
            "{what}: {now}/{target} after {limit:?}; giving up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Latency {
    offered: f64,
    achieved: f64,
    p50: Duration,
    p99: Duration,
    count: usize,
}

impl Latency {
    fn print(&self, what: &str) {
        println!(
            "  {what}: {} messages offered at {:.0}/s (achieved {:.0}/s): p50 {:.1} ms, p99 {:.1} ms",
            self.count,
            self.offered,
            self.achieved,
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3
        );
    }
}

/// Publishes `messages` at `rate` to `exchange`/`routing_key` while a consumer reads them
/// off `queue`, and returns their latencies.
#[allow(clippy::too_many_arguments)]
async fn latency_run(
    producer: &lapin::Connection,
    consumer: lapin::Connection,
    exchange: &str,
    routing_key: &str,
    queue: &str,
    messages: &[(String, Vec<u8>)],
    rate: f64,
) -> anyhow::Result<Latency> {
    let sent: SendTimes = Arc::default();
    let expected = messages.len();
    let collector = {
        let sent = sent.clone();
        let queue = queue.to_owned();
        let timeout = Duration::from_secs_f64(expected as f64 / rate + 120.0);
        tokio::spawn(async move {
            let result =
                bench::collect_latencies(&consumer, &queue, expected, &sent, timeout).await;
            let _ = consumer.close(200, "measured".into()).await;
            result
        })
    };
    let publisher = broker::Publisher::open(producer).await?;
    let achieved =
        bench::paced_publish(&publisher, exchange, routing_key, messages, rate, &sent).await?;
    let latencies = collector.await??;
    Ok(Latency {
        offered: rate,
        achieved,
        p50: bench::quantile(&latencies, 0.50),
        p99: bench::quantile(&latencies, 0.99),
        count: latencies.len(),
    })
}

async fn purge(connection: &lapin::Connection, queue: &str) -> anyhow::Result<()> {
    let channel = connection.create_channel().await?;
    channel
        .queue_purge(queue.into(), Default::default())
        .await
        .with_context(|| format!("purging {queue}"))?;
    let _ = channel.close(200, "purged".into()).await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let n = args.messages;
    let env = TestEnv::new().await;
    let prefetch = env.hub_settings.hub.prefetch;
    let batch_max = env.hub_settings.hub.batch_max;
    println!(
        "hub-bench: {n} messages of {} bytes; prefetch {prefetch}, batches of up to {batch_max} (config/hub.toml)",
        args.size
    );

    // The raw relay logs in as a user of its own that may use only its two queues.
    let management = env.services.management();
    let bench_user = format!("{}-bench", env.vhost);
    let bench_password = format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    management.put_user(&bench_user, &bench_password).await?;
    management
        .put_permissions(
            &env.vhost,
            &bench_user,
            &broker::topology::Permissions {
                configure: r"^bench\.raw\..*$".into(),
                write: r"^(amq\.default|bench\.raw\..*)$".into(),
                read: r"^bench\.raw\..*$".into(),
            },
        )
        .await?;
    let result = run(&env, &args, &bench_user, &bench_password).await;
    let _ = management.delete_user(&bench_user).await;
    result
}

async fn run(
    env: &TestEnv,
    args: &Args,
    bench_user: &str,
    bench_password: &str,
) -> anyhow::Result<()> {
    let n = args.messages;
    let a = &env.agencies;
    let prefetch = env.hub_settings.hub.prefetch;
    let batch_max = env.hub_settings.hub.batch_max;
    let bench_credentials = broker::Credentials {
        user: bench_user.to_owned(),
        password: bench_password.to_owned(),
    };
    let connect_bench = |name: &'static str| {
        let endpoint = env.endpoint();
        let credentials = bench_credentials.clone();
        async move { broker::connect(&endpoint, &credentials, name).await }
    };

    let identity = if args.sealed_identity {
        Some(publish_municipality_key(env).await?)
    } else {
        None
    };
    let identity = &identity;

    // A raw relay of `copies` copies out per message, started on `preload` messages already
    // queued: its rate over them and the broker's cost per message, and the relay itself,
    // still running, with the switch that stops it.
    let control = connect_bench("bench control").await?;
    bench::declare_raw_queues(&control).await?;
    let publisher = broker::Publisher::open(&control).await?;
    let (control, publisher, connect_bench) = (&control, &publisher, &connect_bench);
    let raw_relay = |copies: usize, preload: usize| async move {
        bench::publish_confirmed(
            publisher,
            "",
            bench::RAW_IN,
            &payloads(&notices(env, preload, args.size, identity.as_ref())),
        )
        .await?;
        let relayed = Arc::new(AtomicU64::new(0));
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let before = bench::Spent::now(&env.pool, None).await?;
        let started = Instant::now();
        let relay = tokio::spawn(bench::raw_relay(
            connect_bench("bench raw relay in").await?,
            connect_bench("bench raw relay out").await?,
            prefetch,
            batch_max,
            copies,
            relayed.clone(),
            stop_rx,
        ));
        wait_for("relayed", preload as u64, Duration::from_secs(600), || {
            let relayed = relayed.clone();
            async move { Ok(relayed.load(Ordering::Relaxed)) }
        })
        .await?;
        let rate = preload as f64 / started.elapsed().as_secs_f64();
        let cost = bench::Spent::now(&env.pool, None)
            .await?
            .per_message_since(&before, preload);
        purge(control, bench::RAW_OUT).await?;
        anyhow::Ok((rate, cost, relay, stop))
    };

    // 1. The raw relays: one copy out per message, then two (the hub's broker traffic).
    let mut raw_rates = Vec::new();
    let mut raw2_rates = Vec::new();
    let mut raw2_costs = Vec::new();
    for (copies, rates, mut costs) in [
        (1, &mut raw_rates, None),
        (2, &mut raw2_rates, Some(&mut raw2_costs)),
    ] {
        for k in 1..=args.repeat {
            println!(
                "1. raw relay, {copies} cop{} out per message ({k} of {}): {n} messages ...",
                if copies == 1 { "y" } else { "ies" },
                args.repeat
            );
            let (rate, cost, relay, stop) = raw_relay(copies, n).await?;
            println!("  {rate:.0} messages/s");
            stop.send(true)?;
            relay.await??;
            rates.push(rate);
            if let Some(costs) = costs.as_deref_mut() {
                costs.push(cost);
            }
        }
    }
    let (raw_rate, raw2_rate) = (median(&raw_rates), median(&raw2_rates));

    // 2. The hub: a hub process started on n release notices already on its ingress, timed
    // until every delivery and receipt is in its queue, K times; the last one stays up.
    let prison = env.connect_as(&a.prison).await;
    let municipality = env.connect_as(&a.municipality).await;
    let prison_publisher = broker::Publisher::open(&prison).await?;
    let submit = broker::topology::submit_exchange(&a.prison);
    let (deliveries, receipts) = (env.inbox(&a.municipality), env.inbox(&a.prison));
    let mut hub_rates = Vec::new();
    let mut hub_costs = Vec::new();
    let mut hub = None;
    for k in 1..=args.repeat {
        println!(
            "2. hub ({k} of {}): queueing {n} release notices on the ingress ...",
            args.repeat
        );
        bench::publish_confirmed(
            &prison_publisher,
            &submit,
            "",
            &payloads(&notices(env, n, args.size, identity.as_ref())),
        )
        .await?;
        let before = bench::Spent::now(&env.pool, None).await?;
        let started = Instant::now();
        let process = HubProcess::start(env, &hub_process::sibling_executable(), None).await;
        let depths = prison.create_channel().await?;
        wait_for(
            "deliveries and receipts queued",
            2 * n as u64,
            Duration::from_secs(1800),
            || async {
                Ok(u64::from(
                    depth(&depths, &deliveries).await? + depth(&depths, &receipts).await?,
                ))
            },
        )
        .await?;
        let rate = n as f64 / started.elapsed().as_secs_f64();
        let cost = bench::Spent::now(&env.pool, Some(process.pid()))
            .await?
            .per_message_since(&before, n);
        let _ = depths.close(200, "measured".into()).await;
        println!("  {rate:.0} messages/s (each a delivery and a receipt, both confirmed)");
        print_cost("  ", &cost);
        hub_rates.push(rate);
        hub_costs.push(cost);
        purge(&municipality, &deliveries).await?;
        purge(&prison, &receipts).await?;
        if let Some(mut previous) = hub.replace(process) {
            previous.stop().await;
        }
    }
    let mut hub = hub.expect("at least one run");
    let hub_rate = median(&hub_rates);

    // 3. Latency at half the hub's measured capacity: the hub, then the raw relay (one copy).
    let rate = args.latency_rate.unwrap_or(hub_rate / 2.0);
    let count = ((rate * args.latency_seconds) as usize).max(1);
    println!(
        "3. latency at {rate:.0}/s for {:.0} s, hub ...",
        args.latency_seconds
    );
    let hub_latency = latency_run(
        &prison,
        env.connect_as(&a.municipality).await,
        &submit,
        "",
        &deliveries,
        &notices(env, count, args.size, identity.as_ref()),
        rate,
    )
    .await?;
    hub_latency.print("hub");
    purge(&prison, &receipts).await?;
    println!(
        "3. latency at {rate:.0}/s for {:.0} s, raw relay ...",
        args.latency_seconds
    );
    let (_, _, relay, stop_raw) = raw_relay(1, 0).await?;
    let raw_latency = latency_run(
        control,
        connect_bench("bench latency consumer").await?,
        "",
        bench::RAW_IN,
        bench::RAW_OUT,
        &notices(env, count, args.size, identity.as_ref()),
        rate,
    )
    .await?;
    raw_latency.print("raw relay");
    stop_raw.send(true)?;
    relay.await??;
    let _ = control.close(200, "bench done".into()).await;

    // 5. Backlog.
    let mut drains = Vec::new();
    for k in 1..=args.repeat {
        if args.backlog == 0 {
            break;
        }
        let m = args.backlog;
        println!(
            "5. backlog ({k} of {}): {m} messages for the municipality while its agent is offline ...",
            args.repeat
        );
        let before = published_outbox_rows(env).await? as u64;
        bench::publish_confirmed(
            &prison_publisher,
            &submit,
            "",
            &payloads(&notices(env, m, args.size, identity.as_ref())),
        )
        .await?;
        wait_for(
            "outgoing confirmed",
            before + 2 * m as u64,
            Duration::from_secs(3600),
            || async { Ok(published_outbox_rows(env).await? as u64) },
        )
        .await?;
        purge(&prison, &receipts).await?;
        println!("  the municipality's agent starts ...");
        let started = Instant::now();
        let mut agent = env.start_agent(&a.municipality).await;
        wait_for(
            "in the agent's store",
            m as u64,
            Duration::from_secs(3600),
            || async { Ok(agent.store.inbox_count().await? as u64) },
        )
        .await?;
        let rate = m as f64 / started.elapsed().as_secs_f64();
        println!("  drained at {rate:.0} messages/s");
        drains.push(rate);
        // The next drain starts offline, into a fresh store.
        agent.stop().await;
        let data_dir = agent.settings.agent.data_dir.clone();
        drop(agent);
        std::fs::remove_dir_all(&data_dir)
            .with_context(|| format!("removing {}", data_dir.display()))?;
    }
    let drain = (!drains.is_empty()).then(|| median(&drains));

    let peak = bench::peak_rss_kb(hub.pid());
    hub.stop().await;
    let _ = prison.close(200, "bench done".into()).await;
    let _ = municipality.close(200, "bench done".into()).await;

    println!();
    println!(
        "== hub-bench: {n} messages of {} bytes, one machine, {} run(s) each ==",
        args.size, args.repeat
    );
    println!(
        "throughput  hub {}   raw relay, two copies out per message (the hub's broker traffic) {}",
        rates(&hub_rates),
        rates(&raw2_rates)
    );
    println!(
        "            hub / two-copy relay {:.2}  (target >= 0.70)",
        hub_rate / raw2_rate
    );
    println!(
        "            for reference: raw relay, one copy out {}   hub / that {:.2}",
        rates(&raw_rates),
        hub_rate / raw_rate
    );
    let hub_cost = median_cost(&hub_costs);
    println!(
        "cost per message (hub run, medians): hub {:.0} us + PostgreSQL {:.0} us CPU = {:.0} us  against the broker's {:.0} us  (target: at most the broker's)",
        hub_cost.hub_us,
        hub_cost.postgres_us,
        hub_cost.hub_us + hub_cost.postgres_us,
        hub_cost.broker_us
    );
    println!(
        "            WAL {:.0} bytes per message  (target <= 3072 for {}-byte messages to one recipient)",
        hub_cost.wal_bytes, args.size
    );
    println!(
        "            the two-copy relay's broker: {:.0} us per message",
        median_cost(&raw2_costs).broker_us
    );
    println!(
        "latency at {rate:.0}/s ({})  raw p50 {:.1} ms p99 {:.1} ms   hub p50 {:.1} ms p99 {:.1} ms   p99 hub/raw {:.2}  (target <= 2.00)",
        if args.latency_rate.is_some() {
            "set by --latency-rate"
        } else {
            "half the hub's measured capacity"
        },
        ms(raw_latency.p50),
        ms(raw_latency.p99),
        ms(hub_latency.p50),
        ms(hub_latency.p99),
        hub_latency.p99.as_secs_f64() / raw_latency.p99.as_secs_f64().max(1e-9),
    );
    match peak {
        Some(kb) => println!(
            "hub peak resident memory {:.1} MB  (target < 150 MB)",
            kb as f64 / 1024.0
        ),
        None => println!("hub peak resident memory: unknown"),
    }
    if let Some(rate) = drain {
        println!(
            "backlog of {} drained by the agent at {} = {:.2} x the raw relay rate  (target >= 1.00)",
            args.backlog,
            rates(&drains),
            rate / raw_rate
        );
    }
    Ok(())
}

/// Messages waiting in `queue`, asked of the broker (a passive declare: cheap, and no row of
/// the database under test is counted meanwhile).
async fn depth(channel: &lapin::Channel, queue: &str) -> anyhow::Result<u32> {
    let declared = channel
        .queue_declare(
            queue.into(),
            lapin::options::QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            Default::default(),
        )
        .await
        .with_context(|| format!("the depth of {queue}"))?;
    Ok(declared.message_count())
}

fn print_cost(indent: &str, cost: &bench::Cost) {
    println!(
        "{indent}per message: hub {:.0} us, PostgreSQL {:.0} us, broker {:.0} us CPU; WAL {:.0} bytes",
        cost.hub_us, cost.postgres_us, cost.broker_us, cost.wal_bytes
    );
}

/// Each figure's median over the runs (not empty).
fn median_cost(costs: &[bench::Cost]) -> bench::Cost {
    let of = |f: fn(&bench::Cost) -> f64| median(&costs.iter().map(f).collect::<Vec<_>>());
    bench::Cost {
        hub_us: of(|c| c.hub_us),
        broker_us: of(|c| c.broker_us),
        postgres_us: of(|c| c.postgres_us),
        wal_bytes: of(|c| c.wal_bytes),
    }
}

/// The median of `values` (not empty).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

/// "12345/s", or "median 12345/s of 11000, 12345, 13000/s" when measured more than once.
fn rates(values: &[f64]) -> String {
    match values {
        [one] => format!("{one:.0}/s"),
        _ => format!(
            "{:.0}/s (median of {})",
            median(values),
            values
                .iter()
                .map(|v| format!("{v:.0}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
