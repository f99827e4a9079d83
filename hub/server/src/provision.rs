//! Provisioning: the broker topology and the agency registry, idempotently.
//!
//! `hub provision` creates the vhost, the hub's user and queues, and every agency listed in
//! `config/agencies.toml`; `hub agency add` adds one more at run time. Agency broker
//! passwords live in `hub.secrets_dir` (`<agency>.password`, mode 600), generated on first
//! use; they never enter git or the logs. So do the names of their inbox queues
//! (`<agency>.inbox`), whose random tag keeps other agencies from reading their depth
//! (see `broker::topology`); the database holds the same names for the hub.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use broker::{LegacyInbox, Management};
use hub_core::Agency;
use rand::Rng;
use sqlx::PgPool;
use tracing::{info, warn};

use crate::Settings;
use crate::db;

/// The management client for these settings.
pub fn management(settings: &Settings) -> anyhow::Result<Management> {
    let broker = &settings.broker;
    anyhow::ensure!(
        !broker.admin_user.is_empty(),
        "provisioning needs a RabbitMQ administrator: set broker.admin_user and broker.admin_password \
         (HUB__BROKER__ADMIN_USER, HUB__BROKER__ADMIN_PASSWORD)"
    );
    Ok(Management::new(
        &broker.management_url,
        &broker.admin_user,
        broker.admin_password.expose(),
    ))
}

/// The file holding an agency's broker password.
pub fn password_file(secrets_dir: &Path, agency: &schemas::AgencyId) -> PathBuf {
    secrets_dir.join(format!("{agency}.password"))
}

/// The file holding the name of an agency's inbox queue, for its agent.
pub fn inbox_file(secrets_dir: &Path, agency: &schemas::AgencyId) -> PathBuf {
    secrets_dir.join(format!("{agency}.inbox"))
}

/// 128 random bits in hex.
fn random_hex() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

/// Writes `content` to `path` readable by its owner only, replacing what was there.
fn write_secret(secrets_dir: &Path, path: &Path, content: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(secrets_dir)
        .with_context(|| format!("creating the secrets directory {}", secrets_dir.display()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(content.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// Reads an agency's broker password, generating and storing one on first use.
pub fn agency_password(secrets_dir: &Path, agency: &schemas::AgencyId) -> anyhow::Result<String> {
    let path = password_file(secrets_dir, agency);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().to_owned());
    }
    let password = random_hex();
    write_secret(secrets_dir, &path, &password)?;
    Ok(password)
}

/// Where an agency's broker login is set up.
#[allow(missing_docs)] // fields named for what they hold
pub struct Place<'a> {
    /// The management API.
    pub management: &'a Management,
    /// The hub's database.
    pub pool: &'a PgPool,
    pub vhost: &'a str,
    /// What the installation's agency logins start with (`broker.user_prefix`).
    pub user_prefix: &'a str,
    /// Where the agencies' passwords and inbox names are kept.
    pub secrets_dir: &'a Path,
}

/// Registers one agency: its broker user, exchange and inbox, its row in the directory, and
/// the file with its inbox's name ([`inbox_file`]). Returns the inbox's name.
pub async fn add_agency(
    place: &Place<'_>,
    agency: &Agency,
    region: Option<&str>,
    password: &str,
) -> anyhow::Result<String> {
    let inbox = db::claim_inbox(
        place.pool,
        &agency.id,
        &broker::topology::inbox_queue(&agency.id, &random_hex()),
    )
    .await
    .with_context(|| format!("recording the inbox of {}", agency.id))?;
    if crate::agency::is_disabled(place.pool, &agency.id).await? {
        // Disabled (`hub agency disable`): re-provisioning must not let it back in.
        warn!(agency = %agency.id, "disabled: left off the broker (`hub agency enable` it)");
        return Ok(inbox);
    }
    place
        .management
        .provision_agency(
            place.vhost,
            &broker::topology::agency_user(place.user_prefix, &agency.id),
            &agency.id,
            password,
            &inbox,
        )
        .await
        .with_context(|| format!("provisioning {} on the broker", agency.id))?;
    match place
        .management
        .retire_legacy_inbox(place.vhost, &agency.id)
        .await
        .with_context(|| format!("retiring the untagged inbox of {}", agency.id))?
    {
        LegacyInbox::None => {}
        LegacyInbox::Removed => info!(agency = %agency.id, "removed its empty untagged inbox"),
        LegacyInbox::KeptWithMessages => warn!(
            agency = %agency.id,
            "its untagged inbox is unbound but still holds messages: move them to its new inbox"
        ),
    }
    db::upsert_agency(place.pool, agency, region)
        .await
        .with_context(|| format!("registering {}", agency.id))?;
    write_secret(
        place.secrets_dir,
        &inbox_file(place.secrets_dir, &agency.id),
        &inbox,
    )?;
    Ok(inbox)
}

/// Provisions the hub and every configured agency.
pub async fn provision_all(settings: &Settings, pool: &PgPool) -> anyhow::Result<()> {
    let management = management(settings)?;
    let broker = &settings.broker;
    management
        .provision_hub(&broker.vhost, &broker.user, broker.password.expose())
        .await
        .context("provisioning the hub's topology")?;
    let place = Place {
        management: &management,
        pool,
        vhost: &broker.vhost,
        user_prefix: &broker.user_prefix,
        secrets_dir: &settings.hub.secrets_dir,
    };
    for agency in &settings.agencies {
        let password = agency_password(&settings.hub.secrets_dir, &agency.id)?;
        add_agency(
            &place,
            &agency.to_agency(),
            agency.region.as_deref(),
            &password,
        )
        .await?;
    }
    Ok(())
}
