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
}

impl WorkspaceSettings {
    /// Settings with nothing set.
    pub fn new(workspace: WorkspaceId) -> Self {
        Self {
            workspace,
            default_sla_policy: None,
            blocklist: Vec::new(),
        }
    }
}
