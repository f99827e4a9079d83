//! The dashboard's words in the analyst's language: Danish, Norwegian bokmål, Swedish or
//! English, from Project Fluent files (`hub/server/locales/<lang>/*.ftl`, compiled in).
//!
//! The language of a request ([`request_lang`]) is, in order: the viewer's own choice on the
//! page (the [`LANG_COOKIE`] cookie, set by `/language`), the browser's `Accept-Language`, the
//! language of the viewer's jurisdiction, and else English. [`LANG`] holds it for the request
//! in hand; [`t`], [`t_with`] and [`t_count`] look words up in it. Outside a request (the JSON
//! API) the words are English.
//!
//! Besides the lookups, the plain words of the codes the figures carry (stages, reasons,
//! regions), and numbers and times written the way each language writes them.

use axum::http::HeaderMap;
use broker::web::Lang;
use broker::web::lang;
pub use broker::web::lang::{LANG, lang};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fluent_templates::static_loader;
use schemas::Jurisdiction;

use super::auth::Role;
use crate::contact_point::{Count, Rate};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around variables: the pages are left-to-right only.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The cookie that keeps a viewer's choice of language.
pub const LANG_COOKIE: &str = "hub_lang";

/// The language a request is answered in: the viewer's cookie, else the best of the browser's
/// `Accept-Language`, else the language of the viewer's jurisdiction, else English.
pub fn request_lang(headers: &HeaderMap, viewer_jurisdiction: Option<Jurisdiction>) -> Lang {
    broker::web::cookie(headers, LANG_COOKIE)
        .and_then(|code| Lang::from_code(&code))
        .or_else(|| Lang::from_accept_language(headers))
        .or_else(|| viewer_jurisdiction.map(Lang::of_jurisdiction))
        .unwrap_or(Lang::En)
}

/// The words of `id` in the language of the request in hand. An id no file has gives the id
/// itself (a test makes sure every language has every id).
pub fn t(id: &str) -> String {
    try_t(id).unwrap_or_else(|| id.to_owned())
}

/// The words of `id`, if the files have it.
pub fn try_t(id: &str) -> Option<String> {
    lang::words(&*LOCALES, id)
}

/// [`t`] with variables.
pub fn t_with(id: &str, args: &[(&str, String)]) -> String {
    lang::words_with(&*LOCALES, id, args).unwrap_or_else(|| id.to_owned())
}

/// [`t`] with one number variable (for plurals).
pub fn t_count(id: &str, name: &str, n: i64) -> String {
    lang::words_count(&*LOCALES, id, name, n).unwrap_or_else(|| id.to_owned())
}

/// A jurisdiction by its name (`Danmark`, `Denmark`), never its code.
pub fn jurisdiction_name(jurisdiction: Jurisdiction) -> String {
    t(match jurisdiction {
        Jurisdiction::DK => "dash-jurisdiction-dk",
        Jurisdiction::NO => "dash-jurisdiction-no",
        Jurisdiction::SE => "dash-jurisdiction-se",
    })
}

/// The time zone of a jurisdiction.
pub fn zone(jurisdiction: Jurisdiction) -> Tz {
    hub_core::periods::zone(jurisdiction)
}

/// `ts` as the jurisdiction's clock shows it, written as the language writes a date and a
/// time: `3.12.2026 kl. 21.05` (Danish, Norwegian), `2026-12-03 kl. 21.05` (Swedish),
/// `3 Dec 2026, 21:05` (English).
pub fn local(ts: DateTime<Utc>, jurisdiction: Jurisdiction) -> String {
    let format = match lang() {
        Lang::Da | Lang::Nb => "%-d.%-m.%Y kl. %H.%M",
        Lang::Sv => "%Y-%m-%d kl. %H.%M",
        Lang::En => "%-d %b %Y, %H:%M",
    };
    ts.with_timezone(&zone(jurisdiction))
        .format(format)
        .to_string()
}

/// `x` with `places` decimals and the language's decimal sign (a comma, except in English).
pub fn decimal(x: f64, places: usize) -> String {
    let text = format!("{x:.places$}");
    match lang() {
        Lang::En => text,
        Lang::Da | Lang::Nb | Lang::Sv => text.replace('.', ","),
    }
}

/// A count as the page writes it: the number, `<5`, or the word for a withheld count.
pub fn count(count: Count) -> String {
    match count {
        Count::Exact(n) => n.to_string(),
        Count::Suppressed => "<5".to_owned(),
        Count::Withheld => t("dash-suppressed"),
    }
}

/// A share as the page writes it: `62.5 %` (`62,5 %`), or the word for a withheld one.
pub fn rate(rate: Rate) -> String {
    match rate {
        Rate::Percent(p) => format!("{} %", decimal(p, 1)),
        Rate::Suppressed => t("dash-suppressed"),
    }
}

/// Days with one decimal, or a dash when not shown.
pub fn days(d: Option<f64>) -> String {
    d.map_or_else(|| "–".to_owned(), |d| decimal(d, 1))
}

/// A viewer's role in words.
pub fn role(role: Role) -> String {
    t(match role {
        Role::Analyst => "dash-role-analyst",
        Role::Statistician => "dash-role-statistician",
    })
}

/// The words of `{prefix}-{code}`, or of `{prefix}-other` for a code the files do not know
/// (so that no code reaches the page).
fn coded(prefix: &str, code: &str) -> String {
    try_t(&format!("{prefix}-{code}")).unwrap_or_else(|| t(&format!("{prefix}-other")))
}

/// A case stage (`referred`, `intake`, ...) in words.
pub fn stage(code: &str) -> String {
    coded("dash-stage", code)
}

/// A receiving agency's reason for rejecting a handover (`no_capacity`, ...; `not given`
/// when it gave none) in words.
pub fn rejection_reason(code: &str) -> String {
    coded("dash-rejection", &code.replace(' ', "_"))
}

/// The hub's reason code for refusing a message or recipient (`NO_GATEWAY`, ...) in words.
pub fn refusal_reason(code: &str) -> String {
    coded("dash-refusal", code)
}

/// Where a relocation stands (`requested`, `confirmed`, ...) in words.
pub fn relocation_state(code: &str) -> String {
    coded("dash-relocation", code)
}

/// A region as the figures name it; `unknown` (an agency with no region) and `all` (the
/// total row) in words.
pub fn region(label: &str) -> String {
    match label {
        "unknown" => t("dash-region-unknown"),
        "all" => t("dash-region-all"),
        name => name.to_owned(),
    }
}

/// A programme as the figures name it; the cases without a consent in words.
pub fn programme(label: &str) -> String {
    match label {
        "no consent recorded" => t("dash-no-consent"),
        name => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use axum::http::{HeaderValue, header};
    use chrono::TimeZone;

    use super::*;

    /// The Fluent files of `lang`: every `.ftl` file in its folder, by name.
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

    /// The messages of a Fluent file: each id with its whole text (continuation lines too).
    fn messages(text: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for line in text.lines() {
            if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
                if let Some((id, value)) = line.split_once('=') {
                    out.push((id.trim().to_owned(), value.to_owned()));
                }
            } else if line.starts_with(' ')
                && let Some((_, value)) = out.last_mut()
            {
                value.push('\n');
                value.push_str(line);
            }
        }
        out
    }

    /// The `$variables` a message's text uses.
    fn variables(text: &str) -> BTreeSet<String> {
        text.split('$')
            .skip(1)
            .map(|piece| {
                piece
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect::<String>()
            })
            .filter(|name| !name.is_empty())
            .collect()
    }

    /// Every message of `lang`, over all its files, by id with its variables; an id named
    /// twice fails (Fluent refuses the whole file, and every page with it).
    fn catalogue(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
        let mut all = BTreeMap::new();
        for (name, text) in files(lang) {
            for (id, value) in messages(&text) {
                let vars = variables(&value);
                assert!(
                    all.insert(id.clone(), vars).is_none(),
                    "{}/{name}: {id} twice",
                    lang.code()
                );
            }
        }
        all
    }

    #[test]
    fn every_language_has_every_message_with_the_same_variables() {
        let english = catalogue(Lang::En);
        let dashboard: Vec<&String> = english
            .keys()
            .filter(|id| id.starts_with("dash-"))
            .collect();
        assert!(dashboard.len() > 100, "{} ids", dashboard.len());
        for lang in Lang::ALL {
            let theirs = catalogue(lang);
            let missing: Vec<_> = english
                .keys()
                .filter(|id| !theirs.contains_key(*id))
                .collect();
            let extra: Vec<_> = theirs
                .keys()
                .filter(|id| !english.contains_key(*id))
                .collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, not in English {extra:?}",
                lang.code()
            );
            for (id, vars) in &english {
                assert_eq!(&theirs[id], vars, "{}: the variables of {id}", lang.code());
                // And each resolves to words of its own, not the id.
                let args: Vec<(&str, String)> =
                    vars.iter().map(|v| (v.as_str(), "1".to_owned())).collect();
                let words = LANG.sync_scope(lang, || t_with(id, &args));
                assert_ne!(&words, id, "{}: {id}", lang.code());
            }
        }
    }

    /// Every `"dash-…"` literal of the dashboard's code and templates names a message (or,
    /// for the codes' words, a prefix with an `-other` fallback).
    #[test]
    fn every_id_the_pages_use_is_in_the_files() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut sources = vec![
            format!("{root}/templates/dashboard.html"),
            format!("{root}/templates/login.html"),
        ];
        for dir in ["templates/dashboard", "src/http/dashboard"] {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
                sources.push(entry.unwrap().path().to_string_lossy().into_owned());
            }
        }
        let english = catalogue(Lang::En);
        let mut used = 0;
        for path in sources {
            let text = std::fs::read_to_string(&path).unwrap();
            for piece in text.split("\"dash-").skip(1) {
                let Some((rest, _)) = piece.split_once('"') else {
                    continue;
                };
                if rest.is_empty()
                    || rest.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                {
                    continue;
                }
                let id = format!("dash-{rest}");
                used += 1;
                assert!(
                    english.contains_key(&id) || english.contains_key(&format!("{id}-other")),
                    "{path}: {id} is not in the files"
                );
            }
        }
        assert!(used > 80, "{used} ids found");
    }

    #[test]
    fn every_code_of_the_figures_has_words_in_every_language() {
        let vocab = include_str!("../../../../../schemas/src/vocab.rs");
        let refusals: Vec<&str> = vocab
            .lines()
            .filter(|l| l.trim_start().starts_with("ReasonCode::") && l.contains("=> \""))
            .filter_map(|l| l.split('"').nth(1))
            .collect();
        assert!(refusals.len() >= 40, "{refusals:?}");
        let english = catalogue(Lang::En);
        for code in &refusals {
            assert!(
                english.contains_key(&format!("dash-refusal-{code}")),
                "{code}"
            );
        }
        let rejections = schemas::messages::RejectionReason::ALL.map(|r| r.as_str());
        for code in rejections.iter().chain(&["not given"]) {
            let id = format!("dash-rejection-{}", code.replace(' ', "_"));
            assert!(english.contains_key(&id), "{id}");
        }
        for code in crate::contact_point::STAGES {
            assert!(
                english.contains_key(&format!("dash-stage-{code}")),
                "{code}"
            );
        }
        for lang in Lang::ALL {
            LANG.sync_scope(lang, || {
                for code in &refusals {
                    let words = refusal_reason(code);
                    assert!(!words.contains(code), "no code on the page: {words}");
                }
                for code in rejections {
                    assert!(!rejection_reason(code).contains(code));
                }
                assert!(!stage("SOMETHING_NEW").contains("SOMETHING"));
                assert!(!refusal_reason("SOMETHING_NEW").contains("SOMETHING"));
            });
        }
        let in_lang = |lang, f: fn() -> String| LANG.sync_scope(lang, f);
        assert_eq!(
            in_lang(Lang::Da, || rejection_reason("not given")),
            "Ikke angivet"
        );
        assert_eq!(in_lang(Lang::Sv, || stage("suspended")), "Vilande");
        assert_eq!(in_lang(Lang::Nb, || region("unknown")), "Ukjent region");
        assert_eq!(
            in_lang(Lang::En, || programme("Exit Aarhus")),
            "Exit Aarhus"
        );
    }

    #[test]
    fn jurisdictions_have_names_and_times_are_local_in_each_language() {
        let name = |lang, j| LANG.sync_scope(lang, || jurisdiction_name(j));
        assert_eq!(name(Lang::Da, Jurisdiction::DK), "Danmark");
        assert_eq!(name(Lang::Nb, Jurisdiction::SE), "Sverige");
        assert_eq!(name(Lang::Sv, Jurisdiction::NO), "Norge");
        assert_eq!(name(Lang::En, Jurisdiction::NO), "Norway");
        // 20:05 UTC on 3 December is 21:05 in Scandinavia (winter time); in July, 22:05.
        let winter = Utc.with_ymd_and_hms(2026, 12, 3, 20, 5, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 3, 20, 5, 0).unwrap();
        let at = |lang, ts, j| LANG.sync_scope(lang, || local(ts, j));
        assert_eq!(
            at(Lang::Da, winter, Jurisdiction::DK),
            "3.12.2026 kl. 21.05"
        );
        assert_eq!(at(Lang::Nb, summer, Jurisdiction::NO), "3.7.2026 kl. 22.05");
        assert_eq!(
            at(Lang::Sv, winter, Jurisdiction::SE),
            "2026-12-03 kl. 21.05"
        );
        assert_eq!(at(Lang::En, winter, Jurisdiction::DK), "3 Dec 2026, 21:05");
        // Just before midnight UTC is the next day in Copenhagen.
        let late = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(at(Lang::Da, late, Jurisdiction::DK), "1.1.2027 kl. 00.30");
    }

    #[test]
    fn numbers_are_written_with_the_languages_decimal_sign() {
        let in_lang = |lang, f: fn() -> String| LANG.sync_scope(lang, f);
        assert_eq!(in_lang(Lang::En, || rate(Rate::Percent(62.5))), "62.5 %");
        assert_eq!(in_lang(Lang::Da, || rate(Rate::Percent(62.5))), "62,5 %");
        assert_eq!(in_lang(Lang::Sv, || days(Some(2.26))), "2,3");
        assert_eq!(in_lang(Lang::Nb, || days(None)), "–");
        assert_eq!(in_lang(Lang::Nb, || count(Count::Withheld)), "skjult");
        assert_eq!(in_lang(Lang::En, || count(Count::Withheld)), "suppressed");
        assert_eq!(in_lang(Lang::Da, || count(Count::Suppressed)), "<5");
        assert_eq!(in_lang(Lang::Da, || count(Count::Exact(12))), "12");
    }

    #[test]
    fn the_cookie_then_the_browser_then_the_jurisdiction_choose() {
        let mut h = HeaderMap::new();
        assert_eq!(request_lang(&h, None), Lang::En);
        assert_eq!(request_lang(&h, Some(Jurisdiction::NO)), Lang::Nb);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("sv-SE, en;q=0.8"),
        );
        assert_eq!(request_lang(&h, Some(Jurisdiction::NO)), Lang::Sv);
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("hub_session=x; hub_lang=da"),
        );
        assert_eq!(
            request_lang(&h, Some(Jurisdiction::NO)),
            Lang::Da,
            "the viewer's own choice decides over the browser's"
        );
        h.insert(header::COOKIE, HeaderValue::from_static("hub_lang=klingon"));
        assert_eq!(request_lang(&h, None), Lang::Sv);
    }
}
