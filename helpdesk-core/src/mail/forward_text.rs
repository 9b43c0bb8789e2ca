//! The text of a forward: what the agent wrote, then a header naming the
//! ticket (number, subject, state, status, who forwarded it), then each
//! forwarded message with its sender, recipients, date and text, oldest
//! first. Pure: [`Helpdesk::forward`](crate::engine::Helpdesk::forward)
//! chooses the messages.

use crate::model::{Actor, Message, Ticket, Visibility};
use std::fmt::Write;

/// The ticket as a forward names it.
#[derive(Debug, Clone, Copy)]
pub struct ForwardHeader<'a> {
    /// The ticket forwarded.
    pub ticket: &'a Ticket,
    /// Who forwarded it (an agent's name and address).
    pub forwarded_by: &'a str,
}

/// The text of a forward of `messages` (in the order given) with the
/// agent's `note` above them. Each message shows its full text when
/// `full_text` (one message forwarded), else its shown text
/// ([`Message::shown_text`]: a conversation, where each earlier message
/// follows anyway). Internal notes and third-party mail are labelled as
/// such; files are listed by name.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use helpdesk_core::mail::{ForwardHeader, forward_text};
/// use helpdesk_core::model::{Actor, Channel, ContactId, Message, Ticket, WorkspaceId};
///
/// let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
/// let ws = WorkspaceId::new();
/// let ticket = Ticket::new(ws, "Parcel 7731 lost", ContactId::new(), Channel::Email, at);
/// let mut question = Message::new(ws, ticket.id, Actor::Contact(ticket.requester), Channel::Email, "Where is my parcel?", at);
/// question.from = Some("ann@example.com".into());
/// let header = ForwardHeader { ticket: &ticket, forwarded_by: "Agnes <agnes@shop.example>" };
/// let text = forward_text(&header, "Could you trace it?", &[&question], true);
/// assert!(text.starts_with("Could you trace it?\n"));
/// assert!(text.contains("Subject: Parcel 7731 lost\n"));
/// assert!(text.contains("From: ann@example.com\n"));
/// assert!(text.ends_with("Where is my parcel?\n"));
/// ```
pub fn forward_text(
    header: &ForwardHeader<'_>,
    note: &str,
    messages: &[&Message],
    full_text: bool,
) -> String {
    let ticket = header.ticket;
    let mut out = String::with_capacity(
        note.len() + 400 + messages.iter().map(|m| m.text.len() + 200).sum::<usize>(),
    );
    let note = note.trim_end();
    if !note.is_empty() {
        out.push_str(note);
        out.push_str("\n\n");
    }
    out.push_str("---------- Forwarded ticket ----------\n");
    // (Writing to a String cannot fail.)
    let _ = writeln!(out, "Ticket: #{}", ticket.number.0);
    let _ = writeln!(out, "Subject: {}", ticket.subject);
    match &ticket.status {
        Some(status) => {
            let _ = writeln!(out, "State: {} ({status})", ticket.state);
        }
        None => {
            let _ = writeln!(out, "State: {}", ticket.state);
        }
    }
    let _ = writeln!(out, "Forwarded by: {}", header.forwarded_by);
    for message in messages {
        out.push('\n');
        out.push_str(match message.visibility {
            Visibility::Public => "---------- Message ----------\n",
            Visibility::Internal => "---------- Internal note ----------\n",
            Visibility::ThirdParty => "---------- Forwarded correspondence ----------\n",
        });
        let from = match (&message.from, message.author) {
            (Some(from), _) => from.clone(),
            (None, Actor::Agent(_)) => "agent".into(),
            (None, Actor::Contact(_)) => "customer".into(),
            (None, Actor::System) => "helpdesk".into(),
        };
        let _ = writeln!(out, "From: {from}");
        if !message.to.is_empty() {
            let _ = writeln!(out, "To: {}", message.to.join(", "));
        }
        if !message.cc.is_empty() {
            let _ = writeln!(out, "Cc: {}", message.cc.join(", "));
        }
        let _ = writeln!(out, "Date: {}", message.created_at.to_rfc2822());
        if !message.subject.is_empty() {
            let _ = writeln!(out, "Subject: {}", message.subject);
        }
        for file in &message.attachments {
            let _ = writeln!(out, "File: {} ({} bytes)", file.name, file.size);
        }
        out.push('\n');
        let text = if full_text {
            message.text.as_str()
        } else {
            message.shown_text()
        };
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgentId, Channel, ContactId, TicketNumber, WorkspaceId};
    use chrono::{TimeZone, Utc};

    #[test]
    fn each_message_under_its_label_in_order() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let ws = WorkspaceId::new();
        let mut ticket = Ticket::new(ws, "Lamp", ContactId::new(), Channel::Email, at);
        ticket.number = TicketNumber(1042);
        ticket.status = Some("Waiting for courier".into());
        let mut question = Message::new(
            ws,
            ticket.id,
            Actor::Contact(ticket.requester),
            Channel::Email,
            "It is broken.\n\n> quoted",
            at,
        );
        question.from = Some("ann@example.com".into());
        question.to = vec!["support@shop.example".into()];
        question.display_text = Some("It is broken.".into());
        let mut note = Message::new(
            ws,
            ticket.id,
            Actor::Agent(AgentId::new()),
            Channel::Email,
            "Courier's fault.",
            at + chrono::Duration::minutes(5),
        );
        note.visibility = Visibility::Internal;
        let header = ForwardHeader {
            ticket: &ticket,
            forwarded_by: "Agnes <agnes@shop.example>",
        };
        let text = forward_text(&header, "  ", &[&question, &note], false);
        assert_eq!(
            text,
            "---------- Forwarded ticket ----------\n\
             Ticket: #1042\n\
             Subject: Lamp\n\
             State: open (Waiting for courier)\n\
             Forwarded by: Agnes <agnes@shop.example>\n\
             \n\
             ---------- Message ----------\n\
             From: ann@example.com\n\
             To: support@shop.example\n\
             Date: Mon, 2 Mar 2026 09:00:00 +0000\n\
             \n\
             It is broken.\n\
             \n\
             ---------- Internal note ----------\n\
             From: agent\n\
             Date: Mon, 2 Mar 2026 09:05:00 +0000\n\
             \n\
             Courier's fault.\n"
        );
        let full = forward_text(&header, "", &[&question], true);
        assert!(full.ends_with("It is broken.\n\n> quoted\n"), "{full}");
    }
}
