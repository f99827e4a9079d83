//! What the national contact point may learn: counts with small cells suppressed, and of a
//! person only a pseudonym of its own.
//!
//! - every count from 1 to 4 is suppressed ([`Count::Suppressed`]), and so is a rate whose
//!   part or rest is (a rate of 3 out of 40 gives the 3 away; so does 37 out of 40)
//!   ([`Rate`]); a percentile over fewer than 5 values is not shown ([`p50_p90`]);
//! - where a total would let a suppressed count be worked out by subtraction, another count
//!   is withheld with it ([`Count::Withheld`], see [`suppress`]).
//!
//! Agencies know a person by the pseudonym in the envelope. The contact point gets a keyed
//! hash of that pseudonym under a key only the hub holds (`hub.contact_point_key`), so what it
//! sees cannot be joined with what agencies hold, and two of its own reports about the same
//! person still name the same pseudonym.

pub mod suppress;

use hmac::{Hmac, Mac};
use schemas::Pseudonym;
use serde::Serialize;
use sha2::Sha256;

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

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The contact point's pseudonym for the person agencies know as `subject`: the first 128 bits
/// of HMAC-SHA256 over `subject` with `key`, in hex, after `ps-`.
pub fn pseudonym(key: &str, subject: &Pseudonym) -> Pseudonym {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(subject.as_str().as_bytes());
    let digest = hex::encode(mac.finalize().into_bytes());
    Pseudonym::try_from(format!("ps-{}", &digest[..32])).expect("hex digits make a valid pseudonym")
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
    fn pseudonyms_depend_on_the_key_and_the_subject_only() {
        let subject = Pseudonym::try_from("ps-7f3a9c2e11b4d805").unwrap();
        let other = Pseudonym::try_from("ps-0000000000000001").unwrap();
        let a = pseudonym("key-a", &subject);
        assert_ne!(a, pseudonym("key-b", &subject));
        assert_ne!(a, subject);
        assert_ne!(a, pseudonym("key-a", &other));
        assert_eq!(a, pseudonym("key-a", &subject));
        assert_eq!(a.as_str().len(), "ps-".len() + 32);
    }
}
