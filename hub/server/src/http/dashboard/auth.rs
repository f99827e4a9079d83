//! The dashboard's logins: named users with a role and a jurisdiction, Argon2id password
//! hashes, and sessions kept in PostgreSQL (only a hash of each token), so that every hub
//! instance knows every session.
//!
//! Failed logins are throttled, not locked: each login name and each client address has a
//! delay that grows with its failures in a row ([`delay_after`]), so guessing is slow but
//! nobody can lock the analysts out. Unknown and known names are counted and answered alike,
//! and an unknown name's check runs the password hash against a dummy hash, so neither the
//! answer nor its time tells which names exist.

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use schemas::Jurisdiction;
use schemas::vocab::enum_text;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::db::columns::{Vocab, decode_err};

/// How long a login lasts.
pub const SESSION_HOURS: i64 = 8;
/// Failures after which a throttle's count starts again from nothing.
pub const FORGET_AFTER_MINUTES: i64 = 15;
/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// What a login may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Every view, including the pseudonymous rows of overdue handovers.
    Analyst,
    /// Aggregates only.
    Statistician,
}

impl Role {
    /// As stored and typed.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Statistician => "statistician",
        }
    }

    /// Whether it may see pseudonymous rows.
    pub fn sees_rows(self) -> bool {
        self == Role::Analyst
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "analyst" => Ok(Role::Analyst),
            "statistician" => Ok(Role::Statistician),
            other => Err(format!(
                "unknown role {other:?}: analyst (all views, pseudonymous rows too) or \
                 statistician (aggregates only)"
            )),
        }
    }
}

/// A logged-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Viewer {
    /// The login name.
    pub name: String,
    /// What it may see.
    pub role: Role,
    /// Whose figures it sees.
    pub jurisdiction: Jurisdiction,
}

/// Why a login or a user change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown name or wrong password (never which).
    #[error("wrong name or password")]
    WrongCredentials,
    /// Too many failures in a row from this client or for this name: wait this long.
    #[error("too many failed sign-ins; wait {0} seconds and try again")]
    Throttled(i64),
    /// The input is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Adds a login, or replaces its role, jurisdiction and password (and re-enables it).
pub async fn add_user(
    pool: &PgPool,
    name: &str,
    role: Role,
    jurisdiction: Jurisdiction,
    password: &str,
) -> Result<(), AuthError> {
    let valid_name = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    if !valid_name {
        return Err(AuthError::Invalid(
            "a login name is 1 to 64 lower-case letters, digits, '-' or '.'".into(),
        ));
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(AuthError::Invalid(format!(
            "a password has at least {MIN_PASSWORD} characters"
        )));
    }
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AuthError::Invalid(format!("hashing the password failed: {e}")))?
        .to_string();
    sqlx::query(
        "INSERT INTO dashboard_users (name, role, jurisdiction, password_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET role = $2, jurisdiction = $3, password_hash = $4,
             disabled_at = NULL, failed_logins = 0, locked_until = NULL",
    )
    .bind(name)
    .bind(role.as_str())
    .bind(enum_text(&jurisdiction))
    .bind(hash)
    .execute(pool)
    .await?;
    sqlx::query("DELETE FROM dashboard_login_throttle WHERE key = $1")
        .bind(Throttle::Name.key(name))
        .execute(pool)
        .await?;
    Ok(())
}

/// Disables a login and ends its sessions. Returns whether it existed.
pub async fn disable_user(pool: &PgPool, name: &str) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM dashboard_sessions WHERE user_name = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    let changed = sqlx::query("UPDATE dashboard_users SET disabled_at = now() WHERE name = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(changed == 1)
}

/// Every login: name, role, jurisdiction, whether disabled.
pub async fn list_users(pool: &PgPool) -> Result<Vec<(String, String, String, bool)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, role, jurisdiction, disabled_at IS NOT NULL AS disabled FROM dashboard_users ORDER BY name",
    )
    .fetch_all(pool)
    .await
}

/// What a failed login is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    /// The login name tried, known or not.
    Name,
    /// The client's address.
    Client,
}

impl Throttle {
    fn key(self, value: &str) -> String {
        match self {
            Throttle::Name => format!("name:{value}"),
            Throttle::Client => format!("client:{value}"),
        }
    }

    /// Failures in a row that are free of any delay.
    fn free(self) -> i32 {
        match self {
            Throttle::Name => 3,
            // Several analysts may sit behind one proxy address.
            Throttle::Client => 20,
        }
    }
}

/// How long to wait after `failures` failures in a row: nothing for the first few, then 1 s,
/// doubling with each further failure, at most 60 s for a name and 300 s for a client.
pub fn delay_after(throttle: Throttle, failures: i32) -> Duration {
    let over = failures - throttle.free();
    if over <= 0 {
        return Duration::zero();
    }
    let cap = match throttle {
        Throttle::Name => 60,
        Throttle::Client => 300,
    };
    Duration::seconds((1i64 << (over - 1).min(16)).min(cap))
}

/// Checks a name and password from `client` (its address, if known); on success starts a
/// session and returns its token.
pub async fn login(
    pool: &PgPool,
    name: &str,
    password: &str,
    client: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String, AuthError> {
    let mut keys = vec![(Throttle::Name, Throttle::Name.key(name))];
    if let Some(client) = client {
        keys.push((Throttle::Client, Throttle::Client.key(client)));
    }
    let key_texts: Vec<String> = keys.iter().map(|(_, k)| k.clone()).collect();
    let waits: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT max(not_before) FROM dashboard_login_throttle WHERE key = ANY($1)",
    )
    .bind(&key_texts)
    .fetch_one(pool)
    .await?;
    if let Some(until) = waits.filter(|until| *until > now) {
        let seconds = (until - now).num_milliseconds().div_euclid(1000) + 1;
        return Err(AuthError::Throttled(seconds));
    }
    let hash: Option<String> = sqlx::query_scalar(
        "SELECT password_hash FROM dashboard_users WHERE name = $1 AND disabled_at IS NULL",
    )
    .bind(name)
    .fetch_optional(pool)
    .await?;
    // An unknown name spends the time a real check takes, so timing does not tell.
    let verified = verify(password, hash.as_deref().unwrap_or(DUMMY_HASH)) && hash.is_some();
    if !verified {
        for (throttle, key) in &keys {
            let failures: i32 = sqlx::query_scalar(
                "INSERT INTO dashboard_login_throttle AS t (key, failures, last_failure, not_before)
                 VALUES ($1, 1, $2, $2)
                 ON CONFLICT (key) DO UPDATE SET
                     failures = CASE WHEN t.last_failure < $3 THEN 1 ELSE t.failures + 1 END,
                     last_failure = $2
                 RETURNING failures",
            )
            .bind(key)
            .bind(now)
            .bind(now - Duration::minutes(FORGET_AFTER_MINUTES))
            .fetch_one(pool)
            .await?;
            sqlx::query("UPDATE dashboard_login_throttle SET not_before = $2 WHERE key = $1")
                .bind(key)
                .bind(now + delay_after(*throttle, failures))
                .execute(pool)
                .await?;
        }
        return Err(AuthError::WrongCredentials);
    }
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM dashboard_login_throttle WHERE key = $1")
        .bind(Throttle::Name.key(name))
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM dashboard_sessions WHERE expires_at < $1")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO dashboard_sessions (token_sha256, user_name, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash_token(&token))
    .bind(name)
    .bind(now)
    .bind(now + Duration::hours(SESSION_HOURS))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The user of a session token, if the session is current and the login enabled.
pub async fn viewer(
    pool: &PgPool,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Viewer>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Login {
        name: String,
        role: String,
        jurisdiction: Vocab<Jurisdiction>,
    }
    let login: Option<Login> = sqlx::query_as(
        "SELECT u.name, u.role, u.jurisdiction FROM dashboard_sessions s
         JOIN dashboard_users u ON u.name = s.user_name
         WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
    )
    .bind(hash_token(token))
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(login) = login else { return Ok(None) };
    Ok(Some(Viewer {
        name: login.name,
        role: login.role.parse().map_err(|e: String| decode_err(e))?,
        jurisdiction: login.jurisdiction.0,
    }))
}

/// Ends a session.
pub async fn logout(pool: &PgPool, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM dashboard_sessions WHERE token_sha256 = $1")
        .bind(hash_token(token))
        .execute(pool)
        .await
        .map(drop)
}

/// A hash of a password nobody has, for the time an unknown name's check takes.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1bDPfHcrXXvtsnTRZjsmRPnSHrIo5cRyGDe6XA/mQ8A";

fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_parses_so_unknown_names_cost_a_real_check() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify("anything", DUMMY_HASH));
    }

    #[test]
    fn delays_grow_with_failures_and_stop_at_a_cap() {
        let cases = [
            (Throttle::Name, 0, 0),
            (Throttle::Name, 3, 0),
            (Throttle::Name, 4, 1),
            (Throttle::Name, 5, 2),
            (Throttle::Name, 8, 16),
            (Throttle::Name, 10, 60),
            (Throttle::Name, 1000, 60),
            (Throttle::Client, 20, 0),
            (Throttle::Client, 21, 1),
            (Throttle::Client, 29, 256),
            (Throttle::Client, 40, 300),
        ];
        for (throttle, failures, seconds) in cases {
            assert_eq!(
                delay_after(throttle, failures),
                Duration::seconds(seconds),
                "{throttle:?} after {failures}"
            );
        }
    }

    #[test]
    fn roles_parse_and_only_analysts_see_rows() {
        assert_eq!("analyst".parse::<Role>(), Ok(Role::Analyst));
        assert_eq!("statistician".parse::<Role>(), Ok(Role::Statistician));
        assert!("admin".parse::<Role>().is_err());
        assert!(Role::Analyst.sees_rows());
        assert!(!Role::Statistician.sees_rows());
    }

    #[test]
    fn tokens_are_stored_hashed() {
        let h = hash_token("abc");
        assert_eq!(h.len(), 32);
        assert_ne!(h, b"abc".to_vec());
    }
}
