//! Acceptance tests of issue 6 (queries on PostgreSQL), and the commit
//! kinds that erase data (deletions, redactions), each checked against the
//! memory store as the reference.
//!
//! Like `conformance.rs`, every test gets a fresh database and is skipped
//! (loudly) when no server answers, unless `HELPDESK_REQUIRE_SERVICES=1`.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use helpdesk_core::Error;
use helpdesk_core::engine::{Helpdesk, Mailbox, NewTicket};
use helpdesk_core::lifecycle::State;
use helpdesk_core::model::{
    Actor, Agent, AgentId, Channel, ContactId, Event, EventKind, JobId, Message, Ticket, TicketId,
    WorkspaceId,
};
use helpdesk_core::ports::{
    Commit, DirectoryRecord, DynStore, IngestRecord, Job, JobKind, JobWrite, MessageUpdate,
    OutboxItem, OutboxWrite, StoreExt, TicketWrite,
};
use helpdesk_core::query::{BuiltinView, Filter, Query, Sort, SortKey, TagMatch};
use helpdesk_memory::MemoryStore;
use helpdesk_postgres::PgStore;
use helpdesk_postgres::sqlx::{self, AssertSqlSafe, PgPool};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn kind_of(r: &Result<impl Sized, Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(Error::NotFound { .. }) => "not_found",
        Err(Error::Validation { .. }) => "validation",
        Err(Error::Conflict(_)) => "conflict",
        Err(_) => "other",
    }
}

async fn create(store: &Arc<DynStore>, ws: WorkspaceId, t: Ticket) -> Ticket {
    store
        .commit(
            ws,
            Commit {
                tickets: vec![TicketWrite::Create(t)],
                ..Commit::default()
            },
        )
        .await
        .expect("create")
        .tickets
        .remove(0)
}

/// Deletions and redactions, written the same way to any store; returns
/// what was observed, free of ids, to compare stores.
async fn erase_scenario(store: Arc<DynStore>) -> Vec<String> {
    let ws = WorkspaceId::new();
    let me = AgentId::new();
    let mut log = Vec::new();
    let a = create(
        &store,
        ws,
        Ticket::new(ws, "Parent", ContactId::new(), Channel::Email, t0()),
    )
    .await;
    let mut b = Ticket::new(ws, "Child", ContactId::new(), Channel::Email, t0());
    b.parent = Some(a.id);
    let b = create(&store, ws, b).await;
    let c = create(
        &store,
        ws,
        Ticket::new(ws, "Bystander", ContactId::new(), Channel::Email, t0()),
    )
    .await;
    let mut m = Message::new(ws, a.id, Actor::System, Channel::Email, "secret text", t0());
    m.raw = Some(b"From: ann@example.com\r\n\r\nsecret".to_vec().into());
    m.email.message_id = Some("<secret@example.com>".into());
    let mut other = Message::new(ws, c.id, Actor::System, Channel::Email, "keep me", t0());
    other.email.message_id = Some("<keep@example.com>".into());
    let event = Event::new(ws, a.id, Actor::System, t0(), EventKind::Anonymised);
    let item = OutboxItem::new(ws, a.id, m.id, Channel::Email, t0());
    let job = Job {
        id: JobId::new(),
        workspace: ws,
        ticket: a.id,
        kind: JobKind::Reopen,
        due_at: t0(),
        lease_until: None,
    };
    store
        .commit(
            ws,
            Commit {
                messages: vec![m.clone(), other.clone()],
                events: vec![event.clone()],
                outbox: vec![OutboxWrite::Enqueue(item)],
                jobs: vec![JobWrite::Schedule(job)],
                ingest_keys: vec![IngestRecord {
                    mailbox: "support@example.com".into(),
                    key: "<secret@example.com>".into(),
                    ticket: a.id,
                    message: m.id,
                }],
                ..Commit::default()
            },
        )
        .await
        .expect("seed");
    store.set_favourite(ws, me, a.id, true).await.unwrap();
    store.set_favourite(ws, me, c.id, true).await.unwrap();

    let delete = |ids: Vec<TicketId>| Commit {
        deletions: ids,
        ..Commit::default()
    };
    let r = store.commit(ws, delete(vec![a.id])).await;
    log.push(format!("delete parent alone: {}", kind_of(&r)));
    let r = store.commit(ws, delete(vec![TicketId::new()])).await;
    log.push(format!("delete unknown: {}", kind_of(&r)));
    log.push(format!(
        "after refusals: parent {} messages {}",
        store.ticket(ws, a.id).await.unwrap().is_some(),
        store.messages(ws, a.id).await.unwrap().len()
    ));

    // Redactions.
    let mut redacted = m.clone();
    redacted.text = "[redacted]".into();
    redacted.raw = None;
    redacted.from = None;
    let r = store
        .commit(
            ws,
            Commit {
                message_updates: vec![MessageUpdate::Redact(Box::new(redacted.clone()))],
                ..Commit::default()
            },
        )
        .await;
    log.push(format!("redact message: {}", kind_of(&r)));
    log.push(format!(
        "stored as redacted: {}",
        store.message(ws, m.id).await.unwrap() == Some(redacted.clone())
    ));
    log.push(format!(
        "old email id found: {}",
        store
            .message_by_email_id(ws, "<secret@example.com>")
            .await
            .unwrap()
            .is_some()
    ));
    let mut moved = redacted.clone();
    moved.ticket = c.id;
    let r = store
        .commit(
            ws,
            Commit {
                message_updates: vec![MessageUpdate::Redact(Box::new(moved))],
                ..Commit::default()
            },
        )
        .await;
    log.push(format!("redact into another ticket: {}", kind_of(&r)));
    let ghost = Message::new(ws, a.id, Actor::System, Channel::Email, "x", t0());
    let r = store
        .commit(
            ws,
            Commit {
                message_updates: vec![MessageUpdate::Redact(Box::new(ghost))],
                ..Commit::default()
            },
        )
        .await;
    log.push(format!("redact unknown message: {}", kind_of(&r)));
    let mut e2 = event.clone();
    e2.actor = Actor::Agent(me);
    let r = store
        .commit(
            ws,
            Commit {
                event_redactions: vec![e2.clone()],
                ..Commit::default()
            },
        )
        .await;
    log.push(format!("redact event: {}", kind_of(&r)));
    log.push(format!(
        "event replaced: {}",
        store.events(ws, a.id).await.unwrap() == vec![e2]
    ));
    let ghost = Event::new(ws, a.id, Actor::System, t0(), EventKind::Anonymised);
    let r = store
        .commit(
            ws,
            Commit {
                event_redactions: vec![ghost],
                ..Commit::default()
            },
        )
        .await;
    log.push(format!("redact unknown event: {}", kind_of(&r)));

    // Delete parent and child together.
    let r = store.commit(ws, delete(vec![a.id, b.id])).await;
    log.push(format!("delete both: {}", kind_of(&r)));
    log.push(format!(
        "gone: ticket {} by number {} messages {} message {} events {} outbox {} jobs {} \
         ingested {} favourites {}",
        store.ticket(ws, a.id).await.unwrap().is_none(),
        store
            .ticket_by_number(ws, a.number)
            .await
            .unwrap()
            .is_none(),
        store.messages(ws, a.id).await.unwrap().is_empty(),
        store.message(ws, m.id).await.unwrap().is_none(),
        store.events(ws, a.id).await.unwrap().is_empty(),
        store.outbox(ws, a.id).await.unwrap().is_empty(),
        store.jobs(ws, a.id).await.unwrap().is_empty(),
        store
            .ingested(ws, "support@example.com", "<secret@example.com>")
            .await
            .unwrap()
            .is_none(),
        store.favourites(ws, me).await.unwrap() == vec![c.id],
    ));
    log.push(format!(
        "bystander kept: {} {}",
        store.ticket(ws, c.id).await.unwrap().is_some(),
        store
            .message_by_email_id(ws, "<keep@example.com>")
            .await
            .unwrap()
            .is_some()
    ));
    log.push(format!(
        "list after: {:?}",
        store
            .query_tickets(ws, &Query::new(me).sort(Sort::asc(SortKey::Number)))
            .await
            .unwrap()
            .tickets
            .iter()
            .map(|t| t.subject.clone())
            .collect::<Vec<_>>()
    ));
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deletions_and_redactions_match_the_memory_store() {
    let Some(db) = test_db().await else { return };
    let expected = erase_scenario(Arc::new(MemoryStore::new())).await;
    let got = erase_scenario(db.dyn_store()).await;
    assert_eq!(got, expected);
    assert!(expected.contains(&"delete parent alone: validation".to_string()));
    assert!(expected.contains(&"delete unknown: not_found".to_string()));
}

/// A checksum of every table of the store's schema (row count and an md5
/// over the rows in a fixed order).
async fn checksums(pool: &PgPool) -> BTreeMap<String, (i64, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'helpdesk' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for table in tables {
        // Table names come from the catalog of our own schema.
        let row: (i64, Option<String>) = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT count(*), md5(string_agg(x::text, '|' ORDER BY x::text))
             FROM helpdesk.\"{table}\" x"
        )))
        .fetch_one(pool)
        .await
        .unwrap();
        out.insert(table, (row.0, row.1.unwrap_or_default()));
    }
    out
}

const HOSTILE: &[&str] = &[
    "'",
    "\"",
    "'; DROP TABLE helpdesk.tickets; --",
    "x' OR '1'='1",
    ";",
    "--",
    "$1",
    "$2::text",
    "%",
    "_",
    "\\",
    "\\%",
    "50%",
    "a_b",
    "back\\slash",
    "o'clock",
    "ZAŻÓŁĆ",
    "zażółć",
    "ǅ",
    "İ",
    "straße",
    "🙂",
    "a\0b",
    "\0",
    "",
    " ",
];

/// The same tickets (same ids, same numbers) in any store.
async fn hostile_data(store: &Arc<DynStore>, ws: WorkspaceId) {
    let subjects = [
        "100% sure_thing",
        "o'clock; -- $1 \\ back\\slash",
        "Zażółć gęślą jaźń",
        "Straße İstanbul ǅ 🙂",
        "plain",
    ];
    let statuses = [Some("It's; --"), Some("50%"), None, Some("a_b"), Some("\\")];
    let tags: [&[&str]; 5] = [
        &["50%", "a_b"],
        &["back\\slash", "'"],
        &[],
        &["🙂", "$1"],
        &["plain"],
    ];
    let fixed_ids = [
        "018f0000-0000-7000-8000-000000000001",
        "018f0000-0000-7000-8000-000000000002",
        "018f0000-0000-7000-8000-000000000003",
        "018f0000-0000-7000-8000-000000000004",
        "018f0000-0000-7000-8000-000000000005",
    ];
    let requester = ContactId::from_uuid(uuid_of("018f0000-0000-7000-8000-0000000000ff"));
    for i in 0..5 {
        let mut t = Ticket::new(ws, subjects[i], requester, Channel::Email, t0());
        t.id = TicketId::from_uuid(uuid_of(fixed_ids[i]));
        t.status = statuses[i].map(str::to_string);
        t.tags = tags[i].iter().map(|s| (*s).to_string()).collect();
        let mut m = Message::new(
            ws,
            t.id,
            Actor::System,
            Channel::Email,
            format!("body {i}: {}", subjects[(i + 1) % 5]),
            t0(),
        );
        m.id = helpdesk_core::model::MessageId::from_uuid(uuid_of(
            &fixed_ids[i].replace("7000", "7001"),
        ));
        store
            .commit(
                ws,
                Commit {
                    tickets: vec![TicketWrite::Create(t)],
                    messages: vec![m],
                    ..Commit::default()
                },
            )
            .await
            .expect("seed");
    }
}

fn uuid_of(s: &str) -> uuid::Uuid {
    uuid::Uuid::parse_str(s).unwrap()
}

fn hostile_filters() -> Vec<Filter> {
    let mut out = Vec::new();
    for s in HOSTILE {
        let s = (*s).to_string();
        out.push(Filter::Text(s.clone()));
        out.push(Filter::Status(vec![Some(s.clone())]));
        out.push(Filter::Status(vec![Some(s.clone()), None]));
        out.push(!Filter::Status(vec![Some(s.clone())]));
        out.push(Filter::Tags(TagMatch::HasAny(vec![s.clone()])));
        out.push(Filter::Tags(TagMatch::HasAll(vec![
            s.clone(),
            "50%".into(),
        ])));
        out.push(Filter::Tags(TagMatch::HasNone(vec![s.clone()])));
        out.push(Filter::Text(s.clone()) | Filter::Tags(TagMatch::HasAny(vec![s.clone()])));
        out.push(!Filter::Text(s));
    }
    out
}

async fn numbers(store: &Arc<DynStore>, ws: WorkspaceId, me: AgentId, f: &Filter) -> Vec<u64> {
    let q = Query::new(me)
        .filter(f.clone())
        .sort(Sort::asc(SortKey::Number))
        .limit(100);
    let page = store
        .query_tickets(ws, &q)
        .await
        .unwrap_or_else(|e| panic!("{f:?}: {e}"));
    let count = store.count_tickets(ws, f, me).await.expect("count");
    assert_eq!(count, page.tickets.len() as u64, "{f:?}");
    page.tickets.iter().map(|t| t.number.0).collect()
}

/// Hostile strings in Text, Status and tag filters: the same rows as the
/// memory store on the same data, and nothing changes in the database. A
/// Status or tag value with NUL (which PostgreSQL text cannot hold) matches
/// nothing: no error, no rows (as in the memory store, whose data came from
/// the same writes). In a Text search NUL separates words like any other
/// character that is not a letter or digit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_filter_values_are_data_not_sql() {
    let Some(db) = test_db().await else { return };
    let pg = db.dyn_store();
    let memory: Arc<DynStore> = Arc::new(MemoryStore::new());
    let ws = WorkspaceId::new();
    let me = AgentId::new();
    hostile_data(&pg, ws).await;
    hostile_data(&memory, ws).await;
    let pool = db.pool().await;
    let before = checksums(&pool).await;
    assert!(before["tickets"].0 == 5, "{before:?}");
    let mut matched = 0;
    for f in hostile_filters() {
        let want = numbers(&memory, ws, me, &f).await;
        let got = numbers(&pg, ws, me, &f).await;
        assert_eq!(got, want, "{f:?}");
        if !want.is_empty() && want.len() < 5 {
            matched += 1;
        }
    }
    assert!(matched > 20, "the data makes the filters select something");
    // NUL in a Text search: a separator.
    let f = Filter::Text("\0zaż\0gęśl".into());
    assert_eq!(numbers(&pg, ws, me, &f).await, [2, 3]);
    assert_eq!(numbers(&memory, ws, me, &f).await, [2, 3]);
    // NUL: no rows, no error.
    for f in [
        Filter::Status(vec![Some("\0".into())]),
        Filter::Tags(TagMatch::HasAll(vec!["a\0".into()])),
    ] {
        assert!(numbers(&pg, ws, me, &f).await.is_empty());
    }
    // The views of these filters store the same way in both.
    let after = checksums(&pool).await;
    assert_eq!(before, after, "queries changed nothing");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'helpdesk'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(tables.iter().any(|t| t == "tickets"));
}

fn new_mail(i: usize) -> Vec<u8> {
    format!(
        "From: Customer {i} <c{i}@example.com>\r\nTo: support@example.com\r\n\
         Subject: Order {i} question\r\nMessage-ID: <m{i}@example.com>\r\n\
         Date: Mon, 02 Mar 2026 09:00:00 +0000\r\n\r\nHello, about order {i}.\r\n"
    )
    .into_bytes()
}

fn reply_mail(i: usize) -> Vec<u8> {
    format!(
        "From: Customer {i} <c{i}@example.com>\r\nTo: support@example.com\r\n\
         Subject: Re: Order {i} question\r\nMessage-ID: <r{i}@example.com>\r\n\
         In-Reply-To: <m{i}@example.com>\r\nReferences: <m{i}@example.com>\r\n\
         Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n\r\nAny news about order {i}?\r\n"
    )
    .into_bytes()
}

/// Runs `mails` through `desks` at once: each desk ingests every mail,
/// with `workers` tasks per desk taking mails in turn.
async fn ingest_all(desks: &[Helpdesk], ws: WorkspaceId, mails: Arc<Vec<Vec<u8>>>, workers: usize) {
    let mut tasks = Vec::new();
    for (d, desk) in desks.iter().enumerate() {
        for w in 0..workers {
            let (desk, mails) = (desk.clone(), mails.clone());
            tasks.push(tokio::spawn(async move {
                let mailbox = Mailbox::new("support@example.com");
                // The desks walk the list in opposite directions, so they
                // meet on the same mails at the same time.
                let n = mails.len();
                for k in (w..n).step_by(workers) {
                    let i = if d % 2 == 0 { k } else { n - 1 - k };
                    desk.ingest(ws, &mailbox, &mails[i])
                        .await
                        .unwrap_or_else(|e| panic!("mail {i}: {e}"));
                }
            }));
        }
    }
    for t in tasks {
        t.await.expect("ingest task");
    }
}

/// Two engines, each on its own pool, ingest the same 2,000 mails (1,000
/// new, then 1,000 replies) at the same time: every mail is stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_engines_ingest_the_same_mail_once() {
    let Some(db) = test_db().await else { return };
    let desks: Vec<Helpdesk> = vec![
        Helpdesk::builder(Arc::new(PgStore::new(db.pool().await))).build(),
        Helpdesk::builder(Arc::new(PgStore::new(db.pool().await))).build(),
    ];
    let ws = WorkspaceId::new();
    let n = 1000;
    ingest_all(&desks, ws, Arc::new((0..n).map(new_mail).collect()), 4).await;
    ingest_all(&desks, ws, Arc::new((0..n).map(reply_mail).collect()), 4).await;
    let pool = db.pool().await;
    let per_id: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT email_message_id, count(*) FROM helpdesk.messages WHERE workspace = $1
         GROUP BY 1 ORDER BY 1",
    )
    .bind(ws.as_uuid())
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(per_id.len(), 2 * n, "every Message-ID stored");
    assert!(
        per_id.iter().all(|(id, c)| id.is_some() && *c == 1),
        "each exactly once"
    );
    let tickets: i64 =
        sqlx::query_scalar("SELECT count(*) FROM helpdesk.tickets WHERE workspace = $1")
            .bind(ws.as_uuid())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        tickets, n as i64,
        "one ticket per new mail, replies threaded"
    );
    let spread: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT ticket FROM helpdesk.messages WHERE workspace = $1
         GROUP BY ticket HAVING count(*) <> 2) x",
    )
    .bind(ws.as_uuid())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(spread, 0, "each ticket holds its mail and its reply");
    let keys: i64 =
        sqlx::query_scalar("SELECT count(*) FROM helpdesk.ingest_keys WHERE workspace = $1")
            .bind(ws.as_uuid())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(keys, 2 * n as i64);
}

/// 16 agents (on two engines with separate pools) call `take_next` at
/// once on 10 waiting tickets: each ticket goes to one agent, no call fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_take_next_calls_on_ten_tickets() {
    let Some(db) = test_db().await else { return };
    let desks = [
        Helpdesk::builder(Arc::new(PgStore::new(db.pool().await))).build(),
        Helpdesk::builder(Arc::new(PgStore::new(db.pool().await))).build(),
    ];
    let ws = WorkspaceId::new();
    let mut waiting = BTreeSet::new();
    for i in 0..10 {
        let t = desks[0]
            .create_ticket(
                ws,
                NewTicket::from_customer(&format!("c{i}@example.com"), "Help", "x"),
            )
            .await
            .unwrap();
        waiting.insert(t.id);
    }
    let mut tasks = Vec::new();
    for i in 0..16 {
        let agent = AgentId::new();
        let desk = desks[i % 2].clone();
        desk.put_record(
            ws,
            DirectoryRecord::Agent(Agent {
                id: agent,
                workspace: ws,
                name: format!("a{i}"),
                email: None,
                active: true,
            }),
        )
        .await
        .unwrap();
        tasks.push(tokio::spawn(async move {
            (agent, desk.take_next(ws, None, agent).await)
        }));
    }
    let mut taken = BTreeSet::new();
    let mut empty = 0;
    for t in tasks {
        let (agent, r) = t.await.unwrap();
        match r.expect("no call errors") {
            Some(t) => {
                assert_eq!(t.assignee, Some(agent));
                assert!(taken.insert(t.id), "ticket {} assigned twice", t.number);
            }
            None => empty += 1,
        }
    }
    assert_eq!(taken, waiting);
    assert_eq!(empty, 6);
    for id in waiting {
        let t = desks[1].store().get_ticket(ws, id).await.unwrap();
        assert!(t.assignee.is_some());
    }
}

/// Seeds `n` tickets of `ws` in one statement (states, owners, followers,
/// due times spread like a real desk), then `VACUUM ANALYZE` (as autovacuum
/// would after a bulk load), so counters can be index-only scans.
async fn seed(pool: &PgPool, ws: WorkspaceId, agents: &[AgentId], n: i64) {
    let agents: Vec<uuid::Uuid> = agents.iter().map(|a| a.as_uuid()).collect();
    sqlx::query(
        "INSERT INTO helpdesk.tickets (workspace, id, number, version, state, closed_at,
            requester, assignee, priority, created_at, updated_at, doc, subject_words, prio,
            followers, due_at, last_activity, unread_by_owner, tags)
         SELECT $1, gen_random_uuid(), i, 1,
            CASE WHEN i % 20 < 2 THEN 'open' WHEN i % 20 = 2 THEN 'pending'
                 WHEN i % 20 < 15 THEN 'archived' ELSE 'closed' END,
            CASE WHEN i % 20 < 3 THEN NULL ELSE $3 + i * interval '1 minute' END,
            gen_random_uuid(),
            CASE WHEN i % 4 = 0 THEN NULL ELSE ($2::uuid[])[1 + i % array_length($2, 1)] END,
            'normal', $3 + i * interval '1 minute', $3 + i * interval '1 minute' + interval '1 hour',
            '{}'::jsonb, array_to_tsvector(ARRAY['ticket', i::text]), (i % 4)::int2,
            CASE WHEN i % 50 = 0 THEN ARRAY[($2::uuid[])[1]] ELSE '{}'::uuid[] END,
            CASE WHEN i % 20 < 3 THEN $3 + (i % 1000) * interval '1 hour' END,
            $3 + i * interval '1 minute' + interval '2 hours',
            i % 7 = 0,
            CASE WHEN i % 10 = 0 THEN ARRAY['vip'] ELSE '{}'::text[] END
         FROM generate_series(1, $4::bigint) AS i",
    )
    .bind(ws.as_uuid())
    .bind(&agents)
    .bind(t0())
    .bind(n)
    .execute(pool)
    .await
    .expect("seed");
    sqlx::query("INSERT INTO helpdesk.ticket_counters VALUES ($1, $2)")
        .bind(ws.as_uuid())
        .bind(n)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("VACUUM ANALYZE helpdesk.tickets")
        .execute(pool)
        .await
        .unwrap();
}

/// The first page and the counter of every built-in view on 100,000
/// tickets read through indexes (no sequential scan of `tickets`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn builtin_views_use_indexes() {
    let Some(db) = test_db().await else { return };
    let pool = db.pool().await;
    let ws = WorkspaceId::new();
    let agents: Vec<AgentId> = (0..20).map(|_| AgentId::new()).collect();
    seed(&pool, ws, &agents, 100_000).await;
    // Another workspace, so the workspace column is selective too.
    seed(&pool, WorkspaceId::new(), &agents, 20_000).await;
    let me = agents[0];
    for view in BuiltinView::views() {
        let query = Query::of_view(&view, me);
        let plan = db.store.explain_query(ws, &query).await.unwrap();
        assert!(
            !plan.contains("Seq Scan on tickets"),
            "{}: first page\n{}\n{plan}",
            view.name,
            db.store.explain_sql(ws, &query).unwrap()
        );
        let plan = db.store.explain_count(ws, &view.filter, me).await.unwrap();
        assert!(
            !plan.contains("Seq Scan on tickets"),
            "{}: counter\n{plan}",
            view.name
        );
        // And the query runs (decoding aside: the seeded documents are empty).
    }
    // take_next's query (open, unassigned, oldest first).
    let take = Query::new(me)
        .filter(
            Filter::State(vec![State::Open])
                & Filter::Assignee(helpdesk_core::query::AssigneeMatch::None),
        )
        .sort(Sort::asc(SortKey::Created))
        .limit(20);
    let plan = db.store.explain_query(ws, &take).await.unwrap();
    assert!(!plan.contains("Seq Scan on tickets"), "take_next\n{plan}");
    let counts = helpdesk_core::query::count_views(&*db.store, ws, me, &BuiltinView::views())
        .await
        .unwrap();
    assert_eq!(counts.len(), 6);
    assert!(counts.iter().any(|c| c.count > 0));
    let _ = Duration::zero();
}
