//! Backups that restore (issue 19, part 3): the hub's database by `pg_dump` and an agent's
//! store by `agent backup`, both taken while they run, restored into fresh places after the
//! originals are lost. After the restore the audit chain and the access log verify, an old
//! sealed identity still opens, the restored hub and agent go on working, and nothing is
//! delivered twice.

use std::collections::BTreeMap;
use std::process::Command;

use agent::access_log::{self, Actor};
use e2e::{TestEnv, draft, eventually, refusal};
use schemas::MessageType;
use serde_json::{Value, json};

/// A release notice from the prison that names its person by number, sealed to the
/// municipality (the statute covers IDENTITY).
fn notice(env: &TestEnv, case: &str) -> Value {
    let a = &env.agencies;
    let mut m = draft(
        "ReleaseNotice",
        &a.prison,
        &[&a.municipality],
        case,
        "ps-0000000000000000",
    );
    m["envelope"].as_object_mut().unwrap().remove("subject");
    m["person"] =
        json!({"jurisdiction": "DK", "national_id": "0707614285", "name": "Testa Backupsen"});
    m
}

fn run(command: &mut Command) {
    let output = command.output().expect("the command runs");
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_hub_database_and_an_agent_store_restored_from_backups_verify_open_and_go_on_once() {
    let mut env = TestEnv::new().await;
    let a = env.agencies.clone();
    let hub = env.start_hub().await;
    let prison = env.start_agent(&a.prison).await;
    let mut municipality = env.start_agent(&a.municipality).await;
    prison.knows_keys_of(&[&a.municipality]).await;

    // Before the backup: a notice with a sealed identity, received and opened by a caseworker.
    let first = prison.submit(&notice(&env, "KBH-2026-8101")).await;
    assert_eq!(
        refusal(&prison.answer_to(first.envelope.message_id).await),
        None
    );
    let received = municipality.received(MessageType::ReleaseNotice).await;
    let identity = agent::people::open_identity(&municipality.store, &municipality.id, &received)
        .await
        .unwrap();
    assert!(matches!(
        identity,
        Some(agent::people::IdentityView::Shared(_))
    ));
    access_log::opened(
        &municipality.store,
        &Actor::page("mette.holm"),
        &received,
        None,
        identity.as_ref(),
    )
    .await
    .unwrap();
    let log_entries = access_log::verify(&municipality.store)
        .await
        .unwrap()
        .unwrap();
    let audit_before = hub::db::verify_audit(&env.pool).await.unwrap();

    // The backups, taken while everything runs, as the README says.
    let scratch = tempfile_dir();
    let dump = scratch.join("hub.dump");
    let db_url = env.hub_settings.database.url.expose().to_owned();
    run(Command::new("pg_dump")
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&db_url));
    let copy = scratch.join("agent.db");
    municipality.store.backup_to(&copy).await.unwrap();

    // Everything is lost: the hub and the agent stop, the agent's folder goes, and the hub
    // comes back on a database restored from the dump.
    hub.stop().await;
    municipality.stop().await;
    let data_dir = municipality.settings.agent.data_dir.clone();
    std::fs::remove_dir_all(&data_dir).unwrap();
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::copy(&copy, data_dir.join("agent.db")).unwrap();
    let restored_db = format!("{}_restored", db_url.rsplit('/').next().unwrap());
    let admin = sqlx::PgPool::connect(&env.services.pg_admin_url)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE \"{restored_db}\""
    )))
    .execute(&admin)
    .await
    .unwrap();
    let restored_url = env.services.database_url(&restored_db);
    run(Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&restored_url)
        .arg(&dump));
    env.hub_settings.database.url = restored_url.as_str().into();
    let restored_pool = sqlx::PgPool::connect(&restored_url).await.unwrap();

    // The records the law needs verify as before.
    assert_eq!(
        hub::db::verify_audit(&restored_pool).await.unwrap(),
        audit_before
    );
    let (_, store) = env.agent_store(&a.municipality).await;
    assert_eq!(
        access_log::verify(&store).await.unwrap().unwrap(),
        log_entries
    );
    // The old sealed identity still opens: the sealing keys came back with the store.
    let held = store
        .inbox_message(&first.envelope.message_id.to_string(), None)
        .await
        .unwrap()
        .expect("the first notice is in the restored store");
    let message = schemas::decode(&held.payload).unwrap();
    assert_eq!(
        agent::people::open_identity(&store, &a.municipality, &message)
            .await
            .unwrap(),
        identity
    );
    drop(store);

    // The restored hub and agent go on: a new notice arrives, and nothing arrives twice.
    let hub = env.start_hub().await;
    municipality = env.start_agent(&a.municipality).await;
    let second = prison.submit(&notice(&env, "KBH-2026-8102")).await;
    assert_eq!(
        refusal(&prison.answer_to(second.envelope.message_id).await),
        None
    );
    eventually(
        "the new notice after the restore",
        e2e::DEADLINE,
        || async {
            municipality
                .inbox()
                .await
                .iter()
                .any(|m| m.envelope.message_id == second.envelope.message_id)
                .then_some(())
        },
    )
    .await;
    // A few relay rounds for anything the restored outbox would publish again.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let mut held: BTreeMap<String, usize> = BTreeMap::new();
    for m in municipality.inbox().await {
        *held.entry(m.envelope.message_id.to_string()).or_default() += 1;
    }
    assert!(
        held.values().all(|n| *n == 1),
        "each message once: {held:?}"
    );
    assert_eq!(held.get(&first.envelope.message_id.to_string()), Some(&1));
    let unpublished: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE published_at IS NULL AND cancelled_at IS NULL",
    )
    .fetch_one(&restored_pool)
    .await
    .unwrap();
    assert_eq!(unpublished, 0);
    assert!(matches!(
        hub::db::verify_audit(&restored_pool).await.unwrap(),
        hub::db::AuditCheck::Intact { .. }
    ));

    hub.stop().await;
    municipality.stop().await;
    restored_pool.close().await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{restored_db}\" WITH (FORCE)"
    )))
    .execute(&admin)
    .await;
    let _ = std::fs::remove_dir_all(&scratch);
}

/// A fresh folder for the backups.
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("handover-backup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
