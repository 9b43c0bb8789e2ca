//! Anonymisation rules: personal data in a contact, a ticket, its messages
//! and its events replaced by placeholders. The ticket, its number, its
//! state and its timestamps stay, so reports and numbering are unchanged.

use crate::model::{Contact, Event, EventKind, Message, Task, Ticket};
use std::collections::BTreeMap;

/// What personal text is replaced with.
pub const PLACEHOLDER: &str = "[anonymised]";

/// The contact without name, addresses, phones, external id or marketplace
/// logins. Its one email becomes `anonymised-<id>@invalid` (unique, so the
/// email-uniqueness rule still holds).
pub fn redact_contact(contact: &Contact) -> Contact {
    Contact {
        name: None,
        emails: vec![format!(
            "anonymised-{}@invalid",
            contact.id.as_uuid().simple()
        )],
        phones: Vec::new(),
        external_id: None,
        marketplace_logins: BTreeMap::new(),
        ..contact.clone()
    }
}

/// The task without its title.
pub fn redact_task(task: &Task) -> Task {
    Task {
        title: PLACEHOLDER.to_string(),
        ..task.clone()
    }
}

/// The ticket without its subject, reply address, cc addresses, custom
/// fields and linked orders.
pub fn redact_ticket(ticket: &Ticket) -> Ticket {
    Ticket {
        subject: PLACEHOLDER.to_string(),
        reply_address: None,
        cc: Vec::new(),
        custom_fields: BTreeMap::new(),
        linked_orders: Vec::new(),
        ..ticket.clone()
    }
}

/// The message without its text, html, raw bytes, addresses, subject,
/// attachment names and email ids. Direction, visibility, author, channel,
/// classification and times stay.
pub fn redact_message(message: &Message) -> Message {
    let mut m = message.clone();
    m.subject = PLACEHOLDER.to_string();
    m.text = PLACEHOLDER.to_string();
    m.display_text = None;
    m.html = None;
    m.raw = None;
    m.from = None;
    m.to = Vec::new();
    m.cc = Vec::new();
    m.email = Default::default();
    for a in &mut m.attachments {
        a.name = PLACEHOLDER.to_string();
        a.blob = None;
    }
    m
}

/// The event without personal text in its details.
pub fn redact_event(event: &Event) -> Event {
    let kind = match &event.kind {
        EventKind::SubjectChanged { .. } => EventKind::SubjectChanged {
            from: PLACEHOLDER.to_string(),
            to: PLACEHOLDER.to_string(),
        },
        EventKind::CustomFieldChanged { field, .. } => EventKind::CustomFieldChanged {
            field: field.clone(),
            from: None,
            to: None,
        },
        EventKind::Forwarded { message, .. } => EventKind::Forwarded {
            message: *message,
            to: Vec::new(),
        },
        EventKind::LoopDetected { .. } => EventKind::LoopDetected {
            reason: PLACEHOLDER.to_string(),
        },
        EventKind::MessageFailed { message, .. } => EventKind::MessageFailed {
            message: *message,
            reason: PLACEHOLDER.to_string(),
        },
        EventKind::AttachmentTooLarge { message, size, .. } => EventKind::AttachmentTooLarge {
            message: *message,
            name: PLACEHOLDER.to_string(),
            size: *size,
        },
        EventKind::TaskAdded { task, .. } => EventKind::TaskAdded {
            task: *task,
            title: PLACEHOLDER.to_string(),
        },
        other => other.clone(),
    };
    Event {
        kind,
        ..event.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Actor, Channel, ContactId, WorkspaceId};

    #[test]
    fn nothing_personal_survives() {
        let ws = WorkspaceId::new();
        let mut c = Contact::with_email(ws, "ann@example.com", Some("Ann Smith".into()));
        c.phones.push("+48 600 000 000".into());
        c.external_id = Some("crm-42".into());
        let rc = redact_contact(&c);
        let text = format!("{rc:?}");
        for s in ["ann@example.com", "Ann Smith", "+48 600", "crm-42"] {
            assert!(!text.contains(s), "{s} survived");
        }
        let mut t = Ticket::new(
            ws,
            "Ann's lamp",
            ContactId::new(),
            Channel::Email,
            chrono::Utc::now(),
        );
        t.cc.push("bob@example.com".into());
        let rt = format!("{:?}", redact_ticket(&t));
        assert!(!rt.contains("Ann's lamp") && !rt.contains("bob@example.com"));
        let mut m = Message::new(
            ws,
            t.id,
            Actor::System,
            Channel::Email,
            "call me at 600",
            chrono::Utc::now(),
        );
        m.raw = Some(b"raw".to_vec().into());
        m.from = Some("ann@example.com".into());
        let rm = redact_message(&m);
        assert!(rm.raw.is_none() && rm.from.is_none());
        assert_eq!(rm.text, PLACEHOLDER);
    }
}
