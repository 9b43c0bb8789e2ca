//! Workspace-wide settings.

use crate::model::ids::{SlaPolicyId, WorkspaceId};
use serde::{Deserialize, Serialize};

/// Settings of one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSettings {
    /// The workspace.
    pub workspace: WorkspaceId,
    /// SLA policy of tickets whose organization and category name none.
    pub default_sla_policy: Option<SlaPolicyId>,
    /// Blocked senders: full addresses, or `@domain` / `domain` entries
    /// (which also block subdomains). Their mail is classified as spam.
    #[serde(default)]
    pub blocklist: Vec<String>,
    /// A message an agent sends to open a ticket
    /// ([`NewTicket::to_customer`](crate::engine::NewTicket::to_customer))
    /// must name its queue (seed 004: "to send a message, fill in the
    /// subject and choose the queue"); else [`Error::Validation`](crate::Error::Validation)
    /// on `queue`. Mail that opens tickets is not affected (its mailbox's
    /// default queue and rules set one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_queue: bool,
}

impl WorkspaceSettings {
    /// Settings with nothing set.
    pub fn new(workspace: WorkspaceId) -> Self {
        Self {
            workspace,
            default_sla_policy: None,
            blocklist: Vec::new(),
            require_queue: false,
        }
    }
}
