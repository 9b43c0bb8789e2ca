//! The in-memory store.

use crate::workspace::Workspace;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use foldhash::HashMap;
use helpdesk_core::Result;
use helpdesk_core::model::{
    Agent, AgentId, Contact, ContactId, Direction, Event, Message, MessageId, Task, Ticket,
    TicketId, TicketNumber, WorkspaceId, normalized_email,
};
use helpdesk_core::ports::{
    Commit, CommitOutcome, DirectoryRecord, IngestRecord, Job, OutboxItem, OutboxStatus, RecordId,
    Store,
};
use helpdesk_core::query::{Filter, Neighbours, Page, Query, Sort, View, ViewId, ViewOwner};
use std::sync::{Mutex, MutexGuard};

/// A [`Store`] in memory. All data sits behind one lock, taken for the
/// duration of a single call (never across an `.await`), so every commit is
/// atomic and claims are exclusive.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<HashMap<WorkspaceId, Workspace>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<WorkspaceId, Workspace>> {
        // A panic while holding the lock cannot leave a half-applied commit
        // (commits check everything before writing), so the data is usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read<T>(&self, workspace: WorkspaceId, f: impl FnOnce(&Workspace) -> T) -> Option<T> {
        self.lock().get(&workspace).map(f)
    }
}

fn sorted_by_ticket_number(ws: &Workspace, mut ids: Vec<TicketId>) -> Vec<TicketId> {
    ids.sort_by_key(|id| ws.tickets.get(id).map(|t| t.number));
    ids
}

#[async_trait]
impl Store for MemoryStore {
    async fn commit(&self, workspace: WorkspaceId, commit: Commit) -> Result<CommitOutcome> {
        self.lock()
            .entry(workspace)
            .or_default()
            .apply(workspace, commit)
    }

    async fn reserve_ticket_number(&self, workspace: WorkspaceId) -> Result<TicketNumber> {
        let mut all = self.lock();
        let ws = all.entry(workspace).or_default();
        ws.last_number += 1;
        Ok(TicketNumber(ws.last_number))
    }

    async fn ticket(&self, workspace: WorkspaceId, id: TicketId) -> Result<Option<Ticket>> {
        Ok(self
            .read(workspace, |ws| ws.tickets.get(&id).map(|t| (**t).clone()))
            .flatten())
    }

    async fn ticket_by_number(
        &self,
        workspace: WorkspaceId,
        number: TicketNumber,
    ) -> Result<Option<Ticket>> {
        Ok(self
            .read(workspace, |ws| {
                ws.by_number
                    .get(&number.0)
                    .and_then(|id| ws.tickets.get(id))
                    .map(|t| (**t).clone())
            })
            .flatten())
    }

    async fn messages(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Message>> {
        Ok(self
            .read(workspace, |ws| {
                ws.messages_of(ticket)
                    .into_iter()
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default())
    }

    async fn message(&self, workspace: WorkspaceId, id: MessageId) -> Result<Option<Message>> {
        Ok(self
            .read(workspace, |ws| ws.messages.get(&id).map(|m| (**m).clone()))
            .flatten())
    }

    async fn events(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Event>> {
        let mut out = self
            .read(workspace, |ws| {
                ws.events_by_ticket
                    .get(&ticket)
                    .cloned()
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        out.sort_by_key(|e: &Event| (e.at, e.id));
        Ok(out)
    }

    async fn children(&self, workspace: WorkspaceId, parent: TicketId) -> Result<Vec<TicketId>> {
        Ok(self
            .read(workspace, |ws| {
                let ids = ws
                    .tickets
                    .values()
                    .filter(|t| t.parent == Some(parent))
                    .map(|t| t.id)
                    .collect();
                sorted_by_ticket_number(ws, ids)
            })
            .unwrap_or_default())
    }

    async fn merged_sources(
        &self,
        workspace: WorkspaceId,
        target: TicketId,
    ) -> Result<Vec<TicketId>> {
        Ok(self
            .read(workspace, |ws| {
                let ids = ws
                    .tickets
                    .values()
                    .filter(|t| t.merged_into == Some(target))
                    .map(|t| t.id)
                    .collect();
                sorted_by_ticket_number(ws, ids)
            })
            .unwrap_or_default())
    }

    async fn contact(&self, workspace: WorkspaceId, id: ContactId) -> Result<Option<Contact>> {
        Ok(self
            .read(workspace, |ws| ws.contacts.get(&id).cloned())
            .flatten())
    }

    async fn contact_by_email(
        &self,
        workspace: WorkspaceId,
        email: &str,
    ) -> Result<Option<Contact>> {
        let email = normalized_email(email);
        Ok(self
            .read(workspace, |ws| {
                ws.contact_by_email
                    .get(email.as_ref())
                    .and_then(|id| ws.contacts.get(id))
                    .cloned()
            })
            .flatten())
    }

    async fn record(
        &self,
        workspace: WorkspaceId,
        id: RecordId,
    ) -> Result<Option<DirectoryRecord>> {
        Ok(self
            .read(workspace, |ws| ws.records.get(&id).cloned())
            .flatten())
    }

    async fn agent_by_email(&self, workspace: WorkspaceId, email: &str) -> Result<Option<Agent>> {
        let email = normalized_email(email);
        // (A scan: agents are few, and this runs only for forwarded mail.)
        Ok(self
            .read(workspace, |ws| {
                ws.records
                    .values()
                    .filter_map(|r| match r {
                        DirectoryRecord::Agent(a)
                            if a.active
                                && a.email.as_deref().map(normalized_email).as_deref()
                                    == Some(email.as_ref()) =>
                        {
                            Some(a)
                        }
                        _ => None,
                    })
                    .min_by_key(|a| a.id)
                    .cloned()
            })
            .flatten())
    }

    async fn outbox(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<OutboxItem>> {
        Ok(self
            .read(workspace, |ws| {
                ws.outbox_by_ticket
                    .get(&ticket)
                    .map(|ids| {
                        ids.iter()
                            .filter_map(|id| ws.outbox.get(id).cloned())
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default())
    }

    async fn tasks(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Task>> {
        Ok(self
            .read(workspace, |ws| {
                let mut tasks: Vec<Task> = ws
                    .tasks_by_ticket
                    .get(&ticket)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| ws.tasks.get(id).cloned())
                    .collect();
                tasks.sort_by_key(|t| (t.created_at, t.id));
                tasks
            })
            .unwrap_or_default())
    }

    async fn open_tasks(&self, workspace: WorkspaceId, assignee: AgentId) -> Result<Vec<Task>> {
        Ok(self
            .read(workspace, |ws| {
                let mut tasks: Vec<Task> = ws
                    .tasks
                    .values()
                    .filter(|t| t.assignee == Some(assignee) && t.done_at.is_none())
                    .cloned()
                    .collect();
                // (Due first, soonest first; then the rest, oldest first.)
                tasks.sort_by_key(|t| (t.due.is_none(), t.due, t.created_at, t.id));
                tasks
            })
            .unwrap_or_default())
    }

    async fn jobs(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Job>> {
        Ok(self
            .read(workspace, |ws| {
                let mut jobs: Vec<Job> = ws
                    .jobs
                    .values()
                    .filter(|j| j.ticket == ticket)
                    .cloned()
                    .collect();
                jobs.sort_by_key(|j| (j.due_at, j.kind));
                jobs
            })
            .unwrap_or_default())
    }

    async fn message_by_email_id(
        &self,
        workspace: WorkspaceId,
        message_id: &str,
    ) -> Result<Option<Message>> {
        Ok(self
            .read(workspace, |ws| {
                ws.email_ids
                    .get(message_id)
                    .and_then(|id| ws.messages.get(id))
                    .map(|m| (**m).clone())
            })
            .flatten())
    }

    async fn thread_ids(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
    ) -> Result<Vec<(Direction, String)>> {
        Ok(self
            .read(workspace, |ws| {
                ws.messages_of(ticket)
                    .into_iter()
                    .filter_map(|m| m.email.message_id.clone().map(|id| (m.direction, id)))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default())
    }

    async fn ticket_by_email_id(
        &self,
        workspace: WorkspaceId,
        message_id: &str,
    ) -> Result<Option<TicketId>> {
        Ok(self
            .read(workspace, |ws| {
                ws.email_ids
                    .get(message_id)
                    .and_then(|id| ws.messages.get(id))
                    .map(|m| m.ticket)
            })
            .flatten())
    }

    async fn blobs_in_use(
        &self,
        workspace: WorkspaceId,
        keys: &[&str],
        except: &[TicketId],
    ) -> Result<Vec<String>> {
        // (A scan of the workspace's messages: erasures are rare.)
        Ok(self
            .read(workspace, |ws| {
                let mut held: Vec<String> = Vec::new();
                let outside = ws.messages.values().filter(|m| !except.contains(&m.ticket));
                for blob in
                    outside.flat_map(|m| m.attachments.iter().filter_map(|a| a.blob.as_deref()))
                {
                    if keys.contains(&blob) && !held.iter().any(|k| k == blob) {
                        held.push(blob.to_owned());
                    }
                }
                held
            })
            .unwrap_or_default())
    }

    async fn ingested(
        &self,
        workspace: WorkspaceId,
        mailbox: &str,
        key: &str,
    ) -> Result<Option<IngestRecord>> {
        Ok(self
            .read(workspace, |ws| {
                ws.ingested
                    .get(mailbox)
                    .and_then(|keys| keys.get(key))
                    .map(|&(ticket, message)| IngestRecord {
                        mailbox: mailbox.to_owned(),
                        key: key.to_owned(),
                        ticket,
                        message,
                    })
            })
            .flatten())
    }

    async fn automatic_sent_count(
        &self,
        workspace: WorkspaceId,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<u32> {
        let address = normalized_email(address);
        Ok(self
            .read(workspace, |ws| {
                ws.automatic_sent
                    .get(address.as_ref())
                    .map(|sent| sent.iter().filter(|(t, _)| *t >= since).count())
                    .unwrap_or(0)
            })
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)))
    }

    async fn suppressed_until(
        &self,
        workspace: WorkspaceId,
        address: &str,
    ) -> Result<Option<DateTime<Utc>>> {
        let address = normalized_email(address);
        Ok(self
            .read(workspace, |ws| {
                ws.suppressions.get(address.as_ref()).copied()
            })
            .flatten())
    }

    async fn mailbox_checkpoint(
        &self,
        workspace: WorkspaceId,
        mailbox: &str,
    ) -> Result<Option<helpdesk_core::ports::MailboxCheckpoint>> {
        Ok(self
            .read(workspace, |ws| ws.checkpoints.get(mailbox).cloned())
            .flatten())
    }

    async fn claim_due_jobs(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Job>> {
        let mut all = self.lock();
        let mut due: Vec<&mut Job> = all
            .values_mut()
            .flat_map(|ws| ws.jobs.values_mut())
            .filter(|j| j.due_at <= now && j.lease_until.is_none_or(|l| l <= now))
            .collect();
        due.sort_by_key(|j| (j.due_at, j.id));
        Ok(due
            .into_iter()
            .take(limit)
            .map(|j| {
                j.lease_until = Some(lease_until);
                j.clone()
            })
            .collect())
    }

    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>> {
        let mut all = self.lock();
        let mut due: Vec<&mut OutboxItem> = all
            .values_mut()
            .flat_map(|ws| ws.outbox.values_mut())
            .filter(|o| {
                o.status == OutboxStatus::Pending
                    && o.not_before <= now
                    && o.lease_until.is_none_or(|l| l <= now)
            })
            .collect();
        due.sort_by_key(|o| (o.not_before, o.id));
        Ok(due
            .into_iter()
            .take(limit)
            .map(|o| {
                o.lease_until = Some(lease_until);
                o.clone()
            })
            .collect())
    }

    async fn query_tickets(&self, workspace: WorkspaceId, query: &Query) -> Result<Page> {
        self.read(workspace, |ws| ws.query_tickets(query))
            .unwrap_or_else(|| Workspace::default().query_tickets(query))
    }

    async fn count_tickets(
        &self,
        workspace: WorkspaceId,
        filter: &Filter,
        me: AgentId,
    ) -> Result<u64> {
        self.read(workspace, |ws| ws.count_tickets(filter, me))
            .unwrap_or_else(|| Workspace::default().count_tickets(filter, me))
    }

    async fn neighbours(
        &self,
        workspace: WorkspaceId,
        filter: &Filter,
        sort: &Sort,
        me: AgentId,
        ticket: TicketId,
    ) -> Result<Neighbours> {
        self.read(workspace, |ws| ws.neighbours(filter, sort, me, ticket))
            .unwrap_or_else(|| Workspace::default().neighbours(filter, sort, me, ticket))
    }

    async fn save_view(&self, workspace: WorkspaceId, view: &View) -> Result<()> {
        view.validate()?;
        self.lock()
            .entry(workspace)
            .or_default()
            .views
            .insert(view.id, view.clone());
        Ok(())
    }

    async fn view(&self, workspace: WorkspaceId, id: ViewId) -> Result<Option<View>> {
        Ok(self
            .read(workspace, |ws| ws.views.get(&id).cloned())
            .flatten())
    }

    async fn views(&self, workspace: WorkspaceId, owner: ViewOwner) -> Result<Vec<View>> {
        Ok(self
            .read(workspace, |ws| ws.views_of(owner))
            .unwrap_or_default())
    }

    async fn delete_view(&self, workspace: WorkspaceId, id: ViewId) -> Result<()> {
        match self.lock().get_mut(&workspace) {
            Some(ws) => ws.delete_view(id),
            None => Err(helpdesk_core::Error::not_found("view", id)),
        }
    }

    async fn set_favourite(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        ticket: TicketId,
        favourite: bool,
    ) -> Result<()> {
        match self.lock().get_mut(&workspace) {
            Some(ws) => ws.set_favourite(agent, ticket, favourite),
            None => Err(helpdesk_core::Error::not_found("ticket", ticket)),
        }
    }

    async fn favourites(&self, workspace: WorkspaceId, agent: AgentId) -> Result<Vec<TicketId>> {
        Ok(self
            .read(workspace, |ws| ws.favourites_of(agent))
            .unwrap_or_default())
    }
}
