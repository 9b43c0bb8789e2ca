//! Full-text search (`Filter::Text`) on PostgreSQL: the GIN indexes of
//! the word columns answer it, the word lists of huge texts stay inside
//! `tsvector`'s limits with the memory store's semantics, and migration 0003
//! fills the word columns of rows stored before it.
//!
//! Like `conformance.rs`, every test gets a fresh database and is skipped
//! (loudly) when no server answers, unless `HELPDESK_REQUIRE_SERVICES=1`.

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use helpdesk_core::model::{Actor, AgentId, Channel, ContactId, Message, Ticket, WorkspaceId};
use helpdesk_core::ports::{Commit, DynStore, TicketWrite};
use helpdesk_core::query::words::{MAX_WORDS, words};
use helpdesk_core::query::{Filter, Query, Sort, SortKey};
use helpdesk_memory::MemoryStore;
use helpdesk_postgres::PgStore;
use helpdesk_postgres::sqlx::{self, AssertSqlSafe, PgPool};
use std::sync::Arc;

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

/// Seeds `tickets` tickets of `ws` with `per_ticket` messages each, in two
/// statements. Message `j` of ticket `i` holds the words `message`,
/// `ticket<i>`, `word<(i * per_ticket + j) % 5000>` and `common`; the
/// subjects are `subject <i>`.
async fn seed(pool: &PgPool, ws: WorkspaceId, tickets: i64, per_ticket: i64) {
    sqlx::query(
        "INSERT INTO helpdesk.tickets (workspace, id, number, version, state, requester,
            priority, created_at, updated_at, doc, subject_words, last_activity)
         SELECT $1, gen_random_uuid(), i, 1, 'open', gen_random_uuid(), 'normal',
            $2 + i * interval '1 minute', $2 + i * interval '1 minute', '{}'::jsonb,
            array_to_tsvector(ARRAY['subject', i::text]), $2 + i * interval '1 minute'
         FROM generate_series(1, $3::bigint) AS i",
    )
    .bind(ws.as_uuid())
    .bind(t0())
    .bind(tickets)
    .execute(pool)
    .await
    .expect("seed tickets");
    sqlx::query(
        "INSERT INTO helpdesk.messages (workspace, id, ticket, direction, author_system,
            created_at, doc, words)
         SELECT t.workspace, gen_random_uuid(), t.id, 'inbound', false, t.created_at, '{}'::jsonb,
            array_to_tsvector(ARRAY['message', 'ticket' || t.number, 'common',
                'word' || ((t.number * $2 + j) % 5000)])
         FROM helpdesk.tickets t, generate_series(0, $2::bigint - 1) AS j
         WHERE t.workspace = $1",
    )
    .bind(ws.as_uuid())
    .bind(per_ticket)
    .execute(pool)
    .await
    .expect("seed messages");
    sqlx::query("INSERT INTO helpdesk.ticket_counters VALUES ($1, $2)")
        .bind(ws.as_uuid())
        .bind(tickets)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("VACUUM ANALYZE helpdesk.tickets, helpdesk.messages")
        .execute(pool)
        .await
        .unwrap();
}

/// A search on 20,000 messages reads the messages through their GIN index
/// (a bitmap index scan of `messages_words_idx`), not by scanning them, for
/// a page and for a count.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn text_search_uses_the_gin_index() {
    let Some(db) = test_db().await else { return };
    let pool = db.pool().await;
    let ws = WorkspaceId::new();
    let me = AgentId::new();
    seed(&pool, ws, 2_000, 10).await;
    // Another workspace, so the messages table is not all one workspace.
    seed(&pool, WorkspaceId::new(), 500, 10).await;
    let messages: i64 = sqlx::query_scalar("SELECT count(*) FROM helpdesk.messages")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(messages, 25_000);

    for search in ["word123", "WORD12", "ticket1999 word", "word4999"] {
        let filter = Filter::Text(search.into());
        let query = Query::new(me)
            .filter(filter.clone())
            .sort(Sort::asc(SortKey::Number))
            .limit(50);
        for (what, plan) in [
            ("page", db.store.explain_query(ws, &query).await.unwrap()),
            (
                "count",
                db.store.explain_count(ws, &filter, me).await.unwrap(),
            ),
        ] {
            assert!(
                plan.contains("Bitmap Index Scan on messages_words_idx"),
                "{search:?} ({what}): the words index\n{}\n{plan}",
                db.store.explain_sql(ws, &query).unwrap()
            );
            assert!(
                !plan.contains("Seq Scan on messages"),
                "{search:?} ({what}): no scan of the messages\n{plan}"
            );
        }
    }

    // And the answers are right (counts: the seeded documents are empty).
    let count = |s: &'static str| {
        let store = db.store.clone();
        async move {
            helpdesk_core::ports::Store::count_tickets(&*store, ws, &Filter::Text(s.into()), me)
                .await
                .unwrap()
        }
    };
    // Message j of ticket n holds word<(10 n + j) % 5000>. word123 is a
    // prefix of word123 (tickets 12, 512, 1012, 1512) and of word1230 to
    // word1239 (tickets 123, 623, 1123, 1623).
    assert_eq!(count("word123").await, 8);
    assert_eq!(count("word4999").await, 4, "tickets 499, 999, 1499, 1999");
    // ticket12 is a prefix of ticket12, ticket120.., ticket1200..; of
    // those, 12 and 120..129 have a word starting with word12.
    assert_eq!(count("ticket12 word12").await, 11);
    assert_eq!(count("subject 77").await, 11, "77, 770..779 (prefix)");
    assert_eq!(count("subject message common").await, 2_000);
    assert_eq!(count("ticket7 word9999").await, 0);
}

/// The same tickets (same ids) in any store.
async fn huge_data(store: &Arc<DynStore>, ws: WorkspaceId, huge: &str) {
    let mut t = Ticket::new(
        ws,
        "Huge mail",
        ContactId::from_u128(7),
        Channel::Email,
        t0(),
    );
    t.id = helpdesk_core::model::TicketId::from_u128(1);
    let m = Message::new(ws, t.id, Actor::System, Channel::Email, huge, t0());
    let mut small = Ticket::new(ws, "Small", ContactId::from_u128(7), Channel::Email, t0());
    small.id = helpdesk_core::model::TicketId::from_u128(2);
    let n = Message::new(
        ws,
        small.id,
        Actor::System,
        Channel::Email,
        "w1 w2 tail",
        t0(),
    );
    store
        .commit(
            ws,
            Commit {
                tickets: vec![TicketWrite::Create(t), TicketWrite::Create(small)],
                messages: vec![m, n],
                ..Commit::default()
            },
        )
        .await
        .expect("a huge message is stored");
}

/// A 10 MB message of distinct words is stored (its word list is capped
/// inside `tsvector`'s limits) and both stores agree on what is found:
/// words before the cap, not after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn huge_messages_are_capped_the_same_way() {
    let Some(db) = test_db().await else { return };
    let mut huge = String::with_capacity(10 << 20);
    let mut i = 0u64;
    while huge.len() < 10 << 20 {
        huge.push_str(&format!("w{i} "));
        i += 1;
    }
    huge.push_str("tail");
    let kept = words(&huge);
    assert_eq!(kept.len(), MAX_WORDS);
    let pg = db.dyn_store();
    let memory: Arc<DynStore> = Arc::new(MemoryStore::new());
    let ws = WorkspaceId::new();
    huge_data(&pg, ws, &huge).await;
    huge_data(&memory, ws, &huge).await;
    let me = AgentId::new();
    let last_kept = format!("w{}", MAX_WORDS - 1);
    let first_dropped = format!("w{}", MAX_WORDS);
    for (search, want) in [
        ("w0", vec![1u64]),
        ("w1", vec![1, 2]),
        (last_kept.as_str(), vec![1]),
        (first_dropped.as_str(), vec![]),
        ("w999999", vec![]),
        ("tail", vec![2]),
        ("huge w17", vec![1]),
    ] {
        let q = Query::new(me)
            .filter(Filter::Text(search.into()))
            .sort(Sort::asc(SortKey::Number));
        for (name, store) in [("postgres", &pg), ("memory", &memory)] {
            let got: Vec<u64> = store
                .query_tickets(ws, &q)
                .await
                .unwrap()
                .tickets
                .iter()
                .map(|t| t.number.0)
                .collect();
            assert_eq!(got, want, "{name}: {search:?}");
        }
    }
    let pool = db.pool().await;
    let lexemes: i32 =
        sqlx::query_scalar("SELECT max(length(words)) FROM helpdesk.messages WHERE workspace = $1")
            .bind(ws.as_uuid())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(lexemes as usize, MAX_WORDS);
}

/// A schema migrated to 0002 with a ticket and messages stored in it:
/// migrating runs 0003 (and 0004), which fills the word columns from the
/// documents (the same words as the core tokeniser for this text), drops
/// the substring columns and creates the indexes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migration_0003_fills_the_words_of_old_rows() {
    let Some(db) = test_db().await else { return };
    let pool = db.pool().await;
    let schema = "legacy";
    let quoted = format!("\"{schema}\"");
    // What `migrate` would have left after 0002 (the ledger as it makes it).
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE SCHEMA {quoted};
         CREATE TABLE {quoted}.schema_migrations (
            version      bigint      PRIMARY KEY,
            description  text        NOT NULL,
            checksum     bytea       NOT NULL,
            installed_on timestamptz NOT NULL DEFAULT now(),
            execution_ms bigint      NOT NULL
         )"
    )))
    .execute(&pool)
    .await
    .unwrap();
    for (version, description, sql) in [
        (
            1i64,
            "initial",
            include_str!("../migrations/0001_initial.sql"),
        ),
        (2, "queries", include_str!("../migrations/0002_queries.sql")),
    ] {
        sqlx::raw_sql(AssertSqlSafe(sql.replace("{schema}", &quoted)))
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {quoted}.schema_migrations (version, description, checksum, execution_ms)
             VALUES ($1, $2, sha256(convert_to($3, 'UTF8')), 0)"
        )))
        .bind(version)
        .bind(description)
        .bind(sql)
        .execute(&pool)
        .await
        .unwrap();
    }
    let ws = WorkspaceId::new();
    let subject = "Żółwie: INVOICE #2026/03 (urgent)";
    let texts = [
        "Dear support, my lamp is BROKEN.",
        "Zażółć gęślą jaźń; e-mail ann@example.com",
    ];
    let mut t = Ticket::new(ws, subject, ContactId::new(), Channel::Email, t0());
    t.number = helpdesk_core::model::TicketNumber(1);
    t.version = 1;
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {quoted}.tickets (workspace, id, number, version, state, requester,
            priority, created_at, updated_at, doc, subject_lc, last_activity)
         VALUES ($1, $2, 1, 1, 'open', $3, 'normal', $4, $4, $5, lower($6), $4)"
    )))
    .bind(ws.as_uuid())
    .bind(t.id.as_uuid())
    .bind(t.requester.as_uuid())
    .bind(t0())
    .bind(sqlx::types::Json(&t))
    .bind(subject)
    .execute(&pool)
    .await
    .unwrap();
    let mut messages = Vec::new();
    for text in texts {
        let m = Message::new(ws, t.id, Actor::System, Channel::Email, text, t0());
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {quoted}.messages (workspace, id, ticket, direction, author_system,
                created_at, doc, text_lc)
             VALUES ($1, $2, $3, 'inbound', true, $4, $5, lower($6))"
        )))
        .bind(ws.as_uuid())
        .bind(m.id.as_uuid())
        .bind(t.id.as_uuid())
        .bind(t0())
        .bind(sqlx::types::Json(&m))
        .bind(text)
        .execute(&pool)
        .await
        .unwrap();
        messages.push(m);
    }
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {quoted}.ticket_counters VALUES ($1, 1)"
    )))
    .bind(ws.as_uuid())
    .execute(&pool)
    .await
    .unwrap();

    let store = PgStore::with_schema(pool.clone(), schema).unwrap();
    assert_eq!(store.migrate().await.unwrap(), 6, "0003 to 0008");

    // The backfilled words are the core tokeniser's, for this text.
    let subject_words: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT tsvector_to_array(subject_words) FROM {quoted}.tickets"
    )))
    .fetch_one(&pool)
    .await
    .unwrap();
    let mut want = words(subject);
    want.sort();
    assert_eq!(subject_words, want);
    for m in &messages {
        let stored: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT tsvector_to_array(words) FROM {quoted}.messages WHERE id = $1"
        )))
        .bind(m.id.as_uuid())
        .fetch_one(&pool)
        .await
        .unwrap();
        let mut want = words(&m.text);
        want.sort();
        assert_eq!(stored, want, "{:?}", m.text);
    }
    let old_columns: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.columns
         WHERE table_schema = 'legacy' AND column_name IN ('subject_lc', 'text_lc')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(old_columns, 0, "the substring columns are gone");
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes
         WHERE schemaname = 'legacy' AND indexname LIKE '%words%' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(indexes, ["messages_words_idx", "tickets_subject_words_idx"]);

    // And the store finds the old rows.
    let store: Arc<DynStore> = Arc::new(store);
    let me = AgentId::new();
    for (search, found) in [
        ("żółw invo", true),
        ("2026 03 urgent", true),
        ("lamp broken zażółć", true),
        ("ann example", true),
        ("voice", false),
        ("e-mail", true),
    ] {
        let n = store
            .count_tickets(ws, &Filter::Text(search.into()), me)
            .await
            .unwrap();
        assert_eq!(n, u64::from(found), "{search:?}");
    }
    let page = store
        .query_tickets(ws, &Query::new(me).filter(Filter::Text("lamp".into())))
        .await
        .unwrap();
    assert_eq!(page.tickets.len(), 1);
    assert_eq!(page.tickets[0].subject, subject);
}
