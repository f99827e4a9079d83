//! Connecting to the broker, and publishing with confirms.

use lapin::Confirmation;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::uri::{AMQPAuthority, AMQPQueryString, AMQPScheme, AMQPUri, AMQPUserInfo};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

/// Where the broker is, and which vhost to use.
#[derive(Debug, Clone)]
pub struct BrokerEndpoint {
    /// Host name or address.
    pub host: String,
    /// AMQP port.
    pub port: u16,
    /// The vhost holding the hub's topology.
    pub vhost: String,
}

/// A broker user and its password. The password is never printed.
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

/// Opens a connection named `name` (shown in the management UI).
pub async fn connect(
    endpoint: &BrokerEndpoint,
    credentials: &Credentials,
    name: &str,
) -> lapin::Result<Connection> {
    let uri = AMQPUri {
        scheme: AMQPScheme::AMQP,
        authority: AMQPAuthority {
            userinfo: AMQPUserInfo {
                username: credentials.user.clone(),
                password: credentials.password.clone(),
            },
            host: endpoint.host.clone(),
            port: endpoint.port,
        },
        vhost: endpoint.vhost.clone(),
        query: AMQPQueryString {
            heartbeat: Some(10),
            connection_timeout: Some(10_000),
            ..AMQPQueryString::default()
        },
    };
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    Connection::connect_uri(uri, properties).await
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
