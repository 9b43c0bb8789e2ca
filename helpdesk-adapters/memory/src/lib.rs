//! # helpdesk-memory
//!
//! The in-memory [`Store`](helpdesk_core::ports::Store) of the helpdesk
//! engine: the embedded default, and the reference implementation of the
//! store contract (it passes the whole conformance suite). Safe under
//! concurrent use from many tasks; nothing is persisted.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use helpdesk_core::engine::{Helpdesk, NewTicket};
//! use helpdesk_core::model::WorkspaceId;
//! use helpdesk_memory::MemoryStore;
//! use std::sync::Arc;
//!
//! let desk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();
//! let ticket = desk
//!     .create_ticket(WorkspaceId::new(), NewTicket::from_customer("ann@example.com", "Hello", "Hi!"))
//!     .await?;
//! assert_eq!(ticket.number.0, 1);
//! # Ok::<(), helpdesk_core::Error>(())
//! # }).unwrap();
//! ```

mod query;
mod store;
mod workspace;

pub use store::MemoryStore;
