//! Bulk actions and read tracking.

use super::Helpdesk;
use super::plan::{Plan, stored};
use crate::error::Result;
use crate::fields::TicketUpdate;
use crate::lifecycle::Transition;
use crate::model::{Actor, AgentId, Ticket, TicketId, WorkspaceId};
use crate::ports::{Commit, StoreExt, TicketWrite};
use futures::StreamExt;

/// One action applied to many tickets by [`Helpdesk::bulk`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Built once per bulk call: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum BulkAction {
    /// Field changes (status, priority, tags, assignee, ...).
    Update(TicketUpdate),
    /// A lifecycle move; each ticket still goes through the lifecycle rules.
    Transition(Transition),
    /// Delete (see [`Helpdesk::delete_ticket`]).
    Delete,
    /// Anonymise (see [`Helpdesk::anonymise`]).
    Anonymise,
}

/// The result of a bulk action for one ticket.
#[derive(Debug)]
pub struct BulkItem {
    /// The ticket.
    pub ticket: TicketId,
    /// The ticket as stored after the action (`None` once deleted), or why
    /// the action was refused for it (nothing was written to it then).
    pub result: Result<Option<Ticket>>,
}

impl Helpdesk {
    /// Applies `action` to every ticket of `tickets`, each as its own command
    /// (one transaction per ticket: a ticket is changed entirely or not at
    /// all), a few at a time. One refused ticket does not stop the others;
    /// the result lists every ticket in the order given.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use helpdesk_core::engine::{BulkAction, Helpdesk, NewTicket};
    /// use helpdesk_core::lifecycle::Transition;
    /// use helpdesk_core::model::{Actor, WorkspaceId};
    /// use std::sync::Arc;
    ///
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let ws = WorkspaceId::new();
    /// let a = desk.create_ticket(ws, NewTicket::from_customer("a@example.com", "A", "x")).await?;
    /// let results = desk
    ///     .bulk(ws, &[a.id], Actor::System, BulkAction::Transition(Transition::Close { reopen_at: None }))
    ///     .await;
    /// assert!(results[0].result.is_ok());
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn bulk(
        &self,
        workspace: WorkspaceId,
        tickets: &[TicketId],
        actor: Actor,
        action: BulkAction,
    ) -> Vec<BulkItem> {
        futures::stream::iter(tickets.iter().copied())
            .map(|ticket| {
                let action = action.clone();
                async move {
                    let result = match action {
                        BulkAction::Update(update) => self
                            .update(workspace, ticket, actor, update)
                            .await
                            .map(Some),
                        BulkAction::Transition(t) => {
                            self.transition(workspace, ticket, actor, t).await.map(Some)
                        }
                        BulkAction::Delete => {
                            self.delete_ticket(workspace, ticket).await.map(|()| None)
                        }
                        BulkAction::Anonymise => {
                            self.anonymise(workspace, ticket, actor).await.map(Some)
                        }
                    };
                    BulkItem { ticket, result }
                }
            })
            .buffered(8)
            .collect()
            .await
    }

    /// Applies `action` to every ticket matching `filter` (for `me`), as
    /// [`bulk`](Helpdesk::bulk) does. The selection is taken first (paging
    /// through the query), then acted on.
    pub async fn bulk_filter(
        &self,
        workspace: WorkspaceId,
        filter: &crate::query::Filter,
        me: AgentId,
        actor: Actor,
        action: BulkAction,
    ) -> Result<Vec<BulkItem>> {
        let ids = self.select(workspace, filter, me).await?;
        Ok(self.bulk(workspace, &ids, actor, action).await)
    }

    /// The ids of every ticket matching `filter`, by number.
    pub(crate) async fn select(
        &self,
        workspace: WorkspaceId,
        filter: &crate::query::Filter,
        me: AgentId,
    ) -> Result<Vec<TicketId>> {
        let tickets = self.select_tickets(workspace, filter, me).await?;
        Ok(tickets.iter().map(|t| t.id).collect())
    }

    /// Every ticket matching `filter`, by number (paging through the query).
    pub(crate) async fn select_tickets(
        &self,
        workspace: WorkspaceId,
        filter: &crate::query::Filter,
        me: AgentId,
    ) -> Result<Vec<Ticket>> {
        use crate::query::{Query, Sort, SortKey};
        let mut query = Query::new(me)
            .filter(filter.clone())
            .sort(Sort::asc(SortKey::Number))
            .limit(500);
        let mut tickets = Vec::new();
        loop {
            let page = self.store.query_tickets(workspace, &query).await?;
            tickets.extend(page.tickets);
            match page.next {
                Some(next) => query = query.after(Some(next)),
                None => return Ok(tickets),
            }
        }
    }

    /// The owner opened the ticket: it is no longer unread for them and its
    /// unread message count is reset. Opening by anyone else changes nothing.
    pub async fn mark_read(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        agent: AgentId,
    ) -> Result<Ticket> {
        let (ticket, outcome) = self
            .run(workspace, || async {
                let current = self.store.get_ticket(workspace, ticket).await?;
                let mut commit = Commit::default();
                // An Archived ticket never changes, not even its read marks.
                if current.assignee == Some(agent)
                    && current.state != crate::lifecycle::State::Archived
                    && (current.unread_by_owner || current.unread_count > 0)
                {
                    let mut next = current.clone();
                    next.unread_by_owner = false;
                    next.unread_count = 0;
                    commit.tickets.push(TicketWrite::Update {
                        expected_version: current.version,
                        ticket: next.clone(),
                    });
                    return Ok(Plan::new(commit, next));
                }
                Ok(Plan::new(commit, current))
            })
            .await?;
        Ok(stored(&outcome, ticket))
    }
}
