//! Upgrades (issue 19, part 4): a hub database and an agent store made by the previous
//! release migrate forward, and every table is checked after.
//!
//! The fixtures in `tests/fixtures/upgrade/` were made by the previous release's own code
//! (see the README there): a population of 30 cases through its real hub and agents, a
//! deadline sweep, a dashboard login, a caseworker opening every message at the municipality
//! and a key rotation, then `pg_dump` of the hub's database and `VACUUM INTO` of the
//! municipality's store. This release opens them as an operator upgrading would: the hub's
//! migrations on the database, the agent's on its store.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sqlx::Row;

fn fixture(name: &str) -> PathBuf {
    e2e::repo_root().join("tests/fixtures/upgrade").join(name)
}

/// Rows per table of a PostgreSQL schema.
async fn pg_counts(pool: &sqlx::PgPool) -> BTreeMap<String, i64> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut counts = BTreeMap::new();
    for table in tables {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{table}\""
        )))
        .fetch_one(pool)
        .await
        .unwrap();
        counts.insert(table, n);
    }
    counts
}

/// Rows per table of a SQLite file.
async fn sqlite_counts(pool: &sqlx::SqlitePool) -> BTreeMap<String, i64> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut counts = BTreeMap::new();
    for table in tables {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{table}\""
        )))
        .fetch_one(pool)
        .await
        .unwrap();
        counts.insert(table, n);
    }
    counts
}

/// Every table that was there keeps every row, and the new ones are there.
fn assert_kept(
    before: &BTreeMap<String, i64>,
    after: &BTreeMap<String, i64>,
    new: &[&str],
    filled_at_least: usize,
) {
    for (table, n) in before {
        if table == "_sqlx_migrations" {
            // Every migration of this release is recorded, the old ones first.
            assert!(after[table] >= *n, "the migrations are recorded");
            assert_eq!(
                after[table] > *n,
                !new.is_empty(),
                "new tables need new migrations"
            );
            continue;
        }
        assert_eq!(after.get(table), Some(n), "{table} keeps its rows");
    }
    for table in new {
        assert!(after.contains_key(*table), "{table} is made");
        assert!(
            !before.contains_key(*table),
            "{table} is new in this release"
        );
    }
    let filled = before.values().filter(|n| **n > 0).count();
    assert!(
        filled >= filled_at_least,
        "the fixture has rows to keep: {before:?}"
    );
}

#[tokio::test]
async fn the_previous_releases_database_and_store_migrate_forward_with_every_row() {
    let env = e2e::TestEnv::new().await;

    // The hub: the previous release's database, loaded as its dump, then this release's
    // migrations as `hub serve` and `hub provision` run them.
    let database = format!(
        "hub_t_upgrade_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let admin = sqlx::PgPool::connect(&env.services.pg_admin_url)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE \"{database}\""
    )))
    .execute(&admin)
    .await
    .unwrap();
    let url = env.services.database_url(&database);
    let output = std::process::Command::new("psql")
        .args([
            "--quiet",
            "--no-psqlrc",
            "--set",
            "ON_ERROR_STOP=1",
            "--file",
        ])
        .arg(fixture("hub.sql"))
        .arg(&url)
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pool = hub::db::connect(&url, 2).await.unwrap();
    let before = pg_counts(&pool).await;
    hub::db::MIGRATOR.run(&pool).await.unwrap();
    let after = pg_counts(&pool).await;
    assert_kept(&before, &after, &["release_notices"], 12);
    // The records the law needs read as they did.
    assert!(matches!(
        hub::db::verify_audit(&pool).await.unwrap(),
        hub::db::AuditCheck::Intact { entries } if entries as i64 == before["audit_log"]
    ));
    // Escalations written as debug text read as the vocabularies' text form.
    let escalations: Vec<(String, String)> =
        sqlx::query_as("SELECT deadline, level FROM escalations ORDER BY level")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        escalations,
        [
            ("handover_answered".to_owned(), "contact_point".to_owned()),
            ("handover_answered".to_owned(), "coordinator".to_owned()),
        ]
    );
    // This release reads the old rows: the contact point's views of a closed year, the
    // dashboard login, every disclosure row.
    let year = chrono::Datelike::year(&chrono::Utc::now()) - 1;
    let period = hub_core::periods::Period::Year(year);
    let j = schemas::Jurisdiction::DK;
    let deadlines = hub::deadlines::Deadlines {
        rules: Default::default(),
        calendars: Default::default(),
        contact_point_key: "upgrade-key".into(),
    };
    let overdue = hub::contact_point::overdue::overdue(&pool, j, &deadlines, period, true)
        .await
        .unwrap();
    assert!(!overdue.by_deadline.rows.is_empty(), "{overdue:?}");
    hub::contact_point::cases(&pool, j, chrono::Utc::now().date_naive())
        .await
        .unwrap();
    hub::contact_point::cohorts::cohorts(&pool, j, chrono::Utc::now().date_naive())
        .await
        .unwrap();
    let users = hub::http::dashboard::auth::list_users(&pool).await.unwrap();
    assert_eq!(users.len(), before["dashboard_users"] as usize);
    for row in sqlx::query("SELECT basis, removed_categories, delivered FROM decisions")
        .fetch_all(&pool)
        .await
        .unwrap()
    {
        let _: Vec<String> = row.get("basis");
        let _: Vec<String> = row.get("removed_categories");
        let _: bool = row.get("delivered");
    }
    pool.close().await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
    )))
    .execute(&admin)
    .await;

    // The agent: the previous release's store, opened by this release's agent.
    let dir = std::env::temp_dir().join(format!("agent-upgrade-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("agent.db"), dir.join("agent.db")).unwrap();
    let old = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("agent.db").display()))
        .await
        .unwrap();
    let before = sqlite_counts(&old).await;
    old.close().await;
    let store = agent::Store::open(&dir).await.unwrap();
    let after = sqlite_counts(store_pool(&dir).await.as_ref().unwrap()).await;
    assert_kept(&before, &after, &[], 7);
    // Every message decodes, the access log verifies with every entry, both keys open.
    let inbox = store.inbox(100_000).await.unwrap();
    assert_eq!(inbox.len() as i64, before["inbox"]);
    for m in &inbox {
        schemas::decode(&m.payload).expect("a stored message decodes");
    }
    assert_eq!(
        agent::access_log::verify(&store).await.unwrap().unwrap() as i64,
        before["access_log"]
    );
    let keys = store.own_keys().await.unwrap();
    assert_eq!(keys.len(), 2, "the key and the one it was rotated from");
    for key in &keys {
        assert!(store.private_key(&key.key_id).await.unwrap().is_some());
    }
    assert!(!store.outbox(100_000).await.unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A second pool on the upgraded store, to count its rows.
async fn store_pool(dir: &std::path::Path) -> Option<sqlx::SqlitePool> {
    sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("agent.db").display()))
        .await
        .ok()
}
