//! Agents and teams.

use crate::model::ids::{AgentId, TeamId, WorkspaceId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A person who answers tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Unique id.
    pub id: AgentId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: Option<String>,
    /// Whether the agent may work (inactive agents cannot be assigned).
    pub active: bool,
}

/// A group of agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// Unique id.
    pub id: TeamId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// Name.
    pub name: String,
    /// Members.
    pub members: BTreeSet<AgentId>,
}
