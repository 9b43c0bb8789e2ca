//! Commands that change one or more tickets: lifecycle moves, field updates,
//! take, merge, links.

use super::Helpdesk;
use super::plan::{Plan, push_events, stored, write_ticket};
use crate::error::{Error, Result};
use crate::fields::{self, TicketUpdate};
use crate::lifecycle::{self, LifecycleContext, Transition};
use crate::links;
use crate::merge;
use crate::model::{Actor, AgentId, Ticket, TicketId, WorkspaceId};
use crate::ports::{Commit, StoreExt, TicketWrite};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

impl Helpdesk {
    /// Applies a lifecycle [`Transition`] (see [`lifecycle`] for the table).
    /// Returns the ticket as stored. A transition that changes nothing writes
    /// nothing.
    pub async fn transition(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
        transition: Transition,
    ) -> Result<Ticket> {
        let (ticket, outcome) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let current = self.store.get_ticket(workspace, ticket).await?;
                let out = self
                    .apply_transition(workspace, &current, &transition, now)
                    .await?;
                let mut commit = Commit::default();
                if !out.is_noop() {
                    write_ticket(
                        &mut commit,
                        &current,
                        out.ticket.clone(),
                        out.events,
                        actor,
                        now,
                    );
                }
                Ok(Plan::new(commit, out.ticket))
            })
            .await?;
        Ok(stored(&outcome, ticket))
    }

    /// [`lifecycle::apply`] of `transition` to `ticket` at `now`, with the
    /// closing requirement of its category when it closes.
    pub(super) async fn apply_transition(
        &self,
        workspace: WorkspaceId,
        ticket: &Ticket,
        transition: &Transition,
        now: DateTime<Utc>,
    ) -> Result<lifecycle::Outcome> {
        let category = match (transition, ticket.category) {
            (Transition::Close { .. }, Some(c)) => self.store.category(workspace, c).await?,
            _ => None,
        };
        let ctx = LifecycleContext {
            close_requires_status: category
                .as_ref()
                .and_then(|c| c.close_requires_status.as_deref()),
        };
        lifecycle::apply(ticket, transition, &ctx, now)
    }

    /// Checks what `update` refers to: queue, team, category and assignee
    /// (an active agent), and a new requester (a contact of the workspace).
    pub(super) async fn check_update_refs(
        &self,
        workspace: WorkspaceId,
        update: &TicketUpdate,
    ) -> Result<()> {
        self.check_refs(
            workspace,
            update.queue.flatten(),
            update.team.flatten(),
            update.category.flatten(),
            update.assignee.flatten(),
        )
        .await?;
        if let Some(contact) = update.requester
            && self.store.contact(workspace, contact).await?.is_none()
        {
            return Err(Error::not_found("contact", contact));
        }
        Ok(())
    }

    /// Sets an Open ticket Pending, optionally with a reopen date.
    pub async fn set_pending(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
        reopen_at: Option<DateTime<Utc>>,
    ) -> Result<Ticket> {
        self.transition(
            workspace,
            ticket,
            actor,
            Transition::SetPending { reopen_at },
        )
        .await
    }

    /// Closes an Open or Pending ticket, optionally with a reopen date.
    pub async fn close(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
        reopen_at: Option<DateTime<Utc>>,
    ) -> Result<Ticket> {
        self.transition(workspace, ticket, actor, Transition::Close { reopen_at })
            .await
    }

    /// Reopens a Closed ticket.
    pub async fn reopen(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
    ) -> Result<Ticket> {
        self.transition(workspace, ticket, actor, Transition::Reopen)
            .await
    }

    /// Archives a Closed ticket. Archived tickets never change again.
    pub async fn archive(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
    ) -> Result<Ticket> {
        self.transition(workspace, ticket, actor, Transition::Archive)
            .await
    }

    /// Sets or clears the reopen date of a Pending or Closed ticket.
    pub async fn set_reopen_at(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
        reopen_at: Option<DateTime<Utc>>,
    ) -> Result<Ticket> {
        self.transition(workspace, ticket, actor, Transition::SetReopenAt(reopen_at))
            .await
    }

    /// Changes fields (status, priority, category, assignee, team, queue,
    /// tags, followers, subject, custom fields). Referenced entities must
    /// exist; an assignee must be an active agent.
    pub async fn update(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
        update: TicketUpdate,
    ) -> Result<Ticket> {
        self.check_update_refs(workspace, &update).await?;
        let (ticket, outcome) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let current = self.store.get_ticket(workspace, ticket).await?;
                let (next, events) = fields::apply_update(&current, &update, actor, now)?;
                let mut commit = Commit::default();
                if !events.is_empty() {
                    write_ticket(&mut commit, &current, next.clone(), events, actor, now);
                }
                Ok(Plan::new(commit, next))
            })
            .await?;
        Ok(stored(&outcome, ticket))
    }

    /// Assigns the ticket to `agent` (or unassigns with `None`).
    pub async fn assign(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
        agent: Option<AgentId>,
    ) -> Result<Ticket> {
        self.update(
            workspace,
            ticket,
            actor,
            TicketUpdate::default().assignee(agent),
        )
        .await
    }

    /// "Take": `agent` becomes the owner of an unassigned ticket.
    /// [`Error::Precondition`] when someone already owns it: of two agents
    /// taking the same ticket at once, exactly one wins.
    pub async fn take(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        agent: AgentId,
    ) -> Result<Ticket> {
        self.check_refs(workspace, None, None, None, Some(agent))
            .await?;
        let (ticket, outcome) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let current = self.store.get_ticket(workspace, ticket).await?;
                let (next, events) = fields::take(&current, agent, now)?;
                let mut commit = Commit::default();
                write_ticket(
                    &mut commit,
                    &current,
                    next.clone(),
                    events,
                    Actor::Agent(agent),
                    now,
                );
                Ok(Plan::new(commit, next))
            })
            .await?;
        Ok(stored(&outcome, ticket))
    }

    /// "Handle next": `agent` takes the oldest unassigned Open ticket (of
    /// `queue`, when given). Safe under concurrency: each candidate is taken
    /// with [`take`](Helpdesk::take); one someone else got first is skipped.
    /// `Ok(None)` when nothing is waiting.
    pub async fn take_next(
        &self,
        workspace: WorkspaceId,
        queue: Option<crate::model::QueueId>,
        agent: AgentId,
    ) -> Result<Option<Ticket>> {
        use crate::query::{AssigneeMatch, Filter, Query, Sort, SortKey};
        let mut filter = vec![
            Filter::State(vec![crate::lifecycle::State::Open]),
            Filter::Assignee(AssigneeMatch::None),
        ];
        if let Some(q) = queue {
            filter.push(Filter::Queue(vec![Some(q)]));
        }
        let mut query = Query::new(agent)
            .filter(Filter::And(filter))
            .sort(Sort::asc(SortKey::Created))
            .limit(20);
        loop {
            let page = self.store.query_tickets(workspace, &query).await?;
            for candidate in &page.tickets {
                match self.take(workspace, candidate.id, agent).await {
                    Ok(t) => return Ok(Some(t)),
                    // Someone else was faster (or it moved on): next one.
                    Err(Error::Precondition(_) | Error::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            match page.next {
                Some(next) => query = query.after(Some(next)),
                None => return Ok(None),
            }
        }
    }

    /// Merges `sources` into `target` (see [`crate::merge`] for the
    /// rules). When `target` is itself merged, the end of its `merged_into`
    /// chain is the real target. Returns the target as stored. With
    /// [`EngineConfig::merge_notice`](super::EngineConfig::merge_notice)
    /// set, each requester of the sources is told by mail, in the same
    /// transaction (through the outbox).
    pub async fn merge(
        &self,
        workspace: WorkspaceId,
        target: TicketId,
        sources: &[TicketId],
        actor: Actor,
    ) -> Result<Ticket> {
        let (ticket, outcome) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let target = self.chain_end(workspace, target).await?;
                let mut loaded = Vec::with_capacity(sources.len());
                for id in sources {
                    loaded.push(self.store.get_ticket(workspace, *id).await?);
                }
                // (The requesters, read once: the policy needs their
                // addresses, the merge notice their names too.)
                let mut contacts = BTreeMap::new();
                for contact in
                    std::iter::once(target.requester).chain(loaded.iter().map(|t| t.requester))
                {
                    if let std::collections::btree_map::Entry::Vacant(e) = contacts.entry(contact)
                        && let Some(c) = self.store.contact(workspace, contact).await?
                    {
                        e.insert(c);
                    }
                }
                let emails = contacts
                    .iter()
                    .map(|(id, c)| (*id, c.emails.clone()))
                    .collect();
                let out = merge::merge(&target, &loaded, self.config.merge_policy, &emails, now)?;
                let mut commit = Commit::default();
                for (before, after) in loaded.iter().zip(out.sources.iter()) {
                    let events = out
                        .events
                        .iter()
                        .filter(|(id, _)| *id == before.id)
                        .map(|(_, e)| e.clone())
                        .collect();
                    write_ticket(&mut commit, before, after.clone(), events, actor, now);
                }
                let target_events = out
                    .events
                    .iter()
                    .filter(|(id, _)| *id == target.id)
                    .map(|(_, e)| e.clone())
                    .collect();
                write_ticket(
                    &mut commit,
                    &target,
                    out.target.clone(),
                    target_events,
                    actor,
                    now,
                );
                self.plan_merge_notices(
                    workspace,
                    &out.target,
                    &loaded,
                    &contacts,
                    now,
                    &mut commit,
                )
                .await?;
                Ok(Plan::new(commit, out.target))
            })
            .await?;
        Ok(stored(&outcome, ticket))
    }

    /// Makes `child` a child of `parent` (no cycles, at most one parent).
    pub async fn link(
        &self,
        workspace: WorkspaceId,
        child: TicketId,
        parent: TicketId,
        actor: Actor,
    ) -> Result<Ticket> {
        let (ticket, outcome) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let child = self.store.get_ticket(workspace, child).await?;
                let parent = self.store.get_ticket(workspace, parent).await?;
                let mut ancestors: Vec<Ticket> = Vec::new();
                let mut cursor = parent.parent;
                while let Some(id) = cursor {
                    if ancestors.iter().any(|t| t.id == id) || ancestors.len() > 1024 {
                        return Err(Error::Storage(
                            format!(
                                "parent chain of {} is cyclic or too long (corrupt data?)",
                                parent.id
                            )
                            .into(),
                        ));
                    }
                    let ancestor = self.store.get_ticket(workspace, id).await?;
                    cursor = ancestor.parent;
                    ancestors.push(ancestor);
                }
                let ids: Vec<TicketId> = ancestors.iter().map(|t| t.id).collect();
                let out = links::link(&child, &parent, &ids, now)?;
                let mut commit = self.link_commit(&child, &parent, out.clone(), actor, now);
                if !commit.is_empty() {
                    // The chain read to rule out a cycle is part of the
                    // decision: its rows are written back unchanged, so a
                    // concurrent link anywhere on it conflicts and re-decides.
                    // Archived ancestors never change, and no link can
                    // be added or removed on them, so they need no guard.
                    for ancestor in ancestors
                        .into_iter()
                        .filter(|a| a.state != crate::lifecycle::State::Archived)
                    {
                        let version = ancestor.version;
                        commit.tickets.push(TicketWrite::Update {
                            ticket: ancestor,
                            expected_version: version,
                        });
                    }
                }
                Ok(Plan::new(commit, out.child))
            })
            .await?;
        Ok(stored(&outcome, ticket))
    }

    /// Removes `child` from its parent.
    pub async fn unlink(
        &self,
        workspace: WorkspaceId,
        child: TicketId,
        actor: Actor,
    ) -> Result<Ticket> {
        let (ticket, outcome) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let child = self.store.get_ticket(workspace, child).await?;
                let out = links::unlink(&child, now)?;
                let parent = match child.parent {
                    Some(p) => self.store.get_ticket(workspace, p).await?,
                    None => child.clone(),
                };
                Ok(Plan::new(
                    self.link_commit(&child, &parent, out.clone(), actor, now),
                    out.child,
                ))
            })
            .await?;
        Ok(stored(&outcome, ticket))
    }

    fn link_commit(
        &self,
        child: &Ticket,
        parent: &Ticket,
        out: links::LinkOutcome,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Commit {
        let mut commit = Commit::default();
        if out.events.is_empty() {
            return commit;
        }
        let child_events = out
            .events
            .iter()
            .filter(|(id, _)| *id == child.id)
            .map(|(_, e)| e.clone())
            .collect();
        let parent_events: Vec<_> = out
            .events
            .iter()
            .filter(|(id, _)| *id == parent.id)
            .map(|(_, e)| e.clone())
            .collect();
        write_ticket(&mut commit, child, out.child, child_events, actor, now);
        // The parent row is written unchanged so that its version moves: a
        // concurrent link in the other direction then conflicts instead of
        // closing a cycle. An Archived parent never changes again (and can
        // take no new links, so it needs no such guard).
        if parent.state != crate::lifecycle::State::Archived {
            push_events(&mut commit, parent, parent_events, actor, now);
            commit.tickets.push(TicketWrite::Update {
                ticket: parent.clone(),
                expected_version: parent.version,
            });
        }
        commit
    }

    /// The direct children of `parent`.
    pub async fn children(&self, workspace: WorkspaceId, parent: TicketId) -> Result<Vec<Ticket>> {
        let ids = self.store.children(workspace, parent).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.store.get_ticket(workspace, id).await?);
        }
        Ok(out)
    }

    /// A ticket by id.
    pub async fn ticket(&self, workspace: WorkspaceId, id: TicketId) -> Result<Ticket> {
        self.store.get_ticket(workspace, id).await
    }
}
