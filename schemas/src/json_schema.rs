//! JSON Schema (draft 2020-12) for every message type, generated from the Rust types.
//!
//! One file per message type under `schemas/json/v1/<Type>.json` describes a whole message:
//! the envelope, with `message_type` fixed to that type, and that type's body. The files are
//! committed so that agencies without Rust can validate; a test fails when they are stale
//! (regenerate with `UPDATE_SCHEMAS=1 cargo test -p schemas`).

use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use crate::{Envelope, MessageType, body_schema};

/// The JSON Schema of a whole message of this type.
pub fn message_schema(message_type: MessageType) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator();
    let envelope = generator.subschema_for::<Envelope>();
    let body = body_schema(message_type, &mut generator);
    let definitions = generator.take_definitions(true);
    let mut envelope = envelope.to_value();
    envelope["properties"] = json!({ "message_type": { "const": message_type.as_str() } });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": message_type.as_str(),
        "description": format!(
            "A version-1 {} message of the handover hub: envelope and body.",
            message_type.as_str()
        ),
        "type": "object",
        "additionalProperties": false,
        "required": ["envelope", "body"],
        "properties": { "envelope": envelope, "body": body.to_value() },
        "$defs": Value::Object(definitions),
    })
}

/// Every committed schema file: its file name and its content, pretty-printed.
pub fn files() -> Vec<(String, String)> {
    MessageType::ALL
        .iter()
        .map(|&t| {
            let text = serde_json::to_string_pretty(&message_schema(t)).expect("schemas serialize");
            (format!("{}.json", t.as_str()), text + "\n")
        })
        .collect()
}
