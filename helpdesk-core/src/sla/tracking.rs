//! Keeping a ticket's SLA deadlines in step with what happened to it, as a
//! pure function of the ticket before and after a command.
//!
//! Rules (DESIGN.md §5):
//! - A new ticket starts the first response and resolution deadlines (the
//!   first response is already met when an agent opened it by writing to the
//!   customer).
//! - The first public agent reply meets the first response deadline; every
//!   public agent reply meets a running next response deadline.
//! - A customer message after an agent reply starts a next response deadline
//!   (unless one is already running: the customer is not pushed back).
//! - The clocks pause while the ticket is Pending or Closed and resume when it
//!   is Open again: each running deadline moves by the working time that
//!   elapsed while paused. Closing therefore stops the resolution clock (the
//!   target is met while the ticket stays closed); reopening resumes it.
//!   Archiving ends every deadline.
//! - A manual due date overrides the resolution target (an absolute date: it
//!   does not move with pauses); clearing it returns to the policy's target.
//! - A change of policy (the category or the requester's organization
//!   changed) or of priority recomputes the running deadlines from their
//!   start with the new targets; a target the new policy lacks ends its
//!   deadline.
//! - Each deadline instance warns and breaches at most once: `warned` and
//!   `breached` stay set for the instance even when its due time moves.

use crate::lifecycle::State;
use crate::model::{Deadline, SlaTarget, Ticket};
use crate::ports::JobKind;
use crate::sla::{CalendarError, SlaPolicy};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

fn warn_minutes(target: u32, percent: u8) -> u32 {
    ((u64::from(target) * u64::from(percent)) / 100) as u32
}

fn compute(
    d: &mut Deadline,
    policy: Option<&SlaPolicy>,
    manual: Option<DateTime<Utc>>,
) -> Result<(), CalendarError> {
    let percent = policy.map_or(80, |p| p.warning_percent);
    if let Some(due) = manual {
        d.due = due;
        d.warn_at = match policy {
            Some(p) => {
                let total = p.calendar.between_minutes(d.started, due)?.max(0);
                let total = u32::try_from(total).unwrap_or(u32::MAX);
                d.target_minutes = total;
                p.calendar.add(d.started, warn_minutes(total, percent))?
            }
            None => {
                let span = (due - d.started).max(chrono::TimeDelta::zero());
                d.started + span * i32::from(percent) / 100
            }
        };
        return Ok(());
    }
    if let Some(p) = policy {
        let extra = d.paused_minutes;
        d.due = p
            .calendar
            .add(d.started, d.target_minutes.saturating_add(extra))?;
        d.warn_at = p.calendar.add(
            d.started,
            warn_minutes(d.target_minutes, percent).saturating_add(extra),
        )?;
    }
    Ok(())
}

fn start(
    target_minutes: u32,
    policy: Option<&SlaPolicy>,
    manual: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Deadline, CalendarError> {
    let mut d = Deadline {
        started: now,
        target_minutes,
        paused_minutes: 0,
        due: now,
        warn_at: now,
        warned: false,
        breached: false,
    };
    compute(&mut d, policy, manual)?;
    Ok(d)
}

/// Updates `after.sla` for the change from `before` (`None`: the ticket is
/// new) to `after`, under `policy` (the one [`select_policy`](super::select_policy)
/// chose; `None` = no SLA). Pure.
pub fn track(
    before: Option<&Ticket>,
    after: &mut Ticket,
    policy: Option<&SlaPolicy>,
    now: DateTime<Utc>,
) -> Result<(), CalendarError> {
    let sla_before = before.map(|b| b.sla.clone()).unwrap_or_default();
    let sla = &mut after.sla;
    let new_policy = policy.map(|p| p.id);
    let policy_changed =
        before.is_none_or(|b| b.sla.policy != new_policy || b.priority != after.priority);
    sla.policy = new_policy;

    if after.state == State::Archived {
        sla.first_response = None;
        sla.next_response = None;
        sla.resolution = None;
        sla.paused_since = None;
        return Ok(());
    }

    // Pause and resume.
    let paused = matches!(after.state, State::Pending | State::Closed);
    if paused {
        sla.paused_since.get_or_insert(now);
    } else if let Some(since) = sla.paused_since.take() {
        let elapsed = match policy {
            Some(p) => p.calendar.between_minutes(since, now)?.max(0),
            None => 0,
        };
        let elapsed = u32::try_from(elapsed).unwrap_or(u32::MAX);
        for target in SlaTarget::ALL {
            if let Some(d) = sla.slot_mut(target) {
                d.paused_minutes = d.paused_minutes.saturating_add(elapsed);
            }
        }
    }

    let created = before.is_none();
    let times_before = before.map(|b| b.times.clone());
    let outbound_new = after.times.last_outbound.is_some()
        && times_before
            .as_ref()
            .is_none_or(|t| t.last_outbound != after.times.last_outbound);
    let inbound_new = after.times.last_inbound.is_some()
        && times_before
            .as_ref()
            .is_none_or(|t| t.last_inbound != after.times.last_inbound);
    let minutes = |target| policy.and_then(|p| p.minutes(after.priority, target));

    // First response.
    if after.times.first_response.is_some() {
        sla.first_response = None;
    } else if created && let Some(m) = minutes(SlaTarget::FirstResponse) {
        sla.first_response = Some(start(m, policy, None, now)?);
    }
    // Next response.
    if outbound_new {
        sla.next_response = None;
    }
    if inbound_new
        && !created
        && !outbound_new
        && after.times.last_outbound.is_some()
        && sla.next_response.is_none()
        && let Some(m) = minutes(SlaTarget::NextResponse)
    {
        sla.next_response = Some(start(m, policy, None, now)?);
    }
    // Resolution.
    if created {
        sla.resolution = match (minutes(SlaTarget::Resolution), sla.manual) {
            (_, Some(manual)) => Some(start(0, policy, Some(manual), now)?),
            (Some(m), None) => Some(start(m, policy, None, now)?),
            (None, None) => None,
        };
    }
    let manual_changed = sla_before.manual != sla.manual && !created;

    // Recompute what a policy, priority or manual change touches.
    for target in SlaTarget::ALL {
        let manual = if target == SlaTarget::Resolution {
            sla.manual
        } else {
            None
        };
        let slot = sla.slot_mut(target);
        let touched =
            (policy_changed && !created) || (target == SlaTarget::Resolution && manual_changed);
        if !touched {
            // Only resumption may have moved it.
            if let Some(d) = slot
                && !paused
                && sla_before.paused_since.is_some()
            {
                compute(d, policy, manual)?;
            }
            continue;
        }
        match (slot.as_mut(), manual, minutes(target)) {
            (Some(d), Some(_), _) => compute(d, policy, manual)?,
            (Some(d), None, Some(m)) => {
                d.target_minutes = m;
                compute(d, policy, None)?;
            }
            (Some(_), None, None) => *slot = None,
            (None, Some(m), _) if target == SlaTarget::Resolution => {
                *slot = Some(start(0, policy, Some(m), now)?);
            }
            (None, _, _) => {}
        }
    }
    Ok(())
}

/// The jobs a ticket needs, by kind: its reopen date, and a warning and a
/// breach per running deadline (not while paused; not once emitted).
pub fn due_jobs(ticket: &Ticket) -> BTreeMap<JobKind, DateTime<Utc>> {
    let mut jobs = BTreeMap::new();
    if let Some(at) = ticket.reopen_at {
        jobs.insert(JobKind::Reopen, at);
    }
    if ticket.sla.paused_since.is_none() && ticket.state == State::Open {
        for target in SlaTarget::ALL {
            if let Some(d) = ticket.sla.deadline(target) {
                if !d.warned {
                    jobs.insert(JobKind::SlaWarning(target), d.warn_at);
                }
                if !d.breached {
                    jobs.insert(JobKind::SlaBreach(target), d.due);
                }
            }
        }
    }
    jobs
}
