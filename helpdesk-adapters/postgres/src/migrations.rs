//! Embedded migrations with the store's own ledger table
//! (`<schema>.schema_migrations`), so they never meet the host application's
//! migrations (`_sqlx_migrations`, refinery, diesel, ...).

use crate::error::{PgError, PgResult};
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, PgPool};
use std::time::Instant;

/// One embedded migration. `{schema}` in its SQL stands for the quoted
/// schema name; the checksum is taken over the SQL as written (before that
/// replacement), so it does not depend on the schema.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) description: &'static str,
    pub(crate) sql: &'static str,
}

/// Every migration, in order. Never edit one that was released: add a new one.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "initial",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        description: "queries",
        sql: include_str!("../migrations/0002_queries.sql"),
    },
    Migration {
        version: 3,
        description: "text search",
        sql: include_str!("../migrations/0003_text_search.sql"),
    },
    Migration {
        version: 4,
        description: "id lookups",
        sql: include_str!("../migrations/0004_id_lookups.sql"),
    },
    Migration {
        version: 5,
        description: "automatic-message log erasure",
        sql: include_str!("../migrations/0005_automatic_sent_erasure.sql"),
    },
    Migration {
        version: 6,
        description: "attachment bytes",
        sql: include_str!("../migrations/0006_blobs.sql"),
    },
    Migration {
        version: 7,
        description: "blob references",
        sql: include_str!("../migrations/0007_blob_references.sql"),
    },
    Migration {
        version: 8,
        description: "tasks",
        sql: include_str!("../migrations/0008_tasks.sql"),
    },
];

fn checksum(m: &Migration) -> Vec<u8> {
    Sha256::digest(m.sql.as_bytes()).to_vec()
}

/// Applies the migrations the ledger of `schema` lacks, in one transaction,
/// under an advisory lock (so concurrent callers wait and then find nothing
/// to do). Returns how many ran.
pub(crate) async fn run(pool: &PgPool, quoted_schema: &str) -> PgResult<usize> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7243))")
        .bind(format!("helpdesk-postgres migrations {quoted_schema}"))
        .execute(&mut *tx)
        .await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(quoted_schema.trim_matches('"'))
            .fetch_one(&mut *tx)
            .await?;
    if !exists {
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {quoted_schema}")))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE TABLE IF NOT EXISTS {quoted_schema}.schema_migrations (
            version      bigint      PRIMARY KEY,
            description  text        NOT NULL,
            checksum     bytea       NOT NULL,
            installed_on timestamptz NOT NULL DEFAULT now(),
            execution_ms bigint      NOT NULL
        )"
    )))
    .execute(&mut *tx)
    .await?;
    let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT version, checksum FROM {quoted_schema}.schema_migrations ORDER BY version"
    )))
    .fetch_all(&mut *tx)
    .await?;
    for (version, sum) in &applied {
        match MIGRATIONS.iter().find(|m| m.version == *version) {
            None => return Err(PgError::UnknownMigration(*version)),
            Some(m) if checksum(m) != *sum => {
                return Err(PgError::MigrationChanged {
                    version: m.version,
                    description: m.description,
                });
            }
            Some(_) => {}
        }
    }
    let mut ran = 0;
    for m in MIGRATIONS {
        if applied.iter().any(|(v, _)| *v == m.version) {
            continue;
        }
        let started = Instant::now();
        sqlx::raw_sql(AssertSqlSafe(m.sql.replace("{schema}", quoted_schema)))
            .execute(&mut *tx)
            .await?;
        let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {quoted_schema}.schema_migrations (version, description, checksum, execution_ms)
             VALUES ($1, $2, $3, $4)"
        )))
        .bind(m.version)
        .bind(m.description)
        .bind(checksum(m))
        .bind(ms)
        .execute(&mut *tx)
        .await?;
        ran += 1;
    }
    tx.commit().await?;
    Ok(ran)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_and_sql_is_schema_qualified() {
        let mut last = 0;
        for m in MIGRATIONS {
            assert!(m.version > last);
            last = m.version;
            for line in m.sql.lines() {
                let l = line.trim_start().to_ascii_uppercase();
                if l.starts_with("CREATE TABLE") || l.starts_with("CREATE INDEX") {
                    assert!(line.contains("{schema}."), "unqualified: {line}");
                }
            }
        }
    }
}
