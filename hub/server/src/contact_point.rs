//! What the national contact point may see of relocations: counts, never rows. A relocated
//! person's life can depend on the new town not leaking, so the contact point gets no
//! pseudonym, case or agency of a relocation, and every count under 5 is suppressed (small
//! cells identify people).

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::{PgPool, Row};

/// Counts under this are suppressed.
pub const SUPPRESS_UNDER: i64 = 5;

/// A count as the contact point sees it: exact from 5 up, otherwise only "under 5".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Count {
    /// 5 or more.
    Exact(i64),
    /// 1 to 4 (0 is shown as 0: nobody to identify).
    #[serde(serialize_with = "under_five")]
    Suppressed,
}

fn under_five<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("<5")
}

impl Count {
    /// The count with small cells suppressed.
    pub fn of(n: i64) -> Count {
        if n == 0 || n >= SUPPRESS_UNDER {
            Count::Exact(n)
        } else {
            Count::Suppressed
        }
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Count::Exact(n) => write!(f, "{n}"),
            Count::Suppressed => f.write_str("<5"),
        }
    }
}

/// Relocations of one jurisdiction, by where they stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelocationCounts {
    /// Requested, in all.
    pub requested: Count,
    /// Confirmed: the person moved and the destination owns the case.
    pub confirmed: Count,
    /// Declined by the destination.
    pub rejected: Count,
    /// Still waiting for an answer.
    pub open: Count,
    /// Answered late or not at all within 2 calendar days (escalated to the origin).
    pub overdue: Count,
}

/// Relocation counts per jurisdiction (of the requesting municipality).
pub async fn relocation_counts(
    pool: &PgPool,
) -> Result<BTreeMap<String, RelocationCounts>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT h.jurisdiction,
                count(*) AS requested,
                count(*) FILTER (WHERE h.state = 'accepted') AS confirmed,
                count(*) FILTER (WHERE h.state = 'rejected') AS rejected,
                count(*) FILTER (WHERE h.state IN ('requested', 'received')) AS open,
                count(*) FILTER (WHERE EXISTS (
                    SELECT 1 FROM escalations e
                    WHERE e.subject_ref = h.handover_id::text AND e.deadline = 'RelocationAnswered'
                )) AS overdue
         FROM handovers h WHERE h.kind = 'relocation'
         GROUP BY h.jurisdiction ORDER BY h.jurisdiction",
    )
    .fetch_all(pool)
    .await?;
    let mut out = BTreeMap::new();
    for row in rows {
        let count = |name: &str| row.try_get::<i64, _>(name).map(Count::of);
        out.insert(
            row.try_get("jurisdiction")?,
            RelocationCounts {
                requested: count("requested")?,
                confirmed: count("confirmed")?,
                rejected: count("rejected")?,
                open: count("open")?,
                overdue: count("overdue")?,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cells_are_suppressed_and_zero_is_not() {
        assert_eq!(Count::of(0), Count::Exact(0));
        for n in 1..5 {
            assert_eq!(Count::of(n), Count::Suppressed, "{n}");
        }
        assert_eq!(Count::of(5), Count::Exact(5));
        assert_eq!(serde_json::to_string(&Count::of(3)).unwrap(), "\"<5\"");
        assert_eq!(serde_json::to_string(&Count::of(12)).unwrap(), "12");
    }
}
