//! What the national contact point may see: aggregates, and pseudonymous rows of overdue
//! handovers, for its own jurisdiction only.
//!
//! - every count from 1 to 4 is suppressed ([`Count::Suppressed`]), and so is a rate whose
//!   part or rest is (a rate of 3 out of 40 gives the 3 away; so does 37 out of 40)
//!   ([`Rate`]);
//! - where a total would let a suppressed count be worked out by subtraction, another count
//!   is withheld with it ([`Count::Withheld`], see [`suppress`]);
//! - a percentile over fewer than 5 handovers is not shown;
//! - pseudonyms come from the contact point's own key
//!   ([`crate::deadlines::contact_point_pseudonym`]), so they cannot be joined with the
//!   pseudonyms agencies hold;
//! - relocations are counts only: no row, pseudonym or agency of a relocation, and the rows of
//!   a case that had one carry no agencies (agency names give the town away).
//!
//! A case belongs to the jurisdiction and region of its owner; a handover to the jurisdiction
//! recorded on it; an outcome to its reporting agency's.

pub mod suppress;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemas::{Jurisdiction, Pseudonym};
use serde::Serialize;
use sqlx::{PgPool, Row};

use crate::deadlines::contact_point_pseudonym;
use crate::settings::Secret;
use suppress::{Cell, Published, Sheet, Split};

/// Counts under this are suppressed.
pub const SUPPRESS_UNDER: i64 = 5;

/// A count as the contact point sees it: exact from 5 up, otherwise only "under 5".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Count {
    /// 0, or 5 or more.
    Exact(i64),
    /// 1 to 4 (0 is shown as 0: nobody to identify).
    #[serde(serialize_with = "under_five")]
    Suppressed,
    /// 0 or 5 or more, withheld because a total would otherwise give a suppressed count away
    /// (see [`suppress`]).
    #[serde(serialize_with = "suppressed")]
    Withheld,
}

fn under_five<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("<5")
}

impl Count {
    /// The count with small cells suppressed, for a count no published total includes.
    pub fn of(n: i64) -> Count {
        if n == 0 || n >= SUPPRESS_UNDER {
            Count::Exact(n)
        } else {
            Count::Suppressed
        }
    }

    /// The exact value, when it may be shown.
    pub fn exact(self) -> Option<i64> {
        match self {
            Count::Exact(n) => Some(n),
            Count::Suppressed | Count::Withheld => None,
        }
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Count::Exact(n) => write!(f, "{n}"),
            Count::Suppressed => f.write_str("<5"),
            Count::Withheld => f.write_str("suppressed"),
        }
    }
}

/// A share of a whole, in per cent with one decimal; suppressed when the part or the rest is
/// a small cell, or when there is nothing to share.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Rate {
    /// The share, e.g. 62.5.
    Percent(f64),
    /// Not shown.
    #[serde(serialize_with = "suppressed")]
    Suppressed,
}

fn suppressed<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("suppressed")
}

impl Rate {
    /// `part` of `whole`, or suppressed.
    pub fn of(part: i64, whole: i64) -> Rate {
        let small = |n: i64| (1..SUPPRESS_UNDER).contains(&n);
        if whole <= 0 || small(part) || small(whole - part) || small(whole) {
            Rate::Suppressed
        } else {
            Rate::Percent((part as f64 * 1000.0 / whole as f64).round() / 10.0)
        }
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rate::Percent(p) => write!(f, "{p:.1} %"),
            Rate::Suppressed => f.write_str("suppressed"),
        }
    }
}

/// The value at fraction `q` (0 to 1) of sorted `values`, interpolated linearly between the
/// nearest ranks (as PostgreSQL's `percentile_cont`). None when there are no values.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let position = q.clamp(0.0, 1.0) * last as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let weight = position - below as f64;
    Some(sorted[below] + (sorted[above] - sorted[below]) * weight)
}

/// A table of counts: rows by a label, columns by another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    /// The column labels.
    pub columns: Vec<String>,
    /// One row per label, with a count per column and the row's total.
    pub rows: Vec<MatrixRow>,
}

/// One row of a [`Matrix`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixRow {
    /// The row's label.
    pub label: String,
    /// A count per column, in the matrix's column order.
    pub cells: Vec<Count>,
    /// The row's total.
    pub total: Count,
}

/// A [`Matrix`] laid out on a [`Sheet`]: a count per row and column, and each row's total.
struct MatrixCells {
    columns: Vec<String>,
    rows: Vec<(String, Vec<Cell>, Cell)>,
}

impl MatrixCells {
    /// From `(row, column, n)` triples; columns in `columns` order, then any others in the
    /// order they come. Records each row's sum.
    fn lay_out(
        sheet: &mut Sheet,
        columns: &[&str],
        triples: Vec<(String, String, i64)>,
    ) -> MatrixCells {
        let mut all_columns: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
        let mut rows: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        for (row, column, n) in triples {
            if !all_columns.contains(&column) {
                all_columns.push(column.clone());
            }
            *rows.entry(row).or_default().entry(column).or_default() += n;
        }
        let rows = rows
            .into_iter()
            .map(|(label, by_column)| {
                let cells: Vec<Cell> = all_columns
                    .iter()
                    .map(|c| sheet.cell(by_column.get(c).copied().unwrap_or(0)))
                    .collect();
                let total = sheet.total_of(&cells);
                (label, cells, total)
            })
            .collect();
        MatrixCells {
            columns: all_columns,
            rows,
        }
    }

    /// The cells of column `i`, top to bottom.
    fn column(&self, i: usize) -> Vec<Cell> {
        self.rows.iter().map(|(_, cells, _)| cells[i]).collect()
    }

    /// The rows' totals.
    fn row_totals(&self) -> Vec<Cell> {
        self.rows.iter().map(|(_, _, total)| *total).collect()
    }

    /// The row labelled `label`: its cells and its total.
    fn row(&self, label: &str) -> Option<(&[Cell], Cell)> {
        self.rows
            .iter()
            .find(|(l, _, _)| l == label)
            .map(|(_, cells, total)| (cells.as_slice(), *total))
    }

    fn publish(&self, published: &Published) -> Matrix {
        Matrix {
            columns: self.columns.clone(),
            rows: self
                .rows
                .iter()
                .map(|(label, cells, total)| MatrixRow {
                    label: label.clone(),
                    cells: cells.iter().map(|c| published.count(*c)).collect(),
                    total: published.count(*total),
                })
                .collect(),
        }
    }
}

/// The case stages, in their order.
pub const STAGES: [&str; 5] = ["referred", "intake", "active", "suspended", "closed"];

/// Cases by programme, stage, region and owning agency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseFigures {
    /// All cases of the jurisdiction.
    pub total: Count,
    /// By stage.
    pub by_stage: Vec<(String, Count)>,
    /// Programme (of the person's latest consent) by stage.
    pub by_programme: Matrix,
    /// Region (of the owning agency) by stage.
    pub by_region: Matrix,
    /// Owning agency by stage.
    pub by_agency: Matrix,
}

fn jurisdiction_text(j: Jurisdiction) -> &'static str {
    match j {
        Jurisdiction::DK => "DK",
        Jurisdiction::NO => "NO",
        Jurisdiction::SE => "SE",
    }
}

/// Cases of `jurisdiction`. Suppressed together with consent coverage (see [`case_tables`]).
pub async fn cases(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    today: chrono::NaiveDate,
) -> Result<CaseFigures, sqlx::Error> {
    Ok(case_tables(pool, jurisdiction, today).await?.0)
}

/// Consent coverage of the open cases of `jurisdiction` on `today`: a consent in force is
/// the person's current version, active, within its period, and not withdrawn in whole.
/// Suppressed together with the case figures (see [`case_tables`]).
pub async fn consent_coverage(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    today: chrono::NaiveDate,
) -> Result<CoverageFigures, sqlx::Error> {
    Ok(case_tables(pool, jurisdiction, today).await?.1)
}

/// The case figures and the consent coverage, read from one snapshot and suppressed on one
/// sheet: a region's open cases are its cases less its closed ones, so a count withheld in
/// one view could otherwise be worked out from the other.
async fn case_tables(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    today: chrono::NaiveDate,
) -> Result<(CaseFigures, CoverageFigures), sqlx::Error> {
    let mut tx = snapshot(pool).await?;
    let rows = sqlx::query(
        "SELECT coalesce((SELECT c.record->>'programme' FROM consents c WHERE c.subject = k.subject
                          ORDER BY c.recorded_at DESC, c.version DESC LIMIT 1), 'no consent recorded') AS programme,
                coalesce(a.region, 'unknown') AS region, a.name AS agency, k.stage, count(*) AS n
         FROM cases k JOIN agencies a ON a.id = k.owner
         WHERE a.jurisdiction = $1
         GROUP BY 1, 2, 3, 4",
    )
    .bind(jurisdiction_text(jurisdiction))
    .fetch_all(&mut *tx)
    .await?;
    let coverage = sqlx::query(
        "SELECT coalesce(a.region, 'unknown') AS region, count(*) AS open_cases,
                count(*) FILTER (WHERE EXISTS (
                    SELECT 1 FROM consents c
                    WHERE c.subject = k.subject AND NOT c.superseded
                      AND c.record->>'status' = 'active'
                      AND (c.record->'period'->>'start')::date <= $2
                      AND (c.record->'period'->>'end')::date >= $2
                      AND NOT EXISTS (SELECT 1 FROM consent_withdrawals w
                                      WHERE w.consent_id = c.consent_id AND w.scope = '\"entire\"'::jsonb
                                        AND c.version <= coalesce(w.through_version, c.version))
                )) AS with_consent
         FROM cases k JOIN agencies a ON a.id = k.owner
         WHERE a.jurisdiction = $1 AND k.stage <> 'closed'
         GROUP BY 1 ORDER BY 1",
    )
    .bind(jurisdiction_text(jurisdiction))
    .bind(today)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    let mut programme = Vec::new();
    let mut region = Vec::new();
    let mut agency = Vec::new();
    let mut stage_totals: BTreeMap<String, i64> = BTreeMap::new();
    for row in rows {
        let stage: String = row.try_get("stage")?;
        let n: i64 = row.try_get("n")?;
        programme.push((row.try_get("programme")?, stage.clone(), n));
        region.push((row.try_get("region")?, stage.clone(), n));
        agency.push((row.try_get("agency")?, stage.clone(), n));
        *stage_totals.entry(stage).or_default() += n;
    }
    // The known stages in their order, then any other the database holds.
    let mut stages: Vec<&str> = STAGES.to_vec();
    stages.extend(
        stage_totals
            .keys()
            .map(String::as_str)
            .filter(|s| !STAGES.contains(s)),
    );

    let mut sheet = Sheet::default();
    let by_programme = MatrixCells::lay_out(&mut sheet, &stages, programme);
    let by_region = MatrixCells::lay_out(&mut sheet, &stages, region);
    let by_agency = MatrixCells::lay_out(&mut sheet, &stages, agency);
    let by_stage: Vec<Cell> = stages
        .iter()
        .map(|s| sheet.cell(stage_totals.get(*s).copied().unwrap_or(0)))
        .collect();
    let total = sheet.total_of(&by_stage);
    for m in [&by_programme, &by_region, &by_agency] {
        for (i, stage) in by_stage.iter().enumerate() {
            sheet.sum(*stage, &m.column(i));
        }
        sheet.sum(total, &m.row_totals());
    }

    let closed = stages.iter().position(|s| *s == "closed");
    let mut regions = Vec::new();
    for row in coverage {
        let label: String = row.try_get("region")?;
        let split = sheet.split(row.try_get("open_cases")?, row.try_get("with_consent")?);
        // The region's open cases are its cases less its closed ones.
        if let (Some((cells, region_total)), Some(closed)) = (by_region.row(&label), closed) {
            sheet.sum(region_total, &[split.whole, cells[closed]]);
        }
        regions.push((label, split));
    }
    let all = total_split(&mut sheet, regions.iter().map(|(_, s)| *s));
    if let Some(closed) = closed {
        sheet.sum(total, &[all.whole, by_stage[closed]]);
    }

    let published = sheet.suppress();
    let coverage_row = |region: String, split: Split| CoverageRow {
        region,
        open_cases: published.count(split.whole),
        with_consent: published.count(split.part),
        coverage: published.rate(split),
    };
    let cases = CaseFigures {
        total: published.count(total),
        by_stage: stages
            .iter()
            .zip(&by_stage)
            .map(|(s, c)| ((*s).to_owned(), published.count(*c)))
            .collect(),
        by_programme: by_programme.publish(&published),
        by_region: by_region.publish(&published),
        by_agency: by_agency.publish(&published),
    };
    let coverage = CoverageFigures {
        by_region: regions
            .into_iter()
            .map(|(label, split)| coverage_row(label, split))
            .collect(),
        total: coverage_row("all".to_owned(), all),
    };
    Ok((cases, coverage))
}

/// A read-only transaction whose queries all see one snapshot, so that the sums a view puts
/// on its sheet add up.
async fn snapshot(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The split of the sums of `splits`: wholes, parts and rests each added up.
fn total_split(sheet: &mut Sheet, splits: impl Iterator<Item = Split> + Clone) -> Split {
    let whole = sheet.total_of(&splits.clone().map(|s| s.whole).collect::<Vec<_>>());
    let part = sheet.total_of(&splits.clone().map(|s| s.part).collect::<Vec<_>>());
    let rest = sheet.total_of(&splits.map(|s| s.rest).collect::<Vec<_>>());
    sheet.sum(whole, &[part, rest]);
    Split { whole, part, rest }
}

/// One overdue handover, as the contact point may see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueRow {
    /// The person, by the contact point's own pseudonym.
    pub pseudonym: Pseudonym,
    /// The agency handing over; none when the case had a relocation.
    pub from_agency: Option<String>,
    /// The agency asked; none when the case had a relocation.
    pub to_agency: Option<String>,
    /// The case's stage.
    pub stage: String,
    /// Where the handover stands: requested, received, accepted, rejected, ...
    pub state: String,
    /// When it was requested.
    pub requested_on: chrono::NaiveDate,
    /// Days from the request to its answer, or to now while it is open.
    pub days_waiting: i64,
    /// The escalations sent, oldest first.
    pub escalations: Vec<EscalationNote>,
}

/// One escalation of an overdue handover.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationNote {
    /// Which deadline: HandoverReceived or HandoverAnswered.
    pub deadline: String,
    /// To whom: First (the coordinator) or Double (the contact point).
    pub level: String,
    /// When.
    pub sent_on: chrono::NaiveDate,
}

/// Overdue handovers: every handover of the jurisdiction with an escalation, newest first.
/// Relocations are not listed (see [`relocations`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueFigures {
    /// Overdue handovers still open.
    pub open: Count,
    /// Overdue handovers answered since.
    pub answered_late: Count,
    /// Overdue handovers by the agency asked (counts).
    pub by_agency: Vec<(String, Count)>,
    /// The rows; only for roles that may see pseudonymous rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<OverdueRow>>,
}

/// Overdue handovers of `jurisdiction` as of `now`; rows only when `with_rows`.
pub async fn overdue(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
    key: &Secret,
    now: DateTime<Utc>,
    with_rows: bool,
) -> Result<OverdueFigures, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT h.handover_id, k.subject, k.stage, h.state, h.requested_at, h.answered_at,
                f.name AS from_name, t.name AS to_name,
                EXISTS (SELECT 1 FROM handovers r WHERE r.case_id = h.case_id AND r.kind = 'relocation') AS relocated,
                array_agg(e.deadline ORDER BY e.sent_at, e.level) AS deadlines,
                array_agg(e.level ORDER BY e.sent_at, e.level) AS levels,
                array_agg(e.sent_at ORDER BY e.sent_at, e.level) AS sent
         FROM handovers h
         JOIN cases k ON k.case_id = h.case_id
         JOIN escalations e ON e.subject_ref = h.handover_id::text
         LEFT JOIN agencies f ON f.id = h.from_agency
         LEFT JOIN agencies t ON t.id = h.to_agency
         WHERE h.kind = 'handover' AND h.jurisdiction = $1
         GROUP BY h.handover_id, k.subject, k.stage, f.name, t.name
         ORDER BY h.requested_at DESC",
    )
    .bind(jurisdiction_text(jurisdiction))
    .fetch_all(pool)
    .await?;
    let mut open = 0;
    let mut answered_late = 0;
    let mut by_agency: BTreeMap<String, i64> = BTreeMap::new();
    let mut out = Vec::new();
    for row in rows {
        let state: String = row.try_get("state")?;
        let relocated: bool = row.try_get("relocated")?;
        let to_name: Option<String> = row.try_get("to_name")?;
        if matches!(state.as_str(), "requested" | "received") {
            open += 1;
        } else {
            answered_late += 1;
        }
        let agency_label = if relocated {
            "withheld (relocated case)".to_owned()
        } else {
            to_name.clone().unwrap_or_else(|| "unknown".to_owned())
        };
        *by_agency.entry(agency_label).or_default() += 1;
        if !with_rows {
            continue;
        }
        let requested_at: DateTime<Utc> = row.try_get("requested_at")?;
        let answered_at: Option<DateTime<Utc>> = row.try_get("answered_at")?;
        let subject = Pseudonym::try_from(row.try_get::<String, _>("subject")?)
            .map_err(|e| sqlx::Error::Decode(e.into()))?;
        let deadlines: Vec<String> = row.try_get("deadlines")?;
        let levels: Vec<String> = row.try_get("levels")?;
        let sent: Vec<DateTime<Utc>> = row.try_get("sent")?;
        out.push(OverdueRow {
            pseudonym: contact_point_pseudonym(key, &subject),
            from_agency: if relocated {
                None
            } else {
                row.try_get("from_name")?
            },
            to_agency: if relocated { None } else { to_name },
            stage: row.try_get("stage")?,
            state,
            requested_on: requested_at.date_naive(),
            days_waiting: (answered_at.unwrap_or(now) - requested_at).num_days(),
            escalations: deadlines
                .into_iter()
                .zip(levels)
                .zip(sent)
                .map(|((deadline, level), sent)| EscalationNote {
                    deadline,
                    level,
                    sent_on: sent.date_naive(),
                })
                .collect(),
        });
    }
    // Still open and answered since add up to all overdue handovers, and so do the agencies.
    let mut sheet = Sheet::default();
    let open = sheet.cell(open);
    let answered_late = sheet.cell(answered_late);
    let by_agency: Vec<(String, Cell)> = by_agency
        .into_iter()
        .map(|(a, n)| (a, sheet.cell(n)))
        .collect();
    let all = sheet.total_of(&by_agency.iter().map(|(_, c)| *c).collect::<Vec<_>>());
    sheet.sum(all, &[open, answered_late]);
    let published = sheet.suppress();
    Ok(OverdueFigures {
        open: published.count(open),
        answered_late: published.count(answered_late),
        by_agency: by_agency
            .into_iter()
            .map(|(a, c)| (a, published.count(c)))
            .collect(),
        rows: with_rows.then_some(out),
    })
}

/// How long one agency takes to receive and to accept handovers, in days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingRow {
    /// The agency asked.
    pub agency: String,
    /// Handovers it received.
    pub received: Count,
    /// Days to receive: median and 90th percentile; none under 5 handovers.
    pub receive_p50: Option<f64>,
    /// See `receive_p50`.
    pub receive_p90: Option<f64>,
    /// Handovers it accepted.
    pub accepted: Count,
    /// Days from request to acceptance: median and 90th percentile; none under 5.
    pub accept_p50: Option<f64>,
    /// See `accept_p50`.
    pub accept_p90: Option<f64>,
}

fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 86_400.0
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Percentiles of `values` (unsorted), rounded to a tenth, or none under 5 values.
pub fn p50_p90(mut values: Vec<f64>) -> (Option<f64>, Option<f64>) {
    if (values.len() as i64) < SUPPRESS_UNDER {
        return (None, None);
    }
    values.sort_by(f64::total_cmp);
    (
        percentile(&values, 0.5).map(round1),
        percentile(&values, 0.9).map(round1),
    )
}

/// Time to receive and to accept per agency asked (handovers, not relocations).
pub async fn timing(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
) -> Result<Vec<TimingRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT coalesce(t.name, h.to_agency) AS agency, h.state, h.requested_at, h.received_at, h.answered_at
         FROM handovers h LEFT JOIN agencies t ON t.id = h.to_agency
         WHERE h.kind = 'handover' AND h.jurisdiction = $1",
    )
    .bind(jurisdiction_text(jurisdiction))
    .fetch_all(pool)
    .await?;
    let mut per: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for row in rows {
        let agency: String = row.try_get("agency")?;
        let state: String = row.try_get("state")?;
        let requested: DateTime<Utc> = row.try_get("requested_at")?;
        let received: Option<DateTime<Utc>> = row.try_get("received_at")?;
        let answered: Option<DateTime<Utc>> = row.try_get("answered_at")?;
        let entry = per.entry(agency).or_default();
        if let Some(received) = received {
            entry.0.push(days_between(requested, received));
        }
        if let (true, Some(answered)) = (state == "accepted", answered) {
            entry.1.push(days_between(requested, answered));
        }
    }
    Ok(per
        .into_iter()
        .map(|(agency, (receive, accept))| {
            let (received, accepted) = (receive.len() as i64, accept.len() as i64);
            let (receive_p50, receive_p90) = p50_p90(receive);
            let (accept_p50, accept_p90) = p50_p90(accept);
            TimingRow {
                agency,
                received: Count::of(received),
                receive_p50,
                receive_p90,
                accepted: Count::of(accepted),
                accept_p50,
                accept_p90,
            }
        })
        .collect())
}

/// Why handovers were rejected, and why the hub refused messages or recipients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectionFigures {
    /// Handovers rejected, by the receiving agency's reason code.
    pub handovers: Vec<(String, Count)>,
    /// Messages and recipients the hub refused, by reason code (senders of the jurisdiction).
    pub hub_refusals: Vec<(String, Count)>,
}

/// Rejections and refusals of `jurisdiction`.
pub async fn rejections(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
) -> Result<RejectionFigures, sqlx::Error> {
    let j = jurisdiction_text(jurisdiction);
    let handovers = sqlx::query(
        "SELECT coalesce(reject_code, 'not given') AS code, count(*) AS n FROM handovers
         WHERE kind = 'handover' AND state = 'rejected' AND jurisdiction = $1
         GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    .bind(j)
    .fetch_all(pool)
    .await?;
    let refusals = sqlx::query(
        "SELECT reason, sum(n)::bigint AS n FROM (
             SELECT m.reason, count(*) AS n FROM messages m JOIN agencies a ON a.id = m.sender
             WHERE m.outcome = 'refused' AND m.reason IS NOT NULL AND a.jurisdiction = $1 GROUP BY 1
             UNION ALL
             SELECT d.reason, count(*) AS n FROM decisions d
             JOIN messages m ON m.sender = d.sender AND m.message_id = d.message_id
             JOIN agencies a ON a.id = d.sender
             WHERE NOT d.delivered AND m.outcome = 'routed' AND d.reason IS NOT NULL AND a.jurisdiction = $1 GROUP BY 1
         ) r GROUP BY reason ORDER BY 2 DESC, 1",
    )
    .bind(j)
    .fetch_all(pool)
    .await?;
    let pairs = |rows: Vec<sqlx::postgres::PgRow>| -> Result<Vec<(String, Count)>, sqlx::Error> {
        rows.into_iter()
            .map(|r| Ok((r.try_get(0)?, Count::of(r.try_get(1)?))))
            .collect()
    };
    Ok(RejectionFigures {
        handovers: pairs(handovers)?,
        hub_refusals: pairs(refusals)?,
    })
}

/// Consent coverage of open cases in one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    /// The region.
    pub region: String,
    /// Open (not closed) cases.
    pub open_cases: Count,
    /// Of those, with a consent in force today.
    pub with_consent: Count,
    /// The share.
    pub coverage: Rate,
}

/// Consent coverage by region, and in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageFigures {
    /// By region of the owning agency.
    pub by_region: Vec<CoverageRow>,
    /// All regions together.
    pub total: CoverageRow,
}

/// Outcomes reported by the agencies of one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeRow {
    /// The reporting agencies' region.
    pub region: String,
    /// Outcome reports.
    pub reports: Count,
    /// Reports that know whether there was a new serious charge within 12 months.
    pub charge_known: Count,
    /// Of those, the share with no new serious charge.
    pub no_new_charge: Rate,
    /// Reports that know whether the person was in education or a job after 3 months.
    pub occupation_known: Count,
    /// Of those, the share in education or a job.
    pub in_education_or_job: Rate,
}

/// Outcome rates by region and in all, and end reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeFigures {
    /// By region.
    pub by_region: Vec<OutcomeRow>,
    /// All regions.
    pub total: OutcomeRow,
    /// Reports by end reason.
    pub end_reasons: Vec<(String, Count)>,
}

/// Outcome rates of `jurisdiction`, from the outcome reports that reached a contact point.
pub async fn outcomes(
    pool: &PgPool,
    jurisdiction: Jurisdiction,
) -> Result<OutcomeFigures, sqlx::Error> {
    let j = jurisdiction_text(jurisdiction);
    let mut tx = snapshot(pool).await?;
    let rows = sqlx::query(
        "SELECT coalesce(a.region, 'unknown') AS region, count(*) AS reports,
                count(o.no_new_serious_charge_12m) AS charge_known,
                count(*) FILTER (WHERE o.no_new_serious_charge_12m) AS no_charge,
                count(o.in_education_or_job_3m) AS occupation_known,
                count(*) FILTER (WHERE o.in_education_or_job_3m) AS occupied
         FROM outcomes o JOIN agencies a ON a.id = o.sender
         WHERE a.jurisdiction = $1 GROUP BY 1 ORDER BY 1",
    )
    .bind(j)
    .fetch_all(&mut *tx)
    .await?;
    // Reports add up over regions and over end reasons; each rate has its whole, part and
    // rest, which add up over regions too.
    let mut sheet = Sheet::default();
    let mut regions = Vec::new();
    for row in rows {
        let reports = sheet.cell(row.try_get("reports")?);
        let charge = sheet.split(row.try_get("charge_known")?, row.try_get("no_charge")?);
        let occupation = sheet.split(row.try_get("occupation_known")?, row.try_get("occupied")?);
        regions.push((
            row.try_get::<String, _>("region")?,
            reports,
            charge,
            occupation,
        ));
    }
    let reports = sheet.total_of(&regions.iter().map(|r| r.1).collect::<Vec<_>>());
    let charge = total_split(&mut sheet, regions.iter().map(|r| r.2));
    let occupation = total_split(&mut sheet, regions.iter().map(|r| r.3));
    let reasons = sqlx::query(
        "SELECT o.end_reason, count(*) AS n FROM outcomes o JOIN agencies a ON a.id = o.sender
         WHERE a.jurisdiction = $1 GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    .bind(j)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| Ok((r.try_get(0)?, sheet.cell(r.try_get(1)?))))
    .collect::<Result<Vec<(String, Cell)>, sqlx::Error>>()?;
    tx.commit().await?;
    sheet.sum(
        reports,
        &reasons.iter().map(|(_, c)| *c).collect::<Vec<_>>(),
    );
    let published = sheet.suppress();
    let outcome_row =
        |region: String, reports: Cell, charge: Split, occupation: Split| OutcomeRow {
            region,
            reports: published.count(reports),
            charge_known: published.count(charge.whole),
            no_new_charge: published.rate(charge),
            occupation_known: published.count(occupation.whole),
            in_education_or_job: published.rate(occupation),
        };
    Ok(OutcomeFigures {
        by_region: regions
            .into_iter()
            .map(|(region, reports, charge, occupation)| {
                outcome_row(region, reports, charge, occupation)
            })
            .collect(),
        total: outcome_row("all".to_owned(), reports, charge, occupation),
        end_reasons: reasons
            .into_iter()
            .map(|(reason, c)| (reason, published.count(c)))
            .collect(),
    })
}

/// Handovers from agency to agency (not relocations).
pub async fn flows(pool: &PgPool, jurisdiction: Jurisdiction) -> Result<Matrix, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT coalesce(f.name, h.from_agency) AS from_name, coalesce(t.name, h.to_agency) AS to_name, count(*) AS n
         FROM handovers h LEFT JOIN agencies f ON f.id = h.from_agency LEFT JOIN agencies t ON t.id = h.to_agency
         WHERE h.kind = 'handover' AND h.jurisdiction = $1 GROUP BY 1, 2",
    )
    .bind(jurisdiction_text(jurisdiction))
    .fetch_all(pool)
    .await?;
    let triples = rows
        .into_iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<Vec<(String, String, i64)>, sqlx::Error>>()?;
    let mut columns: Vec<String> = triples.iter().map(|t| t.1.clone()).collect();
    columns.sort();
    columns.dedup();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut sheet = Sheet::default();
    let m = MatrixCells::lay_out(&mut sheet, &columns, triples);
    Ok(m.publish(&sheet.suppress()))
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

/// Relocation counts per jurisdiction (of the requesting municipality); all jurisdictions
/// when `only` is none.
pub async fn relocation_counts(
    pool: &PgPool,
    only: Option<Jurisdiction>,
) -> Result<BTreeMap<String, RelocationCounts>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT h.jurisdiction,
                count(*) AS requested,
                count(*) FILTER (WHERE h.state = 'accepted') AS confirmed,
                count(*) FILTER (WHERE h.state = 'rejected') AS rejected,
                count(*) FILTER (WHERE h.state IN ('requested', 'received')) AS open,
                count(*) FILTER (WHERE h.state NOT IN ('accepted', 'rejected', 'requested', 'received')) AS other,
                count(*) FILTER (WHERE EXISTS (
                    SELECT 1 FROM escalations e
                    WHERE e.subject_ref = h.handover_id::text AND e.deadline = 'RelocationAnswered'
                )) AS overdue
         FROM handovers h WHERE h.kind = 'relocation' AND ($1::text IS NULL OR h.jurisdiction = $1)
         GROUP BY h.jurisdiction ORDER BY h.jurisdiction",
    )
    .bind(only.map(jurisdiction_text))
    .fetch_all(pool)
    .await?;
    let mut out = BTreeMap::new();
    for row in rows {
        // Confirmed, rejected, open and any other state add up to all requested.
        let mut sheet = Sheet::default();
        let mut cell = |name: &str| row.try_get::<i64, _>(name).map(|n| sheet.cell(n));
        let (confirmed, rejected, open, other) = (
            cell("confirmed")?,
            cell("rejected")?,
            cell("open")?,
            cell("other")?,
        );
        let overdue = cell("overdue")?;
        let requested = sheet.total_of(&[confirmed, rejected, open, other]);
        let published = sheet.suppress();
        out.insert(
            row.try_get("jurisdiction")?,
            RelocationCounts {
                requested: published.count(requested),
                confirmed: published.count(confirmed),
                rejected: published.count(rejected),
                open: published.count(open),
                overdue: published.count(overdue),
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

    #[test]
    fn a_rate_is_suppressed_when_its_part_or_its_rest_is_a_small_cell() {
        assert_eq!(Rate::of(5, 8), Rate::Suppressed, "3 without");
        assert_eq!(Rate::of(3, 40), Rate::Suppressed, "3 with");
        assert_eq!(Rate::of(37, 40), Rate::Suppressed, "3 without");
        assert_eq!(Rate::of(0, 3), Rate::Suppressed, "3 in all");
        assert_eq!(Rate::of(0, 0), Rate::Suppressed, "nothing to share");
        assert_eq!(Rate::of(5, 10), Rate::Percent(50.0));
        assert_eq!(Rate::of(0, 12), Rate::Percent(0.0));
        assert_eq!(Rate::of(10, 15), Rate::Percent(66.7));
        assert_eq!(
            serde_json::to_string(&Rate::of(1, 9)).unwrap(),
            "\"suppressed\""
        );
    }

    #[test]
    fn percentiles_interpolate_between_ranks_and_need_five_values() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[4.0], 0.9), Some(4.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.9), Some(4.6));
        assert_eq!(p50_p90(vec![3.0, 1.0, 2.0, 4.0]), (None, None));
        assert_eq!(
            p50_p90(vec![5.0, 1.0, 4.0, 2.0, 3.0]),
            (Some(3.0), Some(4.6))
        );
    }

    #[test]
    fn matrices_keep_the_given_column_order_and_suppress_cells() {
        let mut sheet = Sheet::default();
        let cells = MatrixCells::lay_out(
            &mut sheet,
            &["referred", "active"],
            vec![
                ("Aarhus".into(), "active".into(), 7),
                ("Aarhus".into(), "referred".into(), 2),
                ("Aarhus".into(), "closed".into(), 6),
                ("København".into(), "active".into(), 5),
            ],
        );
        let m = cells.publish(&sheet.suppress());
        assert_eq!(m.columns, ["referred", "active", "closed"]);
        assert_eq!(m.rows[0].label, "Aarhus");
        // The 2 would follow from the total of 15: the 6 goes with it.
        assert_eq!(
            m.rows[0].cells,
            [Count::Suppressed, Count::Exact(7), Count::Withheld]
        );
        assert_eq!(m.rows[0].total, Count::Exact(15));
        assert_eq!(
            m.rows[1].cells,
            [Count::Exact(0), Count::Exact(5), Count::Exact(0)]
        );
        assert_eq!(
            serde_json::to_string(&m.rows[0].cells).unwrap(),
            r#"["<5",7,"suppressed"]"#
        );
    }
}
