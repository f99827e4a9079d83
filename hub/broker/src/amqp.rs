//! Connecting to the broker, and publishing with confirms.

use lapin::Confirmation;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::tcp::{OwnedIdentity, OwnedTLSConfig};
use lapin::uri::{
    AMQPAuthority, AMQPQueryString, AMQPScheme, AMQPUri, AMQPUserInfo, SASLMechanism,
};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

/// Where the broker is, and which vhost to use.
#[derive(Debug, Clone)]
pub struct BrokerEndpoint {
    /// Host name or address (with TLS, a name or address the server certificate is for).
    pub host: String,
    /// AMQP port (5671 for AMQPS, 5672 for plain AMQP).
    pub port: u16,
    /// The vhost holding the hub's topology.
    pub vhost: String,
    /// AMQPS with a client certificate (EXTERNAL authentication) when set; plain AMQP with a
    /// password otherwise, which is for local development only.
    pub tls: Option<TlsFiles>,
}

/// PEM files for AMQPS: the CA that signed the broker's certificate, and this client's
/// certificate and key. The certificate's common name is the broker user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct TlsFiles {
    /// The CA certificate(s) to trust for the broker.
    pub ca_file: std::path::PathBuf,
    /// This client's certificate.
    pub cert_file: std::path::PathBuf,
    /// This client's private key (PKCS#8 or RSA PEM).
    pub key_file: std::path::PathBuf,
}

/// Connecting failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// A TLS file could not be read.
    #[error("reading {path}: {source}")]
    TlsFile {
        /// Which file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The broker refused or could not be reached.
    #[error(transparent)]
    Amqp(#[from] lapin::Error),
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, ConnectError> {
    std::fs::read(path).map_err(|source| ConnectError::TlsFile {
        path: path.display().to_string(),
        source,
    })
}

/// A broker user and its password (unused with a client certificate). The password is never
/// printed.
#[derive(Clone)]
pub struct Credentials {
    /// The broker user (an agency id, or the hub's user).
    pub user: String,
    /// Its password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Opens a connection named `name` (shown in the management UI): AMQPS with the client
/// certificate when the endpoint has TLS files, plain AMQP with the password otherwise.
pub async fn connect(
    endpoint: &BrokerEndpoint,
    credentials: &Credentials,
    name: &str,
) -> Result<Connection, ConnectError> {
    let tls = endpoint.tls.is_some();
    let uri = AMQPUri {
        scheme: if tls {
            AMQPScheme::AMQPS
        } else {
            AMQPScheme::AMQP
        },
        authority: AMQPAuthority {
            userinfo: AMQPUserInfo {
                username: credentials.user.clone(),
                password: if tls {
                    String::new()
                } else {
                    credentials.password.clone()
                },
            },
            host: endpoint.host.clone(),
            port: endpoint.port,
        },
        vhost: endpoint.vhost.clone(),
        query: AMQPQueryString {
            heartbeat: Some(10),
            connection_timeout: Some(10_000),
            auth_mechanism: tls.then_some(SASLMechanism::External),
            ..AMQPQueryString::default()
        },
    };
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    let Some(files) = &endpoint.tls else {
        return Ok(Connection::connect_uri(uri, properties).await?);
    };
    let config = OwnedTLSConfig {
        identity: Some(OwnedIdentity::PKCS8 {
            pem: read(&files.cert_file)?,
            key: read(&files.key_file)?,
        }),
        cert_chain: Some(String::from_utf8_lossy(&read(&files.ca_file)?).into_owned()),
    };
    let runtime = lapin::runtime::default_runtime()?;
    Ok(Connection::connect_uri_with_config(uri, properties, config, runtime).await?)
}

/// Why a publish did not reach a queue. Every variant means "not delivered": the caller keeps
/// the message and tries again later.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The channel or connection failed; the outcome is unknown, so publish again.
    #[error("broker channel failed: {0}")]
    Channel(#[from] lapin::Error),
    /// The broker refused the message (e.g. the queue is full: reject-publish).
    #[error("broker nacked the message")]
    Nacked,
    /// No queue is bound for this routing key (published as mandatory).
    #[error("no queue for routing key {0:?}")]
    Unroutable(String),
}

/// A channel in confirm mode. Every publish is persistent and mandatory.
#[derive(Clone)]
pub struct Publisher {
    channel: Channel,
}

/// One message to publish.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// The exchange.
    pub exchange: &'a str,
    /// The routing key.
    pub routing_key: &'a str,
    /// The bytes.
    pub payload: &'a [u8],
    /// AMQP properties; delivery mode is set to persistent.
    pub properties: BasicProperties,
}

impl Publisher {
    /// Opens a confirm-mode channel on `connection`.
    pub async fn open(connection: &Connection) -> lapin::Result<Self> {
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        Ok(Self { channel })
    }

    /// Whether the channel still works.
    pub fn is_usable(&self) -> bool {
        self.channel.status().connected()
    }

    /// Publishes all messages, then waits for every confirm. The result for each message is
    /// in the same order as the input; only `Ok` means the broker took responsibility.
    pub async fn publish_all(&self, messages: &[Outgoing<'_>]) -> Vec<Result<(), PublishError>> {
        let mut pending = Vec::with_capacity(messages.len());
        for m in messages {
            let sent = self
                .channel
                .basic_publish(
                    m.exchange.into(),
                    m.routing_key.into(),
                    BasicPublishOptions {
                        mandatory: true,
                        ..BasicPublishOptions::default()
                    },
                    m.payload,
                    m.properties.clone().with_delivery_mode(2),
                )
                .await;
            pending.push((m.routing_key, sent));
        }
        let mut results = Vec::with_capacity(pending.len());
        for (routing_key, sent) in pending {
            let result = match sent {
                Err(e) => Err(PublishError::Channel(e)),
                Ok(confirm) => match confirm.await {
                    Err(e) => Err(PublishError::Channel(e)),
                    Ok(Confirmation::Ack(None)) => Ok(()),
                    Ok(Confirmation::Ack(Some(_returned))) => {
                        Err(PublishError::Unroutable(routing_key.to_owned()))
                    }
                    Ok(Confirmation::Nack(_)) => Err(PublishError::Nacked),
                    Ok(Confirmation::NotRequested) => {
                        unreachable!("the channel is in confirm mode")
                    }
                },
            };
            results.push(result);
        }
        results
    }

    /// Publishes one message and waits for its confirm.
    pub async fn publish(&self, message: Outgoing<'_>) -> Result<(), PublishError> {
        self.publish_all(std::slice::from_ref(&message))
            .await
            .remove(0)
    }
}
