//! Names of exchanges and queues, and the permissions that make identity trustworthy.
//!
//! ```text
//! agent ──▶ submit.<agency> (fanout) ──▶ hub.ingress (quorum) ──▶ hub
//! hub ──▶ hub.deliver (direct, key = agency) ──▶ inbox.<agency>.<tag> (quorum) ──▶ agent
//! rejected by the broker (delivery limit) ──▶ hub.dlx ──▶ hub.dead-letters
//! ```
//!
//! An inbox's name ends in a random tag that only the hub and the agency know
//! ([`inbox_queue`]): RabbitMQ answers a passive `queue.declare` from any user of the vhost,
//! without a permission check, with the queue's depth and its number of consumers. A name
//! another agency cannot guess keeps whether an agency is online, and how much waits for it,
//! to that agency.

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

/// The queue an agency consumes, `inbox.<agency>.<tag>`; only it may read there. `tag` is
/// the random part the hub gave it when it was provisioned ([`INBOX_TAG_LEN`] lowercase hex
/// digits).
pub fn inbox_queue(agency: &AgencyId, tag: &str) -> String {
    format!("{INBOX_PREFIX}{agency}.{tag}")
}

/// The length of an inbox tag: 128 random bits in hex.
pub const INBOX_TAG_LEN: usize = 32;

/// Whether `queue` is a well-formed inbox name of `agency` ([`inbox_queue`]).
pub fn is_inbox_of(queue: &str, agency: &AgencyId) -> bool {
    queue
        .strip_prefix(INBOX_PREFIX)
        .and_then(|rest| rest.strip_prefix(agency.as_str()))
        .and_then(|rest| rest.strip_prefix('.'))
        .is_some_and(|tag| {
            tag.len() == INBOX_TAG_LEN
                && tag.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
}

/// The name an agency's inbox had before inboxes were tagged, which anyone could guess.
/// Provisioning retires such a queue ([`crate::Management::retire_legacy_inbox`]); metrics
/// use it as the inbox's label, so the tag never appears in them.
pub fn legacy_inbox_queue(agency: &AgencyId) -> String {
    format!("{INBOX_PREFIX}{agency}")
}

/// The broker user `agency` logs in as, in an installation whose user names carry `prefix`:
/// `prod.` makes `prod.dk-kobenhavn-kommune`; an empty prefix makes the agency id itself.
/// Broker users are shared by every vhost of a broker, so two installations on one broker
/// keep their agencies' logins apart by their prefixes.
pub fn agency_user(prefix: &str, agency: &AgencyId) -> String {
    format!("{prefix}{agency}")
}

/// Whether `user` is the login of `agency` in an installation whose user names carry
/// `prefix` (see [`agency_user`]).
pub fn is_agency_user(prefix: &str, user: &str, agency: &AgencyId) -> bool {
    user.strip_prefix(prefix) == Some(agency.as_str())
}

/// Why `prefix` cannot prefix broker user names, if it cannot: it has at most 32 characters
/// of `a`-`z`, `0`-`9`, `.`, `-` and `_` (safe in a user name, a certificate's common name
/// and a URL path).
pub fn user_prefix_problem(prefix: &str) -> Option<String> {
    if prefix.len() > 32 {
        return Some(format!("{} characters; at most 32", prefix.len()));
    }
    prefix
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '.' | '-' | '_'))
        .map(|c| format!("{c:?} is not one of a-z, 0-9, '.', '-', '_'"))
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

/// An agency writes only to its own submit exchange and reads only its own inbox, `inbox`
/// ([`inbox_queue`]). It never gets the default exchange, which would let it write into any
/// queue by name.
pub fn agency_permissions(agency: &AgencyId, inbox: &str) -> Permissions {
    // Agency ids are [a-z0-9-] only and tags hex, so they need no escaping inside a regular
    // expression beyond the dots.
    Permissions {
        configure: NOTHING.into(),
        write: format!("^{}$", regex_literal(&submit_exchange(agency))),
        read: format!("^{}$", regex_literal(inbox)),
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
    fn a_login_is_an_agencys_only_with_the_installations_prefix() {
        let agency = AgencyId::try_from("dk-kriminalforsorgen").unwrap();
        let user = agency_user("second.", &agency);
        assert_eq!(user, "second.dk-kriminalforsorgen");
        assert!(is_agency_user("second.", &user, &agency));
        assert!(!is_agency_user("second.", "dk-kriminalforsorgen", &agency));
        assert!(!is_agency_user("", &user, &agency));
        let other = AgencyId::try_from("dk-politi").unwrap();
        assert!(!is_agency_user("second.", "second.dk-politi", &agency));
        assert!(is_agency_user("", "dk-politi", &other));
        assert_eq!(user_prefix_problem("prod-2_a."), None);
        assert!(user_prefix_problem("Prod").is_some());
    }

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
        let tag = "0123456789abcdef0123456789abcdef";
        let p = agency_permissions(&a, &inbox_queue(&a, tag));
        assert_eq!(p.write, "^submit\\.dk-a$");
        assert_eq!(p.read, format!("^inbox\\.dk-a\\.{tag}$"));
        assert_eq!(p.configure, "^$");
    }

    #[test]
    fn an_inbox_name_is_the_agency_and_a_full_tag() {
        let a = AgencyId::try_from("dk-a").unwrap();
        let tag = "0123456789abcdef0123456789abcdef";
        assert!(is_inbox_of(&inbox_queue(&a, tag), &a));
        let other = AgencyId::try_from("dk-ab").unwrap();
        assert!(!is_inbox_of(&inbox_queue(&other, tag), &a), "a longer id");
        assert!(!is_inbox_of(&legacy_inbox_queue(&a), &a), "no tag");
        assert!(!is_inbox_of(&inbox_queue(&a, &tag[1..]), &a), "short tag");
        assert!(
            !is_inbox_of(&inbox_queue(&a, &tag.to_uppercase()), &a),
            "not lowercase hex"
        );
    }
}
