//! The languages of the pages of the hub and the agents: Danish, Norwegian bokmål, Swedish
//! and English. Which words each page has is its own binary's business (each compiles its own
//! Project Fluent files); this is the one list of languages, their codes and names, the
//! reading of a browser's `Accept-Language`, the language of the request in hand ([`LANG`])
//! and the lookup of a binary's words in it ([`words`], [`words_with`], [`words_count`]).

use std::borrow::Cow;
use std::collections::HashMap;

use axum::http::{HeaderMap, header};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use schemas::Jurisdiction;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Danish.
    Da,
    /// Norwegian bokmål.
    Nb,
    /// Swedish.
    Sv,
    /// English.
    En,
}

impl Lang {
    /// Every language, in the order the pages offer them.
    pub const ALL: [Lang; 4] = [Lang::Da, Lang::Nb, Lang::Sv, Lang::En];

    /// Its BCP 47 code, as in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::Nb => "nb",
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// Its name in itself, for a language menu.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Da => "Dansk",
            Lang::Nb => "Norsk bokmål",
            Lang::Sv => "Svenska",
            Lang::En => "English",
        }
    }

    /// The language a code names: `da`, `nb` (also `no` and `nn`, which browsers send for
    /// Norwegian), `sv`, `en`, with or without a region (`sv-FI`).
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "da" => Some(Lang::Da),
            "nb" | "no" | "nn" => Some(Lang::Nb),
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of a jurisdiction: Danish in Denmark, Norwegian bokmål in Norway,
    /// Swedish in Sweden.
    pub fn of_jurisdiction(jurisdiction: Jurisdiction) -> Lang {
        match jurisdiction {
            Jurisdiction::DK => Lang::Da,
            Jurisdiction::NO => Lang::Nb,
            Jurisdiction::SE => Lang::Sv,
        }
    }

    /// The language of an agency's country, by its id's prefix; English otherwise.
    pub fn of_agency(agency: &schemas::AgencyId) -> Lang {
        match agency.as_str().split('-').next() {
            Some("dk") => Lang::Da,
            Some("no") => Lang::Nb,
            Some("se") => Lang::Sv,
            _ => Lang::En,
        }
    }

    /// The highest-weighted language of the request's `Accept-Language` that the pages
    /// have (earlier entries win ties, as browsers list them by preference).
    pub fn from_accept_language(headers: &HeaderMap) -> Option<Lang> {
        let value = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
        let mut best: Option<(f32, Lang)> = None;
        for (position, item) in value.split(',').enumerate() {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_code) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let weight = q - position as f32 * 1e-4;
            if q > 0.0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }
}

/// Its Fluent identifier.
impl From<Lang> for LanguageIdentifier {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Da => langid!("da"),
            Lang::Nb => langid!("nb"),
            Lang::Sv => langid!("sv"),
            Lang::En => langid!("en"),
        }
    }
}

tokio::task_local! {
    /// The language of the request in hand: a page handler renders within
    /// `LANG.scope(lang, ..)` (or `sync_scope`).
    pub static LANG: Lang;
}

/// The language of the request in hand (English outside a request).
pub fn lang() -> Lang {
    LANG.try_with(|l| *l).unwrap_or(Lang::En)
}

/// Looking a page's words up in a binary's own Fluent files (`files`), in the language of
/// the request in hand. An id the files lack gives `None`.
pub fn words(files: &impl Loader, id: &str) -> Option<String> {
    files.try_lookup(&lang().into(), id)
}

/// [`words`] with variables.
pub fn words_with(files: &impl Loader, id: &str, args: &[(&str, String)]) -> Option<String> {
    let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .iter()
        .map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(v.clone())))
        .collect();
    files.try_lookup_with_args(&lang().into(), id, &args)
}

/// [`words`] with one number variable, for plurals.
pub fn words_count(files: &impl Loader, id: &str, name: &str, n: i64) -> Option<String> {
    let args = HashMap::from([(Cow::Owned(name.to_owned()), FluentValue::from(n))]);
    files.try_lookup_with_args(&lang().into(), id, &args)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn accepting(value: &'static str) -> Option<Lang> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(value));
        Lang::from_accept_language(&headers)
    }

    #[test]
    fn a_browser_gets_its_best_language_the_pages_have() {
        assert_eq!(accepting("fr-FR, sv;q=0.8, en;q=0.9"), Some(Lang::En));
        assert_eq!(accepting("no, en;q=0.5"), Some(Lang::Nb));
        assert_eq!(
            accepting("sv-FI, da"),
            Some(Lang::Sv),
            "ties go to the first"
        );
        assert_eq!(accepting("da;q=0, fr"), None, "q=0 refuses a language");
        assert_eq!(Lang::from_accept_language(&HeaderMap::new()), None);
    }

    #[test]
    fn codes_and_jurisdictions_name_languages() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code("nn-NO"), Some(Lang::Nb));
        assert_eq!(Lang::from_code("klingon"), None);
        assert_eq!(Lang::of_jurisdiction(Jurisdiction::SE), Lang::Sv);
        assert_eq!(Lang::of_jurisdiction(Jurisdiction::NO), Lang::Nb);
    }
}
