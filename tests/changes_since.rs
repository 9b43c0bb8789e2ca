//! "Someone edited the ticket you have open" (`Helpdesk::changes_since`):
//! what others changed after the agent loaded it, not the agent's own
//! changes nor what came before.

use chrono::{Duration, TimeZone, Utc};
use helpdesk::MemoryStore;
use helpdesk::engine::{Helpdesk, NewTicket};
use helpdesk::error::Error;
use helpdesk::fields::TicketUpdate;
use helpdesk::model::{Actor, AgentId, EventKind, Priority, TicketId, WorkspaceId};
use helpdesk::ports::{Clock, ManualClock};
use std::sync::Arc;

#[tokio::test]
async fn only_what_others_changed_after_the_load() {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .expect("a time"),
    ));
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .clock(clock.clone())
        .build();
    let (ws, me, agnes) = (WorkspaceId::new(), AgentId::new(), AgentId::new());
    let ticket = desk
        .create_ticket(
            ws,
            NewTicket::from_customer("ann@example.com", "Lamp", "It flickers."),
        )
        .await
        .expect("ticket");
    let update =
        |who: AgentId, update: TicketUpdate| desk.update(ws, ticket.id, Actor::Agent(who), update);
    clock.advance(Duration::minutes(1));
    update(agnes, TicketUpdate::default().add_tag("before"))
        .await
        .expect("update");
    let loaded = clock.now();
    assert!(
        desk.changes_since(ws, ticket.id, loaded, Actor::Agent(me))
            .await
            .expect("changes")
            .is_empty()
    );

    clock.advance(Duration::minutes(1));
    update(me, TicketUpdate::default().add_tag("mine"))
        .await
        .expect("update");
    clock.advance(Duration::minutes(1));
    update(agnes, TicketUpdate::default().priority(Priority::High))
        .await
        .expect("update");
    let changes = desk
        .changes_since(ws, ticket.id, loaded, Actor::Agent(me))
        .await
        .expect("changes");
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].actor, Actor::Agent(agnes));
    assert!(
        matches!(
            changes[0].kind,
            EventKind::PriorityChanged {
                to: Priority::High,
                ..
            }
        ),
        "{changes:?}"
    );

    let err = desk
        .changes_since(ws, TicketId::new(), loaded, Actor::Agent(me))
        .await
        .expect_err("no such ticket");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}
