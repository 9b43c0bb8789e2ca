//! Tasks linked to a ticket (seed 000): a to-do of the team's ("call the
//! courier", "refund on Friday"), with an owner and a due date, done or
//! not.

use crate::model::ids::{AgentId, TaskId, TicketId, WorkspaceId};
use crate::model::message::Actor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A task on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Task {
    /// Unique id.
    pub id: TaskId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// The ticket it belongs to.
    pub ticket: TicketId,
    /// What is to be done.
    pub title: String,
    /// Who is to do it.
    pub assignee: Option<AgentId>,
    /// By when.
    pub due: Option<DateTime<Utc>>,
    /// When it was done (`None`: still to do).
    pub done_at: Option<DateTime<Utc>>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// Who added it.
    pub created_by: Actor,
}

impl Task {
    /// A new task to do on `ticket`, added by `created_by` at `now`.
    pub fn new(
        workspace: WorkspaceId,
        ticket: TicketId,
        title: impl Into<String>,
        created_by: Actor,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: TaskId::new(),
            workspace,
            ticket,
            title: title.into(),
            assignee: None,
            due: None,
            done_at: None,
            created_at: now,
            created_by,
        }
    }

    /// Whether it is done.
    pub fn is_done(&self) -> bool {
        self.done_at.is_some()
    }
}
