//! Provisioning: the broker topology and the agency registry, idempotently.
//!
//! `hub provision` creates the vhost, the hub's user and queues, and every agency listed in
//! `config/agencies.toml`; `hub agency add` adds one more at run time. Agency broker
//! passwords live in `hub.secrets_dir` (`<agency>.password`, mode 600), generated on first
//! use; they never enter git or the logs.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use broker::Management;
use hub_core::Agency;
use rand::Rng;
use sqlx::PgPool;

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

/// Reads an agency's broker password, generating and storing one on first use.
pub fn agency_password(secrets_dir: &Path, agency: &schemas::AgencyId) -> anyhow::Result<String> {
    let path = password_file(secrets_dir, agency);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().to_owned());
    }
    std::fs::create_dir_all(secrets_dir)
        .with_context(|| format!("creating the secrets directory {}", secrets_dir.display()))?;
    let bytes: [u8; 16] = rand::rng().random();
    let password = hex::encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(password.as_bytes())?;
    Ok(password)
}

/// Registers one agency: its row in the directory and its broker user, exchange and inbox.
pub async fn add_agency(
    management: &Management,
    pool: &PgPool,
    vhost: &str,
    agency: &Agency,
    region: Option<&str>,
    password: &str,
) -> anyhow::Result<()> {
    management
        .provision_agency(vhost, &agency.id, password)
        .await
        .with_context(|| format!("provisioning {} on the broker", agency.id))?;
    db::upsert_agency(pool, agency, region)
        .await
        .with_context(|| format!("registering {}", agency.id))?;
    Ok(())
}

/// Provisions the hub and every configured agency.
pub async fn provision_all(settings: &Settings, pool: &PgPool) -> anyhow::Result<()> {
    let management = management(settings)?;
    let broker = &settings.broker;
    management
        .provision_hub(&broker.vhost, &broker.user, broker.password.expose())
        .await
        .context("provisioning the hub's topology")?;
    for agency in &settings.agencies {
        let password = agency_password(&settings.hub.secrets_dir, &agency.id)?;
        add_agency(
            &management,
            pool,
            &broker.vhost,
            &agency.to_agency(),
            agency.region.as_deref(),
            &password,
        )
        .await?;
    }
    Ok(())
}
