//! What sending a new message to a customer needs (seed 004: "fill in the
//! subject and choose the queue"): with `WorkspaceSettings::require_queue`,
//! a message an agent opens a ticket with names its queue, or is refused
//! and writes nothing; a ticket recorded as the customer's, and any
//! workspace without the setting, need none.

use helpdesk::Error;
use helpdesk::MemoryStore;
use helpdesk::engine::{Helpdesk, NewTicket};
use helpdesk::model::{AgentId, Queue, QueueId, WorkspaceId, WorkspaceSettings};
use helpdesk::ports::DirectoryRecord;
use std::sync::Arc;

#[tokio::test]
async fn a_workspace_can_require_the_queue_of_a_new_message() {
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();
    let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    let settings = WorkspaceSettings {
        require_queue: true,
        ..WorkspaceSettings::new(ws)
    };
    desk.put_record(ws, DirectoryRecord::Settings(settings))
        .await
        .expect("settings");
    let sales = Queue {
        id: QueueId::new(),
        workspace: ws,
        name: "Sales".into(),
    };
    desk.put_record(ws, DirectoryRecord::Queue(sales.clone()))
        .await
        .expect("queue");

    let err = desk
        .create_ticket(
            ws,
            NewTicket::to_customer(agent, "ann@example.com", "Your order", "It is packed."),
        )
        .await
        .expect_err("no queue");
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "queue"),
        "{err:?}"
    );
    let nobody = desk
        .contact_by_email(ws, "ann@example.com")
        .await
        .expect("read");
    assert_eq!(nobody, None, "nothing written");

    let sent = desk
        .create_ticket(
            ws,
            NewTicket::to_customer(agent, "ann@example.com", "Your order", "It is packed.")
                .queue(sales.id),
        )
        .await
        .expect("with its queue");
    assert_eq!(sent.queue, Some(sales.id));
    // Recorded as the customer's (a call, the widget): no queue needed.
    desk.create_ticket(
        ws,
        NewTicket::from_customer("bob@example.com", "Call", "Asked about delivery."),
    )
    .await
    .expect("as the customer");
}

#[tokio::test]
async fn without_the_setting_no_queue_is_needed() {
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();
    let ws = WorkspaceId::new();
    desk.create_ticket(
        ws,
        NewTicket::to_customer(AgentId::new(), "ann@example.com", "Your order", "Packed."),
    )
    .await
    .expect("no queue needed");
}
