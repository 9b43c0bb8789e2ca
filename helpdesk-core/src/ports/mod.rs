//! Ports: the traits the engine talks to the outside through (DESIGN.md §2,
//! §7), and the rows they carry. Adapters implement them.

mod blobs;
mod clock;
mod commit;
mod store;
mod translator;
mod transport;
mod work;

pub use blobs::{Blobs, MemoryBlobs};
pub use clock::{Clock, ManualClock, SystemClock};
pub use commit::{
    Commit, CommitOutcome, ContactWrite, DirectoryRecord, IngestRecord, JobWrite,
    MailboxCheckpoint, MessageUpdate, OutboxWrite, TicketWrite,
};
pub use store::{DynStore, RecordId, Store, StoreExt};
pub use translator::{Translation, Translator};
pub use transport::{
    Delivered, OutgoingAttachment, OutgoingMessage, RecordingTransport, SendError, Transport,
};
pub use work::{Job, JobKind, OutboxItem, OutboxStatus};
