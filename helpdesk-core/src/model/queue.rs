//! Queues tickets wait in.

use crate::model::ids::{QueueId, WorkspaceId};
use serde::{Deserialize, Serialize};

/// A queue: a list of tickets waiting to be handled ("handle next" takes from it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    /// Unique id.
    pub id: QueueId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// Name.
    pub name: String,
}
