//! # helpdesk-postgres
//!
//! The PostgreSQL [`Store`](helpdesk_core::ports::Store) of the helpdesk
//! engine, on [`sqlx`] (runtime-checked queries only: building it needs no
//! database and no `.sqlx/` data).
//!
//! ```no_run
//! # async fn run() -> Result<(), helpdesk_core::Error> {
//! use helpdesk_core::engine::{Helpdesk, NewTicket};
//! use helpdesk_core::model::WorkspaceId;
//! use helpdesk_postgres::PgStore;
//! use helpdesk_postgres::sqlx::PgPool;
//! use std::sync::Arc;
//!
//! // Share the application's pool; the store keeps to its own schema.
//! let pool = PgPool::connect("postgres://postgres@127.0.0.1:5432/app").await.unwrap();
//! let store = PgStore::new(pool);
//! store.migrate().await?; // idempotent: run it on every start
//! let desk = Helpdesk::builder(Arc::new(store)).build();
//! let ticket = desk
//!     .create_ticket(WorkspaceId::new(), NewTicket::from_customer("ann@example.com", "Hello", "Hi!"))
//!     .await?;
//! println!("created {}", ticket.number);
//! # Ok(())
//! # }
//! ```
//!
//! ## Schema and migrations
//!
//! Every table lives in one schema of the store's own (`helpdesk` unless
//! [`PgStore::with_schema`] or [`PgConfig`] says otherwise), and
//! [`PgStore::migrate`] records the embedded migrations in
//! `<schema>.schema_migrations`, so neither meets the host application's
//! tables or migration ledger. Entities are JSONB documents of the
//! `helpdesk-core` types beside real columns for everything that is looked up,
//! constrained or claimed (ticket numbers, versions, states, links, job and
//! outbox due times and leases, email ids, dedupe keys).
//!
//! ## Guarantees
//!
//! - [`commit`](helpdesk_core::ports::Store::commit) is one transaction:
//!   tickets are compare-and-set on their `version`, unique keys (contact
//!   emails, ingest keys, ticket numbers) taken by another row are
//!   `Conflict`, rows of another workspace are `Validation`. New tickets get
//!   their number from a per-workspace counter row inside the same
//!   transaction, so a failed commit uses up no number.
//! - [`claim_due_jobs`](helpdesk_core::ports::Store::claim_due_jobs) and
//!   [`claim_outbox`](helpdesk_core::ports::Store::claim_outbox) use
//!   `FOR UPDATE SKIP LOCKED`: several processes can share one database.
//! - Every read is scoped by workspace.
//!
//! ## Limits
//!
//! - Timestamps are stored at microsecond precision (Postgres' resolution)
//!   in the columns that are queried; the JSON documents keep them exactly.
//! - JSONB cannot hold the character U+0000: a text containing it is refused
//!   with `Validation` (the raw bytes of a message are stored apart, as
//!   `bytea`, and may contain anything).
//! - The ticket list queries, saved views and favourites of the `Store` trait
//!   are not implemented yet: they answer `Error::Unsupported` (the trait's
//!   default).
//!
//! The store passes the whole conformance suite of `helpdesk-core` (see this
//! crate's `tests/conformance.rs`).

#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(unreachable_pub)]

mod config;
mod error;
mod migrations;
mod schema;
mod store;

pub use config::{DEFAULT_SCHEMA, PgConfig, PgConfigBuilder};
pub use store::PgStore;

/// The sqlx this crate is built with: use it for the [`PgPool`](sqlx::PgPool)
/// you hand to [`PgStore::new`], so the versions match.
pub use sqlx;
