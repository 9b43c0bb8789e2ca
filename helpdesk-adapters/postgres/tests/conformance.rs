//! The store conformance suite of `helpdesk-core` against PostgreSQL, plus
//! the Postgres-specific checks (migrations, configuration).
//!
//! Every test gets a fresh database (`helpdesk_test_<unix time>_<random>`)
//! on the server at `HELPDESK_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped when the test ends,
//! also when it fails. When no server answers, the test prints `SKIPPED` and
//! passes, unless `HELPDESK_REQUIRE_SERVICES=1`, which makes it fail.

mod common;

use common::*;
use helpdesk_postgres::sqlx;
use helpdesk_postgres::{PgConfig, PgStore};
use std::sync::Arc;
use std::time::Duration;

/// Every check of the core suite, each on a fresh database.
mod conformance {
    use super::*;

    helpdesk_core::conformance_tests!(guarded test_db());
}

/// Every check of the core's query suite, each on a fresh database (the
/// core's `conformance_query_tests!` has no guarded form: this is it).
mod query_conformance {
    use super::*;

    macro_rules! guarded_query_tests {
        ($($check:ident),* $(,)?) => {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    let Some(db) = test_db().await else { return };
                    helpdesk_core::query_conformance::$check(db.dyn_store()).await;
                    drop(db);
                }
            )*
        };
    }

    // The list of `helpdesk_core::conformance_query_tests!`.
    guarded_query_tests!(
        query_filter_fields,
        query_filter_combinators_and_merged,
        query_sort_keys,
        query_cursor_paging_under_writes,
        query_counts_match_views,
        query_views_crud,
        query_favourites,
        query_navigation,
        query_workspace_isolation,
        query_rejects_bad_input,
        query_text_search,
    );
}

/// The blob contract of `helpdesk-core` against the store's `blobs` table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_keep_the_contract() {
    let Some(db) = test_db().await else { return };
    helpdesk_core::conformance::blobs_round_trip(db.store.clone()).await;
    drop(db);
}

mod migrations {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn migrating_again_is_a_no_op_and_the_ledger_is_ours() {
        let Some(db) = test_db().await else { return };
        assert_eq!(db.store.migrate().await.unwrap(), 0, "second run: nothing");
        assert_eq!(db.store.migrate().await.unwrap(), 0, "third run: nothing");
        let pool = db.pool().await;
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM helpdesk.schema_migrations ORDER BY version")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(versions, vec![1, 2, 3, 4, 5, 6, 7, 8]);
        let strays: Vec<Option<String>> = sqlx::query_scalar(
            "SELECT to_regclass(name)::text FROM unnest(ARRAY['public._sqlx_migrations',
                'public.schema_migrations', 'public.tickets']) AS t(name)",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(
            strays.iter().all(Option::is_none),
            "nothing outside our schema: {strays:?}"
        );
        let tables: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'helpdesk'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(tables >= 14, "our tables are in schema helpdesk ({tables})");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_migrations_run_once() {
        let Some(db) = test_db().await else { return };
        let pool = db.pool().await;
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let store = PgStore::with_schema(pool.clone(), "other_desk").unwrap();
            tasks.push(tokio::spawn(async move { store.migrate().await }));
        }
        let mut ran = Vec::new();
        for t in tasks {
            ran.push(t.await.unwrap().expect("migrate"));
        }
        ran.sort_unstable();
        assert_eq!(ran, vec![0, 0, 0, 8]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn schemas_are_separate_stores() {
        use helpdesk_core::engine::{Helpdesk, NewTicket};
        use helpdesk_core::model::WorkspaceId;
        let Some(db) = test_db().await else { return };
        let other = PgStore::with_schema(db.pool().await, "support_desk").unwrap();
        assert_eq!(other.schema(), "support_desk");
        assert_eq!(other.migrate().await.unwrap(), 8);
        let ws = WorkspaceId::new();
        let desk = Helpdesk::builder(Arc::new(other.clone())).build();
        let t = desk
            .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Hi", "x"))
            .await
            .unwrap();
        assert_eq!(t.number.0, 1);
        use helpdesk_core::ports::Store;
        assert!(other.ticket(ws, t.id).await.unwrap().is_some());
        assert!(
            db.store.ticket(ws, t.id).await.unwrap().is_none(),
            "the default schema does not see it"
        );
        assert!(matches!(
            PgStore::with_schema(db.pool().await, "Robert'); DROP TABLE x; --"),
            Err(helpdesk_core::Error::Validation { .. })
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_changed_migration_is_refused() {
        let Some(db) = test_db().await else { return };
        let pool = db.pool().await;
        sqlx::query("UPDATE helpdesk.schema_migrations SET checksum = '\\x00'::bytea")
            .execute(&pool)
            .await
            .unwrap();
        let err = db.store.migrate().await.unwrap_err();
        assert!(
            matches!(err, helpdesk_core::Error::Storage(_)),
            "got {err:?}"
        );
        assert!(err.to_string().contains("checksum"), "{err}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn connect_with_a_config() {
        let Some(db) = test_db().await else { return };
        // The URL of the test database, as a caller would write it.
        let url = format!(
            "postgres://{}@{}:{}/{}",
            db.options.get_username(),
            db.options.get_host(),
            db.options.get_port(),
            db.name
        );
        let store = PgStore::connect(&PgConfig::builder(url).max_connections(2).build())
            .await
            .expect("connect");
        assert_eq!(store.migrate().await.unwrap(), 0, "same database, migrated");
        assert!(!format!("{store:?}").contains("postgres://"));
    }
}

mod config {
    use super::*;

    #[test]
    fn debug_never_prints_the_password_or_the_url() {
        let url = "postgres://helpdesk:s3cr3t-pa55@db.example.com:6543/app?sslmode=require";
        let config = PgConfig::builder(url).schema("support").build();
        for printed in [
            format!("{config:?}"),
            format!("{config:#?}"),
            format!("{:?}", PgConfig::builder(url)),
            format!("{:?}", PgConfig::new(url)),
        ] {
            assert!(!printed.contains("s3cr3t-pa55"), "{printed}");
            assert!(!printed.contains("postgres://"), "{printed}");
            assert!(printed.contains("db.example.com"), "{printed}");
            assert!(printed.contains("6543"), "{printed}");
        }
        let broken = PgConfig::new("not a url, password=s3cr3t-pa55");
        assert!(!format!("{broken:?}").contains("s3cr3t-pa55"));
    }

    #[test]
    fn builder_defaults() {
        let c = PgConfig::new("postgres://localhost/db");
        assert_eq!(c.schema(), "helpdesk");
        assert_eq!(c.max_connections(), 10);
        assert_eq!(c.acquire_timeout(), Duration::from_secs(30));
        let c = PgConfig::builder("postgres://localhost/db")
            .schema("desk")
            .max_connections(0)
            .acquire_timeout(Duration::from_secs(2))
            .build();
        assert_eq!(
            (c.schema(), c.max_connections(), c.acquire_timeout()),
            ("desk", 1, Duration::from_secs(2))
        );
    }
}

/// What the suite does not reach: the Postgres-specific edges of `commit`.
mod store {
    use super::*;
    use chrono::{TimeZone, Utc};
    use helpdesk_core::Error;
    use helpdesk_core::lifecycle::State;
    use helpdesk_core::model::{
        Actor, Channel, ContactId, JobId, Message, Ticket, TicketId, TicketNumber, WorkspaceId,
    };
    use helpdesk_core::ports::{
        Commit, Job, JobKind, JobWrite, OutboxItem, OutboxWrite, Store, TicketWrite,
    };

    fn now() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
    }

    fn ticket(ws: WorkspaceId) -> Ticket {
        Ticket::new(ws, "Subject", ContactId::new(), Channel::Email, now())
    }

    async fn create(store: &PgStore, ws: WorkspaceId, t: Ticket) -> Result<Ticket, Error> {
        let mut out = store
            .commit(
                ws,
                Commit {
                    tickets: vec![TicketWrite::Create(t)],
                    ..Commit::default()
                },
            )
            .await?;
        Ok(out.tickets.remove(0))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn reserved_numbers_are_kept_and_unreserved_ones_refused() {
        let Some(db) = test_db().await else { return };
        let (store, ws) = (&*db.store, WorkspaceId::new());
        let reserved = store.reserve_ticket_number(ws).await.unwrap();
        assert_eq!(reserved, TicketNumber(1));
        let next = create(store, ws, ticket(ws)).await.unwrap();
        assert_eq!(next.number, TicketNumber(2), "the reserved one is skipped");
        let mut t = ticket(ws);
        t.number = reserved;
        assert_eq!(create(store, ws, t).await.unwrap().number, reserved);
        let mut again = ticket(ws);
        again.number = reserved;
        let err = create(store, ws, again).await.unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "taken: {err:?}");
        let mut never = ticket(ws);
        never.number = TicketNumber(99);
        let err = create(store, ws, never).await.unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "not reserved: {err:?}");
        assert_eq!(
            create(store, ws, ticket(ws)).await.unwrap().number,
            TicketNumber(3),
            "failed creates used up no number"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn raw_bytes_are_kept_apart_and_nul_in_text_is_refused() {
        let Some(db) = test_db().await else { return };
        let (store, ws) = (&*db.store, WorkspaceId::new());
        let t = create(store, ws, ticket(ws)).await.unwrap();
        let mut m = Message::new(ws, t.id, Actor::System, Channel::Email, "body", now());
        m.raw = Some(vec![0, 159, 146, 150, b'\r', b'\n', 255].into());
        m.created_at = now() + chrono::Duration::nanoseconds(123_456_789);
        store
            .commit(
                ws,
                Commit {
                    messages: vec![m.clone()],
                    ..Commit::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(store.message(ws, m.id).await.unwrap(), Some(m.clone()));
        let raw_in_doc: bool = sqlx::query_scalar(
            "SELECT doc->'raw' <> 'null'::jsonb FROM helpdesk.messages WHERE id = $1",
        )
        .bind(m.id.as_uuid())
        .fetch_one(&db.pool().await)
        .await
        .unwrap();
        assert!(!raw_in_doc, "raw bytes live in their bytea column");

        let bad = Message::new(ws, t.id, Actor::System, Channel::Email, "a\0b", now());
        let err = store
            .commit(
                ws,
                Commit {
                    messages: vec![bad.clone()],
                    ..Commit::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "got {err:?}");
        assert!(store.message(ws, bad.id).await.unwrap().is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn outbox_and_job_writes_keep_their_rules() {
        let Some(db) = test_db().await else { return };
        let (store, ws) = (&*db.store, WorkspaceId::new());
        let t = create(store, ws, ticket(ws)).await.unwrap();
        let item = OutboxItem::new(
            ws,
            t.id,
            helpdesk_core::model::MessageId::new(),
            Channel::Email,
            now(),
        );
        let one = |w: OutboxWrite| Commit {
            outbox: vec![w],
            ..Commit::default()
        };
        store
            .commit(ws, one(OutboxWrite::Enqueue(item.clone())))
            .await
            .unwrap();
        store
            .commit(ws, one(OutboxWrite::Delivered { id: item.id }))
            .await
            .unwrap();
        let err = store
            .commit(ws, one(OutboxWrite::Cancel { id: item.id }))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "not pending: {err:?}");
        let err = store
            .commit(
                ws,
                one(OutboxWrite::Delivered {
                    id: helpdesk_core::model::OutboxId::new(),
                }),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "missing: {err:?}");
        let row = &store.outbox(ws, t.id).await.unwrap()[0];
        assert_eq!(row.attempts, 1);

        let job = |id| Job {
            id,
            workspace: ws,
            ticket: t.id,
            kind: JobKind::Reopen,
            due_at: now(),
            lease_until: None,
        };
        let (first, second) = (JobId::new(), JobId::new());
        for id in [first, second] {
            store
                .commit(
                    ws,
                    Commit {
                        jobs: vec![JobWrite::Schedule(job(id))],
                        ..Commit::default()
                    },
                )
                .await
                .unwrap();
        }
        let jobs = store.jobs(ws, t.id).await.unwrap();
        assert_eq!(jobs.len(), 1, "one job per (ticket, kind)");
        assert_eq!(jobs[0].id, second, "rescheduling gives the new id");
        let err = store
            .commit(
                ws,
                Commit {
                    jobs: vec![JobWrite::Complete(first)],
                    ..Commit::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "replaced job: {err:?}");
        let err = store
            .commit(
                ws,
                Commit {
                    jobs: vec![JobWrite::Schedule(job(JobId::new()))],
                    tickets: vec![TicketWrite::Update {
                        ticket: t.clone(),
                        expected_version: 7,
                    }],
                    ..Commit::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)));
        assert_eq!(store.jobs(ws, t.id).await.unwrap()[0].id, second);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn constraints_refuse_broken_tickets() {
        let Some(db) = test_db().await else { return };
        let (store, ws) = (&*db.store, WorkspaceId::new());
        let t = create(store, ws, ticket(ws)).await.unwrap();
        let update = |t: Ticket| Commit {
            tickets: vec![TicketWrite::Update {
                expected_version: t.version,
                ticket: t,
            }],
            ..Commit::default()
        };
        let mut closed_without_time = t.clone();
        closed_without_time.state = State::Closed;
        let err = store
            .commit(ws, update(closed_without_time))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "got {err:?}");
        let mut orphan = t.clone();
        orphan.parent = Some(TicketId::new());
        let err = store.commit(ws, update(orphan)).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "got {err:?}");
        let mut renumbered = t.clone();
        renumbered.number = TicketNumber(5);
        let err = store.commit(ws, update(renumbered)).await.unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "got {err:?}");
        assert_eq!(store.ticket(ws, t.id).await.unwrap(), Some(t));
    }
}
