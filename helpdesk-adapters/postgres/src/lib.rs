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
//!   [`reserve_ticket_number`](helpdesk_core::ports::Store::reserve_ticket_number)
//!   bumps that row in a short transaction of its own that does not wait for
//!   its WAL flush, so concurrent creators are not serialised on the disk (a
//!   reserved number is only used by a later synchronous commit, whose flush
//!   covers it).
//!   A commit of the common shapes (an ingested mail, an agent's reply or
//!   update) is sent as one statement, which is its transaction: one round
//!   trip. A commit of another shape, or one that statement refuses, is
//!   applied step by step in a transaction, which reports the error.
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
//! - Query columns (`created_at`, `updated_at`, due and activity times) hold
//!   microseconds: filters and sorts on times that differ by less than a
//!   microsecond see them as equal (the memory store does not).
//! - `Filter::Text` is a word-prefix search (see below) with the core's
//!   language-neutral tokeniser: no stemming, no stop words, no accent
//!   folding for the workspace's language (PostgreSQL's text search
//!   configurations are not used, so both stores agree). Only the first
//!   32,768 distinct words (256 KiB) of a text are indexed.
//!
//! ## Queries
//!
//! [`query_tickets`](helpdesk_core::ports::Store::query_tickets),
//! [`count_tickets`](helpdesk_core::ports::Store::count_tickets) and
//! [`neighbours`](helpdesk_core::ports::Store::neighbours) compile the
//! [`Filter`](helpdesk_core::query::Filter) AST to one SQL statement. The
//! statement's text is built from the AST's shape only; every value a filter
//! carries (ids, status labels, tags, texts, times, cursor positions) is a
//! bind parameter. (The four lifecycle states are written as constants from
//! a closed set, so the planner can match the partial indexes of the
//! built-in views.) Paging is keyset: the cursor's sort values and ticket
//! number are compared with the sort columns, key by key in each key's
//! direction (a missing due time sorts last ascending, as in the core).
//!
//! The columns lists look at are written with every ticket write beside the
//! document (migration `0002_queries`): status, priority rank, channel
//! kind, kind, `tags text[]` and `followers uuid[]` (GIN indexes), the next
//! SLA due time (`SlaDue::next_due`), last inbound and last activity times,
//! the unread flag and the words of the subject. The first page of "Waiting
//! to be taken", "Mine", "Assigned to other agents" and "Closed" is an
//! ordered scan of a partial index whose predicate is the view's filter, so
//! it reads about one page of rows whatever the size of the workspace;
//! "Following" walks the last-activity index and filters on the followers
//! array (or uses its GIN index, as the planner sees fit), "Favourites"
//! starts from the favourites table. Counters are index-only scans of slim partial indexes
//! (`(workspace)`, `(workspace, assignee)`: keys that repeat, which B-tree
//! deduplication packs), so they stay O(rows counted) but cheap per row
//! (about 40 ms for 850,000 closed tickets on two cores).
//!
//! `Filter::Text` keeps the exact semantics of the core (every search word
//! is a prefix of a word of the subject or of some message's text; see
//! `helpdesk_core::query::words`) with `tsvector`s and GIN indexes
//! (migration `0003_text_search`): the store splits texts into words in
//! Rust with the core tokeniser when it writes a ticket or a message
//! (including redactions and anonymisation) and stores them with
//! `array_to_tsvector` in `tickets.subject_words` and `messages.words`, so
//! PostgreSQL's parser and dictionaries never see the text. Each search
//! word `w`, split by the same tokeniser, is bound as the prefix query
//! `'w':*` and tested with `subject_words @@ $n::tsquery OR EXISTS (a
//! message of the ticket with words @@ $n::tsquery)`; the words are ANDed.
//! The message side is answered from the GIN index of `messages.words` (a
//! hashed subplan over a bitmap index scan); the tickets left by the other
//! predicates are then checked against it. Results equal the memory
//! store's: both tokenise in Rust, and a prefix `tsquery` compares lexemes
//! byte by byte as `str::starts_with` does. There is no stemming for the
//! workspace's language (`refunds` is not found by `refunded`), by design.
//! Rows stored before `0003` got their words from an SQL approximation of
//! the tokeniser; the next write of the row replaces them.
//!
//! Saved views are JSONB documents (listed by name in byte order, then id);
//! favourites are rows of `(workspace, agent, ticket)`. Deleting a ticket
//! deletes its messages, email-id rows, events, outbox rows, jobs, ingest
//! keys and favourites; the autoresponder's per-address send log is kept
//! (as in the memory store).
//!
//! [`PgStore`] is also a [`Blobs`](helpdesk_core::ports::Blobs) store
//! (give it to `HelpdeskBuilder::blobs`): attachment bytes in the `blobs`
//! table (migration `0006_blobs`), one row per put, under a random key;
//! the engine deletes the rows of erased messages.
//!
//! The store passes the whole conformance suite and the query conformance
//! suite of `helpdesk-core` (see this crate's `tests/conformance.rs`), and
//! the acceptance tests of `tests/issue6.rs`, and the blob contract
//! (`conformance::blobs_round_trip`).

#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(unreachable_pub)]

mod batch;
mod blobs;
mod config;
mod error;
mod migrations;
mod query;
mod schema;
mod store;

pub use config::{DEFAULT_SCHEMA, PgConfig, PgConfigBuilder};
pub use store::PgStore;

/// The sqlx this crate is built with: use it for the [`PgPool`](sqlx::PgPool)
/// you hand to [`PgStore::new`], so the versions match.
pub use sqlx;
