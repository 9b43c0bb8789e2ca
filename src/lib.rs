//! # helpdesk
//!
//! An embeddable helpdesk engine for Rust: tickets, a lifecycle with reopen
//! dates, merge and parent/child rules, an event history, an outbox for
//! effects, and storage behind a trait. This crate is the facade: it
//! re-exports [`helpdesk_core`] and, behind features, the adapters
//! (`memory`, on by default, gives [`MemoryStore`]).
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use helpdesk::engine::{Helpdesk, NewTicket, Reply};
//! use helpdesk::model::{Actor, AgentId, WorkspaceId};
//! use helpdesk::MemoryStore;
//! use std::sync::Arc;
//!
//! let desk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();
//! let (ws, agent) = (WorkspaceId::new(), AgentId::new());
//! let ticket = desk
//!     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Where is my parcel?", "Ordered last week."))
//!     .await?;
//! desk.reply(ws, ticket.id, agent, Reply::text("It ships today.")).await?;
//! let pending = desk.set_pending(ws, ticket.id, Actor::Agent(agent), None).await?;
//! println!("ticket {} is {}", pending.number, pending.state);
//! # Ok::<(), helpdesk::Error>(())
//! # }).unwrap();
//! ```

pub use helpdesk_core::*;

#[cfg(feature = "memory")]
pub use helpdesk_memory::MemoryStore;

#[cfg(feature = "smtp")]
pub use helpdesk_smtp;

#[cfg(feature = "imap")]
pub use helpdesk_imap;

#[cfg(feature = "postgres")]
pub use helpdesk_postgres;
