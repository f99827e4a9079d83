//! Queries of the caseworker's views that read the inbox and the outbox together.

use super::inbox::{InboxRow, select_inbox};
use super::outbox::{SentRow, select_sent};
use super::{Received, Sent, Store, StoreError};

/// The two queries of [`Store::traffic`]: the inbox's and the outbox's rows that match
/// `$clause` (a condition on columns both tables have), newest first, at most `?` of each.
macro_rules! newest_where {
    ($clause:literal) => {
        Traffic {
            received: concat!(
                select_inbox!(),
                " WHERE ",
                $clause,
                " ORDER BY rowid DESC LIMIT ?"
            ),
            sent: concat!(
                select_sent!(),
                " WHERE ",
                $clause,
                " ORDER BY rowid DESC LIMIT ?"
            ),
        }
    };
}

/// The same selection of the inbox and of the outbox, as [`newest_where`] writes it.
struct Traffic {
    received: &'static str,
    sent: &'static str,
}

/// Queries of the caseworker's views (a person's messages; cases, what is due, releases: issue
/// 17, part 3).
impl Store {
    /// The messages about one person, received and sent, newest first.
    pub async fn about_subject(
        &self,
        subject: &str,
        limit: i64,
    ) -> Result<(Vec<Received>, Vec<Sent>), StoreError> {
        self.traffic(newest_where!("subject = ?"), Some(subject), limit)
            .await
    }

    /// Every message about a case, received and sent, newest first, at most `limit` of each:
    /// what the views of cases, deadlines and releases are derived from.
    pub async fn case_traffic(&self, limit: i64) -> Result<(Vec<Received>, Vec<Sent>), StoreError> {
        self.traffic(newest_where!("case_id IS NOT NULL"), None, limit)
            .await
    }

    /// The received and the sent messages `queries` select, with `value` bound to the
    /// clause's one parameter when it has one, then `limit`.
    async fn traffic(
        &self,
        queries: Traffic,
        value: Option<&str>,
        limit: i64,
    ) -> Result<(Vec<Received>, Vec<Sent>), StoreError> {
        let mut received = sqlx::query_as::<_, InboxRow>(queries.received);
        let mut sent = sqlx::query_as::<_, SentRow>(queries.sent);
        if let Some(value) = value {
            received = received.bind(value);
            sent = sent.bind(value);
        }
        let received = received.bind(limit).fetch_all(&self.pool).await?;
        let sent = sent.bind(limit).fetch_all(&self.pool).await?;
        Ok((
            received.into_iter().map(Received::from).collect(),
            sent.into_iter()
                .map(Sent::try_from)
                .collect::<Result<_, _>>()?,
        ))
    }
}
