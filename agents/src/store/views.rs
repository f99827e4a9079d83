//! Queries of the caseworker's views that read the inbox and the outbox together.

use super::inbox::{received, select_inbox};
use super::outbox::{select_sent, sent};
use super::{Received, Sent, Store, StoreError};

/// Queries of the caseworker's views (a person's messages; cases, what is due, releases: issue
/// 17, part 3).
impl Store {
    /// The messages about one person, received and sent, newest first.
    pub async fn about_subject(
        &self,
        subject: &str,
        limit: i64,
    ) -> Result<(Vec<Received>, Vec<Sent>), StoreError> {
        let received_rows = sqlx::query(concat!(
            select_inbox!(),
            "
             WHERE subject = ? ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(subject)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let sent_rows = sqlx::query(concat!(
            select_sent!(),
            "
             WHERE subject = ? ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(subject)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok((
            received_rows
                .iter()
                .map(received)
                .collect::<Result<_, _>>()?,
            sent_rows.iter().map(sent).collect::<Result<_, _>>()?,
        ))
    }

    /// Every message about a case, received and sent, newest first, at most `limit` of each:
    /// what the views of cases, deadlines and releases are derived from.
    pub async fn case_traffic(&self, limit: i64) -> Result<(Vec<Received>, Vec<Sent>), StoreError> {
        let received_rows = sqlx::query(concat!(
            select_inbox!(),
            "
             WHERE case_id IS NOT NULL ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let sent_rows = sqlx::query(concat!(
            select_sent!(),
            "
             WHERE case_id IS NOT NULL ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok((
            received_rows
                .iter()
                .map(received)
                .collect::<Result<_, _>>()?,
            sent_rows.iter().map(sent).collect::<Result<_, _>>()?,
        ))
    }
}
