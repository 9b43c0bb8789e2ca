//! The storage port: what the engine needs from a database.

use crate::error::Result;
use crate::model::{
    Agent, AgentId, Category, CategoryId, Contact, ContactId, Direction, Event, Message, MessageId,
    Organization, OrganizationId, Queue, QueueId, SlaPolicyId, Task, Team, TeamId, Ticket,
    TicketId, TicketNumber, WorkspaceId,
};
use crate::ports::commit::{Commit, CommitOutcome, DirectoryRecord, IngestRecord};
use crate::ports::work::{Job, OutboxItem};
use crate::query::{Filter, Neighbours, Page, Query, Sort, View, ViewId, ViewOwner};
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

    /// The active agent whose email is `email` (both compared normalised,
    /// as [`normalize_email`](crate::model::normalize_email) does); with
    /// several, any one of them.
    async fn agent_by_email(&self, workspace: WorkspaceId, email: &str) -> Result<Option<Agent>>;

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

    /// The email Message-IDs of a ticket's messages, with their direction,
    /// in the order of [`messages`](Store::messages) (messages without one
    /// left out): what the threading headers of a reply need, without
    /// loading the messages. The default asks `messages`; stores can answer
    /// it more cheaply.
    async fn thread_ids(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
    ) -> Result<Vec<(Direction, String)>> {
        Ok(self
            .messages(workspace, ticket)
            .await?
            .into_iter()
            .filter_map(|m| m.email.message_id.map(|id| (m.direction, id)))
            .collect())
    }

    /// The ticket of the message stored with this email Message-ID: what
    /// threading needs, without loading the message. The default asks
    /// [`message_by_email_id`](Store::message_by_email_id); stores can answer
    /// it more cheaply.
    async fn ticket_by_email_id(
        &self,
        workspace: WorkspaceId,
        message_id: &str,
    ) -> Result<Option<TicketId>> {
        Ok(self
            .message_by_email_id(workspace, message_id)
            .await?
            .map(|m| m.ticket))
    }

    /// The keys among `keys` that an attachment
    /// ([`Attachment::blob`](crate::model::Attachment::blob)) of a message
    /// outside the tickets `except` still holds, each once, in no order:
    /// the bytes an erasure of those tickets must keep. (A reply that sends
    /// on a file of another message holds that message's key too.)
    async fn blobs_in_use(
        &self,
        workspace: WorkspaceId,
        keys: &[&str],
        except: &[TicketId],
    ) -> Result<Vec<String>>;

    /// The tasks of a ticket, oldest first (by `created_at`, then id).
    async fn tasks(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Task>>;

    /// The tasks of `assignee` not done yet, on every ticket of the
    /// workspace: those with a due date first, soonest first, then the
    /// others, oldest first (ties by id).
    async fn open_tasks(&self, workspace: WorkspaceId, assignee: AgentId) -> Result<Vec<Task>>;

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
    /// Messages deleted or redacted
    /// ([`MessageUpdate::Redact`](crate::ports::MessageUpdate::Redact), as
    /// by anonymising) no longer count: their addresses are erased with
    /// them.
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

    /// The stored sync position of `mailbox` (see
    /// [`MailboxCheckpoint`](crate::ports::MailboxCheckpoint)), if any.
    async fn mailbox_checkpoint(
        &self,
        workspace: WorkspaceId,
        mailbox: &str,
    ) -> Result<Option<crate::ports::MailboxCheckpoint>> {
        let _ = (workspace, mailbox);
        Err(crate::Error::Unsupported {
            operation: "mailbox_checkpoint",
            implementer: "this store",
        })
    }

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

    /// One page of the tickets matching `query.filter` for `query.me`, in
    /// `query.sort`, starting strictly after `query.after` (keyset paging;
    /// see [`crate::query`]). Merged tickets are left out unless the filter
    /// mentions [`Filter::Merged`]. `next` is set when more rows may follow.
    /// A bad limit, filter, sort or cursor is
    /// [`Error::Validation`](crate::Error::Validation).
    async fn query_tickets(&self, workspace: WorkspaceId, query: &Query) -> Result<Page> {
        let _ = (workspace, query);
        Err(crate::Error::Unsupported {
            operation: "query_tickets",
            implementer: "this store",
        })
    }

    /// How many tickets match `filter` for `me` (what paging through
    /// [`query_tickets`](Store::query_tickets) would return). Meant for
    /// badges on every page load.
    async fn count_tickets(
        &self,
        workspace: WorkspaceId,
        filter: &Filter,
        me: AgentId,
    ) -> Result<u64> {
        let _ = (workspace, filter, me);
        Err(crate::Error::Unsupported {
            operation: "count_tickets",
            implementer: "this store",
        })
    }

    /// The tickets just before and just after `ticket` among those matching
    /// `filter` for `me`, in `sort` (previous / next navigation in a list).
    /// `ticket` itself need not match. [`Error::NotFound`](crate::Error::NotFound)
    /// when it does not exist. A store can implement it with
    /// [`neighbours_by_paging`](crate::query::neighbours_by_paging).
    async fn neighbours(
        &self,
        workspace: WorkspaceId,
        filter: &Filter,
        sort: &Sort,
        me: AgentId,
        ticket: TicketId,
    ) -> Result<Neighbours> {
        let _ = (workspace, filter, sort, me, ticket);
        Err(crate::Error::Unsupported {
            operation: "neighbours",
            implementer: "this store",
        })
    }

    /// Saves `view` (inserts, or replaces the view with the same id). The
    /// view must pass [`View::validate`].
    async fn save_view(&self, workspace: WorkspaceId, view: &View) -> Result<()> {
        let _ = (workspace, view);
        Err(crate::Error::Unsupported {
            operation: "save_view",
            implementer: "this store",
        })
    }

    /// A saved view by id (built-in views are not stored).
    async fn view(&self, workspace: WorkspaceId, id: ViewId) -> Result<Option<View>> {
        let _ = (workspace, id);
        Err(crate::Error::Unsupported {
            operation: "view",
            implementer: "this store",
        })
    }

    /// The saved views of exactly `owner` (the workspace-wide ones, or the
    /// personal ones of one agent), by name, then id.
    async fn views(&self, workspace: WorkspaceId, owner: ViewOwner) -> Result<Vec<View>> {
        let _ = (workspace, owner);
        Err(crate::Error::Unsupported {
            operation: "views",
            implementer: "this store",
        })
    }

    /// Deletes a saved view; [`Error::NotFound`](crate::Error::NotFound)
    /// when there is none with this id.
    async fn delete_view(&self, workspace: WorkspaceId, id: ViewId) -> Result<()> {
        let _ = (workspace, id);
        Err(crate::Error::Unsupported {
            operation: "delete_view",
            implementer: "this store",
        })
    }

    /// Marks (`favourite = true`) or unmarks `ticket` as a favourite of
    /// `agent`. Idempotent. [`Error::NotFound`](crate::Error::NotFound) when
    /// the ticket does not exist in the workspace.
    async fn set_favourite(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        ticket: TicketId,
        favourite: bool,
    ) -> Result<()> {
        let _ = (workspace, agent, ticket, favourite);
        Err(crate::Error::Unsupported {
            operation: "set_favourite",
            implementer: "this store",
        })
    }

    /// The favourite tickets of `agent`, by number.
    async fn favourites(&self, workspace: WorkspaceId, agent: AgentId) -> Result<Vec<TicketId>> {
        let _ = (workspace, agent);
        Err(crate::Error::Unsupported {
            operation: "favourites",
            implementer: "this store",
        })
    }
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
            async fn agent_by_email(
                &self,
                workspace: WorkspaceId,
                email: &str,
            ) -> Result<Option<Agent>> {
                (**self).agent_by_email(workspace, email).await
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
            async fn ticket_by_email_id(
                &self,
                workspace: WorkspaceId,
                message_id: &str,
            ) -> Result<Option<TicketId>> {
                (**self).ticket_by_email_id(workspace, message_id).await
            }
            async fn thread_ids(
                &self,
                workspace: WorkspaceId,
                ticket: TicketId,
            ) -> Result<Vec<(Direction, String)>> {
                (**self).thread_ids(workspace, ticket).await
            }
            async fn blobs_in_use(
                &self,
                workspace: WorkspaceId,
                keys: &[&str],
                except: &[TicketId],
            ) -> Result<Vec<String>> {
                (**self).blobs_in_use(workspace, keys, except).await
            }
            async fn tasks(
                &self,
                workspace: WorkspaceId,
                ticket: TicketId,
            ) -> Result<Vec<$crate::model::Task>> {
                (**self).tasks(workspace, ticket).await
            }
            async fn open_tasks(
                &self,
                workspace: WorkspaceId,
                assignee: AgentId,
            ) -> Result<Vec<$crate::model::Task>> {
                (**self).open_tasks(workspace, assignee).await
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
            async fn mailbox_checkpoint(
                &self,
                workspace: WorkspaceId,
                mailbox: &str,
            ) -> Result<Option<crate::ports::MailboxCheckpoint>> {
                (**self).mailbox_checkpoint(workspace, mailbox).await
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
            async fn query_tickets(&self, workspace: WorkspaceId, query: &Query) -> Result<Page> {
                (**self).query_tickets(workspace, query).await
            }
            async fn count_tickets(
                &self,
                workspace: WorkspaceId,
                filter: &Filter,
                me: AgentId,
            ) -> Result<u64> {
                (**self).count_tickets(workspace, filter, me).await
            }
            async fn neighbours(
                &self,
                workspace: WorkspaceId,
                filter: &Filter,
                sort: &Sort,
                me: AgentId,
                ticket: TicketId,
            ) -> Result<Neighbours> {
                (**self)
                    .neighbours(workspace, filter, sort, me, ticket)
                    .await
            }
            async fn save_view(&self, workspace: WorkspaceId, view: &View) -> Result<()> {
                (**self).save_view(workspace, view).await
            }
            async fn view(&self, workspace: WorkspaceId, id: ViewId) -> Result<Option<View>> {
                (**self).view(workspace, id).await
            }
            async fn views(&self, workspace: WorkspaceId, owner: ViewOwner) -> Result<Vec<View>> {
                (**self).views(workspace, owner).await
            }
            async fn delete_view(&self, workspace: WorkspaceId, id: ViewId) -> Result<()> {
                (**self).delete_view(workspace, id).await
            }
            async fn set_favourite(
                &self,
                workspace: WorkspaceId,
                agent: AgentId,
                ticket: TicketId,
                favourite: bool,
            ) -> Result<()> {
                (**self)
                    .set_favourite(workspace, agent, ticket, favourite)
                    .await
            }
            async fn favourites(
                &self,
                workspace: WorkspaceId,
                agent: AgentId,
            ) -> Result<Vec<TicketId>> {
                (**self).favourites(workspace, agent).await
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
