//! Merge rules: fold one or more source tickets into a target.
//!
//! Sources become Closed with `merged_into` set. Their messages and events are
//! **referenced, not moved**: they stay on the source ticket (its own history
//! stays intact and nothing is rewritten), and the target's conversation view
//! ([`Helpdesk::conversation`](crate::engine::Helpdesk::conversation)) shows the
//! messages and events of every ticket merged into it, interleaved by time.
//! Tags, followers, cc addresses and linked orders are united on the target.
//! A [`Merged`](EventKind::Merged) event is logged on each source and a
//! [`MergedFrom`](EventKind::MergedFrom) event on the target.
//!
//! Rules: no merge into itself; no merge into an Archived ticket; the target
//! must be the end of its own `merged_into` chain (the engine follows the chain
//! before calling [`merge`]); a source must not be Archived or already merged;
//! the [`MergePolicy`] decides whether different requesters may be merged.
//! Because a source always points at a chain end that is not itself, and is
//! not merged before, `merged_into` chains can never form a cycle.

use crate::error::{Error, Result};
use crate::lifecycle::State;
use crate::model::{ContactId, EventKind, Ticket, TicketId, normalize_email};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Which tickets may be merged together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MergePolicy {
    /// Only tickets whose requesters share an email address (or are the same
    /// contact). The default, as in the source documents.
    #[default]
    SameRequesterEmail,
    /// Only tickets of the same requester contact.
    SameRequester,
    /// Any tickets of the workspace.
    AnyRequester,
}

/// The tickets after a merge, and the events per ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeOutcome {
    /// The target after the merge.
    pub target: Ticket,
    /// The sources after the merge (Closed, `merged_into` = target).
    pub sources: Vec<Ticket>,
    /// Events, each with the ticket it belongs to.
    pub events: Vec<(TicketId, EventKind)>,
}

/// Merges `sources` into `target`. Pure.
///
/// `requester_emails` maps each requester contact (of the target and the
/// sources) to its email addresses; it is consulted by
/// [`MergePolicy::SameRequesterEmail`].
///
/// ```
/// use helpdesk_core::merge::{merge, MergePolicy};
/// use helpdesk_core::model::{Channel, ContactId, Ticket, WorkspaceId};
/// use helpdesk_core::lifecycle::State;
/// use std::collections::BTreeMap;
///
/// let (ws, ann, now) = (WorkspaceId::new(), ContactId::new(), chrono::Utc::now());
/// let target = Ticket::new(ws, "Order 1", ann, Channel::Email, now);
/// let source = Ticket::new(ws, "Order 1 again", ann, Channel::Email, now);
/// let out = merge(&target, &[source], MergePolicy::default(), &BTreeMap::new(), now)?;
/// assert_eq!(out.sources[0].state, State::Closed);
/// assert_eq!(out.sources[0].merged_into, Some(target.id));
/// # Ok::<(), helpdesk_core::Error>(())
/// ```
pub fn merge(
    target: &Ticket,
    sources: &[Ticket],
    policy: MergePolicy,
    requester_emails: &BTreeMap<ContactId, Vec<String>>,
    now: DateTime<Utc>,
) -> Result<MergeOutcome> {
    if sources.is_empty() {
        return Err(Error::validation("sources", "nothing to merge"));
    }
    if let Some(into) = target.merged_into {
        return Err(Error::validation(
            "target",
            format!("the target is itself merged into {into}; merge into the end of the chain"),
        ));
    }
    if target.state == State::Archived {
        return Err(Error::validation(
            "target",
            "cannot merge into an archived ticket",
        ));
    }
    let mut seen = BTreeSet::new();
    for source in sources {
        if source.id == target.id {
            return Err(Error::validation(
                "sources",
                "cannot merge a ticket into itself",
            ));
        }
        if source.workspace != target.workspace {
            return Err(Error::not_found("ticket", source.id));
        }
        if !seen.insert(source.id) {
            return Err(Error::validation(
                "sources",
                format!("ticket {} is listed twice", source.number),
            ));
        }
        if source.state == State::Archived {
            return Err(Error::InvalidTransition {
                from: State::Archived,
                to: State::Closed,
            });
        }
        if let Some(into) = source.merged_into {
            return Err(Error::validation(
                "sources",
                format!("ticket {} is already merged into {into}", source.number),
            ));
        }
        if !requesters_compatible(policy, target.requester, source.requester, requester_emails) {
            return Err(Error::validation(
                "sources",
                format!(
                    "ticket {} has a different requester; the merge policy ({policy:?}) refuses it",
                    source.number
                ),
            ));
        }
    }

    let mut next_target = target.clone();
    let mut events = Vec::new();
    let mut merged_sources = Vec::with_capacity(sources.len());
    let mut added_tags = BTreeSet::new();
    let mut added_followers = BTreeSet::new();
    for source in sources {
        let mut next = source.clone();
        if source.state != State::Closed {
            events.push((
                source.id,
                EventKind::StateChanged {
                    from: source.state,
                    to: State::Closed,
                    reopen_at: None,
                },
            ));
        }
        next.state = State::Closed;
        next.reopen_at = None;
        next.times.closed = source.times.closed.or(Some(now));
        next.merged_into = Some(target.id);
        next.times.updated = now;
        events.push((source.id, EventKind::Merged { into: target.id }));
        events.push((target.id, EventKind::MergedFrom { source: source.id }));

        for tag in &source.tags {
            if next_target.tags.insert(tag.clone()) {
                added_tags.insert(tag.clone());
            }
        }
        for follower in &source.followers {
            if next_target.followers.insert(*follower) {
                added_followers.insert(*follower);
            }
        }
        for cc in &source.cc {
            let cc = normalize_email(cc);
            if !next_target.cc.contains(&cc) {
                next_target.cc.push(cc);
            }
        }
        for order in &source.linked_orders {
            if !next_target.linked_orders.contains(order) {
                next_target.linked_orders.push(order.clone());
            }
        }
        next_target.unread_count = next_target.unread_count.saturating_add(source.unread_count);
        merged_sources.push(next);
    }
    if !added_tags.is_empty() {
        events.push((
            target.id,
            EventKind::Tagged {
                added: added_tags.into_iter().collect(),
                removed: Vec::new(),
            },
        ));
    }
    if !added_followers.is_empty() {
        events.push((
            target.id,
            EventKind::FollowersChanged {
                added: added_followers.into_iter().collect(),
                removed: Vec::new(),
            },
        ));
    }
    next_target.times.updated = now;
    Ok(MergeOutcome {
        target: next_target,
        sources: merged_sources,
        events,
    })
}

fn requesters_compatible(
    policy: MergePolicy,
    a: ContactId,
    b: ContactId,
    emails: &BTreeMap<ContactId, Vec<String>>,
) -> bool {
    if a == b {
        return true;
    }
    match policy {
        MergePolicy::AnyRequester => true,
        MergePolicy::SameRequester => false,
        MergePolicy::SameRequesterEmail => {
            let (Some(ea), Some(eb)) = (emails.get(&a), emails.get(&b)) else {
                return false;
            };
            ea.iter()
                .map(|e| normalize_email(e))
                .any(|e| eb.iter().any(|f| normalize_email(f) == e))
        }
    }
}
