//! The merge rules (`helpdesk_core::merge`) and the parent/child link rules
//! (`helpdesk_core::links`) as pure functions, then the engine-level
//! behaviour around them through `Helpdesk` over a `MemoryStore`: merging
//! along `merged_into` chains, messages to merged tickets, customer messages
//! to Archived, Pending and Closed tickets, and links between stored tickets.

use chrono::{DateTime, Duration, TimeZone, Utc};
use helpdesk_core::Error;
use helpdesk_core::engine::{EngineConfig, Helpdesk, NewTicket, Reply};
use helpdesk_core::lifecycle::{State, check_invariants};
use helpdesk_core::links::{link, unlink};
use helpdesk_core::merge::{MergePolicy, merge};
use helpdesk_core::model::{
    Actor, Agent, AgentId, Channel, ContactId, Event, EventKind, Ticket, TicketId, WorkspaceId,
};
use helpdesk_core::ports::{
    Clock, Commit, DirectoryRecord, DynStore, ManualClock, RecordingTransport, TicketWrite,
};
use helpdesk_memory::MemoryStore;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    t0() + Duration::hours(10)
}

/// An Open ticket of `ws` and `requester`, created at `t0()`.
fn open(ws: WorkspaceId, requester: ContactId) -> Ticket {
    Ticket::new(ws, "Order 42", requester, Channel::Email, t0())
}

fn with_state(mut t: Ticket, state: State) -> Ticket {
    t.state = state;
    if state.is_resolved() {
        t.times.closed = Some(t0() + Duration::hours(1));
    }
    t
}

fn no_emails() -> BTreeMap<ContactId, Vec<String>> {
    BTreeMap::new()
}

fn events_of(events: &[(TicketId, EventKind)], id: TicketId) -> Vec<EventKind> {
    events
        .iter()
        .filter(|(t, _)| *t == id)
        .map(|(_, e)| e.clone())
        .collect()
}

fn assert_validation<T: std::fmt::Debug>(result: Result<T, Error>, field: &str) {
    match result {
        Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected Validation on {field}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// merge: the happy path.
// ---------------------------------------------------------------------------

#[test]
fn sources_become_closed_with_merged_into() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let target = open(ws, ann);
    let src_open = open(ws, ann);
    let mut src_pending = with_state(open(ws, ann), State::Pending);
    src_pending.reopen_at = Some(now() + Duration::days(1));
    let out = merge(
        &target,
        &[src_open.clone(), src_pending.clone()],
        MergePolicy::default(),
        &no_emails(),
        now(),
    )
    .unwrap();
    assert_eq!(out.sources.len(), 2);
    for (before, after) in [&src_open, &src_pending].into_iter().zip(&out.sources) {
        assert_eq!(after.id, before.id);
        assert_eq!(after.state, State::Closed);
        assert_eq!(after.merged_into, Some(target.id));
        assert_eq!(after.times.closed, Some(now()), "closed now");
        assert_eq!(after.reopen_at, None, "reopen date void");
        assert_eq!(after.times.updated, now());
        check_invariants(after).unwrap();
        assert_eq!(
            events_of(&out.events, before.id),
            vec![
                EventKind::StateChanged {
                    from: before.state,
                    to: State::Closed,
                    reopen_at: None
                },
                EventKind::Merged { into: target.id },
            ]
        );
    }
    // The target keeps its state and is not merged.
    assert_eq!(out.target.state, State::Open);
    assert_eq!(out.target.merged_into, None);
    assert_eq!(out.target.times.updated, now());
    assert_eq!(
        events_of(&out.events, target.id),
        vec![
            EventKind::MergedFrom {
                source: src_open.id
            },
            EventKind::MergedFrom {
                source: src_pending.id
            },
        ]
    );
}

#[test]
fn already_closed_source_keeps_its_closed_at() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let target = open(ws, ann);
    let mut source = with_state(open(ws, ann), State::Closed);
    source.reopen_at = Some(now() + Duration::days(2));
    let closed_at = source.times.closed;
    let out = merge(
        &target,
        std::slice::from_ref(&source),
        MergePolicy::default(),
        &no_emails(),
        now(),
    )
    .unwrap();
    let after = &out.sources[0];
    assert_eq!(after.times.closed, closed_at);
    assert_ne!(after.times.closed, Some(now()));
    assert_eq!(after.reopen_at, None);
    assert_eq!(after.merged_into, Some(target.id));
    // No StateChanged for a ticket that was already Closed.
    assert_eq!(
        events_of(&out.events, source.id),
        vec![EventKind::Merged { into: target.id }]
    );
}

#[test]
fn merging_into_a_closed_or_pending_target_is_allowed_and_keeps_its_state() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    for state in [State::Pending, State::Closed] {
        let target = with_state(open(ws, ann), state);
        let out = merge(
            &target,
            &[open(ws, ann)],
            MergePolicy::default(),
            &no_emails(),
            now(),
        )
        .unwrap();
        assert_eq!(out.target.state, state);
        assert_eq!(out.target.times.closed, target.times.closed);
    }
}

#[test]
fn tags_followers_cc_and_orders_are_united() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let (a1, a2, a3) = (AgentId::new(), AgentId::new(), AgentId::new());
    let mut target = open(ws, ann);
    target.tags = ["a", "b"].map(String::from).into();
    target.followers = [a1].into();
    target.cc = vec!["x@example.com".into()];
    target.linked_orders = vec!["order-1".into()];
    target.unread_count = 1;

    let mut s1 = open(ws, ann);
    s1.tags = ["b", "c"].map(String::from).into();
    s1.followers = [a1, a2].into();
    s1.cc = vec!["X@Example.com".into(), "y@example.com".into()];
    s1.linked_orders = vec!["order-1".into(), "order-2".into()];
    s1.unread_count = 2;

    let mut s2 = open(ws, ann);
    s2.tags = ["c", "d"].map(String::from).into();
    s2.followers = [a2, a3].into();
    s2.cc = vec!["<Y@example.com>".into(), "z@example.com".into()];
    s2.linked_orders = vec!["order-2".into(), "order-3".into()];
    s2.unread_count = 3;

    let out = merge(
        &target,
        &[s1, s2],
        MergePolicy::default(),
        &no_emails(),
        now(),
    )
    .unwrap();
    let t = &out.target;
    assert_eq!(
        t.tags,
        ["a", "b", "c", "d"]
            .map(String::from)
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
    assert_eq!(t.followers, [a1, a2, a3].into());
    assert_eq!(
        t.cc,
        vec![
            "x@example.com".to_string(),
            "y@example.com".into(),
            "z@example.com".into()
        ],
        "cc united case-insensitively"
    );
    assert_eq!(
        t.linked_orders,
        vec!["order-1".to_string(), "order-2".into(), "order-3".into()]
    );
    assert_eq!(t.unread_count, 6);

    // The Tagged / FollowersChanged events list only what was new.
    let target_events = events_of(&out.events, target.id);
    let mut new_followers = vec![a2, a3];
    new_followers.sort();
    assert!(target_events.contains(&EventKind::Tagged {
        added: vec!["c".into(), "d".into()],
        removed: vec![],
    }));
    assert!(target_events.contains(&EventKind::FollowersChanged {
        added: new_followers,
        removed: vec![],
    }));
    assert_eq!(
        target_events
            .iter()
            .filter(|e| matches!(e, EventKind::Tagged { .. }))
            .count(),
        1
    );
}

#[test]
fn no_tagged_or_followers_event_when_nothing_is_new() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let a1 = AgentId::new();
    let mut target = open(ws, ann);
    target.tags = ["vip".to_string()].into();
    target.followers = [a1].into();
    let mut source = open(ws, ann);
    source.tags = ["vip".to_string()].into();
    source.followers = [a1].into();
    let out = merge(
        &target,
        &[source],
        MergePolicy::default(),
        &no_emails(),
        now(),
    )
    .unwrap();
    let target_events = events_of(&out.events, target.id);
    assert!(
        target_events.iter().all(|e| !matches!(
            e,
            EventKind::Tagged { .. } | EventKind::FollowersChanged { .. }
        )),
        "{target_events:?}"
    );
    assert_eq!(out.target.tags, target.tags);
    assert_eq!(out.target.followers, target.followers);
}

#[test]
fn events_on_both_sides() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let target = open(ws, ann);
    let sources: Vec<Ticket> = (0..3)
        .map(|_| with_state(open(ws, ann), State::Closed))
        .collect();
    let out = merge(
        &target,
        &sources,
        MergePolicy::default(),
        &no_emails(),
        now(),
    )
    .unwrap();
    for s in &sources {
        assert_eq!(
            events_of(&out.events, s.id),
            vec![EventKind::Merged { into: target.id }]
        );
    }
    let merged_from: Vec<TicketId> = events_of(&out.events, target.id)
        .into_iter()
        .filter_map(|e| match e {
            EventKind::MergedFrom { source } => Some(source),
            _ => None,
        })
        .collect();
    assert_eq!(
        merged_from,
        sources.iter().map(|s| s.id).collect::<Vec<_>>()
    );
    // Every event belongs to the target or a source.
    let ids: BTreeSet<TicketId> = sources.iter().map(|s| s.id).chain([target.id]).collect();
    assert!(out.events.iter().all(|(id, _)| ids.contains(id)));
}

// ---------------------------------------------------------------------------
// merge: refusals.
// ---------------------------------------------------------------------------

#[test]
fn refuses_empty_sources() {
    let target = open(WorkspaceId::new(), ContactId::new());
    assert_validation(
        merge(&target, &[], MergePolicy::default(), &no_emails(), now()),
        "sources",
    );
}

#[test]
fn refuses_merge_into_itself() {
    let target = open(WorkspaceId::new(), ContactId::new());
    assert_validation(
        merge(
            &target,
            std::slice::from_ref(&target),
            MergePolicy::default(),
            &no_emails(),
            now(),
        ),
        "sources",
    );
}

#[test]
fn refuses_an_archived_target() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let target = with_state(open(ws, ann), State::Archived);
    assert_validation(
        merge(
            &target,
            &[open(ws, ann)],
            MergePolicy::default(),
            &no_emails(),
            now(),
        ),
        "target",
    );
}

#[test]
fn refuses_a_target_that_is_itself_merged() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let mut target = with_state(open(ws, ann), State::Closed);
    target.merged_into = Some(TicketId::new());
    assert_validation(
        merge(
            &target,
            &[open(ws, ann)],
            MergePolicy::default(),
            &no_emails(),
            now(),
        ),
        "target",
    );
}

#[test]
fn refuses_an_archived_source() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let target = open(ws, ann);
    let source = with_state(open(ws, ann), State::Archived);
    let err = merge(
        &target,
        &[open(ws, ann), source],
        MergePolicy::default(),
        &no_emails(),
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidTransition {
                from: State::Archived,
                to: State::Closed
            }
        ),
        "{err:?}"
    );
}

#[test]
fn refuses_an_already_merged_source() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let target = open(ws, ann);
    let mut source = with_state(open(ws, ann), State::Closed);
    source.merged_into = Some(TicketId::new());
    assert_validation(
        merge(
            &target,
            &[source],
            MergePolicy::default(),
            &no_emails(),
            now(),
        ),
        "sources",
    );
}

#[test]
fn refuses_a_source_listed_twice() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let target = open(ws, ann);
    let source = open(ws, ann);
    assert_validation(
        merge(
            &target,
            &[source.clone(), open(ws, ann), source],
            MergePolicy::default(),
            &no_emails(),
            now(),
        ),
        "sources",
    );
}

#[test]
fn refuses_a_source_of_another_workspace() {
    let ann = ContactId::new();
    let target = open(WorkspaceId::new(), ann);
    let foreign = open(WorkspaceId::new(), ann);
    let err = merge(
        &target,
        std::slice::from_ref(&foreign),
        MergePolicy::AnyRequester,
        &no_emails(),
        now(),
    )
    .unwrap_err();
    match err {
        Error::NotFound { entity, id } => {
            assert_eq!(entity, "ticket");
            assert_eq!(id, foreign.id.to_string());
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// MergePolicy.
// ---------------------------------------------------------------------------

#[test]
fn default_policy_is_same_requester_email() {
    assert_eq!(MergePolicy::default(), MergePolicy::SameRequesterEmail);
}

#[test]
fn same_requester_email_accepts_contacts_sharing_an_email_case_insensitively() {
    let ws = WorkspaceId::new();
    let (ann, ann2) = (ContactId::new(), ContactId::new());
    let emails = BTreeMap::from([
        (
            ann,
            vec!["ann@work.example".to_string(), "Ann@Example.COM".into()],
        ),
        (
            ann2,
            vec!["other@x.example".into(), "ann@example.com".into()],
        ),
    ]);
    let out = merge(
        &open(ws, ann),
        &[open(ws, ann2)],
        MergePolicy::SameRequesterEmail,
        &emails,
        now(),
    )
    .unwrap();
    assert_eq!(out.sources[0].state, State::Closed);
}

#[test]
fn same_requester_email_refuses_otherwise() {
    let ws = WorkspaceId::new();
    let (ann, bob) = (ContactId::new(), ContactId::new());
    // No shared address.
    let emails = BTreeMap::from([
        (ann, vec!["ann@example.com".to_string()]),
        (bob, vec!["bob@example.com".to_string()]),
    ]);
    assert_validation(
        merge(
            &open(ws, ann),
            &[open(ws, bob)],
            MergePolicy::SameRequesterEmail,
            &emails,
            now(),
        ),
        "sources",
    );
    // Unknown emails (contacts missing from the map).
    assert_validation(
        merge(
            &open(ws, ann),
            &[open(ws, bob)],
            MergePolicy::SameRequesterEmail,
            &no_emails(),
            now(),
        ),
        "sources",
    );
    // One compatible source does not let an incompatible one through.
    assert_validation(
        merge(
            &open(ws, ann),
            &[open(ws, ann), open(ws, bob)],
            MergePolicy::SameRequesterEmail,
            &emails,
            now(),
        ),
        "sources",
    );
    // The same contact is always fine, with or without known emails.
    assert!(
        merge(
            &open(ws, ann),
            &[open(ws, ann)],
            MergePolicy::SameRequesterEmail,
            &no_emails(),
            now()
        )
        .is_ok()
    );
}

#[test]
fn same_requester_needs_the_same_contact() {
    let ws = WorkspaceId::new();
    let (ann, ann2) = (ContactId::new(), ContactId::new());
    let emails = BTreeMap::from([
        (ann, vec!["ann@example.com".to_string()]),
        (ann2, vec!["ann@example.com".to_string()]),
    ]);
    assert_validation(
        merge(
            &open(ws, ann),
            &[open(ws, ann2)],
            MergePolicy::SameRequester,
            &emails,
            now(),
        ),
        "sources",
    );
    assert!(
        merge(
            &open(ws, ann),
            &[open(ws, ann)],
            MergePolicy::SameRequester,
            &emails,
            now()
        )
        .is_ok()
    );
}

#[test]
fn any_requester_accepts_different_contacts() {
    let ws = WorkspaceId::new();
    let out = merge(
        &open(ws, ContactId::new()),
        &[open(ws, ContactId::new()), open(ws, ContactId::new())],
        MergePolicy::AnyRequester,
        &no_emails(),
        now(),
    )
    .unwrap();
    assert!(out.sources.iter().all(|s| s.state == State::Closed));
}

// ---------------------------------------------------------------------------
// links.
// ---------------------------------------------------------------------------

#[test]
fn link_sets_the_parent_with_events_on_both_sides() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let (child, parent) = (open(ws, ann), open(ws, ann));
    let out = link(&child, &parent, &[], now()).unwrap();
    assert_eq!(out.child.parent, Some(parent.id));
    assert_eq!(out.child.times.updated, now());
    assert_eq!(
        out.events,
        vec![
            (child.id, EventKind::Linked { parent: parent.id }),
            (parent.id, EventKind::ChildLinked { child: child.id }),
        ]
    );
    // Only the parent field and `updated` change.
    let mut expected = child.clone();
    expected.parent = Some(parent.id);
    expected.times.updated = now();
    assert_eq!(out.child, expected);
    // Closed and Pending tickets can be linked.
    let closed = with_state(open(ws, ann), State::Closed);
    let pending = with_state(open(ws, ann), State::Pending);
    assert!(link(&closed, &pending, &[], now()).is_ok());
}

#[test]
fn self_link_is_refused() {
    let t = open(WorkspaceId::new(), ContactId::new());
    assert_validation(link(&t, &t, &[], now()), "parent");
}

#[test]
fn cycle_is_refused() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let (a, b, c) = (open(ws, ann), open(ws, ann), open(ws, ann));
    // c's ancestors are [b, a]; linking a under c would close a -> ... -> a.
    let mut c_linked = c.clone();
    c_linked.parent = Some(b.id);
    assert_validation(link(&a, &c_linked, &[b.id, a.id], now()), "parent");
    // The direct parent as the new child too.
    assert_validation(link(&b, &c_linked, &[b.id], now()), "parent");
    // A ticket that is not an ancestor is fine.
    let d = open(ws, ann);
    assert!(link(&d, &c_linked, &[b.id, a.id], now()).is_ok());
}

#[test]
fn another_parent_is_refused_and_the_same_parent_is_a_noop() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let (p1, p2) = (open(ws, ann), open(ws, ann));
    let mut child = open(ws, ann);
    child.parent = Some(p1.id);
    assert_validation(link(&child, &p2, &[], now()), "parent");
    let out = link(&child, &p1, &[], now()).unwrap();
    assert!(out.events.is_empty());
    assert_eq!(
        out.child, child,
        "relinking to the same parent changes nothing"
    );
}

#[test]
fn archived_tickets_are_not_linked_or_unlinked() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let archived = with_state(open(ws, ann), State::Archived);
    let t = open(ws, ann);
    assert_validation(link(&archived, &t, &[], now()), "parent");
    assert_validation(link(&t, &archived, &[], now()), "parent");
    let mut archived_child = archived.clone();
    archived_child.parent = Some(t.id);
    assert_validation(unlink(&archived_child, now()), "parent");
}

#[test]
fn unlink_without_a_parent_is_refused() {
    let t = open(WorkspaceId::new(), ContactId::new());
    assert_validation(unlink(&t, now()), "parent");
}

#[test]
fn unlink_clears_the_parent_with_events_on_both_sides() {
    let (ws, ann) = (WorkspaceId::new(), ContactId::new());
    let parent = open(ws, ann);
    let mut child = open(ws, ann);
    child.parent = Some(parent.id);
    let out = unlink(&child, now()).unwrap();
    assert_eq!(out.child.parent, None);
    assert_eq!(out.child.times.updated, now());
    assert_eq!(
        out.events,
        vec![
            (child.id, EventKind::Unlinked { parent: parent.id }),
            (parent.id, EventKind::ChildUnlinked { child: child.id }),
        ]
    );
}

// ---------------------------------------------------------------------------
// Engine level: Helpdesk over MemoryStore.
// ---------------------------------------------------------------------------

struct Fx {
    desk: Helpdesk,
    store: Arc<DynStore>,
    clock: Arc<ManualClock>,
    ws: WorkspaceId,
    agent: AgentId,
}

async fn fx() -> Fx {
    let store: Arc<DynStore> = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(t0()));
    let desk = Helpdesk::builder(store.clone())
        .clock(clock.clone())
        .transport("email", Arc::new(RecordingTransport::new()))
        .config(EngineConfig::default().default_from("support@example.com"))
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
    .unwrap();
    Fx {
        desk,
        store,
        clock,
        ws,
        agent,
    }
}

impl Fx {
    fn actor(&self) -> Actor {
        Actor::Agent(self.agent)
    }

    async fn ticket(&self, email: &str, subject: &str) -> Ticket {
        self.clock.advance(Duration::minutes(1));
        self.desk
            .create_ticket(self.ws, NewTicket::from_customer(email, subject, "Hello"))
            .await
            .unwrap()
    }

    async fn get(&self, id: TicketId) -> Ticket {
        self.store.ticket(self.ws, id).await.unwrap().unwrap()
    }

    async fn events(&self, id: TicketId) -> Vec<Event> {
        self.store.events(self.ws, id).await.unwrap()
    }

    async fn kinds(&self, id: TicketId) -> Vec<EventKind> {
        self.events(id).await.into_iter().map(|e| e.kind).collect()
    }
}

#[tokio::test]
async fn engine_merge_follows_the_targets_merged_into_chain() {
    let f = fx().await;
    let a = f.ticket("ann@example.com", "A").await;
    let b = f.ticket("ann@example.com", "B").await;
    let d = f.ticket("ann@example.com", "D").await;
    let e = f.ticket("ann@example.com", "E").await;
    // b -> a, then a -> d: the chain b -> a -> d.
    f.desk.merge(f.ws, a.id, &[b.id], f.actor()).await.unwrap();
    let end = f.desk.merge(f.ws, d.id, &[a.id], f.actor()).await.unwrap();
    assert_eq!(end.id, d.id);
    assert_eq!(f.get(b.id).await.merged_into, Some(a.id));
    assert_eq!(f.get(a.id).await.merged_into, Some(d.id));
    // Merging "into b" lands on d, the end of the chain.
    let end = f.desk.merge(f.ws, b.id, &[e.id], f.actor()).await.unwrap();
    assert_eq!(end.id, d.id);
    let e_after = f.get(e.id).await;
    assert_eq!(e_after.merged_into, Some(d.id));
    assert_eq!(e_after.state, State::Closed);
    assert!(
        f.kinds(d.id)
            .await
            .contains(&EventKind::MergedFrom { source: e.id })
    );
    // Merging the chain's end into one of its own sources is merging it into
    // itself: refused, nothing written.
    let d_before = f.get(d.id).await;
    assert_validation(
        f.desk.merge(f.ws, b.id, &[d.id], f.actor()).await,
        "sources",
    );
    assert_eq!(f.get(d.id).await, d_before);
    // A merged ticket cannot be a source again.
    let x = f.ticket("ann@example.com", "X").await;
    assert_validation(
        f.desk.merge(f.ws, x.id, &[a.id], f.actor()).await,
        "sources",
    );
}

#[tokio::test]
async fn engine_merge_into_an_archived_chain_end_is_refused() {
    let f = fx().await;
    let a = f.ticket("ann@example.com", "A").await;
    let b = f.ticket("ann@example.com", "B").await;
    let c = f.ticket("ann@example.com", "C").await;
    f.desk.merge(f.ws, a.id, &[b.id], f.actor()).await.unwrap();
    f.desk.close(f.ws, a.id, f.actor(), None).await.unwrap();
    f.desk.archive(f.ws, a.id, f.actor()).await.unwrap();
    let c_before = f.get(c.id).await;
    assert_validation(f.desk.merge(f.ws, b.id, &[c.id], f.actor()).await, "target");
    assert_eq!(f.get(c.id).await, c_before);
}

/// A ticket left with a contact that was merged into another (an ingest
/// that read the contact before `merge_contacts` committed its ticket
/// after it): a reply goes to the contact it was merged into, which holds
/// the address now, not to nobody.
#[tokio::test]
async fn a_reply_on_a_merged_contacts_ticket_goes_to_the_contact_it_went_into() {
    let f = fx().await;
    let old = f.ticket("ann.k@mail.example", "Old address").await;
    let new = f.ticket("ann@example.com", "New address").await;
    f.desk
        .merge_contacts(f.ws, old.requester, new.requester, f.agent)
        .await
        .unwrap();
    // The racing ingest's ticket, written after the merge.
    let late = Ticket::new(f.ws, "Late", old.requester, Channel::Email, f.clock.now());
    f.store
        .commit(
            f.ws,
            Commit {
                tickets: vec![TicketWrite::Create(late.clone())],
                ..Commit::default()
            },
        )
        .await
        .unwrap();
    let reply = f
        .desk
        .reply(f.ws, late.id, f.agent, Reply::text("We are on it."))
        .await
        .unwrap();
    assert_eq!(reply.to, ["ann@example.com"]);
}

/// A link to one message of a merged ticket opens the ticket it went into;
/// an unknown message is `NotFound`.
#[tokio::test]
async fn a_link_to_a_message_of_a_merged_ticket_opens_the_ticket_it_went_into() {
    let f = fx().await;
    let target = f.ticket("ann@example.com", "Lamp").await;
    let merged = f.ticket("ann@example.com", "Lamp again").await;
    let message = f
        .desk
        .conversation(f.ws, merged.id)
        .await
        .unwrap()
        .messages()
        .next()
        .unwrap()
        .id;
    assert_eq!(
        f.desk.message(f.ws, message).await.unwrap().shown_on,
        merged.id
    );
    f.desk
        .merge(f.ws, target.id, &[merged.id], f.actor())
        .await
        .unwrap();
    let linked = f.desk.message(f.ws, message).await.unwrap();
    assert_eq!(
        (linked.shown_on, linked.message.ticket),
        (target.id, merged.id)
    );
    assert!(matches!(
        f.desk
            .message(f.ws, helpdesk_core::model::MessageId::new())
            .await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn engine_merge_policy_uses_stored_contact_emails() {
    let f = fx().await;
    let ann = f.ticket("ann@example.com", "Ann").await;
    let bob = f.ticket("bob@example.com", "Bob").await;
    assert_validation(
        f.desk.merge(f.ws, ann.id, &[bob.id], f.actor()).await,
        "sources",
    );
    assert_eq!(f.get(bob.id).await.state, State::Open);

    // Two contacts of one workspace can never share an address (the store
    // keeps emails unique), so through the engine the default policy only
    // merges tickets of one contact: bob cannot take ann's address.
    let mut bob_contact = f.store.contact(f.ws, bob.requester).await.unwrap().unwrap();
    bob_contact.emails.push("ANN@example.com".into());
    assert!(matches!(
        f.desk.put_contact(f.ws, bob_contact).await,
        Err(Error::Conflict(_))
    ));
    assert_validation(
        f.desk.merge(f.ws, ann.id, &[bob.id], f.actor()).await,
        "sources",
    );
    // Two tickets of ann (addresses differing in case) merge.
    let ann2 = f.ticket("ANN@Example.com", "Ann again").await;
    assert_eq!(ann2.requester, ann.requester);
    f.desk
        .merge(f.ws, ann.id, &[ann2.id], f.actor())
        .await
        .unwrap();

    // AnyRequester accepts different requesters.
    let store = f.store.clone();
    let any = Helpdesk::builder(store)
        .clock(f.clock.clone())
        .config(EngineConfig::default().merge_policy(MergePolicy::AnyRequester))
        .build();
    let merged = any.merge(f.ws, ann.id, &[bob.id], f.actor()).await.unwrap();
    assert_eq!(merged.id, ann.id);
    assert_eq!(f.get(bob.id).await.merged_into, Some(ann.id));
}

#[tokio::test]
async fn engine_reply_and_note_to_a_merged_ticket_are_refused() {
    let f = fx().await;
    let a = f.ticket("ann@example.com", "A").await;
    let b = f.ticket("ann@example.com", "B").await;
    f.desk.merge(f.ws, a.id, &[b.id], f.actor()).await.unwrap();
    let before = f.get(b.id).await;
    let events_before = f.events(b.id).await.len();
    let messages_before = f.store.messages(f.ws, b.id).await.unwrap().len();
    assert_validation(
        f.desk
            .reply(f.ws, b.id, f.agent, Reply::text("Thanks!"))
            .await,
        "merged_into",
    );
    assert_validation(
        f.desk.add_note(f.ws, b.id, f.agent, "note").await,
        "merged_into",
    );
    assert_eq!(f.get(b.id).await, before);
    assert_eq!(f.events(b.id).await.len(), events_before);
    assert_eq!(
        f.store.messages(f.ws, b.id).await.unwrap().len(),
        messages_before
    );
    assert!(f.store.outbox(f.ws, b.id).await.unwrap().is_empty());
    // On the target they work.
    f.desk
        .reply(f.ws, a.id, f.agent, Reply::text("Thanks!"))
        .await
        .unwrap();
    f.desk.add_note(f.ws, a.id, f.agent, "note").await.unwrap();
}

#[tokio::test]
async fn engine_customer_message_to_a_merged_ticket_lands_on_the_chain_end() {
    let f = fx().await;
    let a = f.ticket("ann@example.com", "A").await;
    let b = f.ticket("ann@example.com", "B").await;
    let d = f.ticket("ann@example.com", "D").await;
    f.desk.merge(f.ws, a.id, &[b.id], f.actor()).await.unwrap();
    f.desk.merge(f.ws, d.id, &[a.id], f.actor()).await.unwrap();
    // The end is Pending: the message reopens it.
    f.desk
        .set_pending(f.ws, d.id, f.actor(), None)
        .await
        .unwrap();
    let b_before = f.get(b.id).await;
    let out = f
        .desk
        .customer_message(f.ws, b.id, b.requester, "Any news?")
        .await
        .unwrap();
    assert_eq!(out.ticket.id, d.id);
    assert_eq!(out.message.ticket, d.id);
    assert!(out.reopened);
    assert_eq!(out.follow_up_of, None);
    assert_eq!(f.get(d.id).await.state, State::Open);
    assert_eq!(
        f.get(b.id).await,
        b_before,
        "the merged ticket is untouched"
    );
    let d_messages = f.store.messages(f.ws, d.id).await.unwrap();
    assert!(d_messages.iter().any(|m| m.id == out.message.id));
    assert!(
        f.store
            .messages(f.ws, b.id)
            .await
            .unwrap()
            .iter()
            .all(|m| m.id != out.message.id)
    );
}

#[tokio::test]
async fn engine_customer_message_to_an_archived_ticket_opens_a_linked_follow_up() {
    let f = fx().await;
    let old = f.ticket("ann@example.com", "Broken lamp").await;
    f.desk
        .update(
            f.ws,
            old.id,
            f.actor(),
            helpdesk_core::fields::TicketUpdate::default()
                .priority(helpdesk_core::model::Priority::High),
        )
        .await
        .unwrap();
    f.desk.close(f.ws, old.id, f.actor(), None).await.unwrap();
    f.desk.archive(f.ws, old.id, f.actor()).await.unwrap();
    f.clock.advance(Duration::days(30));
    let archived = f.get(old.id).await;
    let old_messages = f.store.messages(f.ws, old.id).await.unwrap().len();

    let out = f
        .desk
        .customer_message(f.ws, old.id, old.requester, "It broke again")
        .await
        .unwrap();
    let new = out.ticket.clone();
    assert_ne!(new.id, old.id);
    assert_eq!(out.follow_up_of, Some(old.id));
    assert!(!out.reopened);
    assert_eq!(new.state, State::Open);
    assert!(new.related.contains(&old.id));
    assert_eq!(new.requester, old.requester);
    assert_eq!(new.subject, archived.subject);
    assert_eq!(new.priority, archived.priority);
    assert_eq!(out.message.ticket, new.id);
    assert_eq!(f.get(new.id).await, new, "the follow-up is stored");

    // The archived ticket is unchanged (its row; it only gains an event).
    assert_eq!(f.get(old.id).await, archived);
    assert_eq!(
        f.store.messages(f.ws, old.id).await.unwrap().len(),
        old_messages
    );
    assert!(
        f.kinds(old.id)
            .await
            .contains(&EventKind::FollowUpOpened { ticket: new.id })
    );
    let new_kinds = f.kinds(new.id).await;
    assert!(
        new_kinds
            .iter()
            .any(|k| matches!(k, EventKind::Created { .. }))
    );
    assert!(new_kinds.contains(&EventKind::FollowUpOf { of: old.id }));
    assert_eq!(f.store.messages(f.ws, new.id).await.unwrap().len(), 1);

    // A second message to the archived ticket opens yet another follow-up.
    let again = f
        .desk
        .customer_message(f.ws, old.id, old.requester, "Hello?")
        .await
        .unwrap();
    assert_ne!(again.ticket.id, new.id);
    assert_eq!(f.get(old.id).await, archived);
}

#[tokio::test]
async fn engine_customer_message_reopens_pending_and_closed() {
    let f = fx().await;
    for close in [false, true] {
        let t = f.ticket("ann@example.com", "Waiting").await;
        let at = f.clock.now() + Duration::days(2);
        let moved = if close {
            f.desk.close(f.ws, t.id, f.actor(), Some(at)).await.unwrap()
        } else {
            f.desk
                .set_pending(f.ws, t.id, f.actor(), Some(at))
                .await
                .unwrap()
        };
        assert_eq!(moved.reopen_at, Some(at));
        assert_eq!(f.store.jobs(f.ws, t.id).await.unwrap().len(), 1);
        f.clock.advance(Duration::hours(1));
        let out = f
            .desk
            .customer_message(f.ws, t.id, t.requester, "Still broken")
            .await
            .unwrap();
        assert!(out.reopened);
        assert_eq!(out.ticket.id, t.id);
        assert_eq!(out.follow_up_of, None);
        let after = f.get(t.id).await;
        assert_eq!(after.state, State::Open);
        assert_eq!(after.reopen_at, None);
        assert_eq!(after.times.closed, None);
        assert_eq!(after.times.last_inbound, Some(f.clock.now()));
        assert_eq!(after.version, moved.version + 1, "one write");
        check_invariants(&after).unwrap();
        assert!(
            f.store.jobs(f.ws, t.id).await.unwrap().is_empty(),
            "the reopen job is cancelled"
        );
        let from = if close { State::Closed } else { State::Pending };
        assert!(f.kinds(t.id).await.contains(&EventKind::StateChanged {
            from,
            to: State::Open,
            reopen_at: None
        }));
    }
    // Open stays Open.
    let t = f.ticket("ann@example.com", "Open").await;
    let out = f
        .desk
        .customer_message(f.ws, t.id, t.requester, "More info")
        .await
        .unwrap();
    assert!(!out.reopened);
    assert_eq!(out.ticket.state, State::Open);
}

#[tokio::test]
async fn engine_links_write_events_on_both_sides_and_refuse_cycles() {
    let f = fx().await;
    let a = f.ticket("ann@example.com", "A").await;
    let b = f.ticket("ann@example.com", "B").await;
    let c = f.ticket("ann@example.com", "C").await;
    let b_linked = f.desk.link(f.ws, b.id, a.id, f.actor()).await.unwrap();
    assert_eq!(b_linked.parent, Some(a.id));
    f.desk.link(f.ws, c.id, b.id, f.actor()).await.unwrap();
    assert!(
        f.kinds(b.id)
            .await
            .contains(&EventKind::Linked { parent: a.id })
    );
    assert!(
        f.kinds(a.id)
            .await
            .contains(&EventKind::ChildLinked { child: b.id })
    );
    // a under c would close a cycle.
    let a_before = f.get(a.id).await;
    assert_validation(f.desk.link(f.ws, a.id, c.id, f.actor()).await, "parent");
    assert_eq!(f.get(a.id).await, a_before);
    // Relinking to the same parent writes nothing.
    let b_before = f.get(b.id).await;
    let b_events = f.events(b.id).await.len();
    f.desk.link(f.ws, b.id, a.id, f.actor()).await.unwrap();
    assert_eq!(f.get(b.id).await, b_before);
    assert_eq!(f.events(b.id).await.len(), b_events);
    // Another parent needs an unlink first.
    assert_validation(f.desk.link(f.ws, b.id, c.id, f.actor()).await, "parent");
    let unlinked = f.desk.unlink(f.ws, b.id, f.actor()).await.unwrap();
    assert_eq!(unlinked.parent, None);
    assert!(
        f.kinds(b.id)
            .await
            .contains(&EventKind::Unlinked { parent: a.id })
    );
    assert!(
        f.kinds(a.id)
            .await
            .contains(&EventKind::ChildUnlinked { child: b.id })
    );
    assert_validation(f.desk.unlink(f.ws, b.id, f.actor()).await, "parent");
}

/// An Archived ticket never changes again (DESIGN.md §4), also when one of
/// its children is unlinked from it.
// Regression: `unlink` once wrote the Archived parent back with an event.
#[tokio::test]
async fn engine_unlink_from_an_archived_parent_leaves_the_parent_unchanged() {
    let f = fx().await;
    let parent = f.ticket("ann@example.com", "Parent").await;
    let child = f.ticket("ann@example.com", "Child").await;
    f.desk
        .link(f.ws, child.id, parent.id, f.actor())
        .await
        .unwrap();
    f.desk
        .close(f.ws, parent.id, f.actor(), None)
        .await
        .unwrap();
    f.desk.archive(f.ws, parent.id, f.actor()).await.unwrap();
    let archived = f.get(parent.id).await;
    let result = f.desk.unlink(f.ws, child.id, f.actor()).await;
    // Either refused, or done without touching the archived parent.
    let after = f.get(parent.id).await;
    assert_eq!(
        after.version, archived.version,
        "archived parent's version moved (result {result:?})"
    );
    assert!(
        !f.kinds(parent.id)
            .await
            .contains(&EventKind::ChildUnlinked { child: child.id }),
        "event logged on the archived parent"
    );
    assert_eq!(
        f.get(parent.id).await,
        archived,
        "archived parent changed by unlink (result {result:?})"
    );
}

/// An Archived ticket never changes again, also when a ticket is linked below
/// one of its (non-archived) children.
// Regression: `link` once wrote Archived ancestors back to guard the chain.
#[tokio::test]
async fn engine_link_below_a_child_of_an_archived_ticket_leaves_it_unchanged() {
    let f = fx().await;
    let grandparent = f.ticket("ann@example.com", "Grandparent").await;
    let parent = f.ticket("ann@example.com", "Parent").await;
    let child = f.ticket("ann@example.com", "Child").await;
    f.desk
        .link(f.ws, parent.id, grandparent.id, f.actor())
        .await
        .unwrap();
    f.desk
        .close(f.ws, grandparent.id, f.actor(), None)
        .await
        .unwrap();
    f.desk
        .archive(f.ws, grandparent.id, f.actor())
        .await
        .unwrap();
    let archived = f.get(grandparent.id).await;
    let result = f.desk.link(f.ws, child.id, parent.id, f.actor()).await;
    assert_eq!(
        f.get(grandparent.id).await.version,
        archived.version,
        "archived ancestor's version moved (result {result:?})"
    );
    assert_eq!(
        f.get(grandparent.id).await,
        archived,
        "archived ancestor changed by link (result {result:?})"
    );
}
