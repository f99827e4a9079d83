//! Idempotent provisioning through RabbitMQ's management HTTP API.
//!
//! Every call is a PUT of the desired state (or a DELETE), so running provisioning twice
//! changes nothing. Quorum queues get a policy for safe dead-lettering: at-least-once
//! strategy, reject-publish overflow, a dead-letter exchange and a delivery limit.

use reqwest::{Method, StatusCode};
use schemas::AgencyId;
use serde_json::{Value, json};

use crate::topology::{self, Permissions};

/// What became of an agency's untagged inbox ([`Management::retire_legacy_inbox`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyInbox {
    /// There was none.
    None,
    /// It was empty, and is gone.
    Removed,
    /// It is unbound but still holds messages.
    KeptWithMessages,
}

/// A management API call failed.
#[derive(Debug, thiserror::Error)]
pub enum ManagementError {
    /// The broker could not be reached.
    #[error("cannot reach the RabbitMQ management API at {url}: {source}")]
    Unreachable {
        /// The URL called (no credentials in it).
        url: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// The broker answered with an error status.
    #[error("RabbitMQ management API refused {method} {path}: {status} {body}")]
    Refused {
        /// The HTTP method.
        method: Method,
        /// The API path.
        path: String,
        /// The status.
        status: StatusCode,
        /// The broker's explanation.
        body: String,
    },
    /// The broker user belongs to another installation on the same broker (another vhost):
    /// provisioning this one must not take over its login.
    #[error(
        "the broker user {user:?} belongs to another installation on this broker ({owner}); \
         this installation (vhost {vhost:?}) will not take over its login: give this \
         installation its own broker.user_prefix (or the agency another id), or remove the \
         agency from the other installation first"
    )]
    OtherInstallation {
        /// The user.
        user: String,
        /// What shows it is another's: its installation tag, or the vhosts it has rights in.
        owner: String,
        /// This installation's vhost.
        vhost: String,
    },
}

/// The tag that marks a broker user as a login of the installation in `vhost`.
pub fn installation_tag(vhost: &str) -> String {
    format!("handover-installation:{vhost}")
}

/// Why a broker user, as the management API shows it (`users/{name}` and its permissions),
/// may not be (re)provisioned for the installation in `vhost`; `None` when it may: it is this
/// installation's (its tag), or an untagged user with rights in no other vhost (made by a
/// release before the tags, or by hand for this installation).
pub fn owned_elsewhere(user: &Value, permitted_vhosts: &[String], vhost: &str) -> Option<String> {
    let tags: Vec<String> = match &user["tags"] {
        Value::Array(list) => list
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        Value::String(text) => text
            .split(',')
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    let ours = installation_tag(vhost);
    if tags.contains(&ours) {
        return None;
    }
    if let Some(other) = tags
        .iter()
        .find(|t| t.starts_with("handover-installation:"))
    {
        return Some(other.clone());
    }
    let elsewhere: Vec<&String> = permitted_vhosts.iter().filter(|v| *v != vhost).collect();
    (!elsewhere.is_empty()).then(|| format!("rights in vhost {elsewhere:?}"))
}

/// A client of the management API, as an administrator.
#[derive(Clone)]
pub struct Management {
    http: reqwest::Client,
    base: String,
    user: String,
    password: String,
}

impl std::fmt::Debug for Management {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Management")
            .field("base", &self.base)
            .field("user", &self.user)
            .finish()
    }
}

/// Percent-encodes one path segment (vhost `/` becomes `%2F`).
fn enc(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl Management {
    /// A client for the API at `base` (e.g. `http://127.0.0.1:15672`).
    pub fn new(base: &str, user: &str, password: &str) -> Self {
        Self {
            http: crate::http_client().build().expect("an HTTP client"),
            base: base.trim_end_matches('/').to_owned(),
            user: user.to_owned(),
            password: password.to_owned(),
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ManagementError> {
        let url = format!("{}/api/{path}", self.base);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .basic_auth(&self.user, Some(&self.password));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|source| ManagementError::Unreachable {
                url: url.clone(),
                source,
            })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(ManagementError::Refused {
                method,
                path: path.to_owned(),
                status,
                body: text,
            });
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn put(&self, path: &str, body: Value) -> Result<(), ManagementError> {
        self.call(Method::PUT, path, Some(body)).await.map(drop)
    }

    async fn delete(&self, path: &str) -> Result<(), ManagementError> {
        match self.call(Method::DELETE, path, None).await {
            Err(ManagementError::Refused {
                status: StatusCode::NOT_FOUND,
                ..
            }) => Ok(()),
            other => other.map(drop),
        }
    }

    /// GET any API path, for inspection and tests.
    pub async fn get(&self, path: &str) -> Result<Value, ManagementError> {
        self.call(Method::GET, path, None).await
    }

    /// Creates the vhost if missing.
    pub async fn put_vhost(&self, vhost: &str) -> Result<(), ManagementError> {
        self.put(&format!("vhosts/{}", enc(vhost)), json!({})).await
    }

    /// Deletes the vhost and everything in it.
    pub async fn delete_vhost(&self, vhost: &str) -> Result<(), ManagementError> {
        self.delete(&format!("vhosts/{}", enc(vhost))).await
    }

    /// Creates or updates a login of the installation in `vhost`, tagged as its
    /// ([`installation_tag`]); refuses ([`ManagementError::OtherInstallation`]) a user that
    /// belongs to another installation on the same broker, so that provisioning one
    /// installation can never take over another's agency logins.
    pub async fn put_installation_user(
        &self,
        vhost: &str,
        user: &str,
        password: &str,
    ) -> Result<(), ManagementError> {
        match self.get(&format!("users/{}", enc(user))).await {
            Ok(existing) => {
                let permitted: Vec<String> = self
                    .get(&format!("users/{}/permissions", enc(user)))
                    .await?
                    .as_array()
                    .map(|list| {
                        list.iter()
                            .filter_map(|p| p["vhost"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                if let Some(owner) = owned_elsewhere(&existing, &permitted, vhost) {
                    return Err(ManagementError::OtherInstallation {
                        user: user.to_owned(),
                        owner,
                        vhost: vhost.to_owned(),
                    });
                }
            }
            Err(ManagementError::Refused {
                status: StatusCode::NOT_FOUND,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
        self.put(
            &format!("users/{}", enc(user)),
            json!({ "password": password, "tags": installation_tag(vhost) }),
        )
        .await
    }

    /// Creates or updates a user with a password and no tags.
    pub async fn put_user(&self, user: &str, password: &str) -> Result<(), ManagementError> {
        self.put(
            &format!("users/{}", enc(user)),
            json!({ "password": password, "tags": "" }),
        )
        .await
    }

    /// Deletes a user, which also closes its connections.
    pub async fn delete_user(&self, user: &str) -> Result<(), ManagementError> {
        self.delete(&format!("users/{}", enc(user))).await
    }

    /// Removes a user's permissions in a vhost: the broker then refuses its connections to the
    /// vhost, whatever certificate or password it shows.
    pub async fn delete_permissions(&self, vhost: &str, user: &str) -> Result<(), ManagementError> {
        self.delete(&format!("permissions/{}/{}", enc(vhost), enc(user)))
            .await
    }

    /// Deletes a queue and the messages in it (a missing queue is no error).
    pub async fn delete_queue(&self, vhost: &str, name: &str) -> Result<(), ManagementError> {
        self.delete(&format!("queues/{}/{}", enc(vhost), enc(name)))
            .await
    }

    /// Sets a user's permissions in a vhost.
    pub async fn put_permissions(
        &self,
        vhost: &str,
        user: &str,
        p: &Permissions,
    ) -> Result<(), ManagementError> {
        self.put(
            &format!("permissions/{}/{}", enc(vhost), enc(user)),
            json!({ "configure": p.configure, "write": p.write, "read": p.read }),
        )
        .await
    }

    async fn put_exchange(
        &self,
        vhost: &str,
        name: &str,
        kind: &str,
    ) -> Result<(), ManagementError> {
        self.put(
            &format!("exchanges/{}/{}", enc(vhost), enc(name)),
            json!({ "type": kind, "durable": true, "auto_delete": false, "internal": false, "arguments": {} }),
        )
        .await
    }

    /// Declares a durable quorum queue (idempotent).
    pub async fn put_quorum_queue(&self, vhost: &str, name: &str) -> Result<(), ManagementError> {
        self.put(
            &format!("queues/{}/{}", enc(vhost), enc(name)),
            json!({ "durable": true, "auto_delete": false, "arguments": { "x-queue-type": "quorum" } }),
        )
        .await
    }

    /// Binds `queue` to `exchange` with routing key `key` (idempotent).
    pub async fn bind(
        &self,
        vhost: &str,
        exchange: &str,
        queue: &str,
        key: &str,
    ) -> Result<(), ManagementError> {
        // POST creates a binding; an identical one already present is not duplicated.
        self.call(
            Method::POST,
            &format!(
                "bindings/{}/e/{}/q/{}",
                enc(vhost),
                enc(exchange),
                enc(queue)
            ),
            Some(json!({ "routing_key": key, "arguments": {} })),
        )
        .await
        .map(drop)
    }

    /// The hub's own part of the topology in `vhost`: ingress, delivery exchange, dead
    /// letters, the quorum policy, and the hub's user with its permissions.
    pub async fn provision_hub(
        &self,
        vhost: &str,
        hub_user: &str,
        hub_password: &str,
    ) -> Result<(), ManagementError> {
        self.put_vhost(vhost).await?;
        self.put(
            &format!("policies/{}/handover-quorum", enc(vhost)),
            json!({
                "pattern": "^(hub\\.ingress|inbox\\..+)$",
                "apply-to": "queues",
                "priority": 10,
                "definition": {
                    "dead-letter-exchange": topology::DEAD_LETTER_EXCHANGE,
                    "dead-letter-strategy": "at-least-once",
                    "overflow": "reject-publish",
                    "delivery-limit": topology::DELIVERY_LIMIT,
                },
            }),
        )
        .await?;
        self.put_exchange(vhost, topology::DEAD_LETTER_EXCHANGE, "fanout")
            .await?;
        self.put_quorum_queue(vhost, topology::DEAD_LETTER_QUEUE)
            .await?;
        self.bind(
            vhost,
            topology::DEAD_LETTER_EXCHANGE,
            topology::DEAD_LETTER_QUEUE,
            "",
        )
        .await?;
        self.put_quorum_queue(vhost, topology::INGRESS_QUEUE)
            .await?;
        self.put_exchange(vhost, topology::DELIVER_EXCHANGE, "direct")
            .await?;
        self.put_installation_user(vhost, hub_user, hub_password)
            .await?;
        self.put_permissions(vhost, hub_user, &topology::hub_permissions())
            .await
    }

    /// One agency in `vhost`: its login `user` (see [`topology::agency_user`]), its submit
    /// exchange bound to the ingress, its inbox (`inbox`, see [`topology::inbox_queue`]) bound
    /// to the delivery exchange, and permissions for exactly those two.
    pub async fn provision_agency(
        &self,
        vhost: &str,
        user: &str,
        agency: &AgencyId,
        password: &str,
        inbox: &str,
    ) -> Result<(), ManagementError> {
        // The login first: a user name that is another installation's login stops here,
        // before anything is made for it.
        self.put_installation_user(vhost, user, password).await?;
        let exchange = topology::submit_exchange(agency);
        self.put_exchange(vhost, &exchange, "fanout").await?;
        self.bind(vhost, &exchange, topology::INGRESS_QUEUE, "")
            .await?;
        self.put_quorum_queue(vhost, inbox).await?;
        self.bind(vhost, topology::DELIVER_EXCHANGE, inbox, agency.as_str())
            .await?;
        self.put_permissions(vhost, user, &topology::agency_permissions(agency, inbox))
            .await
    }

    /// Retires an agency's inbox from before inboxes were tagged
    /// ([`topology::legacy_inbox_queue`]): unbinds it, so nothing more is delivered there,
    /// and deletes it when empty. One that still holds messages is kept for the operator to
    /// drain into the new inbox (for example with a shovel).
    pub async fn retire_legacy_inbox(
        &self,
        vhost: &str,
        agency: &AgencyId,
    ) -> Result<LegacyInbox, ManagementError> {
        let legacy = topology::legacy_inbox_queue(agency);
        let path = format!("queues/{}/{}", enc(vhost), enc(&legacy));
        match self.get(&path).await {
            Ok(_) => {}
            Err(ManagementError::Refused {
                status: StatusCode::NOT_FOUND,
                ..
            }) => return Ok(LegacyInbox::None),
            Err(e) => return Err(e),
        }
        // A binding without arguments is addressed by its routing key.
        self.delete(&format!(
            "bindings/{}/e/{}/q/{}/{}",
            enc(vhost),
            enc(topology::DELIVER_EXCHANGE),
            enc(&legacy),
            enc(agency.as_str())
        ))
        .await?;
        // Unbound, it gets nothing more. Whether it is empty is asked of the queue itself
        // (the API's message counts lag, and quorum queues cannot be deleted "if empty"):
        // one message looked at and put back, none read.
        let looked = self
            .call(
                Method::POST,
                &format!("{path}/get"),
                Some(json!({
                    "count": 1,
                    "ackmode": "reject_requeue_true",
                    "encoding": "auto",
                    "truncate": 1,
                })),
            )
            .await?;
        if looked.as_array().is_some_and(Vec::is_empty) {
            self.delete(&path).await?;
            Ok(LegacyInbox::Removed)
        } else {
            Ok(LegacyInbox::KeptWithMessages)
        }
    }

    /// Closes every connection of a user (e.g. to force a reconnect in a test).
    pub async fn close_connections_of(&self, user: &str) -> Result<usize, ManagementError> {
        let connections = self.get("connections").await?;
        let mut closed = 0;
        for c in connections.as_array().into_iter().flatten() {
            if c["user"].as_str() == Some(user)
                && let Some(name) = c["name"].as_str()
            {
                if let Err(e) = self.delete(&format!("connections/{}", enc(name))).await {
                    // A connection that ends while it is being closed makes the broker answer
                    // an error; it is closed all the same. Any other failure stands.
                    let now = self.get("connections").await?;
                    let still_open = now
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|c| c["name"].as_str() == Some(name));
                    if still_open {
                        return Err(e);
                    }
                }
                closed += 1;
            }
        }
        Ok(closed)
    }
}

#[cfg(test)]
mod installation_tests {
    use super::*;

    #[test]
    fn a_login_of_another_installation_is_never_taken_over() {
        let ours = installation_tag("handover");
        let mine = json!({"name": "dk-a", "tags": [ours]});
        assert_eq!(
            owned_elsewhere(&mine, &["handover".into()], "handover"),
            None
        );
        let theirs = json!({"name": "dk-a", "tags": ["handover-installation:other"]});
        assert_eq!(
            owned_elsewhere(&theirs, &[], "handover").as_deref(),
            Some("handover-installation:other")
        );
        // Untagged (an earlier release, or by hand): ours unless it has rights elsewhere.
        let untagged = json!({"name": "dk-a", "tags": ""});
        assert_eq!(
            owned_elsewhere(&untagged, &["handover".into()], "handover"),
            None
        );
        assert_eq!(owned_elsewhere(&untagged, &[], "handover"), None);
        assert!(
            owned_elsewhere(&untagged, &["handover".into(), "other".into()], "handover")
                .unwrap()
                .contains("other")
        );
        // RabbitMQ before 3.9 gave tags as one comma-separated string.
        let old_form = json!({"tags": "management,handover-installation:handover"});
        assert_eq!(owned_elsewhere(&old_form, &[], "handover"), None);
    }
}
