//! Printing (`Helpdesk::print`): the whole conversation as the customer
//! sees it, with internal notes when asked, or a chosen subset; messages of
//! a ticket merged in are printed with it; nothing of a message's markup
//! reaches the page.

use helpdesk::MemoryStore;
use helpdesk::engine::{Helpdesk, NewTicket, Print, Reply};
use helpdesk::error::Error;
use helpdesk::model::{Actor, AgentId, MessageId, WorkspaceId};
use std::sync::Arc;

#[tokio::test]
async fn a_ticket_a_subset_and_notes_only_when_asked() {
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();
    let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    let new =
        |subject: &str, text: &str| NewTicket::from_customer("ann@example.com", subject, text);
    let ticket = desk
        .create_ticket(ws, new("Lamp", "It flickers <b>badly</b>."))
        .await
        .expect("ticket");
    let reply = desk
        .reply(
            ws,
            ticket.id,
            agent,
            Reply::text("A new bulb is on its way."),
        )
        .await
        .expect("reply");
    let note = desk
        .add_note(ws, ticket.id, agent, "Third lamp this month")
        .await
        .expect("note");
    let again = desk
        .create_ticket(ws, new("Lamp again", "Still flickering."))
        .await
        .expect("ticket");
    desk.merge(ws, ticket.id, &[again.id], Actor::Agent(agent))
        .await
        .expect("merge");

    let page = desk
        .print(ws, ticket.id, &Print::ticket())
        .await
        .expect("print");
    let at = |text: &str| {
        page.find(text)
            .unwrap_or_else(|| panic!("{text:?} in {page}"))
    };
    assert!(at("It flickers &lt;b&gt;badly&lt;/b&gt;.") < at("A new bulb"));
    assert!(
        at("A new bulb") < at("Still flickering."),
        "the merged ticket's too"
    );
    assert!(!page.contains("Third lamp"), "no notes unless asked");
    assert!(page.contains("<title>#1 Lamp</title>"));

    let with_notes = desk
        .print(ws, ticket.id, &Print::ticket().with_internal_notes())
        .await
        .expect("print");
    assert!(with_notes.contains("Third lamp this month"));

    let subset = desk
        .print(ws, ticket.id, &Print::messages([reply.id]))
        .await
        .expect("print");
    assert!(subset.contains("A new bulb") && !subset.contains("It flickers"));
    assert_eq!(subset.matches("<article").count(), 1);

    let err = desk
        .print(ws, ticket.id, &Print::messages([note.id]))
        .await
        .expect_err("a note without notes");
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    let err = desk
        .print(ws, ticket.id, &Print::messages([MessageId::new()]))
        .await
        .expect_err("not in the conversation");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}
