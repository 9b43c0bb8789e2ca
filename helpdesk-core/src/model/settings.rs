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
}
