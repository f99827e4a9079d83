//! `demo-data`: loads a synthetic population into a running hub through the real agents, so
//! the national contact point's dashboard shows figures that came through the product.
//!
//! It plans the population (`e2e::population::plan`: 500 cases over two years in København,
//! Aarhus, Oslo and Trondheim by default), starts an agent in this process for every agency of
//! the four cities, each with its own store under `.local/demo-data/<agency>/` (made fresh
//! every run) and its client certificate, as `deploy/demo.sh`'s agents connect (AMQPS on
//! localhost:5671, `$HANDOVER_PKI_DIR/clients/<agency>.pem`), and drives every case through
//! them, each message dated at its simulated time. The hub must run with
//! `HUB__HUB__BACKFILL_DAYS` of at least `--days` (checked on the first case) and must be the
//! only hub on the broker while it loads; `deploy/demo-data.sh` does all of that.
//!
//! It refuses to load the same population (same seed) twice into one hub: before sending
//! anything it looks for the population's people (pseudonyms, which depend on the seed only)
//! in the hub's database (`$HANDOVER_PG_URL`) and, when they are there, exits with status 3
//! having sent nothing. Another seed adds another population. A run that failed half-way
//! leaves part of its population behind: load another seed, or start from an empty database.
//!
//! ```sh
//! source .local/env
//! cargo run --release -p e2e --bin demo-data -- --cases 500 --days 1100 --seed 1
//! cargo run --release -p e2e --bin demo-data -- --dry-run    # the plan's figures only
//! ```
//!
//! Exit status: 0 loaded as planned; 1 failed, or the hub answered otherwise than planned;
//! 3 this population is in the hub already (nothing sent).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Timelike, Utc};
use e2e::population::{Cities, DriveOptions, Driver, Mark, Plan, PlanConfig, Tally};
use schemas::AgencyId;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

const USAGE: &str = "\
usage: demo-data [options]
  --cases N            cases to load (default 500)
  --days N             days back the population starts (default 1100: three years, so that
                       the oldest yearly cohort of outcomes is complete)
  --seed N             the population's seed (default 1)
  --concurrency N      cases driven at once (default 48)
  --progress-every N   a progress line every N cases (default 50)
  --data-dir DIR       the agents' stores, remade each run (default .local/demo-data)
  --database-url URL   the hub's database, to check the population is not there yet
                       (default $HANDOVER_PG_URL)
  --host HOST          the broker's AMQPS host (default localhost)
  --port N             its AMQPS port (default $HANDOVER_AMQPS_PORT or 5671)
  --vhost NAME         the hub's vhost (default handover)
  --pki-dir DIR        CA and client certificates (default $HANDOVER_PKI_DIR)
  --hub-url URL        the hub's HTTP server, whose /readyz must answer before any agent
                       starts (default http://127.0.0.1:8700)
  --dry-run            plan and print the planned figures; connect to nothing";

/// The command line.
struct Args {
    cases: usize,
    days: u32,
    seed: u64,
    concurrency: usize,
    progress_every: usize,
    data_dir: PathBuf,
    database_url: Option<String>,
    host: String,
    port: u16,
    vhost: String,
    pki_dir: Option<PathBuf>,
    hub_url: String,
    dry_run: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        cases: 500,
        days: 1100,
        seed: 1,
        concurrency: 48,
        progress_every: 50,
        data_dir: PathBuf::from(".local/demo-data"),
        database_url: std::env::var("HANDOVER_PG_URL").ok(),
        host: "localhost".to_owned(),
        port: match std::env::var("HANDOVER_AMQPS_PORT") {
            Ok(port) => port.parse().context("HANDOVER_AMQPS_PORT is not a port")?,
            Err(_) => 5671,
        },
        vhost: "handover".to_owned(),
        pki_dir: std::env::var_os("HANDOVER_PKI_DIR").map(PathBuf::from),
        hub_url: "http://127.0.0.1:8700".to_owned(),
        dry_run: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .with_context(|| format!("{arg} takes a value; see --help"))
        };
        fn number<T: std::str::FromStr>(arg: &str, v: String) -> anyhow::Result<T> {
            v.parse()
                .map_err(|_| anyhow::anyhow!("{arg} takes a number, not {v:?}"))
        }
        match arg.as_str() {
            "--cases" => args.cases = number(&arg, value()?)?,
            "--days" => args.days = number(&arg, value()?)?,
            "--seed" => args.seed = number(&arg, value()?)?,
            "--concurrency" => args.concurrency = number(&arg, value()?)?,
            "--progress-every" => args.progress_every = number(&arg, value()?)?,
            "--data-dir" => args.data_dir = PathBuf::from(value()?),
            "--database-url" => args.database_url = Some(value()?),
            "--host" => args.host = value()?,
            "--port" => args.port = number(&arg, value()?)?,
            "--vhost" => args.vhost = value()?,
            "--pki-dir" => args.pki_dir = Some(PathBuf::from(value()?)),
            "--hub-url" => args.hub_url = value()?,
            "--dry-run" => args.dry_run = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => anyhow::bail!("unknown argument {other:?}; see --help"),
        }
    }
    anyhow::ensure!(args.cases > 0, "--cases must be at least 1");
    anyhow::ensure!(args.days >= 60, "--days must be at least 60");
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                // The agents' service logs a reconnect whenever its store answers "database is
                // locked" (SQLITE_BUSY on a deferred transaction while this process enqueues
                // into the same store); it retries by itself, so only errors are shown.
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new("warn,agent::service=error")
                }),
        )
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("demo-data: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<ExitCode> {
    let args = parse_args()?;
    let began = Instant::now();
    let now = Utc::now()
        .with_nanosecond(0)
        .expect("0 is a valid nanosecond");
    let cities = Cities::demo();
    let plan = Plan::new(
        PlanConfig::new(args.seed, args.cases, args.days, now),
        &cities,
    );
    let expected = Tally::expected(&plan);
    println!(
        "demo-data: {} cases over {} days (seed {}): {} messages from {} agencies",
        plan.cases.len(),
        args.days,
        args.seed,
        expected.submitted(),
        cities.agencies().len()
    );
    if args.dry_run {
        println!("{expected}");
        return Ok(ExitCode::SUCCESS);
    }

    let pool = hub_database(&args).await?;
    // The people (their pseudonyms) depend on the seed alone; their dates, and so the
    // message ids, also on the day the population is planned.
    let subjects: Vec<String> = plan.cases.iter().map(|c| c.subject.to_string()).collect();
    let known: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM cases WHERE subject = ANY($1))
              + (SELECT count(*) FROM consents WHERE subject = ANY($1))",
    )
    .bind(&subjects)
    .fetch_one(&pool)
    .await
    .context("reading the hub's cases (has `hub migrate` or `hub serve` run on it?)")?;
    if known > 0 {
        println!(
            "demo-data: the hub already holds cases or consents of the population of seed {}; \
             nothing sent (another --seed adds another population)",
            args.seed
        );
        return Ok(ExitCode::from(3));
    }

    let inboxes: BTreeMap<AgencyId, String> = hub::db::inboxes(&pool)
        .await
        .context("reading the agencies' inbox queues (has `hub provision` run?)")?
        .into_iter()
        .collect();
    let settings = agent_settings(&args, &cities, &inboxes)?;
    hub_ready(&args.hub_url).await?;
    preflight(&settings[0]).await?;
    fresh_data_dir(&args.data_dir)?;
    let mut running = Vec::new();
    let mut stores = Vec::new();
    for s in &settings {
        let store = agent::Store::open(&s.agent.data_dir)
            .await
            .with_context(|| format!("opening the store in {}", s.agent.data_dir.display()))?;
        let credentials = s.credentials()?;
        running.push(agent::service::start(s.clone(), credentials, store.clone()));
        stores.push((s.agent.id.clone(), store));
    }
    let driver = Driver::new(
        stores,
        DriveOptions {
            concurrency: args.concurrency,
            answer_timeout: Duration::from_secs(60),
            progress_every: args.progress_every,
        },
    );
    let result = drive(&driver, &plan, &pool).await;
    for agent in running {
        agent.stop().await;
    }
    let (tally, elapsed) = result?;

    let seconds = elapsed.as_secs_f64();
    println!("{tally}");
    println!(
        "demo-data: {} cases, {} messages in {seconds:.1} s: {:.0} messages/s \
         (each answered by the hub before the case's next; {:.1} s in all with start-up)",
        tally.cases,
        tally.submitted(),
        tally.submitted() as f64 / seconds,
        began.elapsed().as_secs_f64()
    );
    if !tally.unexpected.is_empty() {
        for u in tally.unexpected.iter().take(20) {
            eprintln!(
                "demo-data: case {} step {} ({}): planned {}, the hub answered {}",
                u.case_id, u.step, u.message_type, u.expected, u.got
            );
        }
        eprintln!(
            "demo-data: {} answers differ from the plan (a bug in the planner, or in the hub)",
            tally.unexpected.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    if tally != expected {
        eprintln!("demo-data: the tally differs from the plan's:\n{expected}");
        return Ok(ExitCode::FAILURE);
    }
    println!("demo-data: every answer as planned");
    Ok(ExitCode::SUCCESS)
}

/// The hub's database, to see whether this population is there already and to check the
/// hub's backdating.
async fn hub_database(args: &Args) -> anyhow::Result<PgPool> {
    let url = args.database_url.as_deref().context(
        "no hub database: set HANDOVER_PG_URL (`source .local/env` after deploy/services.sh) \
         or give --database-url",
    )?;
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .context("connecting to the hub's database (is PostgreSQL up? run deploy/services.sh)")
}

/// Each agency's agent settings: AMQPS with its client certificate, its inbox as provisioned,
/// its store under the data directory. Fails naming every missing certificate file.
fn agent_settings(
    args: &Args,
    cities: &Cities,
    inboxes: &BTreeMap<AgencyId, String>,
) -> anyhow::Result<Vec<agent::Settings>> {
    let pki = args.pki_dir.as_deref().context(
        "no certificates: set HANDOVER_PKI_DIR (`source .local/env` after deploy/services.sh) \
         or give --pki-dir",
    )?;
    let ca = pki.join("ca.pem");
    let mut missing: Vec<PathBuf> = Vec::new();
    if !ca.is_file() {
        missing.push(ca.clone());
    }
    let mut settings = Vec::new();
    for id in cities.agencies() {
        let tls = broker::TlsFiles {
            ca_file: ca.clone(),
            cert_file: pki.join("clients").join(format!("{id}.pem")),
            key_file: pki.join("clients").join(format!("{id}.key")),
        };
        missing.extend(
            [&tls.cert_file, &tls.key_file]
                .into_iter()
                .filter(|f| !f.is_file())
                .cloned(),
        );
        let inbox = inboxes.get(&id).cloned().with_context(|| {
            format!("{id} has no inbox queue: run `hub provision` with config/agencies.toml")
        })?;
        settings.push(agent::Settings {
            agent: agent::settings::AgentSettings {
                opened_messages_days: None,
                shutdown_grace_seconds: 20,
                data_dir: args.data_dir.join(id.as_str()),
                id,
                relay_interval_ms: 20,
                prefetch: 256,
                pseudonym_key_file: None,
                pseudonym_key: None,
            },
            broker: agent::settings::BrokerSettings {
                host: args.host.clone(),
                port: args.port,
                nodes: Vec::new(),
                vhost: args.vhost.clone(),
                password: None,
                password_file: None,
                tls: Some(tls),
                inbox_queue: Some(inbox),
                inbox_queue_file: None,
                user: None,
            },
            http: Default::default(),
        });
    }
    if !missing.is_empty() {
        anyhow::bail!(
            "missing certificate files: {}. Run `bash deploy/services.sh`: it makes a client \
             certificate for every agency in config/agencies.toml",
            missing
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(settings)
}

/// The hub must be up before the agents start: each announces a new sealing key, which a hub
/// started later would still record, so a failed start would leave keys behind.
async fn hub_ready(url: &str) -> anyhow::Result<()> {
    let url = format!("{}/readyz", url.trim_end_matches('/'));
    let response = broker::http_client()
        .timeout(Duration::from_secs(5))
        .build()?
        .get(&url)
        .send()
        .await
        .with_context(|| {
            format!("no hub answers at {url}: start `hub serve` (deploy/demo-data.sh does), or give --hub-url")
        })?;
    anyhow::ensure!(
        response.status().is_success(),
        "the hub at {url} is not ready ({}): {}",
        response.status(),
        response.text().await.unwrap_or_default()
    );
    Ok(())
}

/// Connects once as the first agency, so a broker that is down or refuses the certificate
/// is a clear error rather than agents retrying in the background.
async fn preflight(settings: &agent::Settings) -> anyhow::Result<()> {
    let endpoint = settings.endpoint();
    let where_ = format!(
        "the broker at {}:{} (vhost {}) as {}",
        endpoint.host, endpoint.port, endpoint.vhost, settings.agent.id
    );
    let connection = tokio::time::timeout(
        Duration::from_secs(15),
        broker::connect(&endpoint, &settings.credentials()?, "demo-data preflight"),
    )
    .await
    .with_context(|| format!("timed out connecting to {where_}"))?
    .with_context(|| {
        format!(
            "connecting to {where_} (is RabbitMQ up with TLS, and the agency provisioned? run \
             deploy/services.sh, then `hub provision`)"
        )
    })?;
    let _ = connection.close(200, "preflight done".into()).await;
    Ok(())
}

/// Removes the stores of an earlier run and makes the directory again, with a marker so a
/// later run knows it may delete it.
fn fresh_data_dir(dir: &Path) -> anyhow::Result<()> {
    const MARKER: &str = ".demo-data";
    if dir.exists() {
        let ours = dir.join(MARKER).is_file()
            || std::fs::read_dir(dir)
                .with_context(|| format!("reading {}", dir.display()))?
                .next()
                .is_none();
        anyhow::ensure!(
            ours,
            "{} exists and is not a demo-data directory; not deleting it (give --data-dir)",
            dir.display()
        );
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("making {}", dir.display()))?;
    std::fs::write(
        dir.join(MARKER),
        "The stores of the demo-data agents; demo-data deletes and remakes this directory.\n",
    )
    .with_context(|| format!("writing into {}", dir.display()))?;
    Ok(())
}

/// Waits for the hub, drives the oldest case alone and checks the hub dated it by the
/// message (backfill on), then drives the rest. The tally and the time the cases took.
async fn drive(driver: &Driver, plan: &Plan, pool: &PgPool) -> anyhow::Result<(Tally, Duration)> {
    driver
        .wait_until_ready(Duration::from_secs(60))
        .await
        .context("waiting for the hub to answer the agents")?;
    println!("demo-data: the hub answers every agent; loading");
    let started = Instant::now();
    let (first, rest) = plan.cases.split_at(1);
    let mut tally = driver.run(first, |_| {}).await?;
    check_backdating(pool, plan).await?;
    let total = plan.cases.len();
    tally.merge(
        driver
            .run(rest, |p| {
                let mut p = *p;
                p.cases_done += 1;
                p.cases = total;
                println!("  {p}");
            })
            .await?,
    );
    Ok((tally, started.elapsed()))
}

/// The oldest case's opening must carry its simulated date, or the hub runs without
/// backfill (or with too little) and every figure would be dated today.
async fn check_backdating(pool: &PgPool, plan: &Plan) -> anyhow::Result<()> {
    let case = &plan.cases[0];
    let Some(opening) = case.steps.iter().find(|s| s.mark == Mark::OpensCase) else {
        return Ok(());
    };
    let opened: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT opened_at FROM cases WHERE case_id = $1")
            .bind(case.case_id.as_str())
            .fetch_optional(pool)
            .await
            .context("reading the hub's cases")?;
    match opened {
        Some(at) if at == opening.at => Ok(()),
        Some(at) => anyhow::bail!(
            "the hub dated case {} at {at}, not at its message's date {}: run `hub serve` with \
             HUB__HUB__BACKFILL_DAYS of at least {} (deploy/demo-data.sh does)",
            case.case_id,
            opening.at,
            plan.config.days
        ),
        None => anyhow::bail!(
            "case {} is not in the hub's database after its release notice was answered: is \
             --database-url the database of the hub that serves this broker?",
            case.case_id
        ),
    }
}
