//! On a database that was never analyzed, a lookup of a row by its primary
//! key is planned on the primary key (migration 0004): the foreign-key
//! checks of every message, event, outbox row, job and ingest key look up
//! their ticket so, with the generic plan each connection keeps.

mod common;

use common::*;
use helpdesk_core::engine::{Helpdesk, NewTicket};
use helpdesk_core::model::WorkspaceId;
use helpdesk_postgres::sqlx::{self, Connection, PgConnection};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lookups_by_id_use_the_primary_key_before_any_analyze() {
    let Some(db) = test_db().await else { return };
    let desk = Helpdesk::builder(db.dyn_store()).build();
    let ws = WorkspaceId::new();
    for i in 0..3 {
        desk.create_ticket(
            ws,
            NewTicket::from_customer(&format!("c{i}@example.com"), "Hi", "Hello"),
        )
        .await
        .unwrap();
    }
    let mut conn = PgConnection::connect_with(&db.options).await.unwrap();
    let never_analyzed: f32 = sqlx::query_scalar(
        "SELECT reltuples FROM pg_class WHERE oid = 'helpdesk.tickets'::regclass",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(
        never_analyzed < 0.0,
        "the test needs a table never analyzed"
    );
    sqlx::raw_sql("SET plan_cache_mode = force_generic_plan")
        .execute(&mut conn)
        .await
        .unwrap();
    // The statements of the foreign-key checks (as PostgreSQL writes them)
    // and of the store's reads by id.
    for (i, (table, statement, index)) in [
        (
            "tickets",
            "SELECT 1 FROM ONLY helpdesk.tickets x WHERE workspace OPERATOR(pg_catalog.=) $1 \
             AND id OPERATOR(pg_catalog.=) $2 FOR KEY SHARE OF x",
            "tickets_pkey",
        ),
        (
            "tickets",
            "SELECT number, version, doc FROM helpdesk.tickets WHERE workspace = $1 AND id = $2",
            "tickets_pkey",
        ),
        (
            "messages",
            "SELECT 1 FROM ONLY helpdesk.messages x WHERE workspace OPERATOR(pg_catalog.=) $1 \
             AND id OPERATOR(pg_catalog.=) $2 FOR KEY SHARE OF x",
            "messages_pkey",
        ),
        (
            "contacts",
            "SELECT 1 FROM ONLY helpdesk.contacts x WHERE workspace OPERATOR(pg_catalog.=) $1 \
             AND id OPERATOR(pg_catalog.=) $2 FOR KEY SHARE OF x",
            "contacts_pkey",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "PREPARE lookup{i}(uuid, uuid) AS {statement}"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "EXPLAIN EXECUTE lookup{i}('00000000-0000-0000-0000-000000000001', \
             '00000000-0000-0000-0000-000000000002')"
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let plan = plan.join("\n");
        assert!(
            plan.contains(&format!("Index Scan using {index} on {table}")),
            "{statement}\n{plan}"
        );
    }
    conn.close().await.unwrap();
}
