//! A commit of the common shapes (an ingested mail, an agent's reply or
//! update) written as one statement: one round trip, in the implicit
//! transaction of that statement, instead of a `BEGIN`, a statement per row
//! and a `COMMIT`.
//!
//! The statement is a chain of data-modifying CTEs, one per table (rows as
//! arrays, `unnest`ed in commit order), one per ticket and one per job
//! cancellation. Its last `SELECT`
//! runs them in the order the step-by-step path writes (contacts, ticket
//! updates in id order, ticket creations, then the rest) and aborts the
//! statement by a division by zero when a check fails (a compare-and-set
//! that matched no row, a ticket number that was never reserved). A
//! statement that fails for any reason the server reports has changed
//! nothing: the store then applies the commit step by step in a
//! transaction (`PgStore::apply`), which reports the precise error (or
//! succeeds, when a concurrent change made room meanwhile). So this path
//! never decides an outcome of its own.
//!
//! The text depends only on the commit's shape (which parts, how many
//! tickets and job cancellations), never on values: each shape is prepared
//! once per connection.

use crate::error::PgResult;
use crate::query::TicketColumns;
use crate::schema::{
    direction_name, job_kind_key, outbox_status_name, serde_name, storage, to_i64,
};
use helpdesk_core::model::{Actor, Direction, Message, Ticket, normalize_email};
use helpdesk_core::ports::{
    Commit, CommitOutcome, ContactWrite, JobWrite, OutboxWrite, TicketWrite,
};
use sqlx::encode::Encode;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArguments, Postgres};
use sqlx::types::{Json, Type};
use sqlx::{Arguments, AssertSqlSafe, PgPool};
use std::collections::HashSet;
use std::fmt::Write;
use uuid::Uuid;

/// At most this many tickets (each is a part of the statement of its own).
const MAX_TICKETS: usize = 4;
/// At most this many job cancellations (each is a part of its own).
const MAX_JOB_CANCELS: usize = 8;

/// Whether `commit` has only parts this path writes: new contacts; ticket
/// creations with a reserved number and compare-and-set updates (a few);
/// new messages, events, outbox rows and ingest keys; jobs scheduled or
/// cancelled, each (ticket, kind) at most once.
pub(crate) fn eligible(commit: &Commit) -> bool {
    commit.message_updates.is_empty()
        && commit.event_redactions.is_empty()
        && commit.directory.is_empty()
        && commit.suppressions.is_empty()
        && commit.checkpoints.is_empty()
        && commit.deletions.is_empty()
        && commit.tasks.is_empty()
        && commit.deleted_tasks.is_empty()
        && commit.tickets.len() <= MAX_TICKETS
        && commit
            .tickets
            .iter()
            .all(|w| !matches!(w, TicketWrite::Create(t) if t.number.0 == 0))
        && commit
            .contacts
            .iter()
            .all(|w| matches!(w, ContactWrite::Create(_)))
        && commit
            .outbox
            .iter()
            .all(|w| matches!(w, OutboxWrite::Enqueue(_)))
        && jobs_eligible(&commit.jobs)
}

fn jobs_eligible(jobs: &[JobWrite]) -> bool {
    if jobs.is_empty() {
        return true;
    }
    let mut keys = HashSet::new();
    let mut cancels = 0;
    for w in jobs {
        let (ticket, kind) = match w {
            JobWrite::Schedule(job) => (job.ticket, &job.kind),
            JobWrite::Cancel { ticket, kind } => {
                cancels += 1;
                (*ticket, kind)
            }
            JobWrite::Complete(_) => return false,
        };
        let Ok((key, _)) = job_kind_key(kind) else {
            return false;
        };
        if !keys.insert((ticket, key)) {
            return false;
        }
    }
    cancels <= MAX_JOB_CANCELS
}

/// The statement being built: its CTEs, the values bound to its
/// placeholders (`$1` is the workspace), the checks of its last `SELECT`.
struct Statement<'s> {
    schema: &'s str,
    ctes: Vec<String>,
    checks: Vec<String>,
    args: PgArguments,
    count: usize,
    failed: Option<BoxDynError>,
}

impl<'s> Statement<'s> {
    fn new(schema: &'s str, workspace: Uuid) -> Self {
        let mut s = Self {
            schema,
            ctes: Vec::new(),
            checks: Vec::new(),
            args: PgArguments::default(),
            count: 0,
            failed: None,
        };
        s.bind(workspace);
        s
    }

    /// Binds `value` to the next placeholder, which it returns (`$n`).
    fn bind<'q, T: Encode<'q, Postgres> + Type<Postgres>>(&mut self, value: T) -> String {
        if let Err(e) = self.args.add(value) {
            self.failed.get_or_insert(e);
        }
        self.count += 1;
        format!("${}", self.count)
    }

    /// Adds a part (`INSERT`/`UPDATE`/`DELETE ... RETURNING 1`, `{s}` for the
    /// schema); returns its name.
    fn part(&mut self, body: &str) -> String {
        let name = format!("p{}", self.ctes.len());
        self.ctes
            .push(format!("{name} AS ({})", body.replace("{s}", self.schema)));
        name
    }

    fn text(&self) -> String {
        let mut text = String::from("WITH ");
        text.push_str(&self.ctes.join(",\n"));
        text.push_str("\nSELECT ");
        let counts: Vec<String> = (0..self.ctes.len())
            .map(|i| format!("(SELECT count(*) FROM p{i})"))
            .collect();
        text.push_str(&counts.join(", "));
        if !self.checks.is_empty() {
            // Not constant, so evaluated when the row is made, after every
            // part ran: a failed check aborts the statement.
            let _ = write!(
                text,
                ", 1 / (CASE WHEN {} THEN 1 ELSE 0 END)",
                self.checks.join(" AND ")
            );
        }
        text
    }
}

/// The columns of a ticket row after `workspace` and `id`, in the order of
/// [`ticket_values`].
const TICKET_COLUMNS: [&str; 27] = [
    "number",
    "version",
    "state",
    "reopen_at",
    "closed_at",
    "requester",
    "assignee",
    "team",
    "queue",
    "category",
    "priority",
    "parent",
    "merged_into",
    "created_at",
    "updated_at",
    "doc",
    "subject_words",
    "status",
    "prio",
    "channel_kind",
    "kind",
    "tags",
    "followers",
    "due_at",
    "last_inbound",
    "last_activity",
    "unread_by_owner",
];

/// Binds the values of [`TICKET_COLUMNS`] of `t` (as stored: number and
/// version set); returns the SQL expression of each.
fn ticket_values(s: &mut Statement<'_>, t: &Ticket) -> PgResult<Vec<String>> {
    let c = TicketColumns::of(t)?;
    let mut v = vec![
        s.bind(to_i64(t.number.0, "number")?),
        s.bind(to_i64(t.version, "version")?),
        s.bind(t.state.as_str()),
        s.bind(t.reopen_at),
        s.bind(t.times.closed),
        s.bind(t.requester.as_uuid()),
        s.bind(t.assignee.map(|a| a.as_uuid())),
        s.bind(t.team.map(|x| x.as_uuid())),
        s.bind(t.queue.map(|x| x.as_uuid())),
        s.bind(t.category.map(|x| x.as_uuid())),
        s.bind(serde_name(&t.priority)?),
        s.bind(t.parent.map(|x| x.as_uuid())),
        s.bind(t.merged_into.map(|x| x.as_uuid())),
        s.bind(t.times.created),
        s.bind(t.times.updated),
        s.bind(Json(t)),
    ];
    let words = s.bind(c.subject_words);
    v.push(format!("array_to_tsvector({words}::text[])"));
    v.extend([
        s.bind(c.status),
        s.bind(c.prio),
        s.bind(c.channel_kind),
        s.bind(c.kind),
        s.bind(c.tags),
        s.bind(c.followers),
        s.bind(c.due_at),
        s.bind(c.last_inbound),
        s.bind(c.last_activity),
        s.bind(c.unread_by_owner),
    ]);
    Ok(v)
}

/// Writes an [`eligible`] commit as one statement. `raws` are the raw
/// bytes of `commit.messages` (taken out of them). `Ok(None)`: nothing was
/// written, because the statement could not be made or the server refused
/// it; apply the commit step by step, which says why.
pub(crate) async fn write(
    pool: &PgPool,
    schema: &str,
    w: Uuid,
    commit: &Commit,
    raws: &[Option<helpdesk_core::Bytes>],
) -> PgResult<Option<CommitOutcome>> {
    let Ok((text, args, tickets)) = build(schema, w, commit, raws) else {
        return Ok(None);
    };
    match sqlx::query_with(AssertSqlSafe(text), args)
        .execute(pool)
        .await
    {
        Ok(_) => Ok(Some(CommitOutcome { tickets })),
        // The server refused it: the statement changed nothing.
        Err(sqlx::Error::Database(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The statement of `commit`, its values, and the tickets as they will be
/// stored (in commit order).
fn build(
    schema: &str,
    w: Uuid,
    commit: &Commit,
    raws: &[Option<helpdesk_core::Bytes>],
) -> PgResult<(String, PgArguments, Vec<Ticket>)> {
    let mut s = Statement::new(schema, w);

    // Contacts first (as the step-by-step path: a commit that waits on
    // another's new email address holds no ticket lock yet).
    if !commit.contacts.is_empty() {
        let contacts: Vec<_> = commit
            .contacts
            .iter()
            .map(|w| match w {
                ContactWrite::Create(c) | ContactWrite::Update(c) => c,
            })
            .collect();
        let ids = s.bind(contacts.iter().map(|c| c.id.as_uuid()).collect::<Vec<_>>());
        let external = s.bind(
            contacts
                .iter()
                .map(|c| c.external_id.as_deref())
                .collect::<Vec<_>>(),
        );
        let orgs = s.bind(
            contacts
                .iter()
                .map(|c| c.organization.map(|o| o.as_uuid()))
                .collect::<Vec<_>>(),
        );
        // (Created: stored at version 1.)
        let docs = s.bind(
            contacts
                .iter()
                .map(|c| {
                    let mut stored = (*c).clone();
                    stored.version = 1;
                    Json(stored)
                })
                .collect::<Vec<_>>(),
        );
        s.part(&format!(
            "INSERT INTO {{s}}.contacts (workspace, id, external_id, organization, doc)
            SELECT $1, c.id, c.external_id, c.organization, c.doc
            FROM unnest({ids}::uuid[], {external}::text[], {orgs}::uuid[], {docs}::jsonb[])
                WITH ORDINALITY AS c(id, external_id, organization, doc, n)
            ORDER BY c.n RETURNING 1"
        ));
        let mut emails = Vec::new();
        let mut owners = Vec::new();
        for c in &contacts {
            for e in crate::store::normalized_unique(&c.emails) {
                emails.push(e);
                owners.push(c.id.as_uuid());
            }
        }
        if !emails.is_empty() {
            let emails = s.bind(emails);
            let owners = s.bind(owners);
            s.part(&format!(
                "INSERT INTO {{s}}.contact_emails (workspace, email, contact)
                SELECT $1, e.email, e.contact
                FROM unnest({emails}::text[], {owners}::uuid[]) WITH ORDINALITY AS e(email, contact, n)
                ORDER BY e.n RETURNING 1"
            ));
        }
    }

    // Tickets: updates in id order (a fixed lock order between commits),
    // then creations in commit order; the outcome keeps the commit's order.
    let mut order: Vec<usize> = (0..commit.tickets.len()).collect();
    order.sort_by_key(|&i| match &commit.tickets[i] {
        TicketWrite::Update { ticket, .. } => (0, ticket.id.as_u128(), i),
        TicketWrite::Create(_) => (1, 0, i),
    });
    let mut stored: Vec<Option<Ticket>> = vec![None; commit.tickets.len()];
    let mut highest_reserved = None;
    for i in order {
        match &commit.tickets[i] {
            TicketWrite::Update {
                ticket,
                expected_version,
            } => {
                let expected = to_i64(*expected_version, "expected_version")?;
                let mut t = ticket.clone();
                t.version = expected_version.saturating_add(1);
                let values = ticket_values(&mut s, &t)?;
                let id = s.bind(t.id.as_uuid());
                let expected = s.bind(expected);
                let mut set = Vec::new();
                for (column, value) in TICKET_COLUMNS.iter().zip(&values).skip(1) {
                    set.push(format!("{column} = {value}"));
                }
                let name = s.part(&format!(
                    "UPDATE {{s}}.tickets SET {}
                    WHERE workspace = $1 AND id = {id} AND number = {} AND version = {expected}
                    RETURNING 1",
                    set.join(", "),
                    values[0]
                ));
                s.checks.push(format!("(SELECT count(*) FROM {name}) = 1"));
                stored[i] = Some(t);
            }
            TicketWrite::Create(ticket) => {
                let mut t = ticket.clone();
                t.version = 1;
                let number = to_i64(t.number.0, "number")?;
                highest_reserved = highest_reserved.max(Some(number));
                let values = ticket_values(&mut s, &t)?;
                let id = s.bind(t.id.as_uuid());
                s.part(&format!(
                    "INSERT INTO {{s}}.tickets (workspace, id, {})
                    VALUES ($1, {id}, {}) RETURNING 1",
                    TICKET_COLUMNS.join(", "),
                    values.join(", ")
                ));
                stored[i] = Some(t);
            }
        }
    }
    if let Some(n) = highest_reserved {
        let n = s.bind(n);
        s.checks.push(format!(
            "coalesce((SELECT last_number FROM {schema}.ticket_counters WHERE workspace = $1), 0) >= {n}"
        ));
    }

    if !commit.messages.is_empty() {
        messages(&mut s, &commit.messages, raws)?;
    }

    if !commit.events.is_empty() {
        let e = &commit.events;
        let ids = s.bind(e.iter().map(|e| e.id.as_uuid()).collect::<Vec<_>>());
        let tickets = s.bind(e.iter().map(|e| e.ticket.as_uuid()).collect::<Vec<_>>());
        let at = s.bind(e.iter().map(|e| e.at).collect::<Vec<_>>());
        let kinds = s.bind(e.iter().map(|e| e.kind.name()).collect::<Vec<_>>());
        let docs = s.bind(e.iter().map(Json).collect::<Vec<_>>());
        s.part(&format!(
            "INSERT INTO {{s}}.events (workspace, id, ticket, at, kind, doc)
            SELECT $1, e.id, e.ticket, e.at, e.kind, e.doc
            FROM unnest({ids}::uuid[], {tickets}::uuid[], {at}::timestamptz[], {kinds}::text[],
                {docs}::jsonb[]) WITH ORDINALITY AS e(id, ticket, at, kind, doc, n)
            ORDER BY e.n RETURNING 1"
        ));
    }

    if !commit.outbox.is_empty() {
        let items: Vec<_> = commit
            .outbox
            .iter()
            .filter_map(|w| match w {
                OutboxWrite::Enqueue(item) => Some(item),
                _ => None,
            })
            .collect();
        let ids = s.bind(items.iter().map(|o| o.id.as_uuid()).collect::<Vec<_>>());
        let tickets = s.bind(items.iter().map(|o| o.ticket.as_uuid()).collect::<Vec<_>>());
        let msgs = s.bind(
            items
                .iter()
                .map(|o| o.message.as_uuid())
                .collect::<Vec<_>>(),
        );
        let channels = s.bind(items.iter().map(|o| Json(&o.channel)).collect::<Vec<_>>());
        let not_before = s.bind(items.iter().map(|o| o.not_before).collect::<Vec<_>>());
        let attempts = s.bind(
            items
                .iter()
                .map(|o| i64::from(o.attempts))
                .collect::<Vec<_>>(),
        );
        let status = s.bind(
            items
                .iter()
                .map(|o| outbox_status_name(o.status))
                .collect::<Vec<_>>(),
        );
        let errors = s.bind(
            items
                .iter()
                .map(|o| o.last_error.as_deref())
                .collect::<Vec<_>>(),
        );
        let leases = s.bind(items.iter().map(|o| o.lease_until).collect::<Vec<_>>());
        // `seq` (an identity) is drawn as the rows are inserted: in order.
        s.part(&format!(
            "INSERT INTO {{s}}.outbox (workspace, id, ticket, message, channel, not_before,
                attempts, status, last_error, lease_until)
            SELECT $1, o.id, o.ticket, o.message, o.channel, o.not_before, o.attempts, o.status,
                o.last_error, o.lease_until
            FROM unnest({ids}::uuid[], {tickets}::uuid[], {msgs}::uuid[], {channels}::jsonb[],
                {not_before}::timestamptz[], {attempts}::int8[], {status}::text[],
                {errors}::text[], {leases}::timestamptz[])
                WITH ORDINALITY AS o(id, ticket, message, channel, not_before, attempts, status,
                    last_error, lease_until, n)
            ORDER BY o.n RETURNING 1"
        ));
    }

    if !commit.jobs.is_empty() {
        jobs(&mut s, &commit.jobs)?;
    }

    if !commit.ingest_keys.is_empty() {
        let k = &commit.ingest_keys;
        let mailboxes = s.bind(k.iter().map(|r| r.mailbox.as_str()).collect::<Vec<_>>());
        let keys = s.bind(k.iter().map(|r| r.key.as_str()).collect::<Vec<_>>());
        let tickets = s.bind(k.iter().map(|r| r.ticket.as_uuid()).collect::<Vec<_>>());
        let msgs = s.bind(k.iter().map(|r| r.message.as_uuid()).collect::<Vec<_>>());
        s.part(&format!(
            "INSERT INTO {{s}}.ingest_keys (workspace, mailbox, key, ticket, message)
            SELECT $1, k.mailbox, k.key, k.ticket, k.message
            FROM unnest({mailboxes}::text[], {keys}::text[], {tickets}::uuid[], {msgs}::uuid[])
                WITH ORDINALITY AS k(mailbox, key, ticket, message, n)
            ORDER BY k.n RETURNING 1"
        ));
    }

    if let Some(e) = s.failed.take() {
        return Err(sqlx::Error::Encode(e).into());
    }
    if s.ctes.is_empty() {
        return Err(storage("nothing to write".into()));
    }
    Ok((s.text(), s.args, stored.into_iter().flatten().collect()))
}

/// The messages, their email-id index rows and the automatic-mail rows.
fn messages(
    s: &mut Statement<'_>,
    messages: &[Message],
    raws: &[Option<helpdesk_core::Bytes>],
) -> PgResult<()> {
    let m = messages;
    // Each message's word list as one text, split again by the server (a
    // two-dimensional array would have to be rectangular). The tokeniser
    // never makes a word with a space; should it ever, do not come here.
    let mut words = Vec::with_capacity(m.len());
    for m in m {
        let list = helpdesk_core::query::words::words(&m.text);
        if list.iter().any(|w| w.contains(' ')) {
            return Err(storage("a word with a space".into()));
        }
        words.push(list.join(" "));
    }
    let ids = s.bind(m.iter().map(|m| m.id.as_uuid()).collect::<Vec<_>>());
    let tickets = s.bind(m.iter().map(|m| m.ticket.as_uuid()).collect::<Vec<_>>());
    let directions = s.bind(
        m.iter()
            .map(|m| direction_name(m.direction))
            .collect::<Vec<_>>(),
    );
    let system = s.bind(
        m.iter()
            .map(|m| m.author == Actor::System)
            .collect::<Vec<_>>(),
    );
    let email_ids = s.bind(
        m.iter()
            .map(|m| m.email.message_id.as_deref())
            .collect::<Vec<_>>(),
    );
    let created = s.bind(m.iter().map(|m| m.created_at).collect::<Vec<_>>());
    let raw = s.bind(
        (0..m.len())
            .map(|i| raws.get(i).and_then(|r| r.as_deref()))
            .collect::<Vec<_>>(),
    );
    let docs = s.bind(m.iter().map(Json).collect::<Vec<_>>());
    let words = s.bind(words);
    s.part(&format!(
        "INSERT INTO {{s}}.messages (workspace, id, ticket, direction, author_system,
            email_message_id, created_at, raw, doc, words)
        SELECT $1, m.id, m.ticket, m.direction, m.author_system, m.email_message_id,
            m.created_at, m.raw, m.doc, array_to_tsvector(string_to_array(m.words, ' '))
        FROM unnest({ids}::uuid[], {tickets}::uuid[], {directions}::text[], {system}::bool[],
            {email_ids}::text[], {created}::timestamptz[], {raw}::bytea[], {docs}::jsonb[],
            {words}::text[])
            WITH ORDINALITY AS m(id, ticket, direction, author_system, email_message_id,
                created_at, raw, doc, words, n)
        ORDER BY m.n RETURNING 1"
    ));

    // The first message stored with an email id keeps it.
    let (mut email_ids, mut owners) = (Vec::new(), Vec::new());
    for m in m {
        if let Some(id) = &m.email.message_id {
            email_ids.push(id.as_str());
            owners.push(m.id.as_uuid());
        }
    }
    if !email_ids.is_empty() {
        let email_ids = s.bind(email_ids);
        let owners = s.bind(owners);
        s.part(&format!(
            "INSERT INTO {{s}}.message_email_ids (workspace, email_message_id, message)
            SELECT $1, e.email_message_id, e.message
            FROM unnest({email_ids}::text[], {owners}::uuid[])
                WITH ORDINALITY AS e(email_message_id, message, n)
            ORDER BY e.n ON CONFLICT DO NOTHING RETURNING 1"
        ));
    }

    // One row per recipient of an automatic message, for the rate limit.
    let (mut addresses, mut at, mut owners) = (Vec::new(), Vec::new(), Vec::new());
    for m in m {
        if m.direction == Direction::Outbound && m.author == Actor::System {
            for a in m.to.iter().chain(m.cc.iter()) {
                addresses.push(normalize_email(a));
                at.push(m.created_at);
                owners.push(m.id.as_uuid());
            }
        }
    }
    if !addresses.is_empty() {
        let addresses = s.bind(addresses);
        let at = s.bind(at);
        let owners = s.bind(owners);
        s.part(&format!(
            "INSERT INTO {{s}}.automatic_sent (workspace, address, at, message)
            SELECT $1, a.address, a.at, a.message
            FROM unnest({addresses}::text[], {at}::timestamptz[], {owners}::uuid[])
                AS a(address, at, message)
            RETURNING 1"
        ));
    }
    Ok(())
}

/// Job cancellations (one part each: an index lookup) and schedules (one
/// upsert); every (ticket, kind) appears once (see [`eligible`]), so their
/// order does not matter.
fn jobs(s: &mut Statement<'_>, jobs: &[JobWrite]) -> PgResult<()> {
    let (mut ids, mut tickets, mut kinds, mut docs, mut due, mut leases) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for w in jobs {
        match w {
            JobWrite::Schedule(job) => {
                let (key, doc) = job_kind_key(&job.kind)?;
                ids.push(job.id.as_uuid());
                tickets.push(job.ticket.as_uuid());
                kinds.push(key);
                docs.push(Json(doc));
                due.push(job.due_at);
                leases.push(job.lease_until);
            }
            JobWrite::Cancel { ticket, kind } => {
                let ticket = s.bind(ticket.as_uuid());
                let kind = s.bind(job_kind_key(kind)?.0);
                s.part(&format!(
                    "DELETE FROM {{s}}.jobs WHERE workspace = $1 AND ticket = {ticket}
                        AND kind = {kind} RETURNING 1"
                ));
            }
            JobWrite::Complete(_) => {}
        }
    }
    if !ids.is_empty() {
        let ids = s.bind(ids);
        let tickets = s.bind(tickets);
        let kinds = s.bind(kinds);
        let docs = s.bind(docs);
        let due = s.bind(due);
        let leases = s.bind(leases);
        s.part(&format!(
            "INSERT INTO {{s}}.jobs (workspace, id, ticket, kind, kind_doc, due_at, lease_until)
            SELECT $1, j.id, j.ticket, j.kind, j.kind_doc, j.due_at, j.lease_until
            FROM unnest({ids}::uuid[], {tickets}::uuid[], {kinds}::text[], {docs}::jsonb[],
                {due}::timestamptz[], {leases}::timestamptz[])
                WITH ORDINALITY AS j(id, ticket, kind, kind_doc, due_at, lease_until, n)
            ORDER BY j.n
            ON CONFLICT (workspace, ticket, kind) DO UPDATE
            SET id = EXCLUDED.id, kind_doc = EXCLUDED.kind_doc, due_at = EXCLUDED.due_at,
                lease_until = EXCLUDED.lease_until
            RETURNING 1"
        ));
    }
    Ok(())
}
