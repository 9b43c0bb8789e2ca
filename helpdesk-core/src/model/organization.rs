//! Organizations (companies) contacts belong to.

use crate::model::ids::{OrganizationId, SlaPolicyId, WorkspaceId};
use serde::{Deserialize, Serialize};

/// A company. Its SLA policy, when set, wins over the category's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Unique id.
    pub id: OrganizationId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// Name.
    pub name: String,
    /// SLA policy of this organization's tickets.
    pub sla_policy: Option<SlaPolicyId>,
}
