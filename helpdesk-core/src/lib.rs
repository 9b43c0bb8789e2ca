//! # helpdesk-core
//!
//! The storage-agnostic core of the `helpdesk` engine: the domain model, the
//! rules as pure functions (lifecycle, merge, contact merge, links, field
//! changes, SLA calendars, mail classification and threading, printing),
//! the ports (the [`Store`], [`Clock`], [`Transport`], [`Blobs`] and
//! [`Translator`] traits) and the engine shell ([`Helpdesk`]) that runs
//! commands: load, decide, commit in one transaction.
//!
//! Most users depend on the `helpdesk` facade crate, which re-exports this
//! one and brings the adapters (the in-memory store by default).
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use helpdesk_core::engine::{Helpdesk, NewTicket, Reply};
//! use helpdesk_core::lifecycle::State;
//! use helpdesk_core::model::{Actor, AgentId, WorkspaceId};
//! use helpdesk_core::ports::RecordingTransport;
//! use std::sync::Arc;
//!
//! let email = Arc::new(RecordingTransport::new());
//! let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new()))
//!     .transport("email", email.clone())
//!     .build();
//! let (ws, agent) = (WorkspaceId::new(), AgentId::new());
//!
//! let ticket = desk
//!     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Broken lamp", "It flickers."))
//!     .await?;
//! desk.reply(ws, ticket.id, agent, Reply::text("Sorry! A new one is on its way.")).await?;
//! desk.add_note(ws, ticket.id, agent, "Sent from the Berlin warehouse.").await?;
//! let closed = desk.close(ws, ticket.id, Actor::Agent(agent), None).await?;
//! assert_eq!(closed.state, State::Closed);
//!
//! desk.dispatch_outbox().await?;
//! assert_eq!(email.sent().len(), 1); // the reply; the note never leaves
//! # Ok::<(), helpdesk_core::Error>(())
//! # }).unwrap();
//! ```
//!
//! [`Store`]: ports::Store
//! [`Clock`]: ports::Clock
//! [`Transport`]: ports::Transport
//! [`Blobs`]: ports::Blobs
//! [`Translator`]: ports::Translator
//! [`Helpdesk`]: engine::Helpdesk

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod anonymise;
pub mod contact_merge;
pub mod engine;
pub mod error;
pub mod fields;
pub mod lifecycle;
pub mod links;
pub mod mail;
pub mod merge;
pub mod model;
pub mod ports;
pub mod print;
pub mod query;
pub mod sla;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "conformance")]
pub mod query_conformance;

/// The shared byte buffer raw mail is kept in (re-exported from the
/// `bytes` crate): [`Helpdesk::ingest_bytes`](engine::Helpdesk::ingest_bytes)
/// keeps the caller's buffer instead of a copy.
pub use bytes::Bytes;
pub use error::{Error, Result};
