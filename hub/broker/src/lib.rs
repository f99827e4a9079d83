//! The hub's AMQP contract, shared by the hub and the agents.
//!
//! - [`topology`]: the names of exchanges and queues and what each agency may touch;
//! - [`management`]: idempotent provisioning through RabbitMQ's management API (vhost,
//!   users, least-privilege permissions, quorum queues, dead-letter policy);
//! - [`amqp`]: connecting, and publishing with confirms where a returned or nacked message is
//!   a failure, never a success;
//! - [`depth`]: queue depths for metrics, by passive declare on a connection of its own;
//! - [`certificate`]: when a client certificate expires, for metrics;
//! - [`metrics`]: the consuming flag and the exposition every service's metrics share;
//! - [`web`]: what every HTTP listener shares (header-read timeout, Host check, cross-origin
//!   refusal, security headers);
//! - [`terminal`]: stored text made safe to print on a terminal;
//! - [`csv`]: the quoting of the CSV exports.
//!
//! Identity rule: the hub learns who sent a message from the exchange it arrived through
//! (`submit.<agency>`, writable only by that agency's broker user), never from the body.

pub mod amqp;
pub mod certificate;
pub mod csv;
pub mod depth;
pub mod management;
pub mod metrics;
pub mod service;
pub mod terminal;
pub mod topology;
pub mod web;

/// An HTTP client builder with TLS through rustls's ring provider (installed as this
/// process's default the first time; the workspace builds no other provider). Every HTTP
/// client of the hub, the agents and the tests starts here: `reqwest` with TLS but without a
/// provider of its own refuses to build a client until one is installed.
pub fn http_client() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

pub use amqp::{
    BrokerEndpoint, ConnectError, Credentials, Outgoing, PublishError, Publisher, TlsFiles, connect,
};
pub use management::{LegacyInbox, Management, ManagementError};
