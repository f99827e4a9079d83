//! What the national contact point may see: aggregates, and pseudonymous rows of overdue
//! handovers, for its own jurisdiction only.
//!
//! - every count from 1 to 4 is suppressed ([`Count::Suppressed`]), and so is a rate whose
//!   part or rest is (a rate of 3 out of 40 gives the 3 away; so does 37 out of 40)
//!   ([`Rate`]);
//! - where a total would let a suppressed count be worked out by subtraction, another count
//!   is withheld with it ([`Count::Withheld`], see [`hub_core::contact_point::suppress`]);
//! - a percentile over fewer than 5 handovers is not shown;
//! - pseudonyms come from the contact point's own key
//!   ([`hub_core::contact_point::pseudonym`]), so they cannot be joined with the
//!   pseudonyms agencies hold;
//! - relocations are counts only: no row, pseudonym or agency of a relocation, and the rows of
//!   a case that had one carry no agencies (agency names give the town away).
//!
//! A case belongs to the jurisdiction and region of its owner; a handover to the jurisdiction
//! recorded on it; an outcome to its reporting agency's.
//!
//! One module per view, with its row types: the figures of the present ([`mod@cases`],
//! [`coverage`]); the views of a closed period ([`mod@flows`], [`mod@timing`],
//! [`mod@rejections`], [`mod@relocations`], [`overdue`], [`releases`], [`occupancy`], which
//! also shows the present), each suppressed on the sheet of its year ([`year_sheet`]); and
//! the outcome [`cohorts`]. What they share (the [`Matrix`] of counts, the reading of rows)
//! is in `figures`.

pub mod cases;
pub mod cohorts;
pub mod coverage;
mod figures;
pub mod flows;
pub mod occupancy;
pub mod overdue;
pub mod rejections;
pub mod releases;
pub mod relocations;
pub mod timing;
pub mod year_sheet;

pub use cases::{CaseFigures, STAGES, cases};
pub use coverage::{CoverageFigures, CoverageRow, consent_coverage};
pub use figures::{Matrix, MatrixRow};
pub use flows::flows;
pub use hub_core::contact_point::{Count, Rate, SUPPRESS_UNDER, p50_p90, percentile};
pub use rejections::{RejectionFigures, rejections};
pub use relocations::{RelocationCounts, relocations};
pub use timing::{TimingRow, timing};
