//! The dashboard's logins: named users with a role and a jurisdiction, Argon2id password
//! hashes, and sessions kept in PostgreSQL (only a hash of each token), so that every hub
//! instance knows every session. Five failed logins in a row lock a login for 15 minutes.

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use schemas::Jurisdiction;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row};

/// How long a login lasts.
pub const SESSION_HOURS: i64 = 8;
/// Failed logins in a row that lock a login.
pub const LOCK_AFTER: i32 = 5;
/// How long a locked login stays locked.
pub const LOCK_MINUTES: i64 = 15;
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
    /// Too many failures in a row.
    #[error("too many failed logins; try again in {LOCK_MINUTES} minutes")]
    Locked,
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

fn jurisdiction_from(text: &str) -> Result<Jurisdiction, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| sqlx::Error::Decode(e.into()))
}

fn jurisdiction_text(j: Jurisdiction) -> String {
    serde_json::to_value(j)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
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
    .bind(jurisdiction_text(jurisdiction))
    .bind(hash)
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
    sqlx::query(
        "SELECT name, role, jurisdiction, disabled_at IS NOT NULL AS disabled FROM dashboard_users ORDER BY name",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| {
        Ok((
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
        ))
    })
    .collect()
}

/// Checks a name and password; on success starts a session and returns its token.
pub async fn login(
    pool: &PgPool,
    name: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<String, AuthError> {
    let row = sqlx::query(
        "SELECT password_hash, locked_until FROM dashboard_users WHERE name = $1 AND disabled_at IS NULL",
    )
    .bind(name)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        // Spend the time a real check takes, so timing does not tell which names exist.
        let _ = verify(password, DUMMY_HASH);
        return Err(AuthError::WrongCredentials);
    };
    let locked_until: Option<DateTime<Utc>> = row.try_get("locked_until")?;
    if locked_until.is_some_and(|until| until > now) {
        return Err(AuthError::Locked);
    }
    let hash: String = row.try_get("password_hash")?;
    if !verify(password, &hash) {
        sqlx::query(
            "UPDATE dashboard_users SET failed_logins = failed_logins + 1,
                 locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
             WHERE name = $1",
        )
        .bind(name)
        .bind(LOCK_AFTER)
        .bind(now + Duration::minutes(LOCK_MINUTES))
        .execute(pool)
        .await?;
        return Err(AuthError::WrongCredentials);
    }
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE dashboard_users SET failed_logins = 0, locked_until = NULL WHERE name = $1",
    )
    .bind(name)
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
    let row = sqlx::query(
        "SELECT u.name, u.role, u.jurisdiction FROM dashboard_sessions s
         JOIN dashboard_users u ON u.name = s.user_name
         WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
    )
    .bind(hash_token(token))
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role: String = row.try_get("role")?;
    Ok(Some(Viewer {
        name: row.try_get("name")?,
        role: role
            .parse()
            .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
        jurisdiction: jurisdiction_from(&row.try_get::<String, _>("jurisdiction")?)?,
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
