//! A corpus of spoofing and policy attacks, mounted the way a hostile or careless agency
//! would: over AMQPS with its own client certificate, against the real broker and hub.
//!
//! Each row of [`corpus`] names an attack, says where it is published and what must stop it:
//! the broker (ACCESS_REFUSED, PRECONDITION_FAILED) for writes the agency has no right to,
//! or the hub, whose `Undeliverable` to the sender carries a reason code, with a dead letter
//! kept. After the whole corpus, legitimate messages (the positive controls) are sent in the
//! same env and do arrive, so the closing check, that no agency's inbox and no row of the
//! hub's outbox or disclosure log holds anything but the controls and the hub's answers, is
//! one that can fail.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use e2e::{DEADLINE, TestEnv, consent_granted, draft, eventually, example, refusal};
use lapin::BasicProperties;
use lapin::options::BasicGetOptions;
use schemas::{AgencyId, Body, MessageId, ReasonCode};
use serde_json::{Value, json};

/// What must stop an attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// The broker refuses the publish; the text is the AMQP reply code's name.
    Broker(&'static str),
    /// The hub refuses the message with this reason code.
    Hub(ReasonCode),
}

/// One attack: what is published, where, and what must stop it.
struct Attack {
    name: &'static str,
    /// The message id in the AMQP properties and, where the payload has one, the envelope.
    id: MessageId,
    exchange: String,
    routing_key: String,
    /// The AMQP `user_id` property, which the broker validates.
    user_id: Option<String>,
    payload: Vec<u8>,
    stop: Stop,
}

impl Attack {
    /// An attack published into the attacker's own submit exchange, as its agent would.
    fn submit(env: &TestEnv, name: &'static str, message: Payload, stop: Stop) -> Self {
        Attack {
            name,
            id: message.id,
            exchange: broker::topology::submit_exchange(&env.agencies.prison),
            routing_key: String::new(),
            user_id: None,
            payload: message.bytes,
            stop,
        }
    }

    /// The same, published into another exchange with this routing key.
    fn into(mut self, exchange: &str, routing_key: &str) -> Self {
        self.exchange = exchange.to_owned();
        self.routing_key = routing_key.to_owned();
        self
    }

    fn user_id(mut self, user: &AgencyId) -> Self {
        self.user_id = Some(user.to_string());
        self
    }
}

/// Bytes to publish and the id they go under.
struct Payload {
    id: MessageId,
    bytes: Vec<u8>,
}

impl Payload {
    /// A JSON message whose envelope gets a fresh id, after `edit` has changed it.
    fn json(mut draft: Value, edit: impl FnOnce(&mut Value)) -> Self {
        let id = MessageId::new();
        draft["envelope"]["message_id"] = json!(id);
        edit(&mut draft);
        Payload {
            id,
            bytes: serde_json::to_vec(&draft).unwrap(),
        }
    }

    /// Raw bytes with no envelope id: the answer is matched by the AMQP message id.
    fn raw(bytes: Vec<u8>) -> Self {
        Payload {
            id: MessageId::new(),
            bytes,
        }
    }

    /// `draft` with the JSON string `"SPLICE"` (somewhere in it) replaced by raw bytes, for
    /// what a JSON value cannot hold: invalid UTF-8, lone surrogates, deep nesting.
    fn spliced(draft: Value, at: impl FnOnce(&mut Value), raw: &[u8]) -> Self {
        let mut message = Payload::json(draft, at);
        let marker = b"\"SPLICE\"";
        let i = message
            .bytes
            .windows(marker.len())
            .position(|w| w == marker)
            .expect("the marker is in the message");
        message
            .bytes
            .splice(i..i + marker.len(), raw.iter().copied());
        message
    }
}

/// The people whose consent the attacks try to abuse, one each so the records stay apart.
const FOR_MUNICIPALITY: &str = "ps-a77ac0000000000a";
const SUPERSEDED: &str = "ps-a77ac0000000000b";
const EXPIRED: &str = "ps-a77ac0000000000c";
const NOT_YET: &str = "ps-a77ac0000000000d";
const WITHDRAWN: &str = "ps-a77ac0000000000e";
const FORBIDDEN: &str = "ps-a77ac0000000000f";
/// A person with no consent at all.
const NOBODY: &str = "ps-a77ac00000000010";

/// The consent records the municipality (their custodian) holds before the attacks.
struct Consents {
    /// Covers RISK_NEED to the municipality itself (by agency id) for release coordination.
    for_municipality: uuid::Uuid,
    /// Version 1 covered the municipality and the destination municipality; version 2 only
    /// the municipality.
    superseded: uuid::Uuid,
    /// Message ids of the setup messages, which the municipality gets receipts for.
    setup: Vec<MessageId>,
}

/// A consent record draft for `subject`: RISK_NEED to these agencies for `purpose`, in
/// force from `start` to `end` days from today.
fn consent(
    env: &TestEnv,
    subject: &str,
    id: uuid::Uuid,
    version: u32,
    to: &[&AgencyId],
    purpose: &str,
    (start, end): (i64, i64),
) -> Value {
    let mut m = consent_granted(env, subject, id, version);
    let today = chrono::Utc::now().date_naive();
    let day = |d: i64| today + chrono::TimeDelta::days(d);
    let recipients: Vec<Value> = to.iter().map(|a| json!({ "agency": a })).collect();
    let record = &mut m["body"]["consent"];
    record["period"] = json!({"start": day(start), "end": day(end)});
    record["provisions"] = json!([{
        "recipients": recipients,
        "purposes": [purpose],
        "categories": ["RISK_NEED"],
    }]);
    m
}

impl Consents {
    /// The municipality records every consent the corpus needs; each must be accepted.
    async fn record(env: &TestEnv, custodian: &lapin::Connection, inboxes: &Inboxes) -> Self {
        let a = &env.agencies;
        let muni = &a.municipality;
        let current = (-1, 300);
        let ids: [uuid::Uuid; 6] = std::array::from_fn(|_| uuid::Uuid::new_v4());
        let rc = "RELEASE_COORDINATION";
        let mut withdrawal = example("ConsentWithdrawn");
        withdrawal["envelope"]["sender"] = json!(muni);
        withdrawal["envelope"]["subject"] = json!(WITHDRAWN);
        withdrawal["body"]["consent_id"] = json!(ids[4]);
        withdrawal["body"]["withdrawn_at"] = json!(chrono::Utc::now());
        let (fraud, both) = ("BENEFIT_FRAUD_CONTROL", &[muni, &a.destination]);
        let drafts = [
            consent(env, FOR_MUNICIPALITY, ids[0], 1, &[muni], rc, current),
            consent(env, SUPERSEDED, ids[1], 1, both, rc, current),
            consent(env, SUPERSEDED, ids[1], 2, &[muni], rc, current),
            // Ended yesterday: valid as a record (at most 12 months), no longer in force.
            consent(env, EXPIRED, ids[2], 1, &[muni], rc, (-200, -1)),
            consent(env, NOT_YET, ids[3], 1, &[muni], rc, (1, 100)),
            consent(env, WITHDRAWN, ids[4], 1, &[muni], rc, current),
            withdrawal,
            // A record may name a forbidden purpose; no flow may ever use it.
            consent(env, FORBIDDEN, ids[5], 1, &[muni], fraud, current),
        ];
        let mut setup = Vec::new();
        for draft in drafts {
            let message = Payload::json(draft, |_| {});
            let exchange = broker::topology::submit_exchange(muni);
            publish(
                custodian,
                &exchange,
                "",
                &message.bytes,
                props(message.id, None),
            )
            .await
            .expect("the custodian's own exchange takes it");
            setup.push(message.id);
        }
        let answers = eventually("the hub's receipts for the consents", DEADLINE, || async {
            inboxes.take().await;
            setup
                .iter()
                .map(|id| inboxes.answer(muni, *id))
                .collect::<Option<Vec<_>>>()
        })
        .await;
        for answer in &answers {
            assert_eq!(refusal(answer), None, "a setup message was refused");
        }
        Consents {
            for_municipality: ids[0],
            superseded: ids[1],
            setup,
        }
    }
}

/// The corpus. Every attack is the prison's (the attacker's) doing, over its own login.
fn corpus(env: &TestEnv, consents: &Consents) -> Vec<Attack> {
    use ReasonCode as R;
    use Stop::{Broker, Hub};
    let a = &env.agencies;
    let hub_id = &env.hub_settings.hub.id;
    // A legitimate release notice to the municipality (allowed by statute) and a risk and
    // need summary about `subject` to `to` (allowed only by consent): the attacks bend these.
    let notice = || env.release_notice(&[&a.municipality]);
    // A case id belongs to one person: each person's summaries name a case of their own.
    let summary = |subject: &str, to: &AgencyId| {
        let case = match subject {
            FOR_MUNICIPALITY => "KBH-2026-0777".to_owned(),
            other => format!("KBH-2026-{}", &other[other.len() - 4..]),
        };
        draft("RiskNeedSummary", &a.prison, &[to], &case, subject)
    };
    let submit = |name, message, stop| Attack::submit(env, name, message, stop);
    let of = |m: Value| Payload::json(m, |_| {});
    let edit = |m: Value, f: &dyn Fn(&mut Value)| Payload::json(m, f);
    let named_consent = |id: uuid::Uuid, version: u32| json!(format!("CONSENT:{id}@{version}"));
    let officer = |m: &mut Value| m["body"]["contact_officer"]["name"] = json!("SPLICE");
    let max_bytes = env.hub_settings.hub.max_message_bytes;
    let deep = |depth: usize| ["[".repeat(depth), "]".repeat(depth)].concat();

    vec![
        // Who is sending.
        submit(
            "forged sender: another agency in envelope.sender",
            edit(notice(), &|m| {
                m["envelope"]["sender"] = json!(a.municipality)
            }),
            Hub(R::SenderMismatch),
        ),
        submit(
            "forged sender: the hub in envelope.sender",
            edit(notice(), &|m| m["envelope"]["sender"] = json!(hub_id)),
            Hub(R::SenderMismatch),
        ),
        submit(
            "forged sender: a second sender key after the real one",
            {
                let mut m = of(notice());
                let own = format!("\"sender\":\"{}\"", a.prison);
                let both = format!("{own},\"sender\":\"{}\"", a.municipality);
                let text = String::from_utf8(m.bytes).unwrap();
                assert!(text.contains(&own), "the sender key to double");
                m.bytes = text.replace(&own, &both).into();
                m
            },
            Hub(R::SchemaViolation),
        ),
        submit(
            "forged AMQP user_id: another agency's",
            of(notice()),
            Broker("PRECONDITION_FAILED"),
        )
        .user_id(&a.municipality),
        submit(
            "forged hub reply: a Receipt to the municipality",
            edit(example("Receipt"), &|m| {
                m["envelope"]["sender"] = json!(a.prison);
                m["envelope"]["recipients"] = json!([a.municipality]);
            }),
            Hub(R::NotPermittedForRole),
        ),
        submit(
            "forged hub reply: a KeyDirectory to the municipality",
            edit(example("KeyDirectory"), &|m| {
                m["envelope"]["sender"] = json!(a.prison);
                m["envelope"]["recipients"] = json!([a.municipality]);
            }),
            Hub(R::NotPermittedForRole),
        ),
        submit(
            "forged consent: a record naming the municipality as custodian",
            edit(
                consent_granted(env, NOBODY, uuid::Uuid::new_v4(), 1),
                &|m| m["envelope"]["sender"] = json!(a.prison),
            ),
            Hub(R::NotCustodian),
        ),
        // Where it is published.
        submit(
            "into another agency's submit exchange",
            of(notice()),
            Broker("ACCESS_REFUSED"),
        )
        .into(&broker::topology::submit_exchange(&a.municipality), ""),
        submit(
            "into another agency's inbox through the default exchange",
            of(notice()),
            Broker("ACCESS_REFUSED"),
        )
        .into("", &env.inbox(&a.municipality)),
        submit(
            "into another agency's inbox through hub.deliver",
            of(notice()),
            Broker("ACCESS_REFUSED"),
        )
        .into(broker::topology::DELIVER_EXCHANGE, a.municipality.as_str()),
        submit(
            "into hub.ingress directly, past the submit exchange",
            of(notice()),
            Broker("ACCESS_REFUSED"),
        )
        .into("", broker::topology::INGRESS_QUEUE),
        submit(
            "into a built-in exchange (amq.direct)",
            of(notice()),
            Broker("ACCESS_REFUSED"),
        )
        .into("amq.direct", &env.inbox(&a.municipality)),
        // Consent.
        submit(
            "consent for the municipality used for another municipality",
            of(summary(FOR_MUNICIPALITY, &a.destination)),
            Hub(R::CategoryNotCovered),
        ),
        submit(
            "consent for the municipality named as gateway for another municipality",
            edit(summary(FOR_MUNICIPALITY, &a.destination), &|m| {
                m["envelope"]["gateway"] = named_consent(consents.for_municipality, 1);
            }),
            Hub(R::CategoryNotCovered),
        ),
        submit(
            "consent for the municipality used for the employment service",
            of(summary(FOR_MUNICIPALITY, &a.employment)),
            Hub(R::CategoryNotCovered),
        ),
        submit(
            "consent for the municipality used for a message with no data category to another",
            edit(
                draft(
                    "InformationRequest",
                    &a.prison,
                    &[&a.destination],
                    "KBH-2026-0777",
                    FOR_MUNICIPALITY,
                ),
                &|m| m["envelope"]["purpose"] = json!("RELEASE_COORDINATION"),
            ),
            Hub(R::CategoryNotCovered),
        ),
        submit(
            "one person's consent named as gateway for another person",
            edit(summary(NOBODY, &a.municipality), &|m| {
                m["envelope"]["gateway"] = named_consent(consents.for_municipality, 1);
            }),
            Hub(R::ConsentNotInForce),
        ),
        submit(
            "a superseded consent version named as gateway",
            edit(summary(SUPERSEDED, &a.destination), &|m| {
                m["envelope"]["gateway"] = named_consent(consents.superseded, 1);
            }),
            Hub(R::ConsentNotInForce),
        ),
        submit(
            "expired consent",
            of(summary(EXPIRED, &a.municipality)),
            Hub(R::ConsentExpired),
        ),
        submit(
            "consent not yet in force",
            of(summary(NOT_YET, &a.municipality)),
            Hub(R::ConsentNotInForce),
        ),
        submit(
            "withdrawn consent",
            of(summary(WITHDRAWN, &a.municipality)),
            Hub(R::ConsentWithdrawn),
        ),
        // Purpose.
        submit(
            "a purpose the consent does not name",
            edit(summary(FOR_MUNICIPALITY, &a.municipality), &|m| {
                m["envelope"]["purpose"] = json!("CASE_COORDINATION");
            }),
            Hub(R::CategoryNotCovered),
        ),
        submit(
            "a purpose the statute does not name",
            edit(notice(), &|m| {
                m["envelope"]["purpose"] = json!("REINTEGRATION_PLANNING");
                m["envelope"].as_object_mut().unwrap().remove("gateway");
            }),
            Hub(R::NoGateway),
        ),
        submit(
            "a forbidden purpose under statute",
            edit(notice(), &|m| {
                m["envelope"]["purpose"] = json!("CRIMINAL_INVESTIGATION");
            }),
            Hub(R::ForbiddenPurpose),
        ),
        submit(
            "a forbidden purpose that a consent record names",
            edit(summary(FORBIDDEN, &a.municipality), &|m| {
                m["envelope"]["purpose"] = json!("BENEFIT_FRAUD_CONTROL");
            }),
            Hub(R::ForbiddenPurpose),
        ),
        submit(
            "a statute named as gateway that does not cover the recipient",
            edit(notice(), &|m| {
                m["envelope"]["recipients"] = json!([a.employment]);
            }),
            Hub(R::NoGateway),
        ),
        submit(
            "a category carried but not declared",
            edit(notice(), &|m| {
                m["envelope"]["data_categories"] = json!(["SENTENCE_RELEASE"]);
            }),
            Hub(R::CategoriesUndeclared),
        ),
        // Bytes.
        submit(
            "oversized: one byte over the limit",
            {
                let name = |m: &mut Value, n: usize| {
                    m["body"]["contact_officer"]["name"] = json!("x".repeat(n));
                };
                let base = edit(notice(), &|m| name(m, 0)).bytes.len();
                let m = edit(notice(), &|m| name(m, max_bytes + 1 - base));
                assert_eq!(m.bytes.len(), max_bytes + 1);
                m
            },
            Hub(R::Oversized),
        ),
        submit(
            "deeply nested JSON: 100,000 arrays",
            Payload::raw(deep(100_000).into_bytes()),
            Hub(R::MalformedJson),
        ),
        submit(
            "deeply nested JSON in envelope.message_type",
            Payload::spliced(
                notice(),
                |m| m["envelope"]["message_type"] = json!("SPLICE"),
                deep(10_000).as_bytes(),
            ),
            Hub(R::MalformedJson),
        ),
        // The body is read as raw JSON without recursion, then by its type, which refuses the
        // first `[` where it wants a string: the nesting is never descended into.
        submit(
            "deeply nested JSON in a body field",
            Payload::spliced(notice(), officer, deep(10_000).as_bytes()),
            Hub(R::SchemaViolation),
        ),
        submit(
            "invalid UTF-8 in a body string",
            Payload::spliced(notice(), officer, b"\"Mette \xff\xfe Holm\""),
            Hub(R::MalformedJson),
        ),
        submit(
            "overlong UTF-8 encoding of '/' in a body string",
            Payload::spliced(notice(), officer, b"\"..\xc0\xaf..\""),
            Hub(R::MalformedJson),
        ),
        submit(
            "a lone UTF-16 surrogate escape in a body string",
            Payload::spliced(notice(), officer, br#""Mette \ud800 Holm""#),
            Hub(R::MalformedJson),
        ),
        submit(
            "wrong schema version: 2",
            edit(notice(), &|m| m["envelope"]["schema_version"] = json!(2)),
            Hub(R::UnsupportedSchemaVersion),
        ),
        submit(
            "wrong schema version: 0",
            edit(notice(), &|m| m["envelope"]["schema_version"] = json!(0)),
            Hub(R::UnsupportedSchemaVersion),
        ),
        submit(
            "wrong schema version: the string \"1\"",
            edit(notice(), &|m| m["envelope"]["schema_version"] = json!("1")),
            Hub(R::UnsupportedSchemaVersion),
        ),
    ]
}

/// The AMQP properties of a publish: its message id, and a `user_id` if one is claimed.
fn props(id: MessageId, user_id: Option<&str>) -> BasicProperties {
    let props = BasicProperties::default().with_message_id(id.to_string().into());
    match user_id {
        Some(user) => props.with_user_id(user.into()),
        None => props,
    }
}

/// Publishes as an agent does (persistent, mandatory, confirmed) on a fresh channel, since a
/// refusal closes the channel. The error names the broker's reply code.
async fn publish(
    connection: &lapin::Connection,
    exchange: &str,
    routing_key: &str,
    payload: &[u8],
    properties: BasicProperties,
) -> Result<(), String> {
    let publisher = broker::Publisher::open(connection)
        .await
        .map_err(|e| e.to_string())?;
    publisher
        .publish(broker::Outgoing {
            exchange,
            routing_key,
            payload,
            properties,
        })
        .await
        .map_err(|e| e.to_string())
}

/// An agency's login over AMQPS with its own client certificate, as agencies connect.
async fn connect_over_tls(env: &TestEnv, agency: &AgencyId) -> lapin::Connection {
    let endpoint = env.tls_endpoint(env.client_tls(agency.as_str()));
    let login = broker::Credentials {
        user: agency.to_string(),
        password: String::new(),
    };
    broker::connect(&endpoint, &login, "attacks test")
        .await
        .expect("certificate login")
}

/// Everything each agency's inbox queue has held, read with that agency's own login.
struct Inboxes {
    /// Each agency, its inbox's name, and a channel and connection under its own login.
    readers: Vec<(AgencyId, String, lapin::Channel, lapin::Connection)>,
    got: RefCell<BTreeMap<AgencyId, Vec<Option<schemas::Message>>>>,
}

impl Inboxes {
    async fn open(env: &TestEnv) -> Self {
        let a = &env.agencies;
        let mut readers = Vec::new();
        for agency in a.ids() {
            let connection = env.connect_as(agency).await;
            let channel = connection.create_channel().await.unwrap();
            readers.push((agency.clone(), env.inbox(agency), channel, connection));
        }
        Self {
            readers,
            got: RefCell::default(),
        }
    }

    /// Takes whatever is waiting in every inbox; what does not decode is kept as `None`.
    async fn take(&self) {
        for (agency, queue, channel, _) in &self.readers {
            let mut taken = Vec::new();
            while let Some(m) = channel
                .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
                .await
                .expect("an agency reads its own inbox")
            {
                taken.push(schemas::decode(&m.delivery.data).ok());
            }
            let mut got = self.got.borrow_mut();
            got.entry(agency.clone()).or_default().extend(taken);
        }
    }

    /// The hub's answer to `id` in `agency`'s inbox.
    fn answer(&self, agency: &AgencyId, id: MessageId) -> Option<schemas::Message> {
        let got = self.got.borrow();
        got.get(agency)?
            .iter()
            .flatten()
            .find(|m| answers(m) == Some(id.as_uuid()))
            .cloned()
    }

    /// Whether `agency` holds the message `id` itself.
    fn holds(&self, agency: &AgencyId, id: MessageId) -> bool {
        let got = self.got.borrow();
        got.get(agency).is_some_and(|all| {
            all.iter()
                .flatten()
                .any(|m| m.envelope.message_id == id && answers(m).is_none())
        })
    }

    /// What `agency` got, each message in words, sorted.
    fn described(&self, agency: &AgencyId) -> Vec<String> {
        let got = self.got.borrow();
        let mut all: Vec<String> = got
            .get(agency)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|m| {
                m.as_ref()
                    .map_or_else(|| "bytes that are not a message".into(), describe)
            })
            .collect();
        all.sort();
        all
    }
}

/// The message a hub reply answers, if `m` is one.
fn answers(m: &schemas::Message) -> Option<uuid::Uuid> {
    match &m.body {
        Body::Receipt(r) => Some(r.in_reply_to),
        Body::Undeliverable(u) => u.in_reply_to,
        _ => None,
    }
}

/// A received message in words for comparison: type, ids, reasons; never a body's content.
fn describe(m: &schemas::Message) -> String {
    match &m.body {
        Body::Receipt(r) => {
            let mut to: Vec<&str> = r.delivered_to.iter().map(AgencyId::as_str).collect();
            to.sort_unstable();
            let refused: Vec<String> = r.refused.iter().map(|r| r.reason.to_string()).collect();
            format!(
                "Receipt for {}: delivered to {to:?}, refused {refused:?}",
                r.in_reply_to
            )
        }
        Body::Undeliverable(u) => {
            format!("Undeliverable for {:?}: {}", u.in_reply_to, u.reason)
        }
        _ => format!(
            "{} {} from {}",
            m.envelope.message_type, m.envelope.message_id, m.envelope.sender
        ),
    }
}

fn receipt_line(id: MessageId, delivered_to: &[&AgencyId]) -> String {
    let mut to: Vec<&str> = delivered_to.iter().map(|a| a.as_str()).collect();
    to.sort_unstable();
    format!(
        "Receipt for {}: delivered to {to:?}, refused []",
        id.as_uuid()
    )
}

/// A legitimate message that must get through, to these recipients.
struct Control<'e> {
    message: Payload,
    message_type: &'static str,
    to: Vec<&'e AgencyId>,
}

#[tokio::test]
async fn every_attack_is_refused_with_its_reason_and_nothing_reaches_any_agency() {
    let env = TestEnv::new().await;
    let a = &env.agencies;
    let hub = env.start_hub().await;
    let inboxes = Inboxes::open(&env).await;
    let attacker = connect_over_tls(&env, &a.prison).await;
    let custodian = connect_over_tls(&env, &a.municipality).await;
    let consents = Consents::record(&env, &custodian, &inboxes).await;

    let corpus = corpus(&env, &consents);
    let mut published = BTreeMap::new();
    for attack in &corpus {
        let result = publish(
            &attacker,
            &attack.exchange,
            &attack.routing_key,
            &attack.payload,
            props(attack.id, attack.user_id.as_deref()),
        )
        .await;
        published.insert(attack.id, result);
    }

    // The positive controls, after every attack: the ingress is one queue, so once they are
    // delivered, the hub has decided (and published whatever it would for) every attack.
    let statute_recipients = vec![&a.municipality, &a.destination];
    let controls = [
        Control {
            // A year ahead, so the notice is never late enough to be escalated.
            message: Payload::json(env.release_notice(&statute_recipients), |m| {
                let today = chrono::Utc::now().date_naive();
                let body = &mut m["body"];
                body["expected_release"] = json!(today + chrono::TimeDelta::days(365));
                body["earliest_release"] = json!(today + chrono::TimeDelta::days(300));
                body["supervision"]["until"] = json!(today + chrono::TimeDelta::days(730));
            }),
            message_type: "ReleaseNotice",
            to: statute_recipients,
        },
        Control {
            message: Payload::json(
                draft(
                    "RiskNeedSummary",
                    &a.prison,
                    &[&a.municipality],
                    "KBH-2026-0777",
                    FOR_MUNICIPALITY,
                ),
                |_| {},
            ),
            message_type: "RiskNeedSummary",
            to: vec![&a.municipality],
        },
        Control {
            message: Payload::json(
                draft(
                    "InformationRequest",
                    &a.prison,
                    &[&a.municipality],
                    "KBH-2026-0777",
                    FOR_MUNICIPALITY,
                ),
                |m| m["envelope"]["purpose"] = json!("RELEASE_COORDINATION"),
            ),
            message_type: "InformationRequest",
            to: vec![&a.municipality],
        },
    ];
    let own = broker::topology::submit_exchange(&a.prison);
    for control in &controls {
        let m = &control.message;
        publish(&attacker, &own, "", &m.bytes, props(m.id, None))
            .await
            .expect("the attacker's own exchange takes a legitimate message");
    }

    let hub_stops: Vec<(&Attack, ReasonCode)> = corpus
        .iter()
        .filter_map(|x| match x.stop {
            Stop::Hub(reason) => Some((x, reason)),
            Stop::Broker(_) => None,
        })
        .collect();
    // Wait (polling, with a deadline) for an answer to every attack the hub must refuse and
    // for the controls; what is still missing then is reported attack by attack below.
    let settled = || async {
        inboxes.take().await;
        let answered = hub_stops
            .iter()
            .all(|(x, _)| inboxes.answer(&a.prison, x.id).is_some());
        let delivered = controls.iter().all(|c| {
            inboxes.answer(&a.prison, c.message.id).is_some()
                && c.to.iter().all(|r| inboxes.holds(r, c.message.id))
        });
        answered && delivered
    };
    let _ = tokio::time::timeout(DEADLINE, async {
        while !settled().await {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;

    // Each attack, stopped where and why it should be.
    let mut wrong = Vec::new();
    for attack in &corpus {
        let got = match (&published[&attack.id], attack.stop) {
            (Err(e), Stop::Broker(code)) if e.contains(code) => continue,
            (Err(e), _) => format!("the broker refused it: {e}"),
            (Ok(()), _) => match inboxes.answer(&a.prison, attack.id) {
                Some(answer) => match &answer.body {
                    Body::Undeliverable(u) if attack.stop == Stop::Hub(u.reason) => {
                        let kept: Option<String> =
                            // A dead letter keeps a prefix of the body, and the hash of all of it.
                            sqlx::query_scalar("SELECT reason FROM dead_letters WHERE body_sha256 = $1")
                                .bind(&hub_core::audit::body_hash(&attack.payload)[..])
                                .fetch_optional(&env.pool)
                                .await
                                .unwrap();
                        if kept.as_deref() == Some(u.reason.as_str()) {
                            continue;
                        }
                        format!("refused, but the dead letter says {kept:?}")
                    }
                    _ => describe(&answer),
                },
                None => "the broker took it and the hub did not answer".to_owned(),
            },
        };
        wrong.push(format!(
            "{}: expected {:?}, got {got}",
            attack.name, attack.stop
        ));
    }
    assert!(
        wrong.is_empty(),
        "attacks not refused as they should be:\n{}",
        wrong.join("\n")
    );

    for control in &controls {
        let m = &control.message;
        let answer = inboxes.answer(&a.prison, m.id);
        assert_eq!(
            answer.as_ref().map(describe),
            Some(receipt_line(m.id, &control.to)),
            "the control {} was not delivered",
            control.message_type
        );
    }

    // Nothing reached anyone but the controls' recipients, and the hub's answers.
    inboxes.take().await;
    let mut expected: BTreeMap<&AgencyId, Vec<String>> = BTreeMap::new();
    for (attack, reason) in &hub_stops {
        let line = format!(
            "Undeliverable for {:?}: {reason}",
            Some(attack.id.as_uuid())
        );
        expected.entry(&a.prison).or_default().push(line);
    }
    for id in &consents.setup {
        let line = receipt_line(*id, &[]);
        expected.entry(&a.municipality).or_default().push(line);
    }
    for control in &controls {
        let m = &control.message;
        let line = receipt_line(m.id, &control.to);
        expected.entry(&a.prison).or_default().push(line);
        for recipient in &control.to {
            let line = format!("{} {} from {}", control.message_type, m.id, a.prison);
            expected.entry(recipient).or_default().push(line);
        }
    }
    for (agency, _, _, _) in &inboxes.readers {
        let mut want = expected.remove(agency).unwrap_or_default();
        want.sort();
        assert_eq!(
            inboxes.described(agency),
            want,
            "what {agency}'s inbox held"
        );
    }

    // The hub's own records agree: it forwarded and disclosed only the controls, and the
    // attacks the broker stopped never reached it.
    let hub_id = env.hub_settings.hub.id.as_str();
    let mut forwarded: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT message_id, recipient FROM outbox WHERE sender <> $1")
            .bind(hub_id)
            .fetch_all(&env.pool)
            .await
            .unwrap();
    let mut disclosed: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT message_id, recipient FROM decisions WHERE delivered")
            .fetch_all(&env.pool)
            .await
            .unwrap();
    let mut want: Vec<(uuid::Uuid, String)> = controls
        .iter()
        .flat_map(|c| c.to.iter().map(|r| (c.message.id.as_uuid(), r.to_string())))
        .collect();
    want.sort();
    forwarded.sort();
    disclosed.sort();
    assert_eq!(forwarded, want, "the outbox holds only the controls");
    assert_eq!(
        disclosed, want,
        "the disclosure log lists only the controls"
    );
    for attack in corpus.iter().filter(|x| matches!(x.stop, Stop::Broker(_))) {
        let seen: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM messages WHERE message_id = $1)
                  + (SELECT count(*) FROM dead_letters WHERE body_sha256 = $2)",
        )
        .bind(attack.id.as_uuid())
        .bind(&hub_core::audit::body_hash(&attack.payload)[..])
        .fetch_one(&env.pool)
        .await
        .unwrap();
        assert_eq!(seen, 0, "{}: reached the hub", attack.name);
    }
    hub.stop().await;
}
