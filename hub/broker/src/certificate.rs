//! When a PEM certificate expires, for the metrics of the hub and the agents: a broker
//! client certificate that expires stops the connection, so its `notAfter` is exposed and
//! alerted on weeks ahead.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// A certificate's expiry could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// Which file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// No PEM certificate in it.
    #[error("no PEM certificate: {0}")]
    Pem(String),
    /// The first certificate is not valid X.509 DER.
    #[error("not an X.509 certificate: {0}")]
    X509(String),
}

/// The `notAfter` of the first certificate in `pem` (the leaf of a chain), in seconds since
/// the Unix epoch.
pub fn not_after(pem: &[u8]) -> Result<i64, CertificateError> {
    let der = CertificateDer::pem_slice_iter(pem)
        .next()
        .ok_or_else(|| CertificateError::Pem("none found".into()))?
        .map_err(|e| CertificateError::Pem(e.to_string()))?;
    let (_, certificate) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| CertificateError::X509(e.to_string()))?;
    Ok(certificate.validity().not_after.timestamp())
}

/// [`not_after`] of the certificate in the file at `path`.
pub async fn file_not_after(path: &std::path::Path) -> Result<i64, CertificateError> {
    let pem = tokio::fs::read(path)
        .await
        .map_err(|source| CertificateError::Read {
            path: path.display().to_string(),
            source,
        })?;
    not_after(&pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
    /// -subj /CN=test-agency -days 400` (key discarded); `openssl x509 -noout -enddate`
    /// says `notAfter=Jan  7 21:37:47 2028 GMT`.
    const CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----
MIIBgDCCASegAwIBAgIUba32ERKroHYg7IeYQByWQgr0d70wCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLdGVzdC1hZ2VuY3kwHhcNMjYxMjAzMjEzNzQ3WhcNMjgwMTA3
MjEzNzQ3WjAWMRQwEgYDVQQDDAt0ZXN0LWFnZW5jeTBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABEWT12AFTRA+/zjnyoTnPqt63scPvnPE1tedV4MBHOY2KznKgQNV
RlqmuMRY4dBJ450LzV93e22/mae8Vrbpy0ijUzBRMB0GA1UdDgQWBBQ4z9gOKuCD
XI0hVeX/vXw2ZXC1CTAfBgNVHSMEGDAWgBQ4z9gOKuCDXI0hVeX/vXw2ZXC1CTAP
BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIBkCZlilbwQxQ/TKSeRy
u4lJa7jgZq8d1wh2a866EijlAiAIU5ututznRpbWJSGxeGGHSTDwZBr1Haw0RsaO
N8MEVA==
-----END CERTIFICATE-----
";

    /// 2028-01-07T21:37:47Z.
    const NOT_AFTER: i64 = 1_830_893_867;

    /// Made the same way with `/CN=test-ca -days 30`: `notAfter=Jan  2 21:38:04 2027 GMT`.
    const SOONER: &str = "-----BEGIN CERTIFICATE-----
MIIBeTCCAR+gAwIBAgIUS/1dR/WX33TDMpRxU6c9HMvf7ucwCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHdGVzdC1jYTAeFw0yNjEyMDMyMTM4MDRaFw0yNzAxMDIyMTM4
MDRaMBIxEDAOBgNVBAMMB3Rlc3QtY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AARaDNnfVxFijV53FMOptkewGW5PdkUKyIxm23ir7PuQNBxklfquDQy0cSQOw8Dy
eb5MSr4CUsMcxwKeeVuMHN4Lo1MwUTAdBgNVHQ4EFgQUF0Gt6v2yquykbzuo5spM
LppyAKwwHwYDVR0jBBgwFoAUF0Gt6v2yquykbzuo5spMLppyAKwwDwYDVR0TAQH/
BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiArk0ms3BcdvJH186mbduJ6Vb8zQfgJ
WxEqpA/7aihgygIhAKLtwUxgVnzJBiXJ1+Enzg3FvFxL/LnN3HUEtm7AWmYs
-----END CERTIFICATE-----
";

    /// 2027-01-02T21:38:04Z.
    const SOONER_NOT_AFTER: i64 = 1_798_925_884;

    #[test]
    fn the_expiry_is_the_first_certificates_not_after() {
        assert_eq!(not_after(CERTIFICATE.as_bytes()).unwrap(), NOT_AFTER);
        assert_eq!(not_after(SOONER.as_bytes()).unwrap(), SOONER_NOT_AFTER);
        // A chain: the leaf comes first, and it is the leaf that counts.
        let chain = format!("{CERTIFICATE}{SOONER}");
        assert_eq!(not_after(chain.as_bytes()).unwrap(), NOT_AFTER);
        let chain = format!("{SOONER}{CERTIFICATE}");
        assert_eq!(not_after(chain.as_bytes()).unwrap(), SOONER_NOT_AFTER);
    }

    #[test]
    fn a_file_without_a_certificate_is_an_error_not_an_expiry() {
        assert!(matches!(
            not_after(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
            Err(CertificateError::Pem(_))
        ));
        assert!(matches!(not_after(b""), Err(CertificateError::Pem(_))));
        let garbled = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            not_after(garbled.as_bytes()),
            Err(CertificateError::X509(_))
        ));
    }

    #[tokio::test]
    async fn a_missing_file_is_a_read_error() {
        let missing = std::path::Path::new("/nonexistent/client.pem");
        assert!(matches!(
            file_not_after(missing).await,
            Err(CertificateError::Read { .. })
        ));
    }
}
