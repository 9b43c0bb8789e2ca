//! The compare-and-set retry loop every command runs in, and the helpers that
//! turn a rule's outcome into a [`Commit`].

use super::Helpdesk;
use super::reads::Reads;
use crate::error::Result;
use crate::model::{Actor, Event, EventKind, Ticket, WorkspaceId};
use crate::ports::{Commit, CommitOutcome, TicketWrite};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// What one attempt of a command decided: the writes, and the value the
/// command returns once they are committed.
pub(crate) struct Plan<T> {
    pub(crate) commit: Commit,
    pub(crate) value: T,
    /// Re-resolve the SLA policy of every written ticket even when nothing
    /// SLA-relevant changed (e.g. the organization's policy changed).
    pub(crate) refresh_sla: bool,
    /// What the attempt read (the tickets before the change among them);
    /// keeping the plan in step reuses it instead of reading again.
    pub(crate) reads: Reads,
}

impl<T> Plan<T> {
    pub(crate) fn new(commit: Commit, value: T) -> Self {
        Self {
            commit,
            value,
            refresh_sla: false,
            reads: Reads::default(),
        }
    }

    /// The plan with what the attempt read.
    pub(crate) fn with_reads(mut self, reads: Reads) -> Self {
        self.reads = reads;
        self
    }
}

/// Yields to the executor once, so that a task that lost a race lets the
/// winner finish before it re-reads.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl Helpdesk {
    /// Runs `attempt` (load, decide) and commits its plan; on a retryable
    /// conflict, decides again on fresh data, at most `max_retries` times.
    /// An empty commit is not sent to the store.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        workspace: WorkspaceId,
        mut attempt: F,
    ) -> Result<(T, CommitOutcome)>
    where
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = Result<Plan<T>>> + Send,
        T: Send,
    {
        let mut tries = 0u32;
        loop {
            let mut plan = attempt().await?;
            if plan.commit.is_empty() {
                return Ok((plan.value, CommitOutcome::default()));
            }
            self.keep_in_step(workspace, &mut plan).await?;
            match self.store.commit(workspace, plan.commit).await {
                Ok(outcome) => return Ok((plan.value, outcome)),
                Err(e) if e.is_retryable() && tries < self.config.max_retries => {
                    tries += 1;
                    for _ in 0..tries {
                        YieldNow(false).await;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Adds the write of `next` (read as `before`) to `commit`, with its events.
/// Its SLA state and due jobs are brought in step when the plan is committed
/// (see [`Helpdesk::run`]).
pub(crate) fn write_ticket(
    commit: &mut Commit,
    before: &Ticket,
    next: Ticket,
    events: Vec<EventKind>,
    actor: Actor,
    now: DateTime<Utc>,
) {
    let mut next = next;
    // A change by anyone but the owner makes the ticket unread for the owner
    // until they open it (`Helpdesk::mark_read`).
    if !events.is_empty()
        && let Some(owner) = next.assignee
        && actor != Actor::Agent(owner)
    {
        next.unread_by_owner = true;
    }
    push_events(commit, &next, events, actor, now);
    commit.tickets.push(TicketWrite::Update {
        expected_version: before.version,
        ticket: next,
    });
}

/// Adds events of `ticket` to `commit`.
pub(crate) fn push_events(
    commit: &mut Commit,
    ticket: &Ticket,
    events: impl IntoIterator<Item = EventKind>,
    actor: Actor,
    now: DateTime<Utc>,
) {
    commit.events.extend(
        events
            .into_iter()
            .map(|kind| Event::new(ticket.workspace, ticket.id, actor, now, kind)),
    );
}

/// The stored ticket with id `id` from a commit outcome, or `fallback`.
pub(crate) fn stored(outcome: &CommitOutcome, fallback: Ticket) -> Ticket {
    outcome
        .tickets
        .iter()
        .find(|t| t.id == fallback.id)
        .cloned()
        .unwrap_or(fallback)
}

/// Plans a new ticket opened because someone wrote to the Archived ticket
/// `archived` (which never changes again): it copies the subject, requester,
/// kind, priority, queue, team, category and cc, is related to `archived`,
/// and both tickets get their follow-up events. The caller adds the message
/// and the `TicketWrite::Create`.
/// A ticket's cc made of `addresses`: normalised, only addresses that are
/// plausible and that `keep` accepts, each once, the first `max` of them.
pub(crate) fn ticket_cc<'a>(
    addresses: impl IntoIterator<Item = &'a str>,
    keep: impl Fn(&str) -> bool,
    max: usize,
) -> Vec<String> {
    let mut cc: Vec<String> = Vec::new();
    for address in addresses {
        // (Bounded by `max`, so the check for repeats stays cheap on mail
        // with thousands of Cc.)
        if cc.len() >= max {
            break;
        }
        let address = crate::model::normalize_email(address);
        if crate::model::is_plausible_email(&address) && keep(&address) && !cc.contains(&address) {
            cc.push(address);
        }
    }
    cc
}

pub(crate) fn follow_up_of(
    commit: &mut Commit,
    archived: &Ticket,
    channel: crate::model::Channel,
    actor: Actor,
    now: DateTime<Utc>,
) -> Ticket {
    let mut new = Ticket::new(
        archived.workspace,
        archived.subject.clone(),
        archived.requester,
        channel,
        now,
    );
    new.kind = archived.kind;
    new.priority = archived.priority;
    new.queue = archived.queue;
    new.team = archived.team;
    new.category = archived.category;
    new.cc = archived.cc.clone();
    new.reply_address = archived.reply_address.clone();
    new.mailbox = archived.mailbox.clone();
    new.related.insert(archived.id);
    push_events(
        commit,
        archived,
        vec![EventKind::FollowUpOpened { ticket: new.id }],
        actor,
        now,
    );
    push_events(
        commit,
        &new,
        vec![
            EventKind::Created {
                channel: new.channel.clone(),
            },
            EventKind::FollowUpOf { of: archived.id },
        ],
        actor,
        now,
    );
    new
}

#[cfg(test)]
mod tests {
    use super::ticket_cc;

    /// Normalised, plausible, kept by the filter, each once, at most `max`.
    #[test]
    fn ticket_cc_normalises_filters_dedupes_and_caps() {
        let addresses = [
            "Carl@Example.com",
            "carl@example.com",
            "not an address",
            "support@shop.example",
            "<dora@example.com>",
            "eve@example.com",
        ];
        let keep = |a: &str| a != "support@shop.example";
        assert_eq!(
            ticket_cc(addresses, keep, 48),
            ["carl@example.com", "dora@example.com", "eve@example.com"]
        );
        assert_eq!(
            ticket_cc(addresses, keep, 2),
            ["carl@example.com", "dora@example.com"]
        );
    }
}
