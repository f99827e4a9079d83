//! Queue depths, read with a passive `queue.declare` on a connection of the reader's own.
//!
//! RabbitMQ answers a passive declare with the number of messages ready in the queue
//! (delivered but unacknowledged ones are not counted) and checks no permission for it: any
//! user with access to the vhost may ask (checked on RabbitMQ 3.10). So the hub, which may
//! read only `hub.ingress`, can read every inbox's depth, and an agent its own inbox's.
//!
//! A passive declare of a missing queue closes its channel, so each failure costs a fresh
//! channel, never the connection; the connection is kept between reads and opened again
//! when it is lost. It is separate from the consumer's and the publisher's, so a scrape can
//! never disturb them.

use std::time::Duration;

use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use lapin::{Channel, Connection};
use tokio::sync::Mutex;
use tokio::time::{Instant, timeout_at};

use crate::amqp::{BrokerEndpoint, Credentials, connect};

/// Why a queue's depth could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DepthError {
    /// The broker could not be reached (or refused the login).
    #[error("connecting to the broker: {0}")]
    Unreachable(String),
    /// The broker refused (e.g. the queue does not exist) or the channel failed.
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    /// The read took longer than allowed.
    #[error("timed out")]
    TimedOut,
}

/// Reads queue depths on a connection of its own, opened on first use.
pub struct QueueDepths {
    name: String,
    connection: Mutex<Option<Connection>>,
}

impl std::fmt::Debug for QueueDepths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueDepths")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl QueueDepths {
    /// A reader whose connection will be named `connection_name` (shown in the management UI).
    pub fn new(connection_name: impl Into<String>) -> Self {
        Self {
            name: connection_name.into(),
            connection: Mutex::new(None),
        }
    }

    /// The depth of each of `queues`, in order: messages ready, or why it could not be read.
    /// The whole read takes at most `limit`; what is not read by then is [`DepthError::TimedOut`].
    pub async fn read(
        &self,
        endpoint: &BrokerEndpoint,
        credentials: &Credentials,
        queues: &[String],
        limit: Duration,
    ) -> Vec<Result<u32, DepthError>> {
        let deadline = Instant::now() + limit;
        let mut held = self.connection.lock().await;
        let connection = match held.take().filter(|c| c.status().connected()) {
            Some(connection) => connection,
            None => match timeout_at(deadline, connect(endpoint, credentials, &self.name)).await {
                Ok(Ok(connection)) => connection,
                Ok(Err(e)) => {
                    let why = e.to_string();
                    return queues
                        .iter()
                        .map(|_| Err(DepthError::Unreachable(why.clone())))
                        .collect();
                }
                Err(_) => return queues.iter().map(|_| Err(DepthError::TimedOut)).collect(),
            },
        };
        let mut channel: Option<Channel> = None;
        let mut results = Vec::with_capacity(queues.len());
        for queue in queues {
            let result = timeout_at(deadline, declare(&connection, &mut channel, queue)).await;
            results.push(result.unwrap_or(Err(DepthError::TimedOut)));
        }
        if let Some(channel) = channel.filter(|c| c.status().connected()) {
            let _ = timeout_at(deadline, channel.close(200, "depths read".into())).await;
        }
        // A connection that did not answer in time is not trusted with the next read.
        if !results
            .iter()
            .any(|r| matches!(r, Err(DepthError::TimedOut)))
        {
            *held = Some(connection);
        }
        results
    }
}

async fn declare(
    connection: &Connection,
    channel: &mut Option<Channel>,
    queue: &str,
) -> Result<u32, DepthError> {
    let usable = match channel.take() {
        Some(c) if c.status().connected() => c,
        _ => connection.create_channel().await?,
    };
    let declared = usable
        .queue_declare(
            queue.into(),
            QueueDeclareOptions::default().passive(),
            FieldTable::default(),
        )
        .await;
    *channel = Some(usable);
    Ok(declared?.message_count())
}
