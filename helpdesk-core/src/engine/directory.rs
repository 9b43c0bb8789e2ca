//! Directory and contact commands.

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::model::{Contact, ContactId, WorkspaceId, is_plausible_email, normalize_email};
use crate::ports::{Commit, ContactWrite, DirectoryRecord};

impl Helpdesk {
    /// Inserts or replaces a directory record (agent, team, queue, category,
    /// organization). Its workspace must be `workspace`.
    pub async fn put_record(&self, workspace: WorkspaceId, record: DirectoryRecord) -> Result<()> {
        let commit = Commit {
            directory: vec![record],
            ..Commit::default()
        };
        self.store.commit(workspace, commit).await?;
        Ok(())
    }

    /// Contact `id` as stored (with its [`Contact::version`], for a change
    /// through [`put_contact`](Helpdesk::put_contact)); [`Error::NotFound`]
    /// when there is none.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::Helpdesk;
    /// # use helpdesk_core::model::{Contact, WorkspaceId};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let ws = WorkspaceId::new();
    /// let ann = desk.put_contact(ws, Contact::with_email(ws, "ann@example.com", None)).await?;
    ///
    /// let mut read = desk.contact(ws, ann.id).await?;
    /// read.blocked = true;
    /// assert_eq!(desk.put_contact(ws, read).await?.version, 2);
    /// let by_address = desk.contact_by_email(ws, "ANN@example.com").await?;
    /// assert_eq!(by_address.map(|c| c.blocked), Some(true));
    /// let nobody = desk.contact(ws, helpdesk_core::model::ContactId::new()).await;
    /// assert!(matches!(nobody, Err(helpdesk_core::Error::NotFound { .. })));
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn contact(&self, workspace: WorkspaceId, id: ContactId) -> Result<Contact> {
        self.store
            .contact(workspace, id)
            .await?
            .ok_or_else(|| Error::not_found("contact", id))
    }

    /// The contact that owns `email` (compared normalised: case, brackets,
    /// `mailto:`), if any.
    pub async fn contact_by_email(
        &self,
        workspace: WorkspaceId,
        email: &str,
    ) -> Result<Option<Contact>> {
        self.store
            .contact_by_email(workspace, &normalize_email(email))
            .await
    }

    /// Inserts or replaces a contact, and returns it as stored. Emails are
    /// normalised (lowercase) and must not belong to another contact of the
    /// workspace ([`Error::Conflict`] otherwise). A contact that is stored
    /// already is replaced only from the version stored
    /// ([`Contact::version`]: change the contact this returned, or one read
    /// since with [`contact`](Helpdesk::contact)); one read before another
    /// change (an agent's, a merge's) is
    /// [`Error::Conflict`] and changes nothing: read it again and redo the
    /// change.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::Helpdesk;
    /// # use helpdesk_core::model::{Contact, WorkspaceId};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let ws = WorkspaceId::new();
    /// let ann = desk.put_contact(ws, Contact::with_email(ws, "ann@example.com", None)).await?;
    /// assert_eq!(ann.version, 1);
    ///
    /// let mut named = ann.clone();
    /// named.name = Some("Ann".into());
    /// let named = desk.put_contact(ws, named).await?;
    /// assert_eq!(named.version, 2);
    ///
    /// // A change made from the first copy would undo the name: refused.
    /// let mut stale = ann;
    /// stale.phones.push("+48 600 000 000".into());
    /// let err = desk.put_contact(ws, stale).await.unwrap_err();
    /// assert!(matches!(err, helpdesk_core::Error::Conflict(_)));
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn put_contact(
        &self,
        workspace: WorkspaceId,
        mut contact: Contact,
    ) -> Result<Contact> {
        for email in &mut contact.emails {
            if !is_plausible_email(email) {
                return Err(Error::validation(
                    "emails",
                    format!("{email:?} is not an email address"),
                ));
            }
            *email = normalize_email(email);
        }
        contact.emails.dedup();
        let (write, version) = match self.store.contact(workspace, contact.id).await? {
            Some(_) => (
                ContactWrite::Update(contact.clone()),
                contact.version.saturating_add(1),
            ),
            None => (ContactWrite::Create(contact.clone()), 1),
        };
        let commit = Commit {
            contacts: vec![write],
            ..Commit::default()
        };
        self.store.commit(workspace, commit).await?;
        contact.version = version;
        Ok(contact)
    }
}
