//! The API's OpenAPI 3.1 document, written by hand beside the handlers it describes. It is
//! served at `GET /api/v1/openapi.json` and committed as `agents/openapi.json`; a test fails
//! when the two differ (`UPDATE_OPENAPI=1 cargo test -p agent` rewrites the file).
//!
//! Message drafts are described by reference to the wire's JSON Schema files
//! (`schemas/json/v1/<Type>.json`), which the `schemas` crate generates and checks.

use serde_json::{Value, json};

/// The document as committed: pretty JSON with a final newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).expect("JSON serializes");
    text.push('\n');
    text
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn accepted_responses() -> Value {
    json!({
        "202": {
            "description": "Accepted and queued for the hub.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}}
        },
        "200": {
            "description": "A message with this id was accepted before; nothing changed. `status` is where it stands.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}}
        },
        "400": error_response("Not a valid message or request: `error` is `malformed_json`, `schema_violation` (with `path`), `unknown_message_type`, `unsupported_schema_version`, `invalid_request` (with `path`), `invalid_id`, `wrong_message_type` or `reason_required`."),
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "403": error_response("`wrong_sender`: `envelope.sender` names another agency than this agent's."),
        "500": {"$ref": "#/components/responses/Internal"}
    })
}

/// [`accepted_responses`] of a route that takes any draft, and so may seal a field.
fn sealing_responses() -> Value {
    let mut responses = accepted_responses();
    responses["400"] = error_response(
        "Not a valid message: `error` is `malformed_json`, `schema_violation` (with `path`), `unknown_message_type`, `unsupported_schema_version`, `invalid_sealed_location` (with `path`, e.g. `body.sealed_destination.seal.city`) or `nobody_entitled` (no recipient may hold the sealed field).",
    );
    responses["409"] = error_response(
        "The field cannot be sealed yet: `no_sealing_key` (a recipient that may be entitled has no published key in the key directory; the directory arrives from the hub once the agents have started) or `bad_sealing_key` (a recipient's published key is not valid).",
    );
    responses
}

fn id_parameter(name: &str, description: &str) -> Value {
    json!({
        "name": name,
        "in": "path",
        "required": true,
        "description": description,
        "schema": {"type": "string", "format": "uuid"}
    })
}

fn draft_body(description: &str, schema: &str) -> Value {
    json!({
        "required": true,
        "description": description,
        "content": {"application/json": {"schema": {"$ref": schema}}}
    })
}

/// The OpenAPI document.
pub fn document() -> Value {
    let mut doc = paths_and_components();
    for more in [key_schemas(), person_schemas(), sent_schemas()] {
        if let (Some(schemas), Value::Object(more)) = (
            doc.pointer_mut("/components/schemas")
                .and_then(Value::as_object_mut),
            more,
        ) {
            schemas.extend(more);
        }
    }
    if let (Some(paths), Value::Object(more)) = (
        doc.pointer_mut("/paths").and_then(Value::as_object_mut),
        person_paths(),
    ) {
        paths.extend(more);
    }
    doc
}

/// The parts of a sent message's status that tell each recipient's outcome and the case's
/// owner, merged into `components/schemas`.
fn sent_schemas() -> Value {
    json!({
                "RecipientOutcome": {
                    "type": "object",
                    "required": ["agency", "outcome"],
                    "properties": {
                        "agency": {"type": "string", "description": "The recipient agency's id."},
                        "outcome": {"type": "string", "enum": ["waiting", "delivered", "refused"], "description": "waiting: the hub has not answered for this recipient yet; delivered: in its inbox; refused: the hub refused it for this recipient."},
                        "reason_code": {"type": "string", "description": "The hub's reason code, when refused.", "examples": ["NO_GATEWAY"]},
                        "detail": {"type": "string", "description": "The hub's words, when it refused the whole message (a receipt gives codes only)."},
                        "answered_at": {"type": "string", "format": "date-time", "description": "When the hub's answer arrived."}
                    }
                },
                "CaseOwner": {
                    "type": "object",
                    "description": "On a HandoverRequest or RelocationRequest: who owns the case now. Ownership moves only when the agency asked accepts (or confirms the relocation).",
                    "required": ["agency", "handover"],
                    "properties": {
                        "agency": {"type": "string", "description": "The owning agency's id: this agency until the agency asked accepts."},
                        "handover": {"type": "string", "enum": ["not_answered", "received", "accepted", "rejected", "cancelled", "refused"], "description": "Where the request stands: not answered yet; received but not decided; accepted (the case moved); rejected; cancelled by this agency; refused by the hub."},
                        "asked": {"type": "string", "description": "The agency asked, while the case is still this agency's."},
                        "since": {"type": "string", "format": "date-time", "description": "When the acceptance arrived, once the case moved."}
                    }
                }
    })
}

/// The person register's routes, merged into `paths`.
fn person_paths() -> Value {
    json!({
        "/api/v1/persons": {
            "get": {
                "operationId": "findPersons",
                "summary": "Find people in this agency's register by national identity number (any written form) or part of a name (any case).",
                "parameters": [{"name": "q", "in": "query", "required": true, "description": "A national identity number, or part of a name.", "schema": {"type": "string", "minLength": 1}}],
                "responses": {
                    "200": {"description": "At most 50 people, by name.", "content": {"application/json": {"schema": {
                        "type": "object",
                        "required": ["persons"],
                        "properties": {"persons": {"type": "array", "items": {"$ref": "#/components/schemas/Person"}}}
                    }}}},
                    "400": error_response("`invalid_request`: no `q`."),
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "500": {"$ref": "#/components/responses/Internal"}
                }
            },
            "post": {
                "operationId": "enterPerson",
                "summary": "Enter a person in the register by national identity number and name; answers with their pseudonym.",
                "requestBody": draft_body("The person.", "#/components/schemas/NewPerson"),
                "responses": {
                    "201": {"description": "The person as the register now holds them.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Person"}}}},
                    "400": error_response("`invalid_national_id` (the rule that failed, never the number), `invalid_person` or `invalid_request`, with `path`."),
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "409": error_response("`no_pseudonym_key`: the agent has no federation pseudonym key configured."),
                    "500": {"$ref": "#/components/responses/Internal"}
                }
            }
        },
        "/api/v1/persons/{subject}/link": {
            "post": {
                "operationId": "linkPerson",
                "summary": "The person has a new national identity number (a D-nummer replaced by a fødselsnummer, a samordningsnummer by a personnummer): enter them under it and tell the hub that the old and new pseudonyms are one person.",
                "description": "Queues a PersonLinked naming the newest case about the person in this agency's messages; the hub accepts it only from an agency that takes part in that case, and only when the new pseudonym is not in use at the hub yet (LINK_CONFLICT otherwise). Consent, cases and the disclosure log then follow the link.",
                "parameters": [{"name": "subject", "in": "path", "required": true, "description": "The person's pseudonym now.", "schema": {"type": "string", "pattern": "^ps-[a-z0-9]{8,64}$"}}],
                "requestBody": draft_body("The new number.", "#/components/schemas/NewNumber"),
                "responses": {
                    "202": {"description": "Queued for the hub.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Linked"}}}},
                    "200": {"description": "Queued before; nothing changed.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Linked"}}}},
                    "400": error_response("`invalid_national_id` (the rule that failed, never the number), `same_number`, `invalid_person` or `invalid_request`, with `path`."),
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": error_response("`not_found`: nobody with this pseudonym is in the register."),
                    "409": error_response("`no_case`: this agency's messages name no case about the person; `no_pseudonym_key`."),
                    "500": {"$ref": "#/components/responses/Internal"}
                }
            }
        },
        "/api/v1/persons/{subject}": {
            "get": {
                "operationId": "readPerson",
                "summary": "One person in the register, with the messages about them received and sent.",
                "parameters": [{"name": "subject", "in": "path", "required": true, "description": "The person's pseudonym.", "schema": {"type": "string", "pattern": "^ps-[a-z0-9]{8,64}$"}}],
                "responses": {
                    "200": {"description": "The person and their messages.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PersonWithMessages"}}}},
                    "400": error_response("`invalid_request`: not a pseudonym."),
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": error_response("`not_found`: nobody with this pseudonym is in the register."),
                    "500": {"$ref": "#/components/responses/Internal"}
                }
            }
        }
    })
}

/// The person register's schemas, merged into `components.schemas`.
fn person_schemas() -> Value {
    json!({
        "Identity": {
            "type": "object",
            "required": ["jurisdiction", "national_id", "name", "date_of_birth"],
            "properties": {
                "jurisdiction": {"type": "string", "enum": ["DK", "NO", "SE"]},
                "national_id": {"type": "string", "description": "Normalised: Denmark DDMMYYSSSS, Norway the eleven digits, Sweden YYYYMMDDNNNN."},
                "name": {"type": "string"},
                "date_of_birth": {"type": "string", "format": "date"}
            }
        },
        "Person": {
            "type": "object",
            "required": ["subject", "identity", "source", "first_seen"],
            "properties": {
                "subject": {"type": "string", "description": "The pseudonym every agency derives for this person."},
                "identity": {"$ref": "#/components/schemas/Identity"},
                "source": {"type": "string", "enum": ["entered", "opened"], "description": "Entered by this agency's staff, or opened from a sealed identity in a message."},
                "first_seen": {"type": "string", "format": "date-time"}
            }
        },
        "PersonWithMessages": {
            "allOf": [
                {"$ref": "#/components/schemas/Person"},
                {
                    "type": "object",
                    "required": ["received", "sent"],
                    "properties": {
                        "received": {"type": "array", "items": {"$ref": "#/components/schemas/InboxItem"}},
                        "sent": {"type": "array", "items": {
                            "type": "object",
                            "required": ["message_id", "message_type", "status", "accepted_at"],
                            "properties": {
                                "message_id": {"type": "string", "format": "uuid"},
                                "message_type": {"type": "string"},
                                "status": {"type": "string"},
                                "accepted_at": {"type": "string", "format": "date-time"}
                            }
                        }}
                    }
                }
            ]
        },
        "NewPerson": {
            "type": "object",
            "additionalProperties": false,
            "required": ["jurisdiction", "national_id", "name"],
            "properties": {
                "jurisdiction": {"type": "string", "enum": ["DK", "NO", "SE"], "description": "The country that issued the number."},
                "national_id": {"type": "string", "description": "As typed: separators and the 10- or 12-digit Swedish forms are accepted."},
                "name": {"type": "string", "minLength": 1, "maxLength": 200}
            }
        },
        "NewNumber": {
            "type": "object",
            "additionalProperties": false,
            "required": ["jurisdiction", "national_id"],
            "properties": {
                "jurisdiction": {"type": "string", "enum": ["DK", "NO", "SE"]},
                "national_id": {"type": "string", "description": "The new number, as typed."},
                "name": {"type": "string", "minLength": 1, "maxLength": 200, "description": "The name, when it changed too; the register's otherwise."},
                "reason": {"type": "string", "enum": ["number_changed", "key_rotated"], "default": "number_changed"}
            }
        },
        "Linked": {
            "type": "object",
            "required": ["message_id", "message_type", "status", "subject", "previous"],
            "properties": {
                "message_id": {"type": "string", "format": "uuid"},
                "message_type": {"type": "string", "const": "PersonLinked"},
                "status": {"type": "string"},
                "subject": {"type": "string", "description": "The person's new pseudonym."},
                "previous": {"type": "string", "description": "The pseudonym linked to it."}
            }
        },
        "PersonOnMessage": {
            "type": "object",
            "required": ["shared"],
            "description": "Who the person is, on a message type that may carry the identity: opened when this agency got a copy, else why not (`identity not shared with your agency`).",
            "properties": {
                "shared": {"type": "boolean"},
                "identity": {"$ref": "#/components/schemas/Identity"},
                "reason": {"type": "string"}
            }
        }
    })
}

/// The schemas of sealed fields and keys, merged into `components.schemas` (one `json!` of
/// the whole document would exceed the macro's recursion limit).
fn key_schemas() -> Value {
    json!({
                "SealedField": {
                    "type": "object",
                    "description": "Present for message types with a sealed field (RelocationRequest, RelocationConfirmed): this agency's copy opened with its key for this response only (never stored in clear), or why it cannot be read.",
                    "required": ["field", "readable"],
                    "properties": {
                        "field": {"type": "string", "enum": ["sealed_destination", "sealed_address"]},
                        "readable": {"type": "boolean"},
                        "location": {"$ref": "#/components/schemas/SealedLocation"},
                        "reason": {"type": "string", "description": "Why it cannot be read, in a plain sentence; present when `readable` is false.", "examples": ["Sealed for Trondheim kommune; your agency cannot read it."]}
                    }
                },
                "SealedLocation": {
                    "type": "object",
                    "description": "What a sealed location holds (schemas/json/v1: SealedLocation).",
                    "additionalProperties": false,
                    "required": ["address", "postal_code", "city"],
                    "properties": {
                        "address": {"type": "string", "minLength": 1, "maxLength": 200},
                        "postal_code": {"type": "string", "minLength": 1, "maxLength": 200},
                        "city": {"type": "string", "minLength": 1, "maxLength": 200},
                        "notes": {"type": "string", "minLength": 1, "maxLength": 4000}
                    }
                },
                "OwnKey": {
                    "type": "object",
                    "required": ["key_id", "public_key", "created_at", "retired_at", "current"],
                    "properties": {
                        "key_id": {"type": "string", "pattern": "^k-[0-9a-f]{32}$"},
                        "public_key": {"type": "string", "description": "The X25519 public key, base64."},
                        "created_at": {"type": "string", "format": "date-time"},
                        "retired_at": {"type": ["string", "null"], "format": "date-time", "description": "When a newer key replaced it; null for the current key."},
                        "current": {"type": "boolean"}
                    }
                },
                "RotatedKey": {
                    "allOf": [
                        {"$ref": "#/components/schemas/OwnKey"},
                        {"type": "object", "required": ["message_id"], "properties": {"message_id": {"type": "string", "format": "uuid", "description": "The KeyPublished message queued for the hub."}}}
                    ]
                },
                "DirectoryKey": {
                    "type": "object",
                    "description": "One published key as the hub lists it (schemas/json/v1: KeyDirectory).",
                    "required": ["agency", "role", "key_id", "scheme", "public_key", "published_at", "current", "protected_location"],
                    "properties": {
                        "agency": {"type": "string"},
                        "role": {"type": "string", "enum": ["municipality", "police", "prison_probation", "employment", "national_contact_point"]},
                        "key_id": {"type": "string"},
                        "scheme": {"type": "string"},
                        "public_key": {"type": "string"},
                        "published_at": {"type": "string", "format": "date-time"},
                        "current": {"type": "boolean", "description": "The agency's newest key, the one senders seal to."},
                        "protected_location": {"type": "boolean", "description": "The hub lets this agency hold protected locations beyond a relocation request to a municipality."}
                    }
                },
                "Keys": {
                    "type": "object",
                    "required": ["agency", "own", "directory"],
                    "properties": {
                        "agency": {"type": "string", "description": "This agent's agency."},
                        "own": {"type": "array", "description": "This agency's keys, newest first; private keys never leave the agent.", "items": {"$ref": "#/components/schemas/OwnKey"}},
                        "directory": {
                            "description": "The newest key directory from the hub; null until the first arrives.",
                            "oneOf": [
                                {"type": "null"},
                                {
                                    "type": "object",
                                    "required": ["version", "received_at", "keys"],
                                    "properties": {
                                        "version": {"type": "integer", "minimum": 0},
                                        "received_at": {"type": "string", "format": "date-time"},
                                        "keys": {"type": "array", "items": {"$ref": "#/components/schemas/DirectoryKey"}}
                                    }
                                }
                            ]
                        }
                    }
                }
    })
}

fn paths_and_components() -> Value {
    let sent_by = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "role"],
        "description": "The caseworker who answers (CONTACT data, under the gateway like any other field), so the requester knows whom to call.",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "role": {"type": "string", "enum": ["caseworker", "coordinator"]}
        }
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Handover hub agent: local API",
            "version": "1.0.0",
            "description": "The local API of an agency's agent. It takes message drafts for the hub (validated and queued exactly as `agent send` does, sealing protected locations given in clear), lists and opens received messages (opening this agency's copy of a sealed field), reports what became of sent ones, and lists and rotates the agency's sealing keys. Meant for the agency's own systems on the same host: every operation but this document needs the agent's token (`http.token`, `AGENT__HTTP__TOKEN`) as a bearer token. Error texts name fields and rules, never values; the agent's own failures answer 500 with `internal error` only."
        },
        "servers": [{"url": "http://127.0.0.1:8701", "description": "an agent with http.listen = 127.0.0.1:8701"}],
        "security": [{"bearer": []}],
        "paths": {
            "/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Liveness; needs no token.",
                    "security": [],
                    "responses": {"200": {"description": "The server is up.", "content": {"text/plain": {"schema": {"type": "string", "const": "ok"}}}}}
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "summary": "Liveness, as `/health`; needs no token.",
                    "security": [],
                    "responses": {"200": {"description": "The server is up.", "content": {"text/plain": {"schema": {"type": "string", "const": "ok"}}}}}
                }
            },
            "/readyz": {
                "get": {
                    "operationId": "readyz",
                    "summary": "Readiness: the store answers and the service consumes its inbox; needs no token.",
                    "security": [],
                    "responses": {
                        "200": {"description": "Ready.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}}},
                        "503": {"description": "Not ready; `checks` names the failing check (`unavailable`, `not consuming`).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}}}
                    }
                }
            },
            "/metrics": {
                "get": {
                    "operationId": "metrics",
                    "summary": "Prometheus metrics (OpenMetrics text); needs no token. Labels are message types and reason codes only.",
                    "security": [],
                    "responses": {"200": {"description": "The exposition.", "content": {"application/openmetrics-text": {"schema": {"type": "string"}}}}}
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document; needs no token.",
                    "security": [],
                    "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {"schema": {"type": "object"}}}}}
                }
            },
            "/api/v1/messages": {
                "post": {
                    "operationId": "submitMessage",
                    "summary": "Submit a message draft for the hub.",
                    "description": "`envelope.message_id`, `correlation_id`, `sent_at`, `schema_version` and `sender` are filled in when missing. The draft must otherwise match the JSON Schema of its type; a violation answers 400 with the field's `path`, e.g. `body.supervision.kind`.\n\nThe person may be named by national identity number instead of pseudonym, as a top-level `\"person\": {\"jurisdiction\": \"DK\", \"national_id\": \"...\", \"name\": \"...\"}` (or `{\"subject\": \"ps-...\"}` for a person in the register): the agent derives `envelope.subject` (HMAC-SHA256 of the normalised number under the federation pseudonym key), enters the person in its register, and on a ReleaseNotice, HandoverRequest, RelocationRequest or InformationResponse seals the number, name and date of birth (`body.sealed_identity`) to each recipient that may hold IDENTITY (never the national contact point). Errors: `invalid_national_id` (the rule that failed, never the number), `invalid_person`, `unknown_person` (400), `no_pseudonym_key` (409).\n\nSealed fields (`body.sealed_destination` of a RelocationRequest, `body.sealed_address` of a RelocationConfirmed) may be given in clear as `{\"seal\": <SealedLocation>}`: the agent seals the location to the current published key of each recipient that may hold a protected location (by role and the hub's allow-list, from the key directory) and stores and sends only the sealed copies. A field already sealed (`scheme` and `copies`) passes through unchanged.",
                    "requestBody": draft_body("A message draft of any version-1 type.", "#/components/schemas/MessageDraft"),
                    "responses": sealing_responses()
                }
            },
            "/api/v1/messages/{id}": {
                "get": {
                    "operationId": "messageStatus",
                    "summary": "Where a sent message stands, and what became of each recipient's copy.",
                    "parameters": [id_parameter("id", "The message id (a version-7 UUID).")],
                    "responses": {
                        "200": {"description": "The message's status.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SentStatus"}}}},
                        "400": error_response("`invalid_id`: not a message id."),
                        "401": {"$ref": "#/components/responses/Unauthorized"},
                        "404": error_response("`not_found`: this agent sent no such message."),
                        "500": {"$ref": "#/components/responses/Internal"}
                    }
                }
            },
            "/api/v1/inbox": {
                "get": {
                    "operationId": "listInbox",
                    "summary": "Received messages, newest first.",
                    "parameters": [{"name": "limit", "in": "query", "required": false, "description": "How many (1 to 1000, default 100).", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
                    "responses": {
                        "200": {"description": "The inbox.", "content": {"application/json": {"schema": {
                            "type": "object",
                            "required": ["messages"],
                            "properties": {"messages": {"type": "array", "items": {"$ref": "#/components/schemas/InboxItem"}}}
                        }}}},
                        "400": error_response("`invalid_request`: a bad `limit`."),
                        "401": {"$ref": "#/components/responses/Unauthorized"},
                        "500": {"$ref": "#/components/responses/Internal"}
                    }
                }
            },
            "/api/v1/inbox/{id}": {
                "get": {
                    "operationId": "readMessage",
                    "summary": "Read a message already opened (a GET changes nothing; opening is a POST).",
                    "description": "Message ids are scoped by their sender: where two agencies used the same id, name the sender.",
                    "parameters": [
                        id_parameter("id", "The message id."),
                        {"name": "sender", "in": "query", "required": false, "description": "The sending agency's id; needed only where several agencies used this message id.", "schema": {"type": "string", "pattern": schemas::AgencyId::PATTERN}}
                    ],
                    "responses": {
                        "200": {"description": "The message, in plain words and as received.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OpenedMessage"}}}},
                        "401": {"$ref": "#/components/responses/Unauthorized"},
                        "404": error_response("`not_found`: no such message in the inbox."),
                        "409": error_response("`not_opened`: nobody has opened the message yet; `POST .../open` opens it. `quarantined`: the message came under a consent withdrawn before anyone opened it; it can no longer be opened. `ambiguous_message_id`: several agencies sent a message with this id; name the `sender`."),
                        "500": {"$ref": "#/components/responses/Internal"}
                    }
                }
            },
            "/api/v1/inbox/{id}/open": {
                "post": {
                    "operationId": "openMessage",
                    "summary": "Open a received message; the opening is recorded. Takes no request body.",
                    "description": "Message ids are scoped by their sender: where two agencies used the same id, name the sender.",
                    "parameters": [
                        id_parameter("id", "The message id."),
                        {"name": "sender", "in": "query", "required": false, "description": "The sending agency's id; needed only where several agencies used this message id.", "schema": {"type": "string", "pattern": schemas::AgencyId::PATTERN}}
                    ],
                    "responses": {
                        "200": {"description": "The message, in plain words and as received.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OpenedMessage"}}}},
                        "401": {"$ref": "#/components/responses/Unauthorized"},
                        "404": error_response("`not_found`: no such message in the inbox."),
                        "409": error_response("`quarantined`: the message came under a consent withdrawn before anyone opened it; it can no longer be opened. `ambiguous_message_id`: several agencies sent a message with this id; name the `sender`."),
                        "500": {"$ref": "#/components/responses/Internal"}
                    }
                }
            },
            "/api/v1/keys": {
                "get": {
                    "operationId": "listKeys",
                    "summary": "This agency's sealing keys and the key directory from the hub (public parts only).",
                    "responses": {
                        "200": {"description": "The keys.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Keys"}}}},
                        "401": {"$ref": "#/components/responses/Unauthorized"},
                        "500": {"$ref": "#/components/responses/Internal"}
                    }
                }
            },
            "/api/v1/keys/rotate": {
                "post": {
                    "operationId": "rotateKey",
                    "summary": "Make a new current sealing key and queue it for the hub.",
                    "description": "The previous keys are retired but kept, so what was sealed to them still opens. Senders seal to the new key once the hub's new key directory reaches them. Takes no request body.",
                    "responses": {
                        "201": {"description": "The new current key, and the KeyPublished message queued for the hub.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RotatedKey"}}}},
                        "401": {"$ref": "#/components/responses/Unauthorized"},
                        "500": {"$ref": "#/components/responses/Internal"}
                    }
                }
            },
            "/api/v1/handovers/{handover_id}/answer": {
                "post": {
                    "operationId": "answerHandover",
                    "summary": "Answer a handover request: received, accepted or rejected.",
                    "description": "Builds a HandoverResponse to `to` and queues it. When the request is in this agent's inbox, the answer carries its correlation id and (unless given) its purpose. Ownership of the case moves only when the hub records an accepted answer.",
                    "parameters": [id_parameter("handover_id", "The handover's id, from the request.")],
                    "requestBody": draft_body("The answer.", "#/components/schemas/HandoverAnswer"),
                    "responses": accepted_responses()
                }
            },
            "/api/v1/consents": {
                "post": {
                    "operationId": "grantConsent",
                    "summary": "Submit a ConsentGranted draft (a new version of a consent record).",
                    "requestBody": draft_body("A ConsentGranted draft; see schemas/json/v1/ConsentGranted.json.", "#/components/schemas/MessageDraft"),
                    "responses": accepted_responses()
                }
            },
            "/api/v1/consents/{consent_id}/withdraw": {
                "post": {
                    "operationId": "withdrawConsent",
                    "summary": "Record that the person withdrew a consent, effective now.",
                    "parameters": [id_parameter("consent_id", "The consent record's id.")],
                    "requestBody": draft_body("The withdrawal.", "#/components/schemas/ConsentWithdrawal"),
                    "responses": accepted_responses()
                }
            }
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "The agent's token, `http.token`."}
            },
            "responses": {
                "Unauthorized": error_response("`unauthorized`: no token, or not the agent's token."),
                "Internal": error_response("`internal`: the agent failed; the detail is always `internal error` and the cause is in the agent's log.")
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "detail"],
                    "properties": {
                        "error": {"type": "string", "description": "A stable code to branch on.", "examples": ["schema_violation"]},
                        "reason": {"type": "string", "description": "The hub's reason code where one applies.", "examples": ["SCHEMA_VIOLATION"]},
                        "path": {"type": "string", "description": "The offending field.", "examples": ["body.supervision.kind"]},
                        "detail": {"type": "string", "description": "What is wrong, naming fields and rules, never values."}
                    }
                },
                "Readiness": {
                    "type": "object",
                    "required": ["ready", "checks"],
                    "properties": {
                        "ready": {"type": "boolean"},
                        "checks": {
                            "type": "object",
                            "required": ["store", "broker"],
                            "properties": {
                                "store": {"type": "string", "description": "`ok`, or `unavailable` when the local store does not answer.", "examples": ["ok"]},
                                "broker": {"type": "string", "description": "`ok`, or `not consuming` when the service is not consuming its inbox (not connected to the broker).", "examples": ["not consuming"]}
                            }
                        }
                    }
                },
                "MessageDraft": {
                    "type": "object",
                    "description": "A message draft: `envelope` and `body` as in schemas/json/v1/<Type>.json, where the envelope's ids, `sent_at`, `schema_version` and `sender` may be left out.",
                    "required": ["envelope", "body"],
                    "properties": {"envelope": {"type": "object"}, "body": {"type": "object"}}
                },
                "Accepted": {
                    "type": "object",
                    "required": ["message_id", "message_type", "status"],
                    "properties": {
                        "message_id": {"type": "string", "format": "uuid"},
                        "message_type": {"type": "string"},
                        "status": {"$ref": "#/components/schemas/Status"}
                    }
                },
                "Status": {
                    "type": "string",
                    "enum": ["queued", "sent", "delivered", "partially_delivered", "refused"],
                    "description": "queued: stored, not yet confirmed by the broker; sent: confirmed, the hub has not answered; delivered: to every recipient; partially_delivered: some recipients refused; refused: delivered to nobody."
                },
                "SentStatus": {
                    "type": "object",
                    "required": ["message_id", "message_type", "status", "accepted_at"],
                    "properties": {
                        "message_id": {"type": "string", "format": "uuid"},
                        "message_type": {"type": "string"},
                        "status": {"$ref": "#/components/schemas/Status"},
                        "accepted_at": {"type": "string", "format": "date-time"},
                        "reason": {"type": "string", "description": "The hub's reason code, when refused in whole or in part (the first refused recipient's, when in part)."},
                        "detail": {"type": "string", "description": "The hub's words, when refused."},
                        "recipients": {
                            "type": "array",
                            "description": "Each recipient the message names, in its order, with what became of its copy. The hub's receipt does not say which optional categories it removed for a recipient; only the recipient's copy says so.",
                            "items": {"$ref": "#/components/schemas/RecipientOutcome"}
                        },
                        "case_owner": {"$ref": "#/components/schemas/CaseOwner"}
                    }
                },
                "InboxItem": {
                    "type": "object",
                    "required": ["message_id", "message_type", "sender", "case_id", "received_at", "opened", "quarantined"],
                    "properties": {
                        "message_id": {"type": "string", "format": "uuid"},
                        "message_type": {"type": "string"},
                        "sender": {"type": "string"},
                        "case_id": {"type": ["string", "null"]},
                        "received_at": {"type": "string", "format": "date-time"},
                        "opened": {"type": "boolean"},
                        "quarantined": {"type": "boolean"}
                    }
                },
                "OpenedMessage": {
                    "allOf": [
                        {"$ref": "#/components/schemas/InboxItem"},
                        {
                            "type": "object",
                            "required": ["opened_at", "text", "message"],
                            "properties": {
                                "opened_at": {"type": "string", "format": "date-time"},
                                "text": {"type": "string", "description": "The message in plain words, as `agent show` prints it (with the sealed field opened, when this agency can read it)."},
                                "message": {"type": "object", "description": "The message as received (see schemas/json/v1); a sealed field stays sealed here."},
                                "sealed": {"$ref": "#/components/schemas/SealedField"},
                                "person": {"$ref": "#/components/schemas/PersonOnMessage"}
                            }
                        }
                    ]
                },
                "HandoverAnswer": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["case_id", "subject", "to", "outcome"],
                    "properties": {
                        "case_id": {"type": "string", "description": "The case handed over."},
                        "subject": {"type": "string", "pattern": "^ps-[a-z0-9]{8,64}$", "description": "The person, by hub pseudonym."},
                        "to": {"type": "string", "description": "The agency that asked."},
                        "outcome": {"type": "string", "enum": ["received", "accepted", "rejected"]},
                        "reason": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Why; required when rejected."},
                        "reason_code": {"type": "string", "enum": ["no_capacity", "not_responsible", "person_declined", "insufficient_information", "other"], "description": "The kind of reason when rejected, counted in the contact point's statistics; optional."},
                        "purpose": {"type": "string", "description": "By default the request's purpose, or RELEASE_COORDINATION."},
                        "sent_by": sent_by
                    }
                },
                "ConsentWithdrawal": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["subject"],
                    "properties": {
                        "case_id": {"type": "string"},
                        "subject": {"type": "string", "pattern": "^ps-[a-z0-9]{8,64}$"},
                        "scope": {
                            "description": "The whole consent (default) or disclosures to some agencies only.",
                            "oneOf": [
                                {"type": "string", "const": "entire"},
                                {"type": "object", "additionalProperties": false, "required": ["recipients"], "properties": {"recipients": {"type": "array", "items": {"type": "string"}}}}
                            ]
                        },
                        "evidence": {
                            "description": "Who received the person's wish, when and how. Required by the hub when this agency is not the consent's custodian.",
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["received_by", "received_at", "channel"],
                            "properties": {
                                "received_by": {"type": "string", "description": "A role or title, e.g. the caseworker's."},
                                "received_at": {"type": "string", "format": "date-time"},
                                "channel": {"type": "string", "enum": ["in_person", "in_writing", "by_phone", "digital"]}
                            }
                        }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;
    use crate::http::{AppState, Token, router};

    /// The committed `agents/openapi.json` must be what the server serves. `UPDATE_OPENAPI=1`
    /// rewrites it (and still fails, so a stale tree is never green by accident).
    #[tokio::test]
    async fn committed_openapi_document_is_what_is_served() {
        let dir = std::env::temp_dir().join(format!("agent-openapi-{}", uuid::Uuid::new_v4()));
        let store = crate::Store::open(&dir).await.unwrap();
        let agent = schemas::AgencyId::try_from("dk-test").unwrap();
        let app = router(AppState::new(store.clone(), agent, Token::new("t")));
        let response = app
            .oneshot(
                Request::get("/api/v1/openapi.json")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let served = String::from_utf8(bytes.to_vec()).unwrap();
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);

        let parsed: Value = serde_json::from_str(&served).unwrap();
        assert_eq!(parsed["openapi"], "3.1.0");
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != served {
            let update = std::env::var_os("UPDATE_OPENAPI").is_some();
            if update {
                std::fs::write(&path, &served).unwrap();
            }
            panic!(
                "agents/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p agent` and \
                 commit the result{}",
                if update { " (rewritten now)" } else { "" }
            );
        }
    }

    /// The routes of the API and the operations endpoints are the document's paths and
    /// methods, both ways: nothing served undocumented, nothing documented unserved.
    #[test]
    fn the_document_lists_exactly_the_routes_served() {
        use std::collections::BTreeSet;

        use crate::http::{api, ops, routes};

        let served: BTreeSet<(String, String)> =
            [api::guarded_routes(), api::open_routes(), ops::routes()]
                .iter()
                .flat_map(|table| routes::listed(table))
                .collect();
        let methods = [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ];
        let documented: BTreeSet<(String, String)> = document()["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .expect("a path item")
                    .keys()
                    .filter(|k| methods.contains(&k.as_str()))
                    .map(move |method| (method.clone(), path.clone()))
            })
            .collect();
        assert!(served.len() > 10, "the route tables are read: {served:?}");
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty() && unserved.is_empty(),
            "served but not in the OpenAPI document: {undocumented:?}; in the document but not served: {unserved:?}"
        );
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        for piece in text.split("\"$ref\":\"").skip(1) {
            let target = &piece[..piece.find('"').unwrap()];
            let pointer = target.strip_prefix('#').unwrap();
            assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
        }
    }
}
