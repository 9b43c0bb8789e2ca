//! The storage port: what the engine needs from a database.

use crate::error::Result;
use crate::model::{
    Agent, AgentId, Category, CategoryId, Contact, ContactId, Event, Message, MessageId,
    Organization, OrganizationId, Queue, QueueId, SlaPolicyId, Team, TeamId, Ticket, TicketId,
    TicketNumber, WorkspaceId,
};
use crate::ports::commit::{Commit, CommitOutcome, DirectoryRecord, IngestRecord};
use crate::ports::work::{Job, OutboxItem};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::fmt::Debug;
use std::sync::Arc;

/// A key of a [`DirectoryRecord`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordId {
    /// An agent.
    Agent(AgentId),
    /// A team.
    Team(TeamId),
    /// A queue.
    Queue(QueueId),
    /// A category.
    Category(CategoryId),
    /// An organization.
    Organization(OrganizationId),
    /// An SLA policy.
    SlaPolicy(SlaPolicyId),
    /// The settings of a workspace.
    Settings(WorkspaceId),
}

/// Storage for the helpdesk, held by the engine as `Arc<dyn Store>`.
///
/// The required methods are the minimum the engine needs; conveniences live
/// in [`StoreExt`], which every `Store` gets for free. Every call takes the
/// [`WorkspaceId`] and never returns another workspace's data. The two claim
/// calls ([`claim_due_jobs`](Store::claim_due_jobs),
/// [`claim_outbox`](Store::claim_outbox)) are the only ones that span
/// workspaces: they are the engine's system-wide timers, and return rows that
/// name their workspace.
///
/// Writes go through [`commit`](Store::commit) only, which applies a whole
/// [`Commit`] atomically: every ticket compare-and-set holds and every row is
/// written, or nothing is.
///
/// Implementations must pass the conformance suite
/// (`helpdesk_core::conformance`, feature `conformance`).
#[async_trait]
pub trait Store: Debug + Send + Sync + 'static {
    /// Applies `commit` atomically in `workspace`. Every row in it must
    /// belong to `workspace` (else [`Error::Validation`](crate::Error::Validation)).
    /// A stale ticket version, a taken contact email, or a missing job/outbox
    /// row to complete is [`Error::Conflict`](crate::Error::Conflict) and
    /// writes nothing.
    async fn commit(&self, workspace: WorkspaceId, commit: Commit) -> Result<CommitOutcome>;

    /// Hands out the next ticket number of the workspace without creating a
    /// ticket, for a command that must know the number before it commits
    /// (e.g. to put it in an autoresponse). A ticket created with a reserved
    /// number keeps it; a number that is never used leaves a gap.
    async fn reserve_ticket_number(&self, workspace: WorkspaceId) -> Result<TicketNumber>;

    /// A ticket by id.
    async fn ticket(&self, workspace: WorkspaceId, id: TicketId) -> Result<Option<Ticket>>;

    /// A ticket by its human number.
    async fn ticket_by_number(
        &self,
        workspace: WorkspaceId,
        number: TicketNumber,
    ) -> Result<Option<Ticket>>;

    /// The messages of one ticket (not of tickets merged into it), oldest
    /// first (ties broken by id).
    async fn messages(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Message>>;

    /// One message by id.
    async fn message(&self, workspace: WorkspaceId, id: MessageId) -> Result<Option<Message>>;

    /// The events of one ticket, oldest first (ties broken by id).
    async fn events(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Event>>;

    /// Tickets whose `parent` is `parent`, by number.
    async fn children(&self, workspace: WorkspaceId, parent: TicketId) -> Result<Vec<TicketId>>;

    /// Tickets whose `merged_into` is `target` (direct sources only), by number.
    async fn merged_sources(
        &self,
        workspace: WorkspaceId,
        target: TicketId,
    ) -> Result<Vec<TicketId>>;

    /// A contact by id.
    async fn contact(&self, workspace: WorkspaceId, id: ContactId) -> Result<Option<Contact>>;

    /// The contact owning `email` (compared lowercase).
    async fn contact_by_email(
        &self,
        workspace: WorkspaceId,
        email: &str,
    ) -> Result<Option<Contact>>;

    /// A directory record.
    async fn record(&self, workspace: WorkspaceId, id: RecordId)
    -> Result<Option<DirectoryRecord>>;

    /// The outbox rows of one ticket, oldest first.
    async fn outbox(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<OutboxItem>>;

    /// The due jobs of one ticket.
    async fn jobs(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Job>>;

    /// The message (inbound or outbound) stored with this email Message-ID
    /// (without angle brackets, compared exactly).
    async fn message_by_email_id(
        &self,
        workspace: WorkspaceId,
        message_id: &str,
    ) -> Result<Option<Message>>;

    /// The record of a mail ingested before under (`mailbox`, `key`).
    async fn ingested(
        &self,
        workspace: WorkspaceId,
        mailbox: &str,
        key: &str,
    ) -> Result<Option<IngestRecord>>;

    /// How many automatic messages (outbound, authored by
    /// [`Actor::System`](crate::model::Actor::System)) were written to
    /// `address` (in To or Cc, compared lowercase) at or after `since`.
    async fn automatic_sent_count(
        &self,
        workspace: WorkspaceId,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<u32>;

    /// Until when automatic mail to `address` is suppressed (after a
    /// permanent bounce), if at all.
    async fn suppressed_until(
        &self,
        workspace: WorkspaceId,
        address: &str,
    ) -> Result<Option<DateTime<Utc>>>;

    /// Atomically claims up to `limit` jobs with `due_at <= now` that are not
    /// leased (or whose lease ended before `now`), leasing them until
    /// `lease_until`. Two concurrent callers never get the same job while its
    /// lease holds. Spans workspaces.
    async fn claim_due_jobs(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Job>>;

    /// Atomically claims up to `limit` pending outbox rows with
    /// `not_before <= now` that are not leased (or whose lease ended),
    /// leasing them until `lease_until`. Spans workspaces.
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>>;
}

/// A `Store` behind a pointer.
pub type DynStore = dyn Store;

macro_rules! forward_store {
    ($ty:ty) => {
        #[async_trait]
        #[deny(clippy::missing_trait_methods)]
        impl<T: Store + ?Sized> Store for $ty {
            async fn commit(
                &self,
                workspace: WorkspaceId,
                commit: Commit,
            ) -> Result<CommitOutcome> {
                (**self).commit(workspace, commit).await
            }
            async fn reserve_ticket_number(&self, workspace: WorkspaceId) -> Result<TicketNumber> {
                (**self).reserve_ticket_number(workspace).await
            }
            async fn ticket(&self, workspace: WorkspaceId, id: TicketId) -> Result<Option<Ticket>> {
                (**self).ticket(workspace, id).await
            }
            async fn ticket_by_number(
                &self,
                workspace: WorkspaceId,
                number: TicketNumber,
            ) -> Result<Option<Ticket>> {
                (**self).ticket_by_number(workspace, number).await
            }
            async fn messages(
                &self,
                workspace: WorkspaceId,
                ticket: TicketId,
            ) -> Result<Vec<Message>> {
                (**self).messages(workspace, ticket).await
            }
            async fn message(
                &self,
                workspace: WorkspaceId,
                id: MessageId,
            ) -> Result<Option<Message>> {
                (**self).message(workspace, id).await
            }
            async fn events(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Event>> {
                (**self).events(workspace, ticket).await
            }
            async fn children(
                &self,
                workspace: WorkspaceId,
                parent: TicketId,
            ) -> Result<Vec<TicketId>> {
                (**self).children(workspace, parent).await
            }
            async fn merged_sources(
                &self,
                workspace: WorkspaceId,
                target: TicketId,
            ) -> Result<Vec<TicketId>> {
                (**self).merged_sources(workspace, target).await
            }
            async fn contact(
                &self,
                workspace: WorkspaceId,
                id: ContactId,
            ) -> Result<Option<Contact>> {
                (**self).contact(workspace, id).await
            }
            async fn contact_by_email(
                &self,
                workspace: WorkspaceId,
                email: &str,
            ) -> Result<Option<Contact>> {
                (**self).contact_by_email(workspace, email).await
            }
            async fn record(
                &self,
                workspace: WorkspaceId,
                id: RecordId,
            ) -> Result<Option<DirectoryRecord>> {
                (**self).record(workspace, id).await
            }
            async fn outbox(
                &self,
                workspace: WorkspaceId,
                ticket: TicketId,
            ) -> Result<Vec<OutboxItem>> {
                (**self).outbox(workspace, ticket).await
            }
            async fn jobs(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Job>> {
                (**self).jobs(workspace, ticket).await
            }
            async fn message_by_email_id(
                &self,
                workspace: WorkspaceId,
                message_id: &str,
            ) -> Result<Option<Message>> {
                (**self).message_by_email_id(workspace, message_id).await
            }
            async fn ingested(
                &self,
                workspace: WorkspaceId,
                mailbox: &str,
                key: &str,
            ) -> Result<Option<IngestRecord>> {
                (**self).ingested(workspace, mailbox, key).await
            }
            async fn automatic_sent_count(
                &self,
                workspace: WorkspaceId,
                address: &str,
                since: DateTime<Utc>,
            ) -> Result<u32> {
                (**self)
                    .automatic_sent_count(workspace, address, since)
                    .await
            }
            async fn suppressed_until(
                &self,
                workspace: WorkspaceId,
                address: &str,
            ) -> Result<Option<DateTime<Utc>>> {
                (**self).suppressed_until(workspace, address).await
            }
            async fn claim_due_jobs(
                &self,
                now: DateTime<Utc>,
                limit: usize,
                lease_until: DateTime<Utc>,
            ) -> Result<Vec<Job>> {
                (**self).claim_due_jobs(now, limit, lease_until).await
            }
            async fn claim_outbox(
                &self,
                now: DateTime<Utc>,
                limit: usize,
                lease_until: DateTime<Utc>,
            ) -> Result<Vec<OutboxItem>> {
                (**self).claim_outbox(now, limit, lease_until).await
            }
        }
    };
}

forward_store!(Arc<T>);
forward_store!(Box<T>);

/// Conveniences over [`Store`], implemented for every store. Not meant to be
/// implemented by hand.
#[async_trait]
pub trait StoreExt: Store {
    /// A ticket that must exist ([`Error::NotFound`](crate::Error::NotFound) otherwise).
    async fn get_ticket(&self, workspace: WorkspaceId, id: TicketId) -> Result<Ticket> {
        self.ticket(workspace, id)
            .await?
            .ok_or_else(|| crate::Error::not_found("ticket", id))
    }

    /// An agent, if it exists.
    async fn agent(&self, workspace: WorkspaceId, id: AgentId) -> Result<Option<Agent>> {
        Ok(match self.record(workspace, RecordId::Agent(id)).await? {
            Some(DirectoryRecord::Agent(a)) => Some(a),
            _ => None,
        })
    }

    /// A team, if it exists.
    async fn team(&self, workspace: WorkspaceId, id: TeamId) -> Result<Option<Team>> {
        Ok(match self.record(workspace, RecordId::Team(id)).await? {
            Some(DirectoryRecord::Team(t)) => Some(t),
            _ => None,
        })
    }

    /// A queue, if it exists.
    async fn queue(&self, workspace: WorkspaceId, id: QueueId) -> Result<Option<Queue>> {
        Ok(match self.record(workspace, RecordId::Queue(id)).await? {
            Some(DirectoryRecord::Queue(q)) => Some(q),
            _ => None,
        })
    }

    /// A category, if it exists.
    async fn category(&self, workspace: WorkspaceId, id: CategoryId) -> Result<Option<Category>> {
        Ok(
            match self.record(workspace, RecordId::Category(id)).await? {
                Some(DirectoryRecord::Category(c)) => Some(c),
                _ => None,
            },
        )
    }

    /// An organization, if it exists.
    async fn organization(
        &self,
        workspace: WorkspaceId,
        id: OrganizationId,
    ) -> Result<Option<Organization>> {
        Ok(
            match self.record(workspace, RecordId::Organization(id)).await? {
                Some(DirectoryRecord::Organization(o)) => Some(o),
                _ => None,
            },
        )
    }
}

impl<S: Store + ?Sized> StoreExt for S {}
