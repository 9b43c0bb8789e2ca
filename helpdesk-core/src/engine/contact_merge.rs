//! Merging two contacts of one customer (see [`crate::contact_merge`]).

use super::Helpdesk;
use super::plan::{Plan, write_ticket};
use crate::contact_merge;
use crate::error::{Error, Result};
use crate::fields::{self, TicketUpdate};
use crate::lifecycle::State;
use crate::model::{Actor, AgentId, Contact, ContactId, TicketId, WorkspaceId};
use crate::ports::{Commit, ContactWrite};
use crate::query::Filter;

/// What [`Helpdesk::merge_contacts`] did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ContactMerge {
    /// The target contact as stored, with the source's addresses.
    pub contact: Contact,
    /// The source contact as stored: no addresses left, `merged_into` set.
    pub source: Contact,
    /// The tickets that moved to the target (requester changed).
    pub moved: Vec<TicketId>,
    /// The source's Archived tickets, which never change: their requester
    /// stays the source (find them with
    /// [`Filter::Requester`] over both contacts).
    pub kept: Vec<TicketId>,
}

/// The tickets of these requesters, merged ones too (a filter that names
/// `Merged` lists them).
fn of_requesters(ids: Vec<ContactId>) -> Filter {
    Filter::And(vec![
        Filter::Requester(ids),
        Filter::Or(vec![Filter::Merged, Filter::Not(Box::new(Filter::Merged))]),
    ])
}

impl Helpdesk {
    /// Merges contact `source` into contact `target`: the target takes the
    /// source's addresses and phones (and what else it lacks, see
    /// [`crate::contact_merge`]), every ticket of the source
    /// but the Archived ones (merged tickets too) gets the target as its
    /// requester, with a `RequesterChanged` event by `agent` (and the SLA
    /// policy of the target's organization), and the source stays behind
    /// with `merged_into` set. All in one transaction: the seed documents'
    /// "attach the address to an existing customer and move that address's
    /// tickets to them", when an unknown sender's mail made a contact of
    /// its own. Mail from the moved addresses lands on the target from then
    /// on.
    ///
    /// Either contact missing is [`Error::NotFound`]; a contact merged into
    /// itself, across workspaces, or one already merged is
    /// [`Error::Validation`]. Needs a store that answers ticket queries
    /// ([`Store::query_tickets`](crate::ports::Store::query_tickets); both
    /// shipped stores do).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Helpdesk, NewTicket};
    /// # use helpdesk_core::model::{AgentId, Contact, WorkspaceId};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    /// let customer = desk
    ///     .put_contact(ws, Contact::with_email(ws, "ann@shop-customer.example", Some("Ann".into())))
    ///     .await?;
    /// // A mail from an address nobody knew made a contact of its own.
    /// let ticket = desk
    ///     .create_ticket(ws, NewTicket::from_customer("ann.k@mail.example", "Order 1042", "Where is it?"))
    ///     .await?;
    ///
    /// let merge = desk.merge_contacts(ws, ticket.requester, customer.id, agent).await?;
    /// assert_eq!(merge.moved, [ticket.id]);
    /// assert!(merge.contact.has_email("ann.k@mail.example"));
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn merge_contacts(
        &self,
        workspace: WorkspaceId,
        source: ContactId,
        target: ContactId,
        agent: AgentId,
    ) -> Result<ContactMerge> {
        let actor = Actor::Agent(agent);
        let of_source = of_requesters(vec![source]);
        let update = TicketUpdate::default().requester(target);
        let (merge, _) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let from = self.existing_contact(workspace, source).await?;
                let into = self.existing_contact(workspace, target).await?;
                let (mut from, mut into) = contact_merge::merge_contacts(&from, &into)?;
                let mut commit = Commit::default();
                commit.contacts.push(ContactWrite::Update(from.clone()));
                commit.contacts.push(ContactWrite::Update(into.clone()));
                // (Returned as stored: a version on.)
                from.version = from.version.saturating_add(1);
                into.version = into.version.saturating_add(1);
                let (mut moved, mut kept) = (Vec::new(), Vec::new());
                for ticket in self.select_tickets(workspace, &of_source, agent).await? {
                    if ticket.state == State::Archived {
                        kept.push(ticket.id);
                        continue;
                    }
                    let (next, events) = fields::apply_update(&ticket, &update, actor, now)?;
                    moved.push(ticket.id);
                    write_ticket(&mut commit, &ticket, next, events, actor, now);
                }
                Ok(Plan::new(
                    commit,
                    ContactMerge {
                        contact: into,
                        source: from,
                        moved,
                        kept,
                    },
                ))
            })
            .await?;
        Ok(merge)
    }

    /// The customer's journey: every ticket of `contact` and of the
    /// contacts merged into it (their Archived tickets stay theirs; see
    /// [`merge_contacts`](Helpdesk::merge_contacts)), merged tickets too,
    /// newest first, as agent `me` sees them. A contact that does not exist
    /// is [`Error::NotFound`]. Needs a store that answers ticket queries.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Helpdesk, NewTicket};
    /// # use helpdesk_core::lifecycle::Transition;
    /// # use helpdesk_core::model::{Actor, AgentId, Contact, WorkspaceId};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    /// let old = desk
    ///     .create_ticket(ws, NewTicket::from_customer("ann.k@mail.example", "Order 1", "Where is it?"))
    ///     .await?;
    /// let new = desk
    ///     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Order 2", "And this one?"))
    ///     .await?;
    /// desk.merge_contacts(ws, old.requester, new.requester, agent).await?;
    ///
    /// let journey = desk.customer_tickets(ws, new.requester, agent).await?;
    /// assert_eq!(journey.iter().map(|t| t.id).collect::<Vec<_>>(), [new.id, old.id]);
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn customer_tickets(
        &self,
        workspace: WorkspaceId,
        contact: ContactId,
        me: AgentId,
    ) -> Result<Vec<crate::model::Ticket>> {
        let mut ids = Vec::new();
        let found = self.merged_contacts(workspace, contact, &mut ids).await?;
        // (The contact itself is read first: none, and it does not exist.)
        if found.first().map(|c| c.id) != Some(contact) {
            return Err(Error::not_found("contact", contact));
        }
        let mut tickets = self
            .select_tickets(workspace, &of_requesters(ids), me)
            .await?;
        tickets.reverse();
        Ok(tickets)
    }

    /// The contact `id` of `workspace`, or [`Error::NotFound`].
    /// Contact `id` (first) and the contacts merged into it, directly or
    /// through earlier merges ([`Contact::merged_from`]): the same customer
    /// under other addresses. Ids in `seen` are skipped, and every id
    /// visited is added to it; contacts not stored are left out.
    pub(super) async fn merged_contacts(
        &self,
        workspace: WorkspaceId,
        id: ContactId,
        seen: &mut Vec<ContactId>,
    ) -> Result<Vec<Contact>> {
        let mut found = Vec::new();
        let mut pending = vec![id];
        while let Some(id) = pending.pop() {
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            if let Some(c) = self.store.contact(workspace, id).await? {
                pending.extend(c.merged_from.iter().copied());
                found.push(c);
            }
        }
        Ok(found)
    }

    /// The contact mail to contact `id` goes to: `id` itself, or, once it
    /// was merged into another ([`Contact::merged_into`]), the contact at
    /// the end of that chain, which holds its addresses now (a ticket that
    /// an ingest racing the merge left with the merged contact still
    /// reaches the customer). `None` when `id` is not stored.
    pub(super) async fn mail_contact(
        &self,
        workspace: WorkspaceId,
        id: ContactId,
    ) -> Result<Option<Contact>> {
        let mut contact = self.store.contact(workspace, id).await?;
        // (Bounded: a chain is one or two merges long; a cycle is corrupt
        // data, not a reason to loop.)
        for _ in 0..8 {
            let Some(next) = contact.as_ref().and_then(|c| c.merged_into) else {
                break;
            };
            match self.store.contact(workspace, next).await? {
                Some(c) => contact = Some(c),
                None => break,
            }
        }
        Ok(contact)
    }

    async fn existing_contact(&self, workspace: WorkspaceId, id: ContactId) -> Result<Contact> {
        self.store
            .contact(workspace, id)
            .await?
            .ok_or_else(|| Error::not_found("contact", id))
    }
}
