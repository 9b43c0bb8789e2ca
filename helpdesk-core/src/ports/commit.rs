//! The unit of writing: one [`Commit`] per engine command, applied by the
//! store atomically (all or nothing).

use crate::model::{
    Agent, Category, Contact, Event, JobId, Message, MessageId, Organization, OutboxId, Queue,
    SendState, Task, TaskId, Team, Ticket, TicketId, WorkspaceSettings,
};
use crate::ports::work::{Job, JobKind, OutboxItem};
use crate::sla::SlaPolicy;
use chrono::{DateTime, Utc};

/// A ticket row to write.
#[derive(Debug, Clone, PartialEq)]
pub enum TicketWrite {
    /// Insert a new ticket with `version` 1. A ticket with number 0 gets the
    /// next number of the workspace; a ticket carrying a number (reserved
    /// with [`Store::reserve_ticket_number`](crate::ports::Store::reserve_ticket_number))
    /// keeps it (`Conflict` if another ticket has it).
    Create(Ticket),
    /// Replace a ticket if the stored `version` still equals
    /// `expected_version` (compare-and-set); the store writes
    /// `expected_version + 1`. Otherwise the whole commit fails with
    /// [`Error::Conflict`](crate::Error::Conflict).
    Update {
        /// The new row.
        ticket: Ticket,
        /// The version the command read.
        expected_version: u64,
    },
}

impl TicketWrite {
    /// The ticket being written.
    pub fn ticket(&self) -> &Ticket {
        match self {
            TicketWrite::Create(t) => t,
            TicketWrite::Update { ticket, .. } => ticket,
        }
    }
}

/// A contact row to write. The store keeps [`Contact::version`]: a created
/// contact is stored at version 1, an updated one at one more than before
/// the commit (once, however many writes of it the commit holds).
#[derive(Debug, Clone, PartialEq)]
pub enum ContactWrite {
    /// Insert (its `version` is not read); fails with `Conflict` when one of
    /// its emails belongs to another contact of the workspace.
    Create(Contact),
    /// Replace an existing contact (same email uniqueness rule): its
    /// `version` must be the one stored before the commit (the version it
    /// was read at), else the commit fails with `Conflict` and writes
    /// nothing.
    Update(Contact),
}

/// Directory records: the configuration entities tickets refer to.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DirectoryRecord {
    /// An agent.
    Agent(Agent),
    /// A team.
    Team(Team),
    /// A queue.
    Queue(Queue),
    /// A category.
    Category(Category),
    /// An organization.
    Organization(Organization),
    /// An SLA policy.
    SlaPolicy(Box<SlaPolicy>),
    /// The settings of a workspace.
    Settings(WorkspaceSettings),
}

/// A change to a stored message.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageUpdate {
    /// New delivery state (and, when known, the Message-ID it was sent with).
    SendState {
        /// The message.
        id: MessageId,
        /// The new state.
        state: SendState,
        /// Message-ID assigned at send time.
        message_id: Option<String>,
    },
    /// Replace the stored message by this one (same id and ticket): used
    /// only to anonymise. Its raw bytes and email ids are replaced too.
    Redact(Box<Message>),
}

/// A change to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxWrite {
    /// Add a row.
    Enqueue(OutboxItem),
    /// The row was delivered. Conflict when the row is no longer pending.
    Delivered {
        /// The row.
        id: OutboxId,
    },
    /// Delivery failed; try again at `not_before`.
    Retry {
        /// The row.
        id: OutboxId,
        /// Next attempt.
        not_before: DateTime<Utc>,
        /// The error.
        error: String,
    },
    /// Delivery failed for good.
    Failed {
        /// The row.
        id: OutboxId,
        /// The error.
        error: String,
    },
    /// Cancel a pending row. Conflict when it is no longer pending.
    Cancel {
        /// The row.
        id: OutboxId,
    },
}

/// A change to the due jobs.
#[derive(Debug, Clone, PartialEq)]
pub enum JobWrite {
    /// Schedule (or reschedule, replacing) the job of `kind` on `ticket`.
    Schedule(Job),
    /// Remove the job of `kind` on `ticket`, if any.
    Cancel {
        /// The ticket.
        ticket: TicketId,
        /// The kind.
        kind: JobKind,
    },
    /// The job ran: remove it. Conflict when it no longer exists (another
    /// runner completed it, or it was rescheduled), which rolls the whole
    /// commit back, so a job's effect is committed exactly once.
    Complete(JobId),
}

/// Everything one command writes, applied atomically by
/// [`Store::commit`](crate::ports::Store::commit).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commit {
    /// Ticket rows.
    pub tickets: Vec<TicketWrite>,
    /// New messages.
    pub messages: Vec<Message>,
    /// Changes to stored messages.
    pub message_updates: Vec<MessageUpdate>,
    /// New events.
    pub events: Vec<Event>,
    /// Outbox changes.
    pub outbox: Vec<OutboxWrite>,
    /// Due job changes.
    pub jobs: Vec<JobWrite>,
    /// Contact rows.
    pub contacts: Vec<ContactWrite>,
    /// Directory rows to insert or replace.
    pub directory: Vec<DirectoryRecord>,
    /// Inbound mail dedupe keys to record; a key that is already recorded is
    /// a `Conflict` (the mail was ingested before).
    pub ingest_keys: Vec<IngestRecord>,
    /// Addresses automatic mail must not go to, until when (permanent
    /// bounces). Replaces an earlier entry of the same address.
    pub suppressions: Vec<(String, DateTime<Utc>)>,
    /// Mailbox sync positions to store (see [`MailboxCheckpoint`]).
    pub checkpoints: Vec<MailboxCheckpoint>,
    /// Tasks to insert or replace (by id). A task's ticket must exist (or
    /// be created in this commit) and a stored task keeps its ticket:
    /// `NotFound` / `Validation` otherwise. Deleting a ticket deletes its
    /// tasks.
    pub tasks: Vec<Task>,
    /// Tasks to delete (by id, of the ticket named with it); `NotFound` when
    /// one does not exist on that ticket.
    pub deleted_tasks: Vec<(TicketId, TaskId)>,
    /// Events to replace by id (same ticket): used only to anonymise.
    /// `NotFound` when an event does not exist.
    pub event_redactions: Vec<Event>,
    /// Tickets to delete with everything of theirs (messages, events,
    /// outbox rows, jobs, ingest records). `NotFound` when a ticket does not
    /// exist; `Validation` when another ticket still points at it (as parent
    /// or `merged_into`) and is not deleted in the same commit.
    pub deletions: Vec<TicketId>,
}

/// How far the sync of one remote mailbox folder has got: written in the
/// same commit as the mail it covers, so it never runs ahead of what is
/// stored. A checkpoint with the same `uid_validity` and a lower `last_uid`
/// than the stored one does not move it back; a different `uid_validity`
/// (the folder was recreated) replaces it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MailboxCheckpoint {
    /// Which mailbox and folder, e.g. `imap://support@shop.example/INBOX`.
    pub mailbox: String,
    /// The folder's UIDVALIDITY.
    pub uid_validity: u32,
    /// The highest UID ingested.
    pub last_uid: u32,
}

/// The record of one ingested inbound mail, keyed by mailbox and dedupe key
/// (the Message-ID, or a content hash when it has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestRecord {
    /// The mailbox address the mail arrived at (lowercase).
    pub mailbox: String,
    /// The dedupe key.
    pub key: String,
    /// The ticket the mail landed on.
    pub ticket: TicketId,
    /// The message it became.
    pub message: MessageId,
}

impl Commit {
    /// Whether the commit writes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// What the store reports back from a commit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommitOutcome {
    /// The ticket rows as stored (numbers and versions assigned), in the
    /// order of [`Commit::tickets`].
    pub tickets: Vec<Ticket>,
}
