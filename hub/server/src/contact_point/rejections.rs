//! Why handovers were rejected and why the hub refused messages or recipients in a closed
//! period, by reason code: the hub keeps codes only, no free text.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hub_core::periods::{Period, local_day};
use schemas::Jurisdiction;
use serde::Serialize;
use sqlx::PgPool;

use super::Count;
use super::figures::{ONE, rows_of_year, tick};
use super::year_sheet::{RowValues, TableCells, YearSheet, zeros};

/// Why handovers were rejected, and why the hub refused messages or recipients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectionFigures {
    /// Handovers rejected, by the receiving agency's reason code.
    pub handovers: Vec<(String, Count)>,
    /// Messages and recipients the hub refused, by reason code (senders of the jurisdiction).
    pub hub_refusals: Vec<(String, Count)>,
}

/// A reason code and the time it was given.
#[derive(sqlx::FromRow)]
struct CodeRow {
    code: String,
    at: DateTime<Utc>,
}

/// Handovers rejected (by the day of the rejection) and messages and recipients the hub
/// refused (by the day the message arrived) in `period`, by reason code.
pub async fn rejections(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    period: Period,
) -> Result<RejectionFigures, sqlx::Error> {
    let handovers: Vec<CodeRow> = rows_of_year(
        pool,
        "SELECT coalesce(reject_code, 'not given') AS code, answered_at AS at FROM handovers
         WHERE kind = 'handover' AND state = 'rejected' AND jurisdiction = $1
           AND answered_at >= $2 AND answered_at < $3",
        jurisdiction,
        period.year(),
    )
    .await?;
    let refusals: Vec<CodeRow> = rows_of_year(
        pool,
        "SELECT m.reason AS code, m.received_at AS at FROM messages m JOIN agencies a ON a.id = m.sender
         WHERE m.outcome = 'refused' AND m.reason IS NOT NULL AND a.jurisdiction = $1
           AND m.received_at >= $2 AND m.received_at < $3
         UNION ALL
         SELECT d.reason AS code, m.received_at AS at FROM decisions d
         JOIN messages m ON m.sender = d.sender AND m.message_id = d.message_id
         JOIN agencies a ON a.id = d.sender
         WHERE NOT d.delivered AND m.outcome = 'routed' AND d.reason IS NOT NULL AND a.jurisdiction = $1
           AND m.received_at >= $2 AND m.received_at < $3",
        jurisdiction,
        period.year(),
    )
    .await?;
    let mut year = YearSheet::new(period.year());
    let periods = year.periods().to_vec();
    let by_code = |rows: Vec<CodeRow>| {
        let mut values: BTreeMap<String, RowValues> = BTreeMap::new();
        for row in rows {
            let day = local_day(row.at, jurisdiction);
            tick(
                values.entry(row.code).or_insert_with(|| zeros(1)),
                &periods,
                0,
                day,
            );
        }
        values
    };
    let handovers = by_code(handovers);
    let refusals = by_code(refusals);
    let handover_cells = TableCells::lay_out(&mut year, &ONE, handovers, None);
    let refusal_cells = TableCells::lay_out(&mut year, &ONE, refusals, None);
    let published = year.suppress();
    let pairs = |cells: &TableCells| -> Vec<(String, Count)> {
        let mut rows: Vec<(String, Count)> = cells
            .publish(&published, &ONE, period)
            .rows
            .into_iter()
            .filter_map(|r| Some((r.label, *r.cells.first()?)))
            .collect();
        rows.sort_by(|a, b| {
            b.1.exact()
                .unwrap_or(0)
                .cmp(&a.1.exact().unwrap_or(0))
                .then(a.0.cmp(&b.0))
        });
        rows
    };
    Ok(RejectionFigures {
        handovers: pairs(&handover_cells),
        hub_refusals: pairs(&refusal_cells),
    })
}
