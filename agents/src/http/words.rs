//! The page's words in the caseworker's language: Danish, Norwegian bokmål, Swedish or
//! English, from Project Fluent files (`agents/locales/<lang>/*.ftl`, compiled in).
//!
//! The language of a request is, in order: the caseworker's own choice on the page (the
//! `__Host-agent_lang` cookie, set by `/language`), the `locale` claim of their sign-in, the
//! browser's `Accept-Language`, and else the language of the agency's country. [`LANG`] holds
//! it for the request in hand; [`t`] and [`t_with`] look words up in it.

use axum::http::HeaderMap;
use fluent_templates::static_loader;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around variables: the pages are left-to-right only.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

pub use broker::web::Lang;
use broker::web::lang;
pub use broker::web::lang::{LANG, lang};

/// The cookie that keeps a caseworker's choice of language.
pub const LANG_COOKIE: &str = "__Host-agent_lang";

/// The words of `id` in the language of the request in hand. An id no file has gives the id
/// itself (a test makes sure every language has every id).
pub fn t(id: &str) -> String {
    try_t(id).unwrap_or_else(|| id.to_owned())
}

/// The words of `id`, if the files have it.
pub fn try_t(id: &str) -> Option<String> {
    lang::words(&*LOCALES, id)
}

/// Why the hub refused a message, and what to do now, for a reason code of the wire.
pub fn reason_words(code: &str) -> String {
    try_t(&format!("reason-{code}")).unwrap_or_else(|| t("reason-other"))
}

/// [`t`] with variables.
pub fn t_with(id: &str, args: &[(&str, String)]) -> String {
    lang::words_with(&*LOCALES, id, args).unwrap_or_else(|| id.to_owned())
}

/// [`t`] with one number variable (for plurals).
pub fn t_count(id: &str, name: &str, n: i64) -> String {
    lang::words_count(&*LOCALES, id, name, n).unwrap_or_else(|| id.to_owned())
}

/// The language a request asks for: the caseworker's cookie, else `preferred` (their
/// sign-in's `locale`), else the best of `Accept-Language`, else `fallback`.
pub fn negotiate(headers: &HeaderMap, preferred: Option<Lang>, fallback: Lang) -> Lang {
    let chosen = super::web::cookie(headers, LANG_COOKIE).and_then(|v| Lang::from_code(&v));
    chosen
        .or(preferred)
        .or_else(|| Lang::from_accept_language(headers))
        .unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use axum::http::{HeaderValue, header};

    use super::*;

    /// The Fluent files of `lang`: every `.ftl` file in its folder, by name, in name order.
    fn files(lang: Lang) -> Vec<(String, String)> {
        let dir = format!("{}/locales/{}", env!("CARGO_MANIFEST_DIR"), lang.code());
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "ftl"))
            .map(|path| {
                let text = std::fs::read_to_string(&path).unwrap();
                (
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    text,
                )
            })
            .collect();
        files.sort();
        files
    }

    /// The message ids a Fluent file defines, in file order.
    fn ids_in(text: &str) -> impl Iterator<Item = &str> {
        text.lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
            .filter_map(|l| l.split_once('=').map(|(id, _)| id.trim()))
    }

    /// No language names an id twice, in one file or across its files (Fluent refuses the
    /// whole file, and every page with it).
    #[test]
    fn no_language_names_an_id_twice() {
        for lang in Lang::ALL {
            let files = files(lang);
            assert!(files.len() >= 2, "{}: {files:?}", lang.code());
            let mut seen = BTreeSet::new();
            for (name, text) in &files {
                for id in ids_in(text) {
                    assert!(
                        seen.insert(id.to_owned()),
                        "{}/{name}: {id} twice",
                        lang.code()
                    );
                }
            }
        }
    }

    /// Every `$variable` the files use, in any language.
    fn variables() -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        for lang in Lang::ALL {
            for (_, text) in files(lang) {
                for piece in text.split('$').skip(1) {
                    let name: String = piece
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                        .collect();
                    if !name.is_empty() {
                        found.insert(name);
                    }
                }
            }
        }
        found
    }

    fn ids(lang: Lang) -> BTreeSet<String> {
        files(lang)
            .iter()
            .flat_map(|(_, text)| ids_in(text).map(str::to_owned).collect::<Vec<_>>())
            .collect()
    }

    #[test]
    fn every_language_has_every_message_id() {
        let english = ids(Lang::En);
        assert!(english.len() > 50, "{} ids", english.len());
        for lang in Lang::ALL {
            let theirs = ids(lang);
            let missing: Vec<_> = english.difference(&theirs).collect();
            let extra: Vec<_> = theirs.difference(&english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, not in English {extra:?}",
                lang.code()
            );
            // And each resolves to words of its own, not the id.
            // Every variable any message takes, so that each formats whole.
            let names = variables();
            let args: Vec<(&str, String)> =
                names.iter().map(|v| (v.as_str(), "x".to_owned())).collect();
            for id in &english {
                let words = LANG.sync_scope(lang, || {
                    if id == "due-in-days" {
                        t_count(id, "days", 2)
                    } else {
                        t_with(id, &args)
                    }
                });
                assert_ne!(&words, id, "{}: {id}", lang.code());
            }
        }
    }

    /// Every label the plain-words presentation of a message uses has words in the files.
    #[test]
    fn every_fact_label_has_words() {
        let source = include_str!("../present.rs");
        let english = ids(Lang::En);
        let mut labels = BTreeSet::new();
        let mut rest = source;
        while let Some(at) = rest.find("line(") {
            rest = &rest[at + 5..];
            let trimmed = rest.trim_start();
            if let Some(quoted) = trimmed.strip_prefix('"') {
                labels.insert(quoted[..quoted.find('"').unwrap()].to_owned());
            }
        }
        assert!(labels.len() > 30, "{labels:?}");
        for label in labels {
            let id = format!("fact-{}", label.replace(' ', "-"));
            assert!(english.contains(&id), "{id} is not in the files");
        }
    }

    /// Every reason code the hub can answer with is explained in plain words.
    #[test]
    fn every_reason_code_is_explained() {
        let vocab = include_str!("../../../schemas/src/vocab.rs");
        let english = ids(Lang::En);
        let codes: Vec<&str> = vocab
            .lines()
            .filter(|l| l.trim_start().starts_with("ReasonCode::") && l.contains("=> \""))
            .filter_map(|l| l.split('"').nth(1))
            .collect();
        assert!(codes.len() >= 40, "{codes:?}");
        for code in codes {
            assert!(
                english.contains(&format!("reason-{code}")),
                "reason-{code} is not in the files"
            );
            let danish = LANG.sync_scope(Lang::Da, || reason_words(code));
            assert!(!danish.contains(code), "no code on screen: {danish}");
        }
        assert_eq!(
            LANG.sync_scope(Lang::En, || reason_words("SOMETHING_NEW")),
            "The hub refused the message. Tell your administrator."
        );
    }

    #[test]
    fn the_words_are_the_fields_own() {
        let in_lang = |lang, id: &str| LANG.sync_scope(lang, || t(id));
        assert_eq!(
            in_lang(Lang::Da, "type-ReleaseNotice"),
            "Løsladelsesmeddelelse"
        );
        assert_eq!(
            in_lang(Lang::Nb, "type-ReleaseNotice"),
            "Melding om løslatelse"
        );
        assert_eq!(
            in_lang(Lang::Sv, "type-ReleaseNotice"),
            "Meddelande om frigivning"
        );
        assert_eq!(
            in_lang(Lang::Da, "type-HandoverRequest"),
            "Anmodning om overdragelse"
        );
        assert_eq!(
            in_lang(Lang::Nb, "type-HandoverRequest"),
            "Forespørsel om overlevering"
        );
        assert_eq!(
            in_lang(Lang::Sv, "type-HandoverRequest"),
            "Begäran om överlämning"
        );
        let days = |lang| LANG.sync_scope(lang, || t_count("due-in-days", "days", 1));
        assert_eq!(days(Lang::En), "(in 1 day)");
        assert_eq!(days(Lang::Da), "(om 1 dag)");
    }

    #[test]
    fn the_cookie_then_the_sign_in_then_the_browser_then_the_country_choose() {
        let mut h = HeaderMap::new();
        assert_eq!(negotiate(&h, None, Lang::Da), Lang::Da);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr-FR, sv;q=0.8, en;q=0.9"),
        );
        assert_eq!(negotiate(&h, None, Lang::Da), Lang::En);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("no, en;q=0.5"),
        );
        assert_eq!(negotiate(&h, None, Lang::Da), Lang::Nb);
        assert_eq!(negotiate(&h, Some(Lang::Sv), Lang::Da), Lang::Sv);
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; __Host-agent_lang=da"),
        );
        assert_eq!(negotiate(&h, Some(Lang::Sv), Lang::En), Lang::Da);
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("__Host-agent_lang=klingon"),
        );
        assert_eq!(negotiate(&h, None, Lang::En), Lang::Nb);
    }
}
