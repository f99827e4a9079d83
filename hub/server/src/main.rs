//! The `hub` command: serve, provision, inspect.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hub::db::{self, AuditCheck};
use hub::{Settings, provision};
use schemas::{AgencyId, AgencyRole, Jurisdiction};

/// The inter-agency handover hub.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Directory with hub.toml, agencies.toml and statutes.toml.
    #[arg(long, env = "HUB_CONFIG_DIR", default_value = "config")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the hub until SIGTERM or Ctrl-C.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create the broker topology, the hub's user and every configured agency (idempotent).
    Provision,
    /// Manage agencies.
    #[command(subcommand)]
    Agency(AgencyCommand),
    /// Inspect refused input.
    #[command(subcommand, name = "dead-letters")]
    DeadLetters(DeadLetterCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The sealing-key directory the hub distributes (public keys only).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// What the national contact point may see.
    #[command(subcommand, name = "contact-point")]
    ContactPoint(ContactPointCommand),
    /// A person's disclosure log (GDPR art. 15): every delivery of data about them.
    Disclosures {
        /// The person's pseudonym.
        #[arg(long)]
        subject: schemas::Pseudonym,
        /// json or csv.
        #[arg(long, default_value = "json", value_parser = ["json", "csv"])]
        format: String,
    },
    /// The register of processing activities (GDPR art. 30), from the configuration.
    Register {
        /// json, csv or md.
        #[arg(long, default_value = "md")]
        format: hub::http::register::Format,
    },
}

#[derive(Subcommand)]
enum AgencyCommand {
    /// Register an agency: directory row, broker user, submit exchange and inbox.
    Add {
        /// Its id: lower-case letters, digits and '-'.
        #[arg(long)]
        id: AgencyId,
        /// Its name for people.
        #[arg(long)]
        name: String,
        /// municipality, police, prison_probation, employment or national_contact_point.
        #[arg(long, value_parser = parse_role)]
        role: AgencyRole,
        /// DK, NO or SE.
        #[arg(long, value_parser = parse_jurisdiction)]
        jurisdiction: Jurisdiction,
        /// Where it works, for the contact point's figures by region.
        #[arg(long)]
        region: Option<String>,
    },
    /// List registered agencies.
    List,
    /// Certify the key an agency made itself (`agent enroll`): check its request (signature,
    /// CN = a registered agency id, no other names), sign a client certificate with the CA and
    /// write the bundle for the agency: <agency>.pem, ca.pem, inbox, README.txt.
    Certify {
        /// The agency's certificate request (PEM).
        #[arg(long)]
        csr: PathBuf,
        /// The CA's certificate (PEM), the one the broker trusts for client certificates.
        #[arg(long)]
        ca_cert: PathBuf,
        /// The CA's private key (PKCS#8 PEM).
        #[arg(long)]
        ca_key: PathBuf,
        /// How long the certificate is valid, in days.
        #[arg(long, default_value_t = hub::agency::DEFAULT_DAYS)]
        days: u32,
        /// The bundle directory to make (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Stop an agency's traffic at once, keeping all its records: revoke its broker
    /// permissions, close its connections, refuse what it still has in flight.
    Disable {
        /// The agency.
        #[arg(long)]
        id: AgencyId,
    },
    /// Undo `disable`.
    Enable {
        /// The agency.
        #[arg(long)]
        id: AgencyId,
    },
    /// `disable`, then delete its broker user and inbox queue; its records in the database
    /// (messages, disclosure log, audit log, cases) are kept.
    Remove {
        /// The agency.
        #[arg(long)]
        id: AgencyId,
    },
}

#[derive(Subcommand)]
enum DeadLetterCommand {
    /// The most recent refused inputs, newest first (bodies are not printed).
    List {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Every published key: agency, key id (derived from the key), when, current or rotated out.
    List,
}

#[derive(Subcommand)]
enum ContactPointCommand {
    /// Relocations requested in a closed period, per jurisdiction, as counts only (under 5
    /// suppressed), as JSON.
    Relocations {
        /// A closed month (2026-11), quarter (2026-Q3) or year (2025); by default the last
        /// closed quarter.
        #[arg(long)]
        period: Option<String>,
    },
    /// Logins to the contact point's dashboard.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a login, or replace its role, jurisdiction and password. The password is read from
    /// HUB_DASHBOARD_PASSWORD, or else from the first line of standard input.
    Add {
        /// The login name: lower-case letters, digits, '-' or '.'.
        #[arg(long)]
        name: String,
        /// analyst (every view, pseudonymous rows too) or statistician (aggregates only).
        #[arg(long)]
        role: hub::http::dashboard::auth::Role,
        /// Whose figures it sees: DK, NO or SE.
        #[arg(long, value_parser = parse_jurisdiction)]
        jurisdiction: Jurisdiction,
    },
    /// List logins.
    List,
    /// Disable a login and end its sessions.
    Disable {
        /// The login name.
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain and every batch entry's tree hash against its messages' records;
    /// exits 1 when either is broken.
    Verify,
    /// Show that one message is in the audit log: the path from its leaf (made again from its
    /// record and disclosure log) to its batch entry's tree hash; exits 1 when there is none.
    Prove {
        /// The agency that sent it.
        #[arg(long)]
        sender: AgencyId,
        /// Its message id.
        #[arg(long)]
        message_id: uuid::Uuid,
    },
}

fn parse_role(s: &str) -> Result<AgencyRole, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
        "expected municipality, police, prison_probation, employment or national_contact_point"
            .to_owned()
    })
}

fn parse_jurisdiction(s: &str) -> Result<Jurisdiction, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| "expected DK, NO or SE".to_owned())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    broker::service::init_logging();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hub: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let settings = Settings::load(&cli.config)?;
    let pool = || async {
        let pool = db::connect(settings.database.url.expose(), 4)
            .await
            .context("connecting to PostgreSQL")?;
        db::MIGRATOR
            .run(&pool)
            .await
            .context("applying migrations")?;
        anyhow::Ok(pool)
    };
    match cli.command {
        Command::Serve => {
            let shared = hub::prepare(settings.clone()).await?;
            hub::run(shared, broker::service::shutdown_signal()).await?;
        }
        Command::Migrate => {
            pool().await?;
            println!("database is up to date");
        }
        Command::Provision => {
            let pool = pool().await?;
            provision::provision_all(&settings, &pool).await?;
            println!(
                "provisioned vhost {:?}: the hub and {} agencies",
                settings.broker.vhost,
                settings.agencies.len()
            );
        }
        Command::Agency(AgencyCommand::Add {
            id,
            name,
            role,
            jurisdiction,
            region,
        }) => {
            let pool = pool().await?;
            let management = provision::management(&settings)?;
            let password = provision::agency_password(&settings.hub.secrets_dir, &id)?;
            let agency = hub_core::Agency {
                id: id.clone(),
                role,
                jurisdiction,
                name,
            };
            let place = provision::Place {
                management: &management,
                pool: &pool,
                vhost: &settings.broker.vhost,
                user_prefix: &settings.broker.user_prefix,
                secrets_dir: &settings.hub.secrets_dir,
            };
            provision::add_agency(&place, &agency, region.as_deref(), &password).await?;
            println!(
                "registered {id}; give its agent the broker password in {} and its inbox's name in {} \
                 (agent settings broker.password_file, broker.inbox_queue_file)",
                provision::password_file(&settings.hub.secrets_dir, &id).display(),
                provision::inbox_file(&settings.hub.secrets_dir, &id).display()
            );
        }
        Command::Agency(AgencyCommand::List) => {
            let pool = pool().await?;
            let directory = db::load_directory(&pool).await?;
            for a in directory.iter() {
                println!(
                    "{:<32} {:<24} {:?}  {}",
                    a.id,
                    format!("{:?}", a.role),
                    a.jurisdiction,
                    a.name
                );
            }
            for (id, since) in hub::agency::disabled(&pool).await? {
                println!("{id:<32} disabled since {since}");
            }
        }
        Command::Agency(AgencyCommand::Certify {
            csr,
            ca_cert,
            ca_key,
            days,
            out,
        }) => {
            let read = |path: &PathBuf| {
                std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
            };
            let (csr, ca_cert, ca_key) = (read(&csr)?, read(&ca_cert)?, read(&ca_key)?);
            let pool = pool().await?;
            let prefix = &settings.broker.user_prefix;
            let bundle =
                hub::agency::certify(&pool, prefix, &csr, &ca_cert, &ca_key, days, &out).await?;
            println!(
                "certified {} (broker user {}) for {days} days; give the agency the directory {} \
                 ({}.pem, ca.pem, inbox, README.txt: nothing in it is secret)",
                bundle.agency,
                bundle.user,
                bundle.dir.display(),
                bundle.agency
            );
        }
        Command::Agency(
            ref command @ (AgencyCommand::Disable { ref id }
            | AgencyCommand::Enable { ref id }
            | AgencyCommand::Remove { ref id }),
        ) => {
            let pool = pool().await?;
            let management = provision::management(&settings)?;
            let broker = hub::agency::Broker {
                management: &management,
                vhost: &settings.broker.vhost,
                user_prefix: &settings.broker.user_prefix,
            };
            match command {
                AgencyCommand::Disable { .. } => {
                    let closed = hub::agency::disable(&pool, &broker, id).await?;
                    println!(
                        "disabled {id}: its broker permissions are revoked, {closed} connection(s) \
                         closed, and the hub refuses what it still sends; all its records are kept \
                         (`hub agency enable` undoes it)"
                    );
                }
                AgencyCommand::Enable { .. } => {
                    let password = provision::agency_password(&settings.hub.secrets_dir, id)?;
                    hub::agency::enable(&pool, &broker, id, &password).await?;
                    println!("enabled {id}: it may connect and send again");
                }
                _ => {
                    hub::agency::remove(&pool, &broker, id).await?;
                    println!(
                        "removed {id}: disabled, its broker user and inbox queue deleted; its \
                         records in the database (messages, disclosure log, audit log, cases) \
                         are kept, as the law requires"
                    );
                }
            }
        }
        Command::DeadLetters(DeadLetterCommand::List { limit }) => {
            let letters = db::list_dead_letters(&pool().await?, limit).await?;
            if letters.is_empty() {
                println!("no dead letters");
            }
            for d in letters {
                // The sender and detail come from what an agency sent: print nothing that
                // could steer the terminal.
                let line = format!(
                    "{}  {}  from {:<28} {:<26} {:>8} bytes  {}",
                    d.id,
                    d.received_at.format("%Y-%m-%d %H:%M:%S"),
                    d.sender,
                    d.reason,
                    d.size_bytes,
                    d.detail
                );
                println!("{}", broker::terminal::printable_line(&line));
            }
        }
        Command::Disclosures { subject, format } => {
            let log = db::disclosures(&pool().await?, subject.as_str()).await?;
            if format == "csv" {
                print!(
                    "{}",
                    broker::terminal::printable(&hub::export::disclosures_csv(&log))
                );
            } else {
                println!("{}", serde_json::to_string_pretty(&log)?);
            }
        }
        Command::Register { format } => {
            let register = hub::http::register::generate(
                &settings,
                &settings.policy()?,
                &settings.directory(),
                Some(chrono::Utc::now()),
            );
            print!("{}", hub::http::register::render(&register, format));
        }
        Command::Keys(KeysCommand::List) => {
            let pool = pool().await?;
            let directory = db::load_directory(&pool).await?;
            let keys = hub::keys::list(&pool, &directory, &settings.policy()?).await?;
            println!("key directory version {}", keys.version);
            for k in keys.keys {
                println!(
                    "{:<32} {}  {}  {}{}",
                    k.agency,
                    k.key_id.as_str(),
                    k.published_at.format("%Y-%m-%d %H:%M:%S"),
                    if k.current { "current" } else { "rotated out" },
                    if k.protected_location {
                        "  (may hold protected locations)"
                    } else {
                        ""
                    }
                );
            }
        }
        Command::ContactPoint(ContactPointCommand::User(command)) => {
            use hub::http::dashboard::auth;
            let pool = pool().await?;
            match command {
                UserCommand::Add {
                    name,
                    role,
                    jurisdiction,
                } => {
                    let password = match std::env::var("HUB_DASHBOARD_PASSWORD") {
                        Ok(p) => p,
                        Err(_) => {
                            let mut line = String::new();
                            std::io::stdin()
                                .read_line(&mut line)
                                .context("reading the password from standard input")?;
                            line.trim_end_matches(['\r', '\n']).to_owned()
                        }
                    };
                    auth::add_user(&pool, &name, role, jurisdiction, &password)
                        .await
                        .with_context(|| format!("adding the login {name}"))?;
                    println!("login {name} ({}) may sign in", role.as_str());
                }
                UserCommand::List => {
                    for (name, role, jurisdiction, disabled) in auth::list_users(&pool).await? {
                        let state = if disabled { "disabled" } else { "enabled" };
                        println!("{name}\t{role}\t{jurisdiction}\t{state}");
                    }
                }
                UserCommand::Disable { name } => {
                    if auth::disable_user(&pool, &name).await? {
                        println!("login {name} disabled; its sessions ended");
                    } else {
                        anyhow::bail!("there is no login {name}");
                    }
                }
            }
        }
        Command::ContactPoint(ContactPointCommand::Relocations { period }) => {
            let pool = pool().await?;
            let rules = hub_core::deadlines::DeadlineRules::default();
            let mut counts = std::collections::BTreeMap::new();
            for j in [Jurisdiction::DK, Jurisdiction::NO, Jurisdiction::SE] {
                let today = hub_core::periods::local_day(chrono::Utc::now(), j);
                let period = match period.as_deref() {
                    None => hub_core::periods::Period::default_on(today),
                    Some(text) => {
                        let p: hub_core::periods::Period = text.parse()?;
                        anyhow::ensure!(
                            p.closed_on(today),
                            "{p} is not over yet: only closed periods are shown"
                        );
                        p
                    }
                };
                let c = hub::contact_point::relocations(&pool, j, period, &rules).await?;
                counts.insert(
                    format!("{j:?}"),
                    serde_json::json!({"period": period.to_string(), "relocations": c}),
                );
            }
            println!("{}", serde_json::to_string_pretty(&counts)?);
        }
        Command::Audit(AuditCommand::Verify) => match db::verify_audit(&pool().await?).await? {
            AuditCheck::Intact { entries } => {
                println!("audit log intact: {entries} audited events verified")
            }
            AuditCheck::Broken { seq, problem } => {
                println!("audit log BROKEN at entry {seq}: {problem}");
                return Ok(std::process::ExitCode::from(1));
            }
        },
        Command::Audit(AuditCommand::Prove { sender, message_id }) => {
            let proof = db::audit::prove(&pool().await?, sender.as_str(), message_id).await?;
            let (text, proven) = proof.report(sender.as_str(), message_id);
            println!("{text}");
            if !proven {
                return Ok(std::process::ExitCode::from(1));
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
