//! Names of exchanges and queues, and the permissions that make identity trustworthy.
//!
//! ```text
//! agent ──▶ submit.<agency> (fanout) ──▶ hub.ingress (quorum) ──▶ hub
//! hub ──▶ hub.deliver (direct, key = agency) ──▶ inbox.<agency> (quorum) ──▶ agent
//! rejected by the broker (delivery limit) ──▶ hub.dlx ──▶ hub.dead-letters
//! ```

use schemas::AgencyId;

/// The queue every agency's submissions land in; only the hub reads it.
pub const INGRESS_QUEUE: &str = "hub.ingress";
/// The exchange the hub delivers through, routing key = recipient agency id.
pub const DELIVER_EXCHANGE: &str = "hub.deliver";
/// Where the broker dead-letters what could not be handled (delivery limit exceeded).
pub const DEAD_LETTER_EXCHANGE: &str = "hub.dlx";
/// The queue holding broker dead letters for inspection.
pub const DEAD_LETTER_QUEUE: &str = "hub.dead-letters";
/// How often the broker redelivers a message before dead-lettering it.
pub const DELIVERY_LIMIT: u32 = 20;

const SUBMIT_PREFIX: &str = "submit.";
const INBOX_PREFIX: &str = "inbox.";

/// The exchange an agency publishes into; only it may write there.
pub fn submit_exchange(agency: &AgencyId) -> String {
    format!("{SUBMIT_PREFIX}{agency}")
}

/// The queue an agency consumes; only it may read there.
pub fn inbox_queue(agency: &AgencyId) -> String {
    format!("{INBOX_PREFIX}{agency}")
}

/// The agency whose submit exchange this is: the broker-authenticated sender of a delivery.
pub fn agency_of_submit_exchange(exchange: &str) -> Option<AgencyId> {
    AgencyId::try_from(exchange.strip_prefix(SUBMIT_PREFIX)?).ok()
}

/// RabbitMQ permissions for one user in one vhost: three regular expressions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    /// Which resources it may declare or delete.
    pub configure: String,
    /// Which exchanges it may publish to.
    pub write: String,
    /// Which queues it may consume from.
    pub read: String,
}

/// Matches nothing: not even the default exchange `amq.default`.
const NOTHING: &str = "^$";

/// An agency writes only to its own submit exchange and reads only its own inbox. It never
/// gets the default exchange, which would let it write into any queue by name.
pub fn agency_permissions(agency: &AgencyId) -> Permissions {
    // Agency ids are [a-z0-9-] only, so they need no escaping inside a regular expression.
    Permissions {
        configure: NOTHING.into(),
        write: format!("^{}$", regex_literal(&submit_exchange(agency))),
        read: format!("^{}$", regex_literal(&inbox_queue(agency))),
    }
}

/// The hub reads the ingress and writes to the delivery exchange, nothing else.
pub fn hub_permissions() -> Permissions {
    Permissions {
        configure: NOTHING.into(),
        write: format!("^{}$", regex_literal(DELIVER_EXCHANGE)),
        read: format!("^{}$", regex_literal(INGRESS_QUEUE)),
    }
}

fn regex_literal(name: &str) -> String {
    name.replace('.', "\\.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_comes_back_from_the_exchange_name() {
        let agency = AgencyId::try_from("dk-kriminalforsorgen").unwrap();
        assert_eq!(
            agency_of_submit_exchange(&submit_exchange(&agency)),
            Some(agency)
        );
        assert_eq!(agency_of_submit_exchange("hub.deliver"), None);
        assert_eq!(agency_of_submit_exchange("submit.Bad Name"), None);
        assert_eq!(agency_of_submit_exchange(""), None);
    }

    #[test]
    fn agency_permissions_never_cover_the_default_exchange_or_others() {
        let a = AgencyId::try_from("dk-a").unwrap();
        let p = agency_permissions(&a);
        assert_eq!(p.write, "^submit\\.dk-a$");
        assert_eq!(p.read, "^inbox\\.dk-a$");
        assert_eq!(p.configure, "^$");
    }
}
