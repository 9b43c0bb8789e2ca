//! The four lifecycle states of a ticket.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a ticket is in its life (DESIGN.md §4).
///
/// The workspace-defined *status* label (New / In progress / Waiting ...) lives
/// beside the state and does not drive the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Work to do.
    Open,
    /// Waiting for the customer or a third party; may carry a reopen date.
    Pending,
    /// Resolved; may carry a reopen date; a customer reply opens it again.
    Closed,
    /// Final: a customer reply opens a new, linked ticket instead.
    Archived,
}

impl State {
    /// All states, in lifecycle order.
    pub const ALL: [State; 4] = [State::Open, State::Pending, State::Closed, State::Archived];

    /// The lowercase name (`open`, `pending`, `closed`, `archived`).
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Pending => "pending",
            State::Closed => "closed",
            State::Archived => "archived",
        }
    }

    /// Whether a reopen date may be set in this state.
    pub const fn allows_reopen_at(self) -> bool {
        matches!(self, State::Pending | State::Closed)
    }

    /// Whether `closed_at` is set in this state.
    pub const fn is_resolved(self) -> bool {
        matches!(self, State::Closed | State::Archived)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
