//! HTML an agent writes (a reply, a first message to a customer) is
//! stored and sent sanitised, as inbound HTML is: whoever shows it later
//! (the agents' view, the public link, the customer's mail client) shows
//! no script.

use helpdesk::MemoryStore;
use helpdesk::engine::{Helpdesk, NewTicket, Reply};
use helpdesk::model::{AgentId, Visibility, WorkspaceId};
use helpdesk::ports::RecordingTransport;
use std::sync::Arc;

const HTML: &str = "<p onclick=\"steal()\">Your <b>refund</b> is on its way.<script>steal()</script> <a href=\"javascript:steal()\">details</a></p>";

fn clean(html: &str) -> bool {
    html.contains("<b>refund</b>")
        && !html.contains("script")
        && !html.contains("onclick")
        && !html.contains("javascript")
}

#[tokio::test]
async fn agent_html_is_stored_and_sent_sanitised() {
    let email = Arc::new(RecordingTransport::new());
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .transport("email", email.clone())
        .build();
    let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    let ticket = desk
        .create_ticket(
            ws,
            NewTicket::from_customer("ann@example.com", "Refund", "Where is my money?"),
        )
        .await
        .expect("ticket");
    let mut reply = Reply::text("Your refund is on its way.");
    reply.html = Some(HTML.into());
    let stored = desk
        .reply(ws, ticket.id, agent, reply)
        .await
        .expect("reply");
    assert!(
        clean(stored.html.as_deref().unwrap_or_default()),
        "{:?}",
        stored.html
    );

    let mut first = NewTicket::to_customer(
        agent,
        "bob@example.com",
        "Refund",
        "Your refund is on its way.",
    );
    first.html = Some(HTML.into());
    let opened = desk.create_ticket(ws, first).await.expect("ticket");
    let message = desk
        .conversation(ws, opened.id)
        .await
        .expect("conversation")
        .messages()
        .find(|m| m.visibility == Visibility::Public)
        .cloned()
        .expect("the first message");
    assert!(
        clean(message.html.as_deref().unwrap_or_default()),
        "{:?}",
        message.html
    );

    desk.dispatch_outbox().await.expect("dispatch");
    let sent = email.sent();
    assert_eq!(sent.len(), 2);
    for mail in &sent {
        assert!(
            clean(mail.html.as_deref().unwrap_or_default()),
            "{:?}",
            mail.html
        );
    }
}
