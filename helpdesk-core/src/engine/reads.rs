//! What one attempt of a command has read from the store, so that each
//! record is read once per attempt: settings, directory records and
//! contacts, and the tickets as they were read (the "before" images that
//! [`Helpdesk::keep_in_step`](super::Helpdesk) diffs against instead of
//! reading them again).
//!
//! An attempt never sees a snapshot across its reads anyway (each store
//! call stands alone); what it decides is made safe by the compare-and-set
//! of its commit. Remembering a read for the rest of the attempt changes
//! nothing about that, and a retry starts with an empty cache.

use super::Helpdesk;
use crate::error::Result;
use crate::model::{Contact, ContactId, Ticket, TicketId, WorkspaceId, WorkspaceSettings};
use crate::ports::{DirectoryRecord, RecordId};
use std::sync::Arc;

/// The reads of one attempt (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Reads {
    records: Vec<(RecordId, Option<DirectoryRecord>)>,
    contacts: Vec<Arc<Contact>>,
    /// Normalised addresses known to have no contact.
    no_contact: Vec<String>,
    /// Tickets as read by the attempt.
    tickets: Vec<Ticket>,
}

impl Reads {
    /// Remembers `ticket` as read (its "before" image), unchanged.
    pub(crate) fn saw_ticket(&mut self, ticket: Ticket) {
        if !self
            .tickets
            .iter()
            .any(|t| t.id == ticket.id && t.version == ticket.version)
        {
            // (Tickets are large and an attempt reads one or two: no room
            // for four, a vector's first growth.)
            self.tickets.reserve_exact(1);
            self.tickets.push(ticket);
        }
    }

    /// Remembers a contact the attempt creates (in its commit): for the
    /// rest of the attempt it is the contact of its addresses.
    pub(crate) fn planned_contact(&mut self, contact: Arc<Contact>) {
        self.contacts.push(contact);
    }

    /// Remembers the directory record `id` as read (`None`: there is none),
    /// and returns it.
    pub(crate) fn read_record(
        &mut self,
        id: RecordId,
        record: Option<DirectoryRecord>,
    ) -> Option<DirectoryRecord> {
        if !self.records.iter().any(|(k, _)| *k == id) {
            self.records.push((id, record.clone()));
        }
        record
    }

    /// Remembers the contact of the normalised address `email` as read
    /// (`None`: there is none), and returns it, shared.
    pub(crate) fn read_contact_by_email(
        &mut self,
        email: &str,
        contact: Option<Contact>,
    ) -> Option<Arc<Contact>> {
        let contact = contact.map(Arc::new);
        match &contact {
            Some(c) => {
                if !self.contacts.iter().any(|known| known.id == c.id) {
                    self.contacts.push(c.clone());
                }
            }
            None => self.no_contact.push(email.to_string()),
        }
        contact
    }

    /// Takes out the ticket `id` at `version`, if the attempt read it.
    pub(crate) fn take_ticket_at(&mut self, id: TicketId, version: u64) -> Option<Ticket> {
        let i = self
            .tickets
            .iter()
            .position(|t| t.id == id && t.version == version)?;
        Some(self.tickets.swap_remove(i))
    }
}

impl Helpdesk {
    /// A directory record, read once per attempt.
    pub(crate) async fn record_in(
        &self,
        workspace: WorkspaceId,
        reads: &mut Reads,
        id: RecordId,
    ) -> Result<Option<DirectoryRecord>> {
        if let Some((_, r)) = reads.records.iter().find(|(k, _)| *k == id) {
            return Ok(r.clone());
        }
        let record = self.store.record(workspace, id).await?;
        Ok(reads.read_record(id, record))
    }

    /// The workspace settings, read once per attempt.
    pub(crate) async fn settings_in(
        &self,
        workspace: WorkspaceId,
        reads: &mut Reads,
    ) -> Result<Option<WorkspaceSettings>> {
        Ok(
            match self
                .record_in(workspace, reads, RecordId::Settings(workspace))
                .await?
            {
                Some(DirectoryRecord::Settings(s)) => Some(s),
                _ => None,
            },
        )
    }

    /// A contact by id, read once per attempt (shared, not copied).
    pub(crate) async fn contact_in(
        &self,
        workspace: WorkspaceId,
        reads: &mut Reads,
        id: ContactId,
    ) -> Result<Option<Arc<Contact>>> {
        if let Some(c) = reads.contacts.iter().find(|c| c.id == id) {
            return Ok(Some(c.clone()));
        }
        let contact = self.store.contact(workspace, id).await?.map(Arc::new);
        if let Some(c) = &contact {
            reads.contacts.push(c.clone());
        }
        Ok(contact)
    }

    /// The contact owning the normalised address `email`, read once per
    /// attempt.
    pub(crate) async fn contact_by_email_in(
        &self,
        workspace: WorkspaceId,
        reads: &mut Reads,
        email: &str,
    ) -> Result<Option<Arc<Contact>>> {
        // Stored addresses are normalised, and so is `email`.
        if let Some(c) = reads
            .contacts
            .iter()
            .find(|c| c.emails.iter().any(|e| e == email))
        {
            return Ok(Some(c.clone()));
        }
        if reads.no_contact.iter().any(|e| e == email) {
            return Ok(None);
        }
        let contact = self.store.contact_by_email(workspace, email).await?;
        Ok(reads.read_contact_by_email(email, contact))
    }
}
