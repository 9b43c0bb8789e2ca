//! Parent/child links between tickets, as pure rules.
//!
//! A child has at most one parent; links never form a cycle; a ticket cannot
//! be its own parent; Archived tickets are not linked or unlinked (they never
//! change again). To move a child to another parent, unlink it first.

use crate::error::{Error, Result};
use crate::lifecycle::State;
use crate::model::{EventKind, Ticket, TicketId};
use chrono::{DateTime, Utc};

/// The tickets after a link or unlink, with the events per ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkOutcome {
    /// The child after the change.
    pub child: Ticket,
    /// Events, each with the ticket it belongs to.
    pub events: Vec<(TicketId, EventKind)>,
}

/// Makes `child` a child of `parent`.
///
/// `parent_ancestors` are the ids on the parent's own parent chain (its
/// parent, grandparent, ...), which the engine loads; the link is refused when
/// `child` is among them (it would close a cycle).
pub fn link(
    child: &Ticket,
    parent: &Ticket,
    parent_ancestors: &[TicketId],
    now: DateTime<Utc>,
) -> Result<LinkOutcome> {
    if child.id == parent.id {
        return Err(Error::validation(
            "parent",
            "a ticket cannot be its own parent",
        ));
    }
    if child.state == State::Archived || parent.state == State::Archived {
        return Err(Error::validation(
            "parent",
            "archived tickets cannot be linked",
        ));
    }
    if parent_ancestors.contains(&child.id) {
        return Err(Error::validation(
            "parent",
            format!(
                "ticket {} is an ancestor of {}; the link would form a cycle",
                child.number, parent.number
            ),
        ));
    }
    match child.parent {
        Some(existing) if existing == parent.id => {
            return Ok(LinkOutcome {
                child: child.clone(),
                events: Vec::new(),
            });
        }
        Some(existing) => {
            return Err(Error::validation(
                "parent",
                format!(
                    "ticket {} already has parent {existing}; unlink it first",
                    child.number
                ),
            ));
        }
        None => {}
    }
    let mut next = child.clone();
    next.parent = Some(parent.id);
    next.times.updated = now;
    Ok(LinkOutcome {
        child: next,
        events: vec![
            (child.id, EventKind::Linked { parent: parent.id }),
            (parent.id, EventKind::ChildLinked { child: child.id }),
        ],
    })
}

/// Removes `child` from its parent. A child with no parent is a validation
/// error.
pub fn unlink(child: &Ticket, now: DateTime<Utc>) -> Result<LinkOutcome> {
    let Some(parent) = child.parent else {
        return Err(Error::validation("parent", "the ticket has no parent"));
    };
    if child.state == State::Archived {
        return Err(Error::validation(
            "parent",
            "archived tickets cannot be unlinked",
        ));
    }
    let mut next = child.clone();
    next.parent = None;
    next.times.updated = now;
    Ok(LinkOutcome {
        child: next,
        events: vec![
            (child.id, EventKind::Unlinked { parent }),
            (parent, EventKind::ChildUnlinked { child: child.id }),
        ],
    })
}
