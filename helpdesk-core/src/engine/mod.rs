//! The engine shell: loads what a rule needs from the [`Store`](crate::ports::Store), calls the
//! pure rule, and commits the new state, its events and its outbox rows in
//! one store transaction (compare-and-set on the ticket `version`, retried a
//! bounded number of times on conflict).
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use helpdesk_core::engine::{Helpdesk, NewTicket};
//! use helpdesk_core::model::{AgentId, WorkspaceId};
//! use std::sync::Arc;
//!
//! let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
//! let ws = WorkspaceId::new();
//! let ticket = desk
//!     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Where is my order?", "Order 42 did not arrive."))
//!     .await?;
//! assert_eq!(ticket.number.0, 1);
//! # Ok::<(), helpdesk_core::Error>(())
//! # }).unwrap();
//! ```

mod attachments;
mod bulk;
mod config;
mod contact_merge;
mod conversation;
mod create;
mod directory;
mod dispatch;
mod due;
mod export;
mod forward;
mod ingest;
mod macros;
mod mail_identity;
mod merge_notice;
mod messages;
mod plan;
mod prepared;
mod print;
mod privacy;
mod public_link;
mod reads;
mod sla;
mod split;
mod tasks;
mod ticket_commands;
mod translate;

pub use attachments::AttachmentContent;
pub use bulk::{BulkAction, BulkItem};
pub use config::{EngineConfig, MailSettings};
pub use contact_merge::ContactMerge;
pub use conversation::{Conversation, Entry, LinkedMessage};
pub use create::{CreateMode, NewTicket, Requester};
pub use dispatch::DispatchReport;
pub use due::RunDueReport;
pub use forward::{Forward, ForwardScope};
pub use ingest::{AutoreplyOutcome, IngestOutcome, IngestStatus, Mailbox};
pub use macros::{Macro, MacroOutcome, MacroState};
pub use merge_notice::MergeNotice;
pub use messages::{CustomerMessageOutcome, Note, Reply, ReplyWarning};
pub use prepared::PreparedMail;
pub use print::Print;
pub use public_link::{PublicMessage, PublicTicket};
pub use tasks::{MAX_TASK_TITLE, NewTask, TaskChange};

use crate::ports::{Blobs, Clock, DynStore, SystemClock, Translator, Transport};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The helpdesk engine. Cheap to clone (everything inside is shared); safe to
/// use from many tasks and many processes over one store.
#[derive(Clone)]
pub struct Helpdesk {
    store: Arc<DynStore>,
    clock: Arc<dyn Clock>,
    transports: Arc<HashMap<String, Arc<dyn Transport>>>,
    /// Where attachment bytes go (`None`: not stored apart from the mail).
    blobs: Option<Arc<dyn Blobs>>,
    /// What translates messages (`None`: no translation).
    translator: Option<Arc<dyn Translator>>,
    config: Arc<EngineConfig>,
    /// Signing keys derived per workspace (see `mail_identity.rs`).
    keys: Arc<std::sync::Mutex<HashMap<crate::model::WorkspaceId, Arc<mail_identity::Identity>>>>,
}

impl fmt::Debug for Helpdesk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut transports: Vec<_> = self.transports.keys().collect();
        transports.sort();
        f.debug_struct("Helpdesk")
            .field("store", &self.store)
            .field("clock", &self.clock)
            .field("transports", &transports)
            .field("blobs", &self.blobs)
            .field("translator", &self.translator)
            .field("config", &self.config)
            .finish()
    }
}

impl Helpdesk {
    /// Starts building an engine over `store`.
    pub fn builder(store: Arc<DynStore>) -> HelpdeskBuilder {
        HelpdeskBuilder {
            store,
            clock: Arc::new(SystemClock),
            transports: HashMap::new(),
            blobs: None,
            translator: None,
            config: EngineConfig::default(),
        }
    }

    /// The store behind the engine.
    pub fn store(&self) -> &Arc<DynStore> {
        &self.store
    }

    /// The engine's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The engine's settings.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }
}

/// Builds a [`Helpdesk`].
pub struct HelpdeskBuilder {
    store: Arc<DynStore>,
    clock: Arc<dyn Clock>,
    transports: HashMap<String, Arc<dyn Transport>>,
    blobs: Option<Arc<dyn Blobs>>,
    translator: Option<Arc<dyn Translator>>,
    config: EngineConfig,
}

impl fmt::Debug for HelpdeskBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HelpdeskBuilder")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HelpdeskBuilder {
    /// Uses `clock` instead of the system clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Registers the transport of a channel key (see
    /// [`Channel::transport_key`](crate::model::Channel::transport_key), e.g.
    /// `"email"` or `"marketplace:allegro"`).
    pub fn transport(
        mut self,
        channel_key: impl Into<String>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        self.transports.insert(channel_key.into(), transport);
        self
    }

    /// Stores attachment bytes in `blobs`: those of inbound mail (each
    /// within the size limit, keyed on its [`Attachment`](crate::model::Attachment)'s
    /// `blob`) and files uploaded for replies
    /// ([`Helpdesk::upload`]); the outbox reads them back to send
    /// attachments. Without it, inbound attachments are read from the
    /// stored mail ([`Helpdesk::attachment`]) and replies cannot carry
    /// files.
    pub fn blobs(mut self, blobs: Arc<dyn Blobs>) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// Translates messages with `translator` ([`Helpdesk::translate`]).
    pub fn translator(mut self, translator: Arc<dyn Translator>) -> Self {
        self.translator = Some(translator);
        self
    }

    /// Uses `config`.
    pub fn config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// The engine.
    pub fn build(self) -> Helpdesk {
        Helpdesk {
            store: self.store,
            clock: self.clock,
            transports: Arc::new(self.transports),
            blobs: self.blobs,
            translator: self.translator,
            config: Arc::new(self.config),
            keys: Arc::default(),
        }
    }
}
