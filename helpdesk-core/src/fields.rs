//! Field changes of a ticket (status, priority, category, assignee, team,
//! queue, tags, followers, subject, custom fields) as a pure rule.

use crate::error::{Error, Result};
use crate::lifecycle::State;
use crate::model::{
    Actor, AgentId, CategoryId, ContactId, EventKind, Priority, QueueId, TeamId, Ticket,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest accepted tag, in characters.
pub const MAX_TAG_LEN: usize = 100;
/// Longest accepted subject, in characters.
pub const MAX_SUBJECT_LEN: usize = 998;

/// A set of field changes. `None` leaves a field alone; for optional fields
/// `Some(None)` clears it.
///
/// ```
/// use helpdesk_core::fields::TicketUpdate;
/// use helpdesk_core::model::Priority;
/// let update = TicketUpdate::default().priority(Priority::High).add_tag("vip");
/// assert!(!update.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketUpdate {
    /// New subject.
    pub subject: Option<String>,
    /// New status label (`Some(None)` clears).
    pub status: Option<Option<String>>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New category (`Some(None)` clears).
    pub category: Option<Option<CategoryId>>,
    /// New assignee (`Some(None)` unassigns).
    pub assignee: Option<Option<AgentId>>,
    /// New team.
    pub team: Option<Option<TeamId>>,
    /// New queue.
    pub queue: Option<Option<QueueId>>,
    /// Tags to add.
    pub add_tags: Vec<String>,
    /// Tags to remove.
    pub remove_tags: Vec<String>,
    /// Followers to add.
    pub add_followers: Vec<AgentId>,
    /// Followers to remove.
    pub remove_followers: Vec<AgentId>,
    /// Custom fields to set (`None` removes the field).
    pub custom_fields: BTreeMap<String, Option<serde_json::Value>>,
    /// Manual due date (`Some(None)` clears it and returns to the SLA
    /// policy's resolution target).
    pub due: Option<Option<DateTime<Utc>>>,
    /// New requester: the ticket moves to another contact of the workspace
    /// (a ticket linked to the wrong customer; the engine checks the
    /// contact exists). Its SLA policy follows the new requester's
    /// organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<ContactId>,
}

impl TicketUpdate {
    /// Whether the update asks for nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
    /// Sets the status label.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(Some(status.into()));
        self
    }
    /// Sets the priority.
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = Some(priority);
        self
    }
    /// Sets the category.
    pub fn category(mut self, category: Option<CategoryId>) -> Self {
        self.category = Some(category);
        self
    }
    /// Sets the assignee.
    pub fn assignee(mut self, agent: Option<AgentId>) -> Self {
        self.assignee = Some(agent);
        self
    }
    /// Sets the team.
    pub fn team(mut self, team: Option<TeamId>) -> Self {
        self.team = Some(team);
        self
    }
    /// Sets the queue.
    pub fn queue(mut self, queue: Option<QueueId>) -> Self {
        self.queue = Some(queue);
        self
    }
    /// Adds a tag.
    pub fn add_tag(mut self, tag: impl Into<String>) -> Self {
        self.add_tags.push(tag.into());
        self
    }
    /// Removes a tag.
    pub fn remove_tag(mut self, tag: impl Into<String>) -> Self {
        self.remove_tags.push(tag.into());
        self
    }
    /// Adds a follower.
    pub fn follow(mut self, agent: AgentId) -> Self {
        self.add_followers.push(agent);
        self
    }
    /// Sets (or with `None` clears) the manual due date.
    pub fn due(mut self, due: Option<DateTime<Utc>>) -> Self {
        self.due = Some(due);
        self
    }
    /// Removes a follower.
    pub fn unfollow(mut self, agent: AgentId) -> Self {
        self.remove_followers.push(agent);
        self
    }
    /// Moves the ticket to another requester.
    pub fn requester(mut self, contact: ContactId) -> Self {
        self.requester = Some(contact);
        self
    }
}

/// Validates and normalises a tag: trimmed, non-empty, at most
/// [`MAX_TAG_LEN`] characters, no control characters.
pub fn normalize_tag(tag: &str) -> Result<String> {
    let tag = tag.trim();
    if tag.is_empty() {
        return Err(Error::validation("tags", "a tag cannot be empty"));
    }
    if tag.chars().count() > MAX_TAG_LEN {
        return Err(Error::validation(
            "tags",
            format!("a tag is at most {MAX_TAG_LEN} characters"),
        ));
    }
    if tag.chars().any(char::is_control) {
        return Err(Error::validation(
            "tags",
            "a tag cannot contain control characters",
        ));
    }
    Ok(tag.to_string())
}

/// Validates a subject: non-empty after trimming, at most
/// [`MAX_SUBJECT_LEN`] characters.
pub fn normalize_subject(subject: &str) -> Result<String> {
    let subject = subject.trim();
    if subject.is_empty() {
        return Err(Error::validation("subject", "the subject is required"));
    }
    if subject.chars().count() > MAX_SUBJECT_LEN {
        return Err(Error::validation(
            "subject",
            format!("the subject is at most {MAX_SUBJECT_LEN} characters"),
        ));
    }
    Ok(subject.replace(['\r', '\n'], " "))
}

/// Sets `slot` to `new` when asked and different, with the event `change`
/// makes of (before, after).
fn set<T: PartialEq + Clone>(
    slot: &mut T,
    new: Option<T>,
    events: &mut Vec<EventKind>,
    change: impl FnOnce(T, T) -> EventKind,
) {
    if let Some(new) = new
        && new != *slot
    {
        events.push(change(slot.clone(), new.clone()));
        *slot = new;
    }
}

/// [`Error::Validation`] (`state`) for an Archived ticket: it never
/// changes (DESIGN §4).
pub(crate) fn refuse_archived(ticket: &Ticket) -> Result<()> {
    if ticket.state == State::Archived {
        return Err(Error::validation(
            "state",
            "an archived ticket never changes",
        ));
    }
    Ok(())
}

/// Applies field changes. Pure. Archived tickets never change; a change by
/// someone other than the owner marks the ticket unread for the owner.
pub fn apply_update(
    ticket: &Ticket,
    update: &TicketUpdate,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<(Ticket, Vec<EventKind>)> {
    refuse_archived(ticket)?;
    let mut next = ticket.clone();
    let mut events = Vec::new();

    if let Some(subject) = &update.subject {
        let subject = normalize_subject(subject)?;
        if subject != ticket.subject {
            events.push(EventKind::SubjectChanged {
                from: ticket.subject.clone(),
                to: subject.clone(),
            });
            next.subject = subject;
        }
    }
    if let Some(status) = &update.status {
        let status = match status {
            Some(s) if s.trim().is_empty() => None,
            Some(s) => Some(s.trim().to_string()),
            None => None,
        };
        if status != ticket.status {
            events.push(EventKind::StatusChanged {
                from: ticket.status.clone(),
                to: status.clone(),
            });
            next.status = status;
        }
    }
    set(
        &mut next.priority,
        update.priority,
        &mut events,
        |from, to| EventKind::PriorityChanged { from, to },
    );
    set(
        &mut next.category,
        update.category,
        &mut events,
        |from, to| EventKind::CategoryChanged { from, to },
    );
    set(
        &mut next.assignee,
        update.assignee,
        &mut events,
        |from, to| EventKind::Assigned { from, to },
    );
    set(&mut next.team, update.team, &mut events, |from, to| {
        EventKind::TeamChanged { from, to }
    });
    set(&mut next.queue, update.queue, &mut events, |from, to| {
        EventKind::QueueChanged { from, to }
    });
    set(
        &mut next.requester,
        update.requester,
        &mut events,
        |from, to| EventKind::RequesterChanged { from, to },
    );

    let mut added = Vec::new();
    let mut removed = Vec::new();
    for tag in &update.add_tags {
        let tag = normalize_tag(tag)?;
        if next.tags.insert(tag.clone()) {
            added.push(tag);
        }
    }
    for tag in &update.remove_tags {
        let tag = normalize_tag(tag)?;
        if next.tags.remove(&tag) {
            removed.push(tag);
        }
    }
    if !added.is_empty() || !removed.is_empty() {
        events.push(EventKind::Tagged { added, removed });
    }

    let mut added = Vec::new();
    let mut removed = Vec::new();
    for agent in &update.add_followers {
        if next.followers.insert(*agent) {
            added.push(*agent);
        }
    }
    for agent in &update.remove_followers {
        if next.followers.remove(agent) {
            removed.push(*agent);
        }
    }
    if !added.is_empty() || !removed.is_empty() {
        events.push(EventKind::FollowersChanged { added, removed });
    }

    for (field, value) in &update.custom_fields {
        let field_name = field.trim();
        if field_name.is_empty() {
            return Err(Error::validation(
                "custom_fields",
                "a field name cannot be empty",
            ));
        }
        let before = next.custom_fields.get(field_name).cloned();
        if before != *value {
            match value {
                Some(v) => {
                    next.custom_fields.insert(field_name.to_string(), v.clone());
                }
                None => {
                    next.custom_fields.remove(field_name);
                }
            }
            events.push(EventKind::CustomFieldChanged {
                field: field_name.to_string(),
                from: before,
                to: value.clone(),
            });
        }
    }

    if let Some(due) = update.due
        && due != ticket.sla.manual
    {
        events.push(EventKind::DueDateChanged {
            from: ticket.sla.manual,
            to: due,
        });
        next.sla.manual = due;
    }

    if !events.is_empty() {
        next.times.updated = now;
        if let Some(owner) = next.assignee
            && actor != Actor::Agent(owner)
        {
            next.unread_by_owner = true;
        }
    }
    Ok((next, events))
}

/// "Take": an agent assigns an unassigned ticket to themself. Refused when the
/// ticket already has an owner (even the same agent: taking is for free tickets).
pub fn take(
    ticket: &Ticket,
    agent: AgentId,
    now: DateTime<Utc>,
) -> Result<(Ticket, Vec<EventKind>)> {
    if let Some(owner) = ticket.assignee {
        return Err(Error::Precondition(format!(
            "ticket {} is already assigned to {owner}",
            ticket.number
        )));
    }
    apply_update(
        ticket,
        &TicketUpdate::default().assignee(Some(agent)),
        Actor::Agent(agent),
        now,
    )
}
