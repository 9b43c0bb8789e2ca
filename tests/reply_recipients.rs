//! Who an agent's reply goes to: an email reply with nobody to send it to
//! is refused when it is written (not failed at the outbox later) and
//! writes nothing; a cc, or a channel other than email, is enough.

use chrono::Utc;
use helpdesk::Error;
use helpdesk::MemoryStore;
use helpdesk::engine::{Helpdesk, Reply};
use helpdesk::model::{AgentId, Channel, Contact, Ticket, WorkspaceId};
use helpdesk::ports::{Commit, DynStore, TicketWrite};
use std::sync::Arc;

/// A ticket on `channel` whose requester has a phone number but no email
/// address, with `cc`.
async fn ticket_without_address(
    desk: &Helpdesk,
    ws: WorkspaceId,
    channel: Channel,
    cc: &[&str],
) -> Ticket {
    let mut contact = Contact::with_email(ws, "x@example.com", Some("Ann".into()));
    contact.emails.clear();
    contact.phones.push("+48 600 000 000".into());
    let contact = desk.put_contact(ws, contact).await.expect("contact");
    let mut ticket = Ticket::new(ws, "Call back", contact.id, channel, Utc::now());
    ticket.cc = cc.iter().map(|a| a.to_string()).collect();
    let store: &Arc<DynStore> = desk.store();
    store
        .commit(
            ws,
            Commit {
                tickets: vec![TicketWrite::Create(ticket.clone())],
                ..Commit::default()
            },
        )
        .await
        .expect("ticket");
    desk.ticket(ws, ticket.id).await.expect("stored")
}

#[tokio::test]
async fn an_email_reply_to_nobody_is_refused_and_writes_nothing() {
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();
    let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    let ticket = ticket_without_address(&desk, ws, Channel::Email, &[]).await;
    let err = desk
        .reply(ws, ticket.id, agent, Reply::text("We will call you."))
        .await
        .expect_err("nobody to send it to");
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "to"),
        "{err:?}"
    );
    assert_eq!(desk.ticket(ws, ticket.id).await.expect("ticket"), ticket);
    let conversation = desk
        .conversation(ws, ticket.id)
        .await
        .expect("conversation");
    assert_eq!(conversation.messages().count(), 0);

    // With a cc, the reply goes there.
    let with_cc = ticket_without_address(&desk, ws, Channel::Email, &["office@example.com"]).await;
    let reply = desk
        .reply(ws, with_cc.id, agent, Reply::text("We will call you."))
        .await
        .expect("a reply to the cc");
    assert_eq!(
        (reply.to.len(), reply.cc.as_slice()),
        (0, ["office@example.com".to_string()].as_slice())
    );
}

#[tokio::test]
async fn a_reply_on_another_channel_needs_no_email_address() {
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();
    let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    let ticket = ticket_without_address(&desk, ws, Channel::Sms, &[]).await;
    let reply = desk
        .reply(ws, ticket.id, agent, Reply::text("We will call you."))
        .await
        .expect("an SMS reply");
    assert_eq!(reply.channel, Channel::Sms);
}
