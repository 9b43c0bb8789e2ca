//! Directory and contact commands.

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::model::{Contact, WorkspaceId, is_plausible_email, normalize_email};
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

    /// Inserts or replaces a contact. Emails are normalised (lowercase) and
    /// must not belong to another contact of the workspace
    /// ([`Error::Conflict`] otherwise).
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
        let write = match self.store.contact(workspace, contact.id).await? {
            Some(_) => ContactWrite::Update(contact.clone()),
            None => ContactWrite::Create(contact.clone()),
        };
        let commit = Commit {
            contacts: vec![write],
            ..Commit::default()
        };
        self.store.commit(workspace, commit).await?;
        Ok(contact)
    }
}
