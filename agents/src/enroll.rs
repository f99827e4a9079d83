//! Onboarding with the agency's own key (`agent enroll`): the agency makes its broker client
//! key (ECDSA P-256) and a certificate request whose common name is its agency id. The key
//! never leaves the agency; the request goes to the hub operator, who certifies it
//! (`hub agency certify`) and hands back the certificate, the CA and the inbox's name.
//!
//! Also the renewal reminder: [`expiry_warning`] says when the client certificate is close
//! to expiring.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use schemas::AgencyId;

/// How many days before its expiry the agent starts warning about its client certificate.
pub const RENEW_WITHIN_DAYS: i64 = 21;

/// A new key and the certificate request for it, both PEM.
pub struct Enrollment {
    /// The private key, PKCS#8 PEM: secret, stays with the agency.
    pub key_pem: String,
    /// The PKCS#10 certificate request, for the hub operator.
    pub csr_pem: String,
}

/// Makes a P-256 key and a certificate request with common name `agency` and nothing else
/// (no subject alternative names, no other name parts).
pub fn make_request(agency: &AgencyId) -> anyhow::Result<Enrollment> {
    let key =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).context("making the key")?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, agency.as_str());
    let csr = params
        .serialize_request(&key)
        .context("making the certificate request")?;
    Ok(Enrollment {
        key_pem: key.serialize_pem(),
        csr_pem: csr.pem().context("encoding the certificate request")?,
    })
}

/// Where [`write()`] puts the key and the request.
pub struct Written {
    /// `DIR/<agency>.key`, mode 600.
    pub key: PathBuf,
    /// `DIR/<agency>.csr`.
    pub csr: PathBuf,
}

/// Makes the key and request for `agency` and writes them to `dir` (created if missing):
/// `<agency>.key` (mode 600) and `<agency>.csr`. Refuses to replace an existing key.
pub fn write(dir: &Path, agency: &AgencyId) -> anyhow::Result<Written> {
    let enrollment = make_request(agency)?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key = dir.join(format!("{agency}.key"));
    let csr = dir.join(format!("{agency}.csr"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&key).with_context(|| {
        format!(
            "writing {} (an existing key is never replaced: enroll into another directory)",
            key.display()
        )
    })?;
    file.write_all(enrollment.key_pem.as_bytes())
        .with_context(|| format!("writing {}", key.display()))?;
    std::fs::write(&csr, enrollment.csr_pem.as_bytes())
        .with_context(|| format!("writing {}", csr.display()))?;
    Ok(Written { key, csr })
}

/// The warning to log when a client certificate expiring at `not_after` (Unix seconds) is
/// within [`RENEW_WITHIN_DAYS`] of `now`, or already expired; `None` when it is not.
pub fn expiry_warning(not_after: i64, now: i64) -> Option<String> {
    let left = not_after - now;
    if left > RENEW_WITHIN_DAYS * 86_400 {
        return None;
    }
    let date = chrono::DateTime::from_timestamp(not_after, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| not_after.to_string());
    let when = if left <= 0 {
        format!("expired on {date}")
    } else {
        format!("expires on {date} ({} days left)", left / 86_400)
    };
    Some(format!(
        "the broker client certificate {when}: renew it with `agent enroll --out DIR`, send \
         DIR/<agency>.csr to the hub operator for `hub agency certify`, then point \
         broker.tls.cert_file and key_file at the new files and restart"
    ))
}

/// Logs [`expiry_warning`] for the certificate in `cert_file` now, then once a day, for as
/// long as the agent runs. A certificate that cannot be read is logged once a day too.
pub async fn warn_before_expiry(cert_file: PathBuf) {
    let mut daily = tokio::time::interval(std::time::Duration::from_secs(86_400));
    loop {
        daily.tick().await;
        match broker::certificate::file_not_after(&cert_file).await {
            Ok(not_after) => {
                if let Some(warning) = expiry_warning(not_after, chrono::Utc::now().timestamp()) {
                    tracing::warn!(cert_file = %cert_file.display(), "{warning}");
                }
            }
            Err(e) => tracing::warn!("cannot read the client certificate's expiry: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agency(id: &str) -> AgencyId {
        AgencyId::try_from(id.to_owned()).unwrap()
    }

    #[test]
    fn the_request_names_the_agency_and_is_signed_by_the_new_key() {
        let e = make_request(&agency("kommune-0301")).unwrap();
        let csr = rcgen::CertificateSigningRequestParams::from_pem(&e.csr_pem).unwrap();
        let names: Vec<_> = csr.params.distinguished_name.iter().collect();
        assert_eq!(names.len(), 1);
        assert_eq!(names[0].0, &rcgen::DnType::CommonName);
        assert_eq!(
            names[0].1,
            &rcgen::DnValue::Utf8String("kommune-0301".into())
        );
        assert!(csr.params.subject_alt_names.is_empty());
        // The request carries the public half of the key written beside it.
        let key = rcgen::KeyPair::from_pem(&e.key_pem).unwrap();
        assert_eq!(key.algorithm(), &rcgen::PKCS_ECDSA_P256_SHA256);
        assert_eq!(
            rcgen::PublicKeyData::der_bytes(&csr.public_key),
            key.public_key_raw()
        );
        assert!(e.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    }

    #[test]
    fn the_key_is_written_mode_600_and_never_replaced() {
        let dir = std::env::temp_dir().join(format!("enroll-{}", uuid::Uuid::new_v4()));
        let written = write(&dir, &agency("politi-oslo")).unwrap();
        assert_eq!(written.key, dir.join("politi-oslo.key"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&written.key)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let before = std::fs::read(&written.key).unwrap();
        assert!(write(&dir, &agency("politi-oslo")).is_err());
        assert_eq!(std::fs::read(&written.key).unwrap(), before);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn warns_within_21_days_of_expiry_only() {
        let now = 1_800_000_000;
        assert_eq!(expiry_warning(now + 22 * 86_400, now), None);
        let soon = expiry_warning(now + 20 * 86_400, now).unwrap();
        assert!(soon.contains("20 days left"), "{soon}");
        assert!(soon.contains("agent enroll"), "{soon}");
        assert!(soon.contains("hub agency certify"), "{soon}");
        let past = expiry_warning(now - 1, now).unwrap();
        assert!(past.contains("expired on"), "{past}");
    }
}
