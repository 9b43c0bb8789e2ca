//! `EngineConfig::public_link_expiry`: a ticket's public links open nothing
//! once it has been closed for longer than the expiry (neither the page nor
//! an answer), open again when it is reopened, and follow a merged ticket
//! to the one it went into.

use chrono::{Duration, TimeZone, Utc};
use helpdesk::Error;
use helpdesk::MemoryStore;
use helpdesk::engine::{EngineConfig, Helpdesk, NewTicket};
use helpdesk::model::{Actor, AgentId, WorkspaceId};
use helpdesk::ports::ManualClock;
use std::sync::Arc;

struct Fx {
    desk: Helpdesk,
    clock: Arc<ManualClock>,
    ws: WorkspaceId,
    me: Actor,
}

fn fx() -> Fx {
    let start = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let clock = Arc::new(ManualClock::new(start));
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .clock(clock.clone())
        .config(EngineConfig::default().public_link_expiry(Duration::days(30)))
        .build();
    Fx {
        desk,
        clock,
        ws: WorkspaceId::new(),
        me: Actor::Agent(AgentId::new()),
    }
}

impl Fx {
    /// A new ticket of Ann's.
    async fn ticket(&self, subject: &str) -> helpdesk::model::Ticket {
        self.desk
            .create_ticket(
                self.ws,
                NewTicket::from_customer("ann@example.com", subject, "It flickers."),
            )
            .await
            .expect("ticket")
    }

    /// Whether the link with `token` shows its page and takes an answer;
    /// a test failure when it does one but not the other, or fails with
    /// anything but `NotFound`.
    async fn opens(&self, token: &str) -> bool {
        let page = self.desk.public_ticket(self.ws, token).await;
        if let Err(e) = &page {
            assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
            let answer = self.desk.reply_via_link(self.ws, token, "hello").await;
            assert!(
                matches!(answer, Err(Error::NotFound { .. })),
                "an expired link takes no answer: {answer:?}"
            );
        }
        page.is_ok()
    }
}

#[tokio::test]
async fn links_expire_after_the_ticket_has_been_closed_that_long() {
    let f = fx();
    let ticket = f.ticket("Lamp").await;
    let token = f.desk.public_token(f.ws, &ticket);
    // Open for long: no expiry.
    f.clock.advance(Duration::days(90));
    assert!(f.opens(&token).await);

    f.desk
        .close(f.ws, ticket.id, f.me, None)
        .await
        .expect("close");
    f.clock.advance(Duration::days(29));
    assert!(f.opens(&token).await, "closed 29 days ago");
    f.clock.advance(Duration::days(2));
    assert!(!f.opens(&token).await, "closed 31 days ago");

    f.desk.reopen(f.ws, ticket.id, f.me).await.expect("reopen");
    assert!(f.opens(&token).await, "reopened");
}

#[tokio::test]
async fn a_merged_tickets_link_expires_with_the_ticket_it_went_into() {
    let f = fx();
    let target = f.ticket("Lamp").await;
    let merged = f.ticket("Lamp again").await;
    f.desk
        .merge(f.ws, target.id, &[merged.id], f.me)
        .await
        .expect("merge");
    let token = f.desk.public_token(f.ws, &merged);
    // The merged ticket is closed, the one it went into open: the link
    // still opens.
    f.clock.advance(Duration::days(60));
    assert!(f.opens(&token).await);

    f.desk
        .close(f.ws, target.id, f.me, None)
        .await
        .expect("close");
    f.clock.advance(Duration::days(31));
    assert!(!f.opens(&token).await);
}
