//! A printable page of a ticket (seeds 000 and 004): one message, the
//! whole conversation, or a chosen subset. Pure: a complete HTML document,
//! every text escaped (messages as their shown text, not their HTML, so
//! nothing of a mail's markup reaches the page), with a print style sheet.
//! [`Helpdesk::print`](crate::engine::Helpdesk::print) chooses the
//! messages.

use crate::mail::escape_html;
use crate::model::{Actor, Contact, Message, Ticket, Visibility};

/// The page for `ticket` (its requester when known) with `messages`, in the
/// order given.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use helpdesk_core::model::{Actor, Channel, ContactId, Message, Ticket, WorkspaceId};
/// use helpdesk_core::print::print_page;
///
/// let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
/// let ws = WorkspaceId::new();
/// let ticket = Ticket::new(ws, "Lamp <broken>", ContactId::new(), Channel::Email, at);
/// let mut question = Message::new(ws, ticket.id, Actor::Contact(ticket.requester), Channel::Email, "It flickers & buzzes.", at);
/// question.from = Some("ann@example.com".into());
///
/// let page = print_page(&ticket, None, &[&question]);
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert!(page.contains("Lamp &lt;broken&gt;"));
/// assert!(page.contains("It flickers &amp; buzzes."));
/// ```
pub fn print_page(ticket: &Ticket, requester: Option<&Contact>, messages: &[&Message]) -> String {
    let mut out = String::with_capacity(
        2048 + messages
            .iter()
            .map(|m| m.shown_text().len() + 400)
            .sum::<usize>(),
    );
    let title = format!("#{} {}", ticket.number.0, ticket.subject);
    out.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    escape_html(&title, &mut out);
    out.push_str(
        "</title><style>\
         body{font:11pt/1.4 sans-serif;margin:2em}\
         dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}\
         dt{font-weight:bold}\
         article{border-top:1px solid #999;padding:.5em 0;break-inside:avoid}\
         article.internal{background:#fff6d6}\
         header{color:#444;font-size:9pt}\
         .text{white-space:pre-wrap}\
         </style></head><body>\n<h1>",
    );
    escape_html(&title, &mut out);
    out.push_str("</h1>\n<dl>");
    let mut field = |name: &str, value: &str| {
        out.push_str("<dt>");
        escape_html(name, &mut out);
        out.push_str("</dt><dd>");
        escape_html(value, &mut out);
        out.push_str("</dd>");
    };
    let state = match &ticket.status {
        Some(status) => format!("{} ({status})", ticket.state),
        None => ticket.state.to_string(),
    };
    field("State", &state);
    if let Some(c) = requester {
        let who = match (&c.name, c.emails.first()) {
            (Some(name), Some(email)) => format!("{name} <{email}>"),
            (Some(name), None) => name.clone(),
            (None, Some(email)) => email.clone(),
            (None, None) => String::new(),
        };
        field("Requester", &who);
    }
    field("Opened", &ticket.times.created.to_rfc2822());
    if !ticket.tags.is_empty() {
        let tags: Vec<&str> = ticket.tags.iter().map(String::as_str).collect();
        field("Tags", &tags.join(", "));
    }
    out.push_str("</dl>\n");
    for m in messages {
        out.push_str(match m.visibility {
            Visibility::Public => "<article>",
            Visibility::Internal => "<article class=\"internal\"><p><b>Internal note</b></p>",
            Visibility::ThirdParty => {
                "<article class=\"internal\"><p><b>Forwarded correspondence</b></p>"
            }
        });
        out.push_str("<header>");
        let from = match (&m.from, m.author) {
            (Some(from), _) => from.clone(),
            (None, Actor::Agent(_)) => "agent".into(),
            (None, Actor::Contact(_)) => "customer".into(),
            (None, Actor::System) => "helpdesk".into(),
        };
        out.push_str("From: ");
        escape_html(&from, &mut out);
        for (label, list) in [("To", &m.to), ("Cc", &m.cc)] {
            if !list.is_empty() {
                out.push_str("<br>");
                out.push_str(label);
                out.push_str(": ");
                escape_html(&list.join(", "), &mut out);
            }
        }
        out.push_str("<br>Date: ");
        escape_html(&m.created_at.to_rfc2822(), &mut out);
        for file in &m.attachments {
            out.push_str("<br>File: ");
            escape_html(&format!("{} ({} bytes)", file.name, file.size), &mut out);
        }
        out.push_str("</header><div class=\"text\">");
        escape_html(m.shown_text().trim_end(), &mut out);
        out.push_str("</div></article>\n");
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgentId, Channel, TicketNumber, WorkspaceId};
    use chrono::{TimeZone, Utc};

    #[test]
    fn notes_are_marked_and_markup_is_text() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let ws = WorkspaceId::new();
        let ann = Contact::with_email(ws, "ann@example.com", Some("Ann".into()));
        let mut ticket = Ticket::new(ws, "Lamp", ann.id, Channel::Email, at);
        ticket.number = TicketNumber(7);
        let mut question = Message::new(
            ws,
            ticket.id,
            Actor::Contact(ann.id),
            Channel::Email,
            "<script>alert(1)</script>",
            at,
        );
        question.html = Some("<b>bold</b>".into());
        let mut note = Message::new(
            ws,
            ticket.id,
            Actor::Agent(AgentId::new()),
            Channel::Email,
            "Check stock",
            at,
        );
        note.visibility = Visibility::Internal;
        let page = print_page(&ticket, Some(&ann), &[&question, &note]);
        assert!(page.contains("<title>#7 Lamp</title>"));
        assert!(page.contains("<dd>Ann &lt;ann@example.com&gt;</dd>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!page.contains("<script>") && !page.contains("<b>bold</b>"));
        assert_eq!(page.matches("<article").count(), 2);
        assert!(page.contains("<article class=\"internal\"><p><b>Internal note</b></p>"));
        assert!(page.find("alert(1)") < page.find("Check stock"), "in order");
    }
}
