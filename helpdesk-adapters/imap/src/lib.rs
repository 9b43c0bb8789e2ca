//! # helpdesk-imap
//!
//! The IMAP mailbox sync of the helpdesk engine: new mail in an IMAP folder
//! is fetched with [async-imap] over rustls (ring provider), parsed a fetch
//! batch at a time, and handed to the engine's ingest
//! ([`Helpdesk::ingest_prepared_at`](helpdesk_core::engine::Helpdesk::ingest_prepared_at),
//! what [`ingest_at`](helpdesk_core::engine::Helpdesk::ingest_at) does)
//! together with the folder's checkpoint (UIDVALIDITY + last UID), so the
//! position kept in the engine's store advances only with the commit of the
//! mail it covers: nothing lost, nothing twice.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use helpdesk_core::engine::{Helpdesk, Mailbox};
//! use helpdesk_core::model::WorkspaceId;
//! use helpdesk_imap::{AfterIngest, ImapConfig, MailboxSync, Security, ShutdownHandle};
//! use helpdesk_memory::MemoryStore;
//! use std::sync::Arc;
//!
//! let desk = Arc::new(Helpdesk::builder(Arc::new(MemoryStore::new())).build());
//! let workspace = WorkspaceId::new();
//! let config = ImapConfig::new(
//!     "imap.example.com",
//!     "support@example.com",
//!     "app-password",
//!     Mailbox::new("support@example.com"),
//! )
//! .security(Security::Tls)
//! .after_ingest(AfterIngest::MarkSeen);
//! let sync = MailboxSync::new(desk, workspace, config)?;
//!
//! // Once (e.g. from a cron job):
//! let report = sync.sync_once().await?;
//! println!("{} stored, {} rejected", report.ingested.len(), report.rejected.len());
//!
//! // Or live, with IDLE, until shut down:
//! let shutdown = ShutdownHandle::new();
//! let live = tokio::spawn({
//!     let (sync, signal) = (sync.clone(), shutdown.signal());
//!     async move { sync.watch(signal).await }
//! });
//! // ... later:
//! shutdown.shutdown();
//! live.await??;
//! # Ok(())
//! # }
//! ```
//!
//! Settings, behaviour and known limits: [`ImapConfig`].
//!
//! [async-imap]: https://docs.rs/async-imap/0.12

mod config;
mod connection;
mod error;
mod shutdown;
mod sync;

pub use config::{
    AfterIngest, AuthMechanism, DEFAULT_BATCH_SIZE, DEFAULT_IDLE_INTERVAL, DEFAULT_POLL_INTERVAL,
    DEFAULT_TIMEOUT, ImapConfig, Security,
};
pub use error::{ConfigError, SyncError};
pub use shutdown::{ShutdownHandle, ShutdownSignal};
pub use sync::{
    IngestedMail, MailboxSync, PostActionFailure, RejectedMail, SyncEvent, SyncReport, watch_all,
};
