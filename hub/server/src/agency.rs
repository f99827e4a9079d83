//! An agency's life after `hub agency add`: certifying the key it made itself
//! (`hub agency certify`), and stopping its traffic while keeping its records
//! (`hub agency disable`, `enable`, `remove`).
//!
//! Certifying: [`check_request`] is pure (the request's signature, that it names one agency
//! and nothing else); [`sign`] makes the client certificate; [`certify`] adds what needs the
//! database (the agency is registered and enabled, its inbox's name) and writes the bundle.
//!
//! Revocation is `disable`: with its broker permissions deleted the broker refuses the
//! agency whatever certificate it shows, and the hub's directory leaves it out. The broker
//! checks no certificate revocation list.

use std::path::{Path, PathBuf};

use anyhow::Context;
use broker::Management;
use rcgen::{
    CertificateParams, CertificateSigningRequestParams, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SerialNumber,
};
use schemas::AgencyId;
use sqlx::PgPool;

/// Default validity of a client certificate, in days (the CA/Browser maximum, a habit).
pub const DEFAULT_DAYS: u32 = 397;

/// Why a certificate request is refused.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Not a PKCS#10 request, its signature does not verify, or it asks for an extension
    /// this hub does not grant.
    #[error("not a valid certificate request (bad signature, or not PKCS#10): {0}")]
    Invalid(rcgen::Error),
    /// Its subject is not exactly one common name.
    #[error("the request's subject must be exactly CN=<agency id>")]
    Subject,
    /// Its common name is not an agency id.
    #[error("the request's common name is not an agency id")]
    NotAnAgencyId,
    /// It asks for other names (subject alternative names) or to be a CA.
    #[error("the request asks for more than its common name (subject alternative names or CA)")]
    AsksForMore,
}

/// A request that passed [`check_request`]: whom it is for and its public key.
pub struct CheckedRequest {
    /// The agency named in it.
    pub agency: AgencyId,
    request: CertificateSigningRequestParams,
}

/// Checks a PEM certificate request: its signature verifies with the key it carries, its
/// subject is exactly `CN=<agency id>`, and it asks for nothing more.
pub fn check_request(csr_pem: &str) -> Result<CheckedRequest, RequestError> {
    let request =
        CertificateSigningRequestParams::from_pem(csr_pem).map_err(RequestError::Invalid)?;
    let names: Vec<_> = request.params.distinguished_name.iter().collect();
    let cn = match names.as_slice() {
        [(DnType::CommonName, DnValue::Utf8String(cn))] => cn.clone(),
        [(DnType::CommonName, DnValue::PrintableString(cn))] => cn.as_str().to_owned(),
        _ => return Err(RequestError::Subject),
    };
    if !request.params.subject_alt_names.is_empty() || request.params.is_ca != IsCa::NoCa {
        return Err(RequestError::AsksForMore);
    }
    let agency = AgencyId::try_from(cn).map_err(|_| RequestError::NotAnAgencyId)?;
    Ok(CheckedRequest { agency, request })
}

/// Signs a client certificate for a checked request with the CA (PEM certificate and its
/// PKCS#8 PEM key: RSA signs with PKCS#1 v1.5 SHA-256): subject `CN=<user>`, the agency's
/// broker user (the agency id itself, or with the installation's `broker.user_prefix`, see
/// [`broker::topology::agency_user`]), the request's public key, clientAuth, a random serial,
/// valid from `now` for `days` days.
pub fn sign(
    request: &CheckedRequest,
    user: &str,
    ca_cert_pem: &str,
    ca_key_pem: &str,
    days: u32,
    now: time::OffsetDateTime,
) -> anyhow::Result<String> {
    let ca_key = KeyPair::from_pem(ca_key_pem).context(
        "reading the CA key (PKCS#8 PEM, BEGIN PRIVATE KEY; convert a PKCS#1 key with \
         `openssl pkcs8 -topk8 -nocrypt`)",
    )?;
    let issuer = rcgen::Issuer::from_ca_cert_pem(ca_cert_pem, ca_key)
        .context("reading the CA certificate")?;
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, user);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    let mut serial: [u8; 16] = rand::random();
    serial[0] &= 0x7f; // positive
    serial[0] |= 0x40; // and of full length
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params.not_before = now - time::Duration::minutes(5);
    params.not_after = now + time::Duration::days(i64::from(days));
    let certificate = CertificateSigningRequestParams {
        params,
        public_key: request.request.public_key.clone(),
    }
    .signed_by(&issuer)
    .context("signing the certificate")?;
    Ok(certificate.pem())
}

/// What [`certify`] wrote.
#[derive(Debug)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Bundle {
    pub agency: AgencyId,
    /// Its broker user, the certificate's common name.
    pub user: String,
    pub dir: PathBuf,
}

/// `hub agency certify`: checks the request ([`check_request`]) and that it names a
/// registered, enabled agency, signs it ([`sign`]) and writes the bundle to `out` (which
/// must not exist): `<agency>.pem`, `ca.pem`, `inbox` and `README.txt`.
pub async fn certify(
    pool: &PgPool,
    user_prefix: &str,
    csr_pem: &str,
    ca_cert_pem: &str,
    ca_key_pem: &str,
    days: u32,
    out: &Path,
) -> anyhow::Result<Bundle> {
    anyhow::ensure!(
        !out.exists(),
        "{} exists: give a new bundle directory",
        out.display()
    );
    let request = check_request(csr_pem)?;
    let agency = &request.agency;
    let row: Option<(Option<chrono::DateTime<chrono::Utc>>, Option<String>)> = sqlx::query_as(
        "SELECT a.disabled_at, i.queue FROM agencies a
         LEFT JOIN agency_inboxes i ON i.agency = a.id WHERE a.id = $1",
    )
    .bind(agency.as_str())
    .fetch_optional(pool)
    .await
    .context("looking the agency up")?;
    let inbox = match row {
        None => anyhow::bail!(
            "{agency} is not a registered agency: register it first (`hub agency add`)"
        ),
        Some((Some(since), _)) => {
            anyhow::bail!("{agency} is disabled (since {since}): `hub agency enable` it first")
        }
        Some((None, None)) => anyhow::bail!(
            "{agency} has no inbox recorded: run `hub provision` or `hub agency add` for it"
        ),
        Some((None, Some(queue))) => queue,
    };
    let user = broker::topology::agency_user(user_prefix, agency);
    let certificate = sign(
        &request,
        &user,
        ca_cert_pem,
        ca_key_pem,
        days,
        time::OffsetDateTime::now_utc(),
    )?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let write = |name: &str, content: &str| {
        let path = out.join(name);
        std::fs::write(&path, content).with_context(|| format!("writing {}", path.display()))
    };
    write(&format!("{agency}.pem"), &certificate)?;
    write("ca.pem", ca_cert_pem)?;
    write("inbox", &inbox)?;
    write("README.txt", &readme(agency, &user, days))?;
    Ok(Bundle {
        agency: agency.clone(),
        user,
        dir: out.to_owned(),
    })
}

fn readme(agency: &AgencyId, user: &str, days: u32) -> String {
    let login = if user == agency.as_str() {
        String::new()
    } else {
        format!(
            "Your broker user in this installation is {user} (the certificate names it):\n\
             set broker.user = \"{user}\" in the agent's settings.\n\n"
        )
    };
    format!(
        "The broker login of {agency}, certified by the hub operator (valid {days} days).\n\
         \n\
         {login}\
         {agency}.pem  your client certificate:  broker.tls.cert_file\n\
         ca.pem        the CA the broker's certificate is checked against:  broker.tls.ca_file\n\
         inbox         the name of your inbox queue:  broker.inbox_queue_file\n\
         \n\
         broker.tls.key_file is the {agency}.key `agent enroll` made beside your request;\n\
         it never left your agency. None of these files is secret except that key, but the\n\
         inbox's name is best kept to yourselves.\n\
         \n\
         Before the certificate expires (the agent warns 21 days ahead), run `agent enroll`\n\
         again and send the new request to the hub operator.\n"
    )
}

/// Where an agency's broker login lives.
#[allow(missing_docs)] // fields named for what they hold
pub struct Broker<'a> {
    /// The management API.
    pub management: &'a Management,
    pub vhost: &'a str,
    /// What the installation's agency logins start with (`broker.user_prefix`).
    pub user_prefix: &'a str,
}

impl Broker<'_> {
    /// The broker user of `agency` here.
    fn user(&self, agency: &AgencyId) -> String {
        broker::topology::agency_user(self.user_prefix, agency)
    }
}

/// Marks an agency disabled in the directory (keeping the first time it was disabled).
/// False when it is not registered.
async fn mark_disabled(pool: &PgPool, agency: &AgencyId) -> anyhow::Result<bool> {
    let mut tx = pool.begin().await.context("marking the agency disabled")?;
    let updated =
        sqlx::query("UPDATE agencies SET disabled_at = COALESCE(disabled_at, now()) WHERE id = $1")
            .bind(agency.as_str())
            .execute(&mut *tx)
            .await
            .context("marking the agency disabled")?;
    if updated.rows_affected() != 1 {
        return Ok(false);
    }
    audited(&mut tx, "agency_disabled", agency).await?;
    tx.commit().await.context("marking the agency disabled")?;
    Ok(true)
}

/// Appends to the audit log, in the transaction that makes the change, that the hub
/// operator disabled, enabled or removed an agency.
async fn audited(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    kind: &str,
    agency: &AgencyId,
) -> anyhow::Result<()> {
    let mut audit = crate::db::AuditAppender::start(tx)
        .await
        .context("appending to the audit log")?;
    audit
        .append(
            tx,
            chrono::Utc::now(),
            &serde_json::json!({ "kind": kind, "agency": agency }),
        )
        .await
        .context("appending to the audit log")
}

/// `hub agency disable`: the hub's directory leaves the agency out (anything of it still in
/// flight is refused as from an unknown sender), its broker permissions are deleted (the
/// broker refuses its connections, whatever certificate it shows) and its open connections
/// are closed. Nothing in the database is deleted. Returns how many connections were closed.
pub async fn disable(
    pool: &PgPool,
    broker: &Broker<'_>,
    agency: &AgencyId,
) -> anyhow::Result<usize> {
    anyhow::ensure!(
        mark_disabled(pool, agency).await?,
        "{agency} is not a registered agency"
    );
    broker
        .management
        .delete_permissions(broker.vhost, &broker.user(agency))
        .await
        .context("deleting its broker permissions")?;
    // The management API lists a connection only after its next statistics tick (5 s by
    // default): sweep until a connection opened just before the permissions went has shown up.
    let mut closed = 0;
    for sweep in 0..CLOSE_SWEEPS {
        if sweep > 0 {
            tokio::time::sleep(CLOSE_SWEEP_INTERVAL).await;
        }
        closed += broker
            .management
            .close_connections_of(&broker.user(agency))
            .await
            .context("closing its broker connections")?;
    }
    Ok(closed)
}

/// How often [`disable`] looks for the agency's connections to close, and how far apart.
const CLOSE_SWEEPS: u32 = 3;
const CLOSE_SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3);

/// `hub agency enable`: undoes [`disable`] (and [`remove`]): the directory has it again, and
/// its broker user (with `password`, as provisioning gives it), exchange, inbox and
/// permissions are provisioned again.
pub async fn enable(
    pool: &PgPool,
    broker: &Broker<'_>,
    agency: &AgencyId,
    password: &str,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await.context("marking the agency enabled")?;
    let inbox: Option<String> = sqlx::query_scalar(
        "UPDATE agencies a SET disabled_at = NULL FROM agency_inboxes i
         WHERE a.id = $1 AND i.agency = a.id RETURNING i.queue",
    )
    .bind(agency.as_str())
    .fetch_optional(&mut *tx)
    .await
    .context("marking the agency enabled")?;
    let inbox =
        inbox.with_context(|| format!("{agency} is not a registered agency with an inbox"))?;
    audited(&mut tx, "agency_enabled", agency).await?;
    tx.commit().await.context("marking the agency enabled")?;
    broker
        .management
        .provision_agency(broker.vhost, &broker.user(agency), agency, password, &inbox)
        .await
        .context("provisioning it on the broker again")
}

/// Whether an agency is disabled; provisioning leaves a disabled agency off the broker.
pub async fn is_disabled(pool: &PgPool, agency: &AgencyId) -> Result<bool, sqlx::Error> {
    let disabled: Option<bool> =
        sqlx::query_scalar("SELECT disabled_at IS NOT NULL FROM agencies WHERE id = $1")
            .bind(agency.as_str())
            .fetch_optional(pool)
            .await?;
    Ok(disabled == Some(true))
}

/// The disabled agencies and since when, for `hub agency list`.
pub async fn disabled(
    pool: &PgPool,
) -> Result<Vec<(String, chrono::DateTime<chrono::Utc>)>, sqlx::Error> {
    sqlx::query_as("SELECT id, disabled_at FROM agencies WHERE disabled_at IS NOT NULL ORDER BY id")
        .fetch_all(pool)
        .await
}

/// `hub agency remove`: [`disable`], then deletes its broker user and its inbox queue (with
/// any messages still waiting in it). Its rows in the database are kept.
pub async fn remove(pool: &PgPool, broker: &Broker<'_>, agency: &AgencyId) -> anyhow::Result<()> {
    disable(pool, broker, agency).await?;
    let inbox: Option<String> =
        sqlx::query_scalar("SELECT queue FROM agency_inboxes WHERE agency = $1")
            .bind(agency.as_str())
            .fetch_optional(pool)
            .await
            .context("looking up its inbox")?;
    broker
        .management
        .delete_user(&broker.user(agency))
        .await
        .context("deleting its broker user")?;
    if let Some(inbox) = inbox {
        broker
            .management
            .delete_queue(broker.vhost, &inbox)
            .await
            .context("deleting its inbox queue")?;
    }
    let mut tx = pool.begin().await.context("recording the removal")?;
    audited(&mut tx, "agency_removed", agency).await?;
    tx.commit().await.context("recording the removal")
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::{FromDer, X509Certificate};

    /// A test CA (P-256: ring makes no RSA keys; the integration test signs with the RSA dev
    /// CA) and its key, PEM.
    fn test_ca() -> (String, String) {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, "test CA");
        params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        let cert = params.self_signed(&key).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    fn request(params: CertificateParams) -> String {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        params.serialize_request(&key).unwrap().pem().unwrap()
    }

    fn request_for(cn: &str) -> String {
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, cn);
        request(params)
    }

    fn der(pem: &str) -> Vec<u8> {
        x509_parser::pem::parse_x509_pem(pem.as_bytes())
            .unwrap()
            .1
            .contents
    }

    #[test]
    fn an_installation_with_a_prefix_names_the_prefixed_login_in_the_certificate() {
        let (ca_pem, ca_key) = test_ca();
        let checked = check_request(&request_for("kommune-0301")).unwrap();
        let user = broker::topology::agency_user("second.", &checked.agency);
        let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let pem = sign(&checked, &user, &ca_pem, &ca_key, 30, now).unwrap();
        let leaf_der = der(&pem);
        let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
        let cn: Vec<_> = leaf.subject().iter_common_name().collect();
        assert_eq!(cn[0].as_str().unwrap(), "second.kommune-0301");
        let told = readme(&checked.agency, &user, 30);
        assert!(
            told.contains(r#"broker.user = "second.kommune-0301""#),
            "{told}"
        );
        assert!(!readme(&checked.agency, "kommune-0301", 30).contains("broker.user ="));
    }

    #[test]
    fn a_certified_request_verifies_against_the_ca_and_is_a_client_certificate() {
        let (ca_pem, ca_key) = test_ca();
        let checked = check_request(&request_for("kommune-0301")).unwrap();
        assert_eq!(checked.agency.as_str(), "kommune-0301");
        let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let pem = sign(&checked, checked.agency.as_str(), &ca_pem, &ca_key, 30, now).unwrap();

        let ca_der = der(&ca_pem);
        let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
        let leaf_der = der(&pem);
        let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
        leaf.verify_signature(Some(ca.public_key())).unwrap();
        assert_eq!(leaf.issuer(), ca.subject());
        let cn: Vec<_> = leaf.subject().iter_common_name().collect();
        assert_eq!(cn.len(), 1);
        assert_eq!(cn[0].as_str().unwrap(), "kommune-0301");
        let eku = leaf.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.client_auth && !eku.server_auth);
        assert!(leaf.subject_alternative_name().unwrap().is_none());
        assert_eq!(
            leaf.validity().not_after.timestamp(),
            1_800_000_000 + 30 * 86_400
        );
        // A different CA's key does not verify it.
        let (other_pem, _) = test_ca();
        let other_der = der(&other_pem);
        let (_, other) = X509Certificate::from_der(&other_der).unwrap();
        assert!(leaf.verify_signature(Some(other.public_key())).is_err());
    }

    #[test]
    fn serials_are_random() {
        let (ca_pem, ca_key) = test_ca();
        let checked = check_request(&request_for("kommune-0301")).unwrap();
        let now = time::OffsetDateTime::now_utc();
        let serial = |pem: String| {
            let d = der(&pem);
            X509Certificate::from_der(&d)
                .unwrap()
                .1
                .raw_serial()
                .to_vec()
        };
        let a = serial(sign(&checked, checked.agency.as_str(), &ca_pem, &ca_key, 1, now).unwrap());
        let b = serial(sign(&checked, checked.agency.as_str(), &ca_pem, &ca_key, 1, now).unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 16);
    }

    #[test]
    fn a_request_with_another_name_is_refused() {
        let mut params = CertificateParams::new(vec!["politi-oslo".to_owned()]).unwrap();
        params.distinguished_name = DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, "kommune-0301");
        assert!(matches!(
            check_request(&request(params)),
            Err(RequestError::AsksForMore)
        ));
    }

    #[test]
    fn a_request_with_more_in_its_subject_or_no_agency_id_is_refused() {
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, "kommune-0301");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Oslo");
        assert!(matches!(
            check_request(&request(params)),
            Err(RequestError::Subject)
        ));
        assert!(matches!(
            check_request(&request_for("Not An Id!")),
            Err(RequestError::NotAnAgencyId)
        ));
    }

    #[test]
    fn a_tampered_request_is_refused() {
        let pem = request_for("kommune-0301");
        let mut bytes = der(&pem);
        // The common name's last letter, inside the signed part: "kommune-0301" -> "...0302".
        let at = bytes
            .windows(12)
            .position(|w| w == b"kommune-0301")
            .unwrap();
        bytes[at + 11] = b'2';
        use base64::Engine;
        let tampered = format!(
            "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        );
        assert!(matches!(
            check_request(&tampered),
            Err(RequestError::Invalid(_))
        ));
        assert!(check_request(&pem).is_ok());
    }
}
