//! SLA policies: targets per priority over a business calendar, and which
//! policy applies to a ticket.

use crate::model::{Category, Organization, Priority, SlaPolicyId, SlaTarget, WorkspaceId};
use crate::sla::BusinessCalendar;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Targets of one priority, in working minutes. `None` = no such deadline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTargets {
    /// Minutes to the first public agent reply.
    pub first_response: Option<u32>,
    /// Minutes to the next public agent reply after a customer message.
    pub next_response: Option<u32>,
    /// Minutes to resolution (closing).
    pub resolution: Option<u32>,
}

impl SlaTargets {
    /// The minutes of `target`.
    pub fn get(&self, target: SlaTarget) -> Option<u32> {
        match target {
            SlaTarget::FirstResponse => self.first_response,
            SlaTarget::NextResponse => self.next_response,
            SlaTarget::Resolution => self.resolution,
        }
    }
}

/// An SLA policy: targets per priority, counted in the working time of a
/// [`BusinessCalendar`], and the warning threshold.
///
/// ```
/// use helpdesk_core::sla::{BusinessCalendar, SlaPolicy, SlaTargets, Tz, WorkInterval};
/// use helpdesk_core::model::{Priority, SlaTarget, WorkspaceId};
/// use chrono::Weekday;
///
/// let hours = WorkInterval::parse("08:00", "16:00")?;
/// let calendar = BusinessCalendar::builder(Tz::Europe__Warsaw)
///     .weekdays([Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri], [hours])
///     .build()?;
/// let policy = SlaPolicy::new(WorkspaceId::new(), "Standard", calendar)
///     .target(Priority::Normal, SlaTargets { first_response: Some(60), next_response: Some(240), resolution: Some(2400) });
/// assert_eq!(policy.minutes(Priority::Normal, SlaTarget::FirstResponse), Some(60));
/// assert_eq!(policy.minutes(Priority::High, SlaTarget::FirstResponse), None);
/// # Ok::<(), helpdesk_core::sla::CalendarError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    /// Unique id.
    pub id: SlaPolicyId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// Name.
    pub name: String,
    /// The business calendar the minutes are counted in.
    pub calendar: BusinessCalendar,
    /// Targets per priority.
    pub targets: BTreeMap<Priority, SlaTargets>,
    /// Warning threshold, in percent of a target (default 80).
    pub warning_percent: u8,
}

impl SlaPolicy {
    /// A policy with no targets yet and an 80% warning threshold.
    pub fn new(
        workspace: WorkspaceId,
        name: impl Into<String>,
        calendar: BusinessCalendar,
    ) -> Self {
        Self {
            id: SlaPolicyId::new(),
            workspace,
            name: name.into(),
            calendar,
            targets: BTreeMap::new(),
            warning_percent: 80,
        }
    }

    /// Sets the targets of one priority.
    pub fn target(mut self, priority: Priority, targets: SlaTargets) -> Self {
        self.targets.insert(priority, targets);
        self
    }

    /// Sets the warning threshold (clamped to 1..=100 percent).
    pub fn warning_percent(mut self, percent: u8) -> Self {
        self.warning_percent = percent.clamp(1, 100);
        self
    }

    /// The target minutes of `target` at `priority`, if any.
    pub fn minutes(&self, priority: Priority, target: SlaTarget) -> Option<u32> {
        self.targets.get(&priority).and_then(|t| t.get(target))
    }
}

/// Which policy applies: the requester's organization's policy wins over the
/// category's, which wins over the workspace default.
///
/// ```
/// use helpdesk_core::sla::select_policy;
/// use helpdesk_core::model::SlaPolicyId;
/// let default = SlaPolicyId::new();
/// assert_eq!(select_policy(None, None, Some(default)), Some(default));
/// ```
pub fn select_policy(
    organization: Option<&Organization>,
    category: Option<&Category>,
    default: Option<SlaPolicyId>,
) -> Option<SlaPolicyId> {
    organization
        .and_then(|o| o.sla_policy)
        .or_else(|| category.and_then(|c| c.sla_policy))
        .or(default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CategoryId, OrganizationId};

    #[test]
    fn organization_wins_over_category_which_wins_over_default() {
        let ws = WorkspaceId::new();
        let (p_org, p_cat, p_def) = (SlaPolicyId::new(), SlaPolicyId::new(), SlaPolicyId::new());
        let org = Organization {
            id: OrganizationId::new(),
            workspace: ws,
            name: "ACME".into(),
            sla_policy: Some(p_org),
        };
        let mut cat = Category::new(ws, "Returns");
        cat.id = CategoryId::new();
        cat.sla_policy = Some(p_cat);
        assert_eq!(
            select_policy(Some(&org), Some(&cat), Some(p_def)),
            Some(p_org)
        );
        assert_eq!(select_policy(None, Some(&cat), Some(p_def)), Some(p_cat));
        let org_without = Organization {
            sla_policy: None,
            ..org.clone()
        };
        assert_eq!(
            select_policy(Some(&org_without), Some(&cat), Some(p_def)),
            Some(p_cat)
        );
        assert_eq!(
            select_policy(Some(&org_without), None, Some(p_def)),
            Some(p_def)
        );
        assert_eq!(select_policy(None, None, None), None);
    }
}
