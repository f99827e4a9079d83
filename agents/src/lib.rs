//! An agency's agent: the only software an agency needs to exchange handover messages
//! through the hub.
//!
//! - [`settings`]: one file per agent, then `AGENT__*` environment variables;
//! - [`store`]: the local SQLite store (outbox before publishing, inbox deduplicated);
//! - [`service`]: the running part, publishing the outbox and consuming the inbox;
//! - [`present`]: how messages read for a caseworker;
//! - [`http`]: the local HTTP API and the caseworker's inbox page.
//!
//! The agent never touches the hub's database; it speaks to the hub only through the broker.

pub mod http;
pub mod present;
pub mod service;
pub mod settings;
pub mod store;

use chrono::Utc;
use schemas::{DecodeError, Message, MessageId};

pub use settings::Settings;
pub use store::Store;

/// Why a submission was not accepted by the agent.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The input is not a valid message.
    #[error("{0}")]
    Invalid(#[from] DecodeError),
    /// The envelope names another agency as sender.
    #[error("envelope.sender is {claimed}, but this agent speaks for {agent}")]
    WrongSender {
        /// The sender written in the message.
        claimed: String,
        /// This agent's agency.
        agent: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Validates a draft (filling in ids, time and sender where missing) and puts it in the
/// outbox. Returns the stored message and whether it was new.
pub async fn submit(
    store: &Store,
    agent: &schemas::AgencyId,
    draft: &[u8],
) -> Result<(Message, store::Accepted), SubmitError> {
    let mut value: serde_json::Value = serde_json::from_slice(draft)
        .map_err(|e| SubmitError::Invalid(DecodeError::Malformed(e.to_string())))?;
    schemas::complete_draft(
        &mut value,
        agent,
        MessageId::new(),
        uuid::Uuid::now_v7(),
        Utc::now(),
    );
    let bytes = serde_json::to_vec(&value).expect("a JSON value serializes");
    let message = schemas::decode(&bytes)?;
    if &message.envelope.sender != agent {
        return Err(SubmitError::WrongSender {
            claimed: message.envelope.sender.to_string(),
            agent: agent.to_string(),
        });
    }
    let accepted = store.enqueue(&message, Utc::now()).await?;
    Ok((message, accepted))
}
