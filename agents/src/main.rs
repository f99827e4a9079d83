//! The `agent` command: run the agent, send a message, read the inbox, manage sealing keys,
//! find and enter people in the person register.

use std::io::Read;
use std::path::PathBuf;

use agent::access_log::{self, Action, Actor};
use agent::store::Accepted;
use agent::{Settings, Store, SubmitError, keys, people, present, sealing};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// An agency's agent for the handover hub.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The agent's settings file.
    #[arg(long, env = "AGENT_CONFIG")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the agent: publish the outbox, receive into the inbox (and serve the HTTP API and
    /// inbox page when `http.listen` is set), until SIGTERM or Ctrl-C.
    Run,
    /// Validate a message (FILE, or - for standard input) and queue it for the hub.
    Send {
        /// The message; envelope ids, time and sender are filled in when missing.
        file: String,
    },
    /// List received messages, newest first.
    Inbox {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Show one received message (and mark it opened).
    Show {
        /// Its message id.
        id: String,
        /// Its sender, where several agencies used the same message id.
        #[arg(long)]
        sender: Option<String>,
    },
    /// List sent messages and what became of them.
    Outbox {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// The agency's sealing keys and the hub's key directory.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The person register: the people this agency knows.
    Persons {
        #[command(subcommand)]
        command: PersonsCommand,
    },
    /// The access log: who at this agency saw or did what, about which message and person.
    AccessLog {
        #[command(subcommand)]
        command: AccessLogCommand,
    },
    /// Write a consistent copy of the whole store (messages, person register, sealing keys,
    /// access log) to FILE, while the agent runs. FILE must not exist; it is made mode 600.
    Backup {
        /// Where the copy goes.
        #[arg(long)]
        to: PathBuf,
    },
    /// Make the agency's broker client key and a certificate request for the hub operator:
    /// DIR/<agency>.key (mode 600, stays here) and DIR/<agency>.csr (send it to the hub
    /// operator for `hub agency certify`). Also how the certificate is renewed.
    Enroll {
        /// Where the key and the request go; an existing key there is never replaced.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AccessLogCommand {
    /// Export entries, oldest first (a person's request: `--subject`; one user's: `--user`).
    Export {
        /// Only about this person (pseudonym).
        #[arg(long)]
        subject: Option<String>,
        /// Only by this user or system: a caseworker's sign-in name (`mette.holm`), or as logged
        /// (`api:case-system`, `cli:kari`).
        #[arg(long)]
        user: Option<String>,
        /// `csv` or `json`.
        #[arg(long, default_value = "csv")]
        format: String,
    },
    /// Check the hash chain: every entry unchanged, none removed or inserted.
    Verify,
}

#[derive(Subcommand)]
enum PersonsCommand {
    /// Find people by national identity number (any written form) or part of a name.
    Find {
        /// A number or part of a name.
        query: String,
    },
    /// The person has a new national identity number (a D-nummer replaced by a
    /// fødselsnummer, a samordningsnummer by a personnummer): enter them under it and tell the
    /// hub that the two pseudonyms are one person.
    Link {
        /// The person's pseudonym now (`persons find` shows it).
        #[arg(long)]
        subject: String,
        /// The country that issued the new number: DK, NO or SE.
        #[arg(long)]
        jurisdiction: String,
        /// The new number, as written.
        #[arg(long)]
        national_id: String,
    },
    /// Key rotation, this agency's share: enter everyone in the register under the pseudonym
    /// the new key gives, and queue a link for the hub for each person with a case. Run it
    /// before switching `agent.pseudonym_key_file` to the new key.
    Rederive {
        /// A file holding the new key (64 hex digits).
        #[arg(long)]
        new_key_file: PathBuf,
    },
    /// Enter a person by national identity number and name; prints their pseudonym.
    Add {
        /// The country that issued the number: DK, NO or SE.
        #[arg(long)]
        jurisdiction: String,
        /// The national identity number, as written.
        #[arg(long)]
        national_id: String,
        /// The person's name.
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// List this agency's keys (public parts) and the key directory from the hub.
    List,
    /// Make a new current key and queue it for the hub; the old keys are kept for opening.
    Rotate,
}

#[tokio::main]
async fn main() -> ExitCode {
    broker::service::init_logging();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("agent: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&cli.config)?;
    // Times are shown in the agency's local time.
    agent::present::ZONE
        .scope(
            agent::present::zone_of(&settings.agent.id),
            run_with(cli, settings),
        )
        .await
}

async fn run_with(cli: Cli, settings: Settings) -> anyhow::Result<ExitCode> {
    if let Command::Enroll { out } = &cli.command {
        // Needs no store: the key is the agency's, made here and kept here.
        let written = agent::enroll::write(out, &settings.agent.id)?;
        println!(
            "made {} (secret: keep it here, mode 600; broker.tls.key_file) and {} (send it to the \
             hub operator for `hub agency certify`)",
            written.key.display(),
            written.csr.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Run = cli.command {
        agent::run(settings, broker::service::shutdown_signal()).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let store = Store::open(&settings.agent.data_dir)
        .await
        .context("opening the local store")?;
    let me = settings.agent.id.clone();
    match cli.command {
        Command::Send { file } => {
            let mut draft = Vec::new();
            if file == "-" {
                std::io::stdin()
                    .read_to_end(&mut draft)
                    .context("reading standard input")?;
            } else {
                draft = std::fs::read(&file).with_context(|| format!("reading {file}"))?;
            }
            let key = settings.pseudonym_key()?;
            match agent::submit_with(&store, &me, key.as_ref(), &draft).await {
                Ok((message, Accepted::New)) => {
                    let e = &message.envelope;
                    sent(&store, &message).await?;
                    let mut to: Vec<&str> = e.recipients.iter().map(|r| r.as_str()).collect();
                    if to.is_empty() {
                        to.push("the hub");
                    }
                    println!(
                        "accepted {} {} for {}; queued for the hub",
                        e.message_type,
                        e.message_id,
                        to.join(", ")
                    );
                }
                Ok((message, Accepted::AlreadyAccepted)) => {
                    println!(
                        "already accepted {}; nothing changed",
                        message.envelope.message_id
                    );
                }
                Err(SubmitError::Store(e)) => return Err(e.into()),
                Err(e) => {
                    eprintln!(
                        "agent: not accepted: {}",
                        broker::terminal::printable(&e.to_string())
                    );
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Inbox { limit } => {
            let inbox = store.inbox(limit).await?;
            if inbox.is_empty() {
                println!("the inbox is empty");
            }
            for m in inbox {
                let mark = match (m.quarantined_at, m.opened_at) {
                    (Some(_), _) => "Q",
                    (None, Some(_)) => " ",
                    (None, None) => "*",
                };
                let line = format!(
                    "{}  {}  {:<20} from {:<28} case {:<16} {}",
                    mark,
                    m.received_at.format("%Y-%m-%d %H:%M"),
                    m.message_type,
                    m.sender,
                    m.case_id.as_deref().unwrap_or("-"),
                    m.message_id
                );
                println!("{}", broker::terminal::printable_line(&line));
            }
        }
        Command::Show { id, sender } => match store
            .open_message(&id, sender.as_deref(), chrono::Utc::now())
            .await?
        {
            None => {
                eprintln!("agent: no message {id} in the inbox");
                return Ok(ExitCode::from(1));
            }
            Some(m) => {
                if m.quarantined_at.is_some() {
                    eprintln!(
                        "agent: message {id} is quarantined: it came under a consent that was \
                         withdrawn before anyone opened it, and can no longer be opened"
                    );
                    return Ok(ExitCode::from(1));
                }
                let message =
                    schemas::decode(&m.payload).context("a stored message no longer decodes")?;
                let sealed = sealing::open(&store, &me, &message).await?;
                let identity = agent::people::open_identity(&store, &me, &message).await?;
                access_log::opened(
                    &store,
                    &Actor::cli(),
                    &message,
                    sealed.as_ref(),
                    identity.as_ref(),
                )
                .await?;
                // Free text from another agency: nothing in it may steer the terminal.
                print!(
                    "{}",
                    present::describe_for_terminal(&message, sealed.as_ref(), identity.as_ref())
                );
            }
        },
        Command::Keys {
            command: KeysCommand::List,
        } => list_keys(&store).await?,
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let published = keys::rotate(&store, &me, chrono::Utc::now()).await?;
            println!(
                "new current key {}; queued for the hub as {} (the previous keys are kept, so \
                 what was sealed to them still opens)",
                published.key.key_id, published.message_id
            );
        }
        Command::Persons {
            command: PersonsCommand::Find { query },
        } => {
            let found = people::search(&store, &query, chrono::Utc::now().date_naive()).await?;
            let subjects: Vec<&str> = found.iter().map(|p| p.subject.as_str()).collect();
            access_log::about_people(&store, &Actor::cli(), Action::PersonFound, &subjects).await?;
            if found.is_empty() {
                println!("nobody in this agency's register matches");
            }
            for p in found {
                let line = format!("{}  {}", present::person_words(&p.identity), p.subject);
                println!("{}", broker::terminal::printable_line(&line));
            }
        }
        Command::Persons {
            command:
                PersonsCommand::Link {
                    subject,
                    jurisdiction,
                    national_id,
                },
        } => {
            let Some(jurisdiction) = jurisdiction_of(&jurisdiction) else {
                eprintln!("agent: --jurisdiction is DK, NO or SE");
                return Ok(ExitCode::from(1));
            };
            let person = match schemas::Pseudonym::try_from(subject) {
                Ok(subject) => people::find(&store, &subject).await?,
                Err(_) => None,
            };
            let Some(person) = person else {
                eprintln!("agent: --subject: nobody with this pseudonym is in the register");
                return Ok(ExitCode::from(1));
            };
            let Some(key) = settings.pseudonym_key()? else {
                eprintln!("agent: {}", people::PersonError::NoKey);
                return Ok(ExitCode::from(1));
            };
            let now = chrono::Utc::now();
            let linked = people::new_number(
                &store,
                &key,
                &person,
                jurisdiction,
                &national_id,
                None,
                schemas::messages::LinkReason::NumberChanged,
                now,
            )
            .await;
            let (current, identity, draft) = match linked {
                Ok(found) => found,
                Err(e) => {
                    eprintln!("agent: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            let (message, _) = agent::submit(&store, &me, draft.to_string().as_bytes()).await?;
            sent(&store, &message).await?;
            people::enter(&store, &Actor::cli(), &current, &identity, now).await?;
            println!(
                "{} now {current}; queued for the hub as {}",
                person.subject, message.envelope.message_id
            );
        }
        Command::Persons {
            command: PersonsCommand::Rederive { new_key_file },
        } => {
            let new_key = agent::people::PseudonymKey::from_file(&new_key_file)?;
            let done =
                people::rederive(&store, &me, &Actor::cli(), &new_key, chrono::Utc::now()).await?;
            println!(
                "{} people entered under the new key; {} links queued for the hub; {} without a \
                 case in this agency's messages (another agency of their case links them)",
                done.people, done.linked, done.without_case
            );
        }
        Command::Persons {
            command:
                PersonsCommand::Add {
                    jurisdiction,
                    national_id,
                    name,
                },
        } => {
            let Some(jurisdiction) = jurisdiction_of(&jurisdiction) else {
                eprintln!("agent: --jurisdiction is DK, NO or SE");
                return Ok(ExitCode::from(1));
            };
            let Some(key) = settings.pseudonym_key()? else {
                eprintln!("agent: {}", people::PersonError::NoKey);
                return Ok(ExitCode::from(1));
            };
            let now = chrono::Utc::now();
            let (id, identity) =
                match people::identity_from(jurisdiction, &national_id, &name, now.date_naive()) {
                    Ok(found) => found,
                    Err(e) => {
                        eprintln!("agent: {e}");
                        return Ok(ExitCode::from(1));
                    }
                };
            let subject = key.pseudonym(&id);
            people::enter(&store, &Actor::cli(), &subject, &identity, now).await?;
            println!("{subject}");
        }
        Command::AccessLog {
            command:
                AccessLogCommand::Export {
                    subject,
                    user,
                    format,
                },
        } => {
            let entries = access_log::entries(
                &store,
                &access_log::Filter {
                    subject,
                    actor: user,
                },
            )
            .await?;
            match format.as_str() {
                "csv" => print!("{}", access_log::csv(&entries)),
                "json" => println!("{}", serde_json::to_string_pretty(&entries)?),
                _ => {
                    eprintln!("agent: --format is csv or json");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Enroll { .. } | Command::Run => {
            unreachable!("enroll and run return before the store is opened")
        }
        Command::Backup { to } => {
            store.backup_to(&to).await?;
            println!(
                "the store is copied to {} (it holds private keys: keep it as safe as the store)",
                to.display()
            );
        }
        Command::AccessLog {
            command: AccessLogCommand::Verify,
        } => match access_log::verify(&store).await? {
            Ok(n) => println!("the access log verifies: {n} entries, the chain unbroken"),
            Err(broken) => {
                eprintln!("agent: the access log does not verify: {broken}");
                return Ok(ExitCode::from(1));
            }
        },
        Command::Outbox { limit } => {
            for m in store.outbox(limit).await? {
                let reason = m
                    .answer_reason
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                let line = format!(
                    "{}  {:<20} {:<20}{}  {}",
                    m.accepted_at.format("%Y-%m-%d %H:%M"),
                    m.message_type,
                    m.status,
                    reason,
                    m.message_id
                );
                println!("{}", broker::terminal::printable_line(&line));
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Logs that the command line's user sent `message`.
async fn sent(store: &Store, message: &schemas::Message) -> anyhow::Result<()> {
    let message_id = message.envelope.message_id.to_string();
    access_log::record(
        store,
        access_log::Access {
            actor: &Actor::cli(),
            action: Action::MessageSent,
            message_id: Some(&message_id),
            sender: None,
            subject: message.envelope.subject.as_ref().map(|s| s.as_str()),
        },
    )
    .await?;
    Ok(())
}

fn jurisdiction_of(text: &str) -> Option<schemas::Jurisdiction> {
    match text.to_ascii_uppercase().as_str() {
        "DK" => Some(schemas::Jurisdiction::DK),
        "NO" => Some(schemas::Jurisdiction::NO),
        "SE" => Some(schemas::Jurisdiction::SE),
        _ => None,
    }
}

async fn list_keys(store: &Store) -> anyhow::Result<()> {
    let own = store.own_keys().await?;
    if own.is_empty() {
        println!("this agency has no sealing key yet; `agent run` makes and publishes one");
    } else {
        println!("this agency's keys:");
    }
    for k in &own {
        let state = match k.retired_at {
            None => "current".to_owned(),
            Some(at) => format!("retired {}", at.format("%Y-%m-%d %H:%M")),
        };
        println!(
            "  {}  created {}  {}",
            k.key_id,
            k.created_at.format("%Y-%m-%d %H:%M"),
            state
        );
    }
    match store.directory().await? {
        None => println!("no key directory from the hub yet"),
        Some(d) => {
            println!(
                "key directory version {} (received {}):",
                d.version,
                d.received_at.format("%Y-%m-%d %H:%M")
            );
            for k in &d.keys {
                println!(
                    "  {:<28} {:<24} {}  {:<7}{}",
                    k.agency,
                    present::role(k.role),
                    k.key_id,
                    if k.current { "current" } else { "retired" },
                    if k.protected_location {
                        "  may hold protected locations"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    Ok(())
}
