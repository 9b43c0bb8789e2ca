//! The commits of the common shapes are written as one statement (see
//! `src/batch.rs`), and write what the step-by-step path writes; a commit
//! the statement refuses goes step by step and fails as it always did.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use helpdesk_core::Error;
use helpdesk_core::engine::{AutoreplyOutcome, EngineConfig, Helpdesk, Mailbox, Reply};
use helpdesk_core::mail::AutoresponderConfig;
use helpdesk_core::model::{
    Agent, AgentId, Priority, TicketNumber, WorkspaceId, WorkspaceSettings,
};
use helpdesk_core::ports::{
    Commit, DirectoryRecord, ManualClock, RecordingTransport, Store, TicketWrite,
};
use helpdesk_core::query::words::words;
use helpdesk_core::sla::{BusinessCalendar, SlaPolicy, SlaTargets, Tz, WorkInterval};
use helpdesk_postgres::PgStore;
use helpdesk_postgres::sqlx::{self, PgPool};
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().unwrap()
}

fn eml(from: &str, subject: &str, message_id: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: support@shop.example\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n{extra}\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn policy(ws: WorkspaceId) -> SlaPolicy {
    let all_day = WorkInterval::parse("00:00", "24:00").unwrap();
    let calendar = BusinessCalendar::builder(Tz::UTC)
        .weekdays(
            [
                chrono::Weekday::Mon,
                chrono::Weekday::Tue,
                chrono::Weekday::Wed,
                chrono::Weekday::Thu,
                chrono::Weekday::Fri,
                chrono::Weekday::Sat,
                chrono::Weekday::Sun,
            ],
            [all_day],
        )
        .build()
        .unwrap();
    SlaPolicy::new(ws, "24/7", calendar).target(
        Priority::Normal,
        SlaTargets {
            first_response: Some(60),
            next_response: Some(120),
            resolution: Some(480),
        },
    )
}

/// Runs `op` and returns how many commits it wrote as one statement and
/// how many step by step.
async fn paths<F: std::future::Future>(store: &PgStore, op: F) -> (F::Output, u64, u64) {
    let (one, step) = store.commit_paths();
    let out = op.await;
    let (one2, step2) = store.commit_paths();
    (out, one2 - one, step2 - step)
}

async fn count(pool: &PgPool, sql: &'static str, ws: WorkspaceId) -> i64 {
    sqlx::query_scalar(sql)
        .bind(ws.as_uuid())
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn common_commits_are_one_statement() {
    let Some(db) = test_db().await else { return };
    let pool = db.pool().await;
    let store = db.store.clone();
    let clock = Arc::new(ManualClock::new(t0()));
    let desk = Helpdesk::builder(db.dyn_store())
        .clock(clock.clone())
        .transport("email", Arc::new(RecordingTransport::new()))
        .config(EngineConfig::default().default_from("support@shop.example"))
        .build();
    let ws = WorkspaceId::new();
    let agent = AgentId::new();
    let sla = policy(ws);
    for record in [
        DirectoryRecord::Agent(Agent {
            id: agent,
            workspace: ws,
            name: "Agnes".into(),
            email: Some("agnes@shop.example".into()),
            active: true,
        }),
        DirectoryRecord::SlaPolicy(Box::new(sla.clone())),
        DirectoryRecord::Settings(WorkspaceSettings {
            default_sla_policy: Some(sla.id),
            ..WorkspaceSettings::new(ws)
        }),
    ] {
        desk.put_record(ws, record).await.unwrap();
    }
    let mailbox =
        Mailbox::new("support@shop.example").autoresponder(AutoresponderConfig::default());

    // A new mail: a contact, a ticket, the mail and the autoresponse, their
    // events, an outbox row, SLA jobs, the ingest key. One statement.
    let text = "Hello, my Lamp flickers. Order 1042, Żółw!";
    let (first, one, step) = paths(
        &store,
        desk.ingest(
            ws,
            &mailbox,
            &eml("Ann <ann@example.com>", "Lamp", "a1@example.com", "", text),
        ),
    )
    .await;
    let first = first.unwrap();
    assert_eq!((one, step), (1, 0), "new mail");
    assert!(matches!(first.autoreply, AutoreplyOutcome::Sent(_)));
    let ticket = first.ticket.clone();
    assert_eq!(ticket.number, TicketNumber(1));
    assert_eq!(ticket.version, 1);
    let stored = store.ticket(ws, ticket.id).await.unwrap().unwrap();
    assert_eq!(stored, ticket);
    let messages = store.messages(ws, ticket.id).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert!(messages[0].raw.is_some(), "raw bytes kept");
    assert_eq!(
        store
            .ticket_by_email_id(ws, "a1@example.com")
            .await
            .unwrap(),
        Some(ticket.id)
    );
    assert_eq!(
        store
            .automatic_sent_count(ws, "ANN@example.com", t0() - Duration::hours(1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.outbox(ws, ticket.id).await.unwrap().len(), 1);
    assert!(
        !store.jobs(ws, ticket.id).await.unwrap().is_empty(),
        "SLA jobs"
    );
    assert!(!store.events(ws, ticket.id).await.unwrap().is_empty());
    assert!(
        store
            .contact_by_email(ws, "ann@example.com")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .ingested(ws, "support@shop.example", "a1@example.com")
            .await
            .unwrap()
            .is_some()
    );
    // The words as the step-by-step path writes them.
    let stored_words: Vec<String> = sqlx::query_scalar(
        "SELECT tsvector_to_array(words) FROM helpdesk.messages WHERE workspace = $1 AND id = $2",
    )
    .bind(ws.as_uuid())
    .bind(messages[0].id.as_uuid())
    .fetch_one(&pool)
    .await
    .unwrap();
    let mut want = words(&messages[0].text);
    want.sort();
    assert_eq!(stored_words, want);

    // The customer answers: the ticket updated, the mail threaded.
    clock.advance(Duration::minutes(5));
    let (reply, one, step) = paths(
        &store,
        desk.ingest(
            ws,
            &mailbox,
            &eml(
                "ann@example.com",
                "Re: Lamp",
                "a2@example.com",
                "In-Reply-To: <a1@example.com>\r\n",
                "Any news?",
            ),
        ),
    )
    .await;
    let reply = reply.unwrap();
    assert_eq!((one, step), (1, 0), "reply mail");
    assert_eq!(reply.ticket.id, ticket.id);
    assert_eq!(reply.ticket.version, 2);
    assert_eq!(store.messages(ws, ticket.id).await.unwrap().len(), 3);

    // The agent replies: ticket, message, outbox row, events, SLA jobs.
    clock.advance(Duration::minutes(5));
    let (answer, one, step) = paths(
        &store,
        desk.reply(ws, ticket.id, agent, Reply::text("It ships today.")),
    )
    .await;
    answer.unwrap();
    assert_eq!((one, step), (1, 0), "agent reply");
    assert_eq!(store.outbox(ws, ticket.id).await.unwrap().len(), 2);
    let outbox = store.outbox(ws, ticket.id).await.unwrap();
    assert!(outbox[0].not_before <= outbox[1].not_before, "in order");

    // Every message with a Message-ID is found by it.
    let messages = store.messages(ws, ticket.id).await.unwrap();
    let mut with_id = 0;
    for m in &messages {
        if let Some(id) = &m.email.message_id {
            with_id += 1;
            assert_eq!(
                store
                    .message_by_email_id(ws, id)
                    .await
                    .unwrap()
                    .map(|x| x.id),
                Some(m.id)
            );
        }
    }
    let mail_rows = count(
        &pool,
        "SELECT count(*) FROM helpdesk.message_email_ids WHERE workspace = $1",
        ws,
    )
    .await;
    assert_eq!(mail_rows, with_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refused_statements_fail_step_by_step() {
    let Some(db) = test_db().await else { return };
    let store = db.store.clone();
    let ws = WorkspaceId::new();
    let contact = helpdesk_core::model::ContactId::new();
    let mut t = helpdesk_core::model::Ticket::new(
        ws,
        "Hi",
        contact,
        helpdesk_core::model::Channel::Email,
        t0(),
    );
    t.number = store.reserve_ticket_number(ws).await.unwrap();
    let (created, one, step) = paths(
        &store,
        store.commit(
            ws,
            Commit {
                tickets: vec![TicketWrite::Create(t.clone())],
                ..Commit::default()
            },
        ),
    )
    .await;
    assert_eq!(created.unwrap().tickets[0].version, 1);
    assert_eq!((one, step), (1, 0));

    // A stale compare-and-set.
    let (stale, one, step) = paths(
        &store,
        store.commit(
            ws,
            Commit {
                tickets: vec![TicketWrite::Update {
                    ticket: t.clone(),
                    expected_version: 7,
                }],
                ..Commit::default()
            },
        ),
    )
    .await;
    match stale {
        Err(Error::Conflict(m)) => assert!(m.contains("is at version 1, not 7"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!((one, step), (0, 1));

    // A number never reserved.
    let mut u = t.clone();
    u.id = helpdesk_core::model::TicketId::new();
    u.number = TicketNumber(99);
    let (unreserved, one, step) = paths(
        &store,
        store.commit(
            ws,
            Commit {
                tickets: vec![TicketWrite::Create(u)],
                ..Commit::default()
            },
        ),
    )
    .await;
    match unreserved {
        Err(Error::Conflict(m)) => assert!(m.contains("never reserved"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!((one, step), (0, 1));
    assert_eq!(store.ticket(ws, t.id).await.unwrap().unwrap().version, 1);
}
