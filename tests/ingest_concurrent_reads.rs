//! Ingest issues its independent reads at once, so that a store with a
//! connection pool (PostgreSQL across a network) answers them in one round
//! trip's time: the dedupe key, the settings and the sender's contact, and
//! (for an autoresponse) the recipient's recent automatic mail and
//! suppression. A store wrapper counts how many of each group are in
//! flight together; each call yields once before it reads, so calls that
//! are awaited one after the other never overlap.

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use helpdesk::MemoryStore;
use helpdesk::Result;
use helpdesk::engine::{AutoreplyOutcome, EngineConfig, Helpdesk, IngestStatus, Mailbox};
use helpdesk::mail::AutoresponderConfig;
use helpdesk::model::{
    Agent, AgentId, Contact, ContactId, Direction, Event, Message, MessageId, Task, Ticket,
    TicketId, TicketNumber, WorkspaceId,
};
use helpdesk::ports::{
    Commit, CommitOutcome, DirectoryRecord, IngestRecord, Job, ManualClock, OutboxItem, RecordId,
    Store,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Calls of one group in flight now, and the most seen at once.
#[derive(Debug, Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl InFlight {
    /// Runs `read` as one call of the group: counted in flight from before
    /// a yield to the executor until it returns.
    async fn during<T>(&self, read: impl Future<Output = T>) -> T {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(n, Ordering::SeqCst);
        tokio::task::yield_now().await;
        let out = read.await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        out
    }

    fn most(&self) -> usize {
        self.most.load(Ordering::SeqCst)
    }
}

/// A memory store that counts its reads in flight: `first` for the dedupe
/// key, directory records and contacts by address, `limits` for the
/// autoresponder's two.
#[derive(Debug, Default)]
struct Counting {
    inner: MemoryStore,
    first: InFlight,
    limits: InFlight,
}

#[async_trait]
impl Store for Counting {
    async fn commit(&self, workspace: WorkspaceId, commit: Commit) -> Result<CommitOutcome> {
        self.inner.commit(workspace, commit).await
    }
    async fn reserve_ticket_number(&self, workspace: WorkspaceId) -> Result<TicketNumber> {
        self.inner.reserve_ticket_number(workspace).await
    }
    async fn ticket(&self, workspace: WorkspaceId, id: TicketId) -> Result<Option<Ticket>> {
        self.inner.ticket(workspace, id).await
    }
    async fn ticket_by_number(
        &self,
        workspace: WorkspaceId,
        number: TicketNumber,
    ) -> Result<Option<Ticket>> {
        self.inner.ticket_by_number(workspace, number).await
    }
    async fn messages(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Message>> {
        self.inner.messages(workspace, ticket).await
    }
    async fn message(&self, workspace: WorkspaceId, id: MessageId) -> Result<Option<Message>> {
        self.inner.message(workspace, id).await
    }
    async fn events(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Event>> {
        self.inner.events(workspace, ticket).await
    }
    async fn children(&self, workspace: WorkspaceId, parent: TicketId) -> Result<Vec<TicketId>> {
        self.inner.children(workspace, parent).await
    }
    async fn merged_sources(
        &self,
        workspace: WorkspaceId,
        target: TicketId,
    ) -> Result<Vec<TicketId>> {
        self.inner.merged_sources(workspace, target).await
    }
    async fn contact(&self, workspace: WorkspaceId, id: ContactId) -> Result<Option<Contact>> {
        self.inner.contact(workspace, id).await
    }
    async fn contact_by_email(
        &self,
        workspace: WorkspaceId,
        email: &str,
    ) -> Result<Option<Contact>> {
        self.first
            .during(self.inner.contact_by_email(workspace, email))
            .await
    }
    async fn record(
        &self,
        workspace: WorkspaceId,
        id: RecordId,
    ) -> Result<Option<DirectoryRecord>> {
        self.first.during(self.inner.record(workspace, id)).await
    }
    async fn agent_by_email(&self, workspace: WorkspaceId, email: &str) -> Result<Option<Agent>> {
        self.inner.agent_by_email(workspace, email).await
    }
    async fn outbox(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<OutboxItem>> {
        self.inner.outbox(workspace, ticket).await
    }
    async fn jobs(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Job>> {
        self.inner.jobs(workspace, ticket).await
    }
    async fn tasks(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Task>> {
        self.inner.tasks(workspace, ticket).await
    }
    async fn open_tasks(&self, workspace: WorkspaceId, assignee: AgentId) -> Result<Vec<Task>> {
        self.inner.open_tasks(workspace, assignee).await
    }
    async fn message_by_email_id(
        &self,
        workspace: WorkspaceId,
        message_id: &str,
    ) -> Result<Option<Message>> {
        self.inner.message_by_email_id(workspace, message_id).await
    }
    async fn thread_ids(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
    ) -> Result<Vec<(Direction, String)>> {
        self.inner.thread_ids(workspace, ticket).await
    }
    async fn ticket_by_email_id(
        &self,
        workspace: WorkspaceId,
        message_id: &str,
    ) -> Result<Option<TicketId>> {
        self.inner.ticket_by_email_id(workspace, message_id).await
    }
    async fn blobs_in_use(
        &self,
        workspace: WorkspaceId,
        keys: &[&str],
        except: &[TicketId],
    ) -> Result<Vec<String>> {
        self.inner.blobs_in_use(workspace, keys, except).await
    }
    async fn ingested(
        &self,
        workspace: WorkspaceId,
        mailbox: &str,
        key: &str,
    ) -> Result<Option<IngestRecord>> {
        self.first
            .during(self.inner.ingested(workspace, mailbox, key))
            .await
    }
    async fn automatic_sent_count(
        &self,
        workspace: WorkspaceId,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<u32> {
        self.limits
            .during(self.inner.automatic_sent_count(workspace, address, since))
            .await
    }
    async fn suppressed_until(
        &self,
        workspace: WorkspaceId,
        address: &str,
    ) -> Result<Option<DateTime<Utc>>> {
        self.limits
            .during(self.inner.suppressed_until(workspace, address))
            .await
    }
    async fn claim_due_jobs(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Job>> {
        self.inner.claim_due_jobs(now, limit, lease_until).await
    }
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>> {
        self.inner.claim_outbox(now, limit, lease_until).await
    }
}

#[tokio::test]
async fn a_new_mail_reads_its_independent_records_at_once() {
    let store = Arc::new(Counting::default());
    let start = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("a valid date"));
    let desk = Helpdesk::builder(store.clone())
        .clock(Arc::new(ManualClock::new(start)))
        .config(EngineConfig::default().default_from("support@shop.example"))
        .build();
    let mailbox =
        Mailbox::new("support@shop.example").autoresponder(AutoresponderConfig::default());
    let raw = "From: Ann <ann@customer.example>\r\nTo: support@shop.example\r\n\
               Subject: The lamp flickers\r\nMessage-ID: <lamp-1@customer.example>\r\n\
               Date: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nIt flickers since Monday.\r\n";
    let out = desk
        .ingest(WorkspaceId::new(), &mailbox, raw.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status, IngestStatus::Created);
    assert!(matches!(out.autoreply, AutoreplyOutcome::Sent(_)));
    // The dedupe key, the settings and the sender's contact: three at once.
    assert_eq!(store.first.most(), 3, "the first reads one after the other");
    // The recipient's recent automatic mail and suppression: both at once.
    assert_eq!(
        store.limits.most(),
        2,
        "the autoresponder's reads one after the other"
    );
}
