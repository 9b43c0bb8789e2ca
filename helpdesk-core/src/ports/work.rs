//! Rows of deferred work: the outbox (effects to deliver) and due jobs
//! (time-driven rules).

use crate::model::{Channel, JobId, MessageId, OutboxId, SlaTarget, TaskId, TicketId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Delivery state of an outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting (or waiting for a retry).
    Pending,
    /// Delivered.
    Sent,
    /// Given up.
    Failed,
    /// Cancelled before delivery.
    Cancelled,
}

/// An effect waiting to be delivered: an outbound message for a transport.
/// Written in the transaction of the command that caused it and delivered by
/// [`Helpdesk::dispatch_outbox`](crate::engine::Helpdesk::dispatch_outbox).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Unique id.
    pub id: OutboxId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// Ticket of the message.
    pub ticket: TicketId,
    /// The outbound message to deliver.
    pub message: MessageId,
    /// Channel (selects the transport).
    pub channel: Channel,
    /// Not before this instant (delayed send, retry backoff).
    pub not_before: DateTime<Utc>,
    /// Delivery attempts made so far.
    pub attempts: u32,
    /// State.
    pub status: OutboxStatus,
    /// Last delivery error.
    pub last_error: Option<String>,
    /// While claimed by a dispatcher: until when. Another dispatcher may claim
    /// the row again after this instant (the first one died).
    pub lease_until: Option<DateTime<Utc>>,
}

impl OutboxItem {
    /// A pending row for `message`, due at `not_before`.
    pub fn new(
        workspace: WorkspaceId,
        ticket: TicketId,
        message: MessageId,
        channel: Channel,
        not_before: DateTime<Utc>,
    ) -> Self {
        Self {
            id: OutboxId::new(),
            workspace,
            ticket,
            message,
            channel,
            not_before,
            attempts: 0,
            status: OutboxStatus::Pending,
            last_error: None,
            lease_until: None,
        }
    }
}

/// What a due job does when its time comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "target")]
#[non_exhaustive]
pub enum JobKind {
    /// Open a Pending or Closed ticket whose reopen date is reached.
    Reopen,
    /// Emit the warning of an SLA deadline.
    SlaWarning(SlaTarget),
    /// Emit the breach of an SLA deadline.
    SlaBreach(SlaTarget),
    /// Tell that a task is past its due date and not done
    /// ([`Helpdesk::add_task`](crate::engine::Helpdesk::add_task)).
    TaskDue(TaskId),
}

/// A time-driven job. At most one per (ticket, kind): scheduling again
/// replaces it (with a new id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Unique id (changes when the job is rescheduled).
    pub id: JobId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// Ticket it acts on.
    pub ticket: TicketId,
    /// What to do.
    pub kind: JobKind,
    /// When.
    pub due_at: DateTime<Utc>,
    /// While claimed by a runner: until when.
    pub lease_until: Option<DateTime<Utc>>,
}
