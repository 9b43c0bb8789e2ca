//! Who an agent's reply goes to: the address the customer wrote from on
//! that ticket (of a contact with several, also after a merge of
//! contacts); an email reply with nobody to send it to is refused when it
//! is written (not failed at the outbox later) and writes nothing; a cc,
//! or a channel other than email, is enough.

use chrono::Utc;
use helpdesk::Error;
use helpdesk::MemoryStore;
use helpdesk::engine::{
    AutoreplyOutcome, EngineConfig, Helpdesk, Macro, Mailbox, MergeNotice, NewTicket, Reply,
};
use helpdesk::mail::AutoresponderConfig;
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

/// A mail from `from` to the support address; `headers` go in as they are.
fn mail(from: &str, id: &str, headers: &str) -> Vec<u8> {
    format!(
        "From: <{from}>\r\nTo: <support@shop.example>\r\nSubject: Lamp\r\nMessage-ID: <{id}>\r\n{headers}\r\nIt flickers.\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_reply_goes_to_the_address_the_customer_wrote_from() {
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();
    let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    let mb = Mailbox::new("support@shop.example");
    let mut ann = Contact::with_email(ws, "ann@example.com", Some("Ann".into()));
    ann.emails.push("ann.k@mail.example".into());
    desk.put_contact(ws, ann).await.expect("contact");
    let reply_on = |ticket| {
        let desk = &desk;
        async move {
            desk.reply(ws, ticket, agent, Reply::text("A new bulb is on its way."))
                .await
                .expect("reply")
                .to
        }
    };

    // From her second address: answered there, not at her first.
    let work = desk
        .ingest(ws, &mb, &mail("Ann.K@mail.example", "w1@mail.example", ""))
        .await
        .expect("ingest");
    assert_eq!(reply_on(work.ticket.id).await, ["ann.k@mail.example"]);
    // Her answer from the first address moves the ticket's replies there.
    desk.ingest(
        ws,
        &mb,
        &mail(
            "ann@example.com",
            "w2@example.com",
            "In-Reply-To: <w1@mail.example>\r\n",
        ),
    )
    .await
    .expect("ingest the answer");
    assert_eq!(reply_on(work.ticket.id).await, ["ann@example.com"]);
    // A Reply-To of hers wins over the From.
    desk.ingest(
        ws,
        &mb,
        &mail(
            "ann@example.com",
            "w3@example.com",
            "In-Reply-To: <w1@mail.example>\r\nReply-To: <ann.k@mail.example>\r\n",
        ),
    )
    .await
    .expect("ingest");
    assert_eq!(reply_on(work.ticket.id).await, ["ann.k@mail.example"]);
    // A macro's templates name that address too.
    let mac = Macro::new("answer").reply("Sent to {{ requester_email }}.");
    let out = desk
        .apply_macro(ws, work.ticket.id, agent, &mac)
        .await
        .expect("macro");
    let reply = out.reply.expect("the macro's reply");
    assert_eq!(
        (reply.text.as_str(), reply.to.as_slice()),
        (
            "Sent to ann.k@mail.example.",
            ["ann.k@mail.example".to_string()].as_slice()
        )
    );

    // An agent's first mail to her second address goes there.
    let opened = desk
        .create_ticket(
            ws,
            NewTicket::to_customer(agent, "ann.k@mail.example", "Your order", "It is packed."),
        )
        .await
        .expect("create");
    let sent = desk
        .conversation(ws, opened.id)
        .await
        .expect("conversation")
        .messages()
        .map(|m| m.to.clone())
        .collect::<Vec<_>>();
    assert_eq!(sent, [vec!["ann.k@mail.example".to_string()]]);
}

#[tokio::test]
async fn after_a_merge_of_contacts_the_old_address_is_still_answered() {
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();
    let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    let mb = Mailbox::new("support@shop.example");
    let old = desk
        .ingest(ws, &mb, &mail("ann.k@mail.example", "m1@mail.example", ""))
        .await
        .expect("ingest");
    let new = desk
        .ingest(ws, &mb, &mail("ann@example.com", "m2@example.com", ""))
        .await
        .expect("ingest");
    desk.merge_contacts(ws, old.ticket.requester, new.ticket.requester, agent)
        .await
        .expect("merge contacts");
    let reply = desk
        .reply(ws, old.ticket.id, agent, Reply::text("Found it."))
        .await
        .expect("reply");
    assert_eq!(reply.to, ["ann.k@mail.example"]);
}

#[tokio::test]
async fn the_merge_notice_goes_where_the_customer_wrote_the_merged_ticket_from() {
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .config(EngineConfig::default().merge_notice(MergeNotice::default()))
        .build();
    let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    let mb = Mailbox::new("support@shop.example");
    let mut ann = Contact::with_email(ws, "ann@example.com", Some("Ann".into()));
    ann.emails.push("ann.k@mail.example".into());
    desk.put_contact(ws, ann).await.expect("contact");
    let merged = desk
        .ingest(ws, &mb, &mail("ann.k@mail.example", "n1@mail.example", ""))
        .await
        .expect("ingest");
    let target = desk
        .ingest(ws, &mb, &mail("ann@example.com", "n2@example.com", ""))
        .await
        .expect("ingest");
    desk.merge(
        ws,
        target.ticket.id,
        &[merged.ticket.id],
        helpdesk::model::Actor::Agent(agent),
    )
    .await
    .expect("merge");
    let notices: Vec<Vec<String>> = desk
        .conversation(ws, target.ticket.id)
        .await
        .expect("conversation")
        .messages()
        .filter(|m| m.direction == helpdesk::model::Direction::Outbound)
        .map(|m| m.to.clone())
        .collect();
    assert_eq!(notices, [vec!["ann.k@mail.example".to_string()]]);
}

#[tokio::test]
async fn the_autoresponse_goes_to_the_address_the_mail_came_from() {
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();
    let ws = WorkspaceId::new();
    let mb = Mailbox::new("support@shop.example").autoresponder(AutoresponderConfig::default());
    let mut ann = Contact::with_email(ws, "ann@example.com", Some("Ann".into()));
    ann.emails.push("ann.k@mail.example".into());
    desk.put_contact(ws, ann).await.expect("contact");
    let out = desk
        .ingest(ws, &mb, &mail("ann.k@mail.example", "a1@mail.example", ""))
        .await
        .expect("ingest");
    let AutoreplyOutcome::Sent(id) = out.autoreply else {
        panic!("an autoresponse: {:?}", out.autoreply);
    };
    let sent = desk
        .conversation(ws, out.ticket.id)
        .await
        .expect("conversation")
        .messages()
        .find(|m| m.id == id)
        .map(|m| m.to.clone());
    assert_eq!(sent, Some(vec!["ann.k@mail.example".to_string()]));
}
