//! Shared helpers of the integration tests: a fresh, migrated test
//! database per test (see `conformance.rs`).

#![allow(dead_code, unreachable_pub)]

use helpdesk_core::ports::DynStore;
use helpdesk_postgres::PgStore;
use helpdesk_postgres::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use helpdesk_postgres::sqlx::{self, AssertSqlSafe, Connection, PgConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Test databases older than this are left over from killed runs: dropped.
const STALE_AFTER_SECS: u64 = 3 * 3600;

pub fn server_url() -> String {
    std::env::var("HELPDESK_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A fresh database with a migrated store on it. Dropping it drops the
/// database (with `FORCE`, so open connections do not keep it alive).
pub struct TestDb {
    pub name: String,
    pub admin: PgConnectOptions,
    pub options: PgConnectOptions,
    pub store: Arc<PgStore>,
}

impl TestDb {
    pub fn dyn_store(&self) -> Arc<DynStore> {
        self.store.clone()
    }

    /// A second pool on the same database.
    pub async fn pool(&self) -> sqlx::PgPool {
        PgPoolOptions::new()
            .max_connections(4)
            .connect_with(self.options.clone())
            .await
            .expect("pool on the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop runs inside the test's runtime (and maybe while panicking):
        // do the async cleanup on a thread with a runtime of its own.
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect_with(&admin).await {
                    drop_database(&mut conn, &name).await;
                    let _ = conn.close().await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

async fn drop_database(conn: &mut PgConnection, name: &str) {
    // Names are made here, from digits and hex: safe to put in SQL text.
    if let Err(e) = sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(&mut *conn)
    .await
    {
        eprintln!("warning: could not drop test database {name}: {e}");
    }
}

/// Drops test databases left behind by runs that were killed (their name
/// carries their creation time). Once per test process.
async fn drop_stale_databases(conn: &mut PgConnection) {
    static DONE: AtomicBool = AtomicBool::new(false);
    if DONE.swap(true, Ordering::SeqCst) {
        return;
    }
    let names: Vec<String> = sqlx::query_scalar(
        r"SELECT datname FROM pg_database WHERE datname LIKE 'helpdesk\_test\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    let now = unix_now();
    for name in names {
        let created = name
            .strip_prefix("helpdesk_test_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|c| c + STALE_AFTER_SECS < now) {
            drop_database(conn, &name).await;
        }
    }
}

/// Connects to the test server, or says why not: `None` = skip the test
/// (a panic instead when `HELPDESK_REQUIRE_SERVICES=1`).
pub async fn admin_connection() -> Option<(PgConnectOptions, PgConnection)> {
    let url = server_url();
    let admin: PgConnectOptions = url
        .parse()
        .unwrap_or_else(|e| panic!("HELPDESK_TEST_POSTGRES_URL is not a Postgres URL: {e}"));
    let failure =
        match tokio::time::timeout(Duration::from_secs(10), PgConnection::connect_with(&admin))
            .await
        {
            Ok(Ok(conn)) => return Some((admin, conn)),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "timed out after 10 s".to_string(),
        };
    let host = format!("{}:{}", admin.get_host(), admin.get_port());
    if std::env::var("HELPDESK_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
        panic!("PostgreSQL at {host} is required (HELPDESK_REQUIRE_SERVICES=1): {failure}");
    }
    eprintln!(
        "\n*** SKIPPED: no PostgreSQL at {host} ({failure}); set HELPDESK_TEST_POSTGRES_URL, \
         or HELPDESK_REQUIRE_SERVICES=1 to fail instead ***\n"
    );
    None
}

/// A fresh, migrated database; `None` when the test is skipped.
pub async fn test_db() -> Option<TestDb> {
    let (admin, mut conn) = admin_connection().await?;
    drop_stale_databases(&mut conn).await;
    let name = format!("helpdesk_test_{}_{}", unix_now(), &uuid_hex()[..16]);
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .expect("create the test database");
    let _ = conn.close().await;
    let options = admin.clone().database(&name);
    // From here on the guard drops the database whatever happens.
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .connect_with(options.clone())
        .await;
    let db = TestDb {
        name,
        admin,
        options,
        store: Arc::new(PgStore::new(pool.expect("connect to the test database"))),
    };
    let ran = db.store.migrate().await.expect("migrate");
    assert_eq!(ran, 8, "a fresh database runs every migration");
    Some(db)
}

pub fn uuid_hex() -> String {
    helpdesk_core::model::WorkspaceId::new()
        .as_uuid()
        .simple()
        .to_string()
        .chars()
        .rev()
        .collect()
}

impl helpdesk_core::conformance::StoreGuard for TestDb {
    fn store(&self) -> Arc<helpdesk_core::ports::DynStore> {
        self.dyn_store()
    }
}
