//! The store conformance suite: the contract every [`Store`](crate::ports::Store) must keep, as
//! `pub async fn` checks (feature `conformance`). Each check panics with a
//! message when the store breaks the contract.
//!
//! Give every check a fresh store: the claim checks look at every due row in
//! the store. Adapters run the whole suite with [`conformance_tests!`]:
//!
//! ```text
//! helpdesk_core::conformance_tests!(async { std::sync::Arc::new(MyStore::connect().await) });
//! ```
//!
//! which expands to one `#[tokio::test(flavor = "multi_thread")]` per check
//! (the caller needs `tokio` with `macros` and `rt-multi-thread` as a
//! dev-dependency).
//!
//! [`conformance_tests!`]: crate::conformance_tests

use crate::engine::{EngineConfig, Helpdesk, NewTicket, Reply};
use crate::error::Error;
use crate::fields::TicketUpdate;
use crate::lifecycle::State;
use crate::model::{
    Actor, Agent, AgentId, Category, Channel, Contact, Direction, Event, EventKind, Message,
    Ticket, TicketId, TicketNumber, Visibility, WorkspaceId,
};
use crate::ports::{
    Clock, Commit, ContactWrite, DirectoryRecord, DynStore, Job, JobKind, JobWrite, ManualClock,
    OutboxItem, OutboxStatus, OutboxWrite, RecordId, RecordingTransport, StoreExt, TicketWrite,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Expands to one `#[tokio::test]` per conformance check, each on a fresh
/// store.
///
/// - `conformance_tests!(make)`: `make` is an expression evaluating to a
///   future of `Arc<S>` where `S: Store`.
/// - `conformance_tests!(guarded make)`: `make` evaluates to a future of
///   `Option<G>` where `G:` [`StoreGuard`]; `None` skips the check (say why
///   on stderr), and the guard lives until the check ends (e.g. to drop a
///   test database afterwards).
#[macro_export]
macro_rules! conformance_tests {
    (@list $mode:ident $make:expr) => {
        $crate::conformance_tests!($mode $make;
            create_and_get, numbering_unique_under_concurrency, compare_and_set_conflict,
            commit_is_atomic, commit_rejects_a_ticket_written_twice,
            events_and_outbox_written_with_ticket, workspace_isolation,
            merge_round_trip, link_round_trip, due_job_claiming, run_due_reopens_once,
            concurrent_writers_lose_no_update, take_is_exclusive, contact_email_is_unique,
            outbox_delivery_retry_and_failure, delayed_send_can_be_cancelled,
            conversation_interleaves_in_time_order, sla_deadlines_pause_and_resume,
            sla_warnings_and_breaches_fire_once, sla_manual_due_and_policy_changes,
            ingest_is_idempotent, ingest_threads_replies, ingest_reopens_follows_merges,
            ingest_autoresponder_decisions, bulk_transition_reports_each_ticket,
            unread_for_owner_until_opened, mailbox_checkpoints, ingest_requester_and_cc,
            take_next_hands_out_each_ticket_once, anonymise_leaves_no_personal_data,
            delete_removes_everything, export_csv_streams_the_view,
            thread_ids_follow_the_conversation, agent_by_email_finds_active_agents,
            blobs_in_use_finds_keys_outside_the_erased_tickets,
            ticket_from_message_copies_and_links, requester_can_be_changed,
            reply_address_is_stored, workspace_settings_round_trip,
            merge_notice_tells_each_requester,
            contact_emails_move_between_contacts_in_one_commit,
            contact_updates_are_compare_and_set,
            merge_contacts_moves_addresses_and_tickets,
            forward_goes_to_third_parties_and_their_answers_stay_internal,
            public_link_shows_the_customers_conversation,
            revoked_public_links_open_nothing,
            apply_macro_writes_everything_or_nothing, tasks_round_trip
        );
    };
    (plain $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let store = $make.await;
                let store: ::std::sync::Arc<$crate::ports::DynStore> = store;
                $crate::conformance::$check(store).await;
            }
        )*
    };
    (guarded $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let Some(guard) = $make.await else { return };
                let store = $crate::conformance::StoreGuard::store(&guard);
                $crate::conformance::$check(store).await;
                drop(guard);
            }
        )*
    };
    (guarded $make:expr) => {
        $crate::conformance_tests!(@list guarded $make);
    };
    ($make:expr) => {
        $crate::conformance_tests!(@list plain $make);
    };
}

/// Holds a store under test (and whatever must live as long as it, such as
/// a test database dropped afterwards); see [`conformance_tests!`].
///
/// [`conformance_tests!`]: crate::conformance_tests
pub trait StoreGuard {
    /// The store to check.
    fn store(&self) -> Arc<DynStore>;
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

struct Fixture {
    desk: Helpdesk,
    clock: Arc<ManualClock>,
    email: Arc<RecordingTransport>,
    ws: WorkspaceId,
    agent: AgentId,
}

async fn fixture(store: Arc<DynStore>) -> Fixture {
    let clock = Arc::new(ManualClock::new(t0()));
    let email = Arc::new(RecordingTransport::new());
    let desk = Helpdesk::builder(store)
        .clock(clock.clone())
        .transport("email", email.clone())
        .config(
            EngineConfig::default()
                .default_from("support@example.com")
                .max_delivery_attempts(3),
        )
        .build();
    let ws = WorkspaceId::new();
    let agent = AgentId::new();
    desk.put_record(
        ws,
        DirectoryRecord::Agent(Agent {
            id: agent,
            workspace: ws,
            name: "Agnes".into(),
            email: Some("agnes@example.com".into()),
            active: true,
        }),
    )
    .await
    .expect("put agent");
    Fixture {
        desk,
        clock,
        email,
        ws,
        agent,
    }
}

/// A contact of the fixture's workspace with a name.
async fn named_contact(f: &Fixture, email: &str, name: &str) -> Contact {
    f.desk
        .put_contact(f.ws, Contact::with_email(f.ws, email, Some(name.into())))
        .await
        .expect("put contact")
}

/// The kinds of the events of `ticket`, in the store's order.
async fn event_kinds(store: &Arc<DynStore>, ws: WorkspaceId, ticket: TicketId) -> Vec<EventKind> {
    store
        .events(ws, ticket)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

async fn new_ticket(f: &Fixture, email: &str, subject: &str) -> Ticket {
    f.desk
        .create_ticket(
            f.ws,
            NewTicket::from_customer(email, subject, "Hello, I need help."),
        )
        .await
        .expect("create ticket")
}

/// A created ticket can be read back by id and by number, with its first
/// message, its `Created` event and its new contact.
pub async fn create_and_get(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let t = new_ticket(&f, "Ann@Example.com", "Broken lamp").await;
    assert_eq!(
        t.number,
        TicketNumber(1),
        "first ticket of a workspace is #1"
    );
    assert_eq!(t.version, 1, "a new ticket is at version 1");
    let by_id = store
        .ticket(f.ws, t.id)
        .await
        .unwrap()
        .expect("ticket by id");
    assert_eq!(by_id, t);
    let by_number = store
        .ticket_by_number(f.ws, t.number)
        .await
        .unwrap()
        .expect("ticket by number");
    assert_eq!(by_number.id, t.id);
    let messages = store.messages(f.ws, t.id).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].direction, Direction::Inbound);
    assert_eq!(
        store.message(f.ws, messages[0].id).await.unwrap().as_ref(),
        Some(&messages[0])
    );
    let events = store.events(f.ws, t.id).await.unwrap();
    assert!(matches!(events[0].kind, EventKind::Created { .. }));
    let contact = store
        .contact_by_email(f.ws, "ann@example.COM")
        .await
        .unwrap()
        .expect("contact found case-insensitively");
    assert_eq!(contact.id, t.requester);
    assert_eq!(
        store.contact(f.ws, contact.id).await.unwrap(),
        Some(contact)
    );
    assert!(store.ticket(f.ws, TicketId::new()).await.unwrap().is_none());
    assert!(matches!(
        f.desk.ticket(f.ws, TicketId::new()).await,
        Err(Error::NotFound { .. })
    ));
    let agent = store
        .agent(f.ws, f.agent)
        .await
        .unwrap()
        .expect("agent record");
    assert_eq!(agent.name, "Agnes");
}

/// Ticket numbers are unique and gapless per workspace, also with many
/// concurrent creators, and independent between workspaces.
pub async fn numbering_unique_under_concurrency(store: Arc<DynStore>) {
    let f = Arc::new(fixture(store.clone()).await);
    let mut tasks = Vec::new();
    for task in 0..8 {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            for i in 0..25 {
                let t = f
                    .desk
                    .create_ticket(
                        f.ws,
                        NewTicket::from_customer(&format!("c{task}-{i}@example.com"), "Hi", "text"),
                    )
                    .await
                    .expect("create");
                numbers.push(t.number.0);
            }
            numbers
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=200).collect::<Vec<u64>>(),
        "numbers are 1..=200, unique, no gaps"
    );
    let other = WorkspaceId::new();
    let t = f
        .desk
        .create_ticket(
            other,
            NewTicket::from_customer("x@example.com", "Hi", "text"),
        )
        .await
        .unwrap();
    assert_eq!(t.number, TicketNumber(1), "numbering is per workspace");
}

/// A write with a stale version is a `Conflict` and changes nothing.
pub async fn compare_and_set_conflict(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let t = new_ticket(&f, "ann@example.com", "Hi").await;
    let mut changed = t.clone();
    changed.subject = "Changed".into();
    let ok = store
        .commit(
            f.ws,
            Commit {
                tickets: vec![TicketWrite::Update {
                    ticket: changed.clone(),
                    expected_version: 1,
                }],
                ..Commit::default()
            },
        )
        .await
        .expect("write at the current version");
    assert_eq!(ok.tickets[0].version, 2);
    let mut stale = t.clone();
    stale.subject = "Stale".into();
    let err = store
        .commit(
            f.ws,
            Commit {
                tickets: vec![TicketWrite::Update {
                    ticket: stale,
                    expected_version: 1,
                }],
                events: vec![Event::new(
                    f.ws,
                    t.id,
                    Actor::System,
                    t0(),
                    EventKind::LoopCleared,
                )],
                ..Commit::default()
            },
        )
        .await
        .expect_err("stale write must fail");
    assert!(
        matches!(err, Error::Conflict(_)),
        "stale write is a Conflict, got {err:?}"
    );
    assert!(err.is_retryable());
    let now = store.ticket(f.ws, t.id).await.unwrap().unwrap();
    assert_eq!(now.subject, "Changed");
    assert_eq!(now.version, 2);
    let events = store.events(f.ws, t.id).await.unwrap();
    assert!(
        !events.iter().any(|e| e.kind == EventKind::LoopCleared),
        "the event of a failed commit is not written"
    );
}

/// A commit that writes one ticket twice is refused and writes nothing,
/// in a small commit and in a bulk one; a message may go to a ticket the
/// same commit creates, in both.
pub async fn commit_rejects_a_ticket_written_twice(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let a = new_ticket(&f, "ann@example.com", "A").await;
    let mut a2 = a.clone();
    a2.subject = "A changed".into();
    let twice = Commit {
        tickets: vec![
            TicketWrite::Update {
                ticket: a2.clone(),
                expected_version: a.version,
            },
            TicketWrite::Update {
                ticket: a2,
                expected_version: a.version,
            },
        ],
        ..Commit::default()
    };
    let err = store.commit(f.ws, twice).await.expect_err("written twice");
    assert!(
        matches!(err, Error::Validation { .. } | Error::Conflict(_)),
        "got {err:?}"
    );
    assert_eq!(store.ticket(f.ws, a.id).await.unwrap().unwrap(), a);

    for count in [2, 20] {
        let tickets: Vec<Ticket> = (0..count)
            .map(|i| Ticket::new(f.ws, format!("T{i}"), a.requester, Channel::Email, t0()))
            .collect();
        let message =
            |t: &Ticket| Message::new(f.ws, t.id, Actor::System, Channel::Email, "x", t0());
        let mut repeated: Vec<TicketWrite> =
            tickets.iter().cloned().map(TicketWrite::Create).collect();
        repeated.push(TicketWrite::Create(tickets[count / 2].clone()));
        let refused = Commit {
            tickets: repeated,
            messages: tickets.iter().map(message).collect(),
            ..Commit::default()
        };
        let err = store
            .commit(f.ws, refused)
            .await
            .expect_err("a new ticket written twice");
        assert!(
            matches!(err, Error::Validation { .. } | Error::Conflict(_)),
            "{count} tickets: got {err:?}"
        );
        for t in &tickets {
            assert!(
                store.ticket(f.ws, t.id).await.unwrap().is_none(),
                "nothing written"
            );
        }
        let fine = Commit {
            tickets: tickets.iter().cloned().map(TicketWrite::Create).collect(),
            messages: tickets.iter().map(message).collect(),
            ..Commit::default()
        };
        let out = store.commit(f.ws, fine).await.expect("each ticket once");
        assert_eq!(out.tickets.len(), count);
        for t in &tickets {
            assert_eq!(store.messages(f.ws, t.id).await.unwrap().len(), 1);
        }
    }
}

/// A commit is all or nothing: one stale ticket rolls back every other row
/// in it (tickets, messages, events, outbox, jobs, contacts).
pub async fn commit_is_atomic(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let a = new_ticket(&f, "ann@example.com", "A").await;
    let b = new_ticket(&f, "bob@example.com", "B").await;
    let mut a2 = a.clone();
    a2.subject = "A changed".into();
    let mut b2 = b.clone();
    b2.subject = "B changed".into();
    let message = Message::new(f.ws, a.id, Actor::System, Channel::Email, "x", t0());
    let contact = Contact::with_email(f.ws, "new@example.com", None);
    let commit = Commit {
        tickets: vec![
            TicketWrite::Update {
                ticket: a2,
                expected_version: a.version,
            },
            TicketWrite::Update {
                ticket: b2,
                expected_version: b.version + 7,
            },
            TicketWrite::Create(Ticket::new(f.ws, "C", a.requester, Channel::Email, t0())),
        ],
        messages: vec![message.clone()],
        events: vec![Event::new(
            f.ws,
            a.id,
            Actor::System,
            t0(),
            EventKind::LoopCleared,
        )],
        outbox: vec![OutboxWrite::Enqueue(OutboxItem::new(
            f.ws,
            a.id,
            message.id,
            Channel::Email,
            t0(),
        ))],
        jobs: vec![JobWrite::Schedule(Job {
            id: crate::model::JobId::new(),
            workspace: f.ws,
            ticket: a.id,
            kind: JobKind::Reopen,
            due_at: t0(),
            lease_until: None,
        })],
        contacts: vec![ContactWrite::Create(contact)],
        ..Commit::default()
    };
    let err = store.commit(f.ws, commit).await.expect_err("must conflict");
    assert!(matches!(err, Error::Conflict(_)));
    assert_eq!(
        store.ticket(f.ws, a.id).await.unwrap().unwrap(),
        a,
        "A untouched"
    );
    assert_eq!(
        store.ticket(f.ws, b.id).await.unwrap().unwrap(),
        b,
        "B untouched"
    );
    assert!(
        store
            .ticket_by_number(f.ws, TicketNumber(3))
            .await
            .unwrap()
            .is_none(),
        "C not created"
    );
    assert!(
        store.message(f.ws, message.id).await.unwrap().is_none(),
        "message not written"
    );
    assert_eq!(store.messages(f.ws, a.id).await.unwrap().len(), 1);
    assert!(
        store.outbox(f.ws, a.id).await.unwrap().is_empty(),
        "outbox not written"
    );
    assert!(
        store.jobs(f.ws, a.id).await.unwrap().is_empty(),
        "job not written"
    );
    assert!(
        store
            .contact_by_email(f.ws, "new@example.com")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !store
            .events(f.ws, a.id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == EventKind::LoopCleared),
        "event not written"
    );
    let next = new_ticket(&f, "carl@example.com", "D").await;
    assert_eq!(
        next.number,
        TicketNumber(3),
        "a failed commit does not use up a number"
    );
}

/// A reply writes its message, its event, the ticket and its outbox row in
/// one commit; an internal note writes no outbox row.
pub async fn events_and_outbox_written_with_ticket(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let t = new_ticket(&f, "ann@example.com", "Hi").await;
    let reply = f
        .desk
        .reply(f.ws, t.id, f.agent, Reply::text("Hello Ann"))
        .await
        .unwrap();
    let after = store.ticket(f.ws, t.id).await.unwrap().unwrap();
    assert_eq!(after.version, t.version + 1, "one write per command");
    assert_eq!(after.times.first_response, Some(t0()));
    let outbox = store.outbox(f.ws, t.id).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].message, reply.id);
    assert_eq!(outbox[0].status, OutboxStatus::Pending);
    let events = store.events(f.ws, t.id).await.unwrap();
    assert!(events.iter().any(|e| e.kind
        == EventKind::MessageAdded {
            message: reply.id,
            direction: Direction::Outbound,
            visibility: Visibility::Public
        }));
    let note = f
        .desk
        .add_note(f.ws, t.id, f.agent, "internal only")
        .await
        .unwrap();
    assert_eq!(note.visibility, Visibility::Internal);
    assert_eq!(
        store.outbox(f.ws, t.id).await.unwrap().len(),
        1,
        "a note is never queued"
    );
    let report = f.desk.dispatch_outbox().await.unwrap();
    assert_eq!(report.sent, 1);
    let sent = f.email.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, "Hello Ann");
    assert_eq!(sent[0].to, vec!["ann@example.com".to_string()]);
    assert_eq!(
        sent[0].reply_to,
        Some(
            f.desk
                .ticket_reply_address(f.ws, t.id, "support@example.com")
        ),
        "email replies offer the ticket's signed plus address"
    );
    assert!(
        sent[0].thread.message_id.is_some(),
        "our Message-ID is set before sending"
    );
    // A reply that mentions an attachment but has none needs confirming.
    let err = f
        .desk
        .reply(
            f.ws,
            t.id,
            f.agent,
            Reply::text("Please find the invoice attached."),
        )
        .await
        .expect_err("needs confirmation");
    assert!(
        matches!(err, Error::NeedsConfirmation { .. }),
        "got {err:?}"
    );
    assert_eq!(
        store.outbox(f.ws, t.id).await.unwrap().len(),
        1,
        "nothing queued"
    );
    f.desk
        .reply(
            f.ws,
            t.id,
            f.agent,
            Reply::text("Please find the invoice attached.").confirm(),
        )
        .await
        .expect("confirmed replies go");
    assert!(!sent.iter().any(|m| m.text.contains("internal only")));
}

/// A workspace's settings read back as written, every field.
pub async fn workspace_settings_round_trip(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let settings = crate::model::WorkspaceSettings {
        blocklist: vec!["@spam.example".into()],
        require_queue: true,
        ..crate::model::WorkspaceSettings::new(f.ws)
    };
    f.desk
        .put_record(f.ws, DirectoryRecord::Settings(settings.clone()))
        .await
        .expect("put settings");
    let read = store
        .record(f.ws, RecordId::Settings(f.ws))
        .await
        .expect("read settings");
    assert_eq!(read, Some(DirectoryRecord::Settings(settings)));
}

/// Nothing of workspace A is visible or writable from workspace B.
pub async fn workspace_isolation(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let a = f.ws;
    let b = WorkspaceId::new();
    let t = new_ticket(&f, "ann@example.com", "Secret").await;
    let child = new_ticket(&f, "ann@example.com", "Child").await;
    f.desk
        .link(a, child.id, t.id, Actor::Agent(f.agent))
        .await
        .unwrap();
    f.desk
        .set_pending(
            a,
            t.id,
            Actor::Agent(f.agent),
            Some(t0() + Duration::days(1)),
        )
        .await
        .unwrap();
    let src = new_ticket(&f, "ann@example.com", "Dup").await;
    f.desk
        .merge(a, t.id, &[src.id], Actor::Agent(f.agent))
        .await
        .unwrap();
    let reply = f
        .desk
        .reply(a, t.id, f.agent, Reply::text("hi"))
        .await
        .unwrap();
    let category = Category::new(a, "Returns");
    f.desk
        .put_record(a, DirectoryRecord::Category(category.clone()))
        .await
        .unwrap();

    assert!(store.ticket(b, t.id).await.unwrap().is_none());
    assert!(store.ticket_by_number(b, t.number).await.unwrap().is_none());
    assert!(store.messages(b, t.id).await.unwrap().is_empty());
    assert!(store.message(b, reply.id).await.unwrap().is_none());
    assert!(store.events(b, t.id).await.unwrap().is_empty());
    assert!(store.children(b, t.id).await.unwrap().is_empty());
    assert!(store.merged_sources(b, t.id).await.unwrap().is_empty());
    assert!(store.contact(b, t.requester).await.unwrap().is_none());
    assert!(
        store
            .contact_by_email(b, "ann@example.com")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .record(b, RecordId::Agent(f.agent))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .record(b, RecordId::Category(category.id))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.outbox(b, t.id).await.unwrap().is_empty());
    assert!(store.jobs(b, t.id).await.unwrap().is_empty());
    assert!(
        store.jobs(a, t.id).await.unwrap().len() == 1,
        "sanity: A sees its job"
    );

    // Engine calls from B fail as not found.
    assert!(matches!(
        f.desk.ticket(b, t.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        f.desk.reply(b, t.id, f.agent, Reply::text("x")).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        f.desk.conversation(b, t.id).await,
        Err(Error::NotFound { .. })
    ));
    // Writing A's rows through B is refused and changes nothing.
    let stored = store.ticket(a, t.id).await.unwrap().unwrap();
    let mut hijack = stored.clone();
    hijack.subject = "hijacked".into();
    let err = store
        .commit(
            b,
            Commit {
                tickets: vec![TicketWrite::Update {
                    ticket: hijack.clone(),
                    expected_version: stored.version,
                }],
                ..Commit::default()
            },
        )
        .await
        .expect_err("foreign rows refused");
    assert!(
        matches!(err, Error::Validation { .. } | Error::NotFound { .. }),
        "got {err:?}"
    );
    let mut moved = hijack;
    moved.workspace = b;
    let err = store
        .commit(
            b,
            Commit {
                tickets: vec![TicketWrite::Update {
                    ticket: moved,
                    expected_version: stored.version,
                }],
                ..Commit::default()
            },
        )
        .await
        .expect_err("a ticket of A cannot be updated from B");
    assert!(
        matches!(err, Error::NotFound { .. } | Error::Conflict(_)),
        "got {err:?}"
    );
    assert_eq!(store.ticket(a, t.id).await.unwrap().unwrap(), stored);
}

/// Merge: the source is Closed with `merged_into`, the target lists it, tags
/// are united, events are on both sides, the target's conversation shows the
/// source's messages, and merging into a merged ticket follows the chain.
pub async fn merge_round_trip(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let actor = Actor::Agent(f.agent);
    let target = new_ticket(&f, "ann@example.com", "Order 1").await;
    let source = new_ticket(&f, "ANN@example.com", "Order 1 again").await;
    f.desk
        .update(
            f.ws,
            source.id,
            actor,
            TicketUpdate::default().add_tag("vip"),
        )
        .await
        .unwrap();
    let merged = f
        .desk
        .merge(f.ws, target.id, &[source.id], actor)
        .await
        .unwrap();
    assert!(merged.tags.contains("vip"));
    let source_after = store.ticket(f.ws, source.id).await.unwrap().unwrap();
    assert_eq!(source_after.state, State::Closed);
    assert_eq!(source_after.merged_into, Some(target.id));
    assert!(source_after.times.closed.is_some());
    assert_eq!(
        store.merged_sources(f.ws, target.id).await.unwrap(),
        vec![source.id]
    );
    assert!(
        store
            .events(f.ws, source.id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == EventKind::Merged { into: target.id })
    );
    assert!(
        store
            .events(f.ws, target.id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == EventKind::MergedFrom { source: source.id })
    );
    let conversation = f.desk.conversation(f.ws, target.id).await.unwrap();
    assert_eq!(
        conversation.messages().count(),
        2,
        "source messages show on the target"
    );
    assert_eq!(conversation.merged, vec![source.id]);

    // A third ticket merged "into the source" lands on the chain's end.
    let third = new_ticket(&f, "ann@example.com", "Order 1, third time").await;
    let end = f
        .desk
        .merge(f.ws, source.id, &[third.id], actor)
        .await
        .unwrap();
    assert_eq!(end.id, target.id);
    assert_eq!(
        store
            .ticket(f.ws, third.id)
            .await
            .unwrap()
            .unwrap()
            .merged_into,
        Some(target.id)
    );
    // Merging the target into its own source would be a cycle: refused.
    let err = f
        .desk
        .merge(f.ws, source.id, &[target.id], actor)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "got {err:?}");
    // Another requester's ticket is refused by the default policy.
    let other = new_ticket(&f, "bob@example.com", "Unrelated").await;
    let err = f
        .desk
        .merge(f.ws, target.id, &[other.id], actor)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }));
    assert_eq!(
        store.ticket(f.ws, other.id).await.unwrap().unwrap().state,
        State::Open
    );
}

/// Links: link, list children, refuse cycles, unlink.
pub async fn link_round_trip(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let actor = Actor::Agent(f.agent);
    let parent = new_ticket(&f, "ann@example.com", "Parent").await;
    let child = new_ticket(&f, "ann@example.com", "Child").await;
    let grandchild = new_ticket(&f, "ann@example.com", "Grandchild").await;
    f.desk.link(f.ws, child.id, parent.id, actor).await.unwrap();
    f.desk
        .link(f.ws, grandchild.id, child.id, actor)
        .await
        .unwrap();
    assert_eq!(
        store.children(f.ws, parent.id).await.unwrap(),
        vec![child.id]
    );
    assert_eq!(
        store.children(f.ws, child.id).await.unwrap(),
        vec![grandchild.id]
    );
    let err = f
        .desk
        .link(f.ws, parent.id, grandchild.id, actor)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation { .. }),
        "cycle refused, got {err:?}"
    );
    assert!(
        store
            .ticket(f.ws, parent.id)
            .await
            .unwrap()
            .unwrap()
            .parent
            .is_none()
    );
    let unlinked = f.desk.unlink(f.ws, child.id, actor).await.unwrap();
    assert!(unlinked.parent.is_none());
    assert!(store.children(f.ws, parent.id).await.unwrap().is_empty());
    assert!(
        store
            .events(f.ws, parent.id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == EventKind::ChildUnlinked { child: child.id })
    );
}

/// Due jobs: not claimable before they are due; claimed by one caller at a
/// time while leased; claimable again after the lease; completing removes
/// them exactly once; concurrent claimers never share a job.
pub async fn due_job_claiming(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let actor = Actor::Agent(f.agent);
    let mut ids = Vec::new();
    for i in 0..20 {
        let t = new_ticket(&f, &format!("c{i}@example.com"), "Hi").await;
        f.desk
            .set_pending(f.ws, t.id, actor, Some(t0() + Duration::hours(1 + i % 3)))
            .await
            .unwrap();
        ids.push(t.id);
    }
    let early = store
        .claim_due_jobs(t0(), 100, t0() + Duration::minutes(5))
        .await
        .unwrap();
    assert!(early.is_empty(), "nothing is due yet");
    let now = t0() + Duration::hours(5);
    let lease = now + Duration::minutes(5);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let jobs = store.claim_due_jobs(now, 3, lease).await.expect("claim");
                if jobs.is_empty() {
                    return got;
                }
                got.extend(jobs);
            }
        }));
    }
    let mut claimed = Vec::new();
    for t in tasks {
        claimed.extend(t.await.unwrap());
    }
    let unique: BTreeSet<_> = claimed.iter().map(|j| j.id).collect();
    assert_eq!(claimed.len(), 20, "every job claimed once");
    assert_eq!(unique.len(), 20, "no job claimed twice");
    assert!(
        claimed
            .iter()
            .all(|j| j.kind == JobKind::Reopen && j.workspace == f.ws)
    );
    assert!(
        store
            .claim_due_jobs(now, 100, lease)
            .await
            .unwrap()
            .is_empty(),
        "leased jobs are not claimable"
    );
    let after_lease = store
        .claim_due_jobs(
            lease + Duration::seconds(1),
            100,
            lease + Duration::minutes(10),
        )
        .await
        .unwrap();
    assert_eq!(
        after_lease.len(),
        20,
        "an expired lease makes the job claimable again"
    );
    let job = &after_lease[0];
    store
        .commit(
            job.workspace,
            Commit {
                jobs: vec![JobWrite::Complete(job.id)],
                ..Commit::default()
            },
        )
        .await
        .expect("complete");
    let again = store
        .commit(
            job.workspace,
            Commit {
                jobs: vec![JobWrite::Complete(job.id)],
                ..Commit::default()
            },
        )
        .await
        .expect_err("a job completes once");
    assert!(matches!(again, Error::Conflict(_)));
    assert!(store.jobs(f.ws, job.ticket).await.unwrap().is_empty());
}

/// `run_due` reopens each ticket whose reopen date passed exactly once, also
/// with 8 concurrent callers, and leaves the others alone.
pub async fn run_due_reopens_once(store: Arc<DynStore>) {
    let f = Arc::new(fixture(store.clone()).await);
    let actor = Actor::Agent(f.agent);
    let mut due = Vec::new();
    for i in 0..10 {
        let t = new_ticket(&f, &format!("d{i}@example.com"), "Later").await;
        let t = if i % 2 == 0 {
            f.desk
                .set_pending(f.ws, t.id, actor, Some(t0() + Duration::days(1)))
                .await
                .unwrap()
        } else {
            f.desk
                .close(f.ws, t.id, actor, Some(t0() + Duration::days(1)))
                .await
                .unwrap()
        };
        due.push(t.id);
    }
    let later = new_ticket(&f, "later@example.com", "Much later").await;
    f.desk
        .set_pending(f.ws, later.id, actor, Some(t0() + Duration::days(30)))
        .await
        .unwrap();
    let now = t0() + Duration::days(2);
    f.clock.set(now);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            f.desk.run_due(now).await.expect("run_due")
        }));
    }
    let mut reopened = Vec::new();
    for t in tasks {
        let report = t.await.unwrap();
        assert!(
            report.failed.is_empty(),
            "no job failed: {:?}",
            report.failed
        );
        reopened.extend(report.reopened);
    }
    reopened.sort();
    let mut expected = due.clone();
    expected.sort();
    assert_eq!(reopened, expected, "each due ticket reopened exactly once");
    for id in &due {
        let t = store.ticket(f.ws, *id).await.unwrap().unwrap();
        assert_eq!(t.state, State::Open);
        assert!(t.reopen_at.is_none());
        assert!(t.times.closed.is_none());
        let reopen_events = store
            .events(f.ws, *id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::StateChanged {
                        to: State::Open,
                        ..
                    }
                )
            })
            .count();
        assert_eq!(reopen_events, 1);
        assert!(store.jobs(f.ws, *id).await.unwrap().is_empty());
    }
    assert_eq!(
        store.ticket(f.ws, later.id).await.unwrap().unwrap().state,
        State::Pending
    );
}

/// 16 tasks change one ticket at once; every change survives (no lost
/// update) and the version counts every write.
pub async fn concurrent_writers_lose_no_update(store: Arc<DynStore>) {
    let f = Arc::new(fixture(store.clone()).await);
    let t = new_ticket(&f, "ann@example.com", "Busy").await;
    let mut tasks = Vec::new();
    for task in 0..16 {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut writes = 0u64;
            for i in 0..10 {
                let update = TicketUpdate::default().add_tag(format!("t{task}-{i}"));
                loop {
                    match f
                        .desk
                        .update(f.ws, t.id, Actor::Agent(f.agent), update.clone())
                        .await
                    {
                        Ok(_) => break,
                        Err(Error::Conflict(_)) => continue,
                        Err(e) => panic!("update failed: {e}"),
                    }
                }
                writes += 1;
                loop {
                    match f
                        .desk
                        .add_note(f.ws, t.id, f.agent, &format!("note {task}-{i}"))
                        .await
                    {
                        Ok(_) => break,
                        Err(Error::Conflict(_)) => continue,
                        Err(e) => panic!("note failed: {e}"),
                    }
                }
                writes += 1;
            }
            writes
        }));
    }
    let mut writes = 0;
    for task in tasks {
        writes += task.await.unwrap();
    }
    let after = store.ticket(f.ws, t.id).await.unwrap().unwrap();
    assert_eq!(after.tags.len(), 160, "every tag survived");
    assert_eq!(after.version, 1 + writes, "one version per write");
    let notes = store
        .messages(f.ws, t.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.visibility == Visibility::Internal)
        .count();
    assert_eq!(notes, 160, "every note survived");
    let tagged = store
        .events(f.ws, t.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::Tagged { .. }))
        .count();
    assert_eq!(tagged, 160, "one event per change");
}

/// Of many agents taking one ticket at once, exactly one wins.
pub async fn take_is_exclusive(store: Arc<DynStore>) {
    let f = Arc::new(fixture(store.clone()).await);
    let t = new_ticket(&f, "ann@example.com", "Free").await;
    let mut agents = Vec::new();
    for i in 0..8 {
        let id = AgentId::new();
        f.desk
            .put_record(
                f.ws,
                DirectoryRecord::Agent(Agent {
                    id,
                    workspace: f.ws,
                    name: format!("agent {i}"),
                    email: None,
                    active: true,
                }),
            )
            .await
            .unwrap();
        agents.push(id);
    }
    let mut tasks = Vec::new();
    for agent in agents.clone() {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            (agent, f.desk.take(f.ws, t.id, agent).await)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (agent, result) = task.await.unwrap();
        match result {
            Ok(_) => winners.push(agent),
            Err(Error::Precondition(_)) => {}
            Err(e) => panic!("take failed with {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one agent takes the ticket");
    assert_eq!(
        store.ticket(f.ws, t.id).await.unwrap().unwrap().assignee,
        Some(winners[0])
    );
}

/// An email address belongs to one contact per workspace.
pub async fn contact_email_is_unique(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let first = named_contact(&f, "ann@example.com", "Ann").await;
    let err = f
        .desk
        .put_contact(f.ws, Contact::with_email(f.ws, "ANN@example.com", None))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "got {err:?}");
    assert_eq!(
        store
            .contact_by_email(f.ws, "ann@example.com")
            .await
            .unwrap()
            .unwrap()
            .id,
        first.id
    );
    // The same address in another workspace is another contact.
    let other = WorkspaceId::new();
    f.desk
        .put_contact(other, Contact::with_email(other, "ann@example.com", None))
        .await
        .unwrap();
    // Concurrent creators of tickets for one new address share one contact.
    let f = Arc::new(f);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            new_ticket(&f, "zed@example.com", "Hi").await.requester
        }));
    }
    let mut requesters = BTreeSet::new();
    for t in tasks {
        requesters.insert(t.await.unwrap());
    }
    assert_eq!(requesters.len(), 1, "one contact for one address");
}

/// Delivery failures are retried with backoff and end as failed, with an
/// event, after the attempt limit; a permanent failure ends at once.
pub async fn outbox_delivery_retry_and_failure(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let t = new_ticket(&f, "ann@example.com", "Hi").await;
    let m = f
        .desk
        .reply(f.ws, t.id, f.agent, Reply::text("one"))
        .await
        .unwrap();
    f.email.fail_next(1);
    let r = f.desk.dispatch_outbox().await.unwrap();
    assert_eq!((r.sent, r.retried, r.failed), (0, 1, 0));
    let row = &store.outbox(f.ws, t.id).await.unwrap()[0];
    assert_eq!(row.attempts, 1);
    assert!(row.not_before > t0(), "retry waits");
    assert_eq!(
        f.desk.dispatch_outbox().await.unwrap().sent,
        0,
        "not before its time"
    );
    f.clock.advance(Duration::hours(2));
    assert_eq!(f.desk.dispatch_outbox().await.unwrap().sent, 1);
    let sent = store.message(f.ws, m.id).await.unwrap().unwrap();
    assert!(matches!(
        sent.send_state,
        Some(crate::model::SendState::Sent { .. })
    ));

    // Three temporary failures with max 3 attempts: failed, with an event.
    let m2 = f
        .desk
        .reply(f.ws, t.id, f.agent, Reply::text("two"))
        .await
        .unwrap();
    f.email.fail_next(3);
    for _ in 0..3 {
        f.desk.dispatch_outbox().await.unwrap();
        f.clock.advance(Duration::hours(2));
    }
    let failed = store.message(f.ws, m2.id).await.unwrap().unwrap();
    assert!(matches!(
        failed.send_state,
        Some(crate::model::SendState::Failed { .. })
    ));
    assert!(
        store.events(f.ws, t.id).await.unwrap().iter().any(
            |e| matches!(&e.kind, EventKind::MessageFailed { message, .. } if *message == m2.id)
        )
    );

    // A permanent failure gives up at once.
    let m3 = f
        .desk
        .reply(f.ws, t.id, f.agent, Reply::text("three"))
        .await
        .unwrap();
    f.email.fail_next_permanently();
    let r = f.desk.dispatch_outbox().await.unwrap();
    assert_eq!(r.failed, 1);
    let rows = store.outbox(f.ws, t.id).await.unwrap();
    let row = rows.iter().find(|o| o.message == m3.id).unwrap();
    assert_eq!(row.status, OutboxStatus::Failed);
    assert_eq!(f.email.sent().len(), 1);
}

/// A delayed reply waits until its time and can be cancelled before.
pub async fn delayed_send_can_be_cancelled(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let t = new_ticket(&f, "ann@example.com", "Hi").await;
    let later = f
        .desk
        .reply(
            f.ws,
            t.id,
            f.agent,
            Reply::text("later").send_at(t0() + Duration::minutes(10)),
        )
        .await
        .unwrap();
    let cancelled = f
        .desk
        .reply(
            f.ws,
            t.id,
            f.agent,
            Reply::text("oops").send_at(t0() + Duration::minutes(10)),
        )
        .await
        .unwrap();
    assert_eq!(f.desk.dispatch_outbox().await.unwrap().sent, 0, "too early");
    f.desk
        .cancel_send(f.ws, cancelled.id, Actor::Agent(f.agent))
        .await
        .unwrap();
    let err = f
        .desk
        .cancel_send(f.ws, cancelled.id, Actor::Agent(f.agent))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Precondition(_)));
    f.clock.advance(Duration::minutes(11));
    assert_eq!(f.desk.dispatch_outbox().await.unwrap().sent, 1);
    let sent = f.email.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].message, later.id);
    let err = f
        .desk
        .cancel_send(f.ws, later.id, Actor::Agent(f.agent))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Precondition(_)),
        "a sent message cannot be cancelled"
    );
}

/// The conversation interleaves messages and events by time.
pub async fn conversation_interleaves_in_time_order(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let t = new_ticket(&f, "ann@example.com", "Hi").await;
    f.clock.advance(Duration::minutes(1));
    f.desk
        .reply(f.ws, t.id, f.agent, Reply::text("r1"))
        .await
        .unwrap();
    f.clock.advance(Duration::minutes(1));
    f.desk
        .set_pending(f.ws, t.id, Actor::Agent(f.agent), None)
        .await
        .unwrap();
    f.clock.advance(Duration::minutes(1));
    let customer = f.desk.ticket(f.ws, t.id).await.unwrap().requester;
    let out = f
        .desk
        .customer_message(f.ws, t.id, customer, "thanks")
        .await
        .unwrap();
    assert!(out.reopened);
    let c = f.desk.conversation(f.ws, t.id).await.unwrap();
    let times: Vec<_> = c.entries.iter().map(|e| e.at()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "entries in time order");
    assert_eq!(c.messages().count(), 3);
    assert!(c.events().any(|e| matches!(
        e.kind,
        EventKind::StateChanged {
            to: State::Pending,
            ..
        }
    )));
    assert_eq!(c.ticket.state, State::Open);
    assert_eq!(f.clock.now(), t0() + Duration::minutes(3));
}

fn always_open_policy(ws: WorkspaceId) -> crate::sla::SlaPolicy {
    use crate::sla::{BusinessCalendar, SlaPolicy, SlaTargets, Tz, WorkInterval};
    let all_day = WorkInterval::parse("00:00", "24:00").expect("valid interval");
    let calendar = BusinessCalendar::builder(Tz::UTC)
        .weekdays(
            [
                chrono::Weekday::Mon,
                chrono::Weekday::Tue,
                chrono::Weekday::Wed,
                chrono::Weekday::Thu,
                chrono::Weekday::Fri,
                chrono::Weekday::Sat,
                chrono::Weekday::Sun,
            ],
            [all_day],
        )
        .build()
        .expect("valid calendar");
    SlaPolicy::new(ws, "24/7", calendar)
        .target(
            crate::model::Priority::Normal,
            SlaTargets {
                first_response: Some(60),
                next_response: Some(120),
                resolution: Some(480),
            },
        )
        .target(
            crate::model::Priority::High,
            SlaTargets {
                first_response: Some(30),
                next_response: Some(60),
                resolution: Some(240),
            },
        )
}

async fn with_default_policy(f: &Fixture) -> crate::sla::SlaPolicy {
    let policy = always_open_policy(f.ws);
    f.desk
        .put_record(f.ws, DirectoryRecord::SlaPolicy(Box::new(policy.clone())))
        .await
        .expect("put policy");
    f.desk
        .put_record(
            f.ws,
            DirectoryRecord::Settings(crate::model::WorkspaceSettings {
                default_sla_policy: Some(policy.id),
                ..crate::model::WorkspaceSettings::new(f.ws)
            }),
        )
        .await
        .expect("put settings");
    policy
}

fn mins(m: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(m)
}

/// SLA deadlines start with the ticket, are met by replies, start again when
/// the customer writes after a reply, pause while Pending or Closed and move
/// by the paused working time on reopen; business hours are respected.
pub async fn sla_deadlines_pause_and_resume(store: Arc<DynStore>) {
    use crate::model::SlaTarget;
    let f = fixture(store.clone()).await;
    let policy = with_default_policy(&f).await;
    let actor = Actor::Agent(f.agent);
    let t = new_ticket(&f, "ann@example.com", "Slow").await;
    assert_eq!(t.sla.policy, Some(policy.id));
    assert_eq!(t.sla.first_response.as_ref().map(|d| d.due), Some(mins(60)));
    assert_eq!(
        t.sla.first_response.as_ref().map(|d| d.warn_at),
        Some(mins(48))
    );
    assert_eq!(t.sla.resolution.as_ref().map(|d| d.due), Some(mins(480)));
    assert!(t.sla.next_response.is_none());
    let kinds: Vec<JobKind> = store
        .jobs(f.ws, t.id)
        .await
        .unwrap()
        .iter()
        .map(|j| j.kind)
        .collect();
    assert!(kinds.contains(&JobKind::SlaBreach(SlaTarget::FirstResponse)));
    assert!(kinds.contains(&JobKind::SlaWarning(SlaTarget::Resolution)));

    f.clock.set(mins(10));
    let p = f.desk.set_pending(f.ws, t.id, actor, None).await.unwrap();
    assert_eq!(p.sla.paused_since, Some(mins(10)));
    assert!(
        !store
            .jobs(f.ws, t.id)
            .await
            .unwrap()
            .iter()
            .any(|j| matches!(j.kind, JobKind::SlaBreach(_))),
        "no SLA jobs while paused"
    );
    f.clock.set(mins(110));
    let out = f
        .desk
        .customer_message(f.ws, t.id, t.requester, "any news?")
        .await
        .unwrap();
    let o = out.ticket;
    assert_eq!(o.state, State::Open);
    assert!(o.sla.paused_since.is_none());
    assert_eq!(
        o.sla.first_response.as_ref().map(|d| d.due),
        Some(mins(160)),
        "moved by 100 paused minutes"
    );
    assert_eq!(o.sla.resolution.as_ref().map(|d| d.due), Some(mins(580)));
    assert!(
        o.sla.next_response.is_none(),
        "no agent reply yet: first response still runs"
    );

    f.clock.set(mins(120));
    f.desk
        .reply(f.ws, t.id, f.agent, Reply::text("Looking"))
        .await
        .unwrap();
    let r = store.ticket(f.ws, t.id).await.unwrap().unwrap();
    assert!(r.sla.first_response.is_none(), "met by the first reply");
    f.clock.set(mins(130));
    let c = f
        .desk
        .customer_message(f.ws, t.id, t.requester, "thanks, and?")
        .await
        .unwrap()
        .ticket;
    assert_eq!(c.sla.next_response.as_ref().map(|d| d.due), Some(mins(250)));
    f.clock.set(mins(135));
    let c2 = f
        .desk
        .customer_message(f.ws, t.id, t.requester, "hello?")
        .await
        .unwrap()
        .ticket;
    assert_eq!(
        c2.sla.next_response.as_ref().map(|d| d.due),
        Some(mins(250)),
        "not pushed back"
    );
    f.clock.set(mins(140));
    f.desk.close(f.ws, t.id, actor, None).await.unwrap();
    f.clock.set(mins(200));
    let reopened = f.desk.reopen(f.ws, t.id, actor).await.unwrap();
    assert_eq!(
        reopened.sla.next_response.as_ref().map(|d| d.due),
        Some(mins(310))
    );
    assert_eq!(
        reopened.sla.resolution.as_ref().map(|d| d.due),
        Some(mins(640))
    );
    f.clock.set(mins(210));
    let answered = {
        f.desk
            .reply(f.ws, t.id, f.agent, Reply::text("Done"))
            .await
            .unwrap();
        store.ticket(f.ws, t.id).await.unwrap().unwrap()
    };
    assert!(
        answered.sla.next_response.is_none(),
        "met by the next reply"
    );
    f.desk.close(f.ws, t.id, actor, None).await.unwrap();
    let archived = f.desk.archive(f.ws, t.id, actor).await.unwrap();
    assert!(archived.sla.resolution.is_none() && archived.sla.first_response.is_none());
    assert!(
        store.jobs(f.ws, t.id).await.unwrap().is_empty(),
        "no jobs left after archiving"
    );

    // Business hours: Mon-Fri 08:00-16:00 Warsaw; created Friday 15:30 local.
    use crate::sla::{BusinessCalendar, SlaPolicy, SlaTargets, Tz, WorkInterval};
    let hours = WorkInterval::parse("08:00", "16:00").unwrap();
    let office = BusinessCalendar::builder(Tz::Europe__Warsaw)
        .weekdays(
            [
                chrono::Weekday::Mon,
                chrono::Weekday::Tue,
                chrono::Weekday::Wed,
                chrono::Weekday::Thu,
                chrono::Weekday::Fri,
            ],
            [hours],
        )
        .build()
        .unwrap();
    let office_policy = SlaPolicy::new(f.ws, "Office", office).target(
        crate::model::Priority::Normal,
        SlaTargets {
            first_response: Some(60),
            next_response: None,
            resolution: None,
        },
    );
    let mut category = Category::new(f.ws, "Office hours");
    category.sla_policy = Some(office_policy.id);
    f.desk
        .put_record(f.ws, DirectoryRecord::SlaPolicy(Box::new(office_policy)))
        .await
        .unwrap();
    f.desk
        .put_record(f.ws, DirectoryRecord::Category(category.clone()))
        .await
        .unwrap();
    // 2026-03-06 is a Friday; 15:30 in Warsaw (UTC+1) is 14:30Z.
    f.clock.set(
        Utc.with_ymd_and_hms(2026, 3, 6, 14, 30, 0)
            .single()
            .unwrap(),
    );
    let mut new = NewTicket::from_customer("office@example.com", "Friday", "late question");
    new.category = Some(category.id);
    let friday = f.desk.create_ticket(f.ws, new).await.unwrap();
    // 30 minutes on Friday, 30 on Monday: Monday 08:30 local = 07:30Z.
    assert_eq!(
        friday.sla.first_response.as_ref().map(|d| d.due),
        Some(Utc.with_ymd_and_hms(2026, 3, 9, 7, 30, 0).single().unwrap())
    );
    assert!(
        friday.sla.resolution.is_none(),
        "a target the policy lacks has no deadline"
    );
}

/// Warnings and breaches become events exactly once per deadline, also with
/// 8 concurrent `run_due` callers.
pub async fn sla_warnings_and_breaches_fire_once(store: Arc<DynStore>) {
    use crate::model::SlaTarget;
    let f = Arc::new(fixture(store.clone()).await);
    with_default_policy(&f).await;
    let mut tickets = Vec::new();
    for i in 0..5 {
        tickets.push(
            new_ticket(&f, &format!("s{i}@example.com"), "Waiting")
                .await
                .id,
        );
    }
    let count = |events: &[Event], warning: bool, target: SlaTarget| {
        events
            .iter()
            .filter(|e| match &e.kind {
                EventKind::SlaWarning { target: t, .. } => warning && *t == target,
                EventKind::SlaBreached { target: t, .. } => !warning && *t == target,
                _ => false,
            })
            .count()
    };
    for (at, warned, breached) in [
        (mins(47), 0, 0),
        (mins(50), 1, 0),
        (mins(61), 1, 1),
        (mins(500), 1, 1),
    ] {
        f.clock.set(at);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let f = f.clone();
            tasks.push(tokio::spawn(async move {
                f.desk.run_due(at).await.expect("run_due")
            }));
        }
        for task in tasks {
            let report = task.await.unwrap();
            assert!(report.failed.is_empty(), "{:?}", report.failed);
        }
        for id in &tickets {
            let events = store.events(f.ws, *id).await.unwrap();
            assert_eq!(
                count(&events, true, SlaTarget::FirstResponse),
                warned,
                "warning count at {at}"
            );
            assert_eq!(
                count(&events, false, SlaTarget::FirstResponse),
                breached,
                "breach count at {at}"
            );
        }
    }
    for id in &tickets {
        let events = store.events(f.ws, *id).await.unwrap();
        assert_eq!(count(&events, true, SlaTarget::Resolution), 1);
        assert_eq!(count(&events, false, SlaTarget::Resolution), 1);
        let t = store.ticket(f.ws, *id).await.unwrap().unwrap();
        let d = t.sla.first_response.expect("still running, breached");
        assert!(d.warned && d.breached);
        assert!(
            !store
                .jobs(f.ws, *id)
                .await
                .unwrap()
                .iter()
                .any(|j| matches!(j.kind, JobKind::SlaWarning(_) | JobKind::SlaBreach(_))),
            "no SLA job left once everything fired"
        );
    }
}

/// A manual due date overrides the resolution target and clearing it returns
/// to the policy; priority, category and organization changes switch targets
/// and policies.
pub async fn sla_manual_due_and_policy_changes(store: Arc<DynStore>) {
    use crate::model::{Organization, OrganizationId, Priority};
    let f = fixture(store.clone()).await;
    let actor = Actor::Agent(f.agent);
    let default = with_default_policy(&f).await;
    let t = new_ticket(&f, "ann@example.com", "Due").await;
    let manual = t0() + Duration::hours(30);
    let m = f
        .desk
        .update(f.ws, t.id, actor, TicketUpdate::default().due(Some(manual)))
        .await
        .unwrap();
    assert_eq!(m.sla.manual, Some(manual));
    assert_eq!(
        m.sla.resolution.as_ref().map(|d| d.due),
        Some(manual),
        "manual due overrides the target"
    );
    assert!(
        store
            .events(f.ws, t.id)
            .await
            .unwrap()
            .iter()
            .any(|e| matches!(e.kind, EventKind::DueDateChanged { .. }))
    );
    let cleared = f
        .desk
        .update(f.ws, t.id, actor, TicketUpdate::default().due(None))
        .await
        .unwrap();
    assert_eq!(
        cleared.sla.resolution.as_ref().map(|d| d.due),
        Some(mins(480)),
        "back to the policy"
    );

    let high = f
        .desk
        .update(
            f.ws,
            t.id,
            actor,
            TicketUpdate::default().priority(Priority::High),
        )
        .await
        .unwrap();
    assert_eq!(
        high.sla.first_response.as_ref().map(|d| d.due),
        Some(mins(30))
    );
    assert_eq!(high.sla.resolution.as_ref().map(|d| d.due), Some(mins(240)));

    // A category with its own (slower) policy wins over the default.
    let slow = always_open_policy(f.ws).target(
        Priority::High,
        crate::sla::SlaTargets {
            first_response: Some(600),
            next_response: Some(600),
            resolution: Some(6000),
        },
    );
    let mut category = Category::new(f.ws, "Slow lane");
    category.sla_policy = Some(slow.id);
    f.desk
        .put_record(f.ws, DirectoryRecord::SlaPolicy(Box::new(slow.clone())))
        .await
        .unwrap();
    f.desk
        .put_record(f.ws, DirectoryRecord::Category(category.clone()))
        .await
        .unwrap();
    let c = f
        .desk
        .update(
            f.ws,
            t.id,
            actor,
            TicketUpdate::default().category(Some(category.id)),
        )
        .await
        .unwrap();
    assert_eq!(c.sla.policy, Some(slow.id));
    assert_eq!(
        c.sla.first_response.as_ref().map(|d| d.due),
        Some(mins(600))
    );

    // The requester's organization's policy wins over the category's.
    let org_policy = always_open_policy(f.ws).target(
        Priority::High,
        crate::sla::SlaTargets {
            first_response: Some(5),
            next_response: Some(5),
            resolution: Some(50),
        },
    );
    let org = Organization {
        id: OrganizationId::new(),
        workspace: f.ws,
        name: "ACME".into(),
        sla_policy: Some(org_policy.id),
    };
    f.desk
        .put_record(
            f.ws,
            DirectoryRecord::SlaPolicy(Box::new(org_policy.clone())),
        )
        .await
        .unwrap();
    f.desk
        .put_record(f.ws, DirectoryRecord::Organization(org.clone()))
        .await
        .unwrap();
    let mut contact = store.contact(f.ws, t.requester).await.unwrap().unwrap();
    contact.organization = Some(org.id);
    f.desk.put_contact(f.ws, contact).await.unwrap();
    let o = f.desk.refresh_sla(f.ws, t.id).await.unwrap();
    assert_eq!(o.sla.policy, Some(org_policy.id));
    assert_eq!(o.sla.first_response.as_ref().map(|d| d.due), Some(mins(5)));
    assert_ne!(o.sla.policy, Some(default.id));
}

fn eml(
    from: &str,
    to: &str,
    subject: &str,
    message_id: &str,
    extra_headers: &str,
    body: &str,
) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n{extra_headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn mailbox() -> crate::engine::Mailbox {
    crate::engine::Mailbox::new("support@shop.example")
        .autoresponder(crate::mail::AutoresponderConfig::default())
}

/// `Ticket::reply_address` is stored with the ticket: a customer with two
/// addresses who wrote from the second is answered there, as read back.
pub async fn reply_address_is_stored(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let mut ann = Contact::with_email(f.ws, "ann@example.com", None);
    ann.emails.push("ann.k@mail.example".into());
    f.desk.put_contact(f.ws, ann).await.expect("contact");
    let out = f
        .desk
        .ingest(
            f.ws,
            &crate::engine::Mailbox::new("support@shop.example"),
            &eml(
                "ann.k@mail.example",
                "support@shop.example",
                "Lamp",
                "ra-1@mail.example",
                "",
                "It flickers.",
            ),
        )
        .await
        .expect("ingest");
    let stored = store.get_ticket(f.ws, out.ticket.id).await.expect("ticket");
    assert_eq!(stored.reply_address.as_deref(), Some("ann.k@mail.example"));
    let reply = f
        .desk
        .reply(
            f.ws,
            stored.id,
            f.agent,
            Reply::text("A new bulb is coming."),
        )
        .await
        .expect("reply");
    assert_eq!(reply.to, ["ann.k@mail.example"]);
}

/// The same mail ingested twice (also concurrently) lands once; the second
/// call reports a duplicate and changes nothing. Mail without a Message-ID is
/// deduplicated by its content.
pub async fn ingest_is_idempotent(store: Arc<DynStore>) {
    use crate::engine::IngestStatus;
    let f = Arc::new(fixture(store.clone()).await);
    let raw = eml(
        "ann@example.com",
        "support@shop.example",
        "Lamp",
        "m1@example.com",
        "",
        "It flickers.",
    );
    let first = f.desk.ingest(f.ws, &mailbox(), &raw).await.unwrap();
    assert_eq!(first.status, IngestStatus::Created);
    assert_eq!(first.ticket.number, TicketNumber(1));
    let again = f.desk.ingest(f.ws, &mailbox(), &raw).await.unwrap();
    assert_eq!(again.status, IngestStatus::Duplicate);
    assert_eq!(again.ticket.id, first.ticket.id);
    assert_eq!(again.message, first.message);
    assert_eq!(
        store.messages(f.ws, first.ticket.id).await.unwrap().len(),
        2,
        "mail + autoresponse, once"
    );
    let record = store
        .ingested(f.ws, "support@shop.example", "m1@example.com")
        .await
        .unwrap()
        .expect("dedupe key recorded");
    assert_eq!(record.ticket, first.ticket.id);

    let raw2 = eml(
        "bob@example.com",
        "support@shop.example",
        "Hi",
        "m2@example.com",
        "",
        "Same mail, 8 times at once.",
    );
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let f = f.clone();
        let raw2 = raw2.clone();
        tasks.push(tokio::spawn(async move {
            f.desk
                .ingest(f.ws, &mailbox(), &raw2)
                .await
                .expect("ingest")
        }));
    }
    let mut created = 0;
    let mut tickets = BTreeSet::new();
    for t in tasks {
        let out = t.await.unwrap();
        if out.status == IngestStatus::Created {
            created += 1;
        } else {
            assert_eq!(out.status, IngestStatus::Duplicate);
        }
        tickets.insert(out.ticket.id);
    }
    assert_eq!(created, 1, "one ingest creates, the others see a duplicate");
    assert_eq!(tickets.len(), 1);

    let no_id =
        b"From: carl@example.com\r\nTo: support@shop.example\r\nSubject: No id\r\n\r\nbody\r\n";
    let a = f.desk.ingest(f.ws, &mailbox(), no_id).await.unwrap();
    let b = f.desk.ingest(f.ws, &mailbox(), no_id).await.unwrap();
    assert_eq!(
        (a.status, b.status),
        (IngestStatus::Created, IngestStatus::Duplicate)
    );
    let other_box = crate::engine::Mailbox::new("sales@shop.example");
    let c = f.desk.ingest(f.ws, &other_box, no_id).await.unwrap();
    assert_eq!(c.status, IngestStatus::Created, "dedupe is per mailbox");
}

/// Threading: a reply finds its ticket by In-Reply-To, by References, by our
/// signed Message-ID, by our plus address, and by a subject tag only when the
/// sender takes part in the ticket; a stranger's tag opens a new ticket.
pub async fn ingest_threads_replies(store: Arc<DynStore>) {
    use crate::engine::IngestStatus;
    let f = fixture(store.clone()).await;
    let mb = crate::engine::Mailbox::new("support@shop.example");
    let first = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Lamp",
                "a1@example.com",
                "",
                "hi",
            ),
        )
        .await
        .unwrap();
    let t = first.ticket.id;
    // The ticket keeps the address its mail came in at.
    assert_eq!(
        store.get_ticket(f.ws, t).await.unwrap().mailbox.as_deref(),
        Some("support@shop.example")
    );
    let by_irt = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Re: Lamp",
                "a2@example.com",
                "In-Reply-To: <a1@example.com>\r\n",
                "more",
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        (by_irt.status, by_irt.ticket.id),
        (IngestStatus::Appended, t)
    );
    assert_eq!(
        store
            .ticket_by_email_id(f.ws, "a1@example.com")
            .await
            .unwrap(),
        Some(t)
    );
    assert_eq!(
        store
            .ticket_by_email_id(f.ws, "nobody@example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .ticket_by_email_id(WorkspaceId::new(), "a1@example.com")
            .await
            .unwrap(),
        None
    );
    let by_refs = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Re: Lamp",
                "a3@example.com",
                "References: <unknown@x> <a2@example.com>\r\n",
                "more",
            ),
        )
        .await
        .unwrap();
    assert_eq!(by_refs.ticket.id, t);
    let reply = f
        .desk
        .reply(f.ws, t, f.agent, Reply::text("answer"))
        .await
        .unwrap();
    let ours = reply
        .email
        .message_id
        .clone()
        .expect("our replies carry our Message-ID");
    assert!(
        store
            .message_by_email_id(f.ws, &ours)
            .await
            .unwrap()
            .is_some()
    );
    let to_ours = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Re: Lamp",
                "a4@example.com",
                &format!("In-Reply-To: <{ours}>\r\n"),
                "thanks",
            ),
        )
        .await
        .unwrap();
    assert_eq!(to_ours.ticket.id, t);
    // A signed Message-ID of ours that the store does not know still threads.
    let forged_ok = f
        .desk
        .outgoing_message_id(f.ws, t, crate::model::MessageId::new());
    let signed = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Re: Lamp",
                "a5@example.com",
                &format!("In-Reply-To: <{forged_ok}>\r\n"),
                "x",
            ),
        )
        .await
        .unwrap();
    assert_eq!(signed.ticket.id, t);
    // A tampered token does not.
    let tampered = forged_ok.replacen("hd.", "hd.x", 1);
    let fake = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Re: Lamp",
                "a6@example.com",
                &format!("In-Reply-To: <{tampered}>\r\n"),
                "x",
            ),
        )
        .await
        .unwrap();
    assert_eq!(fake.status, IngestStatus::Created);
    // The plus address.
    let plus = f.desk.ticket_reply_address(f.ws, t, "support@shop.example");
    let by_plus = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                &plus,
                "Something else",
                "a7@example.com",
                "",
                "x",
            ),
        )
        .await
        .unwrap();
    assert_eq!(by_plus.ticket.id, t);
    // Subject tag: the requester threads, a stranger does not.
    let number = first.ticket.number.0;
    let tag_ok = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ANN@example.com",
                "support@shop.example",
                &format!("New thing [#{number}]"),
                "a8@example.com",
                "",
                "x",
            ),
        )
        .await
        .unwrap();
    assert_eq!(tag_ok.ticket.id, t);
    let stranger = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "mallory@evil.example",
                "support@shop.example",
                &format!("Re: [#{number}]"),
                "a9@example.com",
                "",
                "x",
            ),
        )
        .await
        .unwrap();
    assert_eq!(stranger.status, IngestStatus::Created);
    assert_ne!(stranger.ticket.id, t, "no hijacking by typing a number");
    // A new mail (not a reply) from the same person opens a new ticket.
    let fresh = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Another question",
                "a10@example.com",
                "",
                "x",
            ),
        )
        .await
        .unwrap();
    assert_eq!(fresh.status, IngestStatus::Created);
    assert_eq!(fresh.ticket.requester, first.ticket.requester);
    let after = store.ticket(f.ws, t).await.unwrap().unwrap();
    assert_eq!(
        after.unread_count, 7,
        "every inbound mail raised the unread count"
    );
}

/// Replies to Pending and Closed tickets reopen them; to an Archived ticket
/// they open a new linked ticket; to a merged ticket they land on the target;
/// automatic mail never changes the state.
pub async fn ingest_reopens_follows_merges(store: Arc<DynStore>) {
    use crate::engine::IngestStatus;
    let f = fixture(store.clone()).await;
    let actor = Actor::Agent(f.agent);
    let mb = crate::engine::Mailbox::new("support@shop.example");
    let mk = |n: u32| {
        eml(
            "ann@example.com",
            "support@shop.example",
            "Q",
            &format!("r{n}@example.com"),
            "",
            "x",
        )
    };
    let reply_to = |n: u32, of: u32, extra: &str| {
        eml(
            "ann@example.com",
            "support@shop.example",
            "Re: Q",
            &format!("r{n}@example.com"),
            &format!("In-Reply-To: <r{of}@example.com>\r\n{extra}"),
            "x",
        )
    };
    let t = f.desk.ingest(f.ws, &mb, &mk(1)).await.unwrap().ticket;
    f.desk.set_pending(f.ws, t.id, actor, None).await.unwrap();
    let auto = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &reply_to(2, 1, "Auto-Submitted: auto-replied\r\n"),
        )
        .await
        .unwrap();
    assert_eq!(auto.classification, crate::model::Classification::AutoReply);
    assert_eq!(
        auto.ticket.state,
        State::Pending,
        "an auto-reply does not reopen"
    );
    let human = f.desk.ingest(f.ws, &mb, &reply_to(3, 1, "")).await.unwrap();
    assert_eq!(
        (human.status, human.ticket.state),
        (IngestStatus::Reopened, State::Open)
    );
    f.desk.close(f.ws, t.id, actor, None).await.unwrap();
    let again = f.desk.ingest(f.ws, &mb, &reply_to(4, 1, "")).await.unwrap();
    assert_eq!(
        (again.status, again.ticket.state),
        (IngestStatus::Reopened, State::Open)
    );
    f.desk.close(f.ws, t.id, actor, None).await.unwrap();
    let archived = f.desk.archive(f.ws, t.id, actor).await.unwrap();
    let follow = f.desk.ingest(f.ws, &mb, &reply_to(5, 1, "")).await.unwrap();
    assert_eq!(follow.status, IngestStatus::Created);
    assert_eq!(follow.follow_up_of, Some(t.id));
    assert!(follow.ticket.related.contains(&t.id));
    assert_eq!(
        store.ticket(f.ws, t.id).await.unwrap().unwrap(),
        archived,
        "the archived ticket is unchanged"
    );
    // Merged: a reply to the source lands on the target.
    let a = f.desk.ingest(f.ws, &mb, &mk(10)).await.unwrap().ticket;
    let b = f.desk.ingest(f.ws, &mb, &mk(11)).await.unwrap().ticket;
    f.desk.merge(f.ws, a.id, &[b.id], actor).await.unwrap();
    let to_merged = f
        .desk
        .ingest(f.ws, &mb, &reply_to(12, 11, ""))
        .await
        .unwrap();
    assert_eq!(to_merged.ticket.id, a.id);
}

/// Autoresponders: sent for a new ticket; never for automatic, bounce, list,
/// loop or spam mail or to no-reply addresses; a one-shot suppression; at most
/// N per recipient per window, after which a loop is marked; a permanent
/// bounce of our message marks it failed and suppresses the address.
pub async fn ingest_autoresponder_decisions(store: Arc<DynStore>) {
    use crate::engine::AutoreplyOutcome;
    use crate::mail::SuppressReason;
    let f = fixture(store.clone()).await;
    let mb = mailbox();
    let sent = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Lamp",
                "b1@example.com",
                "",
                "hi",
            ),
        )
        .await
        .unwrap();
    let AutoreplyOutcome::Sent(auto_id) = sent.autoreply else {
        panic!("expected an autoresponse, got {:?}", sent.autoreply)
    };
    let auto = store.message(f.ws, auto_id).await.unwrap().unwrap();
    assert_eq!(auto.author, Actor::System);
    assert_eq!(auto.to, vec!["ann@example.com".to_string()]);
    assert!(
        auto.subject
            .contains(&format!("[#{}]", sent.ticket.number.0)),
        "subject {:?}",
        auto.subject
    );
    assert_eq!(auto.email.in_reply_to, vec!["b1@example.com".to_string()]);
    f.desk.dispatch_outbox().await.unwrap();
    let out = f.email.sent();
    assert!(
        out.last().is_some_and(|m| m.automatic),
        "autoresponses go out marked automatic"
    );

    let cases: [(&str, &str, SuppressReason); 5] = [
        (
            "ooo@example.com",
            "Auto-Submitted: auto-replied\r\n",
            SuppressReason::NotHuman(crate::model::Classification::AutoReply),
        ),
        (
            "list@example.com",
            "List-Id: <news.example.com>\r\n",
            SuppressReason::NotHuman(crate::model::Classification::List),
        ),
        (
            "MAILER-DAEMON@example.com",
            "",
            SuppressReason::NotHuman(crate::model::Classification::Bounce),
        ),
        ("no-reply@example.com", "", SuppressReason::NoReplyAddress),
        (
            "bulk@example.com",
            "Precedence: bulk\r\n",
            SuppressReason::NotHuman(crate::model::Classification::AutoReply),
        ),
    ];
    for (i, (from, headers, reason)) in cases.iter().enumerate() {
        let out = f
            .desk
            .ingest(
                f.ws,
                &mb,
                &eml(
                    from,
                    "support@shop.example",
                    "Hello",
                    &format!("c{i}@example.com"),
                    headers,
                    "x",
                ),
            )
            .await
            .unwrap();
        assert_eq!(
            out.autoreply,
            AutoreplyOutcome::Suppressed(*reason),
            "from {from}"
        );
        let events = store.events(f.ws, out.ticket.id).await.unwrap();
        assert!(
            events
                .iter()
                .any(|e| matches!(e.kind, EventKind::AutoresponderSuppressed { .. }))
        );
    }
    // Our own mail coming back is a loop.
    let own = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "support@shop.example",
                "support@shop.example",
                "Echo",
                "d1@example.com",
                "",
                "x",
            ),
        )
        .await
        .unwrap();
    assert_eq!(own.classification, crate::model::Classification::Loop);

    // A robot writing new mails gets at most 3 autoresponses per hour.
    let mut sent_count = 0;
    let mut last = None;
    for i in 0..6 {
        let out = f
            .desk
            .ingest(
                f.ws,
                &mb,
                &eml(
                    "robot@bots.example",
                    "support@shop.example",
                    &format!("Ticket {i}"),
                    &format!("bot{i}@bots.example"),
                    "",
                    "I am a robot",
                ),
            )
            .await
            .unwrap();
        if matches!(out.autoreply, AutoreplyOutcome::Sent(_)) {
            sent_count += 1;
        }
        last = Some(out);
    }
    assert_eq!(sent_count, 3, "at most N automatic messages per window");
    let last = last.unwrap();
    assert_eq!(
        last.autoreply,
        AutoreplyOutcome::Suppressed(SuppressReason::RateLimited)
    );
    assert!(last.ticket.flags.loop_detected, "loop_detected is set");
    assert!(
        store
            .events(f.ws, last.ticket.id)
            .await
            .unwrap()
            .iter()
            .any(|e| matches!(e.kind, EventKind::LoopDetected { .. }))
    );
    assert_eq!(
        store
            .automatic_sent_count(f.ws, "ROBOT@bots.example", t0() - Duration::hours(1))
            .await
            .unwrap(),
        3
    );
    let cleared = f
        .desk
        .clear_loop(f.ws, last.ticket.id, Actor::Agent(f.agent))
        .await
        .unwrap();
    assert!(!cleared.flags.loop_detected);
    f.clock.advance(Duration::hours(2));
    let later = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "robot@bots.example",
                "support@shop.example",
                "Later",
                "bot-late@bots.example",
                "",
                "x",
            ),
        )
        .await
        .unwrap();
    assert!(
        matches!(later.autoreply, AutoreplyOutcome::Sent(_)),
        "a new window allows it again"
    );

    // One-shot suppression on a ticket (autoresponder also on replies).
    let config = crate::mail::AutoresponderConfig {
        on_reply: true,
        ..crate::mail::AutoresponderConfig::default()
    };
    let mb_reply = crate::engine::Mailbox::new("support@shop.example").autoresponder(config);
    let base = f
        .desk
        .ingest(
            f.ws,
            &mb_reply,
            &eml(
                "dora@example.com",
                "support@shop.example",
                "Q",
                "e1@example.com",
                "",
                "x",
            ),
        )
        .await
        .unwrap();
    f.desk
        .suppress_next_autoresponder(f.ws, base.ticket.id, Actor::Agent(f.agent))
        .await
        .unwrap();
    let once = f
        .desk
        .ingest(
            f.ws,
            &mb_reply,
            &eml(
                "dora@example.com",
                "support@shop.example",
                "Re: Q",
                "e2@example.com",
                "In-Reply-To: <e1@example.com>\r\n",
                "x",
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        once.autoreply,
        AutoreplyOutcome::Suppressed(SuppressReason::SuppressedOnce)
    );
    assert!(!once.ticket.flags.suppress_next_autoresponder, "one shot");
    let next = f
        .desk
        .ingest(
            f.ws,
            &mb_reply,
            &eml(
                "dora@example.com",
                "support@shop.example",
                "Re: Q",
                "e3@example.com",
                "In-Reply-To: <e1@example.com>\r\n",
                "x",
            ),
        )
        .await
        .unwrap();
    assert!(matches!(next.autoreply, AutoreplyOutcome::Sent(_)));

    // A permanent bounce of our reply: the reply is failed, the address suppressed.
    let reply = f
        .desk
        .reply(f.ws, sent.ticket.id, f.agent, Reply::text("answer"))
        .await
        .unwrap();
    let reply_id = reply.email.message_id.clone().unwrap();
    let dsn = format!(
        "From: MAILER-DAEMON@mx.example.com\r\nTo: support@shop.example\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx.example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; ann@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{reply_id}>\r\nSubject: Lamp\r\n\r\n--B--\r\n"
    );
    let bounce = f.desk.ingest(f.ws, &mb, dsn.as_bytes()).await.unwrap();
    assert_eq!(bounce.classification, crate::model::Classification::Bounce);
    assert_eq!(
        bounce.ticket.id, sent.ticket.id,
        "the bounce lands on the ticket of the bounced message"
    );
    assert_eq!(bounce.bounced_message, Some(reply.id));
    let failed = store.message(f.ws, reply.id).await.unwrap().unwrap();
    assert!(matches!(
        failed.send_state,
        Some(crate::model::SendState::Failed { .. })
    ));
    assert!(
        store
            .suppressed_until(f.ws, "ann@example.com")
            .await
            .unwrap()
            .is_some()
    );
    let suppressed = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "New",
                "b9@example.com",
                "",
                "x",
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        suppressed.autoreply,
        AutoreplyOutcome::Suppressed(SuppressReason::Undeliverable)
    );
}

/// A bulk state change on 1,000 tickets reports one outcome per ticket; an
/// invalid transition on some does not stop the others, and nothing is half
/// applied.
pub async fn bulk_transition_reports_each_ticket(store: Arc<DynStore>) {
    use crate::engine::BulkAction;
    use crate::lifecycle::Transition;
    let f = fixture(store.clone()).await;
    let actor = Actor::Agent(f.agent);
    let mut ids = Vec::new();
    for i in 0..1000 {
        let t = f
            .desk
            .create_ticket(
                f.ws,
                NewTicket::from_customer(&format!("b{}@example.com", i % 50), "Bulk", "x"),
            )
            .await
            .unwrap();
        ids.push(t.id);
    }
    // Every 10th ticket is archived first: closing it is invalid.
    for id in ids.iter().step_by(10) {
        f.desk.close(f.ws, *id, actor, None).await.unwrap();
        f.desk.archive(f.ws, *id, actor).await.unwrap();
    }
    let results = f
        .desk
        .bulk(
            f.ws,
            &ids,
            actor,
            BulkAction::Transition(Transition::Close {
                reopen_at: Some(t0() + Duration::days(3)),
            }),
        )
        .await;
    assert_eq!(results.len(), 1000, "one outcome per ticket");
    for (i, item) in results.iter().enumerate() {
        assert_eq!(item.ticket, ids[i], "in the order given");
        let stored = store.ticket(f.ws, item.ticket).await.unwrap().unwrap();
        if i % 10 == 0 {
            assert!(
                matches!(
                    item.result,
                    Err(Error::InvalidTransition {
                        from: State::Archived,
                        to: State::Closed
                    })
                ),
                "{:?}",
                item.result
            );
            assert_eq!(stored.state, State::Archived);
            assert!(stored.reopen_at.is_none(), "nothing half applied");
        } else {
            assert!(item.result.is_ok(), "{:?}", item.result);
            assert_eq!(stored.state, State::Closed);
            assert_eq!(stored.reopen_at, Some(t0() + Duration::days(3)));
            assert_eq!(
                store
                    .jobs(f.ws, item.ticket)
                    .await
                    .unwrap()
                    .iter()
                    .filter(|j| j.kind == JobKind::Reopen)
                    .count(),
                1
            );
        }
    }
    let tagged = f
        .desk
        .bulk(
            f.ws,
            &ids[..5],
            actor,
            BulkAction::Update(TicketUpdate::default().add_tag("bulk")),
        )
        .await;
    assert!(
        tagged[0].result.is_err(),
        "an archived ticket never changes"
    );
    assert!(tagged[1..].iter().all(|i| {
        i.result
            .as_ref()
            .is_ok_and(|t| t.as_ref().is_some_and(|t| t.tags.contains("bulk")))
    }));
}

/// A ticket is unread for its owner after a change by someone else (and
/// after customer mail), until the owner opens it; the owner's own changes
/// do not mark it unread.
pub async fn unread_for_owner_until_opened(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let t = new_ticket(&f, "ann@example.com", "Unread").await;
    let owner = f.agent;
    let taken = f.desk.take(f.ws, t.id, owner).await.unwrap();
    assert!(!taken.unread_by_owner, "the owner's own change");
    assert_eq!(
        taken.unread_count, 1,
        "the customer's first message is unread"
    );
    let read = f.desk.mark_read(f.ws, t.id, owner).await.unwrap();
    assert!(!read.unread_by_owner);
    assert_eq!(read.unread_count, 0);
    let other = AgentId::new();
    f.desk
        .put_record(
            f.ws,
            DirectoryRecord::Agent(Agent {
                id: other,
                workspace: f.ws,
                name: "Otto".into(),
                email: None,
                active: true,
            }),
        )
        .await
        .unwrap();
    let changed = f
        .desk
        .update(
            f.ws,
            t.id,
            Actor::Agent(other),
            TicketUpdate::default().add_tag("x"),
        )
        .await
        .unwrap();
    assert!(changed.unread_by_owner, "changed by someone else");
    let not_owner = f.desk.mark_read(f.ws, t.id, other).await.unwrap();
    assert!(not_owner.unread_by_owner, "only the owner's opening counts");
    f.desk.mark_read(f.ws, t.id, owner).await.unwrap();
    f.desk
        .add_note(f.ws, t.id, owner, "my own note")
        .await
        .unwrap();
    assert!(
        !store
            .ticket(f.ws, t.id)
            .await
            .unwrap()
            .unwrap()
            .unread_by_owner
    );
    let customer = f
        .desk
        .customer_message(f.ws, t.id, t.requester, "hello again")
        .await
        .unwrap();
    assert!(customer.ticket.unread_by_owner);
    assert_eq!(customer.ticket.unread_count, 1);
}

/// Mailbox sync positions are stored with the mail they cover, never move
/// back within one UIDVALIDITY, are replaced on a new UIDVALIDITY, advance
/// on duplicates and stay per workspace.
pub async fn mailbox_checkpoints(store: Arc<DynStore>) {
    use crate::ports::MailboxCheckpoint;
    let f = fixture(store.clone()).await;
    let mb = crate::engine::Mailbox::new("support@shop.example");
    let key = "imap://support@shop.example/INBOX";
    let cp = |validity, uid| MailboxCheckpoint {
        mailbox: key.to_string(),
        uid_validity: validity,
        last_uid: uid,
    };
    assert_eq!(store.mailbox_checkpoint(f.ws, key).await.unwrap(), None);
    let raw = eml(
        "ann@example.com",
        "support@shop.example",
        "Q",
        "cp1@example.com",
        "",
        "x",
    );
    f.desk
        .ingest_at(f.ws, &mb, raw.clone(), Some(cp(7, 10)))
        .await
        .unwrap();
    assert_eq!(
        store.mailbox_checkpoint(f.ws, key).await.unwrap(),
        Some(cp(7, 10))
    );
    let dup = f
        .desk
        .ingest_at(f.ws, &mb, raw.clone(), Some(cp(7, 11)))
        .await
        .unwrap();
    assert_eq!(dup.status, crate::engine::IngestStatus::Duplicate);
    assert_eq!(
        store.mailbox_checkpoint(f.ws, key).await.unwrap(),
        Some(cp(7, 11)),
        "a duplicate still advances it"
    );
    f.desk.advance_checkpoint(f.ws, cp(7, 5)).await.unwrap();
    assert_eq!(
        store.mailbox_checkpoint(f.ws, key).await.unwrap(),
        Some(cp(7, 11)),
        "never back"
    );
    let bad = f
        .desk
        .ingest_at(f.ws, &mb, bytes::Bytes::new(), Some(cp(7, 12)))
        .await;
    assert!(bad.is_err(), "empty input is rejected");
    assert_eq!(
        store.mailbox_checkpoint(f.ws, key).await.unwrap(),
        Some(cp(7, 11)),
        "a rejected mail writes nothing"
    );
    f.desk.advance_checkpoint(f.ws, cp(8, 1)).await.unwrap();
    assert_eq!(
        store.mailbox_checkpoint(f.ws, key).await.unwrap(),
        Some(cp(8, 1)),
        "a new UIDVALIDITY replaces it"
    );
    assert_eq!(
        store
            .mailbox_checkpoint(WorkspaceId::new(), key)
            .await
            .unwrap(),
        None
    );
}

/// A new ticket's requester is the Reply-To of a human mail (never our own
/// address), else From; Cc addresses become the ticket's cc, once each,
/// without ours or the requester's.
pub async fn ingest_requester_and_cc(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let mb = crate::engine::Mailbox::new("support@shop.example");
    let out = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Hi",
                "rq1@example.com",
                "Reply-To: Ann Office <ann.office@example.com>\r\nCc: b@x.example, c@x.example, B@x.example, support@shop.example, ann.office@example.com\r\n",
                "x",
            ),
        )
        .await
        .unwrap();
    let requester = store
        .contact(f.ws, out.ticket.requester)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(requester.emails, vec!["ann.office@example.com".to_string()]);
    assert_eq!(
        out.ticket.cc,
        vec!["b@x.example".to_string(), "c@x.example".to_string()]
    );
    let ours = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "dan@example.com",
                "support@shop.example",
                "Hi",
                "rq2@example.com",
                "Reply-To: support@shop.example\r\n",
                "x",
            ),
        )
        .await
        .unwrap();
    let requester = store
        .contact(f.ws, ours.ticket.requester)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        requester.emails,
        vec!["dan@example.com".to_string()],
        "our own Reply-To is ignored"
    );
}

/// "Handle next": 16 agents taking the next ticket of a queue at once get
/// each of its 10 tickets exactly once; the others hear "nothing waiting".
pub async fn take_next_hands_out_each_ticket_once(store: Arc<DynStore>) {
    let f = Arc::new(fixture(store.clone()).await);
    let queue = crate::model::Queue {
        id: crate::model::QueueId::new(),
        workspace: f.ws,
        name: "Returns".into(),
    };
    f.desk
        .put_record(f.ws, DirectoryRecord::Queue(queue.clone()))
        .await
        .unwrap();
    let mut in_queue = BTreeSet::new();
    for i in 0..10 {
        let t = f
            .desk
            .create_ticket(
                f.ws,
                NewTicket::from_customer(&format!("q{i}@example.com"), "Return", "x")
                    .queue(queue.id),
            )
            .await
            .unwrap();
        in_queue.insert(t.id);
        f.clock.advance(Duration::seconds(1));
    }
    new_ticket(&f, "elsewhere@example.com", "Other queue").await;
    let mut agents = Vec::new();
    for i in 0..16 {
        let id = AgentId::new();
        f.desk
            .put_record(
                f.ws,
                DirectoryRecord::Agent(Agent {
                    id,
                    workspace: f.ws,
                    name: format!("a{i}"),
                    email: None,
                    active: true,
                }),
            )
            .await
            .unwrap();
        agents.push(id);
    }
    let mut tasks = Vec::new();
    for agent in agents {
        let f = f.clone();
        let queue = queue.id;
        tasks.push(tokio::spawn(async move {
            (agent, f.desk.take_next(f.ws, Some(queue), agent).await)
        }));
    }
    let mut taken = BTreeSet::new();
    let mut empty = 0;
    for task in tasks {
        let (agent, result) = task.await.unwrap();
        match result.expect("no error but an empty queue") {
            Some(t) => {
                assert_eq!(t.assignee, Some(agent));
                assert!(taken.insert(t.id), "a ticket handed out twice");
            }
            None => empty += 1,
        }
    }
    assert_eq!(taken, in_queue, "every ticket of the queue, once");
    assert_eq!(empty, 6);
}

/// Anonymised tickets contain none of the original personal strings in
/// anything reachable through the API: the ticket, its conversation (messages
/// and events, also of merged tickets), the requester contact and lookups by
/// email or Message-ID. Numbers, states and timestamps stay.
pub async fn anonymise_leaves_no_personal_data(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let actor = Actor::Agent(f.agent);
    let mb = crate::engine::Mailbox::new("support@shop.example")
        .autoresponder(crate::mail::AutoresponderConfig::default());
    let personal = [
        "Zuzanna Przybylska",
        "zuzanna.p@example.com",
        "Gdansk Street 12",
        "+48 600 111 222",
        "secret-order-9911",
        "cc.friend@example.com",
        "zp-msg-1@example.com",
        "My parcel never came",
        "crm-7788",
    ];
    let raw = "From: Zuzanna Przybylska <zuzanna.p@example.com>\r\nTo: support@shop.example\r\nCc: cc.friend@example.com\r\nSubject: My parcel never came\r\nMessage-ID: <zp-msg-1@example.com>\r\n\r\nPlease send it to Gdansk Street 12, call +48 600 111 222, order secret-order-9911.\r\n";
    let t = f
        .desk
        .ingest(f.ws, &mb, raw.as_bytes())
        .await
        .unwrap()
        .ticket;
    let mut contact = store.contact(f.ws, t.requester).await.unwrap().unwrap();
    contact.phones.push("+48 600 111 222".into());
    contact.external_id = Some("crm-7788".into());
    f.desk.put_contact(f.ws, contact).await.unwrap();
    let mut update = TicketUpdate::default();
    update
        .custom_fields
        .insert("order".into(), Some(serde_json::json!("secret-order-9911")));
    update.subject = Some("My parcel never came (Gdansk Street 12)".into());
    f.desk.update(f.ws, t.id, actor, update).await.unwrap();
    f.desk
        .reply(
            f.ws,
            t.id,
            f.agent,
            Reply::text("Dear Zuzanna Przybylska, we ship to Gdansk Street 12."),
        )
        .await
        .unwrap();
    f.desk
        .add_note(f.ws, t.id, f.agent, "She called from +48 600 111 222")
        .await
        .unwrap();
    let source = f
        .desk
        .create_ticket(
            f.ws,
            NewTicket::from_customer(
                "zuzanna.p@example.com",
                "My parcel never came",
                "secret-order-9911 again",
            ),
        )
        .await
        .unwrap();
    f.desk.merge(f.ws, t.id, &[source.id], actor).await.unwrap();
    f.desk.dispatch_outbox().await.unwrap();
    let before = store.ticket(f.ws, t.id).await.unwrap().unwrap();
    let since = t0() - Duration::days(1);
    assert_eq!(
        store
            .automatic_sent_count(f.ws, "zuzanna.p@example.com", since)
            .await
            .unwrap(),
        1,
        "the autoresponse is logged"
    );

    let after = f.desk.anonymise(f.ws, t.id, actor).await.unwrap();
    assert_eq!(
        store
            .automatic_sent_count(f.ws, "zuzanna.p@example.com", since)
            .await
            .unwrap(),
        0,
        "the automatic-message log forgets the address"
    );
    assert_eq!(after.number, before.number);
    assert_eq!(after.state, before.state);
    assert_eq!(after.times.created, before.times.created);
    let conversation = f.desk.conversation(f.ws, t.id).await.unwrap();
    assert!(
        conversation.messages().count() >= 4,
        "messages stay, redacted"
    );
    assert!(
        conversation
            .events()
            .any(|e| e.kind == EventKind::Anonymised)
    );
    let mut reachable = vec![
        serde_json::to_string(&conversation).unwrap(),
        serde_json::to_string(&store.ticket(f.ws, t.id).await.unwrap()).unwrap(),
        serde_json::to_string(&store.ticket(f.ws, source.id).await.unwrap()).unwrap(),
        serde_json::to_string(&store.contact(f.ws, t.requester).await.unwrap()).unwrap(),
        format!(
            "{:?}",
            store
                .contact_by_email(f.ws, "zuzanna.p@example.com")
                .await
                .unwrap()
        ),
        format!(
            "{:?}",
            store
                .message_by_email_id(f.ws, "zp-msg-1@example.com")
                .await
                .unwrap()
        ),
    ];
    for id in [t.id, source.id] {
        for m in store.messages(f.ws, id).await.unwrap() {
            reachable.push(format!("{m:?}"));
            reachable.push(format!(
                "{:?}",
                m.raw.as_deref().map(String::from_utf8_lossy)
            ));
        }
        for e in store.events(f.ws, id).await.unwrap() {
            reachable.push(format!("{e:?}"));
        }
    }
    for text in &reachable {
        for p in personal {
            assert!(!text.contains(p), "{p:?} is still reachable in {text}");
        }
    }
}

/// Deleting a ticket removes it and everything of its own (and the tickets
/// merged into it); a ticket with children is refused.
pub async fn delete_removes_everything(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let actor = Actor::Agent(f.agent);
    let mb = crate::engine::Mailbox::new("support@shop.example")
        .autoresponder(crate::mail::AutoresponderConfig::default());
    let raw = eml(
        "ann@example.com",
        "support@shop.example",
        "Gone",
        "del1@example.com",
        "",
        "x",
    );
    let t = f.desk.ingest(f.ws, &mb, &raw).await.unwrap().ticket;
    f.desk
        .reply(f.ws, t.id, f.agent, Reply::text("queued"))
        .await
        .unwrap();
    f.desk
        .set_pending(f.ws, t.id, actor, Some(t0() + Duration::days(1)))
        .await
        .unwrap();
    let source = new_ticket(&f, "ann@example.com", "Merged away").await;
    f.desk.merge(f.ws, t.id, &[source.id], actor).await.unwrap();
    let parent = new_ticket(&f, "ann@example.com", "Parent").await;
    let child = new_ticket(&f, "ann@example.com", "Child").await;
    f.desk.link(f.ws, child.id, parent.id, actor).await.unwrap();

    let err = f.desk.delete_ticket(f.ws, parent.id).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "got {err:?}");
    assert!(store.ticket(f.ws, parent.id).await.unwrap().is_some());

    let since = t0() - Duration::days(1);
    assert_eq!(
        store
            .automatic_sent_count(f.ws, "ann@example.com", since)
            .await
            .unwrap(),
        1
    );
    f.desk.delete_ticket(f.ws, t.id).await.unwrap();
    assert_eq!(
        store
            .automatic_sent_count(f.ws, "ann@example.com", since)
            .await
            .unwrap(),
        0,
        "the automatic-message log of deleted messages is gone"
    );
    for id in [t.id, source.id] {
        assert!(store.ticket(f.ws, id).await.unwrap().is_none());
        assert!(store.messages(f.ws, id).await.unwrap().is_empty());
        assert!(store.events(f.ws, id).await.unwrap().is_empty());
        assert!(store.outbox(f.ws, id).await.unwrap().is_empty());
        assert!(store.jobs(f.ws, id).await.unwrap().is_empty());
    }
    assert!(
        store
            .ticket_by_number(f.ws, t.number)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .message_by_email_id(f.ws, "del1@example.com")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .ingested(f.ws, "support@shop.example", "del1@example.com")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        f.desk.dispatch_outbox().await.unwrap().sent,
        0,
        "nothing of it is sent"
    );
    assert!(
        f.desk
            .run_due(t0() + Duration::days(2))
            .await
            .unwrap()
            .reopened
            .is_empty()
    );
    let again = f.desk.ingest(f.ws, &mb, &raw).await.unwrap();
    assert_eq!(
        again.status,
        crate::engine::IngestStatus::Created,
        "the mail can come in again"
    );
    assert!(matches!(
        f.desk.delete_ticket(f.ws, t.id).await,
        Err(Error::NotFound { .. })
    ));
    f.desk.unlink(f.ws, child.id, actor).await.unwrap();
    f.desk.delete_ticket(f.ws, parent.id).await.unwrap();
}

/// A view exports to CSV with the chosen columns, RFC 4180 quoting and one
/// row per ticket of the view.
pub async fn export_csv_streams_the_view(store: Arc<DynStore>) {
    use crate::query::{Column, Filter, Sort, SortKey};
    let f = fixture(store.clone()).await;
    let tricky = "Comma, \"quote\" and\nnewline";
    for i in 0..450 {
        let subject = if i == 7 {
            tricky.to_string()
        } else {
            format!("Ticket {i}")
        };
        f.desk
            .create_ticket(
                f.ws,
                NewTicket::from_customer(&format!("c{}@example.com", i % 9), &subject, "x")
                    .tag(format!("t{}", i % 3)),
            )
            .await
            .unwrap();
    }
    let eighth = store
        .ticket_by_number(f.ws, TicketNumber(8))
        .await
        .unwrap()
        .unwrap();
    let mut note = TicketUpdate::default();
    note.custom_fields.insert(
        "note".into(),
        Some(serde_json::json!("line one\nline \"two\"")),
    );
    f.desk
        .update(f.ws, eighth.id, Actor::Agent(f.agent), note)
        .await
        .unwrap();
    let filter = Filter::Tags(crate::query::TagMatch::HasAny(vec!["t1".into()]));
    let mut out = Vec::new();
    let rows = f
        .desk
        .export_csv(
            f.ws,
            &filter,
            &Sort::asc(SortKey::Number),
            f.agent,
            &[
                Column::Number,
                Column::Subject,
                Column::Requester,
                Column::State,
                Column::Tags,
                Column::CustomField("note".into()),
            ],
            &mut out,
        )
        .await
        .unwrap();
    assert_eq!(
        rows,
        store.count_tickets(f.ws, &filter, f.agent).await.unwrap()
    );
    assert_eq!(rows, 150);
    let mut reader = csv::Reader::from_reader(out.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["number", "subject", "requester", "state", "tags", "note"]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 150);
    let numbers: Vec<u64> = records.iter().map(|r| r[0].parse().unwrap()).collect();
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    assert_eq!(numbers, sorted, "in the view's order");
    let row = records
        .iter()
        .find(|r| &r[0] == "8")
        .expect("ticket #8 (tag t1)");
    assert_eq!(
        &row[1],
        tricky.replace('\n', " "),
        "quoted and read back exactly"
    );
    assert_eq!(
        &row[5], "line one\nline \"two\"",
        "newlines and quotes survive"
    );
    assert_eq!(&row[2], "c7@example.com");
    assert_eq!(&row[3], "open");
}

/// `thread_ids` lists the Message-IDs of a ticket's messages with their
/// direction, in the order of `messages`, and a reply's threading headers
/// come from it.
pub async fn thread_ids_follow_the_conversation(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let mb = crate::engine::Mailbox::new("support@shop.example");
    let first = eml(
        "ann@example.com",
        "support@shop.example",
        "Lamp",
        "thr-1@example.com",
        "",
        "It flickers.",
    );
    let t = f.desk.ingest(f.ws, &mb, &first).await.unwrap().ticket;
    f.desk
        .add_note(f.ws, t.id, f.agent, "no Message-ID on a note")
        .await
        .unwrap();
    let reply = f
        .desk
        .reply(f.ws, t.id, f.agent, Reply::text("Which model?"))
        .await
        .unwrap();
    let reply_id = reply.email.message_id.clone().unwrap();
    assert_eq!(
        reply.email.in_reply_to,
        vec!["thr-1@example.com".to_string()]
    );
    let second = eml(
        "ann@example.com",
        "support@shop.example",
        "Re: Lamp",
        "thr-2@example.com",
        &format!("In-Reply-To: <{reply_id}>\r\nReferences: <thr-1@example.com> <{reply_id}>\r\n"),
        "The big one.",
    );
    let again = f.desk.ingest(f.ws, &mb, &second).await.unwrap();
    assert_eq!(again.ticket.id, t.id);

    let ids = store.thread_ids(f.ws, t.id).await.unwrap();
    assert_eq!(
        ids,
        vec![
            (Direction::Inbound, "thr-1@example.com".to_string()),
            (Direction::Outbound, reply_id.clone()),
            (Direction::Inbound, "thr-2@example.com".to_string()),
        ]
    );
    let from_messages: Vec<(Direction, String)> = store
        .messages(f.ws, t.id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| m.email.message_id.map(|id| (m.direction, id)))
        .collect();
    assert_eq!(ids, from_messages, "the order of `messages`");
    assert!(
        store
            .thread_ids(f.ws, TicketId::new())
            .await
            .unwrap()
            .is_empty()
    );

    let next = f
        .desk
        .reply(f.ws, t.id, f.agent, Reply::text("Sending a new one."))
        .await
        .unwrap();
    assert_eq!(
        next.email.in_reply_to,
        vec!["thr-2@example.com".to_string()]
    );
    assert_eq!(
        next.email.references,
        vec![
            "thr-1@example.com".to_string(),
            reply_id,
            "thr-2@example.com".to_string()
        ]
    );
}

/// The [`Blobs`](crate::ports::Blobs) contract, for a blob store (any
/// implementation, not only a [`Store`](crate::ports::Store)'s): bytes come
/// back as they were put (empty and binary ones too), per workspace; each
/// put has a key of its own (the same bytes twice are two blobs, so
/// deleting one leaves the other); a deleted key reads `None`, and
/// deleting it again, or a key never stored, is no error.
pub async fn blobs_round_trip(blobs: Arc<dyn crate::ports::Blobs>) {
    use crate::model::Attachment;
    let (ws, other) = (WorkspaceId::new(), WorkspaceId::new());
    let meta = Attachment::new("file.bin", "application/octet-stream", 0);
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let a = blobs.put(ws, &meta, binary.clone().into()).await.unwrap();
    let b = blobs.put(ws, &meta, binary.clone().into()).await.unwrap();
    let empty = blobs.put(ws, &meta, bytes::Bytes::new()).await.unwrap();
    assert_ne!(a, b, "each put has a key of its own");
    assert_eq!(
        blobs.get(ws, &a).await.unwrap().as_deref(),
        Some(binary.as_slice())
    );
    assert_eq!(
        blobs.get(ws, &empty).await.unwrap().as_deref(),
        Some(&[][..])
    );
    assert_eq!(
        blobs.get(other, &a).await.unwrap(),
        None,
        "another workspace's key reads nothing"
    );
    blobs.delete(other, &a).await.unwrap();
    assert!(
        blobs.get(ws, &a).await.unwrap().is_some(),
        "another workspace's delete leaves the bytes"
    );
    blobs.delete(ws, &a).await.unwrap();
    assert_eq!(blobs.get(ws, &a).await.unwrap(), None);
    blobs.delete(ws, &a).await.unwrap();
    blobs.delete(ws, "never-stored").await.unwrap();
    assert_eq!(
        blobs.get(ws, &b).await.unwrap().as_deref(),
        Some(binary.as_slice()),
        "the other copy stays"
    );
    assert_eq!(blobs.get(ws, "never-stored").await.unwrap(), None);
}

/// `agent_by_email`: the active agent of the workspace whose address is
/// the one asked (both normalised: case, spaces, angle brackets); not an
/// inactive agent, not another workspace's, not an agent without email.
pub async fn agent_by_email_finds_active_agents(store: Arc<DynStore>) {
    let desk = Helpdesk::builder(store.clone()).build();
    let (ws, other) = (WorkspaceId::new(), WorkspaceId::new());
    let agent = |workspace, name: &str, email: Option<&str>, active| Agent {
        id: AgentId::new(),
        workspace,
        name: name.into(),
        email: email.map(str::to_string),
        active,
    };
    let agnes = agent(ws, "Agnes", Some(" Agnes@Shop.Example "), true);
    for a in [
        agnes.clone(),
        agent(ws, "Bob", Some("bob@shop.example"), false),
        agent(ws, "Cyril", None, true),
        agent(other, "Dora", Some("dora@shop.example"), true),
    ] {
        let workspace = a.workspace;
        desk.put_record(workspace, DirectoryRecord::Agent(a))
            .await
            .expect("put agent");
    }
    for asked in [
        "agnes@shop.example",
        "<AGNES@shop.example>",
        " Agnes@Shop.Example",
    ] {
        assert_eq!(
            store.agent_by_email(ws, asked).await.unwrap().map(|a| a.id),
            Some(agnes.id),
            "{asked:?}"
        );
    }
    for asked in [
        "bob@shop.example",
        "dora@shop.example",
        "nobody@shop.example",
        "",
    ] {
        assert_eq!(
            store.agent_by_email(ws, asked).await.unwrap(),
            None,
            "{asked:?}"
        );
    }
    assert!(
        store
            .agent_by_email(other, "dora@shop.example")
            .await
            .unwrap()
            .is_some()
    );
}

/// `blobs_in_use`: the keys, among those asked, that an attachment of a
/// message outside the given tickets holds, each once (a reply that sent
/// a file on holds its key too); a message redacted by anonymising holds
/// none, and another workspace's messages are not looked at. Erasing a
/// ticket through the engine deletes the bytes of its own keys and keeps
/// those another ticket's message still holds.
pub async fn blobs_in_use_finds_keys_outside_the_erased_tickets(store: Arc<DynStore>) {
    use crate::model::Attachment;
    use crate::ports::{Blobs, MemoryBlobs};
    let blobs = Arc::new(MemoryBlobs::new());
    let desk = Helpdesk::builder(store.clone())
        .blobs(blobs.clone())
        .config(EngineConfig::default().default_from("support@example.com"))
        .build();
    let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    let mut keys = Vec::new();
    for name in ["own.pdf", "shared.png"] {
        let file = desk
            .upload(
                ws,
                name,
                "application/octet-stream",
                name.as_bytes().to_vec(),
            )
            .await
            .expect("upload");
        keys.push(file);
    }
    let [own, shared]: [Attachment; 2] = keys.try_into().expect("two uploads");
    let key = |a: &Attachment| a.blob.clone().expect("uploaded bytes have a key");
    let (own_key, shared_key) = (key(&own), key(&shared));
    let ticket = |email: &'static str| {
        desk.create_ticket(ws, NewTicket::from_customer(email, "Files", "Hello."))
    };
    let (a, b) = (
        ticket("ann@example.com").await.expect("ticket a"),
        ticket("bob@example.com").await.expect("ticket b"),
    );
    let reply = |t: TicketId, files: Vec<Attachment>| {
        let mut r = Reply::text("Here you are.");
        for f in files {
            r = r.attach(f);
        }
        desk.reply(ws, t, agent, r)
    };
    reply(a.id, vec![own.clone(), shared.clone()])
        .await
        .expect("reply on a");
    reply(b.id, vec![shared.clone()]).await.expect("reply on b");

    let asked = [own_key.as_str(), shared_key.as_str(), "never-stored"];
    let in_use = |except: Vec<TicketId>| {
        let store = store.clone();
        async move {
            let mut held = store
                .blobs_in_use(ws, &asked, &except)
                .await
                .expect("blobs_in_use");
            held.sort();
            held
        }
    };
    let mut both = vec![own_key.clone(), shared_key.clone()];
    both.sort();
    assert_eq!(in_use(vec![]).await, both, "every key a message holds");
    assert_eq!(
        in_use(vec![a.id]).await,
        vec![shared_key.clone()],
        "outside ticket a: the key b's reply holds too"
    );
    assert_eq!(
        in_use(vec![b.id]).await,
        both,
        "outside ticket b: both keys of a's reply"
    );
    assert_eq!(in_use(vec![a.id, b.id]).await, Vec::<String>::new());
    assert_eq!(
        store
            .blobs_in_use(WorkspaceId::new(), &asked, &[])
            .await
            .expect("blobs_in_use"),
        Vec::<String>::new(),
        "another workspace holds none of them"
    );
    assert_eq!(
        store.blobs_in_use(ws, &[], &[]).await.expect("no keys"),
        Vec::<String>::new()
    );

    // Erasing ticket a deletes its own file's bytes and keeps the shared
    // one's, which b's reply still sends.
    desk.anonymise(ws, a.id, Actor::System)
        .await
        .expect("anonymise a");
    assert_eq!(blobs.get(ws, &own_key).await.expect("get"), None);
    assert!(
        blobs.get(ws, &shared_key).await.expect("get").is_some(),
        "b's reply keeps its file"
    );
    assert_eq!(
        in_use(vec![]).await,
        vec![shared_key.clone()],
        "a's redacted reply holds no key"
    );
    // Erasing b too leaves nothing.
    desk.delete_ticket(ws, b.id).await.expect("delete b");
    assert_eq!(blobs.get(ws, &shared_key).await.expect("get"), None);
    assert_eq!(in_use(vec![]).await, Vec::<String>::new());
}

/// `ticket_from_message`: a message copied into a new ticket (as a child,
/// or related), with both tickets' events in one commit; the copy keeps
/// the message's text, author, direction, visibility and files but has no
/// email Message-ID, so a reply to the mail still threads onto the ticket
/// it came to. A participant's message becomes their own ticket. An
/// Archived ticket takes no child, and an unknown message is not found;
/// neither writes anything.
pub async fn ticket_from_message_copies_and_links(store: Arc<DynStore>) {
    use crate::engine::{IngestStatus, Note};
    use crate::model::Attachment;
    let f = fixture(store.clone()).await;
    let mb = mailbox();
    // A mail from `from` to the support address.
    let mail = |from: &str, subject: &str, id: &str, headers: &str, text: &str| {
        let raw = eml(from, "support@shop.example", subject, id, headers, text);
        let (desk, mb) = (&f.desk, &mb);
        async move { desk.ingest(f.ws, mb, &raw).await.expect("ingest") }
    };
    let first = mail(
        "ann@example.com",
        "Order 1042",
        "split-1@example.com",
        "Cc: carl@example.com\r\n",
        "The lamp flickers, and the invoice has the wrong address.",
    )
    .await;
    let source = f
        .desk
        .assign(f.ws, first.ticket.id, Actor::Agent(f.agent), Some(f.agent))
        .await
        .expect("assign");
    let child = f
        .desk
        .ticket_from_message(f.ws, first.message, f.agent, true)
        .await
        .expect("split as child");
    assert_eq!(child.parent, Some(source.id));
    assert_eq!(
        (
            child.subject.as_str(),
            child.requester,
            child.assignee,
            child.state,
            child.status.clone()
        ),
        (
            "Order 1042",
            source.requester,
            Some(f.agent),
            State::Open,
            None
        )
    );
    assert_eq!(child.cc, ["carl@example.com"], "the message's Cc");
    // (Unread, but not by its owner, who split it off.)
    assert_eq!((child.unread_count, child.unread_by_owner), (1, false));
    let copied = store.messages(f.ws, child.id).await.expect("messages");
    let [copy] = copied.as_slice() else {
        panic!("one message on the new ticket: {copied:?}");
    };
    let original = store
        .message(f.ws, first.message)
        .await
        .expect("message")
        .expect("stored");
    assert_eq!(
        (
            copy.text.as_str(),
            copy.author,
            copy.direction,
            copy.visibility
        ),
        (
            original.text.as_str(),
            original.author,
            original.direction,
            original.visibility
        )
    );
    assert_eq!(
        (copy.email.message_id.clone(), copy.send_state.clone()),
        (None, None)
    );
    // (The raw mail stays with the original: the copy has no file to read
    // back from it.)
    assert!(original.raw.is_some());
    assert_eq!(copy.raw, None);
    let kinds = |events: Vec<Event>| events.into_iter().map(|e| e.kind).collect::<Vec<_>>();
    let child_events = kinds(store.events(f.ws, child.id).await.expect("events"));
    assert!(
        child_events.contains(&EventKind::SplitFrom {
            ticket: source.id,
            message: first.message
        }) && child_events.contains(&EventKind::Linked { parent: source.id }),
        "{child_events:?}"
    );
    let source_events = kinds(store.events(f.ws, source.id).await.expect("events"));
    assert!(
        source_events.contains(&EventKind::SplitOff {
            message: first.message,
            ticket: child.id
        }) && source_events.contains(&EventKind::ChildLinked { child: child.id }),
        "{source_events:?}"
    );
    assert_eq!(
        store.children(f.ws, source.id).await.expect("children"),
        vec![child.id]
    );
    // Ann's next mail on the thread lands on her first ticket.
    let reply = mail(
        "ann@example.com",
        "Re: Order 1042",
        "split-2@example.com",
        "In-Reply-To: <split-1@example.com>\r\n",
        "Any news?",
    )
    .await;
    assert_eq!(
        (reply.status, reply.ticket.id),
        (IngestStatus::Appended, source.id)
    );

    // Carl's mail on the thread, split off without a link: his ticket,
    // related to the first.
    let carls = mail(
        "carl@example.com",
        "Re: Order 1042",
        "split-3@example.com",
        "In-Reply-To: <split-1@example.com>\r\nCc: Support <SUPPORT@shop.example>, Ann <ann@example.com>, carl@example.com\r\n",
        "I paid for it; the invoice should name my company.",
    )
    .await;
    assert_eq!(carls.ticket.id, source.id);
    let related = f
        .desk
        .ticket_from_message(f.ws, carls.message, f.agent, false)
        .await
        .expect("split related");
    let carl = store
        .contact_by_email(f.ws, "carl@example.com")
        .await
        .expect("contact")
        .expect("carl is a contact");
    assert_eq!((related.requester, related.parent), (carl.id, None));
    // (Of its Cc: not our address, not Carl's own.)
    assert_eq!(related.cc, ["ann@example.com"]);
    assert_eq!(related.reply_address.as_deref(), Some("carl@example.com"));
    assert!(
        store
            .get_ticket(f.ws, related.id)
            .await
            .expect("stored")
            .related
            .contains(&source.id),
        "related, as stored"
    );

    // A note with a file, copied: still internal, the same file.
    let mut file = Attachment::new("call.txt", "text/plain", 4);
    file.blob = Some("split-key".into());
    let note = f
        .desk
        .note(
            f.ws,
            source.id,
            f.agent,
            Note::text("Courier called.").attach(file),
        )
        .await
        .expect("note");
    let from_note = f
        .desk
        .ticket_from_message(f.ws, note.id, f.agent, false)
        .await
        .expect("split a note");
    let copied = store.messages(f.ws, from_note.id).await.expect("messages");
    assert_eq!(
        copied
            .iter()
            .map(|m| (m.visibility, m.attachments.clone()))
            .collect::<Vec<_>>(),
        vec![(Visibility::Internal, note.attachments.clone())]
    );
    assert_eq!(from_note.unread_count, 0);

    // A message of a ticket merged into the first one is split off from
    // the first one, where it is shown.
    let merged = new_ticket(&f, "ann@example.com", "Order 1042 again").await;
    f.desk
        .merge(f.ws, source.id, &[merged.id], Actor::Agent(f.agent))
        .await
        .expect("merge");
    let merged_message = store.messages(f.ws, merged.id).await.expect("messages");
    let from_merged = f
        .desk
        .ticket_from_message(f.ws, merged_message[0].id, f.agent, true)
        .await
        .expect("split from a merged ticket");
    assert_eq!(
        (from_merged.parent, from_merged.subject.as_str()),
        (Some(source.id), "Order 1042")
    );

    // Refused: a child of an Archived ticket; an unknown message.
    let archived = new_ticket(&f, "dora@example.com", "Old").await;
    f.desk
        .close(f.ws, archived.id, Actor::Agent(f.agent), None)
        .await
        .expect("close");
    f.desk
        .archive(f.ws, archived.id, Actor::Agent(f.agent))
        .await
        .expect("archive");
    let dora = store.messages(f.ws, archived.id).await.expect("messages");
    let before = store
        .count_tickets(f.ws, &crate::query::Filter::All, f.agent)
        .await
        .ok();
    let err = f
        .desk
        .ticket_from_message(f.ws, dora[0].id, f.agent, true)
        .await
        .expect_err("an archived ticket takes no child");
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    let err = f
        .desk
        .ticket_from_message(f.ws, crate::model::MessageId::new(), f.agent, true)
        .await
        .expect_err("unknown message");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(
        store
            .count_tickets(f.ws, &crate::query::Filter::All, f.agent)
            .await
            .ok(),
        before,
        "nothing written"
    );
    // (Without a link, an archived ticket's message can still be copied.)
    let again = f
        .desk
        .ticket_from_message(f.ws, dora[0].id, f.agent, false)
        .await
        .expect("split from an archived ticket");
    assert!(again.related.contains(&archived.id));
}

/// A ticket moved to another requester (`TicketUpdate::requester`): stored
/// and found by the new requester, with a `RequesterChanged` event; a
/// contact that does not exist in the workspace is not found, and the
/// ticket stays as it was.
pub async fn requester_can_be_changed(store: Arc<DynStore>) {
    use crate::query::{Filter, Query};
    let f = fixture(store.clone()).await;
    let t = new_ticket(&f, "ann@example.com", "Invoice").await;
    let bob = f
        .desk
        .put_contact(f.ws, Contact::with_email(f.ws, "bob@example.com", None))
        .await
        .expect("put contact");
    let move_to = |contact| {
        f.desk.update(
            f.ws,
            t.id,
            Actor::Agent(f.agent),
            TicketUpdate::default().requester(contact),
        )
    };
    let moved = move_to(bob.id).await.expect("move to bob");
    assert_eq!(moved.requester, bob.id);
    let stored = store.get_ticket(f.ws, t.id).await.expect("stored");
    assert_eq!(stored.requester, bob.id);
    let events = event_kinds(&store, f.ws, t.id).await;
    assert!(
        events.contains(&EventKind::RequesterChanged {
            from: t.requester,
            to: bob.id
        }),
        "{events:?}"
    );
    if let Ok(page) = store
        .query_tickets(
            f.ws,
            &Query::new(f.agent).filter(Filter::Requester(vec![bob.id])),
        )
        .await
    {
        assert_eq!(
            page.tickets.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![t.id],
            "found by the new requester"
        );
    }

    // Another workspace's contact is no contact here.
    let other = Contact::with_email(WorkspaceId::new(), "carl@example.com", None);
    let other = f
        .desk
        .put_contact(other.workspace, other)
        .await
        .expect("put contact elsewhere");
    let err = move_to(other.id).await.expect_err("unknown contact");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(
        store.get_ticket(f.ws, t.id).await.expect("stored").version,
        stored.version,
        "nothing written"
    );
}

/// With a merge notice set, a merge tells each requester of the merged
/// tickets where their request goes on: one automatic mail per requester
/// (naming all of their merged tickets), on the target ticket, through the
/// outbox in the merge's own commit, in the thread of their merged ticket;
/// a requester whose address is suppressed after a bounce gets none.
pub async fn merge_notice_tells_each_requester(store: Arc<DynStore>) {
    use crate::engine::MergeNotice;
    use crate::merge::MergePolicy;
    let email = Arc::new(RecordingTransport::new());
    let desk = Helpdesk::builder(store.clone())
        .clock(Arc::new(ManualClock::new(t0())))
        .transport("email", email.clone())
        .config(
            EngineConfig::default()
                .default_from("support@shop.example")
                .merge_policy(MergePolicy::AnyRequester)
                .merge_notice(MergeNotice::new(
                    "Now ticket {{ ticket_number }}",
                    "{{ merged_numbers }} ({{ merged_subject }}) -> {{ ticket_number }} ({{ subject }}) for {{ requester_email }}",
                )),
        )
        .build();
    let ws = WorkspaceId::new();
    let actor = Actor::Agent(AgentId::new());
    let open = |email: &'static str, subject: &'static str| {
        desk.create_ticket(ws, NewTicket::from_customer(email, subject, "Hello."))
    };
    let target = open("ann@example.com", "Lamp").await.expect("target");
    let bob_1 = open("bob@example.com", "Lamp too").await.expect("bob 1");
    let bob_2 = open("bob@example.com", "Lamp again").await.expect("bob 2");
    // (Ann's second ticket came by mail: the notice goes in its thread.)
    let ann = desk
        .ingest(
            ws,
            &crate::engine::Mailbox::new("support@shop.example"),
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Lamp, once more",
                "lamp-4@example.com",
                "",
                "Hello.",
            ),
        )
        .await
        .expect("ann by mail")
        .ticket;
    let merged = desk
        .merge(ws, target.id, &[bob_1.id, bob_2.id, ann.id], actor)
        .await
        .expect("merge");
    let notices: Vec<Message> = store
        .messages(ws, merged.id)
        .await
        .expect("messages")
        .into_iter()
        .filter(|m| m.author == Actor::System)
        .collect();
    let texts: BTreeSet<(String, Vec<String>, String)> = notices
        .iter()
        .map(|m| (m.subject.clone(), m.to.clone(), m.text.clone()))
        .collect();
    let n = |t: &Ticket| t.number.0;
    assert_eq!(
        texts,
        BTreeSet::from([
            (
                format!("Now ticket {}", n(&target)),
                vec!["bob@example.com".to_string()],
                format!(
                    "{}, {} (Lamp too) -> {} (Lamp) for bob@example.com",
                    n(&bob_1),
                    n(&bob_2),
                    n(&target)
                ),
            ),
            (
                format!("Now ticket {}", n(&target)),
                vec!["ann@example.com".to_string()],
                format!(
                    "{} (Lamp, once more) -> {} (Lamp) for ann@example.com",
                    n(&ann),
                    n(&target)
                ),
            ),
        ])
    );
    let to_ann = notices
        .iter()
        .find(|m| m.to == ["ann@example.com"])
        .expect("ann's notice");
    assert_eq!(
        (
            to_ann.email.in_reply_to.clone(),
            to_ann.email.references.clone()
        ),
        (
            vec!["lamp-4@example.com".to_string()],
            vec!["lamp-4@example.com".to_string()]
        )
    );
    let outbox = store.outbox(ws, merged.id).await.expect("outbox");
    for m in &notices {
        assert!(m.email.message_id.is_some());
        assert!(
            outbox.iter().any(|o| o.message == m.id),
            "the notice to {:?} is in the outbox",
            m.to
        );
    }
    let report = desk.dispatch_outbox().await.expect("dispatch");
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(email.sent().len(), 2);

    // Bob's address bounced: his next merge tells only Ann.
    let ann_2 = open("ann@example.com", "Lamp, fourth")
        .await
        .expect("ann 2");
    let bob_3 = open("bob@example.com", "Lamp, fifth").await.expect("bob 3");
    let mut commit = Commit::default();
    commit
        .suppressions
        .push(("bob@example.com".to_string(), t0() + Duration::days(7)));
    store.commit(ws, commit).await.expect("suppress bob");
    desk.merge(ws, target.id, &[ann_2.id, bob_3.id], actor)
        .await
        .expect("merge again");
    let to: Vec<Vec<String>> = store
        .messages(ws, target.id)
        .await
        .expect("messages")
        .into_iter()
        .filter(|m| m.author == Actor::System)
        .map(|m| m.to)
        .collect();
    assert_eq!(
        to.iter()
            .filter(|to| to.as_slice() == ["bob@example.com"])
            .count(),
        1,
        "{to:?}"
    );
    assert_eq!(to.len(), 3, "{to:?}");
}

/// Contact `id` as `store` holds it; a test failure when it holds none.
async fn stored_contact(
    store: &Arc<DynStore>,
    ws: WorkspaceId,
    id: crate::model::ContactId,
) -> Contact {
    store
        .contact(ws, id)
        .await
        .expect("contact")
        .expect("the contact")
}

/// `Contact::version`: a created contact is stored at version 1 and each
/// commit that updates it moves it on once (also one writing it twice,
/// whose last write lands); an update from an older version is a
/// `Conflict` that writes nothing of its commit; `put_contact` returns the
/// contact as stored and refuses a stale copy.
pub async fn contact_updates_are_compare_and_set(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let current = |id| stored_contact(&store, f.ws, id);
    let update = |writes: Vec<ContactWrite>| {
        store.commit(
            f.ws,
            Commit {
                contacts: writes,
                ..Commit::default()
            },
        )
    };
    let ann = f
        .desk
        .put_contact(f.ws, Contact::with_email(f.ws, "ann@example.com", None))
        .await
        .expect("put ann");
    assert_eq!(ann.version, 1);
    assert_eq!(current(ann.id).await, ann);

    let mut named = ann.clone();
    named.name = Some("Ann".into());
    update(vec![ContactWrite::Update(named.clone())])
        .await
        .expect("update from version 1");
    let stored = current(ann.id).await;
    assert_eq!((stored.name.as_deref(), stored.version), (Some("Ann"), 2));

    // From the first copy again: refused, with the rest of its commit.
    let mut stale = ann.clone();
    stale.phones.push("+48 600 000 000".into());
    let bob = Contact::with_email(f.ws, "bob@example.com", None);
    let err = update(vec![
        ContactWrite::Create(bob.clone()),
        ContactWrite::Update(stale.clone()),
    ])
    .await
    .expect_err("a stale update");
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(current(ann.id).await, stored, "nothing written");
    assert_eq!(store.contact(f.ws, bob.id).await.expect("contact"), None);
    let err = f
        .desk
        .put_contact(f.ws, stale)
        .await
        .expect_err("a stale put_contact");
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(current(ann.id).await, stored, "nothing written");
    // A version from nowhere: a Conflict too, not a panic.
    let mut absurd = stored.clone();
    absurd.version = u64::MAX;
    let err = f
        .desk
        .put_contact(f.ws, absurd)
        .await
        .expect_err("a version never stored");
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");

    // Written twice in one commit, both from version 2: one version on.
    let (mut first, mut second) = (stored.clone(), stored.clone());
    first.phones.push("+48 600 000 001".into());
    second.phones.push("+48 600 000 002".into());
    update(vec![
        ContactWrite::Update(first),
        ContactWrite::Update(second.clone()),
    ])
    .await
    .expect("two writes in one commit");
    let twice = current(ann.id).await;
    assert_eq!((twice.phones.clone(), twice.version), (second.phones, 3));

    let mut blocked = twice.clone();
    blocked.blocked = true;
    let put = f.desk.put_contact(f.ws, blocked).await.expect("put");
    assert_eq!(put.version, 4);
    assert_eq!(current(ann.id).await, put);

    // Two writers of one version at once: one lands, the other conflicts.
    let writes = (0..2).map(|i| {
        let mut c = put.clone();
        c.name = Some(format!("Writer {i}"));
        update(vec![ContactWrite::Update(c)])
    });
    let results = futures::future::join_all(writes).await;
    let landed = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(landed, 1, "{results:?}");
    assert!(
        results.iter().any(|r| matches!(r, Err(Error::Conflict(_)))),
        "{results:?}"
    );
    assert_eq!(current(ann.id).await.version, 5);
}

/// An address moves from one contact to another in one commit, whatever
/// the order of the two writes; two contacts claiming one address in one
/// commit is a `Conflict` and writes neither.
pub async fn contact_emails_move_between_contacts_in_one_commit(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let mut ann = Contact::with_email(f.ws, "ann@example.com", None);
    ann.emails.push("ann.k@mail.example".into());
    let ann = f.desk.put_contact(f.ws, ann).await.expect("put ann");
    let bob = f
        .desk
        .put_contact(f.ws, Contact::with_email(f.ws, "bob@example.com", None))
        .await
        .expect("put bob");
    let current = |id| stored_contact(&store, f.ws, id);
    let owner = |email: &'static str| {
        let store = store.clone();
        async move {
            store
                .contact_by_email(f.ws, email)
                .await
                .expect("contact by email")
                .map(|c| c.id)
        }
    };
    // The address goes to bob; bob is written first.
    let mut bob_with = bob.clone();
    bob_with.emails.push("ann.k@mail.example".into());
    let mut ann_without = ann.clone();
    ann_without.emails.retain(|e| e == "ann@example.com");
    // (The two contacts written in one commit, in this order.)
    let write = |first: &Contact, second: &Contact| {
        store.commit(
            f.ws,
            Commit {
                contacts: vec![
                    ContactWrite::Update(first.clone()),
                    ContactWrite::Update(second.clone()),
                ],
                ..Commit::default()
            },
        )
    };
    write(&bob_with, &ann_without)
        .await
        .expect("move the address");
    assert_eq!(owner("ann.k@mail.example").await, Some(bob.id));
    assert_eq!(owner("ann@example.com").await, Some(ann.id));
    assert_eq!(owner("bob@example.com").await, Some(bob.id));
    let stored_ann = current(ann.id).await;
    assert_eq!(stored_ann.emails, ann_without.emails);
    assert_eq!(stored_ann.version, ann.version + 1);

    // And back, the giver written first.
    let (mut bob_back, mut ann_back) = (bob.clone(), ann.clone());
    (bob_back.version, ann_back.version) = (bob.version + 1, ann.version + 1);
    write(&bob_back, &ann_back).await.expect("move it back");
    assert_eq!(owner("ann.k@mail.example").await, Some(ann.id));
    assert_eq!(owner("bob@example.com").await, Some(bob.id));

    // Both claim a new address: neither write lands.
    let (ann, bob) = (current(ann.id).await, current(bob.id).await);
    let (mut ann_new, mut bob_new) = (ann.clone(), bob.clone());
    ann_new.emails.push("shared@example.com".into());
    bob_new.emails.push("shared@example.com".into());
    ann_new.name = Some("Ann".into());
    let err = write(&ann_new, &bob_new)
        .await
        .expect_err("one address, two contacts");
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(owner("shared@example.com").await, None);
    assert_eq!(
        store.contact(f.ws, ann.id).await.expect("contact"),
        Some(ann),
        "nothing written"
    );
}

/// `Helpdesk::merge_contacts`: the target takes the source's addresses;
/// the source's tickets move to it (merged ones too) with a
/// `RequesterChanged` event, but for the Archived ones, which never change;
/// the source stays with `merged_into` set; mail from a moved address lands
/// on the target; a second merge of the source, a merge into itself and an
/// unknown contact are refused and write nothing.
pub async fn merge_contacts_moves_addresses_and_tickets(store: Arc<DynStore>) {
    use crate::lifecycle::Transition;
    let f = fixture(store.clone()).await;
    let customer = named_contact(&f, "ann@example.com", "Ann").await;
    let first = new_ticket(&f, "ann.k@mail.example", "Order 1042").await;
    let sender = first.requester;
    let mut named = store
        .contact(f.ws, sender)
        .await
        .expect("contact")
        .expect("the sender's contact");
    named.name = Some("Ann K.".into());
    f.desk.put_contact(f.ws, named).await.expect("name it");
    let merged = new_ticket(&f, "ann.k@mail.example", "Order 1042 again").await;
    f.desk
        .merge(f.ws, first.id, &[merged.id], Actor::Agent(f.agent))
        .await
        .expect("merge tickets");
    let archived = new_ticket(&f, "ann.k@mail.example", "Old order").await;
    let actor = Actor::Agent(f.agent);
    f.desk
        .transition(
            f.ws,
            archived.id,
            actor,
            Transition::Close { reopen_at: None },
        )
        .await
        .expect("close");
    let archived = f
        .desk
        .archive(f.ws, archived.id, actor)
        .await
        .expect("archive");
    let other = new_ticket(&f, "bob@example.com", "Bob's").await;

    let merge = match f
        .desk
        .merge_contacts(f.ws, sender, customer.id, f.agent)
        .await
    {
        Err(Error::Unsupported { .. }) => return, // (a store without queries)
        result => result.expect("merge contacts"),
    };
    assert_eq!(merge.moved, [first.id, merged.id]);
    assert_eq!(merge.kept, [archived.id]);
    assert_eq!(
        merge.contact.emails,
        ["ann@example.com", "ann.k@mail.example"]
    );
    assert_eq!(
        store.contact(f.ws, customer.id).await.expect("contact"),
        Some(merge.contact.clone())
    );
    let source = store
        .contact(f.ws, sender)
        .await
        .expect("contact")
        .expect("the source stays");
    assert!(source.emails.is_empty(), "{source:?}");
    assert_eq!(source.merged_into, Some(customer.id));
    assert_eq!(source, merge.source);
    let found = store
        .contact_by_email(f.ws, "ann.k@mail.example")
        .await
        .expect("contact by email")
        .map(|c| c.id);
    assert_eq!(found, Some(customer.id));
    for id in [first.id, merged.id] {
        let ticket = store.get_ticket(f.ws, id).await.expect("ticket");
        assert_eq!(ticket.requester, customer.id);
        let events = event_kinds(&store, f.ws, id).await;
        assert!(
            events.contains(&EventKind::RequesterChanged {
                from: sender,
                to: customer.id
            }),
            "{events:?}"
        );
    }
    let stored = |id| store.get_ticket(f.ws, id);
    assert_eq!(stored(archived.id).await.expect("ticket"), archived);
    assert_eq!(stored(other.id).await.expect("ticket"), other);
    let next = new_ticket(&f, "Ann.K@mail.example", "Another order").await;
    assert_eq!(next.requester, customer.id, "mail from the moved address");

    // Refused, and nothing written.
    let before = store.contact(f.ws, customer.id).await.expect("contact");
    for (source, target) in [(sender, customer.id), (customer.id, customer.id)] {
        let err = f
            .desk
            .merge_contacts(f.ws, source, target, f.agent)
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    }
    let err = f
        .desk
        .merge_contacts(f.ws, crate::model::ContactId::new(), customer.id, f.agent)
        .await
        .expect_err("unknown contact");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(
        store.contact(f.ws, customer.id).await.expect("contact"),
        before
    );
    assert_eq!(
        stored(next.id).await.expect("ticket").requester,
        customer.id
    );

    // The journey: the customer's tickets and the merged contact's, the
    // Archived one too, newest first.
    assert_eq!(merge.contact.merged_from, [sender]);
    let journey = f
        .desk
        .customer_tickets(f.ws, customer.id, f.agent)
        .await
        .expect("journey");
    assert_eq!(
        journey.iter().map(|t| t.id).collect::<Vec<_>>(),
        [next.id, archived.id, merged.id, first.id]
    );
    let err = f
        .desk
        .customer_tickets(f.ws, crate::model::ContactId::new(), f.agent)
        .await
        .expect_err("no such contact");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    // Erasing the customer erases the contact merged into it too.
    f.desk
        .anonymise(f.ws, next.id, Actor::Agent(f.agent))
        .await
        .expect("anonymise");
    let shell = store
        .contact(f.ws, sender)
        .await
        .expect("contact")
        .expect("the source stays");
    assert_eq!(shell.name, None, "{shell:?}");
    assert_eq!(
        store
            .contact(f.ws, customer.id)
            .await
            .expect("contact")
            .and_then(|c| c.name),
        None
    );
}

/// `Helpdesk::forward`: a forward of the conversation (with or without
/// internal notes) or of one message is a `ThirdParty` message with a
/// `Forwarded` event, sent through the outbox to its recipients only, with
/// no plus address to answer to and no answer to the customer; mail that
/// answers it (by its Message-ID) or bounces it lands on the ticket as
/// `ThirdParty` and owes the customer nothing, while the customer's own
/// answer stays public; refused forwards write nothing.
pub async fn forward_goes_to_third_parties_and_their_answers_stay_internal(store: Arc<DynStore>) {
    use crate::engine::{Forward, IngestStatus, Mailbox};
    let f = fixture(store.clone()).await;
    let mb = Mailbox::new("support@shop.example");
    let first = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Parcel 7731 lost",
                "q1@example.com",
                "",
                "Where is my parcel?",
            ),
        )
        .await
        .expect("ingest");
    let t = first.ticket.id;
    f.desk
        .add_note(f.ws, t, f.agent, "Courier lost two parcels this week")
        .await
        .expect("note");
    let before = store.get_ticket(f.ws, t).await.expect("ticket");

    // Refused: nothing written.
    let refused = [
        Forward::conversation(),
        Forward::conversation().to("not an address"),
        Forward::conversation().to("claims@courier.example").cc("x"),
        Forward::message(crate::model::MessageId::new()).to("claims@courier.example"),
    ];
    for forward in refused {
        let err = f
            .desk
            .forward(f.ws, t, f.agent, forward)
            .await
            .expect_err("refused");
        assert!(
            matches!(err, Error::Validation { .. } | Error::NotFound { .. }),
            "{err:?}"
        );
    }
    let note = store
        .messages(f.ws, t)
        .await
        .expect("messages")
        .into_iter()
        .find(|m| m.visibility == Visibility::Internal)
        .expect("the note");
    let err = f
        .desk
        .forward(
            f.ws,
            t,
            f.agent,
            Forward::message(note.id).to("claims@courier.example"),
        )
        .await
        .expect_err("a note needs internal notes");
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert_eq!(store.get_ticket(f.ws, t).await.expect("ticket"), before);

    let forward = f
        .desk
        .forward(
            f.ws,
            t,
            f.agent,
            Forward::conversation()
                .to("Claims@Courier.example")
                .text("Could you trace it?"),
        )
        .await
        .expect("forward");
    assert_eq!(forward.visibility, Visibility::ThirdParty);
    assert_eq!(forward.to, ["claims@courier.example"]);
    assert!(forward.text.starts_with("Could you trace it?"));
    assert!(forward.text.contains("Where is my parcel?"));
    assert!(!forward.text.contains("Courier lost"), "no internal notes");
    let ticket = store.get_ticket(f.ws, t).await.expect("ticket");
    assert_eq!(
        ticket.times.first_response, None,
        "no answer to the customer"
    );
    let events = event_kinds(&store, f.ws, t).await;
    assert!(
        events.contains(&EventKind::Forwarded {
            message: forward.id,
            to: vec!["claims@courier.example".into()]
        }),
        "{events:?}"
    );
    let with_notes = f
        .desk
        .forward(
            f.ws,
            t,
            f.agent,
            Forward::conversation()
                .to("claims@courier.example")
                .with_internal_notes(),
        )
        .await
        .expect("forward with notes");
    assert!(with_notes.text.contains("Courier lost two parcels"));

    let report = f.desk.dispatch_outbox().await.expect("dispatch");
    assert_eq!(report.sent, 2);
    let sent = f.email.sent();
    let out = sent
        .iter()
        .find(|m| m.message == forward.id)
        .expect("the forward went out");
    assert_eq!(out.to, ["claims@courier.example"]);
    assert_eq!(out.reply_to, None, "answers thread by the Message-ID");
    assert_eq!(out.subject, "Fwd: Parcel 7731 lost");
    assert!(!out.automatic);

    // The courier answers the forward: on the ticket, not the customer's.
    f.clock.advance(Duration::minutes(30));
    let forward_id = forward.email.message_id.clone().expect("a Message-ID");
    let answer = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "claims@courier.example",
                "support@shop.example",
                "Re: Fwd: Parcel 7731 lost",
                "c1@courier.example",
                &format!("In-Reply-To: <{forward_id}>\r\nReferences: <{forward_id}>\r\n"),
                "Found it in our depot.",
            ),
        )
        .await
        .expect("ingest the answer");
    assert_eq!(
        (answer.status, answer.ticket.id),
        (IngestStatus::Appended, t)
    );
    let stored = store
        .message(f.ws, answer.message)
        .await
        .expect("message")
        .expect("stored");
    assert_eq!(stored.visibility, Visibility::ThirdParty);
    assert_eq!(
        answer.ticket.times.last_inbound, ticket.times.last_inbound,
        "no response owed to the customer"
    );
    // Agnes answers the courier: to them, in their thread, ThirdParty; and
    // their next mail, answering hers, is ThirdParty too.
    let err = f
        .desk
        .reply_to_third_party(f.ws, t, f.agent, first.message, Reply::text("x"))
        .await
        .expect_err("the customer's mail is not a third party's");
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    let to_courier = f
        .desk
        .reply_to_third_party(
            f.ws,
            t,
            f.agent,
            answer.message,
            Reply::text("Thank you: please send it on today."),
        )
        .await
        .expect("answer the courier");
    assert_eq!(to_courier.visibility, Visibility::ThirdParty);
    assert_eq!(to_courier.to, ["claims@courier.example"]);
    assert_eq!(to_courier.email.in_reply_to, ["c1@courier.example"]);
    assert_eq!(to_courier.subject, "Re: Fwd: Parcel 7731 lost");
    f.desk.dispatch_outbox().await.expect("dispatch");
    assert!(
        f.email
            .sent()
            .iter()
            .any(|m| m.message == to_courier.id && m.to == ["claims@courier.example"]),
        "sent to the courier"
    );
    let to_courier_id = to_courier.email.message_id.clone().expect("a Message-ID");
    let again = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "claims@courier.example",
                "support@shop.example",
                "Re: Fwd: Parcel 7731 lost",
                "c2@courier.example",
                &format!("In-Reply-To: <{to_courier_id}>\r\n"),
                "Sent on.",
            ),
        )
        .await
        .expect("ingest");
    let stored = store
        .message(f.ws, again.message)
        .await
        .expect("message")
        .expect("stored");
    assert_eq!(
        (again.ticket.id, stored.visibility),
        (t, Visibility::ThirdParty)
    );

    // The courier's address bounces the forward: the bounce (which quotes
    // the forward) is not the customer's either, and the forward failed.
    let dsn = format!(
        "From: MAILER-DAEMON@mx.courier.example\r\nTo: support@shop.example\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-fwd@mx.courier.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.courier.example\r\n\r\nFinal-Recipient: rfc822; claims@courier.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{forward_id}>\r\nSubject: Fwd: Parcel 7731 lost\r\n\r\n--B--\r\n"
    );
    let bounce = f
        .desk
        .ingest(f.ws, &mb, dsn.as_bytes())
        .await
        .expect("ingest the bounce");
    assert_eq!(bounce.bounced_message, Some(forward.id));
    let stored = store
        .message(f.ws, bounce.message)
        .await
        .expect("message")
        .expect("stored");
    assert_eq!(stored.visibility, Visibility::ThirdParty);
    // The customer's own answer stays theirs.
    let customer = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Re: Parcel 7731 lost",
                "q2@example.com",
                "In-Reply-To: <q1@example.com>\r\n",
                "Any news?",
            ),
        )
        .await
        .expect("ingest");
    let stored = store
        .message(f.ws, customer.message)
        .await
        .expect("message")
        .expect("stored");
    assert_eq!(stored.visibility, Visibility::Public);
}

/// The public link (`Helpdesk::public_ticket`, `reply_via_link`,
/// `public_attachment`): the autoresponse's `{ticket_token}` link opens the
/// ticket; it shows the customer's mail and the replies sent to them, not
/// notes, forwards, auto-replies or a reply still waiting to go; a ticket
/// merged into it shows there when it is the same customer's, another
/// customer's merged ticket does not; a bad token, a token of another
/// workspace or the token of one of our Message-IDs opens nothing; the
/// customer's answer through the link lands on the ticket (reopening it)
/// on the `Web` channel; once the ticket has another requester, the first
/// one's link opens nothing.
pub async fn public_link_shows_the_customers_conversation(store: Arc<DynStore>) {
    use crate::engine::{Forward, Mailbox};
    use crate::lifecycle::Transition;
    use crate::merge::MergePolicy;
    use crate::model::Channel;
    let f = fixture(store.clone()).await;
    let mb = Mailbox::new("support@shop.example")
        .autoresponder(crate::mail::AutoresponderConfig::default())
        .public_url("https://shop.example/help/{ticket_token}");
    let first = f
        .desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Lamp",
                "p1@example.com",
                "",
                "It flickers.",
            ),
        )
        .await
        .expect("ingest");
    let t = first.ticket.id;
    let autoresponse = match first.autoreply {
        crate::engine::AutoreplyOutcome::Sent(id) => store
            .message(f.ws, id)
            .await
            .expect("message")
            .expect("the autoresponse"),
        other => panic!("no autoresponse: {other:?}"),
    };
    let token = f.desk.public_token(f.ws, &first.ticket);
    assert!(
        autoresponse
            .text
            .contains(&format!("https://shop.example/help/{token}")),
        "{}",
        autoresponse.text
    );

    let actor = Actor::Agent(f.agent);
    let mut with_html = Reply::text("A new bulb is on its way.");
    with_html.html = Some("<p>A new bulb<script>steal()</script> is on its way.</p>".into());
    let reply = f
        .desk
        .reply(f.ws, t, f.agent, with_html)
        .await
        .expect("reply");
    f.desk
        .add_note(f.ws, t, f.agent, "Third lamp this month")
        .await
        .expect("note");
    f.desk
        .forward(
            f.ws,
            t,
            f.agent,
            Forward::conversation().to("claims@courier.example"),
        )
        .await
        .expect("forward");
    let later = f.clock.now() + Duration::hours(2);
    f.desk
        .reply(f.ws, t, f.agent, Reply::text("Not yet sent").send_at(later))
        .await
        .expect("delayed reply");
    f.desk.dispatch_outbox().await.expect("dispatch");
    // An out-of-office of the customer's: not shown.
    f.desk
        .ingest(
            f.ws,
            &mb,
            &eml(
                "ann@example.com",
                "support@shop.example",
                "Out of office",
                "p2@example.com",
                &format!(
                    "Auto-Submitted: auto-replied\r\nIn-Reply-To: <{}>\r\n",
                    reply.email.message_id.clone().unwrap_or_default()
                ),
                "I am away.",
            ),
        )
        .await
        .expect("ingest the auto-reply");
    // Ann's second ticket, merged in; Bob's, merged in by another desk
    // that allows any requester.
    let second = new_ticket(&f, "ann@example.com", "Lamp again").await;
    let bobs = new_ticket(&f, "bob@example.com", "Bob's lamp").await;
    f.desk
        .merge(f.ws, t, &[second.id], actor)
        .await
        .expect("merge ann's");
    let any = Helpdesk::builder(store.clone())
        .clock(f.clock.clone())
        .config(EngineConfig::default().merge_policy(MergePolicy::AnyRequester))
        .build();
    any.merge(f.ws, t, &[bobs.id], actor)
        .await
        .expect("merge bob's");

    let public = f.desk.public_ticket(f.ws, &token).await.expect("public");
    assert_eq!((public.id, public.subject.as_str()), (t, "Lamp"));
    let texts: Vec<&str> = public.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "It flickers.",
            autoresponse.text.trim_end(),
            "A new bulb is on its way.",
            "Hello, I need help."
        ],
        "{public:?}"
    );
    assert_eq!(
        public
            .messages
            .iter()
            .map(|m| m.from_customer)
            .collect::<Vec<_>>(),
        [true, false, false, true]
    );
    let html = public.messages[2].html.as_deref().unwrap_or_default();
    assert!(
        html.contains("A new bulb") && !html.contains("script"),
        "sanitised: {html}"
    );
    // The merged ticket's own link shows where it went.
    let via_second = f
        .desk
        .public_ticket(f.ws, &f.desk.public_token(f.ws, &second))
        .await
        .expect("public");
    assert_eq!(via_second.id, t);
    assert_eq!(via_second.messages, public.messages);
    // Bob's link shows Bob's ticket alone.
    let via_bob = f
        .desk
        .public_ticket(f.ws, &f.desk.public_token(f.ws, &bobs))
        .await
        .expect("public");
    assert_eq!(via_bob.id, bobs.id);
    assert_eq!(via_bob.messages.len(), 1);

    // Tokens that open nothing.
    let message_id = reply.email.message_id.clone().expect("a Message-ID");
    let signed = message_id
        .trim_start_matches("hd.")
        .get(..crate::mail::token::TOKEN_LEN)
        .expect("a token")
        .to_string();
    let other_ws = f.desk.public_token(WorkspaceId::new(), &first.ticket);
    for bad in [signed.as_str(), other_ws.as_str(), "", "not a token"] {
        link_opens_nothing(&f, bad).await;
    }
    // A file of a message the link does not show is not served.
    let note = store
        .messages(f.ws, t)
        .await
        .expect("messages")
        .into_iter()
        .find(|m| m.visibility == Visibility::Internal)
        .expect("the note");
    let err = f
        .desk
        .public_attachment(f.ws, &token, note.id, 0)
        .await
        .expect_err("not shown");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");

    // The customer answers through the link: on the ticket, reopened.
    f.desk
        .transition(f.ws, t, actor, Transition::Close { reopen_at: None })
        .await
        .expect("close");
    let answer = f
        .desk
        .reply_via_link(f.ws, &token.to_uppercase(), "Still flickering")
        .await
        .expect("answer");
    assert_eq!(answer.ticket.id, t);
    assert!(answer.reopened);
    assert_eq!(answer.message.channel, Channel::Web);
    let public = f.desk.public_ticket(f.ws, &token).await.expect("public");
    assert_eq!(
        public.messages.last().map(|m| m.text.as_str()),
        Some("Still flickering")
    );
    assert_eq!(public.state, State::Open);

    // Moved to another customer: the first one's link opens nothing.
    let carl = named_contact(&f, "carl@example.com", "Carl").await;
    let moved = f
        .desk
        .update(f.ws, t, actor, TicketUpdate::default().requester(carl.id))
        .await
        .expect("move");
    let err = f
        .desk
        .public_ticket(f.ws, &token)
        .await
        .expect_err("an old link");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let carls = f.desk.public_token(f.ws, &moved);
    assert_eq!(
        f.desk.public_ticket(f.ws, &carls).await.expect("public").id,
        t
    );
}

/// A public-link `token` that neither shows a ticket nor takes an answer:
/// both `NotFound`, as for a ticket that does not exist.
async fn link_opens_nothing(f: &Fixture, token: &str) {
    let err = f
        .desk
        .public_ticket(f.ws, token)
        .await
        .expect_err("opens nothing");
    assert!(matches!(err, Error::NotFound { .. }), "{token}: {err:?}");
    let err = f
        .desk
        .reply_via_link(f.ws, token, "hello")
        .await
        .expect_err("answers nothing");
    assert!(matches!(err, Error::NotFound { .. }), "{token}: {err:?}");
}

/// `revoke_public_links`: the links made before open nothing (neither the
/// page nor an answer), on the ticket and on a ticket merged into it, whose
/// new links show the ticket again; the revision and its event are stored
/// with each ticket; an Archived ticket merged into it keeps its link,
/// which shows only its own conversation; revoking on an Archived ticket is
/// refused and writes nothing; a second revocation closes the second link.
pub async fn revoked_public_links_open_nothing(store: Arc<DynStore>) {
    let f = fixture(store.clone()).await;
    let actor = Actor::Agent(f.agent);
    let t = new_ticket(&f, "ann@example.com", "Lamp").await;
    let merged = new_ticket(&f, "ann@example.com", "Lamp again").await;
    let archived = new_ticket(&f, "ann@example.com", "Old lamp").await;
    f.desk
        .merge(f.ws, t.id, &[merged.id, archived.id], actor)
        .await
        .expect("merge");
    let archived = f
        .desk
        .archive(f.ws, archived.id, actor)
        .await
        .expect("archive");
    let old = f.desk.public_token(f.ws, &t);
    let old_merged = f.desk.public_token(f.ws, &merged);
    let old_archived = f.desk.public_token(f.ws, &archived);
    assert_eq!(
        f.desk
            .public_ticket(f.ws, &old_merged)
            .await
            .expect("the merged ticket's link before")
            .id,
        t.id
    );

    let revoked = f
        .desk
        .revoke_public_links(f.ws, t.id, actor)
        .await
        .expect("revoke");
    assert_eq!(revoked.link_revision, 1);
    let read = |id| {
        let store = store.clone();
        async move {
            store
                .ticket(f.ws, id)
                .await
                .expect("read")
                .expect("the ticket")
        }
    };
    let (now_t, now_merged, now_archived) = (
        read(t.id).await,
        read(merged.id).await,
        read(archived.id).await,
    );
    assert_eq!(
        (
            now_t.link_revision,
            now_merged.link_revision,
            now_archived.link_revision
        ),
        (1, 1, 0)
    );
    assert_eq!(
        now_archived.version, archived.version,
        "archived: unchanged"
    );
    for id in [t.id, merged.id] {
        assert!(
            event_kinds(&store, f.ws, id)
                .await
                .contains(&EventKind::PublicLinksRevoked { revision: 1 }),
            "{id}"
        );
    }
    for token in [&old, &old_merged] {
        link_opens_nothing(&f, token).await;
    }
    let via_archived = f
        .desk
        .public_ticket(f.ws, &old_archived)
        .await
        .expect("the archived ticket's link");
    assert_eq!(
        (via_archived.id, via_archived.messages.len()),
        (archived.id, 1)
    );
    let new = f.desk.public_token(f.ws, &now_t);
    let public = f.desk.public_ticket(f.ws, &new).await.expect("new link");
    assert_eq!((public.id, public.messages.len()), (t.id, 3));
    let via_merged = f
        .desk
        .public_ticket(f.ws, &f.desk.public_token(f.ws, &now_merged))
        .await
        .expect("the merged ticket's new link");
    assert_eq!(via_merged.id, t.id);

    let err = f
        .desk
        .revoke_public_links(f.ws, archived.id, actor)
        .await
        .expect_err("archived");
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert_eq!(read(archived.id).await, now_archived, "nothing written");

    f.desk
        .revoke_public_links(f.ws, t.id, actor)
        .await
        .expect("revoke again");
    // (The second link is revoked too.)
    link_opens_nothing(&f, &new).await;
}

/// `Helpdesk::apply_macro`: the field changes, the note, the reply (both
/// rendered) and the state land in one write of the ticket, with a
/// `MacroApplied` event and the reply in the outbox; a state the ticket is
/// in is left alone; a macro the lifecycle refuses halfway, or one naming a
/// missing agent, writes nothing at all.
pub async fn apply_macro_writes_everything_or_nothing(store: Arc<DynStore>) {
    use crate::engine::{Macro, MacroState};
    use crate::lifecycle::Transition;
    let f = fixture(store.clone()).await;
    let ann = named_contact(&f, "ann@example.com", "Ann").await;
    let t = new_ticket(&f, "ann@example.com", "Refund").await;
    assert_eq!(t.requester, ann.id);
    let waiting = Macro::new("Ask for the order number")
        .update(
            TicketUpdate::default()
                .status("Waiting for customer")
                .add_tag("refund"),
        )
        .note("Asked for the order of #{{ ticket_number }}")
        .reply("Hello {{ requester_name }},\n\nwhich order is \"{{ subject }}\" about?")
        .state(MacroState::Pending {
            reopen_after_hours: Some(72),
        });
    let out = f
        .desk
        .apply_macro(f.ws, t.id, f.agent, &waiting)
        .await
        .expect("apply");
    let stored = store.get_ticket(f.ws, t.id).await.expect("ticket");
    assert_eq!(out.ticket, stored);
    assert_eq!(stored.version, t.version + 1, "one write");
    assert_eq!(stored.state, State::Pending);
    assert_eq!(stored.reopen_at, Some(f.clock.now() + Duration::hours(72)));
    assert_eq!(stored.status.as_deref(), Some("Waiting for customer"));
    assert!(stored.tags.contains("refund"));
    let note = out.note.expect("a note");
    let reply = out.reply.expect("a reply");
    assert_eq!(note.visibility, Visibility::Internal);
    assert_eq!(note.text, format!("Asked for the order of #{}", t.number.0));
    assert_eq!(reply.text, "Hello Ann,\n\nwhich order is \"Refund\" about?");
    assert_eq!(
        store
            .outbox(f.ws, t.id)
            .await
            .expect("outbox")
            .iter()
            .map(|o| o.message)
            .collect::<Vec<_>>(),
        [reply.id]
    );
    let events = event_kinds(&store, f.ws, t.id).await;
    assert!(
        events.contains(&EventKind::MacroApplied {
            name: "Ask for the order number".into()
        }),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            EventKind::StateChanged {
                to: State::Pending,
                ..
            }
        )),
        "{events:?}"
    );

    // Already Pending: the state stays, the rest applies.
    let tag = Macro::new("Tag").update(TicketUpdate::default().add_tag("vip"));
    let again = f
        .desk
        .apply_macro(
            f.ws,
            t.id,
            f.agent,
            &tag.clone().state(MacroState::Pending {
                reopen_after_hours: None,
            }),
        )
        .await
        .expect("apply again");
    assert_eq!(again.ticket.state, State::Pending);
    assert!(again.ticket.tags.contains("vip"));

    // Refused halfway: nothing written, not the note, not the reply.
    f.desk
        .transition(
            f.ws,
            t.id,
            Actor::Agent(f.agent),
            Transition::Close { reopen_at: None },
        )
        .await
        .expect("close");
    let before = store.get_ticket(f.ws, t.id).await.expect("ticket");
    let messages = store.messages(f.ws, t.id).await.expect("messages").len();
    let refused = waiting.clone();
    let err = f
        .desk
        .apply_macro(f.ws, t.id, f.agent, &refused)
        .await
        .expect_err("Closed cannot go Pending");
    assert!(matches!(err, Error::InvalidTransition { .. }), "{err:?}");
    let unknown = Macro::new("Give to nobody")
        .update(TicketUpdate::default().assignee(Some(AgentId::new())))
        .note("x");
    let err = f
        .desk
        .apply_macro(f.ws, t.id, f.agent, &unknown)
        .await
        .expect_err("no such agent");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let bad_template = Macro::new("Broken").reply("{% if %}");
    let err = f
        .desk
        .apply_macro(f.ws, t.id, f.agent, &bad_template)
        .await
        .expect_err("a template that does not parse");
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert_eq!(store.get_ticket(f.ws, t.id).await.expect("ticket"), before);
    assert_eq!(
        store.messages(f.ws, t.id).await.expect("messages").len(),
        messages
    );
    assert_eq!(store.outbox(f.ws, t.id).await.expect("outbox").len(), 1);
}

/// Tasks: added, changed and deleted through the engine with events on the ticket,
/// read per ticket (oldest first) and per owner ("my tasks": open ones,
/// due first); a task's ticket must exist and stays its ticket; erasure
/// deletes them (anonymising redacts their titles).
pub async fn tasks_round_trip(store: Arc<DynStore>) {
    use crate::engine::{NewTask, TaskChange};
    use crate::model::Task;
    let f = fixture(store.clone()).await;
    let t = new_ticket(&f, "ann@example.com", "Parcel lost").await;
    let t2 = new_ticket(&f, "bob@example.com", "Refund").await;
    let now = f.clock.now();
    let add = |ticket, task| f.desk.add_task(f.ws, ticket, f.agent, task);
    let call = add(
        t.id,
        NewTask::titled("  Call the courier ")
            .assignee(f.agent)
            .due(now + Duration::days(2)),
    )
    .await
    .expect("add");
    assert_eq!(call.title, "Call the courier");
    f.clock.advance(Duration::minutes(1));
    let photo = add(t.id, NewTask::titled("Ask for a photo").assignee(f.agent))
        .await
        .expect("add");
    f.clock.advance(Duration::minutes(1));
    let refund = add(
        t2.id,
        NewTask::titled("Refund on Friday")
            .assignee(f.agent)
            .due(now + Duration::days(1)),
    )
    .await
    .expect("add");
    let unowned = add(t2.id, NewTask::titled("Check the stock"))
        .await
        .expect("add");

    let ids = |tasks: Vec<Task>| tasks.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.tasks(f.ws, t.id).await.expect("tasks")),
        [call.id, photo.id]
    );
    assert_eq!(
        ids(store.open_tasks(f.ws, f.agent).await.expect("open tasks")),
        [refund.id, call.id, photo.id],
        "due first, soonest first, then the others"
    );
    assert_eq!(store.tasks(f.ws, t.id).await.expect("tasks")[0], call);

    // Done, renamed, to do again: each an event; done ones leave "my tasks".
    let change = |ticket, task, change| f.desk.change_task(f.ws, ticket, task, f.agent, change);
    let done = change(t.id, call.id, TaskChange::done())
        .await
        .expect("done");
    assert_eq!(done.done_at, Some(f.clock.now()));
    assert_eq!(
        ids(store.open_tasks(f.ws, f.agent).await.expect("open tasks")),
        [refund.id, photo.id]
    );
    let same = change(t.id, call.id, TaskChange::done())
        .await
        .expect("again");
    assert_eq!(same, done, "nothing to change");
    let renamed = change(
        t.id,
        photo.id,
        TaskChange::default()
            .title("Ask for two photos")
            .assignee(None),
    )
    .await
    .expect("rename");
    assert_eq!(
        (renamed.title.as_str(), renamed.assignee),
        ("Ask for two photos", None)
    );
    change(t.id, call.id, TaskChange::reopen())
        .await
        .expect("reopen");
    let kinds = event_kinds(&store, f.ws, t.id).await;
    for expected in [
        EventKind::TaskAdded {
            task: call.id,
            title: "Call the courier".into(),
        },
        EventKind::TaskDone { task: call.id },
        EventKind::TaskChanged { task: photo.id },
        EventKind::TaskReopened { task: call.id },
    ] {
        assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
    }
    assert_eq!(
        kinds
            .iter()
            .filter(|k| matches!(k, EventKind::TaskDone { .. }))
            .count(),
        1,
        "done once"
    );

    // Deleted: gone, with an event; not twice, not from another ticket.
    f.desk
        .delete_task(f.ws, t.id, photo.id, f.agent)
        .await
        .expect("delete");
    assert_eq!(
        ids(store.tasks(f.ws, t.id).await.expect("tasks")),
        [call.id]
    );
    assert!(
        event_kinds(&store, f.ws, t.id)
            .await
            .contains(&EventKind::TaskDeleted { task: photo.id })
    );
    let err = f
        .desk
        .delete_task(f.ws, t.id, photo.id, f.agent)
        .await
        .expect_err("deleted before");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = store
        .commit(
            f.ws,
            Commit {
                deleted_tasks: vec![(t2.id, call.id)],
                ..Commit::default()
            },
        )
        .await
        .expect_err("not that ticket's task");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(
        ids(store.tasks(f.ws, t.id).await.expect("tasks")),
        [call.id]
    );

    // Refused.
    for task in [NewTask::titled("  "), NewTask::titled("x".repeat(501))] {
        let err = add(t.id, task).await.expect_err("bad title");
        assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    }
    let err = add(t.id, NewTask::titled("x").assignee(AgentId::new()))
        .await
        .expect_err("no such agent");
    assert!(
        matches!(err, Error::NotFound { .. } | Error::Validation { .. }),
        "{err:?}"
    );
    let err = change(t2.id, call.id, TaskChange::done())
        .await
        .expect_err("not that ticket's task");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let write = |task: Task| {
        store.commit(
            f.ws,
            Commit {
                tasks: vec![task],
                ..Commit::default()
            },
        )
    };
    let mut elsewhere = call.clone();
    elsewhere.ticket = t2.id;
    let err = write(elsewhere).await.expect_err("a task keeps its ticket");
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    let orphan = Task::new(f.ws, TicketId::new(), "x", Actor::System, now);
    let err = write(orphan).await.expect_err("no such ticket");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(
        ids(store.tasks(f.ws, t2.id).await.expect("tasks")),
        [refund.id, unowned.id]
    );

    // Anonymised: titles gone; deleted: tasks gone.
    f.desk
        .anonymise(f.ws, t.id, Actor::Agent(f.agent))
        .await
        .expect("anonymise");
    for task in store.tasks(f.ws, t.id).await.expect("tasks") {
        assert_eq!(task.title, crate::anonymise::PLACEHOLDER);
    }
    let kinds = store.events(f.ws, t.id).await.expect("events");
    assert!(
        !format!("{kinds:?}").contains("Call the courier"),
        "{kinds:?}"
    );
    f.desk.delete_ticket(f.ws, t2.id).await.expect("delete");
    assert!(store.tasks(f.ws, t2.id).await.expect("tasks").is_empty());
    assert_eq!(
        ids(store.open_tasks(f.ws, f.agent).await.expect("open tasks")),
        [call.id],
        "the anonymised ticket's task is still to do"
    );

    // Overdue, told once by run_due: not when done, nor before a new date.
    let t3 = new_ticket(&f, "dora@example.com", "Invoice").await;
    let now = f.clock.now();
    let soon = |title: &str| NewTask::titled(title).due(now + Duration::hours(1));
    let late = add(t3.id, soon("Send the invoice")).await.expect("add");
    let done = add(t3.id, soon("Check the address")).await.expect("add");
    let moved = add(t3.id, soon("Call Dora")).await.expect("add");
    change(t3.id, done.id, TaskChange::done())
        .await
        .expect("done");
    change(
        t3.id,
        moved.id,
        TaskChange::default().due(Some(now + Duration::hours(5))),
    )
    .await
    .expect("move the date");
    let overdue = |kinds: &[EventKind]| {
        kinds
            .iter()
            .filter_map(|k| match k {
                EventKind::TaskOverdue { task, .. } => Some(*task),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    for _ in 0..2 {
        f.desk
            .run_due(now + Duration::hours(2))
            .await
            .expect("run due");
    }
    assert_eq!(
        overdue(&event_kinds(&store, f.ws, t3.id).await),
        [late.id],
        "once, and only the task still to do at its date"
    );
    f.desk
        .run_due(now + Duration::hours(6))
        .await
        .expect("run due");
    assert_eq!(
        overdue(&event_kinds(&store, f.ws, t3.id).await),
        [late.id, moved.id]
    );
}
