//! National identity numbers of Denmark, Norway and Sweden, as validated values.
//!
//! A [`NationalId`] is built only by [`NationalId::parse`], which takes the jurisdiction (the
//! written forms overlap), the text as a person typed it, and today's date (an input, so the
//! parse is pure). It checks the published rules and normalises to one canonical string per
//! kind, [`NationalId::normalised`], which is what the subject pseudonym is derived from: the
//! same person typed differently gives the same string. The canonical forms differ in length
//! per jurisdiction (Denmark 10, Norway 11, Sweden 12 digits), so numbers of different
//! countries never share one.
//!
//! The number is personal data. Neither a [`NationalId`]'s `Debug` nor any
//! [`InvalidNationalId`] text contains it or any part of it; the error texts have no digits
//! at all.
//!
//! # Rules implemented
//!
//! **Denmark, CPR number** (CPR-kontoret, "Personnummeret i CPR-systemet"): ten digits
//! `DDMMYY-SSSS`. The date must exist; the century comes from the seventh digit and the year:
//!
//! | 7th digit | YY 00–36 | YY 37–57 | YY 58–99 |
//! |-----------|----------|----------|----------|
//! | 0–3       | 19YY     | 19YY     | 19YY     |
//! | 4, 9      | 20YY     | 19YY     | 19YY     |
//! | 5–8       | 20YY     | 20YY     | 18YY     |
//!
//! Numbers issued since 1 October 2007 need not satisfy the old modulus-11 check, so, as the
//! CPR office does, only the form and the date are validated. Canonical form: `DDMMYYSSSS`.
//!
//! **Norway, fødselsnummer and D-nummer** (Skatteetaten, Folkeregisteret): eleven digits
//! `DDMMYYIIIC₁C₂`. A D-nummer adds 4 to the first digit (day 41–71). Both check digits are
//! modulus 11: `C₁` with weights 3 7 6 1 8 9 4 5 2 over the first nine digits, `C₂` with
//! weights 5 4 3 2 7 6 5 4 3 2 over the first ten; a check digit is `11 − (sum mod 11)`, 11
//! becomes 0, and 10 means no valid number. The century comes from the individual number
//! `III`: 000–499 → 1900–1999; 500–749 with YY 54–99 → 1854–1899; 500–999 with YY 00–39 →
//! 2000–2039; 900–999 with YY 40–99 → 1940–1999; any other pairing is not issued. H-numbers
//! (month + 40) and synthetic test numbers (month + 80) are not accepted. Canonical form: the
//! eleven digits.
//!
//! **Sweden, personnummer and samordningsnummer** (Skatteverket, SKV 704 and SKV 707):
//! `YYMMDD-NNNN`, or `YYMMDD+NNNN` from the year the person turns 100, or the twelve-digit
//! `YYYYMMDDNNNN` (with or without `-` before the last four). A samordningsnummer adds 60 to
//! the day (61–91). The last digit is a Luhn (modulus 10) check digit over the ten-digit form:
//! weights 2 1 2 1 … over the first nine digits, digit sums of the products added. The
//! ten-digit form's century is the latest year not after this year with those two last
//! digits, a hundred years earlier with `+`; a ten-digit number without separator or with a
//! space reads as with `-`. Canonical form: `YYYYMMDDNNNN`.
//!
//! **All**: surrounding whitespace is ignored; one separator is allowed where the rules above
//! put it (a hyphen or dash, a space, and `+` for Sweden only); a date of birth after today,
//! or (Sweden, twelve digits) before 1800, is refused.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::Jurisdiction;

/// Which kind of national identity number a [`NationalId`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NationalIdKind {
    /// Denmark's CPR number.
    Cpr,
    /// Norway's fødselsnummer.
    Fodselsnummer,
    /// Norway's D-nummer, for people without a fødselsnummer.
    DNummer,
    /// Sweden's personnummer.
    Personnummer,
    /// Sweden's samordningsnummer, for people not registered as resident.
    Samordningsnummer,
}

impl NationalIdKind {
    /// The jurisdiction that issues numbers of this kind.
    pub fn jurisdiction(self) -> Jurisdiction {
        match self {
            NationalIdKind::Cpr => Jurisdiction::DK,
            NationalIdKind::Fodselsnummer | NationalIdKind::DNummer => Jurisdiction::NO,
            NationalIdKind::Personnummer | NationalIdKind::Samordningsnummer => Jurisdiction::SE,
        }
    }
}

/// A valid national identity number, normalised. Personal data: its `Debug` shows only the
/// kind, and it has no `Display`; [`NationalId::normalised`] is the one way to the number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NationalId {
    kind: NationalIdKind,
    normalised: String,
    date_of_birth: NaiveDate,
}

impl fmt::Debug for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NationalId")
            .field("kind", &self.kind)
            .field("number", &format_args!("<redacted>"))
            .finish()
    }
}

/// Why a text is not a valid national identity number. Each variant names the rule that
/// failed; no text contains the number, any part of it, or any digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidNationalId {
    /// Nothing but whitespace was given.
    #[error("no national identity number was given")]
    Empty,
    /// A character other than a digit or an allowed separator.
    #[error("a national identity number has only digits and at most one separator")]
    NotDigits,
    /// Too few or too many digits for the jurisdiction.
    #[error("{}", length_rule(*.0))]
    WrongLength(Jurisdiction),
    /// More than one separator, or one in the wrong place.
    #[error("one separator is allowed, only between the date and the last digits")]
    Separator,
    /// A `+` where it is not a separator: outside Sweden, or in a twelve-digit number.
    #[error(
        "a plus sign separates only a ten-digit Swedish number of a person aged a hundred or more"
    )]
    Plus,
    /// The date in the number does not exist (month 13, 30 February, 29 February of a common
    /// year, ...).
    #[error("the date of birth in the number is not a real date")]
    NoSuchDate,
    /// Norway: the individual number is not issued for that birth year.
    #[error("the individual number is not issued for people born in that year")]
    IndividualNumber,
    /// The date of birth is after today.
    #[error("the date of birth in the number lies in the future")]
    BornInFuture,
    /// Sweden, twelve digits: a birth year before 1800.
    #[error("the birth year is earlier than any number in use")]
    TooEarly,
    /// Norway: the first check digit (modulus 11) does not match.
    #[error("the first check digit does not match (modulus eleven)")]
    FirstCheckDigit,
    /// Norway: the second check digit (modulus 11) does not match.
    #[error("the second check digit does not match (modulus eleven)")]
    SecondCheckDigit,
    /// Sweden: the Luhn check digit does not match.
    #[error("the check digit does not match (Luhn, modulus ten)")]
    LuhnCheckDigit,
}

impl InvalidNationalId {
    /// A stable code for the rule, for APIs (pages show the text, in the reader's language).
    pub fn code(self) -> &'static str {
        match self {
            InvalidNationalId::Empty => "EMPTY",
            InvalidNationalId::NotDigits => "NOT_DIGITS",
            InvalidNationalId::WrongLength(_) => "WRONG_LENGTH",
            InvalidNationalId::Separator => "SEPARATOR",
            InvalidNationalId::Plus => "PLUS",
            InvalidNationalId::NoSuchDate => "NO_SUCH_DATE",
            InvalidNationalId::IndividualNumber => "INDIVIDUAL_NUMBER",
            InvalidNationalId::BornInFuture => "BORN_IN_FUTURE",
            InvalidNationalId::TooEarly => "TOO_EARLY",
            InvalidNationalId::FirstCheckDigit => "FIRST_CHECK_DIGIT",
            InvalidNationalId::SecondCheckDigit => "SECOND_CHECK_DIGIT",
            InvalidNationalId::LuhnCheckDigit => "LUHN_CHECK_DIGIT",
        }
    }
}

fn length_rule(jurisdiction: Jurisdiction) -> &'static str {
    match jurisdiction {
        Jurisdiction::DK => "a Danish CPR number has ten digits",
        Jurisdiction::NO => "a Norwegian fødselsnummer or D-nummer has eleven digits",
        Jurisdiction::SE => "a Swedish personnummer or samordningsnummer has ten or twelve digits",
    }
}

impl NationalId {
    /// Reads a national identity number of `jurisdiction` as a person typed it, checks it by
    /// the published rules (see the module documentation) and normalises it. `today` decides
    /// the century of a ten-digit Swedish number and refuses dates of birth after it.
    pub fn parse(
        jurisdiction: Jurisdiction,
        input: &str,
        today: NaiveDate,
    ) -> Result<NationalId, InvalidNationalId> {
        let written = Written::read(jurisdiction, input)?;
        let id = match jurisdiction {
            Jurisdiction::DK => parse_cpr(&written)?,
            Jurisdiction::NO => parse_norwegian(&written)?,
            Jurisdiction::SE => parse_swedish(&written, today)?,
        };
        if id.date_of_birth > today {
            return Err(InvalidNationalId::BornInFuture);
        }
        Ok(id)
    }

    /// The kind of number.
    pub fn kind(&self) -> NationalIdKind {
        self.kind
    }

    /// The jurisdiction that issued the number.
    pub fn jurisdiction(&self) -> Jurisdiction {
        self.kind.jurisdiction()
    }

    /// The person's real date of birth (a D-nummer's or samordningsnummer's offset removed).
    pub fn date_of_birth(&self) -> NaiveDate {
        self.date_of_birth
    }

    /// The number in its canonical form: Denmark `DDMMYYSSSS`, Norway the eleven digits,
    /// Sweden `YYYYMMDDNNNN`. Personal data: for deriving the pseudonym and for sealed fields,
    /// never for logs.
    pub fn normalised(&self) -> &str {
        &self.normalised
    }
}

/// The separator a person typed between the date and the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Separator {
    /// A hyphen, a dash or a space.
    Plain,
    /// Sweden's `+` for a person aged 100 or more.
    Plus,
}

/// The digits as typed, and where the separator was (after how many digits).
struct Written {
    digits: Vec<u8>,
    separator: Option<(usize, Separator)>,
}

impl Written {
    fn read(jurisdiction: Jurisdiction, input: &str) -> Result<Written, InvalidNationalId> {
        let input = input.trim();
        if input.is_empty() {
            return Err(InvalidNationalId::Empty);
        }
        let mut digits = Vec::with_capacity(12);
        let mut separator = None;
        for c in input.chars() {
            if let Some(digit) = c.to_digit(10) {
                digits.push(digit as u8);
                if digits.len() > 12 {
                    return Err(InvalidNationalId::WrongLength(jurisdiction));
                }
            } else if let Some(kind) = separator_kind(c) {
                if separator.is_some() {
                    return Err(InvalidNationalId::Separator);
                }
                separator = Some((digits.len(), kind));
            } else {
                return Err(InvalidNationalId::NotDigits);
            }
        }
        Ok(Written { digits, separator })
    }

    /// Checks the count of digits and that a separator, if any, is `at` and allowed.
    fn shape(
        &self,
        jurisdiction: Jurisdiction,
        len: usize,
        at: usize,
        plus: bool,
    ) -> Result<(), InvalidNationalId> {
        if self.digits.len() != len {
            return Err(InvalidNationalId::WrongLength(jurisdiction));
        }
        match self.separator {
            None => Ok(()),
            Some((_, Separator::Plus)) if !plus => Err(InvalidNationalId::Plus),
            Some((position, _)) if position == at => Ok(()),
            Some(_) => Err(InvalidNationalId::Separator),
        }
    }

    fn plus(&self) -> bool {
        matches!(self.separator, Some((_, Separator::Plus)))
    }

    /// The two-digit number at `i`.
    fn pair(&self, i: usize) -> u32 {
        u32::from(self.digits[i]) * 10 + u32::from(self.digits[i + 1])
    }

    fn text(&self) -> String {
        self.digits.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

/// Hyphens, dashes and spaces as word processors and forms produce them.
fn separator_kind(c: char) -> Option<Separator> {
    match c {
        '+' => Some(Separator::Plus),
        '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2212}' | ' ' | '\u{00a0}' => {
            Some(Separator::Plain)
        }
        _ => None,
    }
}

fn date(year: i32, month: u32, day: u32) -> Result<NaiveDate, InvalidNationalId> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or(InvalidNationalId::NoSuchDate)
}

fn parse_cpr(written: &Written) -> Result<NationalId, InvalidNationalId> {
    written.shape(Jurisdiction::DK, 10, 6, false)?;
    let (day, month, yy) = (written.pair(0), written.pair(2), written.pair(4));
    let century = match (written.digits[6], yy) {
        (0..=3, _) => 1900,
        (4 | 9, 0..=36) => 2000,
        (4 | 9, _) => 1900,
        (_, 0..=57) => 2000,
        (_, _) => 1800,
    };
    Ok(NationalId {
        kind: NationalIdKind::Cpr,
        normalised: written.text(),
        date_of_birth: date(century + yy as i32, month, day)?,
    })
}

/// Norway's modulus-11 check digit of `digits` under `weights`; `None` when it would be 10.
fn mod11(digits: &[u8], weights: &[u32]) -> Option<u8> {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k as u8),
    }
}

const NO_WEIGHTS_1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const NO_WEIGHTS_2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

fn parse_norwegian(written: &Written) -> Result<NationalId, InvalidNationalId> {
    written.shape(Jurisdiction::NO, 11, 6, false)?;
    let d = &written.digits;
    if mod11(&d[..9], &NO_WEIGHTS_1) != Some(d[9]) {
        return Err(InvalidNationalId::FirstCheckDigit);
    }
    if mod11(&d[..10], &NO_WEIGHTS_2) != Some(d[10]) {
        return Err(InvalidNationalId::SecondCheckDigit);
    }
    let (mut day, month, yy) = (written.pair(0), written.pair(2), written.pair(4));
    let kind = if day > 40 {
        day -= 40;
        NationalIdKind::DNummer
    } else {
        NationalIdKind::Fodselsnummer
    };
    let individual = u32::from(d[6]) * 100 + written.pair(7);
    let century = match (individual, yy) {
        (0..=499, _) => 1900,
        (500..=749, 54..=99) => 1800,
        (500..=999, 0..=39) => 2000,
        (900..=999, 40..=99) => 1900,
        _ => {
            // A month of 13 is the likelier mistake to name (2000 is a leap year).
            date(2000, month, day)?;
            return Err(InvalidNationalId::IndividualNumber);
        }
    };
    Ok(NationalId {
        kind,
        normalised: written.text(),
        date_of_birth: date(century + yy as i32, month, day)?,
    })
}

/// Sweden's Luhn check digit over the first nine digits of the ten-digit form.
fn luhn(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let product = u32::from(*d) * if i % 2 == 0 { 2 } else { 1 };
            product / 10 + product % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

fn parse_swedish(written: &Written, today: NaiveDate) -> Result<NationalId, InvalidNationalId> {
    let (year, ten) = match written.digits.len() {
        12 => {
            written.shape(Jurisdiction::SE, 12, 8, false)?;
            let year = (written.pair(0) * 100 + written.pair(2)) as i32;
            (Some(year), &written.digits[2..])
        }
        _ => {
            written.shape(Jurisdiction::SE, 10, 6, true)?;
            (None, &written.digits[..])
        }
    };
    if luhn(&ten[..9]) != ten[9] {
        return Err(InvalidNationalId::LuhnCheckDigit);
    }
    let pair = |i: usize| u32::from(ten[i]) * 10 + u32::from(ten[i + 1]);
    let (yy, month, mut day) = (pair(0), pair(2), pair(4));
    let year = match year {
        Some(year) => year,
        None => {
            let this_year = today.year();
            let latest = this_year - (this_year - yy as i32).rem_euclid(100);
            if written.plus() { latest - 100 } else { latest }
        }
    };
    let kind = if day > 60 {
        day -= 60;
        NationalIdKind::Samordningsnummer
    } else {
        NationalIdKind::Personnummer
    };
    let date_of_birth = date(year, month, day)?;
    if year < 1800 {
        return Err(InvalidNationalId::TooEarly);
    }
    let tail: String = ten[2..].iter().map(|d| char::from(b'0' + d)).collect();
    Ok(NationalId {
        kind,
        normalised: format!("{year:04}{tail}"),
        date_of_birth,
    })
}

#[cfg(test)]
mod tests {
    //! Synthetic numbers only: built here by computing their check digits (independently of
    //! the code under test), or published test numbers.

    use super::*;
    use InvalidNationalId as E;
    use Jurisdiction::{DK, NO, SE};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()
    }

    fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn parse(jurisdiction: Jurisdiction, input: &str) -> Result<NationalId, InvalidNationalId> {
        NationalId::parse(jurisdiction, input, today())
    }

    fn digits(text: &str) -> Vec<u32> {
        text.chars().map(|c| c.to_digit(10).unwrap()).collect()
    }

    /// Skatteetaten's rule: `11 - sum mod 11`, 11 is 0, 10 has no digit.
    fn no_check(text: &str, weights: &[u32]) -> Option<u32> {
        let sum: u32 = digits(text).iter().zip(weights).map(|(d, w)| d * w).sum();
        [
            Some(0),
            None,
            Some(9),
            Some(8),
            Some(7),
            Some(6),
            Some(5),
            Some(4),
            Some(3),
            Some(2),
            Some(1),
        ][(sum % 11) as usize]
    }

    /// A valid Norwegian number with this `DDMMYY` and the first individual number from
    /// `individual` up that has both check digits.
    fn norwegian(ddmmyy: &str, individual: u32) -> String {
        (individual..individual + 50)
            .find_map(|i| {
                let nine = format!("{ddmmyy}{i:03}");
                let k1 = no_check(&nine, &[3, 7, 6, 1, 8, 9, 4, 5, 2])?;
                let ten = format!("{nine}{k1}");
                let k2 = no_check(&ten, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2])?;
                Some(format!("{ten}{k2}"))
            })
            .unwrap()
    }

    /// Changes digit `i` of `text` by one (wrapping), so a check digit no longer matches.
    fn bump(text: &str, i: usize) -> String {
        let mut d = digits(text);
        d[i] = (d[i] + 1) % 10;
        d.iter()
            .map(|d| char::from_digit(*d, 10).unwrap())
            .collect()
    }

    /// Appends the Luhn digit to nine digits (Skatteverket: double every other from the left).
    fn swedish(nine: &str) -> String {
        let sum: u32 = digits(nine)
            .iter()
            .enumerate()
            .map(|(i, d)| {
                if i % 2 == 0 {
                    [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][*d as usize]
                } else {
                    *d
                }
            })
            .sum();
        format!("{nine}{}", (10 - sum % 10) % 10)
    }

    /// The Danish modulus-11 check numbers issued before 2007 pass.
    fn passes_old_cpr_check(cpr: &str) -> bool {
        let weights = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1];
        digits(cpr)
            .iter()
            .zip(weights)
            .map(|(d, w)| d * w)
            .sum::<u32>()
            % 11
            == 0
    }

    fn insert(text: &str, at: usize, separator: &str) -> String {
        format!("{}{separator}{}", &text[..at], &text[at..])
    }

    #[test]
    fn valid_numbers_of_every_kind_and_century() {
        use NationalIdKind::*;
        let cases: Vec<(Jurisdiction, String, NationalIdKind, NaiveDate)> = vec![
            // Denmark: the century from the seventh digit and the year.
            (DK, "010190-1234".into(), Cpr, ymd(1990, 1, 1)),
            (DK, "150640-3123".into(), Cpr, ymd(1940, 6, 15)),
            (DK, "311299-4123".into(), Cpr, ymd(1999, 12, 31)),
            (DK, "150610-4123".into(), Cpr, ymd(2010, 6, 15)),
            (DK, "150620-5123".into(), Cpr, ymd(2020, 6, 15)),
            (DK, "150670-8123".into(), Cpr, ymd(1870, 6, 15)),
            (DK, "150637-9123".into(), Cpr, ymd(1937, 6, 15)),
            (DK, "150658-7123".into(), Cpr, ymd(1858, 6, 15)),
            (DK, "150640-9123".into(), Cpr, ymd(1940, 6, 15)),
            // Norway: the century from the individual number.
            (NO, norwegian("010190", 123), Fodselsnummer, ymd(1990, 1, 1)),
            (NO, norwegian("010110", 500), Fodselsnummer, ymd(2010, 1, 1)),
            (NO, norwegian("010110", 950), Fodselsnummer, ymd(2010, 1, 1)),
            (NO, norwegian("010170", 600), Fodselsnummer, ymd(1870, 1, 1)),
            (NO, norwegian("010150", 950), Fodselsnummer, ymd(1950, 1, 1)),
            (NO, norwegian("410190", 123), DNummer, ymd(1990, 1, 1)),
            (NO, norwegian("711299", 123), DNummer, ymd(1999, 12, 31)),
            // Sweden: Skatteverket's published examples and test number.
            (SE, "811218-9876".into(), Personnummer, ymd(1981, 12, 18)),
            (SE, "19121212-1212".into(), Personnummer, ymd(1912, 12, 12)),
            (
                SE,
                "701063-2391".into(),
                Samordningsnummer,
                ymd(1970, 10, 3),
            ),
            (SE, swedish("201231991"), Personnummer, ymd(2020, 12, 31)),
            (
                SE,
                swedish("201291991"),
                Samordningsnummer,
                ymd(2020, 12, 31),
            ),
        ];
        for (jurisdiction, input, kind, born) in cases {
            let id = parse(jurisdiction, &input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(id.kind(), kind, "{input}");
            assert_eq!(id.jurisdiction(), jurisdiction, "{input}");
            assert_eq!(kind.jurisdiction(), jurisdiction, "{input}");
            assert_eq!(id.date_of_birth(), born, "{input}");
        }
    }

    #[test]
    fn danish_numbers_since_2007_need_not_pass_the_old_modulus_11_check() {
        for cpr in ["1506104123", "0101201235", "3112224001"] {
            assert!(!passes_old_cpr_check(cpr), "{cpr} must fail the old check");
            assert!(parse(DK, cpr).is_ok(), "{cpr}");
        }
    }

    #[test]
    fn one_person_typed_differently_normalises_to_one_string() {
        let fnr = norwegian("010190", 123);
        let dnr = norwegian("410190", 123);
        let groups: Vec<(Jurisdiction, Vec<String>, &str)> = vec![
            (
                DK,
                vec![
                    "0101901234".into(),
                    "010190-1234".into(),
                    " 010190 1234\t".into(),
                    "010190\u{2013}1234".into(),
                    "\n010190\u{a0}1234 ".into(),
                ],
                "0101901234",
            ),
            (
                NO,
                vec![fnr.clone(), insert(&fnr, 6, " "), format!("  {fnr}\n")],
                &fnr,
            ),
            (NO, vec![dnr.clone(), insert(&dnr, 6, "-")], &dnr),
            (
                SE,
                vec![
                    "811218-9876".into(),
                    "8112189876".into(),
                    "811218 9876".into(),
                    " 19811218-9876 ".into(),
                    "198112189876".into(),
                ],
                "198112189876",
            ),
            // Aged 100 or more: `+` in the ten-digit form.
            (
                SE,
                vec![
                    "121212+1212".into(),
                    "19121212-1212".into(),
                    "191212121212".into(),
                ],
                "191212121212",
            ),
            // The same ten digits with `-` are a person born a century later.
            (
                SE,
                vec!["121212-1212".into(), "201212121212".into()],
                "201212121212",
            ),
            (
                SE,
                vec!["701063-2391".into(), "19701063-2391".into()],
                "197010632391",
            ),
        ];
        for (jurisdiction, inputs, normalised) in groups {
            for input in inputs {
                let id = parse(jurisdiction, &input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
                assert_eq!(id.normalised(), normalised, "{input:?}");
            }
        }
    }

    #[test]
    fn swedish_century_follows_today_and_the_separator() {
        let born_today = swedish("250615123");
        let id = parse(SE, &born_today).unwrap();
        assert_eq!(id.date_of_birth(), ymd(2025, 6, 15));
        assert_eq!(
            parse(SE, &insert(&born_today, 6, "+"))
                .unwrap()
                .date_of_birth(),
            ymd(1925, 6, 15)
        );
        let tomorrow = swedish("250616123");
        assert_eq!(parse(SE, &tomorrow), Err(E::BornInFuture));
        // A year later the same ten digits with `-` are still the child, not a centenarian.
        let later = NationalId::parse(SE, &tomorrow, ymd(2026, 1, 1)).unwrap();
        assert_eq!(later.date_of_birth(), ymd(2025, 6, 16));
        // `26` this year is 1926 with `-`, 1826 with `+`.
        let old = swedish("260101123");
        assert_eq!(parse(SE, &old).unwrap().date_of_birth(), ymd(1926, 1, 1));
        assert_eq!(
            parse(SE, &insert(&old, 6, "+")).unwrap().date_of_birth(),
            ymd(1826, 1, 1)
        );
    }

    #[test]
    fn leap_days() {
        let ok: Vec<(Jurisdiction, String, NaiveDate)> = vec![
            (DK, "290200-4123".into(), ymd(2000, 2, 29)),
            (DK, "290296-1234".into(), ymd(1996, 2, 29)),
            (NO, norwegian("290200", 500), ymd(2000, 2, 29)),
            (NO, norwegian("690200", 500), ymd(2000, 2, 29)),
            (NO, norwegian("290296", 123), ymd(1996, 2, 29)),
            (SE, swedish("000229123"), ymd(2000, 2, 29)),
            (SE, swedish("000289123"), ymd(2000, 2, 29)),
            (SE, format!("19{}", swedish("960229123")), ymd(1996, 2, 29)),
        ];
        for (jurisdiction, input, born) in ok {
            let id = parse(jurisdiction, &input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(id.date_of_birth(), born, "{input}");
        }
        // 1900 and 2100 are not leap years; 2001 is not.
        let refused: Vec<(Jurisdiction, String)> = vec![
            (DK, "290200-1234".into()),
            (DK, "290201-4123".into()),
            (NO, norwegian("290200", 123)),
            (NO, norwegian("690200", 123)),
            (NO, norwegian("290201", 500)),
            (SE, insert(&swedish("000229123"), 6, "+")),
            (SE, format!("19{}", swedish("000229123"))),
            (SE, swedish("010229123")),
            (SE, swedish("010289123")),
        ];
        for (jurisdiction, input) in refused {
            assert_eq!(parse(jurisdiction, &input), Err(E::NoSuchDate), "{input}");
        }
    }

    /// Every rule failing, each with the variant that names it.
    fn refusals() -> Vec<(Jurisdiction, String, InvalidNationalId)> {
        let fnr = norwegian("010190", 123);
        let dnr = norwegian("410190", 123);
        vec![
            (DK, "".into(), E::Empty),
            (SE, " \t\n".into(), E::Empty),
            (DK, "01019O-1234".into(), E::NotDigits),
            (DK, "010190/1234".into(), E::NotDigits),
            (
                DK,
                "\u{660}\u{661}\u{660}\u{661}\u{669}\u{660}\u{661}\u{662}\u{663}\u{664}".into(),
                E::NotDigits,
            ),
            (NO, format!("{fnr}x"), E::NotDigits),
            (SE, "811218_9876".into(), E::NotDigits),
            (DK, "010190-123".into(), E::WrongLength(DK)),
            (DK, "010190-12345".into(), E::WrongLength(DK)),
            (DK, "1".repeat(200), E::WrongLength(DK)),
            (NO, fnr[..10].into(), E::WrongLength(NO)),
            (NO, format!("{fnr}1"), E::WrongLength(NO)),
            (SE, "811218-98761".into(), E::WrongLength(SE)),
            (SE, "1981121898761".into(), E::WrongLength(SE)),
            (SE, "81121898761".into(), E::WrongLength(SE)),
            (SE, "811218987".into(), E::WrongLength(SE)),
            (DK, "0101-901234".into(), E::Separator),
            (DK, "010190--1234".into(), E::Separator),
            (DK, "010190 - 1234".into(), E::Separator),
            (NO, insert(&fnr, 9, " "), E::Separator),
            (SE, "8112-189876".into(), E::Separator),
            (SE, "198112-189876".into(), E::Separator),
            (SE, "81121898-76".into(), E::Separator),
            (DK, "010190+1234".into(), E::Plus),
            (NO, insert(&fnr, 6, "+"), E::Plus),
            (SE, "19121212+1212".into(), E::Plus),
            (DK, "320190-1234".into(), E::NoSuchDate),
            (DK, "000190-1234".into(), E::NoSuchDate),
            (DK, "011390-1234".into(), E::NoSuchDate),
            (DK, "310490-1234".into(), E::NoSuchDate),
            (NO, norwegian("310490", 123), E::NoSuchDate),
            (NO, norwegian("720190", 123), E::NoSuchDate),
            (NO, norwegian("400190", 123), E::NoSuchDate),
            (NO, norwegian("015190", 123), E::NoSuchDate), // H-nummer: month + 40
            (NO, norwegian("018190", 123), E::NoSuchDate), // synthetic: month + 80
            (NO, norwegian("011345", 600), E::NoSuchDate),
            (SE, swedish("811232987"), E::NoSuchDate),
            (SE, swedish("811292987"), E::NoSuchDate),
            (SE, swedish("811300987"), E::NoSuchDate),
            (SE, swedish("811200987"), E::NoSuchDate),
            (NO, norwegian("010145", 600), E::IndividualNumber),
            (NO, norwegian("010145", 800), E::IndividualNumber),
            (NO, norwegian("010190", 800), E::IndividualNumber),
            (NO, norwegian("410145", 600), E::IndividualNumber),
            (DK, "010130-4123".into(), E::BornInFuture),
            (DK, "010157-5123".into(), E::BornInFuture),
            (DK, "150636-9123".into(), E::BornInFuture),
            (DK, "150636-4123".into(), E::BornInFuture),
            (NO, norwegian("010130", 600), E::BornInFuture),
            (NO, norwegian("410130", 600), E::BornInFuture),
            (SE, swedish("251201123"), E::BornInFuture),
            (SE, format!("20{}", swedish("301212121")), E::BornInFuture),
            (SE, format!("17{}", swedish("991212121")), E::TooEarly),
            (SE, format!("00{}", swedish("010101121")), E::TooEarly),
            (NO, bump(&fnr, 9), E::FirstCheckDigit),
            (NO, bump(&dnr, 9), E::FirstCheckDigit),
            (NO, bump(&fnr, 0), E::FirstCheckDigit),
            (NO, bump(&fnr, 10), E::SecondCheckDigit),
            (NO, bump(&dnr, 10), E::SecondCheckDigit),
            (SE, "811218-9875".into(), E::LuhnCheckDigit),
            (SE, "811218-8876".into(), E::LuhnCheckDigit),
            (SE, "19811218-9875".into(), E::LuhnCheckDigit),
            (SE, "701063-2392".into(), E::LuhnCheckDigit),
        ]
    }

    #[test]
    fn each_rule_failing_is_refused_by_name() {
        for (jurisdiction, input, expected) in refusals() {
            assert_eq!(
                parse(jurisdiction, &input),
                Err(expected),
                "{jurisdiction:?} {input:?}"
            );
        }
    }

    #[test]
    fn no_refusal_text_contains_the_number_or_any_digit() {
        let mut seen = std::collections::BTreeSet::new();
        for (jurisdiction, input, _) in refusals() {
            let error = parse(jurisdiction, &input).unwrap_err();
            seen.insert(error.code());
            for text in [error.to_string(), format!("{error:?}")] {
                assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");
                let typed = input.trim();
                assert!(typed.is_empty() || !text.contains(typed), "{text}");
            }
        }
        assert_eq!(seen.len(), 12, "every variant is exercised: {seen:?}");
    }

    #[test]
    fn debug_of_a_number_is_redacted() {
        let ids = [
            parse(DK, "010190-1234").unwrap(),
            parse(NO, &norwegian("410190", 123)).unwrap(),
            parse(SE, "811218-9876").unwrap(),
        ];
        for id in ids {
            let debug = format!("{id:?} {id:#?}");
            assert!(!debug.chars().any(|c| c.is_ascii_digit()), "{debug}");
            assert!(debug.contains("redacted"), "{debug}");
        }
    }

    #[test]
    fn the_test_helpers_agree_with_published_numbers() {
        // Skatteverket's examples carry valid Luhn digits; the helper must reproduce them.
        assert_eq!(swedish("811218987"), "8112189876");
        assert_eq!(swedish("121212121"), "1212121212");
        assert_eq!(swedish("701063239"), "7010632391");
        // A Norwegian number the helper builds satisfies both weighted sums mod 11.
        let fnr = digits(&norwegian("010190", 123));
        let sum = |w: &[u32]| fnr.iter().zip(w).map(|(d, w)| d * w).sum::<u32>() % 11;
        assert_eq!(sum(&[3, 7, 6, 1, 8, 9, 4, 5, 2, 1]), 0);
        assert_eq!(sum(&[5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1]), 0);
    }
}
