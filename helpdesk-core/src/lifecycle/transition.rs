//! The lifecycle rules as pure functions: a ticket and a transition in, the
//! changed ticket and its events out.

use crate::error::{Error, Result};
use crate::lifecycle::State;
use crate::model::{EventKind, Ticket};
use chrono::{DateTime, Utc};

/// A move of the lifecycle table (DESIGN.md §4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transition {
    /// Agent sets an Open ticket Pending, optionally with a reopen date.
    SetPending {
        /// When it opens again by itself (must be in the future).
        reopen_at: Option<DateTime<Utc>>,
    },
    /// Agent closes an Open or Pending ticket, optionally with a reopen date.
    Close {
        /// When it opens again by itself (must be in the future).
        reopen_at: Option<DateTime<Utc>>,
    },
    /// Agent reopens a Closed ticket.
    Reopen,
    /// Agent archives a Closed ticket (or auto-archive does).
    Archive,
    /// The customer replied: Pending or Closed become Open; Open stays Open.
    /// (An Archived ticket is not changed: see [`on_customer_reply`].)
    CustomerReplied,
    /// `run_due` found the reopen date reached: Pending or Closed become Open.
    /// A no-op when the date is not reached or the ticket moved on meanwhile.
    ReopenDue,
    /// Set or clear the reopen date of a Pending or Closed ticket.
    SetReopenAt(Option<DateTime<Utc>>),
}

/// What the lifecycle needs to know beyond the ticket.
#[derive(Debug, Clone, Copy, Default)]
pub struct LifecycleContext<'a> {
    /// The ticket's category closing requirement
    /// ([`Category::close_requires_status`](crate::model::Category)).
    pub close_requires_status: Option<&'a [String]>,
}

/// The result of a rule: the ticket as it is after the change, and the events
/// that describe the change (empty when nothing changed).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The ticket after the change (same `version`: the store bumps it).
    pub ticket: Ticket,
    /// What changed.
    pub events: Vec<EventKind>,
}

impl Outcome {
    /// An outcome that changes nothing.
    pub fn unchanged(ticket: &Ticket) -> Self {
        Self {
            ticket: ticket.clone(),
            events: Vec::new(),
        }
    }

    /// Whether the rule changed anything.
    pub fn is_noop(&self) -> bool {
        self.events.is_empty()
    }
}

/// What a customer's reply does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerReply {
    /// Append to the (Open) ticket.
    Append,
    /// Append and reopen (the ticket is Pending or Closed).
    Reopen,
    /// The ticket is Archived: open a new ticket linked to it instead.
    OpenFollowUp,
}

/// Decides what a customer reply does to `ticket` (DESIGN.md §4).
pub fn on_customer_reply(ticket: &Ticket) -> CustomerReply {
    match ticket.state {
        State::Open => CustomerReply::Append,
        State::Pending | State::Closed => CustomerReply::Reopen,
        State::Archived => CustomerReply::OpenFollowUp,
    }
}

fn invalid(from: State, to: State) -> Error {
    Error::InvalidTransition { from, to }
}

fn check_reopen_at(reopen_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<()> {
    match reopen_at {
        Some(at) if at <= now => Err(Error::validation(
            "reopen_at",
            format!("must be in the future (got {at}, now is {now})"),
        )),
        _ => Ok(()),
    }
}

fn check_not_merged(ticket: &Ticket, to: State) -> Result<()> {
    match ticket.merged_into {
        Some(into) => Err(Error::validation(
            "state",
            format!("ticket was merged into {into}; cannot move it to {to}"),
        )),
        None => Ok(()),
    }
}

/// Moves `ticket` to `to`, keeping the invariants: `closed_at` is set iff the
/// state is Closed or Archived; `reopen_at` only in Pending or Closed.
fn move_to(
    ticket: &Ticket,
    to: State,
    reopen_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Outcome {
    let mut next = ticket.clone();
    next.state = to;
    next.reopen_at = if to.allows_reopen_at() {
        reopen_at
    } else {
        None
    };
    next.times.closed = if to.is_resolved() {
        ticket.times.closed.or(Some(now))
    } else {
        None
    };
    next.times.updated = now;
    Outcome {
        ticket: next,
        events: vec![EventKind::StateChanged {
            from: ticket.state,
            to,
            reopen_at: if to.allows_reopen_at() {
                reopen_at
            } else {
                None
            },
        }],
    }
}

/// Applies a lifecycle transition. Pure: no I/O, time comes in as `now`.
///
/// Every move not in the table of DESIGN.md §4 is
/// [`Error::InvalidTransition`]; a reopen date in the past or a missing
/// required status is [`Error::Validation`].
///
/// ```
/// use helpdesk_core::lifecycle::{apply, LifecycleContext, State, Transition};
/// use helpdesk_core::model::{Channel, ContactId, Ticket, WorkspaceId};
/// use chrono::{Duration, Utc};
///
/// let now = Utc::now();
/// let ticket = Ticket::new(WorkspaceId::new(), "Hi", ContactId::new(), Channel::Email, now);
/// let out = apply(&ticket, &Transition::SetPending { reopen_at: Some(now + Duration::days(2)) },
///                 &LifecycleContext::default(), now)?;
/// assert_eq!(out.ticket.state, State::Pending);
/// let err = apply(&out.ticket, &Transition::Archive, &LifecycleContext::default(), now).unwrap_err();
/// assert!(matches!(err, helpdesk_core::Error::InvalidTransition { .. }));
/// # Ok::<(), helpdesk_core::Error>(())
/// ```
pub fn apply(
    ticket: &Ticket,
    transition: &Transition,
    ctx: &LifecycleContext<'_>,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let from = ticket.state;
    match transition {
        Transition::SetPending { reopen_at } => {
            if from != State::Open {
                return Err(invalid(from, State::Pending));
            }
            check_not_merged(ticket, State::Pending)?;
            check_reopen_at(*reopen_at, now)?;
            Ok(move_to(ticket, State::Pending, *reopen_at, now))
        }
        Transition::Close { reopen_at } => {
            if !matches!(from, State::Open | State::Pending) {
                return Err(invalid(from, State::Closed));
            }
            check_reopen_at(*reopen_at, now)?;
            if let Some(allowed) = ctx.close_requires_status {
                match ticket.status.as_deref() {
                    None | Some("") => {
                        return Err(Error::validation(
                            "status",
                            "the ticket's category requires a status before closing",
                        ));
                    }
                    Some(status) if !allowed.is_empty() && !allowed.iter().any(|a| a == status) => {
                        return Err(Error::validation(
                            "status",
                            format!(
                                "the ticket's category requires one of [{}] before closing, not {status:?}",
                                allowed.join(", ")
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
            Ok(move_to(ticket, State::Closed, *reopen_at, now))
        }
        Transition::Reopen => {
            if from != State::Closed {
                return Err(invalid(from, State::Open));
            }
            check_not_merged(ticket, State::Open)?;
            Ok(move_to(ticket, State::Open, None, now))
        }
        Transition::Archive => {
            if from != State::Closed {
                return Err(invalid(from, State::Archived));
            }
            Ok(move_to(ticket, State::Archived, None, now))
        }
        Transition::CustomerReplied => match from {
            State::Open => Ok(Outcome::unchanged(ticket)),
            State::Pending | State::Closed => {
                check_not_merged(ticket, State::Open)?;
                Ok(move_to(ticket, State::Open, None, now))
            }
            State::Archived => Err(invalid(from, State::Open)),
        },
        Transition::ReopenDue => match (from, ticket.reopen_at) {
            (State::Pending | State::Closed, Some(at)) if at <= now => {
                if ticket.merged_into.is_some() {
                    // A merged ticket stays closed; its reopen date is void.
                    let mut next = ticket.clone();
                    next.reopen_at = None;
                    next.times.updated = now;
                    return Ok(Outcome {
                        ticket: next,
                        events: vec![EventKind::ReopenDateChanged {
                            from: Some(at),
                            to: None,
                        }],
                    });
                }
                Ok(move_to(ticket, State::Open, None, now))
            }
            _ => Ok(Outcome::unchanged(ticket)),
        },
        Transition::SetReopenAt(reopen_at) => {
            if !from.allows_reopen_at() {
                return Err(Error::validation(
                    "reopen_at",
                    format!("a reopen date exists only in pending or closed, not {from}"),
                ));
            }
            check_reopen_at(*reopen_at, now)?;
            if ticket.reopen_at == *reopen_at {
                return Ok(Outcome::unchanged(ticket));
            }
            let mut next = ticket.clone();
            next.reopen_at = *reopen_at;
            next.times.updated = now;
            Ok(Outcome {
                ticket: next,
                events: vec![EventKind::ReopenDateChanged {
                    from: ticket.reopen_at,
                    to: *reopen_at,
                }],
            })
        }
    }
}

/// Checks the lifecycle invariants of one ticket (used by tests and stores
/// that want to refuse corrupt writes): `closed_at` set iff Closed/Archived,
/// `reopen_at` only in Pending/Closed, never merged into itself.
pub fn check_invariants(ticket: &Ticket) -> Result<()> {
    if ticket.times.closed.is_some() != ticket.state.is_resolved() {
        return Err(Error::validation(
            "closed_at",
            format!(
                "closed_at must be set iff the state is closed or archived (state {})",
                ticket.state
            ),
        ));
    }
    if ticket.reopen_at.is_some() && !ticket.state.allows_reopen_at() {
        return Err(Error::validation(
            "reopen_at",
            format!("reopen_at set in state {}", ticket.state),
        ));
    }
    if ticket.merged_into == Some(ticket.id) {
        return Err(Error::validation(
            "merged_into",
            "a ticket cannot be merged into itself",
        ));
    }
    if ticket.parent == Some(ticket.id) {
        return Err(Error::validation(
            "parent",
            "a ticket cannot be its own parent",
        ));
    }
    Ok(())
}
