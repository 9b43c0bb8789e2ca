//! [`PgStore`]: the [`Store`] on PostgreSQL.

use crate::batch;
use crate::config::{DEFAULT_SCHEMA, PgConfig, valid_schema};
use crate::error::{PgError, PgResult, foreign};
use crate::migrations;
use crate::query::TicketColumns;
use crate::schema::{
    Queries, direction_name, job_from_row, job_kind_key, outbox_from_row, outbox_status_name,
    serde_name, sql, storage, to_i64, to_u64,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use helpdesk_core::model::{
    Actor, Agent, AgentId, Contact, ContactId, Direction, Event, Message, MessageId, Task, Ticket,
    TicketId, TicketNumber, WorkspaceId, normalize_email,
};
use helpdesk_core::ports::{
    Commit, CommitOutcome, ContactWrite, DirectoryRecord, IngestRecord, Job, JobWrite,
    MailboxCheckpoint, MessageUpdate, OutboxItem, OutboxWrite, RecordId, Store, TicketWrite,
};
use helpdesk_core::query::words::words;
use helpdesk_core::query::{
    Cursor, Filter, Neighbours, Page, Query, Sort, View, ViewId, ViewOwner, neighbours_by_paging,
};
use helpdesk_core::{Error, Result};
use serde_json::Value;
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

/// A [`Store`] on PostgreSQL.
///
/// Every table lives in one schema of the store's own (default `helpdesk`),
/// created by [`migrate`](PgStore::migrate) together with its migration
/// ledger, so the store shares a database with the host application without
/// meeting its tables or its migrations. Each [`commit`](Store::commit) is
/// one transaction; tickets are compare-and-set on their `version` column;
/// the claims use `FOR UPDATE SKIP LOCKED`, so many engine processes can
/// share one database. Cloning is cheap (the pool is shared).
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    schema: Arc<str>,
    /// `schema` quoted, as it goes into SQL text.
    quoted: Arc<str>,
    q: Arc<Queries>,
    paths: Arc<CommitPaths>,
}

/// How the commits of a store (and its clones) were written.
#[derive(Debug, Default)]
struct CommitPaths {
    one_statement: AtomicU64,
    step_by_step: AtomicU64,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("schema", &self.schema)
            .field("pool_size", &self.pool.size())
            .field("pool_idle", &self.pool.num_idle())
            .finish()
    }
}

fn quote(schema: &str) -> String {
    format!("\"{schema}\"")
}

/// The directory key of a record: (kind, id, owning workspace).
fn record_key(record: &DirectoryRecord) -> Result<(&'static str, Uuid, WorkspaceId)> {
    Ok(match record {
        DirectoryRecord::Agent(a) => ("agent", a.id.as_uuid(), a.workspace),
        DirectoryRecord::Team(t) => ("team", t.id.as_uuid(), t.workspace),
        DirectoryRecord::Queue(q) => ("queue", q.id.as_uuid(), q.workspace),
        DirectoryRecord::Category(c) => ("category", c.id.as_uuid(), c.workspace),
        DirectoryRecord::Organization(o) => ("organization", o.id.as_uuid(), o.workspace),
        DirectoryRecord::SlaPolicy(p) => ("sla_policy", p.id.as_uuid(), p.workspace),
        DirectoryRecord::Settings(s) => ("settings", s.workspace.as_uuid(), s.workspace),
        other => {
            return Err(Error::validation(
                "directory",
                format!("record kind not supported by the postgres store: {other:?}"),
            ));
        }
    })
}

fn record_doc(record: &DirectoryRecord) -> PgResult<Value> {
    Ok(match record {
        DirectoryRecord::Agent(a) => serde_json::to_value(a)?,
        DirectoryRecord::Team(t) => serde_json::to_value(t)?,
        DirectoryRecord::Queue(q) => serde_json::to_value(q)?,
        DirectoryRecord::Category(c) => serde_json::to_value(c)?,
        DirectoryRecord::Organization(o) => serde_json::to_value(o)?,
        DirectoryRecord::SlaPolicy(p) => serde_json::to_value(p)?,
        DirectoryRecord::Settings(s) => serde_json::to_value(s)?,
        _ => {
            return Err(PgError::Core(Error::validation(
                "directory",
                "record kind not supported by the postgres store",
            )));
        }
    })
}

fn record_from_doc(kind: &str, doc: Value) -> PgResult<DirectoryRecord> {
    Ok(match kind {
        "agent" => DirectoryRecord::Agent(serde_json::from_value(doc)?),
        "team" => DirectoryRecord::Team(serde_json::from_value(doc)?),
        "queue" => DirectoryRecord::Queue(serde_json::from_value(doc)?),
        "category" => DirectoryRecord::Category(serde_json::from_value(doc)?),
        "organization" => DirectoryRecord::Organization(serde_json::from_value(doc)?),
        "sla_policy" => DirectoryRecord::SlaPolicy(Box::new(serde_json::from_value(doc)?)),
        "settings" => DirectoryRecord::Settings(serde_json::from_value(doc)?),
        other => return Err(storage(format!("unknown directory kind {other:?}"))),
    })
}

/// Checks that need no database: every row belongs to `ws`, no ticket is
/// written twice, every directory record is of a known kind.
fn validate(ws: WorkspaceId, commit: &Commit) -> Result<()> {
    let mut touched = HashSet::new();
    for write in &commit.tickets {
        let t = write.ticket();
        if t.workspace != ws {
            return Err(foreign("ticket"));
        }
        if !touched.insert(t.id) {
            return Err(Error::validation(
                "tickets",
                format!("ticket {} is written twice", t.id),
            ));
        }
    }
    if commit.messages.iter().any(|m| m.workspace != ws) {
        return Err(foreign("message"));
    }
    if commit
        .events
        .iter()
        .chain(&commit.event_redactions)
        .any(|e| e.workspace != ws)
    {
        return Err(foreign("event"));
    }
    for w in &commit.outbox {
        if let OutboxWrite::Enqueue(item) = w
            && item.workspace != ws
        {
            return Err(foreign("outbox row"));
        }
    }
    for w in &commit.jobs {
        if let JobWrite::Schedule(job) = w
            && job.workspace != ws
        {
            return Err(foreign("job"));
        }
    }
    for w in &commit.contacts {
        let (ContactWrite::Create(c) | ContactWrite::Update(c)) = w;
        if c.workspace != ws {
            return Err(foreign("contact"));
        }
    }
    if commit.tasks.iter().any(|t| t.workspace != ws) {
        return Err(foreign("task"));
    }
    for r in &commit.directory {
        if record_key(r)?.2 != ws {
            return Err(foreign("directory record"));
        }
    }
    Ok(())
}

fn ticket_from_row(row: &PgRow) -> PgResult<Ticket> {
    let mut t = row.try_get::<Json<Ticket>, _>("doc")?.0;
    t.number = TicketNumber(to_u64(row.try_get("number")?, "ticket number")?);
    t.version = to_u64(row.try_get("version")?, "ticket version")?;
    Ok(t)
}

fn message_from_row(row: &PgRow) -> PgResult<Message> {
    let mut m = row.try_get::<Json<Message>, _>("doc")?.0;
    m.raw = row
        .try_get::<Option<Vec<u8>>, _>("raw")?
        .map(helpdesk_core::Bytes::from);
    Ok(m)
}

/// Lowercased, trimmed, without duplicates, in first-seen order.
pub(crate) fn normalized_unique<'a>(
    addresses: impl IntoIterator<Item = &'a String>,
) -> Vec<String> {
    let mut seen = HashSet::new();
    addresses
        .into_iter()
        .map(|a| normalize_email(a))
        .filter(|a| seen.insert(a.clone()))
        .collect()
}

impl PgStore {
    /// A store on the caller's pool, in the default schema (`helpdesk`).
    /// Run [`migrate`](Self::migrate) once before use.
    pub fn new(pool: PgPool) -> Self {
        Self::build(pool, DEFAULT_SCHEMA)
    }

    /// A store on the caller's pool, in `schema` (a plain lowercase SQL
    /// identifier, else [`Error::Validation`]).
    pub fn with_schema(pool: PgPool, schema: &str) -> Result<Self> {
        if !valid_schema(schema) {
            return Err(Error::validation(
                "schema",
                "must match [a-z_][a-z0-9_]* (at most 63 bytes, not pg_*)",
            ));
        }
        Ok(Self::build(pool, schema))
    }

    fn build(pool: PgPool, schema: &str) -> Self {
        let quoted = quote(schema);
        Self {
            pool,
            schema: schema.into(),
            q: Arc::new(Queries::new(&quoted)),
            quoted: quoted.into(),
            paths: Arc::default(),
        }
    }

    /// Opens a pool as `config` says and makes a store on it. Does not
    /// migrate.
    pub async fn connect(config: &PgConfig) -> Result<Self> {
        let options = config
            .connect_options()
            .map_err(|e| Error::validation("url", e.to_string()))?;
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections())
            .acquire_timeout(config.acquire_timeout())
            .connect_with(options)
            .await
            .map_err(|e| Error::from(PgError::from(e)))?;
        Self::with_schema(pool, config.schema())
    }

    /// Creates the schema and applies the embedded migrations it lacks,
    /// recording them in `<schema>.schema_migrations`. Safe to call on every
    /// start and from several processes at once (an advisory lock serialises
    /// them); returns how many migrations ran (0 when up to date). Fails when
    /// the database was migrated by a newer version of this crate.
    pub async fn migrate(&self) -> Result<usize> {
        Ok(migrations::run(&self.pool, &quote(&self.schema)).await?)
    }

    /// The statements of this store's schema.
    pub(crate) fn queries(&self) -> &Queries {
        &self.q
    }

    /// The pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The schema of the store's tables.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// How many commits of this store (and its clones) so far were written
    /// as one statement, and how many step by step in a transaction (the
    /// commits of other shapes, and those the one statement refused): for
    /// tests, not a stable API.
    #[doc(hidden)]
    pub fn commit_paths(&self) -> (u64, u64) {
        (
            self.paths.one_statement.load(Ordering::Relaxed),
            self.paths.step_by_step.load(Ordering::Relaxed),
        )
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        ws: WorkspaceId,
        commit: Commit,
    ) -> PgResult<CommitOutcome> {
        let w = ws.as_uuid();
        let q = &*self.q;

        // Deletions are checked against the data before the commit (as the
        // memory store does), and carried out last.
        let deleted = self.check_deletions(tx, w, &commit.deletions).await?;

        // Contacts first: a commit that waits on another's new email address
        // then holds no ticket lock yet. The rows and the release of the
        // updated contacts' old addresses go before any address is claimed,
        // so that an address moved from one contact to another in this commit
        // lands whatever the order of the writes.
        for (i, write) in commit.contacts.iter().enumerate() {
            let (created, c) = match write {
                ContactWrite::Create(c) => (true, c),
                ContactWrite::Update(c) => (false, c),
            };
            let id = c.id.as_uuid();
            // (The version stored now: the one read, or one more when this
            // commit wrote the contact already; a commit moves it on once.)
            let again = commit.contacts[..i]
                .iter()
                .any(|earlier| contact_of(earlier).id == c.id);
            let now = if again {
                c.version.saturating_add(1)
            } else {
                c.version
            };
            let mut stored = c.clone();
            stored.version = if created {
                1
            } else {
                c.version.saturating_add(1)
            };
            let done = if created {
                sqlx::query(sql(&q.contact_insert))
            } else {
                sqlx::query(sql(&q.contact_update))
            }
            .bind(w)
            .bind(id)
            .bind(c.external_id.as_deref())
            .bind(c.organization.map(|o| o.as_uuid()))
            .bind(Json(&stored));
            let done = if created {
                done
            } else {
                done.bind(i64::try_from(now).unwrap_or(i64::MAX))
            }
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                let exists: Option<Json<Contact>> = sqlx::query_scalar(sql(&q.contact))
                    .bind(w)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                return Err(match exists {
                    Some(Json(stored)) => Error::Conflict(format!(
                        "contact {} changed since it was read (version {} read, {} stored)",
                        c.id, c.version, stored.version
                    )),
                    None => Error::not_found("contact", c.id),
                }
                .into());
            }
            if !created {
                sqlx::query(sql(&q.contact_emails_clear))
                    .bind(w)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let id_of = |w: &ContactWrite| contact_of(w).id;
        for (i, write) in commit.contacts.iter().enumerate() {
            // (A contact written twice owns the addresses of its last write.)
            if commit.contacts[i + 1..]
                .iter()
                .any(|later| id_of(later) == id_of(write))
            {
                continue;
            }
            let (ContactWrite::Create(c) | ContactWrite::Update(c)) = write;
            sqlx::query(sql(&q.contact_emails_insert))
                .bind(w)
                .bind(normalized_unique(&c.emails))
                .bind(c.id.as_uuid())
                .execute(&mut *tx)
                .await?;
        }

        // Tickets: updates in id order (a fixed lock order between commits),
        // then creates in commit order (numbers follow it). The outcome keeps
        // the commit's order.
        let mut writes: Vec<Option<TicketWrite>> = commit.tickets.into_iter().map(Some).collect();
        let mut order: Vec<usize> = (0..writes.len()).collect();
        order.sort_by_key(|&i| match &writes[i] {
            Some(TicketWrite::Update { ticket, .. }) => (0, ticket.id.as_u128(), i),
            _ => (1, 0, i),
        });
        let mut stored: Vec<Option<Ticket>> = vec![None; writes.len()];
        for i in order {
            let Some(write) = writes[i].take() else {
                continue;
            };
            stored[i] = Some(self.write_ticket(tx, w, write).await?);
        }

        for mut m in commit.messages {
            let raw = m.raw.take();
            sqlx::query(sql(&q.message_insert))
                .bind(w)
                .bind(m.id.as_uuid())
                .bind(m.ticket.as_uuid())
                .bind(direction_name(m.direction))
                .bind(m.author == Actor::System)
                .bind(m.email.message_id.as_deref())
                .bind(m.created_at)
                .bind(raw.as_deref())
                .bind(Json(&m))
                .bind(words(&m.text))
                .execute(&mut *tx)
                .await?;
            if let Some(email_id) = &m.email.message_id {
                self.record_email_id(tx, w, email_id, m.id).await?;
            }
            if m.direction == Direction::Outbound && m.author == Actor::System {
                let recipients: Vec<String> =
                    m.to.iter()
                        .chain(m.cc.iter())
                        .map(|a| normalize_email(a))
                        .collect();
                if !recipients.is_empty() {
                    sqlx::query(sql(&q.automatic_insert))
                        .bind(w)
                        .bind(recipients)
                        .bind(m.created_at)
                        .bind(m.id.as_uuid())
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }

        for update in commit.message_updates {
            let (id, state, message_id) = match update {
                MessageUpdate::SendState {
                    id,
                    state,
                    message_id,
                } => (id, state, message_id),
                MessageUpdate::Redact(m) => {
                    self.redact_message(tx, w, *m).await?;
                    continue;
                }
            };
            let row = sqlx::query(sql(&q.message_lock))
                .bind(w)
                .bind(id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| Error::not_found("message", id))?;
            let mut m = row.try_get::<Json<Message>, _>("doc")?.0;
            m.send_state = Some(state);
            if let Some(email_id) = message_id {
                self.record_email_id(tx, w, &email_id, id).await?;
                m.email.message_id = Some(email_id);
            }
            sqlx::query(sql(&q.message_update))
                .bind(w)
                .bind(id.as_uuid())
                .bind(Json(&m))
                .bind(m.email.message_id.as_deref())
                .execute(&mut *tx)
                .await?;
        }

        for e in &commit.event_redactions {
            let done = sqlx::query(sql(&q.event_redact))
                .bind(w)
                .bind(e.id.as_uuid())
                .bind(e.ticket.as_uuid())
                .bind(e.at)
                .bind(e.kind.name())
                .bind(Json(e))
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(Error::not_found("event", e.id).into());
            }
        }

        if !commit.events.is_empty() {
            // One statement for all the events of the commit.
            let e = &commit.events;
            sqlx::query(sql(&q.events_insert))
                .bind(w)
                .bind(e.iter().map(|e| e.id.as_uuid()).collect::<Vec<_>>())
                .bind(e.iter().map(|e| e.ticket.as_uuid()).collect::<Vec<_>>())
                .bind(e.iter().map(|e| e.at).collect::<Vec<_>>())
                .bind(e.iter().map(|e| e.kind.name()).collect::<Vec<_>>())
                .bind(e.iter().map(Json).collect::<Vec<_>>())
                .execute(&mut *tx)
                .await?;
        }

        for write in commit.outbox {
            self.write_outbox(tx, w, write).await?;
        }

        for write in commit.jobs {
            match write {
                JobWrite::Schedule(job) => {
                    let (key, doc) = job_kind_key(&job.kind)?;
                    sqlx::query(sql(&q.job_schedule))
                        .bind(w)
                        .bind(job.id.as_uuid())
                        .bind(job.ticket.as_uuid())
                        .bind(key)
                        .bind(Json(doc))
                        .bind(job.due_at)
                        .bind(job.lease_until)
                        .execute(&mut *tx)
                        .await?;
                }
                JobWrite::Cancel { ticket, kind } => {
                    sqlx::query(sql(&q.job_cancel))
                        .bind(w)
                        .bind(ticket.as_uuid())
                        .bind(job_kind_key(&kind)?.0)
                        .execute(&mut *tx)
                        .await?;
                }
                JobWrite::Complete(id) => {
                    let done = sqlx::query(sql(&q.job_complete))
                        .bind(w)
                        .bind(id.as_uuid())
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(
                            Error::Conflict(format!("job {id} is no longer scheduled")).into()
                        );
                    }
                }
            }
        }

        for record in &commit.directory {
            let (kind, id, _) = record_key(record)?;
            sqlx::query(sql(&q.record_upsert))
                .bind(w)
                .bind(kind)
                .bind(id)
                .bind(Json(record_doc(record)?))
                .execute(&mut *tx)
                .await?;
        }

        for record in &commit.ingest_keys {
            sqlx::query(sql(&q.ingest_insert))
                .bind(w)
                .bind(&record.mailbox)
                .bind(&record.key)
                .bind(record.ticket.as_uuid())
                .bind(record.message.as_uuid())
                .execute(&mut *tx)
                .await?;
        }

        for (address, until) in &commit.suppressions {
            sqlx::query(sql(&q.suppression_upsert))
                .bind(w)
                .bind(normalize_email(address))
                .bind(until)
                .execute(&mut *tx)
                .await?;
        }

        // A checkpoint never moves back within one UIDVALIDITY; a new
        // UIDVALIDITY replaces it.
        for cp in &commit.checkpoints {
            sqlx::query(sql(&q.checkpoint_upsert))
                .bind(w)
                .bind(&cp.mailbox)
                .bind(i64::from(cp.uid_validity))
                .bind(i64::from(cp.last_uid))
                .execute(&mut *tx)
                .await?;
        }

        for task in &commit.tasks {
            let done = sqlx::query(sql(&q.task_upsert))
                .bind(w)
                .bind(task.id.as_uuid())
                .bind(task.ticket.as_uuid())
                .bind(task.assignee.map(|a| a.as_uuid()))
                .bind(task.due)
                .bind(task.done_at.is_some())
                .bind(task.created_at)
                .bind(Json(task))
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(Error::validation(
                    "tasks",
                    format!("task {} belongs to another ticket", task.id),
                )
                .into());
            }
        }

        for (ticket, id) in &commit.deleted_tasks {
            let done = sqlx::query(sql(&q.task_delete))
                .bind(w)
                .bind(ticket.as_uuid())
                .bind(id.as_uuid())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(Error::not_found("task", id).into());
            }
        }

        if !deleted.is_empty() {
            for statement in [
                &q.delete_email_ids,
                &q.delete_automatic,
                &q.delete_messages,
                &q.delete_events,
                &q.delete_outbox,
                &q.delete_jobs,
                &q.delete_ingest_keys,
                &q.delete_favourites,
                &q.delete_tasks,
                &q.delete_tickets,
            ] {
                sqlx::query(sql(statement))
                    .bind(w)
                    .bind(&deleted)
                    .execute(&mut *tx)
                    .await?;
            }
        }

        Ok(CommitOutcome {
            tickets: stored.into_iter().flatten().collect(),
        })
    }

    async fn write_ticket(
        &self,
        tx: &mut PgConnection,
        w: Uuid,
        write: TicketWrite,
    ) -> PgResult<Ticket> {
        let q = &*self.q;
        let (mut t, expected) = match write {
            TicketWrite::Create(t) => (t, None),
            TicketWrite::Update {
                ticket,
                expected_version,
            } => (ticket, Some(to_i64(expected_version, "expected_version")?)),
        };
        match expected {
            None => {
                if t.number.0 == 0 {
                    let n: i64 = sqlx::query_scalar(sql(&q.reserve_number))
                        .bind(w)
                        .fetch_one(&mut *tx)
                        .await?;
                    t.number = TicketNumber(to_u64(n, "ticket number")?);
                } else {
                    let last: Option<i64> = sqlx::query_scalar(sql(&q.last_number))
                        .bind(w)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if last.unwrap_or(0) < to_i64(t.number.0, "number")? {
                        return Err(Error::Conflict(format!(
                            "ticket number {} was never reserved",
                            t.number
                        ))
                        .into());
                    }
                }
                t.version = 1;
            }
            Some(expected) => {
                t.version = to_u64(expected, "expected_version")? + 1;
            }
        }
        let statement = if expected.is_some() {
            &q.ticket_update
        } else {
            &q.ticket_insert
        };
        let mut query = sqlx::query(sql(statement))
            .bind(w)
            .bind(t.id.as_uuid())
            .bind(to_i64(t.number.0, "number")?)
            .bind(to_i64(t.version, "version")?)
            .bind(t.state.as_str())
            .bind(t.reopen_at)
            .bind(t.times.closed)
            .bind(t.requester.as_uuid())
            .bind(t.assignee.map(|a| a.as_uuid()))
            .bind(t.team.map(|x| x.as_uuid()))
            .bind(t.queue.map(|x| x.as_uuid()))
            .bind(t.category.map(|x| x.as_uuid()))
            .bind(serde_name(&t.priority)?)
            .bind(t.parent.map(|x| x.as_uuid()))
            .bind(t.merged_into.map(|x| x.as_uuid()))
            .bind(t.times.created)
            .bind(t.times.updated)
            .bind(Json(&t));
        let c = TicketColumns::of(&t)?;
        query = query
            .bind(c.subject_words)
            .bind(c.status)
            .bind(c.prio)
            .bind(c.channel_kind)
            .bind(c.kind)
            .bind(c.tags)
            .bind(c.followers)
            .bind(c.due_at)
            .bind(c.last_inbound)
            .bind(c.last_activity)
            .bind(c.unread_by_owner);
        if let Some(expected) = expected {
            query = query.bind(expected);
        }
        let done = query.execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            // Only an update can touch no row: say why.
            let found: Option<(i64, i64)> = sqlx::query_as(sql(&q.ticket_probe))
                .bind(w)
                .bind(t.id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            let expected = expected.unwrap_or_default();
            return Err(match found {
                None => Error::not_found("ticket", t.id),
                Some((version, _)) if version != expected => Error::Conflict(format!(
                    "ticket {} is at version {version}, not {expected}",
                    t.id
                )),
                Some((_, number)) if number != to_i64(t.number.0, "number")? => {
                    Error::validation("number", "a ticket's number never changes")
                }
                Some(_) => Error::Conflict(format!("ticket {} changed concurrently", t.id)),
            }
            .into());
        }
        Ok(t)
    }

    /// `MessageUpdate::Redact`: replaces the stored message (same id and
    /// ticket) with its raw bytes, and drops its email-id index rows (as the
    /// memory store does).
    async fn redact_message(&self, tx: &mut PgConnection, w: Uuid, mut m: Message) -> PgResult<()> {
        let q = &*self.q;
        if m.workspace.as_uuid() != w {
            return Err(foreign("message").into());
        }
        let stored: Option<Uuid> = sqlx::query_scalar(sql(&q.message_ticket))
            .bind(w)
            .bind(m.id.as_uuid())
            .fetch_optional(&mut *tx)
            .await?;
        match stored {
            None => return Err(Error::not_found("message", m.id).into()),
            Some(ticket) if ticket != m.ticket.as_uuid() => {
                return Err(Error::validation("message", "a message never changes ticket").into());
            }
            Some(_) => {}
        }
        for statement in [&q.email_ids_of_message, &q.automatic_of_message] {
            sqlx::query(sql(statement))
                .bind(w)
                .bind(m.id.as_uuid())
                .execute(&mut *tx)
                .await?;
        }
        let raw = m.raw.take();
        sqlx::query(sql(&q.message_redact))
            .bind(w)
            .bind(m.id.as_uuid())
            .bind(direction_name(m.direction))
            .bind(m.author == Actor::System)
            .bind(m.email.message_id.as_deref())
            .bind(m.created_at)
            .bind(raw.as_deref())
            .bind(Json(&m))
            .bind(words(&m.text))
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    /// Locks the tickets to delete and checks them: each exists
    /// (`NotFound`), and no ticket outside the set points at one as parent
    /// or `merged_into` (`Validation`). Returns their ids.
    async fn check_deletions(
        &self,
        tx: &mut PgConnection,
        w: Uuid,
        deletions: &[TicketId],
    ) -> PgResult<Vec<Uuid>> {
        if deletions.is_empty() {
            return Ok(Vec::new());
        }
        let q = &*self.q;
        let mut ids: Vec<Uuid> = deletions.iter().map(|t| t.as_uuid()).collect();
        ids.sort_unstable();
        ids.dedup();
        let found: Vec<Uuid> = sqlx::query_scalar(sql(&q.delete_lock))
            .bind(w)
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await?;
        if let Some(missing) = deletions.iter().find(|t| !found.contains(&t.as_uuid())) {
            return Err(Error::not_found("ticket", missing).into());
        }
        let pointing: Option<(i64, Uuid)> = sqlx::query_as(sql(&q.delete_pointing))
            .bind(w)
            .bind(&ids)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some((number, _)) = pointing {
            return Err(Error::validation(
                "deletions",
                format!("ticket {number} still points at a deleted ticket"),
            )
            .into());
        }
        Ok(ids)
    }

    async fn record_email_id(
        &self,
        tx: &mut PgConnection,
        w: Uuid,
        email_id: &str,
        message: MessageId,
    ) -> PgResult<()> {
        sqlx::query(sql(&self.q.email_id_insert))
            .bind(w)
            .bind(email_id)
            .bind(message.as_uuid())
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    async fn write_outbox(
        &self,
        tx: &mut PgConnection,
        w: Uuid,
        write: OutboxWrite,
    ) -> PgResult<()> {
        let q = &*self.q;
        let (id, done) = match write {
            OutboxWrite::Enqueue(item) => {
                sqlx::query(sql(&q.outbox_insert))
                    .bind(w)
                    .bind(item.id.as_uuid())
                    .bind(item.ticket.as_uuid())
                    .bind(item.message.as_uuid())
                    .bind(Json(&item.channel))
                    .bind(item.not_before)
                    .bind(i64::from(item.attempts))
                    .bind(outbox_status_name(item.status))
                    .bind(item.last_error.as_deref())
                    .bind(item.lease_until)
                    .execute(&mut *tx)
                    .await?;
                return Ok(());
            }
            OutboxWrite::Delivered { id } => (
                id,
                sqlx::query(sql(&q.outbox_delivered))
                    .bind(w)
                    .bind(id.as_uuid())
                    .execute(&mut *tx)
                    .await?,
            ),
            OutboxWrite::Retry {
                id,
                not_before,
                error,
            } => (
                id,
                sqlx::query(sql(&q.outbox_retry))
                    .bind(w)
                    .bind(id.as_uuid())
                    .bind(not_before)
                    .bind(error)
                    .execute(&mut *tx)
                    .await?,
            ),
            OutboxWrite::Failed { id, error } => (
                id,
                sqlx::query(sql(&q.outbox_failed))
                    .bind(w)
                    .bind(id.as_uuid())
                    .bind(error)
                    .execute(&mut *tx)
                    .await?,
            ),
            OutboxWrite::Cancel { id } => (
                id,
                sqlx::query(sql(&q.outbox_cancel))
                    .bind(w)
                    .bind(id.as_uuid())
                    .execute(&mut *tx)
                    .await?,
            ),
        };
        if done.rows_affected() == 0 {
            let status: Option<String> = sqlx::query_scalar(sql(&q.outbox_status))
                .bind(w)
                .bind(id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            return Err(match status {
                None => Error::not_found("outbox row", id),
                Some(status) => {
                    Error::Conflict(format!("outbox row {id} is {status}, not pending"))
                }
            }
            .into());
        }
        Ok(())
    }

    async fn commit_inner(&self, ws: WorkspaceId, mut commit: Commit) -> PgResult<CommitOutcome> {
        validate(ws, &commit)?;
        if commit.is_empty() {
            return Ok(CommitOutcome::default());
        }
        if batch::eligible(&commit) {
            // One statement for the whole commit; when it cannot be made or
            // the server refuses it, nothing was written: go step by step.
            let raws: Vec<Option<helpdesk_core::Bytes>> =
                commit.messages.iter_mut().map(|m| m.raw.take()).collect();
            if let Some(outcome) =
                batch::write(&self.pool, &self.quoted, ws.as_uuid(), &commit, &raws).await?
            {
                self.paths.one_statement.fetch_add(1, Ordering::Relaxed);
                return Ok(outcome);
            }
            for (m, raw) in commit.messages.iter_mut().zip(raws) {
                m.raw = raw;
            }
        }
        self.paths.step_by_step.fetch_add(1, Ordering::Relaxed);
        let mut tx = self.pool.begin().await?;
        match self.apply(&mut tx, ws, commit).await {
            Ok(outcome) => {
                // Deferred constraints (ticket links) are checked here.
                tx.commit().await?;
                Ok(outcome)
            }
            Err(e) => {
                // Dropping the transaction would roll back as well; doing it
                // here returns the connection to the pool clean at once.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// Bumps the workspace's counter in a transaction of its own that
    /// does not wait for its WAL flush (`synchronous_commit = off`): the
    /// counter row is locked for a moment instead of for a disk flush, so
    /// concurrent creators of one workspace are not serialised on the
    /// disk. Safe: a number is only used by a later (synchronous) commit,
    /// whose flush covers the reservation's WAL record too; if the server
    /// crashes before that, nothing used the number.
    async fn reserve_number(&self, workspace: WorkspaceId) -> PgResult<TicketNumber> {
        // One statement (its own transaction), which turns the setting off
        // for itself with `set_config(.., is_local => true)`.
        let n: i64 = sqlx::query_scalar(sql(&self.q.reserve_number_async))
            .bind(workspace.as_uuid())
            .fetch_one(&self.pool)
            .await?;
        Ok(TicketNumber(to_u64(n, "ticket number")?))
    }

    async fn fetch_ids(&self, statement: &Arc<str>, w: Uuid, id: Uuid) -> PgResult<Vec<TicketId>> {
        let ids: Vec<Uuid> = sqlx::query_scalar(sql(statement))
            .bind(w)
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().map(TicketId::from_uuid).collect())
    }
}

impl PgStore {
    fn quoted(&self) -> String {
        self.quoted.to_string()
    }

    async fn query_page(&self, ws: WorkspaceId, query: &Query) -> PgResult<Page> {
        query.validate()?;
        let compiled = crate::query::page_sql(&self.quoted(), ws.as_uuid(), query)?;
        let rows = compiled.query().fetch_all(&self.pool).await?;
        let mut tickets = rows
            .iter()
            .map(ticket_from_row)
            .collect::<PgResult<Vec<_>>>()?;
        let more = tickets.len() > query.limit;
        tickets.truncate(query.limit);
        let next = if more {
            tickets.last().map(|t| Cursor::after(&query.sort, t))
        } else {
            None
        };
        Ok(Page { tickets, next })
    }

    async fn count(&self, ws: WorkspaceId, filter: &Filter, me: AgentId) -> PgResult<u64> {
        let compiled = crate::query::count_sql(&self.quoted(), ws.as_uuid(), filter, me.as_uuid())?;
        let n: i64 = compiled.query().fetch_one(&self.pool).await?.try_get(0)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The plan PostgreSQL chooses for one page of `query` (`EXPLAIN`, with
    /// the values bound): for tests and tuning, not a stable API.
    #[doc(hidden)]
    pub async fn explain_query(&self, workspace: WorkspaceId, query: &Query) -> Result<String> {
        query.validate()?;
        let mut compiled = crate::query::page_sql(&self.quoted(), workspace.as_uuid(), query)
            .map_err(Error::from)?;
        compiled.text = format!("EXPLAIN {}", compiled.text);
        self.explain(compiled).await
    }

    /// The plan of [`count_tickets`](Store::count_tickets) of `filter` for
    /// `me`: for tests and tuning, not a stable API.
    #[doc(hidden)]
    pub async fn explain_count(
        &self,
        workspace: WorkspaceId,
        filter: &Filter,
        me: AgentId,
    ) -> Result<String> {
        let mut compiled =
            crate::query::count_sql(&self.quoted(), workspace.as_uuid(), filter, me.as_uuid())
                .map_err(Error::from)?;
        compiled.text = format!("EXPLAIN {}", compiled.text);
        self.explain(compiled).await
    }

    /// The SQL text a page of `query` compiles to (values as `$n`): for
    /// tests, not a stable API.
    #[doc(hidden)]
    pub fn explain_sql(&self, workspace: WorkspaceId, query: &Query) -> Result<String> {
        Ok(
            crate::query::page_sql(&self.quoted(), workspace.as_uuid(), query)
                .map_err(Error::from)?
                .text,
        )
    }

    async fn explain(&self, compiled: crate::query::Compiled) -> Result<String> {
        let rows = compiled
            .query()
            .fetch_all(&self.pool)
            .await
            .map_err(PgError::from)?;
        let mut out = String::new();
        for row in rows {
            let line: String = row.try_get(0).map_err(PgError::from)?;
            out.push_str(&line);
            out.push('\n');
        }
        Ok(out)
    }
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl PgStore {
    /// The JSON documents `query` selects for a workspace and one id, in
    /// its order.
    async fn docs<T: serde::de::DeserializeOwned + Send + Unpin + 'static>(
        &self,
        query: &Arc<str>,
        workspace: WorkspaceId,
        id: Uuid,
    ) -> Result<Vec<T>> {
        let docs: Vec<Json<T>> = sqlx::query_scalar(sql(query))
            .bind(workspace.as_uuid())
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(docs.into_iter().map(|d| d.0).collect())
    }
}

#[async_trait]
impl Store for PgStore {
    async fn commit(&self, workspace: WorkspaceId, commit: Commit) -> Result<CommitOutcome> {
        Ok(self.commit_inner(workspace, commit).await?)
    }

    async fn reserve_ticket_number(&self, workspace: WorkspaceId) -> Result<TicketNumber> {
        Ok(self.reserve_number(workspace).await?)
    }

    async fn ticket(&self, workspace: WorkspaceId, id: TicketId) -> Result<Option<Ticket>> {
        let row = sqlx::query(sql(&self.q.ticket))
            .bind(workspace.as_uuid())
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(row.as_ref().map(ticket_from_row).transpose()?)
    }

    async fn ticket_by_number(
        &self,
        workspace: WorkspaceId,
        number: TicketNumber,
    ) -> Result<Option<Ticket>> {
        let Ok(number) = i64::try_from(number.0) else {
            return Ok(None);
        };
        let row = sqlx::query(sql(&self.q.ticket_by_number))
            .bind(workspace.as_uuid())
            .bind(number)
            .fetch_optional(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(row.as_ref().map(ticket_from_row).transpose()?)
    }

    async fn messages(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Message>> {
        let rows = sqlx::query(sql(&self.q.messages))
            .bind(workspace.as_uuid())
            .bind(ticket.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(rows.iter().map(message_from_row).collect::<PgResult<_>>()?)
    }

    async fn thread_ids(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
    ) -> Result<Vec<(Direction, String)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(sql(&self.q.thread_ids))
            .bind(workspace.as_uuid())
            .bind(ticket.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(rows
            .into_iter()
            .map(|(d, id)| {
                let direction = if d == direction_name(Direction::Inbound) {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                };
                (direction, id)
            })
            .collect())
    }

    async fn message(&self, workspace: WorkspaceId, id: MessageId) -> Result<Option<Message>> {
        let row = sqlx::query(sql(&self.q.message))
            .bind(workspace.as_uuid())
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(row.as_ref().map(message_from_row).transpose()?)
    }

    async fn events(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Event>> {
        self.docs(&self.q.events, workspace, ticket.as_uuid()).await
    }

    async fn children(&self, workspace: WorkspaceId, parent: TicketId) -> Result<Vec<TicketId>> {
        Ok(self
            .fetch_ids(&self.q.children, workspace.as_uuid(), parent.as_uuid())
            .await?)
    }

    async fn merged_sources(
        &self,
        workspace: WorkspaceId,
        target: TicketId,
    ) -> Result<Vec<TicketId>> {
        Ok(self
            .fetch_ids(
                &self.q.merged_sources,
                workspace.as_uuid(),
                target.as_uuid(),
            )
            .await?)
    }

    async fn contact(&self, workspace: WorkspaceId, id: ContactId) -> Result<Option<Contact>> {
        let doc: Option<Json<Contact>> = sqlx::query_scalar(sql(&self.q.contact))
            .bind(workspace.as_uuid())
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(doc.map(|d| d.0))
    }

    async fn contact_by_email(
        &self,
        workspace: WorkspaceId,
        email: &str,
    ) -> Result<Option<Contact>> {
        let doc: Option<Json<Contact>> = sqlx::query_scalar(sql(&self.q.contact_by_email))
            .bind(workspace.as_uuid())
            .bind(normalize_email(email))
            .fetch_optional(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(doc.map(|d| d.0))
    }

    async fn record(
        &self,
        workspace: WorkspaceId,
        id: RecordId,
    ) -> Result<Option<DirectoryRecord>> {
        let (kind, key) = match id {
            RecordId::Agent(x) => ("agent", x.as_uuid()),
            RecordId::Team(x) => ("team", x.as_uuid()),
            RecordId::Queue(x) => ("queue", x.as_uuid()),
            RecordId::Category(x) => ("category", x.as_uuid()),
            RecordId::Organization(x) => ("organization", x.as_uuid()),
            RecordId::SlaPolicy(x) => ("sla_policy", x.as_uuid()),
            RecordId::Settings(x) => ("settings", x.as_uuid()),
            // A kind this version cannot have stored.
            _ => return Ok(None),
        };
        let doc: Option<Json<Value>> = sqlx::query_scalar(sql(&self.q.record))
            .bind(workspace.as_uuid())
            .bind(kind)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(doc.map(|d| record_from_doc(kind, d.0)).transpose()?)
    }

    async fn agent_by_email(&self, workspace: WorkspaceId, email: &str) -> Result<Option<Agent>> {
        let email = normalize_email(email);
        let docs: Vec<Json<Value>> = sqlx::query_scalar(sql(&self.q.agents_with_email))
            .bind(workspace.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(PgError::from)?;
        for doc in docs {
            if let DirectoryRecord::Agent(a) = record_from_doc("agent", doc.0)?
                && a.active
                && a.email.as_deref().map(normalize_email).as_deref() == Some(email.as_str())
            {
                return Ok(Some(a));
            }
        }
        Ok(None)
    }

    async fn outbox(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<OutboxItem>> {
        let rows = sqlx::query(sql(&self.q.outbox))
            .bind(workspace.as_uuid())
            .bind(ticket.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(rows.iter().map(outbox_from_row).collect::<PgResult<_>>()?)
    }

    async fn tasks(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Task>> {
        self.docs(&self.q.tasks, workspace, ticket.as_uuid()).await
    }

    async fn open_tasks(&self, workspace: WorkspaceId, assignee: AgentId) -> Result<Vec<Task>> {
        self.docs(&self.q.open_tasks, workspace, assignee.as_uuid())
            .await
    }

    async fn jobs(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Job>> {
        let rows = sqlx::query(sql(&self.q.jobs))
            .bind(workspace.as_uuid())
            .bind(ticket.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(PgError::from)?;
        let mut jobs = rows
            .iter()
            .map(job_from_row)
            .collect::<PgResult<Vec<_>>>()?;
        jobs.sort_by_key(|j| (j.due_at, j.kind));
        Ok(jobs)
    }

    async fn message_by_email_id(
        &self,
        workspace: WorkspaceId,
        message_id: &str,
    ) -> Result<Option<Message>> {
        let row = sqlx::query(sql(&self.q.message_by_email_id))
            .bind(workspace.as_uuid())
            .bind(message_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(row.as_ref().map(message_from_row).transpose()?)
    }

    async fn ticket_by_email_id(
        &self,
        workspace: WorkspaceId,
        message_id: &str,
    ) -> Result<Option<TicketId>> {
        let ticket: Option<Uuid> = sqlx::query_scalar(sql(&self.q.ticket_by_email_id))
            .bind(workspace.as_uuid())
            .bind(message_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(ticket.map(TicketId::from_uuid))
    }

    async fn blobs_in_use(
        &self,
        workspace: WorkspaceId,
        keys: &[&str],
        except: &[TicketId],
    ) -> Result<Vec<String>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut unique: Vec<&str> = keys.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let probes: Vec<Json<serde_json::Value>> = unique
            .iter()
            .map(|key| Json(serde_json::json!([{ "blob": key }])))
            .collect();
        let except: Vec<Uuid> = except.iter().map(|t| t.as_uuid()).collect();
        Ok(sqlx::query_scalar(sql(&self.q.blobs_in_use))
            .bind(workspace.as_uuid())
            .bind(&probes)
            .bind(&except)
            .bind(&unique)
            .fetch_all(&self.pool)
            .await
            .map_err(PgError::from)?)
    }

    async fn ingested(
        &self,
        workspace: WorkspaceId,
        mailbox: &str,
        key: &str,
    ) -> Result<Option<IngestRecord>> {
        let row: Option<(Uuid, Uuid)> = sqlx::query_as(sql(&self.q.ingested))
            .bind(workspace.as_uuid())
            .bind(mailbox)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(row.map(|(ticket, message)| IngestRecord {
            mailbox: mailbox.to_string(),
            key: key.to_string(),
            ticket: TicketId::from_uuid(ticket),
            message: MessageId::from_uuid(message),
        }))
    }

    async fn automatic_sent_count(
        &self,
        workspace: WorkspaceId,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<u32> {
        let n: i64 = sqlx::query_scalar(sql(&self.q.automatic_count))
            .bind(workspace.as_uuid())
            .bind(normalize_email(address))
            .bind(since)
            .fetch_one(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn suppressed_until(
        &self,
        workspace: WorkspaceId,
        address: &str,
    ) -> Result<Option<DateTime<Utc>>> {
        Ok(sqlx::query_scalar(sql(&self.q.suppressed_until))
            .bind(workspace.as_uuid())
            .bind(normalize_email(address))
            .fetch_optional(&self.pool)
            .await
            .map_err(PgError::from)?)
    }

    async fn mailbox_checkpoint(
        &self,
        workspace: WorkspaceId,
        mailbox: &str,
    ) -> Result<Option<MailboxCheckpoint>> {
        let row: Option<(i64, i64)> = sqlx::query_as(sql(&self.q.checkpoint))
            .bind(workspace.as_uuid())
            .bind(mailbox)
            .fetch_optional(&self.pool)
            .await
            .map_err(PgError::from)?;
        let Some((uid_validity, last_uid)) = row else {
            return Ok(None);
        };
        let uid = |v: i64| {
            u32::try_from(v).map_err(|_| storage(format!("checkpoint value {v} out of range")))
        };
        Ok(Some(MailboxCheckpoint {
            mailbox: mailbox.to_string(),
            uid_validity: uid(uid_validity)?,
            last_uid: uid(last_uid)?,
        }))
    }

    async fn claim_due_jobs(
        &self,
        now: DateTime<Utc>,
        limit_to: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Job>> {
        if limit_to == 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(sql(&self.q.claim_jobs))
            .bind(now)
            .bind(limit(limit_to))
            .bind(lease_until)
            .fetch_all(&self.pool)
            .await
            .map_err(PgError::from)?;
        let mut jobs = rows
            .iter()
            .map(job_from_row)
            .collect::<PgResult<Vec<_>>>()?;
        jobs.sort_by_key(|j| (j.due_at, j.id));
        Ok(jobs)
    }

    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit_to: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>> {
        if limit_to == 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(sql(&self.q.claim_outbox))
            .bind(now)
            .bind(limit(limit_to))
            .bind(lease_until)
            .fetch_all(&self.pool)
            .await
            .map_err(PgError::from)?;
        let mut items = rows
            .iter()
            .map(outbox_from_row)
            .collect::<PgResult<Vec<_>>>()?;
        items.sort_by_key(|o| (o.not_before, o.id));
        Ok(items)
    }

    async fn query_tickets(&self, workspace: WorkspaceId, query: &Query) -> Result<Page> {
        Ok(self.query_page(workspace, query).await?)
    }

    async fn count_tickets(
        &self,
        workspace: WorkspaceId,
        filter: &Filter,
        me: AgentId,
    ) -> Result<u64> {
        Ok(self.count(workspace, filter, me).await?)
    }

    async fn neighbours(
        &self,
        workspace: WorkspaceId,
        filter: &Filter,
        sort: &Sort,
        me: AgentId,
        ticket: TicketId,
    ) -> Result<Neighbours> {
        crate::query::check_depth(filter)?;
        sort.validate()?;
        neighbours_by_paging(self, workspace, filter, sort, me, ticket).await
    }

    async fn save_view(&self, workspace: WorkspaceId, view: &View) -> Result<()> {
        view.validate()?;
        let owner = match view.owner {
            ViewOwner::Workspace => None,
            ViewOwner::Agent(a) => Some(a.as_uuid()),
        };
        sqlx::query(sql(&self.q.view_upsert))
            .bind(workspace.as_uuid())
            .bind(view.id.as_uuid())
            .bind(owner)
            .bind(&view.name)
            .bind(Json(view))
            .execute(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(())
    }

    async fn view(&self, workspace: WorkspaceId, id: ViewId) -> Result<Option<View>> {
        let doc: Option<Json<View>> = sqlx::query_scalar(sql(&self.q.view))
            .bind(workspace.as_uuid())
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(doc.map(|d| d.0))
    }

    async fn views(&self, workspace: WorkspaceId, owner: ViewOwner) -> Result<Vec<View>> {
        let owner = match owner {
            ViewOwner::Workspace => None,
            ViewOwner::Agent(a) => Some(a.as_uuid()),
        };
        let docs: Vec<Json<View>> = sqlx::query_scalar(sql(&self.q.views_of))
            .bind(workspace.as_uuid())
            .bind(owner)
            .fetch_all(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(docs.into_iter().map(|d| d.0).collect())
    }

    async fn delete_view(&self, workspace: WorkspaceId, id: ViewId) -> Result<()> {
        let done = sqlx::query(sql(&self.q.view_delete))
            .bind(workspace.as_uuid())
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(PgError::from)?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found("view", id));
        }
        Ok(())
    }

    async fn set_favourite(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        ticket: TicketId,
        favourite: bool,
    ) -> Result<()> {
        let (w, a, t) = (workspace.as_uuid(), agent.as_uuid(), ticket.as_uuid());
        let exists: bool = sqlx::query_scalar(sql(&self.q.ticket_exists))
            .bind(w)
            .bind(t)
            .fetch_one(&self.pool)
            .await
            .map_err(PgError::from)?;
        if !exists {
            return Err(Error::not_found("ticket", ticket));
        }
        let statement = if favourite {
            &self.q.favourite_set
        } else {
            &self.q.favourite_unset
        };
        sqlx::query(sql(statement))
            .bind(w)
            .bind(a)
            .bind(t)
            .execute(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(())
    }

    async fn favourites(&self, workspace: WorkspaceId, agent: AgentId) -> Result<Vec<TicketId>> {
        let ids: Vec<Uuid> = sqlx::query_scalar(sql(&self.q.favourites_of))
            .bind(workspace.as_uuid())
            .bind(agent.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(PgError::from)?;
        Ok(ids.into_iter().map(TicketId::from_uuid).collect())
    }
}

/// The contact a write writes.
fn contact_of(write: &ContactWrite) -> &Contact {
    match write {
        ContactWrite::Create(c) | ContactWrite::Update(c) => c,
    }
}
