//! Connecting to the broker, publishing with confirms, and acknowledging a consumer's
//! batch within a time limit.
//!
//! A broker may be one node or a cluster: [`BrokerEndpoint::nodes`] lists further nodes of the
//! same cluster, and [`connect`] tries them in turn, each connection starting at the next
//! address, so connections spread over the cluster and a stopped node is passed over.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lapin::Confirmation;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicPublishOptions, ConfirmSelectOptions};
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
    /// Further nodes of the same cluster (empty for a single node). [`connect`] tries
    /// `host:port` and these in turn; with TLS each must have a certificate for its host.
    pub nodes: Vec<BrokerAddress>,
    /// The vhost holding the hub's topology.
    pub vhost: String,
    /// AMQPS with a client certificate (EXTERNAL authentication) when set; plain AMQP with a
    /// password otherwise, which is for local development only.
    pub tls: Option<TlsFiles>,
}

impl BrokerEndpoint {
    /// Every address to try: `host:port` first, then the further nodes, each once.
    pub fn addresses(&self) -> Vec<BrokerAddress> {
        let mut all = vec![BrokerAddress {
            host: self.host.clone(),
            port: self.port,
        }];
        for node in &self.nodes {
            if !all.contains(node) {
                all.push(node.clone());
            }
        }
        all
    }
}

/// One node of a broker cluster: a host and its AMQP port, written `host:port` in settings
/// (`[::1]:5672` for an IPv6 address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerAddress {
    /// Host name or address.
    pub host: String,
    /// AMQP (or AMQPS) port.
    pub port: u16,
}

impl std::fmt::Display for BrokerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl std::str::FromStr for BrokerAddress {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (host, port) = s
            .rsplit_once(':')
            .ok_or_else(|| format!("broker node {s:?} is not host:port"))?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let port = port
            .parse()
            .map_err(|_| format!("broker node {s:?} has no valid port"))?;
        if host.is_empty() {
            return Err(format!("broker node {s:?} has no host"));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
        })
    }
}

/// Deserializes a list of broker nodes from a list of `"host:port"` strings (a settings file)
/// or from one string of them separated by commas or spaces (an environment variable such as
/// `HUB__BROKER__NODES=10.0.0.2:5672,10.0.0.3:5672`).
pub fn deserialize_nodes<'de, D>(deserializer: D) -> Result<Vec<BrokerAddress>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Nodes;

    impl<'de> serde::de::Visitor<'de> for Nodes {
        type Value = Vec<BrokerAddress>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(
                "a list of \"host:port\" strings, or one string of them separated by commas",
            )
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            v.split([',', ' '])
                .filter(|part| !part.trim().is_empty())
                .map(|part| part.parse().map_err(E::custom))
                .collect()
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut nodes = Vec::new();
            while let Some(node) = seq.next_element::<String>()? {
                nodes.push(node.parse().map_err(serde::de::Error::custom)?);
            }
            Ok(nodes)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }

    deserializer.deserialize_any(Nodes)
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
    /// The node took the connection but did not finish the handshake in time (a node that
    /// is shutting down can do this).
    #[error("no answer to the connection handshake within {0:?}")]
    HandshakeTimeout(Duration),
}

/// How long opening one connection may take, TCP and AMQP handshake together. lapin bounds
/// the TCP connect only; a node part-way through stopping can accept a socket and never
/// answer the handshake, and without a bound the caller would wait for ever.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

fn read(path: &std::path::Path) -> Result<Vec<u8>, ConnectError> {
    std::fs::read(path).map_err(|source| ConnectError::TlsFile {
        path: path.display().to_string(),
        source,
    })
}

/// A broker user and its password (unused with a client certificate). The password is never
/// printed.
#[derive(Clone)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Credentials {
    /// The broker user (an agency id, or the hub's user).
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Which address the next connection starts at, so connections spread over a cluster.
static NEXT_ADDRESS: AtomicUsize = AtomicUsize::new(0);

/// Opens a connection named `name` (shown in the management UI): AMQPS with the client
/// certificate when the endpoint has TLS files, plain AMQP with the password otherwise.
///
/// With several addresses ([`BrokerEndpoint::nodes`]) it tries each in turn, starting at
/// the next one after where the previous connection started, and returns the first that
/// connects, or the last error when none does. Each attempt takes at most
/// [`CONNECT_TIMEOUT`].
pub async fn connect(
    endpoint: &BrokerEndpoint,
    credentials: &Credentials,
    name: &str,
) -> Result<Connection, ConnectError> {
    let tls = match &endpoint.tls {
        Some(files) => Some(OwnedTLSConfig {
            identity: Some(OwnedIdentity::PKCS8 {
                pem: read(&files.cert_file)?,
                key: read(&files.key_file)?,
            }),
            cert_chain: Some(String::from_utf8_lossy(&read(&files.ca_file)?).into_owned()),
        }),
        None => None,
    };
    let addresses = endpoint.addresses();
    let start = NEXT_ADDRESS.fetch_add(1, Ordering::Relaxed);
    let mut last_error = None;
    for i in 0..addresses.len() {
        let address = &addresses[(start + i) % addresses.len()];
        let attempt = connect_to(endpoint, address, credentials, name, tls.clone());
        match tokio::time::timeout(CONNECT_TIMEOUT, attempt)
            .await
            .unwrap_or(Err(ConnectError::HandshakeTimeout(CONNECT_TIMEOUT)))
        {
            Ok(connection) => return Ok(connection),
            Err(e) => {
                if addresses.len() > 1 {
                    tracing::warn!(%address, connection = name, error = %e, "broker node unreachable; trying the next");
                }
                last_error = Some(e);
            }
        }
    }
    Err(last_error.expect("an endpoint has at least one address"))
}

async fn connect_to(
    endpoint: &BrokerEndpoint,
    address: &BrokerAddress,
    credentials: &Credentials,
    name: &str,
    tls: Option<OwnedTLSConfig>,
) -> Result<Connection, ConnectError> {
    let uri = AMQPUri {
        scheme: if tls.is_some() {
            AMQPScheme::AMQPS
        } else {
            AMQPScheme::AMQP
        },
        authority: AMQPAuthority {
            userinfo: AMQPUserInfo {
                username: credentials.user.clone(),
                password: if tls.is_some() {
                    String::new()
                } else {
                    credentials.password.clone()
                },
            },
            host: address.host.clone(),
            port: address.port,
        },
        vhost: endpoint.vhost.clone(),
        query: AMQPQueryString {
            heartbeat: Some(10),
            connection_timeout: Some(10_000),
            auth_mechanism: tls.is_some().then_some(SASLMechanism::External),
            ..AMQPQueryString::default()
        },
    };
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    let Some(config) = tls else {
        return Ok(Connection::connect_uri(uri, properties).await?);
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
    /// No confirm within [`CONFIRM_TIMEOUT`]; the outcome is unknown, so publish again on a
    /// fresh channel.
    #[error("no confirm from the broker within {0:?}")]
    ConfirmTimeout(Duration),
}

impl PublishError {
    /// Whether the channel can no longer be trusted: the caller should reconnect.
    pub fn is_channel_failure(&self) -> bool {
        matches!(
            self,
            PublishError::Channel(_) | PublishError::ConfirmTimeout(_)
        )
    }
}

/// Why a batch of deliveries could not be acknowledged. Either way the caller gives the
/// session up and reconnects; the broker delivers the batch again.
#[derive(Debug, thiserror::Error)]
pub enum AckError {
    /// The channel or connection failed.
    #[error("acknowledging failed: {0}")]
    Channel(#[from] lapin::Error),
    /// No answer within the limit: the connection may have died under it.
    #[error("no acknowledgement within {0:?}")]
    TimedOut(Duration),
}

/// Acknowledges every delivery of `batch` at once, with one multiple-ack of the last,
/// giving up after `limit`: on a connection that died under it (seen when a cluster node
/// stopped) an acknowledgement may never complete, and the caller then reconnects and takes
/// the redelivered batch once. An empty batch needs nothing.
pub async fn acknowledge(batch: &[Delivery], limit: Duration) -> Result<(), AckError> {
    let Some(last) = batch.last() else {
        return Ok(());
    };
    tokio::time::timeout(limit, last.acker.ack(BasicAckOptions { multiple: true }))
        .await
        .map_err(|_| AckError::TimedOut(limit))??;
    Ok(())
}

/// How long [`Publisher::publish_all`] waits for a batch's confirms. A confirm can stay away
/// for good when a cluster node fails over at the wrong moment; without a limit, whoever
/// waits (the hub's ingress, an agent's outbox) would stop for good too.
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(30);

/// A channel in confirm mode. Every publish is persistent and mandatory.
#[derive(Clone)]
pub struct Publisher {
    channel: Channel,
}

/// One message to publish.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Outgoing<'a> {
    pub exchange: &'a str,
    /// The routing key.
    pub routing_key: &'a str,
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
        let deadline = tokio::time::Instant::now() + CONFIRM_TIMEOUT;
        let mut results = Vec::with_capacity(pending.len());
        for (routing_key, sent) in pending {
            let result = match sent {
                Err(e) => Err(PublishError::Channel(e)),
                Ok(confirm) => match tokio::time::timeout_at(deadline, confirm).await {
                    Err(_elapsed) => Err(PublishError::ConfirmTimeout(CONFIRM_TIMEOUT)),
                    Ok(Err(e)) => Err(PublishError::Channel(e)),
                    Ok(Ok(Confirmation::Ack(None))) => Ok(()),
                    Ok(Ok(Confirmation::Ack(Some(_returned)))) => {
                        Err(PublishError::Unroutable(routing_key.to_owned()))
                    }
                    Ok(Ok(Confirmation::Nack(_))) => Err(PublishError::Nacked),
                    Ok(Ok(Confirmation::NotRequested)) => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_empty_batch_needs_no_acknowledgement() {
        acknowledge(&[], Duration::from_millis(1)).await.unwrap();
        let timed_out = AckError::TimedOut(Duration::from_secs(10)).to_string();
        assert_eq!(timed_out, "no acknowledgement within 10s");
    }

    fn endpoint(nodes: &[&str]) -> BrokerEndpoint {
        BrokerEndpoint {
            host: "10.0.0.1".into(),
            port: 5672,
            nodes: nodes.iter().map(|n| n.parse().unwrap()).collect(),
            vhost: "handover".into(),
            tls: None,
        }
    }

    #[test]
    fn addresses_start_with_host_and_port_and_hold_each_node_once() {
        let all = endpoint(&["10.0.0.2:5672", "10.0.0.1:5672", "[::1]:5673"]).addresses();
        let shown: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.0.0.1:5672", "10.0.0.2:5672", "[::1]:5673"]);
        assert_eq!(endpoint(&[]).addresses().len(), 1);
    }

    #[test]
    fn node_addresses_need_a_host_and_a_port() {
        for bad in ["localhost", "localhost:", ":5672", "localhost:99999", ""] {
            assert!(
                bad.parse::<BrokerAddress>().is_err(),
                "{bad:?} was accepted"
            );
        }
    }

    #[derive(Debug, serde::Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "deserialize_nodes")]
        nodes: Vec<BrokerAddress>,
    }

    #[test]
    fn nodes_come_from_a_list_or_from_one_separated_string() {
        let from_list: Holder = serde_json::from_str(r#"{"nodes": ["a:1", "b:2"]}"#).unwrap();
        let from_string: Holder = serde_json::from_str(r#"{"nodes": "a:1, b:2"}"#).unwrap();
        let absent: Holder = serde_json::from_str("{}").unwrap();
        assert_eq!(from_list.nodes, from_string.nodes);
        assert_eq!(from_list.nodes.len(), 2);
        assert!(absent.nodes.is_empty());
        assert!(serde_json::from_str::<Holder>(r#"{"nodes": "a"}"#).is_err());
    }
}
