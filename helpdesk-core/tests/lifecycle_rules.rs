//! The lifecycle table of DESIGN.md §4 (and of the `lifecycle` module docs),
//! tested through the pure rules `lifecycle::apply` and `on_customer_reply`:
//! one test per row of the table, an explicit matrix of every
//! (state, transition) pair so that any change to the rules fails a test, and
//! the rules about reopen dates, closing requirements, merged tickets and
//! Archived tickets.

use chrono::{DateTime, Duration, TimeZone, Utc};
use helpdesk_core::Error;
use helpdesk_core::lifecycle::{
    CustomerReply, LifecycleContext, Outcome, State, Transition, apply, check_invariants,
    on_customer_reply,
};
use helpdesk_core::merge::{MergePolicy, merge};
use helpdesk_core::model::{Channel, ContactId, EventKind, Ticket, TicketId, WorkspaceId};
use std::collections::BTreeMap;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn no_ctx() -> LifecycleContext<'static> {
    LifecycleContext::default()
}

/// A ticket created at `t0() - 1 day`, put (directly) into `state` with the
/// invariants kept: closed at `t0() - 1 hour` when Closed or Archived.
fn ticket_in(state: State) -> Ticket {
    let created = t0() - Duration::days(1);
    let mut t = Ticket::new(
        WorkspaceId::new(),
        "Lamp broken",
        ContactId::new(),
        Channel::Email,
        created,
    );
    t.state = state;
    if state.is_resolved() {
        t.times.closed = Some(t0() - Duration::hours(1));
    }
    check_invariants(&t).expect("fixture keeps the invariants");
    t
}

/// Like [`ticket_in`], with a reopen date (Pending or Closed only).
fn ticket_with_reopen(state: State, at: DateTime<Utc>) -> Ticket {
    let mut t = ticket_in(state);
    t.reopen_at = Some(at);
    check_invariants(&t).expect("fixture keeps the invariants");
    t
}

fn ok(ticket: &Ticket, transition: Transition) -> Outcome {
    let out = apply(ticket, &transition, &no_ctx(), t0())
        .unwrap_or_else(|e| panic!("{transition:?} from {}: {e:?}", ticket.state));
    check_invariants(&out.ticket).expect("invariants after the move");
    out
}

fn state_changed(from: State, to: State, reopen_at: Option<DateTime<Utc>>) -> EventKind {
    EventKind::StateChanged {
        from,
        to,
        reopen_at,
    }
}

fn assert_validation(result: Result<Outcome, Error>, field: &str) {
    match result {
        Err(Error::Validation { field: f, .. }) => assert_eq!(f, field, "validation field"),
        other => panic!("expected a validation error on {field}, got {other:?}"),
    }
}

fn assert_invalid(result: Result<Outcome, Error>, from: State, to: State) {
    match result {
        Err(Error::InvalidTransition { from: f, to: t }) => {
            assert_eq!((f, t), (from, to), "InvalidTransition from/to");
        }
        other => panic!("expected InvalidTransition {from} -> {to}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// One test per row of the table.
// ---------------------------------------------------------------------------

/// Row: Open | agent sets pending \[reopen_at\] | Pending.
#[test]
fn row_open_set_pending() {
    let open = ticket_in(State::Open);
    let out = ok(&open, Transition::SetPending { reopen_at: None });
    assert_eq!(out.ticket.state, State::Pending);
    assert_eq!(out.ticket.reopen_at, None);
    assert_eq!(out.ticket.times.closed, None);
    assert_eq!(out.ticket.times.updated, t0());
    assert_eq!(
        out.events,
        vec![state_changed(State::Open, State::Pending, None)]
    );

    let at = t0() + Duration::days(2);
    let out = ok(
        &open,
        Transition::SetPending {
            reopen_at: Some(at),
        },
    );
    assert_eq!(out.ticket.state, State::Pending);
    assert_eq!(out.ticket.reopen_at, Some(at));
    assert_eq!(
        out.events,
        vec![state_changed(State::Open, State::Pending, Some(at))]
    );
    // Nothing but the state, the reopen date and `updated` changed.
    let mut expected = open.clone();
    expected.state = State::Pending;
    expected.reopen_at = Some(at);
    expected.times.updated = t0();
    assert_eq!(out.ticket, expected);
}

/// Row: Open, Pending | agent closes \[reopen_at\] | Closed.
#[test]
fn row_open_or_pending_close() {
    for from in [State::Open, State::Pending] {
        let t = ticket_in(from);
        let out = ok(&t, Transition::Close { reopen_at: None });
        assert_eq!(out.ticket.state, State::Closed);
        assert_eq!(out.ticket.times.closed, Some(t0()), "closed_at is now");
        assert_eq!(out.ticket.reopen_at, None);
        assert_eq!(out.events, vec![state_changed(from, State::Closed, None)]);

        let at = t0() + Duration::hours(5);
        let out = ok(
            &t,
            Transition::Close {
                reopen_at: Some(at),
            },
        );
        assert_eq!(out.ticket.state, State::Closed);
        assert_eq!(out.ticket.reopen_at, Some(at));
        assert_eq!(
            out.events,
            vec![state_changed(from, State::Closed, Some(at))]
        );
    }
    // A Pending ticket's reopen date is replaced by the closing one (or
    // cleared).
    let pending = ticket_with_reopen(State::Pending, t0() + Duration::hours(1));
    let out = ok(&pending, Transition::Close { reopen_at: None });
    assert_eq!(out.ticket.reopen_at, None);
}

/// Row: Pending, Closed | customer replies | Open.
#[test]
fn row_pending_or_closed_customer_replies() {
    for from in [State::Pending, State::Closed] {
        for t in [
            ticket_in(from),
            ticket_with_reopen(from, t0() + Duration::days(1)),
        ] {
            assert_eq!(on_customer_reply(&t), CustomerReply::Reopen);
            let out = ok(&t, Transition::CustomerReplied);
            assert_eq!(out.ticket.state, State::Open);
            assert_eq!(out.ticket.reopen_at, None, "reopen date cleared");
            assert_eq!(out.ticket.times.closed, None, "closed_at cleared");
            assert_eq!(out.events, vec![state_changed(from, State::Open, None)]);
        }
    }
    // And an Open ticket just gets the message.
    let open = ticket_in(State::Open);
    assert_eq!(on_customer_reply(&open), CustomerReply::Append);
    let out = ok(&open, Transition::CustomerReplied);
    assert!(out.is_noop());
    assert_eq!(out.ticket, open);
}

/// Row: Pending, Closed | reopen_at reached (run_due) | Open.
#[test]
fn row_pending_or_closed_reopen_due() {
    for from in [State::Pending, State::Closed] {
        let at = t0() - Duration::minutes(1);
        let t = ticket_with_reopen(from, at);
        let out = ok(&t, Transition::ReopenDue);
        assert_eq!(out.ticket.state, State::Open);
        assert_eq!(out.ticket.reopen_at, None);
        assert_eq!(out.ticket.times.closed, None);
        assert_eq!(out.events, vec![state_changed(from, State::Open, None)]);

        // Exactly at the date counts as reached.
        let t = ticket_with_reopen(from, t0());
        let out = ok(&t, Transition::ReopenDue);
        assert_eq!(out.ticket.state, State::Open);
    }
}

/// Row: Closed | agent reopens | Open.
#[test]
fn row_closed_agent_reopens() {
    for t in [
        ticket_in(State::Closed),
        ticket_with_reopen(State::Closed, t0() + Duration::days(3)),
    ] {
        let out = ok(&t, Transition::Reopen);
        assert_eq!(out.ticket.state, State::Open);
        assert_eq!(out.ticket.times.closed, None);
        assert_eq!(out.ticket.reopen_at, None);
        assert_eq!(
            out.events,
            vec![state_changed(State::Closed, State::Open, None)]
        );
    }
}

/// Row: Closed | agent archives, or auto-archive | Archived.
#[test]
fn row_closed_archive() {
    for t in [
        ticket_in(State::Closed),
        ticket_with_reopen(State::Closed, t0() + Duration::days(3)),
    ] {
        let out = ok(&t, Transition::Archive);
        assert_eq!(out.ticket.state, State::Archived);
        assert_eq!(
            out.ticket.times.closed, t.times.closed,
            "closed_at keeps the closing time"
        );
        assert_eq!(out.ticket.reopen_at, None, "no reopen date when archived");
        assert_eq!(
            out.events,
            vec![state_changed(State::Closed, State::Archived, None)]
        );
    }
}

/// Row: Archived | customer replies | unchanged; a new linked ticket is opened.
#[test]
fn row_archived_customer_replies() {
    let archived = ticket_in(State::Archived);
    assert_eq!(on_customer_reply(&archived), CustomerReply::OpenFollowUp);
    // The pure move itself is refused: the archived ticket never changes.
    assert_invalid(
        apply(&archived, &Transition::CustomerReplied, &no_ctx(), t0()),
        State::Archived,
        State::Open,
    );
}

/// Row: any but Archived | merged into another ticket | Closed, merged_into set.
#[test]
fn row_any_but_archived_merged() {
    let target = ticket_in(State::Open);
    for from in [State::Open, State::Pending, State::Closed] {
        let mut source = ticket_in(from);
        source.workspace = target.workspace;
        source.requester = target.requester;
        let out = merge(
            &target,
            std::slice::from_ref(&source),
            MergePolicy::default(),
            &BTreeMap::new(),
            t0(),
        )
        .unwrap();
        let after = &out.sources[0];
        assert_eq!(after.state, State::Closed);
        assert_eq!(after.merged_into, Some(target.id));
        check_invariants(after).unwrap();
    }
    let mut archived = ticket_in(State::Archived);
    archived.workspace = target.workspace;
    archived.requester = target.requester;
    let err = merge(
        &target,
        &[archived],
        MergePolicy::default(),
        &BTreeMap::new(),
        t0(),
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
        "got {err:?}"
    );
}

// ---------------------------------------------------------------------------
// The full matrix.
// ---------------------------------------------------------------------------

/// What a (state, transition) pair is expected to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Allowed: the ticket moves to this state.
    To(State),
    /// Allowed, changes nothing.
    NoOp,
    /// Allowed, changes only the reopen date.
    ReopenDateSet,
    /// Refused with `InvalidTransition { from: state, to }`.
    Invalid(State),
    /// Refused with `Validation` on this field.
    Validation(&'static str),
}

const KINDS: [&str; 7] = [
    "SetPending",
    "Close",
    "Reopen",
    "Archive",
    "CustomerReplied",
    "ReopenDue",
    "SetReopenAt",
];

fn transition_of(kind: &str) -> Transition {
    let future = Some(t0() + Duration::days(7));
    match kind {
        "SetPending" => Transition::SetPending { reopen_at: None },
        "Close" => Transition::Close { reopen_at: None },
        "Reopen" => Transition::Reopen,
        "Archive" => Transition::Archive,
        "CustomerReplied" => Transition::CustomerReplied,
        "ReopenDue" => Transition::ReopenDue,
        "SetReopenAt" => Transition::SetReopenAt(future),
        other => panic!("unknown transition kind {other}"),
    }
}

/// The explicit expected table: rows are `State::ALL`, columns are `KINDS`.
/// Every cell is spelled out, so any change to the rules fails a test.
fn expected_table() -> [(State, [Expect; 7]); 4] {
    use Expect::*;
    use State::*;
    [
        (
            Open,
            [
                To(Pending),
                To(Closed),
                Invalid(Open),
                Invalid(Archived),
                NoOp,
                NoOp,
                Validation("reopen_at"),
            ],
        ),
        (
            Pending,
            [
                Invalid(Pending),
                To(Closed),
                Invalid(Open),
                Invalid(Archived),
                To(Open),
                NoOp,
                ReopenDateSet,
            ],
        ),
        (
            Closed,
            [
                Invalid(Pending),
                Invalid(Closed),
                To(Open),
                To(Archived),
                To(Open),
                NoOp,
                ReopenDateSet,
            ],
        ),
        (
            Archived,
            [
                Invalid(Pending),
                Invalid(Closed),
                Invalid(Open),
                Invalid(Archived),
                Invalid(Open),
                NoOp,
                Validation("reopen_at"),
            ],
        ),
    ]
}

fn check_cell(ticket: &Ticket, kind: &str, expect: Expect) {
    let from = ticket.state;
    let transition = transition_of(kind);
    let result = apply(ticket, &transition, &no_ctx(), t0());
    let what = format!("{from} x {kind}");
    match expect {
        Expect::To(to) => {
            let out = result.unwrap_or_else(|e| panic!("{what}: expected -> {to}, got {e:?}"));
            assert_eq!(out.ticket.state, to, "{what}");
            assert_eq!(out.events.len(), 1, "{what}: one event");
            assert!(
                matches!(out.events[0], EventKind::StateChanged { from: f, to: t, .. } if f == from && t == to),
                "{what}: {:?}",
                out.events
            );
            check_invariants(&out.ticket).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        }
        Expect::NoOp => {
            let out = result.unwrap_or_else(|e| panic!("{what}: expected no-op, got {e:?}"));
            assert!(out.is_noop(), "{what}: {:?}", out.events);
            assert_eq!(&out.ticket, ticket, "{what}: ticket unchanged");
        }
        Expect::ReopenDateSet => {
            let out = result.unwrap_or_else(|e| panic!("{what}: expected a new date, got {e:?}"));
            let Transition::SetReopenAt(to) = transition else {
                unreachable!()
            };
            assert_eq!(out.ticket.state, from, "{what}: state kept");
            assert_eq!(out.ticket.reopen_at, to, "{what}");
            assert_eq!(
                out.events,
                vec![EventKind::ReopenDateChanged {
                    from: ticket.reopen_at,
                    to
                }],
                "{what}"
            );
            check_invariants(&out.ticket).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        }
        Expect::Invalid(to) => match result {
            Err(Error::InvalidTransition { from: f, to: t }) => {
                assert_eq!((f, t), (from, to), "{what}");
            }
            other => panic!("{what}: expected InvalidTransition {from} -> {to}, got {other:?}"),
        },
        Expect::Validation(field) => match result {
            Err(Error::Validation { field: f, .. }) => assert_eq!(f, field, "{what}"),
            other => panic!("{what}: expected Validation({field}), got {other:?}"),
        },
    }
}

/// Every (state, transition) pair, against the explicit table.
#[test]
fn every_state_transition_pair_matches_the_table() {
    let table = expected_table();
    assert_eq!(
        table.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        State::ALL.to_vec(),
        "the table covers State::ALL in order"
    );
    let mut cells = 0;
    for (state, row) in table {
        for (kind, expect) in KINDS.iter().zip(row) {
            check_cell(&ticket_in(state), kind, expect);
            cells += 1;
        }
    }
    assert_eq!(cells, 28);
}

/// The same matrix on Pending/Closed tickets that carry a (future) reopen
/// date: the outcome is the same, and the date is kept only where allowed.
#[test]
fn matrix_with_a_reopen_date_set() {
    let table = expected_table();
    for (state, row) in table {
        if !state.allows_reopen_at() {
            continue;
        }
        let t = ticket_with_reopen(state, t0() + Duration::hours(3));
        for (kind, expect) in KINDS.iter().zip(row) {
            check_cell(&t, kind, expect);
        }
    }
}

/// Every refused move, with from/to, counted: any new allowed move or any
/// newly refused one changes the count.
#[test]
fn refused_moves_are_invalid_transition_with_from_and_to() {
    let mut refused = Vec::new();
    for state in State::ALL {
        for kind in KINDS {
            let t = ticket_in(state);
            if let Err(Error::InvalidTransition { from, to }) =
                apply(&t, &transition_of(kind), &no_ctx(), t0())
            {
                assert_eq!(from, state, "{state} x {kind}: from is the ticket's state");
                refused.push((state, kind, to));
            }
        }
    }
    use State::*;
    let expected = vec![
        (Open, "Reopen", Open),
        (Open, "Archive", Archived),
        (Pending, "SetPending", Pending),
        (Pending, "Reopen", Open),
        (Pending, "Archive", Archived),
        (Closed, "SetPending", Pending),
        (Closed, "Close", Closed),
        (Archived, "SetPending", Pending),
        (Archived, "Close", Closed),
        (Archived, "Reopen", Open),
        (Archived, "Archive", Archived),
        (Archived, "CustomerReplied", Open),
    ];
    assert_eq!(refused, expected);
}

/// Refused moves with a (valid) reopen date are refused the same way: the
/// state check comes first.
#[test]
fn refused_moves_with_a_reopen_date_are_still_invalid_transition() {
    let at = Some(t0() + Duration::days(1));
    for state in [State::Pending, State::Closed, State::Archived] {
        assert_invalid(
            apply(
                &ticket_in(state),
                &Transition::SetPending { reopen_at: at },
                &no_ctx(),
                t0(),
            ),
            state,
            State::Pending,
        );
    }
    for state in [State::Closed, State::Archived] {
        assert_invalid(
            apply(
                &ticket_in(state),
                &Transition::Close { reopen_at: at },
                &no_ctx(),
                t0(),
            ),
            state,
            State::Closed,
        );
    }
}

// ---------------------------------------------------------------------------
// Reopen dates.
// ---------------------------------------------------------------------------

/// reopen_at in the past or equal to now is a validation error, for every
/// move that takes one.
#[test]
fn reopen_at_in_the_past_or_now_is_refused() {
    for at in [t0(), t0() - Duration::seconds(1), t0() - Duration::days(30)] {
        let open = ticket_in(State::Open);
        assert_validation(
            apply(
                &open,
                &Transition::SetPending {
                    reopen_at: Some(at),
                },
                &no_ctx(),
                t0(),
            ),
            "reopen_at",
        );
        for state in [State::Open, State::Pending] {
            assert_validation(
                apply(
                    &ticket_in(state),
                    &Transition::Close {
                        reopen_at: Some(at),
                    },
                    &no_ctx(),
                    t0(),
                ),
                "reopen_at",
            );
        }
        for state in [State::Pending, State::Closed] {
            assert_validation(
                apply(
                    &ticket_in(state),
                    &Transition::SetReopenAt(Some(at)),
                    &no_ctx(),
                    t0(),
                ),
                "reopen_at",
            );
        }
    }
    // One second in the future is fine.
    let at = t0() + Duration::seconds(1);
    let out = ok(
        &ticket_in(State::Open),
        Transition::SetPending {
            reopen_at: Some(at),
        },
    );
    assert_eq!(out.ticket.reopen_at, Some(at));
}

/// A reopen date exists only in Pending or Closed: every move out of those
/// states clears it, and it can only be set in them.
#[test]
fn reopen_at_only_in_pending_or_closed() {
    let at = t0() + Duration::days(1);
    // Moves into Open or Archived clear it.
    for (t, tr) in [
        (
            ticket_with_reopen(State::Pending, at),
            Transition::CustomerReplied,
        ),
        (
            ticket_with_reopen(State::Closed, at),
            Transition::CustomerReplied,
        ),
        (ticket_with_reopen(State::Closed, at), Transition::Reopen),
        (ticket_with_reopen(State::Closed, at), Transition::Archive),
    ] {
        let out = ok(&t, tr);
        assert!(!out.ticket.state.allows_reopen_at());
        assert_eq!(out.ticket.reopen_at, None);
    }
    // Set, change and clear on Pending and Closed.
    for state in [State::Pending, State::Closed] {
        let t = ticket_in(state);
        let set = ok(&t, Transition::SetReopenAt(Some(at)));
        assert_eq!(set.ticket.reopen_at, Some(at));
        let same = ok(&set.ticket, Transition::SetReopenAt(Some(at)));
        assert!(same.is_noop(), "setting the same date changes nothing");
        let cleared = ok(&set.ticket, Transition::SetReopenAt(None));
        assert_eq!(cleared.ticket.reopen_at, None);
        assert_eq!(
            cleared.events,
            vec![EventKind::ReopenDateChanged {
                from: Some(at),
                to: None
            }]
        );
        let clear_again = ok(&cleared.ticket, Transition::SetReopenAt(None));
        assert!(clear_again.is_noop());
    }
}

/// `SetReopenAt` is refused on Open and Archived tickets (also to clear).
#[test]
fn set_reopen_at_refused_on_open_and_archived() {
    for state in [State::Open, State::Archived] {
        for at in [Some(t0() + Duration::days(1)), None] {
            assert_validation(
                apply(
                    &ticket_in(state),
                    &Transition::SetReopenAt(at),
                    &no_ctx(),
                    t0(),
                ),
                "reopen_at",
            );
        }
    }
}

/// ReopenDue before the date is a no-op; at or after it, the ticket opens.
/// Without a date it is always a no-op.
#[test]
fn reopen_due_before_and_after_the_date() {
    for state in [State::Pending, State::Closed] {
        let at = t0() + Duration::hours(2);
        let t = ticket_with_reopen(state, at);
        for now in [t0(), at - Duration::seconds(1)] {
            let out = apply(&t, &Transition::ReopenDue, &no_ctx(), now).unwrap();
            assert!(out.is_noop(), "{state}: not due at {now}");
            assert_eq!(out.ticket, t);
        }
        for now in [at, at + Duration::days(10)] {
            let out = apply(&t, &Transition::ReopenDue, &no_ctx(), now).unwrap();
            assert_eq!(out.ticket.state, State::Open, "{state}: due at {now}");
            assert_eq!(out.ticket.reopen_at, None);
            assert_eq!(out.ticket.times.closed, None);
            assert_eq!(out.ticket.times.updated, now);
            check_invariants(&out.ticket).unwrap();
        }
        let no_date = ticket_in(state);
        let out = apply(
            &no_date,
            &Transition::ReopenDue,
            &no_ctx(),
            t0() + Duration::days(365),
        )
        .unwrap();
        assert!(out.is_noop());
    }
}

// ---------------------------------------------------------------------------
// Closing requirement of the category.
// ---------------------------------------------------------------------------

#[test]
fn close_requires_any_status_when_the_list_is_empty() {
    let empty: &[String] = &[];
    let ctx = LifecycleContext {
        close_requires_status: Some(empty),
    };
    for from in [State::Open, State::Pending] {
        let mut t = ticket_in(from);
        assert_validation(
            apply(&t, &Transition::Close { reopen_at: None }, &ctx, t0()),
            "status",
        );
        t.status = Some(String::new());
        assert_validation(
            apply(&t, &Transition::Close { reopen_at: None }, &ctx, t0()),
            "status",
        );
        t.status = Some("Anything".into());
        let out = apply(&t, &Transition::Close { reopen_at: None }, &ctx, t0()).unwrap();
        assert_eq!(out.ticket.state, State::Closed);
    }
}

#[test]
fn close_requires_one_of_the_listed_statuses() {
    let allowed = vec!["Resolved".to_string()];
    let ctx = LifecycleContext {
        close_requires_status: Some(&allowed),
    };
    for from in [State::Open, State::Pending] {
        let mut t = ticket_in(from);
        for status in [None, Some(""), Some("resolved"), Some("In progress")] {
            t.status = status.map(String::from);
            assert_validation(
                apply(&t, &Transition::Close { reopen_at: None }, &ctx, t0()),
                "status",
            );
        }
        t.status = Some("Resolved".into());
        let out = apply(&t, &Transition::Close { reopen_at: None }, &ctx, t0()).unwrap();
        assert_eq!(out.ticket.state, State::Closed);
        assert_eq!(out.ticket.status.as_deref(), Some("Resolved"));
    }
    // Without a requirement, no status is needed.
    let out = ok(
        &ticket_in(State::Open),
        Transition::Close { reopen_at: None },
    );
    assert_eq!(out.ticket.state, State::Closed);
}

/// The closing requirement only concerns closing: other moves ignore it.
#[test]
fn close_requirement_does_not_block_other_moves() {
    let allowed = vec!["Resolved".to_string()];
    let ctx = LifecycleContext {
        close_requires_status: Some(&allowed),
    };
    let out = apply(
        &ticket_in(State::Open),
        &Transition::SetPending { reopen_at: None },
        &ctx,
        t0(),
    )
    .unwrap();
    assert_eq!(out.ticket.state, State::Pending);
    let out = apply(&ticket_in(State::Closed), &Transition::Archive, &ctx, t0()).unwrap();
    assert_eq!(out.ticket.state, State::Archived);
}

// ---------------------------------------------------------------------------
// closed_at and the invariants after every move.
// ---------------------------------------------------------------------------

/// Walks every sequence of up to 5 transitions from an Open ticket (time
/// moving on by an hour per step) and checks the invariants after each
/// successful move; closed_at is set iff Closed or Archived, and keeps the
/// first closing time through Archive.
#[test]
fn closed_at_set_iff_closed_or_archived_after_every_move() {
    fn transitions(now: DateTime<Utc>) -> Vec<Transition> {
        let later = Some(now + Duration::minutes(30));
        vec![
            Transition::SetPending { reopen_at: None },
            Transition::SetPending { reopen_at: later },
            Transition::Close { reopen_at: None },
            Transition::Close { reopen_at: later },
            Transition::Reopen,
            Transition::Archive,
            Transition::CustomerReplied,
            Transition::ReopenDue,
            Transition::SetReopenAt(later),
            Transition::SetReopenAt(None),
        ]
    }
    fn walk(t: &Ticket, now: DateTime<Utc>, depth: u32, moves: &mut u64) {
        if depth == 0 {
            return;
        }
        for tr in transitions(now) {
            let Ok(out) = apply(t, &tr, &no_ctx(), now) else {
                continue;
            };
            *moves += 1;
            let n = &out.ticket;
            check_invariants(n).unwrap_or_else(|e| panic!("{tr:?} from {t:?}: {e:?}"));
            assert_eq!(n.times.closed.is_some(), n.state.is_resolved());
            assert!(n.reopen_at.is_none() || n.state.allows_reopen_at());
            match (t.state.is_resolved(), n.state.is_resolved()) {
                (true, true) => assert_eq!(n.times.closed, t.times.closed, "kept"),
                (false, true) => assert_eq!(n.times.closed, Some(now), "set now"),
                _ => {}
            }
            walk(n, now + Duration::hours(1), depth - 1, moves);
        }
    }
    let mut moves = 0;
    walk(&ticket_in(State::Open), t0(), 5, &mut moves);
    assert!(moves > 1000, "the walk explored {moves} moves");
}

/// `check_invariants` itself catches broken tickets.
#[test]
fn check_invariants_detects_broken_tickets() {
    let mut t = ticket_in(State::Open);
    t.times.closed = Some(t0());
    assert!(matches!(
        check_invariants(&t),
        Err(Error::Validation { .. })
    ));

    let mut t = ticket_in(State::Closed);
    t.times.closed = None;
    assert!(check_invariants(&t).is_err());

    let mut t = ticket_in(State::Archived);
    t.times.closed = None;
    assert!(check_invariants(&t).is_err());

    for state in [State::Open, State::Archived] {
        let mut t = ticket_in(state);
        t.reopen_at = Some(t0() + Duration::days(1));
        assert!(check_invariants(&t).is_err(), "reopen_at in {state}");
    }

    let mut t = ticket_in(State::Closed);
    t.merged_into = Some(t.id);
    assert!(check_invariants(&t).is_err());

    let mut t = ticket_in(State::Open);
    t.parent = Some(t.id);
    assert!(check_invariants(&t).is_err());

    for state in State::ALL {
        assert!(check_invariants(&ticket_in(state)).is_ok());
    }
}

// ---------------------------------------------------------------------------
// Merged tickets.
// ---------------------------------------------------------------------------

fn merged(state: State) -> Ticket {
    let mut t = ticket_in(state);
    t.merged_into = Some(TicketId::new());
    t
}

/// A merged ticket cannot be reopened by an agent, nor by a customer reply
/// (the engine sends those to the chain's end).
#[test]
fn merged_ticket_cannot_be_reopened() {
    let t = merged(State::Closed);
    assert_validation(apply(&t, &Transition::Reopen, &no_ctx(), t0()), "state");
    assert_validation(
        apply(&t, &Transition::CustomerReplied, &no_ctx(), t0()),
        "state",
    );
    // A merged ticket is Closed, so setting it pending is not a move of the
    // table at all.
    assert_invalid(
        apply(
            &t,
            &Transition::SetPending { reopen_at: None },
            &no_ctx(),
            t0(),
        ),
        State::Closed,
        State::Pending,
    );
}

/// Even an (inconsistent) Open ticket with `merged_into` cannot be set
/// pending.
#[test]
fn merged_ticket_cannot_be_set_pending() {
    let t = merged(State::Open);
    assert_validation(
        apply(
            &t,
            &Transition::SetPending {
                reopen_at: Some(t0() + Duration::days(1)),
            },
            &no_ctx(),
            t0(),
        ),
        "state",
    );
    let t = merged(State::Pending);
    assert_validation(
        apply(&t, &Transition::CustomerReplied, &no_ctx(), t0()),
        "state",
    );
}

/// ReopenDue on a merged ticket only clears the date: it stays Closed and
/// merged.
#[test]
fn reopen_due_on_a_merged_ticket_only_clears_the_date() {
    let at = t0() - Duration::hours(1);
    let mut t = merged(State::Closed);
    t.reopen_at = Some(at);
    let out = apply(&t, &Transition::ReopenDue, &no_ctx(), t0()).unwrap();
    assert_eq!(out.ticket.state, State::Closed);
    assert_eq!(out.ticket.merged_into, t.merged_into);
    assert_eq!(out.ticket.reopen_at, None);
    assert_eq!(out.ticket.times.closed, t.times.closed);
    assert_eq!(out.ticket.times.updated, t0());
    assert_eq!(
        out.events,
        vec![EventKind::ReopenDateChanged {
            from: Some(at),
            to: None
        }]
    );
    check_invariants(&out.ticket).unwrap();

    // Before the date: nothing.
    let mut t = merged(State::Closed);
    t.reopen_at = Some(t0() + Duration::hours(1));
    let out = apply(&t, &Transition::ReopenDue, &no_ctx(), t0()).unwrap();
    assert!(out.is_noop());
    assert_eq!(out.ticket, t);
}

// ---------------------------------------------------------------------------
// Archived is final.
// ---------------------------------------------------------------------------

/// Every agent or customer transition on an Archived ticket is an error; the
/// time-driven `ReopenDue` is a documented no-op (the job found the ticket
/// moved on). Either way the ticket never changes.
#[test]
fn archived_never_changes() {
    let archived = ticket_in(State::Archived);
    let future = Some(t0() + Duration::days(1));
    let refused = [
        Transition::SetPending { reopen_at: None },
        Transition::SetPending { reopen_at: future },
        Transition::Close { reopen_at: None },
        Transition::Close { reopen_at: future },
        Transition::Reopen,
        Transition::Archive,
        Transition::CustomerReplied,
        Transition::SetReopenAt(future),
        Transition::SetReopenAt(None),
    ];
    for tr in &refused {
        let result = apply(&archived, tr, &no_ctx(), t0());
        assert!(
            matches!(
                result,
                Err(Error::InvalidTransition {
                    from: State::Archived,
                    ..
                }) | Err(Error::Validation { .. })
            ),
            "{tr:?} on Archived: {result:?}"
        );
    }
    // Also with a closing requirement that the ticket meets.
    let any: &[String] = &[];
    let mut with_status = archived.clone();
    with_status.status = Some("Done".into());
    assert_invalid(
        apply(
            &with_status,
            &Transition::Close { reopen_at: None },
            &LifecycleContext {
                close_requires_status: Some(any),
            },
            t0(),
        ),
        State::Archived,
        State::Closed,
    );
    for now in [t0(), t0() + Duration::days(3650)] {
        let out = apply(&archived, &Transition::ReopenDue, &no_ctx(), now).unwrap();
        assert!(out.is_noop());
        assert_eq!(out.ticket, archived);
    }
    // A merged Archived ticket is just as final.
    let mut merged_archived = archived.clone();
    merged_archived.merged_into = Some(TicketId::new());
    for tr in &refused {
        assert!(apply(&merged_archived, tr, &no_ctx(), t0()).is_err());
    }
}
