//! The SQL the store runs, rendered once per store for its schema, and the
//! mapping between rows and helpdesk-core types.

use crate::error::{PgError, PgResult};
use helpdesk_core::Error;
use helpdesk_core::model::{Channel, Direction, JobId, OutboxId, TicketId, WorkspaceId};
use helpdesk_core::ports::{Job, JobKind, OutboxItem, OutboxStatus};
use serde::Serialize;
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Row};
use std::sync::Arc;

macro_rules! queries {
    ($($(#[$doc:meta])* $name:ident = $sql:literal;)*) => {
        /// Every statement of the store, with `{schema}` replaced.
        pub(crate) struct Queries {
            $($(#[$doc])* pub(crate) $name: Arc<str>,)*
        }

        impl Queries {
            pub(crate) fn new(quoted_schema: &str) -> Self {
                Self {
                    $($name: $sql.replace("{schema}", quoted_schema).into(),)*
                }
            }
        }
    };
}

/// A rendered statement, as sqlx takes it. The only dynamic part of the
/// text is the schema name, which is checked to be a plain identifier and
/// quoted; every value is a bind parameter.
pub(crate) fn sql(q: &Arc<str>) -> AssertSqlSafe<Arc<str>> {
    AssertSqlSafe(q.clone())
}

queries! {
    reserve_number = "INSERT INTO {schema}.ticket_counters AS c (workspace, last_number) VALUES ($1, 1)
        ON CONFLICT (workspace) DO UPDATE SET last_number = c.last_number + 1
        RETURNING last_number";
    reserve_number_async = "INSERT INTO {schema}.ticket_counters AS c (workspace, last_number)
        SELECT $1, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS local
        ON CONFLICT (workspace) DO UPDATE SET last_number = c.last_number + 1
        RETURNING last_number";
    last_number = "SELECT last_number FROM {schema}.ticket_counters WHERE workspace = $1";

    ticket = "SELECT number, version, doc FROM {schema}.tickets WHERE workspace = $1 AND id = $2";
    ticket_by_number =
        "SELECT number, version, doc FROM {schema}.tickets WHERE workspace = $1 AND number = $2";
    ticket_probe = "SELECT version, number FROM {schema}.tickets WHERE workspace = $1 AND id = $2";
    ticket_insert = "INSERT INTO {schema}.tickets (workspace, id, number, version, state,
            reopen_at, closed_at, requester, assignee, team, queue, category, priority, parent,
            merged_into, created_at, updated_at, doc, subject_words, status, prio, channel_kind,
            kind, tags, followers, due_at, last_inbound, last_activity, unread_by_owner)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
            array_to_tsvector($19::text[]), $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)";
    ticket_update = "UPDATE {schema}.tickets SET version = $4, state = $5, reopen_at = $6,
            closed_at = $7, requester = $8, assignee = $9, team = $10, queue = $11,
            category = $12, priority = $13, parent = $14, merged_into = $15, created_at = $16,
            updated_at = $17, doc = $18, subject_words = array_to_tsvector($19::text[]),
            status = $20, prio = $21, channel_kind = $22, kind = $23, tags = $24, followers = $25,
            due_at = $26, last_inbound = $27, last_activity = $28, unread_by_owner = $29
        WHERE workspace = $1 AND id = $2 AND number = $3 AND version = $30";
    children = "SELECT id FROM {schema}.tickets WHERE workspace = $1 AND parent = $2
        ORDER BY number";
    merged_sources = "SELECT id FROM {schema}.tickets WHERE workspace = $1 AND merged_into = $2
        ORDER BY number";

    messages = "SELECT raw, doc FROM {schema}.messages WHERE workspace = $1 AND ticket = $2
        ORDER BY created_at, id";
    message = "SELECT raw, doc FROM {schema}.messages WHERE workspace = $1 AND id = $2";
    thread_ids = "SELECT direction, email_message_id FROM {schema}.messages
        WHERE workspace = $1 AND ticket = $2 AND email_message_id IS NOT NULL
        ORDER BY created_at, id";
    message_lock =
        "SELECT doc FROM {schema}.messages WHERE workspace = $1 AND id = $2 FOR UPDATE";
    message_insert = "INSERT INTO {schema}.messages (workspace, id, ticket, direction,
            author_system, email_message_id, created_at, raw, doc, words)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, array_to_tsvector($10::text[]))";
    message_ticket =
        "SELECT ticket FROM {schema}.messages WHERE workspace = $1 AND id = $2 FOR UPDATE";
    message_redact = "UPDATE {schema}.messages SET direction = $3, author_system = $4,
            email_message_id = $5, created_at = $6, raw = $7, doc = $8,
            words = array_to_tsvector($9::text[])
        WHERE workspace = $1 AND id = $2";
    email_ids_of_message =
        "DELETE FROM {schema}.message_email_ids WHERE workspace = $1 AND message = $2";
    automatic_of_message =
        "DELETE FROM {schema}.automatic_sent WHERE workspace = $1 AND message = $2";
    event_redact = "UPDATE {schema}.events SET at = $4, kind = $5, doc = $6
        WHERE workspace = $1 AND id = $2 AND ticket = $3";

    delete_lock = "SELECT id FROM {schema}.tickets WHERE workspace = $1 AND id = ANY($2::uuid[])
        ORDER BY id FOR UPDATE";
    delete_pointing = "SELECT number, id FROM {schema}.tickets
        WHERE workspace = $1 AND NOT (id = ANY($2::uuid[]))
          AND (parent = ANY($2::uuid[]) OR merged_into = ANY($2::uuid[]))
        ORDER BY number LIMIT 1";
    delete_email_ids = "DELETE FROM {schema}.message_email_ids e USING {schema}.messages m
        WHERE e.workspace = $1 AND m.workspace = $1 AND e.message = m.id
          AND m.ticket = ANY($2::uuid[])";
    delete_automatic = "DELETE FROM {schema}.automatic_sent a USING {schema}.messages m
        WHERE a.workspace = $1 AND m.workspace = $1 AND a.message = m.id
          AND m.ticket = ANY($2::uuid[])";
    delete_messages =
        "DELETE FROM {schema}.messages WHERE workspace = $1 AND ticket = ANY($2::uuid[])";
    delete_events = "DELETE FROM {schema}.events WHERE workspace = $1 AND ticket = ANY($2::uuid[])";
    delete_outbox = "DELETE FROM {schema}.outbox WHERE workspace = $1 AND ticket = ANY($2::uuid[])";
    delete_jobs = "DELETE FROM {schema}.jobs WHERE workspace = $1 AND ticket = ANY($2::uuid[])";
    delete_ingest_keys =
        "DELETE FROM {schema}.ingest_keys WHERE workspace = $1 AND ticket = ANY($2::uuid[])";
    delete_favourites =
        "DELETE FROM {schema}.favourites WHERE workspace = $1 AND ticket = ANY($2::uuid[])";
    delete_tasks = "DELETE FROM {schema}.tasks WHERE workspace = $1 AND ticket = ANY($2::uuid[])";
    delete_tickets = "DELETE FROM {schema}.tickets WHERE workspace = $1 AND id = ANY($2::uuid[])";

    /// Insert or replace a task; a stored task keeps its ticket (no row
    /// changes when the ticket differs).
    task_upsert = "INSERT INTO {schema}.tasks AS t
            (workspace, id, ticket, assignee, due, done, created_at, doc)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (workspace, id) DO UPDATE
        SET assignee = EXCLUDED.assignee, due = EXCLUDED.due, done = EXCLUDED.done,
            created_at = EXCLUDED.created_at, doc = EXCLUDED.doc
        WHERE t.ticket = EXCLUDED.ticket";
    task_delete = "DELETE FROM {schema}.tasks WHERE workspace = $1 AND ticket = $2 AND id = $3";
    tasks = "SELECT doc FROM {schema}.tasks WHERE workspace = $1 AND ticket = $2
        ORDER BY created_at, id";
    open_tasks = "SELECT doc FROM {schema}.tasks
        WHERE workspace = $1 AND assignee = $2 AND NOT done
        ORDER BY (due IS NULL), due, created_at, id";

    view_upsert = "INSERT INTO {schema}.views (workspace, id, owner_agent, name, doc)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (workspace, id) DO UPDATE
        SET owner_agent = EXCLUDED.owner_agent, name = EXCLUDED.name, doc = EXCLUDED.doc";
    view = "SELECT doc FROM {schema}.views WHERE workspace = $1 AND id = $2";
    views_of = "SELECT doc FROM {schema}.views
        WHERE workspace = $1 AND owner_agent IS NOT DISTINCT FROM $2
        ORDER BY name COLLATE \"C\", id";
    view_delete = "DELETE FROM {schema}.views WHERE workspace = $1 AND id = $2";
    favourite_set = "INSERT INTO {schema}.favourites (workspace, agent, ticket)
        SELECT $1, $2, id FROM {schema}.tickets WHERE workspace = $1 AND id = $3
        ON CONFLICT DO NOTHING";
    favourite_unset =
        "DELETE FROM {schema}.favourites WHERE workspace = $1 AND agent = $2 AND ticket = $3";
    ticket_exists = "SELECT EXISTS (SELECT 1 FROM {schema}.tickets WHERE workspace = $1 AND id = $2)";
    favourites_of = "SELECT f.ticket FROM {schema}.favourites f
        JOIN {schema}.tickets t ON t.workspace = f.workspace AND t.id = f.ticket
        WHERE f.workspace = $1 AND f.agent = $2 ORDER BY t.number";
    message_update = "UPDATE {schema}.messages SET doc = $3, email_message_id = $4
        WHERE workspace = $1 AND id = $2";
    email_id_insert = "INSERT INTO {schema}.message_email_ids (workspace, email_message_id, message)
        VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    // Lookups through an index table are written as a scalar subquery, not a
    // join: the plan is then two primary-key lookups whatever the planner
    // knows of the tables (a generic plan of the join may scan every row of
    // the workspace).
    message_by_email_id = "SELECT raw, doc FROM {schema}.messages
        WHERE workspace = $1 AND id = (SELECT message FROM {schema}.message_email_ids
            WHERE workspace = $1 AND email_message_id = $2)";
    ticket_by_email_id = "SELECT ticket FROM {schema}.messages
        WHERE workspace = $1 AND id = (SELECT message FROM {schema}.message_email_ids
            WHERE workspace = $1 AND email_message_id = $2)";
    automatic_insert = "INSERT INTO {schema}.automatic_sent (workspace, address, at, message)
        SELECT $1, address, $3, $4 FROM unnest($2::text[]) AS a(address)";
    automatic_count = "SELECT count(*) FROM {schema}.automatic_sent
        WHERE workspace = $1 AND address = $2 AND at >= $3";

    events = "SELECT doc FROM {schema}.events WHERE workspace = $1 AND ticket = $2
        ORDER BY at, id";
    events_insert = "INSERT INTO {schema}.events (workspace, id, ticket, at, kind, doc)
        SELECT $1, e.id, e.ticket, e.at, e.kind, e.doc
        FROM unnest($2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[], $6::jsonb[])
            WITH ORDINALITY AS e(id, ticket, at, kind, doc, n)
        ORDER BY e.n";

    contact = "SELECT doc FROM {schema}.contacts WHERE workspace = $1 AND id = $2";
    contact_by_email = "SELECT doc FROM {schema}.contacts
        WHERE workspace = $1 AND id = (SELECT contact FROM {schema}.contact_emails
            WHERE workspace = $1 AND email = $2)";
    contact_insert = "INSERT INTO {schema}.contacts (workspace, id, external_id, organization, doc)
        VALUES ($1, $2, $3, $4, $5)";
    contact_update = "UPDATE {schema}.contacts SET external_id = $3, organization = $4, doc = $5
        WHERE workspace = $1 AND id = $2 AND COALESCE((doc ->> 'version')::bigint, 0) = $6";
    contact_emails_clear =
        "DELETE FROM {schema}.contact_emails WHERE workspace = $1 AND contact = $2";
    contact_emails_insert = "INSERT INTO {schema}.contact_emails (workspace, email, contact)
        SELECT $1, email, $3 FROM unnest($2::text[]) AS e(email)";

    record = "SELECT doc FROM {schema}.directory WHERE workspace = $1 AND kind = $2 AND id = $3";
    /// The agents with an email (`Store::agent_by_email` compares them in
    /// Rust, normalised as the core normalises: agents are few).
    agents_with_email = "SELECT doc FROM {schema}.directory
        WHERE workspace = $1 AND kind = 'agent' AND doc->>'email' IS NOT NULL ORDER BY id";
    record_upsert = "INSERT INTO {schema}.directory (workspace, kind, id, doc)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (workspace, kind, id) DO UPDATE SET doc = EXCLUDED.doc";

    outbox = "SELECT workspace, id, ticket, message, channel, not_before, attempts, status,
            last_error, lease_until
        FROM {schema}.outbox WHERE workspace = $1 AND ticket = $2 ORDER BY seq";
    outbox_insert = "INSERT INTO {schema}.outbox (workspace, id, ticket, message, channel,
            not_before, attempts, status, last_error, lease_until)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    outbox_delivered = "UPDATE {schema}.outbox
        SET status = 'sent', attempts = attempts + 1, lease_until = NULL
        WHERE workspace = $1 AND id = $2 AND status = 'pending'";
    outbox_retry = "UPDATE {schema}.outbox
        SET attempts = attempts + 1, not_before = $3, last_error = $4, lease_until = NULL
        WHERE workspace = $1 AND id = $2 AND status = 'pending'";
    outbox_failed = "UPDATE {schema}.outbox
        SET status = 'failed', attempts = attempts + 1, last_error = $3, lease_until = NULL
        WHERE workspace = $1 AND id = $2 AND status = 'pending'";
    outbox_cancel = "UPDATE {schema}.outbox SET status = 'cancelled', lease_until = NULL
        WHERE workspace = $1 AND id = $2 AND status = 'pending'";
    outbox_status = "SELECT status FROM {schema}.outbox WHERE workspace = $1 AND id = $2";
    claim_outbox = "UPDATE {schema}.outbox AS o SET lease_until = $3
        FROM (SELECT workspace, id FROM {schema}.outbox
              WHERE status = 'pending' AND not_before <= $1
                AND (lease_until IS NULL OR lease_until <= $1)
              ORDER BY not_before, id
              LIMIT $2
              FOR UPDATE SKIP LOCKED) AS due
        WHERE o.workspace = due.workspace AND o.id = due.id
        RETURNING o.workspace, o.id, o.ticket, o.message, o.channel, o.not_before, o.attempts,
            o.status, o.last_error, o.lease_until";

    jobs = "SELECT workspace, id, ticket, kind_doc, due_at, lease_until
        FROM {schema}.jobs WHERE workspace = $1 AND ticket = $2";
    job_schedule = "INSERT INTO {schema}.jobs (workspace, id, ticket, kind, kind_doc, due_at,
            lease_until)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (workspace, ticket, kind) DO UPDATE
        SET id = EXCLUDED.id, kind_doc = EXCLUDED.kind_doc, due_at = EXCLUDED.due_at,
            lease_until = EXCLUDED.lease_until";
    job_cancel = "DELETE FROM {schema}.jobs WHERE workspace = $1 AND ticket = $2 AND kind = $3";
    job_complete = "DELETE FROM {schema}.jobs WHERE workspace = $1 AND id = $2";
    claim_jobs = "UPDATE {schema}.jobs AS j SET lease_until = $3
        FROM (SELECT workspace, id FROM {schema}.jobs
              WHERE due_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
              ORDER BY due_at, id
              LIMIT $2
              FOR UPDATE SKIP LOCKED) AS due
        WHERE j.workspace = due.workspace AND j.id = due.id
        RETURNING j.workspace, j.id, j.ticket, j.kind_doc, j.due_at, j.lease_until";

    /// The keys among `$4` an attachment of a message outside the tickets
    /// `$3` holds (`Store::blobs_in_use`); `$2` is `[{"blob": key}]` for
    /// each key, which the attachments index looks up.
    blobs_in_use = "SELECT DISTINCT a ->> 'blob' FROM {schema}.messages m,
            jsonb_array_elements(m.doc -> 'attachments') a
        WHERE m.workspace = $1 AND m.doc -> 'attachments' @> ANY($2::jsonb[])
          AND NOT (m.ticket = ANY($3::uuid[])) AND a ->> 'blob' = ANY($4::text[])";
    ingested = "SELECT ticket, message FROM {schema}.ingest_keys
        WHERE workspace = $1 AND mailbox = $2 AND key = $3";
    ingest_insert = "INSERT INTO {schema}.ingest_keys (workspace, mailbox, key, ticket, message)
        VALUES ($1, $2, $3, $4, $5)";

    checkpoint = "SELECT uid_validity, last_uid FROM {schema}.mailbox_checkpoints
        WHERE workspace = $1 AND mailbox = $2";
    checkpoint_upsert = "INSERT INTO {schema}.mailbox_checkpoints AS c
            (workspace, mailbox, uid_validity, last_uid)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (workspace, mailbox) DO UPDATE
        SET uid_validity = EXCLUDED.uid_validity, last_uid = EXCLUDED.last_uid
        WHERE c.uid_validity <> EXCLUDED.uid_validity OR c.last_uid < EXCLUDED.last_uid";

    /// Stores a blob's bytes (`Blobs::put`).
    blob_put = "INSERT INTO {schema}.blobs (workspace, key, bytes) VALUES ($1, $2, $3)";
    /// A blob's bytes (`Blobs::get`).
    blob_get = "SELECT bytes FROM {schema}.blobs WHERE workspace = $1 AND key = $2";
    /// Deletes a blob (`Blobs::delete`).
    blob_delete = "DELETE FROM {schema}.blobs WHERE workspace = $1 AND key = $2";
    suppressed_until =
        "SELECT until FROM {schema}.suppressions WHERE workspace = $1 AND address = $2";
    suppression_upsert = "INSERT INTO {schema}.suppressions (workspace, address, until)
        VALUES ($1, $2, $3)
        ON CONFLICT (workspace, address) DO UPDATE SET until = EXCLUDED.until";
}

/// A `u64` (ticket number, version) as a Postgres `bigint`.
pub(crate) fn to_i64(value: u64, field: &str) -> PgResult<i64> {
    i64::try_from(value)
        .map_err(|_| PgError::Core(Error::validation(field, format!("{value} is too large"))))
}

/// A `bigint` read back as a `u64`.
pub(crate) fn to_u64(value: i64, field: &'static str) -> PgResult<u64> {
    u64::try_from(value).map_err(|_| storage(format!("negative {field} {value} in the database")))
}

/// A storage error with a message.
pub(crate) fn storage(message: String) -> PgError {
    PgError::Core(Error::Storage(message.into()))
}

/// The serde name of a unit enum value (`Priority::High` -> `high`).
pub(crate) fn serde_name<T: Serialize>(value: &T) -> PgResult<String> {
    match serde_json::to_value(value)? {
        Value::String(s) => Ok(s),
        other => Ok(other.to_string()),
    }
}

pub(crate) fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    }
}

pub(crate) fn outbox_status_name(s: OutboxStatus) -> &'static str {
    match s {
        OutboxStatus::Pending => "pending",
        OutboxStatus::Sent => "sent",
        OutboxStatus::Failed => "failed",
        OutboxStatus::Cancelled => "cancelled",
    }
}

fn outbox_status(name: &str) -> PgResult<OutboxStatus> {
    Ok(match name {
        "pending" => OutboxStatus::Pending,
        "sent" => OutboxStatus::Sent,
        "failed" => OutboxStatus::Failed,
        "cancelled" => OutboxStatus::Cancelled,
        other => return Err(storage(format!("unknown outbox status {other:?}"))),
    })
}

/// The stable text key of a job kind (`reopen`, `sla_warning:first_response`)
/// for the (workspace, ticket, kind) key, and its JSON.
pub(crate) fn job_kind_key(kind: &JobKind) -> PgResult<(String, Value)> {
    let doc = serde_json::to_value(kind)?;
    let name = doc.get("kind").and_then(Value::as_str);
    let key = match (name, doc.get("target").and_then(Value::as_str)) {
        (Some(name), Some(target)) => format!("{name}:{target}"),
        (Some(name), None) if doc.get("target").is_none() => name.to_string(),
        _ => doc.to_string(),
    };
    Ok((key, doc))
}

pub(crate) fn job_from_row(row: &PgRow) -> PgResult<Job> {
    Ok(Job {
        id: JobId::from_uuid(row.try_get("id")?),
        workspace: WorkspaceId::from_uuid(row.try_get("workspace")?),
        ticket: TicketId::from_uuid(row.try_get("ticket")?),
        kind: row.try_get::<Json<JobKind>, _>("kind_doc")?.0,
        due_at: row.try_get("due_at")?,
        lease_until: row.try_get("lease_until")?,
    })
}

pub(crate) fn outbox_from_row(row: &PgRow) -> PgResult<OutboxItem> {
    Ok(OutboxItem {
        id: OutboxId::from_uuid(row.try_get("id")?),
        workspace: WorkspaceId::from_uuid(row.try_get("workspace")?),
        ticket: TicketId::from_uuid(row.try_get("ticket")?),
        message: helpdesk_core::model::MessageId::from_uuid(row.try_get("message")?),
        channel: row.try_get::<Json<Channel>, _>("channel")?.0,
        not_before: row.try_get("not_before")?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
        status: outbox_status(row.try_get("status")?)?,
        last_error: row.try_get("last_error")?,
        lease_until: row.try_get("lease_until")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use helpdesk_core::model::SlaTarget;

    #[test]
    fn job_kind_keys_are_stable_text() {
        assert_eq!(job_kind_key(&JobKind::Reopen).unwrap().0, "reopen");
        assert_eq!(
            job_kind_key(&JobKind::SlaBreach(SlaTarget::FirstResponse))
                .unwrap()
                .0,
            "sla_breach:first_response"
        );
        assert_eq!(
            job_kind_key(&JobKind::SlaWarning(SlaTarget::Resolution))
                .unwrap()
                .0,
            "sla_warning:resolution"
        );
        let task = helpdesk_core::model::TaskId::new();
        assert_eq!(
            job_kind_key(&JobKind::TaskDue(task)).unwrap().0,
            format!("task_due:{}", task.as_uuid())
        );
    }

    #[test]
    fn queries_are_schema_qualified() {
        let q = Queries::new("\"hd\"");
        assert!(q.ticket.contains("FROM \"hd\".tickets"));
        assert!(!q.claim_jobs.contains("{schema}"));
    }
}
