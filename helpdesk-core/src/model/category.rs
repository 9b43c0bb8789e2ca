//! Ticket categories.

use crate::model::ids::{CategoryId, SlaPolicyId, WorkspaceId};
use serde::{Deserialize, Serialize};

/// A category of tickets. It may carry an SLA policy and demand a status
/// before a ticket may be closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Unique id.
    pub id: CategoryId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// Name.
    pub name: String,
    /// SLA policy of this category's tickets (an organization's policy wins).
    pub sla_policy: Option<SlaPolicyId>,
    /// Closing requirement: `None` = none; `Some(list)` = the ticket must have a
    /// status before it may be closed, and when `list` is not empty the status
    /// must be one of `list`.
    pub close_requires_status: Option<Vec<String>>,
}

impl Category {
    /// A category with no SLA policy and no closing requirement.
    pub fn new(workspace: WorkspaceId, name: impl Into<String>) -> Self {
        Self {
            id: CategoryId::new(),
            workspace,
            name: name.into(),
            sla_policy: None,
            close_requires_status: None,
        }
    }
}
