//! Contact merge rules: one customer known under two contacts (an unknown
//! sender's address that belongs to an existing customer, a duplicate made
//! by hand) becomes one.
//!
//! The target takes the source's email addresses and phone numbers, and
//! its external id, name, organization and marketplace logins where it has
//! none of its own. The source stays as a record with
//! [`merged_into`](Contact::merged_into) set, its name kept and what did
//! not move (an external id or marketplace login the target has its own
//! of): messages and events that name it still find it. Pure: the engine
//! ([`Helpdesk::merge_contacts`](crate::engine::Helpdesk::merge_contacts))
//! reads the contacts, moves the tickets and writes everything in one
//! commit.
//!
//! Rules: no merge of a contact into itself or across workspaces; neither
//! contact may be merged already (a merged contact has no addresses left;
//! merge into the end of its `merged_into` chain instead), so chains never
//! form a cycle. The target's `blocked` flag stays its own.

use crate::error::{Error, Result};
use crate::model::Contact;

/// The two contacts after a merge of `source` into `target`: `(source,
/// target)`.
///
/// ```
/// use helpdesk_core::contact_merge::merge_contacts;
/// use helpdesk_core::model::{Contact, WorkspaceId};
///
/// let ws = WorkspaceId::new();
/// let sender = Contact::with_email(ws, "ann.k@mail.example", None);
/// let mut customer = Contact::with_email(ws, "ann@shop-customer.example", Some("Ann Kowalska".into()));
/// customer.phones.push("+48 600 100 200".into());
///
/// let (sender, customer) = merge_contacts(&sender, &customer).unwrap();
/// assert_eq!(customer.emails, ["ann@shop-customer.example", "ann.k@mail.example"]);
/// assert!(sender.emails.is_empty());
/// assert_eq!(sender.merged_into, Some(customer.id));
/// ```
pub fn merge_contacts(source: &Contact, target: &Contact) -> Result<(Contact, Contact)> {
    if source.id == target.id {
        return Err(Error::validation(
            "contact",
            "a contact cannot be merged into itself",
        ));
    }
    if source.workspace != target.workspace {
        return Err(Error::validation(
            "contact",
            "contacts of different workspaces cannot be merged",
        ));
    }
    for (role, contact) in [("source", source), ("target", target)] {
        if let Some(into) = contact.merged_into {
            return Err(Error::validation(
                "contact",
                format!("the {role} contact {} was merged into {into}", contact.id),
            ));
        }
    }
    let mut into = target.clone();
    let mut from = source.clone();
    for email in std::mem::take(&mut from.emails) {
        if !into.emails.contains(&email) {
            into.emails.push(email);
        }
    }
    for phone in std::mem::take(&mut from.phones) {
        if !into.phones.contains(&phone) {
            into.phones.push(phone);
        }
    }
    if into.external_id.is_none() {
        into.external_id = from.external_id.take();
    }
    if into.name.is_none() {
        into.name = from.name.clone();
    }
    if into.organization.is_none() {
        into.organization = from.organization;
    }
    let logins = std::mem::take(&mut from.marketplace_logins);
    for (marketplace, login) in logins {
        match into.marketplace_logins.get(&marketplace) {
            Some(own) if *own != login => {
                from.marketplace_logins.insert(marketplace, login);
            }
            Some(_) => {}
            None => {
                into.marketplace_logins.insert(marketplace, login);
            }
        }
    }
    from.merged_into = Some(into.id);
    into.merged_from.push(from.id);
    Ok((from, into))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OrganizationId, WorkspaceId};
    use proptest::prelude::*;

    fn contact(ws: WorkspaceId, email: &str) -> Contact {
        Contact::with_email(ws, email, None)
    }

    #[test]
    fn what_the_target_has_stays_and_the_rest_moves() {
        let ws = WorkspaceId::new();
        let mut source = contact(ws, "ann@mail.example");
        source.name = Some("Ann".into());
        source.external_id = Some("crm-7".into());
        source.organization = Some(OrganizationId::new());
        source.phones = vec!["+48 1".into(), "+48 2".into()];
        source
            .marketplace_logins
            .insert("allegro".into(), "ann_k".into());
        source
            .marketplace_logins
            .insert("idosell".into(), "ann-i".into());
        let mut target = contact(ws, "ann@shop.example");
        target.name = Some("Ann Kowalska".into());
        target.external_id = Some("crm-1".into());
        target.phones = vec!["+48 2".into()];
        target
            .marketplace_logins
            .insert("allegro".into(), "kowalska".into());
        target.blocked = true;

        let (from, into) = merge_contacts(&source, &target).expect("merge");
        assert_eq!(into.emails, ["ann@shop.example", "ann@mail.example"]);
        assert_eq!(into.phones, ["+48 2", "+48 1"]);
        assert_eq!(into.name.as_deref(), Some("Ann Kowalska"));
        assert_eq!(into.external_id.as_deref(), Some("crm-1"));
        assert_eq!(into.organization, source.organization);
        assert_eq!(into.marketplace_logins["allegro"], "kowalska");
        assert_eq!(into.marketplace_logins["idosell"], "ann-i");
        assert!(into.blocked);
        assert_eq!(into.merged_into, None);
        assert_eq!(into.merged_from, [source.id]);

        assert!(from.emails.is_empty() && from.phones.is_empty());
        assert_eq!(
            from.name.as_deref(),
            Some("Ann"),
            "the name stays for history"
        );
        assert_eq!(
            from.external_id.as_deref(),
            Some("crm-7"),
            "not moved: kept"
        );
        assert_eq!(
            from.marketplace_logins.keys().collect::<Vec<_>>(),
            ["allegro"],
            "the login the target has its own of stays"
        );
        assert_eq!(from.merged_into, Some(target.id));
    }

    #[test]
    fn refused_merges() {
        let ws = WorkspaceId::new();
        let a = contact(ws, "a@example.com");
        let b = contact(ws, "b@example.com");
        let elsewhere = contact(WorkspaceId::new(), "c@example.com");
        let mut merged = contact(ws, "d@example.com");
        merged.merged_into = Some(b.id);
        for (source, target) in [(&a, &a), (&a, &elsewhere), (&merged, &a), (&a, &merged)] {
            let err = merge_contacts(source, target).expect_err("refused");
            assert!(matches!(err, Error::Validation { .. }), "{err:?}");
        }
    }

    proptest! {
        /// No address, phone or login is lost or owned twice: each is on
        /// exactly the contact the rules give it to.
        #[test]
        fn nothing_is_lost(
            source_emails in proptest::collection::vec("[a-c]@x", 0..4),
            target_emails in proptest::collection::btree_set("[b-d]@x", 1..4),
            source_logins in proptest::collection::btree_map("[pq]", "[uv]", 0..3),
            target_logins in proptest::collection::btree_map("[qr]", "[uv]", 0..3),
        ) {
            let ws = WorkspaceId::new();
            let mut source = contact(ws, "s@x");
            source.emails.extend(source_emails);
            source.marketplace_logins = source_logins;
            let mut target = contact(ws, "t@x");
            target.emails.extend(target_emails);
            target.marketplace_logins = target_logins;
            let (from, into) = merge_contacts(&source, &target).expect("merge");
            for email in source.emails.iter().chain(&target.emails) {
                prop_assert!(into.emails.contains(email));
            }
            let mut unique = into.emails.clone();
            unique.sort();
            unique.dedup();
            prop_assert_eq!(unique.len(), into.emails.len());
            prop_assert!(from.emails.is_empty());
            for (m, login) in source.marketplace_logins.iter().chain(&target.marketplace_logins) {
                prop_assert!(
                    into.marketplace_logins.get(m) == Some(login)
                        || from.marketplace_logins.get(m) == Some(login)
                );
            }
            for (m, login) in &target.marketplace_logins {
                prop_assert_eq!(into.marketplace_logins.get(m), Some(login), "the target's own stay");
            }
        }
    }
}
