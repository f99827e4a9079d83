//! An agency's agent: the only software an agency needs to exchange handover messages
//! through the hub.
//!
//! - [`access_log`]: who at the agency saw or did what, append-only and hash-chained;
//! - [`settings`]: one file per agent, then `AGENT__*` environment variables;
//! - [`store`]: the local SQLite store (outbox before publishing, inbox deduplicated, the
//!   agency's sealing keys and the hub's key directory);
//! - [`run`]: the running agent, its tasks supervised; what `agent run` calls;
//! - [`service`]: the running part, publishing the outbox and consuming the inbox;
//! - [`keys`]: the agency's sealing keys: made once, published to the hub, rotated;
//! - [`sealing`]: sealed fields: a plaintext location in a draft is sealed to each entitled
//!   recipient's published key on [`submit`], and this agency's copy is opened for display,
//!   never stored or logged in clear;
//! - [`people`]: who the person is: the subject pseudonym derived from the national identity
//!   number, the identity sealed to the recipients that may hold it, the person register;
//! - [`present`]: how messages read for a caseworker;
//! - [`http`]: the local HTTP API and the caseworker's inbox page, with health, readiness
//!   and [`metrics`] for operations.
//!
//! The agent never touches the hub's database; it speaks to the hub only through the broker.

pub mod access_log;
pub mod enroll;
pub mod http;
pub mod keys;
pub mod metrics;
pub mod people;
pub mod present;
mod run;
pub mod sealing;
pub mod service;
pub mod settings;
pub mod store;
#[cfg(test)]
mod testing;

use chrono::Utc;
use schemas::{DecodeError, Message, MessageId, MessageType};

pub use run::run;
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
    /// The plaintext location given to seal (`{"seal": {...}}`) is not a sealed location. The
    /// words name the field and the rule, never the value.
    #[error("{path}: {detail}")]
    SealedLocation {
        /// Where, e.g. `body.sealed_destination.seal.city`.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// A recipient of a message with a sealed field has no current key in the key directory
    /// (or is not in it at all, so whether it is entitled cannot be told).
    #[error(
        "no published sealing key for {agency} yet; the key directory arrives from the hub once \
         agents have started"
    )]
    NoKey {
        /// The recipient.
        agency: String,
    },
    /// No recipient may hold the sealed field, so there is nobody to seal it to.
    #[error(
        "no recipient may hold PROTECTED_LOCATION in a {message_type}, so there is nobody to \
         seal body.{field} to"
    )]
    NobodyEntitled {
        /// The message's type.
        message_type: MessageType,
        /// The sealed field.
        field: &'static str,
    },
    /// A recipient's key in the key directory is not a valid key of the sealing scheme.
    #[error("the published sealing key {key_id} of {agency} is not a valid key")]
    BadKey {
        /// The recipient.
        agency: String,
        /// The key.
        key_id: String,
    },
    /// The person the draft names could not be used.
    #[error(transparent)]
    Person(#[from] people::PersonError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Validates a draft (filling in ids, time and sender where missing) and puts it in the
/// outbox. Returns the stored message and whether it was new.
///
/// A draft whose sealed field (see [`schemas::messages::sealed_field`]) holds
/// `{"seal": {<SealedLocation>}}` is sealed here, once its message id is known, to the current
/// key of each recipient entitled to it (by the key directory): only the sealed copies are
/// stored and sent. A draft that carries a sealed object already passes through unchanged.
pub async fn submit(
    store: &Store,
    agent: &schemas::AgencyId,
    draft: &[u8],
) -> Result<(Message, store::Accepted), SubmitError> {
    submit_with(store, agent, None, draft).await
}

/// [`submit`], for a draft that may name its person by national identity number:
/// `"person": {"jurisdiction": "DK", "national_id": "...", "name": "..."}`, or
/// `{"subject": "ps-..."}` for a person in the register. The agent derives the subject
/// pseudonym under `pseudonym_key` ([`people::take_person`]), records the person in its
/// register, and on the types that carry it seals the person's identity to each recipient that
/// may hold it ([`people::seal_identity`]).
pub async fn submit_with(
    store: &Store,
    agent: &schemas::AgencyId,
    pseudonym_key: Option<&people::PseudonymKey>,
    draft: &[u8],
) -> Result<(Message, store::Accepted), SubmitError> {
    let mut value: serde_json::Value = serde_json::from_slice(draft)
        .map_err(|e| SubmitError::Invalid(DecodeError::Malformed(e.to_string())))?;
    let now = Utc::now();
    let person = people::take_person(&mut value, store, pseudonym_key, now).await?;
    schemas::complete_draft(
        &mut value,
        agent,
        MessageId::new(),
        uuid::Uuid::now_v7(),
        Utc::now(),
    );
    let plaintext = sealing::take_plaintext(&mut value, agent)?;
    let bytes = serde_json::to_vec(&value).expect("a JSON value serializes");
    let mut message = schemas::decode(&bytes)?;
    if &message.envelope.sender != agent {
        return Err(SubmitError::WrongSender {
            claimed: message.envelope.sender.to_string(),
            agent: agent.to_string(),
        });
    }
    if let Some(plaintext) = plaintext {
        let directory = store.directory_keys().await?;
        message = sealing::seal_into(&message, &plaintext, &directory)?;
    }
    if let Some(person) = &person {
        let directory = store.directory_keys().await?;
        message = people::seal_identity(&message, &person.identity, &directory)?;
        people::remember(
            store,
            &person.subject,
            &person.identity,
            &person.source,
            now,
        )
        .await?;
    }
    let accepted = store.enqueue(&message, Utc::now()).await?;
    Ok((message, accepted))
}
