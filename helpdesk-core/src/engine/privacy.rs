//! Deleting and anonymising tickets.

use super::Helpdesk;
use super::plan::{Plan, push_events};
use crate::anonymise;
use crate::error::{Error, Result};
use crate::model::{Actor, EventKind, Ticket, TicketId, WorkspaceId};
use crate::ports::{Commit, ContactWrite, MessageUpdate, StoreExt, TicketWrite};

impl Helpdesk {
    /// The ticket and every ticket merged into it (directly or through a
    /// chain), target first.
    async fn with_merged(&self, workspace: WorkspaceId, id: TicketId) -> Result<Vec<Ticket>> {
        let mut out = vec![self.store.get_ticket(workspace, id).await?];
        let mut i = 0;
        while i < out.len() {
            for source in self.store.merged_sources(workspace, out[i].id).await? {
                if out.iter().any(|t| t.id == source) {
                    return Err(Error::Storage(
                        format!("merge cycle through {source} (corrupt data?)").into(),
                    ));
                }
                out.push(self.store.get_ticket(workspace, source).await?);
            }
            i += 1;
        }
        Ok(out)
    }

    /// Deletes a ticket with everything of its own (messages, events,
    /// outbox rows, jobs, attachment bytes in the blob store), and the
    /// tickets merged into it. A ticket that still has children is refused
    /// ([`Error::Validation`]): unlink them first.
    pub async fn delete_ticket(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<()> {
        self.run(workspace, || async {
            let tickets = self.with_merged(workspace, ticket).await?;
            for t in &tickets {
                if let Some(child) = self.store.children(workspace, t.id).await?.first() {
                    return Err(Error::validation(
                        "children",
                        format!("ticket {} has child {child}; unlink it first", t.number),
                    ));
                }
            }
            let erased: Vec<TicketId> = tickets.iter().map(|t| t.id).collect();
            // The attachment bytes go first: a failure leaves the tickets
            // (and the call can be made again).
            for t in &tickets {
                let messages = self.store.messages(workspace, t.id).await?;
                self.delete_blobs(workspace, &messages, &erased).await?;
            }
            let commit = Commit {
                deletions: erased,
                ..Commit::default()
            };
            Ok(Plan::new(commit, ()))
        })
        .await?;
        Ok(())
    }

    /// Anonymises a ticket and the tickets merged into it: personal data in
    /// the requester contact, the tickets (subject, cc, custom fields,
    /// orders), their messages (text, html, raw mail, addresses, subject,
    /// attachment names, email ids), their tasks' titles and their events
    /// is replaced by
    /// [`PLACEHOLDER`](crate::anonymise::PLACEHOLDER), and their
    /// attachments' bytes are deleted from the blob store. The tickets, their
    /// numbers, states and timestamps stay; an `Anonymised` event is logged.
    /// Allowed on Archived tickets too. The requester contact (with the
    /// contacts merged into it, see
    /// [`merge_contacts`](Helpdesk::merge_contacts)) is anonymised for all
    /// of its tickets (their messages are not touched).
    pub async fn anonymise(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
    ) -> Result<Ticket> {
        let (ticket, outcome) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let tickets = self.with_merged(workspace, ticket).await?;
                let erased: Vec<TicketId> = tickets.iter().map(|t| t.id).collect();
                let mut commit = Commit::default();
                let mut contacts = Vec::new();
                for t in &tickets {
                    let messages = self.store.messages(workspace, t.id).await?;
                    // (Their attachments' bytes go before the redaction is
                    // committed: see `delete_blobs`.)
                    self.delete_blobs(workspace, &messages, &erased).await?;
                    for m in &messages {
                        commit.message_updates.push(MessageUpdate::Redact(Box::new(
                            anonymise::redact_message(m),
                        )));
                    }
                    for e in self.store.events(workspace, t.id).await? {
                        commit.event_redactions.push(anonymise::redact_event(&e));
                    }
                    for task in self.store.tasks(workspace, t.id).await? {
                        commit.tasks.push(anonymise::redact_task(&task));
                    }
                    // (The requester, and the contacts merged into it: the
                    // same customer under an earlier address.)
                    for c in self
                        .merged_contacts(workspace, t.requester, &mut contacts)
                        .await?
                    {
                        commit
                            .contacts
                            .push(ContactWrite::Update(anonymise::redact_contact(&c)));
                    }
                    let mut next = anonymise::redact_ticket(t);
                    next.times.updated = now;
                    push_events(&mut commit, &next, vec![EventKind::Anonymised], actor, now);
                    commit.tickets.push(TicketWrite::Update {
                        expected_version: t.version,
                        ticket: next,
                    });
                }
                let target = anonymise::redact_ticket(&tickets[0]);
                Ok(Plan::new(commit, target))
            })
            .await?;
        Ok(super::plan::stored(&outcome, ticket))
    }
}
