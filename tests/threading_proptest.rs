//! Threading by subject tag, as a property: over any sequence of new mails
//! (no In-Reply-To) from the ticket's requester, a cc, someone the ticket
//! was forwarded to and a stranger, with or without the ticket's tag, a
//! mail lands on the ticket exactly when it carries the tag and comes from
//! the requester, a cc (both public) or the forward's recipient (kept from
//! the customer); every other mail opens a ticket of its own, and the
//! ticket's customer-facing times move only with its own customers' mail.

use chrono::{Duration, TimeZone, Utc};
use helpdesk::MemoryStore;
use helpdesk::engine::{Forward, Helpdesk, IngestStatus, Mailbox};
use helpdesk::model::{AgentId, Visibility, WorkspaceId};
use helpdesk::ports::ManualClock;
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sender {
    Requester,
    Cc,
    Forwardee,
    Stranger,
}

impl Sender {
    fn address(self) -> &'static str {
        match self {
            Sender::Requester => "ann@example.com",
            Sender::Cc => "carl@example.com",
            Sender::Forwardee => "claims@courier.example",
            Sender::Stranger => "mallory@attacker.example",
        }
    }
}

fn sender() -> impl Strategy<Value = Sender> {
    prop_oneof![
        Just(Sender::Requester),
        Just(Sender::Cc),
        Just(Sender::Forwardee),
        Just(Sender::Stranger),
    ]
}

fn mail(from: &str, subject: &str, id: &str, headers: &str) -> Vec<u8> {
    format!(
        "From: <{from}>\r\nTo: <support@shop.example>\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n{headers}\r\nHello.\r\n"
    )
    .into_bytes()
}

proptest! {
    #![proptest_config(Config { cases: 96, failure_persistence: None, ..Config::default() })]

    #[test]
    fn a_tag_threads_only_from_the_tickets_people(mails in proptest::collection::vec((sender(), any::<bool>()), 1..8)) {
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        rt.block_on(async {
            let clock = Arc::new(ManualClock::new(
                Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().unwrap_or_default(),
            ));
            let desk = Helpdesk::builder(Arc::new(MemoryStore::new()))
                .clock(clock.clone())
                .build();
            let (ws, agent) = (WorkspaceId::new(), AgentId::new());
            let mb = Mailbox::new("support@shop.example");
            let first = desk
                .ingest(ws, &mb, &mail("ann@example.com", "Parcel lost", "t0@example.com", "Cc: <carl@example.com>\r\n"))
                .await
                .expect("the ticket");
            let ticket = first.ticket.id;
            let tag = format!("[#{}]", first.ticket.number.0);
            desk.forward(ws, ticket, agent, Forward::conversation().to("claims@courier.example"))
                .await
                .expect("forward");
            for (i, (who, tagged)) in mails.into_iter().enumerate() {
                let subject = if tagged { format!("About {tag}") } else { "About my parcel".to_string() };
                clock.advance(Duration::minutes(1));
                let before = desk.ticket(ws, ticket).await.expect("ticket");
                let out = desk
                    .ingest(ws, &mb, &mail(who.address(), &subject, &format!("m{i}@example.com"), ""))
                    .await
                    .expect("ingest");
                let threads = tagged && who != Sender::Stranger;
                prop_assert_eq!(out.ticket.id == ticket, threads, "{:?} tagged {}", who, tagged);
                if threads {
                    prop_assert_eq!(out.status, IngestStatus::Appended);
                    let message = desk.message(ws, out.message).await.expect("message").message;
                    let expected = match who {
                        Sender::Forwardee => Visibility::ThirdParty,
                        _ => Visibility::Public,
                    };
                    prop_assert_eq!(message.visibility, expected);
                    // (Only the customers' mail owes them an answer.)
                    let moved = out.ticket.times.last_inbound != before.times.last_inbound;
                    prop_assert_eq!(moved, who != Sender::Forwardee);
                } else {
                    prop_assert_eq!(out.status, IngestStatus::Created);
                    prop_assert_eq!(desk.ticket(ws, ticket).await.expect("ticket"), before);
                }
            }
            Ok(())
        })?;
    }
}
