//! The SLA state kept on a ticket: one [`Deadline`] per running target.

use crate::model::ids::SlaPolicyId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which SLA target a deadline measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaTarget {
    /// The first public agent reply.
    FirstResponse,
    /// The next public agent reply after a customer message.
    NextResponse,
    /// Resolving (closing) the ticket.
    Resolution,
}

impl SlaTarget {
    /// All targets.
    pub const ALL: [SlaTarget; 3] = [
        SlaTarget::FirstResponse,
        SlaTarget::NextResponse,
        SlaTarget::Resolution,
    ];

    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            SlaTarget::FirstResponse => "first_response",
            SlaTarget::NextResponse => "next_response",
            SlaTarget::Resolution => "resolution",
        }
    }
}

impl fmt::Display for SlaTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One running SLA deadline (a "deadline instance"). It is computed in
/// working time of the policy's calendar: `due = add(started, target +
/// paused)`, where `paused` is the working time the ticket spent Pending or
/// Closed since `started`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// When the clock of this deadline started.
    pub started: DateTime<Utc>,
    /// The target in working minutes (from the policy, or derived from a
    /// manual due date).
    pub target_minutes: u32,
    /// Working minutes spent paused since `started`.
    pub paused_minutes: u32,
    /// When it is due.
    pub due: DateTime<Utc>,
    /// When the warning fires (the policy's threshold of the target).
    pub warn_at: DateTime<Utc>,
    /// The warning event was emitted for this instance.
    pub warned: bool,
    /// The breach event was emitted for this instance.
    pub breached: bool,
}

/// The SLA state of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlaDue {
    /// The policy in effect (organization's, else category's, else the
    /// workspace default); `None` = no SLA.
    pub policy: Option<SlaPolicyId>,
    /// First response deadline, until met.
    pub first_response: Option<Deadline>,
    /// Next response deadline, while a customer waits for an answer.
    pub next_response: Option<Deadline>,
    /// Resolution deadline, until the ticket is closed.
    pub resolution: Option<Deadline>,
    /// A due date set by hand: overrides the resolution target.
    pub manual: Option<DateTime<Utc>>,
    /// Set while the ticket is Pending or Closed: the clocks are paused.
    pub paused_since: Option<DateTime<Utc>>,
}

impl SlaDue {
    /// The deadline of `target`, if running.
    pub fn deadline(&self, target: SlaTarget) -> Option<&Deadline> {
        match target {
            SlaTarget::FirstResponse => self.first_response.as_ref(),
            SlaTarget::NextResponse => self.next_response.as_ref(),
            SlaTarget::Resolution => self.resolution.as_ref(),
        }
    }

    /// Mutable access to the deadline slot of `target`.
    pub fn slot_mut(&mut self, target: SlaTarget) -> &mut Option<Deadline> {
        match target {
            SlaTarget::FirstResponse => &mut self.first_response,
            SlaTarget::NextResponse => &mut self.next_response,
            SlaTarget::Resolution => &mut self.resolution,
        }
    }

    /// The earliest due time of the running deadlines (for "sort by due").
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        SlaTarget::ALL
            .iter()
            .filter_map(|t| self.deadline(*t).map(|d| d.due))
            .min()
    }
}
