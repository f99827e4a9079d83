//! What became of each recipient's copy of a sent message (issue 17, part 3): `GET
//! /sent/{id}` shows what was sent, each recipient by name with what the hub did with its
//! copy (delivered; refused, in words: what happened, why, what to do, the code and the hub's
//! technical words folded away for the administrator; waiting), who owns the case after a
//! handover, and the answers received to it. [`answers_note`] is the line on a received
//! message that links back here.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use schemas::{Body, Message, MessageId, MessageType, StaffRole};

use super::{PageError, agency_words, outcome_words, page, page_actor, render, type_title, when};
use crate::access_log::{self, Action};
use crate::http::AppState;
use crate::http::actions::Failure;
use crate::http::sent::{self, Fate, Ownership, StillYoursBecause};
use crate::http::words::{reason_words, t, t_with};
use crate::people;
use crate::store::{Outcome, RecipientOutcome, SendStatus};

/// This module's routes, behind the sign-in.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/sent/{id}", get(sent_page))
}

/// Agency ids to names, as the key directory gives them.
type Names = BTreeMap<String, String>;

/// The page of a sent message (`views/sent.html`).
#[derive(askama::Template)]
#[template(path = "views/sent.html")]
struct SentPage<'a> {
    back: String,
    title: &'a str,
    lead: String,
    /// The class and the words of the alert when the hub refused it in whole or in part.
    overall: Option<(&'static str, String)>,
    facts: Vec<(String, Fact)>,
    recipients_title: String,
    /// Each recipient's `<li>`, rendered by [`recipient_item`].
    recipients: Vec<String>,
    withheld: String,
    owner_title: String,
    owner: Option<String>,
    answers_title: String,
    answers_none: String,
    answers: Vec<Answer>,
}

/// The value of one of the facts of a sent message.
enum Fact {
    /// Words.
    Text(String),
    /// A link: where to, and the words.
    Link(String, String),
    /// Words, then more in parentheses, muted.
    Muted(String, String),
}

/// An answer received to the message.
struct Answer {
    id: String,
    sender: String,
    title: String,
    from: String,
}

/// `GET /sent/{id}`: a message this agency sent, and what became of it.
async fn sent_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: MessageId = id.parse().map_err(|_| Failure::NotFound("sent message"))?;
    let store = state.store();
    let fate = sent::fate(store, &id)
        .await?
        .ok_or(Failure::NotFound("sent message"))?;
    let names = store.agency_names().await?;
    let title = type_title(&fate.sent.message_type);
    let recipients = fate
        .recipients
        .iter()
        .map(|r| recipient_item(&names, r))
        .collect::<Result<_, _>>()?;
    let main = render(&SentPage {
        back: t("back-to-inbox"),
        title: &title,
        lead: lead(&fate),
        overall: overall(fate.sent.status),
        facts: facts(&state, &fate).await?,
        recipients_title: t("sent-page-recipients-title"),
        recipients,
        withheld: t("sent-page-withheld-unknown"),
        owner_title: t("sent-page-owner-title"),
        owner: fate.owner.as_ref().map(|o| owner_words(&names, o)),
        answers_title: t("sent-page-answers-title"),
        answers_none: t("sent-page-answers-none"),
        answers: answers(&names, &fate),
    })?;
    Ok(page(
        StatusCode::OK,
        &title,
        Some(state.agent().as_str()),
        &main,
    ))
}

/// Who sent it and when.
fn lead(fate: &Fate) -> String {
    let sent_at = when(fate.sent.accepted_at);
    match &fate.message.envelope.sent_by {
        Some(by) => t_with(
            "sent-page-lead-by",
            &[("name", by.name.to_string()), ("when", sent_at)],
        ),
        None => t_with("sent-page-lead", &[("when", sent_at)]),
    }
}

/// What became of the message as a whole, when the hub refused it in whole or in part: the
/// alert's class and words.
fn overall(status: SendStatus) -> Option<(&'static str, String)> {
    let (id, class) = match status {
        SendStatus::Refused => ("sent-page-refused-all", "alert"),
        SendStatus::PartiallyDelivered => ("sent-page-refused-some", "alert"),
        _ => return None,
    };
    Some((class, t(id)))
}

/// The person, the case, when and by whom, as a list of facts. Naming the person from the
/// register is recorded in the access log, as opening their page is.
async fn facts(state: &AppState, fate: &Fate) -> Result<Vec<(String, Fact)>, Failure> {
    let e = &fate.message.envelope;
    let mut out = Vec::new();
    let mut fact = |label: &str, value: Fact| out.push((t(label), value));
    fact(
        "sent-page-kind",
        Fact::Text(type_title(&fate.sent.message_type)),
    );
    if let Some(subject) = &e.subject {
        let person = match people::find(state.store(), subject).await? {
            Some(p) => {
                access_log::about_people(
                    state.store(),
                    &page_actor(),
                    Action::PersonOpened,
                    &[subject.as_str()],
                )
                .await?;
                Fact::Link(
                    format!("/persons/{}", subject.as_str()),
                    p.identity.name.as_str().to_owned(),
                )
            }
            None => Fact::Text(t("sent-page-person-unknown")),
        };
        fact("sent-page-person", person);
    }
    if let Some(case) = &e.case_id {
        fact("sent-page-case", Fact::Text(case.as_str().to_owned()));
    }
    fact("sent-page-when", Fact::Text(when(fate.sent.accepted_at)));
    if let Some(by) = &e.sent_by {
        let role = match by.role {
            StaffRole::Caseworker => t("role-caseworker"),
            StaffRole::Coordinator => t("role-coordinator"),
        };
        fact(
            "sent-page-by",
            Fact::Muted(by.name.as_str().to_owned(), role),
        );
    }
    Ok(out)
}

/// One recipient's line (`views/recipient.html`).
#[derive(askama::Template)]
#[template(path = "views/recipient.html")]
struct RecipientItem<'a> {
    /// `delivered`, `refused` or `waiting`.
    class: &'static str,
    id: &'a str,
    agency: String,
    said: String,
    more: String,
    /// The details' summary and the code with the hub's words, for a refusal.
    technical: Option<(String, String)>,
}

/// One recipient's line: delivered, refused (what happened, why, what to do; the code and
/// the hub's words folded away for the administrator), or waiting.
fn recipient_item(names: &Names, r: &RecipientOutcome) -> Result<String, Failure> {
    let agency = agency_words(names, &r.recipient);
    let code = r.reason.as_deref().unwrap_or("");
    let (class, said, more) = match r.outcome {
        Outcome::Delivered => (
            "delivered",
            t("sent-page-delivered"),
            t_with(
                "sent-page-delivered-when",
                &[("when", r.answered_at.map(when).unwrap_or_default())],
            ),
        ),
        Outcome::Refused => ("refused", t("sent-page-refused"), reason_words(code)),
        Outcome::Waiting => (
            "waiting",
            t("sent-page-waiting"),
            t("sent-page-waiting-why"),
        ),
    };
    let technical = (r.outcome == Outcome::Refused).then(|| {
        let mut technical = t_with("sent-page-code", &[("code", code.to_owned())]);
        if let Some(detail) = &r.detail {
            technical = format!("{technical} {detail}");
        }
        (t("sent-technical"), technical)
    });
    render(&RecipientItem {
        class,
        id: &r.recipient,
        agency,
        said,
        more,
        technical,
    })
}

/// Who owns the case, in words.
fn owner_words(names: &Names, owner: &Ownership) -> String {
    match owner {
        Ownership::Moved { to, since } => t_with(
            "sent-page-owner-moved",
            &[("agency", agency_words(names, to)), ("when", when(*since))],
        ),
        Ownership::StillYours { because, asked } => {
            let id = match because {
                StillYoursBecause::NotAnswered => "sent-page-owner-not-answered",
                StillYoursBecause::Received => "sent-page-owner-received",
                StillYoursBecause::Rejected => "sent-page-owner-rejected",
                StillYoursBecause::Cancelled => "sent-page-owner-cancelled",
                StillYoursBecause::Refused => "sent-page-owner-refused",
            };
            t_with(id, &[("agency", agency_words(names, asked))])
        }
    }
}

/// The answers received to it, each to be linked to the message.
fn answers(names: &Names, fate: &Fate) -> Vec<Answer> {
    fate.answers
        .iter()
        .map(|(row, message)| {
            let mut title = type_title(&row.message_type);
            if let Body::HandoverResponse(h) = &message.body {
                title = format!("{title}: {}", outcome_words(h.outcome));
            }
            Answer {
                id: row.message_id.clone(),
                sender: row.sender.clone(),
                title,
                from: t_with(
                    "sent-page-answer-from",
                    &[
                        ("agency", agency_words(names, &row.sender)),
                        ("when", when(row.received_at)),
                    ],
                ),
            }
        })
        .collect()
}

/// The line on a received message that answers one this agency sent
/// (`views/answers_note.html`).
#[derive(askama::Template)]
#[template(path = "views/answers_note.html")]
struct AnswersNote<'a> {
    id: &'a str,
    words: String,
}

/// The line on a received message that answers (or, from the hub, refuses) one this agency
/// sent, linking to what became of it; empty for any other message.
pub(super) async fn answers_note(state: &AppState, message: &Message) -> Result<String, Failure> {
    if message.envelope.message_type == MessageType::Receipt {
        return Ok(String::new());
    }
    let Some(ours) = sent::answered(state.store(), message).await? else {
        return Ok(String::new());
    };
    let id = if message.envelope.message_type == MessageType::Undeliverable {
        "sent-page-note-refused"
    } else {
        "sent-page-note-answers"
    };
    let words = t_with(
        id,
        &[
            ("kind", type_title(&ours.message_type)),
            ("when", when(ours.accepted_at)),
        ],
    );
    render(&AnswersNote {
        id: &ours.message_id,
        words,
    })
}

#[cfg(test)]
mod tests {
    use axum::body::Body as HttpBody;
    use axum::http::{Request, header};
    use broker::web::escape as esc;

    use super::*;
    use crate::http::sign_in::{Caseworker, Role};
    use crate::http::words::{LANG, Lang};
    use crate::http::{Token, router};
    use crate::store::Store;
    use crate::testing::{TempStore, agency, at, call};

    fn refused(code: &str, detail: Option<&str>) -> RecipientOutcome {
        RecipientOutcome {
            recipient: "dk-jobcenter-kobenhavn".into(),
            outcome: Outcome::Refused,
            reason: Some(code.into()),
            detail: detail.map(str::to_owned),
            answered_at: Some(at(1)),
        }
    }

    /// The part of `html` outside every `<details>`: what a caseworker reads.
    fn outside_details(html: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        while let Some(start) = rest.find("<details>") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("</details>").expect("closed") + start;
            rest = &rest[end + "</details>".len()..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn a_refusal_reads_as_words_with_the_code_only_in_the_details() {
        let names = Names::from([(
            "dk-jobcenter-kobenhavn".to_owned(),
            "Jobcenter København".to_owned(),
        )]);
        for lang in Lang::ALL {
            LANG.sync_scope(lang, || {
                let item = recipient_item(
                    &names,
                    &refused("NO_GATEWAY", Some("no gateway for recipient")),
                )
                .expect("the line renders");
                let shown = outside_details(&item);
                assert!(shown.contains("Jobcenter København"), "{item}");
                assert!(shown.contains(&esc(&reason_words("NO_GATEWAY"))), "{item}");
                for code in ["NO_GATEWAY", ">dk-jobcenter-kobenhavn<", "no gateway for"] {
                    assert!(!shown.contains(code), "{code} on screen: {shown}");
                }
                assert!(
                    !shown.contains("sent-page-"),
                    "an id without words: {shown}"
                );
                assert!(item.contains("NO_GATEWAY") && item.contains("no gateway for recipient"));
            });
        }
    }

    #[test]
    fn every_outcome_and_owner_has_words_in_every_language() {
        let names = Names::new();
        let outcomes = [
            refused("CONSENT_WITHDRAWN", None),
            RecipientOutcome {
                outcome: Outcome::Delivered,
                reason: None,
                ..refused("", None)
            },
            RecipientOutcome {
                outcome: Outcome::Waiting,
                reason: None,
                answered_at: None,
                ..refused("", None)
            },
        ];
        let owners = [
            StillYoursBecause::NotAnswered,
            StillYoursBecause::Received,
            StillYoursBecause::Rejected,
            StillYoursBecause::Cancelled,
            StillYoursBecause::Refused,
        ]
        .map(|because| Ownership::StillYours {
            because,
            asked: "dk-kobenhavn-kommune".into(),
        });
        for lang in Lang::ALL {
            LANG.sync_scope(lang, || {
                for o in &outcomes {
                    let item =
                        outside_details(&recipient_item(&names, o).expect("the line renders"));
                    assert!(!item.contains("sent-page-"), "{item}");
                }
                for o in owners.iter().chain([&Ownership::Moved {
                    to: "dk-kobenhavn-kommune".into(),
                    since: at(2),
                }]) {
                    let words = owner_words(&names, o);
                    assert!(!words.contains("sent-page-"), "{words}");
                    let names_the_agency = !matches!(
                        o,
                        Ownership::StillYours {
                            because: StillYoursBecause::Cancelled,
                            ..
                        }
                    );
                    assert_eq!(
                        words.contains("dk-kobenhavn-kommune"),
                        names_the_agency,
                        "{words}"
                    );
                }
            });
        }
    }

    /// A prison's page, its store holding one release notice sent to two agencies.
    async fn prison_with_notice() -> (TempStore, Router, String, String) {
        let t = TempStore::new().await;
        let state = AppState::new(
            t.store.clone(),
            agency("dk-kriminalforsorgen"),
            Token::new("t"),
        );
        let cookie = state.test_session(Caseworker::new(
            "astrid.holm",
            "Astrid Holm",
            &[Role::Caseworker],
        ));
        let notice = example("ReleaseNotice", |_| {});
        t.store.enqueue(&notice, at(0)).await.unwrap();
        let id = notice.envelope.message_id.to_string();
        (t, router(state), cookie, id)
    }

    fn example(name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Message {
        let path = format!(
            "{}/../schemas/examples/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        edit(&mut value);
        schemas::decode(&serde_json::to_vec(&value).unwrap()).unwrap()
    }

    async fn get(app: &Router, cookie: &str, path: &str) -> (u16, String) {
        get_in(app, cookie, path, "da").await
    }

    async fn get_in(app: &Router, cookie: &str, path: &str, lang: &str) -> (u16, String) {
        let request = Request::get(path)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(HttpBody::empty())
            .unwrap();
        let (status, _, page) = call(app, request).await;
        (status, page)
    }

    async fn hub_answers(store: &Store, message: Message) {
        store
            .receive(&agency("dk-kriminalforsorgen"), &message, at(1))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn the_page_shows_each_recipients_fate_and_the_refusal_links_back() {
        let (held, app, cookie, id) = prison_with_notice().await;
        let (status, page) = get(&app, &cookie, &format!("/sent/{id}")).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page.matches("outcome-waiting").count(), 2, "{page}");

        hub_answers(
            &held.store,
            example("Receipt", |m| {
                m["body"]["in_reply_to"] = id.clone().into();
            }),
        )
        .await;
        let (_, page) = get(&app, &cookie, &format!("/sent/{id}")).await;
        assert!(page.contains(r#"lang="da""#));
        let shown = outside_details(&page);
        assert!(
            shown.contains(r#"class="outcome-delivered" data-recipient="dk-kobenhavn-kommune""#)
        );
        assert!(
            shown.contains(r#"class="outcome-refused" data-recipient="dk-jobcenter-kobenhavn""#)
        );
        LANG.sync_scope(Lang::Da, || {
            assert!(shown.contains(&esc(&reason_words("NO_GATEWAY"))));
            assert!(shown.contains(&esc(&t("sent-page-refused-some"))));
        });
        assert!(
            !shown.contains("NO_GATEWAY") && !shown.contains("sent-page-"),
            "{shown}"
        );

        // Another message, refused as a whole: its Undeliverable links back to it.
        let other = example("ReleaseNotice", |m| {
            m["envelope"]["message_id"] = "01a2008d-77e8-726b-b2a7-4de452e6b499".into();
        });
        held.store.enqueue(&other, at(0)).await.unwrap();
        let refusal = example("Undeliverable", |m| {
            m["body"]["in_reply_to"] = other.envelope.message_id.to_string().into();
            m["envelope"]["causation_id"] = other.envelope.message_id.to_string().into();
        });
        hub_answers(&held.store, refusal.clone()).await;
        let state = AppState::new(
            held.store.clone(),
            agency("dk-kriminalforsorgen"),
            Token::new("t"),
        );
        let note = LANG
            .scope(Lang::En, answers_note(&state, &refusal))
            .await
            .unwrap();
        assert!(
            note.contains(&format!(r#"href="/sent/{}""#, other.envelope.message_id)),
            "{note}"
        );
        let (_, page) = get(
            &app,
            &cookie,
            &format!("/sent/{}", other.envelope.message_id),
        )
        .await;
        assert!(page.contains(r#"id="sent-overall""#), "{page}");
        assert_eq!(outside_details(&page).matches("outcome-refused").count(), 2);

        let (status, _) = get(&app, &cookie, "/sent/01a2008d-77e8-726b-b2a7-4de452e6b400").await;
        assert_eq!(status, 404);
        let (status, _) = get(&app, &cookie, "/sent/not-an-id").await;
        assert_eq!(status, 404);
    }

    #[tokio::test]
    async fn the_case_owner_follows_the_answer_to_a_handover_and_the_answer_links_back() {
        let (held, app, cookie, _) = prison_with_notice().await;
        let request = example("HandoverRequest", |_| {});
        held.store.enqueue(&request, at(0)).await.unwrap();
        let page_of_request = format!("/sent/{}", request.envelope.message_id);
        let (status, page) = get_in(&app, &cookie, &page_of_request, "en").await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains("Your agency still owns the case until dk-kobenhavn-kommune accepts it"),
            "{page}"
        );
        assert!(
            page.contains("No answer to this message has arrived."),
            "{page}"
        );

        let accepted = example("HandoverResponse", |m| {
            m["envelope"]["causation_id"] = request.envelope.message_id.to_string().into();
        });
        hub_answers(&held.store, accepted.clone()).await;
        let (_, page) = get_in(&app, &cookie, &page_of_request, "en").await;
        assert!(
            page.contains("dk-kobenhavn-kommune has owned the case since"),
            "{page}"
        );
        assert!(
            page.contains(&format!(
                r#"href="/messages/{}?sender=dk-kobenhavn-kommune""#,
                accepted.envelope.message_id
            )),
            "the answer is listed with a link: {page}"
        );

        let state = AppState::new(
            held.store.clone(),
            agency("dk-kriminalforsorgen"),
            Token::new("t"),
        );
        let note = LANG
            .scope(Lang::En, answers_note(&state, &accepted))
            .await
            .unwrap();
        assert!(
            note.contains(&format!(r#"href="{page_of_request}""#)),
            "{note}"
        );
        assert!(
            note.contains("This answers your message “Handover request”"),
            "{note}"
        );
        // A message that answers nothing of ours gets no line.
        let unrelated = example("ReleaseNotice", |m| {
            m["envelope"]["sender"] = "dk-kobenhavn-kommune".into();
        });
        let none = LANG
            .scope(Lang::En, answers_note(&state, &unrelated))
            .await
            .unwrap();
        assert_eq!(none, "");
    }
}
