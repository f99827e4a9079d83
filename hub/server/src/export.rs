//! Exports for people and other systems: a person's disclosure log as CSV (JSON comes from
//! serde).

use crate::db::Disclosure;

/// The disclosure log as CSV (RFC 4180), one delivery per line, with a header.
pub fn disclosures_csv(log: &[Disclosure]) -> String {
    let mut out = String::from(
        "decided_at,sender,recipient,message_type,message_id,case_id,categories,removed_categories,gateway,basis\r\n",
    );
    for d in log {
        let fields = [
            d.at.to_rfc3339(),
            d.sender.clone(),
            d.recipient.clone(),
            d.message_type.clone(),
            d.message_id.to_string(),
            d.case_id.clone().unwrap_or_default(),
            d.categories.join(";"),
            d.removed.join(";"),
            d.gateway.clone(),
            d.basis.join(";"),
        ];
        out.push_str(&broker::csv::line(&fields));
        out.push_str("\r\n");
    }
    out
}
