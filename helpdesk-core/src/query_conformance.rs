//! The query conformance suite: the contract of the query methods of
//! [`Store`] (filters, sorts, keyset cursors, counters, views, favourites,
//! navigation, workspace isolation), as `pub async fn` checks (feature
//! `conformance`). Each check panics with a message when the store breaks
//! the contract; give every check a fresh store.
//!
//! It is separate from [`conformance`](crate::conformance) so a store can
//! adopt it when it implements the query methods:
//!
//! ```text
//! helpdesk_core::conformance_query_tests!(async { std::sync::Arc::new(MyStore::connect().await) });
//! ```
//!
//! [`Store`]: crate::ports::Store

use crate::error::Error;
use crate::lifecycle::State;
use crate::model::{
    Actor, AgentId, CategoryId, Channel, Contact, ContactId, Deadline, Message, OrganizationId,
    Priority, QueueId, TeamId, Ticket, TicketId, TicketKind, WorkspaceId,
};
use crate::ports::{Commit, ContactWrite, DynStore, MessageUpdate, TicketWrite};
use crate::query::{
    AssigneeMatch, BuiltinView, ChannelKind, Cursor, Filter, MAX_FILTER_DEPTH, Query, Sort,
    SortKey, TagMatch, TimeRange, View, ViewOwner, count_views, neighbours_by_paging, unread_count,
    visible_views,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Expands to one `#[tokio::test]` per query conformance check, each on a
/// fresh store made by `$make` (an expression evaluating to a future of
/// `Arc<S>` where `S: Store`).
#[macro_export]
macro_rules! conformance_query_tests {
    ($make:expr) => {
        $crate::conformance_query_tests!(@each $make;
            query_filter_fields, query_filter_combinators_and_merged, query_sort_keys,
            query_cursor_paging_under_writes, query_counts_match_views, query_views_crud,
            query_favourites, query_navigation, query_workspace_isolation,
            query_rejects_bad_input, query_text_search
        );
    };
    (@each $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let store = $make.await;
                let store: ::std::sync::Arc<$crate::ports::DynStore> = store;
                $crate::query_conformance::$check(store).await;
            }
        )*
    };
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

fn h(hours: i64) -> DateTime<Utc> {
    t0() + Duration::hours(hours)
}

fn deadline(due: DateTime<Utc>) -> Deadline {
    Deadline {
        started: t0(),
        target_minutes: 60,
        paused_minutes: 0,
        due,
        warn_at: due,
        warned: false,
        breached: false,
    }
}

/// A ticket created at `h(hour)` and updated half an hour later.
fn ticket(ws: WorkspaceId, requester: ContactId, subject: &str, hour: i64) -> Ticket {
    let mut t = Ticket::new(ws, subject, requester, Channel::Email, h(hour));
    t.times.updated = h(hour) + Duration::minutes(30);
    t
}

/// Commits new tickets (in order, so they get the next numbers), each with
/// its messages.
async fn create(
    store: &Arc<DynStore>,
    ws: WorkspaceId,
    tickets: Vec<(Ticket, Vec<&str>)>,
) -> Vec<Ticket> {
    let mut out = Vec::new();
    for (t, texts) in tickets {
        let messages = texts
            .iter()
            .map(|text| Message::new(ws, t.id, Actor::System, Channel::Email, *text, t0()))
            .collect();
        let stored = store
            .commit(
                ws,
                Commit {
                    tickets: vec![TicketWrite::Create(t)],
                    messages,
                    ..Commit::default()
                },
            )
            .await
            .expect("create ticket");
        out.push(stored.tickets[0].clone());
    }
    out
}

/// Writes a changed ticket (compare-and-set on its version).
async fn update(store: &Arc<DynStore>, ws: WorkspaceId, t: &Ticket) -> Ticket {
    let stored = store
        .commit(
            ws,
            Commit {
                tickets: vec![TicketWrite::Update {
                    ticket: t.clone(),
                    expected_version: t.version,
                }],
                ..Commit::default()
            },
        )
        .await
        .expect("update ticket");
    stored.tickets[0].clone()
}

async fn contact(
    store: &Arc<DynStore>,
    ws: WorkspaceId,
    email: &str,
    org: Option<OrganizationId>,
) -> ContactId {
    let mut c = Contact::with_email(ws, email, None);
    c.organization = org;
    let id = c.id;
    store
        .commit(
            ws,
            Commit {
                contacts: vec![ContactWrite::Create(c)],
                ..Commit::default()
            },
        )
        .await
        .expect("create contact");
    id
}

/// Pages through the whole list (2 rows a page, so cursors are exercised)
/// and returns the numbers in order; checks that `count_tickets` agrees.
async fn list(
    store: &Arc<DynStore>,
    ws: WorkspaceId,
    filter: &Filter,
    sort: &Sort,
    me: AgentId,
) -> Vec<u64> {
    let mut out = Vec::new();
    let mut after: Option<Cursor> = None;
    for _ in 0..10_000 {
        let q = Query::new(me)
            .filter(filter.clone())
            .sort(sort.clone())
            .limit(2)
            .after(after.clone());
        let page = store.query_tickets(ws, &q).await.expect("query_tickets");
        assert!(page.tickets.len() <= 2, "a page holds at most `limit` rows");
        out.extend(page.tickets.iter().map(|t| t.number.0));
        match page.next {
            Some(next) => {
                assert!(
                    !page.tickets.is_empty(),
                    "a page with a next cursor is not empty"
                );
                after = Some(next);
            }
            None => break,
        }
    }
    let count = store
        .count_tickets(ws, filter, me)
        .await
        .expect("count_tickets");
    assert_eq!(
        count,
        out.len() as u64,
        "count_tickets equals the rows of the list for {filter:?}"
    );
    out
}

async fn numbers(store: &Arc<DynStore>, ws: WorkspaceId, filter: Filter, me: AgentId) -> Vec<u64> {
    list(store, ws, &filter, &Sort::asc(SortKey::Number), me).await
}

/// The data of the filter checks (numbers 1..=6 in a fresh workspace):
///
/// | # | subject | requester (org) | state | assignee | prio | channel | kind | tags | other |
/// |---|---|---|---|---|---|---|---|---|---|
/// | 1 | Broken lamp | ann (O1) | Open | me | High | email | regular | vip | status New, team, queue, unread, followed by other |
/// | 2 | Refund please | bob (O2) | Pending | other | Low | phone | return | refund, vip | status Waiting, queue, category, inbound h5, unread, followed by me |
/// | 3 | Great service | cid (-) | Closed | - | Urgent | allegro | feedback | - | due h10, message "Thanks, FIVE stars" |
/// | 4 | Where is my parcel | ann (O1) | Archived | me | Normal | chat | regular | refund | due h8, inbound h2, category |
/// | 5 | Merged dup | ann (O1) | Closed | - | Normal | email | regular | vip | merged into 1 |
/// | 6 | Question | bob (O2) | Open | - | Normal | web | regular | - | due h20, favourite of me |
struct Data {
    ws: WorkspaceId,
    me: AgentId,
    other: AgentId,
    tickets: Vec<Ticket>,
    ann: ContactId,
    o1: OrganizationId,
    o2: OrganizationId,
    team: TeamId,
    queue: QueueId,
    category: CategoryId,
}

async fn data(store: &Arc<DynStore>) -> Data {
    let ws = WorkspaceId::new();
    let (me, other) = (AgentId::new(), AgentId::new());
    let (o1, o2) = (OrganizationId::new(), OrganizationId::new());
    let ann = contact(store, ws, "ann@example.com", Some(o1)).await;
    let bob = contact(store, ws, "bob@example.com", Some(o2)).await;
    let cid = contact(store, ws, "cid@example.com", None).await;
    let (team, queue, category) = (TeamId::new(), QueueId::new(), CategoryId::new());

    let mut t1 = ticket(ws, ann, "Broken lamp", 1);
    t1.assignee = Some(me);
    t1.priority = Priority::High;
    t1.tags = BTreeSet::from(["vip".to_string()]);
    t1.status = Some("New".into());
    t1.team = Some(team);
    t1.queue = Some(queue);
    t1.unread_by_owner = true;
    t1.followers = BTreeSet::from([other]);

    let mut t2 = ticket(ws, bob, "Refund please", 2);
    t2.state = State::Pending;
    t2.assignee = Some(other);
    t2.priority = Priority::Low;
    t2.channel = Channel::Phone;
    t2.kind = TicketKind::Return;
    t2.tags = BTreeSet::from(["refund".to_string(), "vip".to_string()]);
    t2.status = Some("Waiting".into());
    t2.queue = Some(queue);
    t2.category = Some(category);
    t2.times.last_inbound = Some(h(5));
    t2.unread_by_owner = true;
    t2.followers = BTreeSet::from([me]);

    let mut t3 = ticket(ws, cid, "Great service", 3);
    t3.state = State::Closed;
    t3.times.closed = Some(h(3));
    t3.priority = Priority::Urgent;
    t3.channel = Channel::Marketplace {
        marketplace: "allegro".into(),
        account: None,
    };
    t3.kind = TicketKind::Feedback;
    t3.sla.resolution = Some(deadline(h(10)));

    let mut t4 = ticket(ws, ann, "Where is my parcel", 4);
    t4.state = State::Archived;
    t4.times.closed = Some(h(4));
    t4.assignee = Some(me);
    t4.channel = Channel::Chat;
    t4.tags = BTreeSet::from(["refund".to_string()]);
    t4.sla.first_response = Some(deadline(h(8)));
    t4.sla.resolution = Some(deadline(h(30)));
    t4.times.last_inbound = Some(h(2));
    t4.category = Some(category);

    let mut t5 = ticket(ws, ann, "Merged dup", 5);
    t5.state = State::Closed;
    t5.times.closed = Some(h(5));
    t5.tags = BTreeSet::from(["vip".to_string()]);
    t5.merged_into = Some(t1.id);

    let mut t6 = ticket(ws, bob, "Question", 6);
    t6.channel = Channel::Web;
    t6.sla.next_response = Some(deadline(h(20)));

    let tickets = create(
        store,
        ws,
        vec![
            (t1, vec!["The lamp flickers."]),
            (t2, vec!["I want my money back."]),
            (t3, vec!["Thanks, FIVE stars!"]),
            (t4, vec!["Ordered a week ago."]),
            (t5, vec!["Same lamp again."]),
            (t6, vec![]),
        ],
    )
    .await;
    for (i, t) in tickets.iter().enumerate() {
        assert_eq!(
            t.number.0,
            i as u64 + 1,
            "tickets of a fresh workspace are numbered 1.."
        );
    }
    store
        .set_favourite(ws, me, tickets[5].id, true)
        .await
        .expect("set_favourite");
    Data {
        ws,
        me,
        other,
        tickets,
        ann,
        o1,
        o2,
        team,
        queue,
        category,
    }
}

/// Each filter predicate selects exactly the tickets it names.
pub async fn query_filter_fields(store: Arc<DynStore>) {
    let d = data(&store).await;
    let (ws, me) = (d.ws, d.me);
    let n = |f: Filter| {
        let store = store.clone();
        async move { numbers(&store, ws, f, me).await }
    };
    assert_eq!(
        n(Filter::All).await,
        [1, 2, 3, 4, 6],
        "all but the merged ticket"
    );
    assert_eq!(n(Filter::State(vec![State::Open])).await, [1, 6]);
    assert_eq!(
        n(Filter::State(vec![State::Closed, State::Archived])).await,
        [3, 4]
    );
    assert_eq!(
        n(Filter::State(vec![])).await,
        Vec::<u64>::new(),
        "an empty list matches nothing"
    );
    assert_eq!(n(Filter::Status(vec![Some("New".into())])).await, [1]);
    assert_eq!(
        n(Filter::Status(vec![None, Some("Waiting".into())])).await,
        [2, 3, 4, 6]
    );
    assert_eq!(
        n(Filter::Status(vec![Some("new".into())])).await,
        Vec::<u64>::new(),
        "status is exact"
    );
    assert_eq!(n(Filter::Assignee(AssigneeMatch::Me)).await, [1, 4]);
    assert_eq!(n(Filter::Assignee(AssigneeMatch::None)).await, [3, 6]);
    assert_eq!(n(Filter::Assignee(AssigneeMatch::Any)).await, [1, 2, 4]);
    assert_eq!(
        n(Filter::Assignee(AssigneeMatch::Agent(d.other))).await,
        [2]
    );
    assert_eq!(n(Filter::Team(vec![Some(d.team)])).await, [1]);
    assert_eq!(n(Filter::Team(vec![None])).await, [2, 3, 4, 6]);
    assert_eq!(n(Filter::Queue(vec![Some(d.queue)])).await, [1, 2]);
    assert_eq!(n(Filter::Category(vec![Some(d.category)])).await, [2, 4]);
    assert_eq!(n(Filter::Category(vec![None])).await, [1, 3, 6]);
    assert_eq!(
        n(Filter::Priority(vec![Priority::High, Priority::Urgent])).await,
        [1, 3]
    );
    assert_eq!(n(Filter::Priority(vec![Priority::Normal])).await, [4, 6]);
    assert_eq!(
        n(Filter::Channel(vec![ChannelKind::Marketplace])).await,
        [3]
    );
    assert_eq!(
        n(Filter::Channel(vec![ChannelKind::Email, ChannelKind::Web])).await,
        [1, 6]
    );
    assert_eq!(
        n(Filter::Channel(vec![ChannelKind::Phone, ChannelKind::Chat])).await,
        [2, 4]
    );
    assert_eq!(n(Filter::Kind(vec![TicketKind::Return])).await, [2]);
    assert_eq!(n(Filter::Kind(vec![TicketKind::Feedback])).await, [3]);
    assert_eq!(n(Filter::Kind(vec![TicketKind::Regular])).await, [1, 4, 6]);
    let tags = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
    assert_eq!(
        n(Filter::Tags(TagMatch::HasAny(tags(&["vip"])))).await,
        [1, 2]
    );
    assert_eq!(
        n(Filter::Tags(TagMatch::HasAny(tags(&["vip", "refund"])))).await,
        [1, 2, 4]
    );
    assert_eq!(
        n(Filter::Tags(TagMatch::HasAll(tags(&["vip", "refund"])))).await,
        [2]
    );
    assert_eq!(
        n(Filter::Tags(TagMatch::HasNone(tags(&["vip", "refund"])))).await,
        [3, 6]
    );
    assert_eq!(
        n(Filter::Tags(TagMatch::HasAny(vec![]))).await,
        Vec::<u64>::new()
    );
    assert_eq!(
        n(Filter::Tags(TagMatch::HasAll(vec![]))).await,
        [1, 2, 3, 4, 6]
    );
    assert_eq!(n(Filter::Requester(vec![d.ann])).await, [1, 4]);
    assert_eq!(n(Filter::Organization(vec![Some(d.o1)])).await, [1, 4]);
    assert_eq!(n(Filter::Organization(vec![Some(d.o2)])).await, [2, 6]);
    assert_eq!(n(Filter::Organization(vec![None])).await, [3]);
    assert_eq!(
        n(Filter::Created(TimeRange::between(h(2), h(4)))).await,
        [2, 3],
        "[from, until)"
    );
    assert_eq!(n(Filter::Created(TimeRange::from(h(4)))).await, [4, 6]);
    assert_eq!(n(Filter::Updated(TimeRange::until(h(2)))).await, [1]);
    assert_eq!(n(Filter::LastInbound(TimeRange::from(h(3)))).await, [2]);
    assert_eq!(n(Filter::LastInbound(TimeRange::until(h(3)))).await, [4]);
    assert_eq!(
        n(Filter::LastInbound(TimeRange::default())).await,
        [2, 4],
        "an open range needs a value"
    );
    assert_eq!(
        n(Filter::Due(TimeRange::until(h(9)))).await,
        [4],
        "due is the earliest deadline"
    );
    assert_eq!(n(Filter::Due(TimeRange::from(h(9)))).await, [3, 6]);
    assert_eq!(n(Filter::UnreadByMe).await, [1]);
    assert_eq!(
        numbers(&store, ws, Filter::UnreadByMe, d.other).await,
        [2],
        "unread is per owner"
    );
    assert_eq!(n(Filter::FollowedByMe).await, [2]);
    assert_eq!(
        numbers(&store, ws, Filter::FollowedByMe, d.other).await,
        [1]
    );
    assert_eq!(n(Filter::FavouriteOfMe).await, [6]);
    assert_eq!(
        numbers(&store, ws, Filter::FavouriteOfMe, d.other).await,
        Vec::<u64>::new()
    );
    assert_eq!(
        n(Filter::Text("LAMP".into())).await,
        [1],
        "subject, case-insensitive; merged #5 left out"
    );
    assert_eq!(
        n(Filter::Text("five stars".into())).await,
        [3],
        "message text, case-insensitive"
    );
    assert_eq!(n(Filter::Text("money".into())).await, [2]);
    assert_eq!(n(Filter::Text("parcel".into())).await, [4]);
    assert_eq!(n(Filter::Text(String::new())).await, [1, 2, 3, 4, 6]);
    assert_eq!(n(Filter::Text("nowhere".into())).await, Vec::<u64>::new());
    let _ = &d.tickets;
}

/// `and`, `or`, `not` and their empty forms; merged tickets only when the
/// filter mentions `Merged`.
pub async fn query_filter_combinators_and_merged(store: Arc<DynStore>) {
    let d = data(&store).await;
    let (ws, me) = (d.ws, d.me);
    let n = |f: Filter| {
        let store = store.clone();
        async move { numbers(&store, ws, f, me).await }
    };
    let open = || Filter::State(vec![State::Open]);
    let mine = || Filter::Assignee(AssigneeMatch::Me);
    assert_eq!(n(Filter::And(vec![open(), mine()])).await, [1]);
    assert_eq!(n(Filter::Or(vec![open(), mine()])).await, [1, 4, 6]);
    assert_eq!(n(Filter::Not(Box::new(open()))).await, [2, 3, 4]);
    assert_eq!(
        n(Filter::And(vec![])).await,
        [1, 2, 3, 4, 6],
        "and of nothing is true"
    );
    assert_eq!(
        n(Filter::Or(vec![])).await,
        Vec::<u64>::new(),
        "or of nothing is false"
    );
    assert_eq!(
        n(Filter::Or(vec![
            Filter::And(vec![open(), Filter::Not(Box::new(mine()))]),
            Filter::And(vec![
                Filter::Priority(vec![Priority::Urgent]),
                Filter::Not(Box::new(open()))
            ]),
        ]))
        .await,
        [3, 6]
    );
    assert_eq!(
        n(Filter::Not(Box::new(Filter::All))).await,
        Vec::<u64>::new()
    );
    // Merged tickets.
    assert_eq!(n(Filter::Merged).await, [5], "only merged tickets");
    assert_eq!(
        n(Filter::Not(Box::new(Filter::Merged))).await,
        [1, 2, 3, 4, 6]
    );
    assert_eq!(
        n(Filter::Or(vec![
            Filter::Merged,
            Filter::Not(Box::new(Filter::Merged))
        ]))
        .await,
        [1, 2, 3, 4, 5, 6],
        "mentioning Merged turns off the default exclusion"
    );
    assert_eq!(
        n(Filter::And(vec![
            Filter::Tags(TagMatch::HasAny(vec!["vip".into()])),
            Filter::Merged
        ]))
        .await,
        [5]
    );
    assert_eq!(
        n(Filter::Tags(TagMatch::HasAny(vec!["vip".into()]))).await,
        [1, 2],
        "merged tickets are left out by default"
    );
    // Serde round trip keeps the meaning.
    let f = Filter::Or(vec![open(), Filter::Not(Box::new(mine()))]);
    let json = serde_json::to_string(&f).expect("serialize");
    let back: Filter = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(n(back).await, n(f).await);
}

fn plain_value(key: SortKey, t: &Ticket) -> Option<i128> {
    let ns = |d: DateTime<Utc>| {
        i128::from(d.timestamp()) * 1_000_000_000 + i128::from(d.timestamp_subsec_nanos())
    };
    match key {
        SortKey::Number => Some(i128::from(t.number.0)),
        SortKey::Created => Some(ns(t.times.created)),
        SortKey::Updated => Some(ns(t.times.updated)),
        SortKey::LastActivity => {
            let mut m = t.times.updated;
            for x in [t.times.last_inbound, t.times.last_outbound]
                .into_iter()
                .flatten()
            {
                m = m.max(x);
            }
            Some(ns(m))
        }
        SortKey::Priority => Some(match t.priority {
            Priority::Low => 0,
            Priority::Normal => 1,
            Priority::High => 2,
            Priority::Urgent => 3,
        }),
        SortKey::Due => [
            &t.sla.first_response,
            &t.sla.next_response,
            &t.sla.resolution,
        ]
        .into_iter()
        .flatten()
        .map(|d| ns(d.due))
        .min(),
    }
}

/// Expected order of one key: values ascending with "no value" last, ties
/// by number ascending; descending is the exact reverse.
fn expected(tickets: &[Ticket], key: SortKey, desc: bool) -> Vec<u64> {
    let mut rows: Vec<(Option<i128>, u64)> = tickets
        .iter()
        .filter(|t| t.merged_into.is_none())
        .map(|t| (plain_value(key, t), t.number.0))
        .collect();
    rows.sort_by(|a, b| {
        let ord = match (a.0, b.0) {
            (Some(x), Some(y)) => x.cmp(&y),
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
        }
        .then(a.1.cmp(&b.1));
        if desc { ord.reverse() } else { ord }
    });
    rows.into_iter().map(|r| r.1).collect()
}

/// Every sort key in both directions, with ties (broken by number in the
/// direction of the last key) and missing due times (last ascending, first
/// descending), paged two rows at a time.
pub async fn query_sort_keys(store: Arc<DynStore>) {
    let ws = WorkspaceId::new();
    let me = AgentId::new();
    let c = contact(&store, ws, "ann@example.com", None).await;
    let prios = [
        Priority::High,
        Priority::Low,
        Priority::High,
        Priority::Urgent,
        Priority::Normal,
        Priority::Low,
        Priority::High,
    ];
    let mut new = Vec::new();
    for i in 0..7i64 {
        // Created: ties in pairs; updated descending in i; activity from
        // messages on some; due on some (with ties).
        let mut t = ticket(ws, c, &format!("T{i}"), 10 - i / 2);
        t.times.updated = h(20 - i);
        if i % 3 == 0 {
            t.times.last_inbound = Some(h(30 + i));
        }
        if i == 4 {
            t.times.last_outbound = Some(h(40));
        }
        t.priority = prios[i as usize];
        match i % 3 {
            0 => t.sla.resolution = Some(deadline(h(50))),
            1 => t.sla.first_response = Some(deadline(h(45 + i))),
            _ => {}
        }
        new.push((t, vec![]));
    }
    let tickets = create(&store, ws, new).await;
    for key in SortKey::ALL {
        for desc in [false, true] {
            let sort = if desc {
                Sort::desc(key)
            } else {
                Sort::asc(key)
            };
            let got = list(&store, ws, &Filter::All, &sort, me).await;
            assert_eq!(
                got,
                expected(&tickets, key, desc),
                "sort by {key:?} desc={desc}"
            );
        }
    }
    // Two keys: priority descending, then due ascending (ties by number
    // ascending, the direction of the last key).
    let sort = Sort::desc(SortKey::Priority).then_asc(SortKey::Due);
    let got = list(&store, ws, &Filter::All, &sort, me).await;
    let mut rows: Vec<&Ticket> = tickets.iter().collect();
    rows.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(
                || match (plain_value(SortKey::Due, a), plain_value(SortKey::Due, b)) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    (None, None) => std::cmp::Ordering::Equal,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (Some(_), None) => std::cmp::Ordering::Less,
                },
            )
            .then(a.number.cmp(&b.number))
    });
    assert_eq!(
        got,
        rows.iter().map(|t| t.number.0).collect::<Vec<_>>(),
        "priority desc, due asc"
    );
    // The default sort is newest first.
    let page = store
        .query_tickets(ws, &Query::new(me))
        .await
        .expect("query");
    assert_eq!(page.tickets.first().map(|t| t.number.0), Some(7));
}

/// Keyset paging while rows are inserted and changed between pages: every
/// row that existed throughout and kept its sort values is returned exactly
/// once, and no row is returned twice.
pub async fn query_cursor_paging_under_writes(store: Arc<DynStore>) {
    let ws = WorkspaceId::new();
    let me = AgentId::new();
    let c = contact(&store, ws, "ann@example.com", None).await;
    let initial: Vec<(Ticket, Vec<&str>)> = (0..30i64)
        .map(|i| {
            let mut t = ticket(ws, c, &format!("T{i}"), i % 7);
            t.times.updated = h(100 + (i * 13) % 17);
            (t, vec![])
        })
        .collect();
    let tickets = create(&store, ws, initial).await;
    for (sort, label) in [
        (Sort::asc(SortKey::Created), "created asc"),
        (Sort::desc(SortKey::Created), "created desc"),
        (
            Sort::desc(SortKey::Updated),
            "updated desc (changed rows move to the front)",
        ),
        (
            Sort::asc(SortKey::Updated),
            "updated asc (changed rows move to the end)",
        ),
    ] {
        let mut seen: Vec<TicketId> = Vec::new();
        let mut changed: HashSet<TicketId> = HashSet::new();
        let mut after: Option<Cursor> = None;
        let mut round = 0i64;
        loop {
            let q = Query::new(me)
                .sort(sort.clone())
                .limit(7)
                .after(after.clone());
            let page = store.query_tickets(ws, &q).await.expect("query");
            seen.extend(page.tickets.iter().map(|t| t.id));
            let Some(next) = page.next else { break };
            after = Some(next);
            round += 1;
            // Insert rows before, between and after the cursor.
            let mut fresh = Vec::new();
            for k in 0..3 {
                let mut t = ticket(ws, c, "new", (round + k) % 7);
                t.times.updated = h(90 + round * 11 + k);
                fresh.push((t, vec![]));
            }
            create(&store, ws, fresh).await;
            // Change some existing rows: tags only (sort values kept) ...
            let mut t = store
                .ticket(ws, tickets[(round as usize * 5) % 30].id)
                .await
                .unwrap()
                .unwrap();
            t.tags.insert(format!("round{round}"));
            update(&store, ws, &t).await;
            // ... and the updated time of another.
            let id = tickets[(round as usize * 7 + 3) % 30].id;
            let mut t = store.ticket(ws, id).await.unwrap().unwrap();
            t.times.updated = h(200 + round);
            update(&store, ws, &t).await;
            changed.insert(id);
        }
        let mut counts: HashMap<TicketId, usize> = HashMap::new();
        for id in &seen {
            *counts.entry(*id).or_default() += 1;
        }
        let sorts_by_updated = sort.by[0].key == SortKey::Updated;
        for t in &tickets {
            let moved = sorts_by_updated && changed.contains(&t.id);
            let c = counts.get(&t.id).copied().unwrap_or(0);
            if moved {
                assert!(c <= 2, "{label}: a moved row is seen at most twice");
            } else {
                assert_eq!(
                    c, 1,
                    "{label}: ticket {} existed throughout and is seen once",
                    t.number
                );
            }
        }
        if sort == Sort::desc(SortKey::Updated) || !sorts_by_updated {
            assert!(counts.values().all(|c| *c == 1), "{label}: no row twice");
        }
    }
}

/// The counters of the built-in views equal the length of each view, for
/// each agent; the unread counter counts unread tickets of the owner.
pub async fn query_counts_match_views(store: Arc<DynStore>) {
    let d = data(&store).await;
    let views = BuiltinView::views();
    for me in [d.me, d.other, AgentId::new()] {
        let counts = count_views(&*store, d.ws, me, &views)
            .await
            .expect("count_views");
        assert_eq!(counts.len(), views.len());
        for (view, count) in views.iter().zip(&counts) {
            assert_eq!(count.view, view.id);
            let rows = list(&store, d.ws, &view.filter, &view.sort, me).await;
            assert_eq!(count.count, rows.len() as u64, "count of {}", view.name);
        }
    }
    let count_of = |b: BuiltinView| {
        let store = store.clone();
        let (ws, me) = (d.ws, d.me);
        async move {
            let v = b.view();
            list(&store, ws, &v.filter, &v.sort, me).await
        }
    };
    assert_eq!(count_of(BuiltinView::WaitingToBeTaken).await, [6]);
    assert_eq!(count_of(BuiltinView::Mine).await, [1]);
    assert_eq!(count_of(BuiltinView::AssignedToOthers).await, [2]);
    assert_eq!(
        count_of(BuiltinView::Closed).await,
        [4, 3],
        "closed: last updated first"
    );
    assert_eq!(count_of(BuiltinView::Following).await, [2]);
    assert_eq!(count_of(BuiltinView::Favourites).await, [6]);
    assert_eq!(unread_count(&*store, d.ws, d.me).await.unwrap(), 1);
    assert_eq!(unread_count(&*store, d.ws, d.other).await.unwrap(), 1);
    assert_eq!(
        unread_count(&*store, d.ws, AgentId::new()).await.unwrap(),
        0
    );
    // Reading (clearing the flag) drops the counter.
    let mut t1 = store.ticket(d.ws, d.tickets[0].id).await.unwrap().unwrap();
    t1.unread_by_owner = false;
    update(&store, d.ws, &t1).await;
    assert_eq!(unread_count(&*store, d.ws, d.me).await.unwrap(), 0);
}

/// Saving, listing, replacing and deleting views; personal views are seen
/// only by their owner, workspace views by everyone.
pub async fn query_views_crud(store: Arc<DynStore>) {
    let ws = WorkspaceId::new();
    let (me, other) = (AgentId::new(), AgentId::new());
    let open = Filter::State(vec![State::Open]);
    let shared_b = View::new("B shared", ViewOwner::Workspace, open.clone());
    let shared_a = View::new("A shared", ViewOwner::Workspace, Filter::UnreadByMe)
        .sorted(Sort::desc(SortKey::Priority).then_asc(SortKey::Due));
    let mine = View::new(
        "My urgent",
        ViewOwner::Agent(me),
        Filter::Priority(vec![Priority::Urgent]),
    );
    let theirs = View::new("Their list", ViewOwner::Agent(other), Filter::All);
    for v in [&shared_b, &shared_a, &mine, &theirs] {
        store.save_view(ws, v).await.expect("save_view");
    }
    let names = |vs: Vec<View>| vs.into_iter().map(|v| v.name).collect::<Vec<_>>();
    assert_eq!(
        names(store.views(ws, ViewOwner::Workspace).await.unwrap()),
        ["A shared", "B shared"],
        "workspace views, by name"
    );
    assert_eq!(
        names(store.views(ws, ViewOwner::Agent(me)).await.unwrap()),
        ["My urgent"]
    );
    assert_eq!(
        names(store.views(ws, ViewOwner::Agent(other)).await.unwrap()),
        ["Their list"]
    );
    assert!(
        store
            .views(ws, ViewOwner::Agent(AgentId::new()))
            .await
            .unwrap()
            .is_empty()
    );
    let visible = visible_views(&*store, ws, me).await.unwrap();
    assert_eq!(visible.len(), BuiltinView::ALL.len() + 3);
    assert!(visible.iter().any(|v| v.id == mine.id));
    assert!(
        !visible.iter().any(|v| v.id == theirs.id),
        "another agent's personal view is hidden"
    );
    assert!(visible.iter().all(|v| v.is_visible_to(me)));
    assert_eq!(
        store.view(ws, shared_a.id).await.unwrap().as_ref(),
        Some(&shared_a),
        "read back unchanged"
    );
    // Replace by id.
    let mut renamed = shared_a.clone();
    renamed.name = "C shared".into();
    renamed.filter = Filter::FollowedByMe;
    store.save_view(ws, &renamed).await.unwrap();
    assert_eq!(
        store.view(ws, shared_a.id).await.unwrap(),
        Some(renamed.clone())
    );
    assert_eq!(
        names(store.views(ws, ViewOwner::Workspace).await.unwrap()),
        ["B shared", "C shared"]
    );
    // Delete.
    store
        .delete_view(ws, shared_b.id)
        .await
        .expect("delete_view");
    assert!(store.view(ws, shared_b.id).await.unwrap().is_none());
    assert!(matches!(
        store.delete_view(ws, shared_b.id).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        names(store.views(ws, ViewOwner::Workspace).await.unwrap()),
        ["C shared"]
    );
    // Invalid views are refused.
    let mut blank = View::new("  ", ViewOwner::Workspace, Filter::All);
    assert!(matches!(
        store.save_view(ws, &blank).await,
        Err(Error::Validation { .. })
    ));
    blank.name = "Mine".into();
    blank.id = BuiltinView::Mine.id();
    assert!(matches!(
        store.save_view(ws, &blank).await,
        Err(Error::Validation { .. })
    ));
    assert!(store.view(ws, blank.id).await.unwrap().is_none());
}

/// Favourites: per agent, idempotent, listed by number, usable in filters.
pub async fn query_favourites(store: Arc<DynStore>) {
    let d = data(&store).await;
    let (ws, me, other) = (d.ws, d.me, d.other);
    let id = |n: usize| d.tickets[n - 1].id;
    store.set_favourite(ws, me, id(3), true).await.unwrap();
    store
        .set_favourite(ws, me, id(3), true)
        .await
        .expect("idempotent");
    store.set_favourite(ws, me, id(1), true).await.unwrap();
    store.set_favourite(ws, other, id(2), true).await.unwrap();
    assert_eq!(
        store.favourites(ws, me).await.unwrap(),
        [id(1), id(3), id(6)],
        "by number"
    );
    assert_eq!(store.favourites(ws, other).await.unwrap(), [id(2)]);
    assert_eq!(
        numbers(&store, ws, Filter::FavouriteOfMe, me).await,
        [1, 3, 6]
    );
    assert_eq!(numbers(&store, ws, Filter::FavouriteOfMe, other).await, [2]);
    store.set_favourite(ws, me, id(3), false).await.unwrap();
    store
        .set_favourite(ws, me, id(3), false)
        .await
        .expect("unset twice");
    store
        .set_favourite(ws, me, id(4), false)
        .await
        .expect("unset a non-favourite");
    assert_eq!(store.favourites(ws, me).await.unwrap(), [id(1), id(6)]);
    assert_eq!(
        numbers(&store, ws, !Filter::FavouriteOfMe, me).await,
        [2, 3, 4]
    );
    assert!(matches!(
        store.set_favourite(ws, me, TicketId::new(), true).await,
        Err(Error::NotFound { .. })
    ));
    assert!(
        store
            .favourites(ws, AgentId::new())
            .await
            .unwrap()
            .is_empty()
    );
}

/// Previous / next within a view, by the view's sort.
pub async fn query_navigation(store: Arc<DynStore>) {
    let d = data(&store).await;
    let (ws, me) = (d.ws, d.me);
    let id = |n: usize| d.tickets[n - 1].id;
    let nav = |filter: Filter, sort: Sort, n: usize| {
        let store = store.clone();
        let ticket = id(n);
        async move {
            let got = store
                .neighbours(ws, &filter, &sort, me, ticket)
                .await
                .expect("neighbours");
            let paged = neighbours_by_paging(&*store, ws, &filter, &sort, me, ticket)
                .await
                .expect("neighbours_by_paging");
            let num = |t: &Option<Ticket>| t.as_ref().map(|t| t.number.0);
            assert_eq!(
                num(&got.previous),
                num(&paged.previous),
                "agrees with paging"
            );
            assert_eq!(num(&got.next), num(&paged.next), "agrees with paging");
            (num(&got.previous), num(&got.next))
        }
    };
    // Priority descending: 3 (urgent), 1 (high), 6, 4 (normal, ties by number
    // descending), 2 (low).
    let by_prio = Sort::desc(SortKey::Priority);
    assert_eq!(
        list(&store, ws, &Filter::All, &by_prio, me).await,
        [3, 1, 6, 4, 2]
    );
    assert_eq!(nav(Filter::All, by_prio.clone(), 3).await, (None, Some(1)));
    assert_eq!(
        nav(Filter::All, by_prio.clone(), 1).await,
        (Some(3), Some(6))
    );
    assert_eq!(
        nav(Filter::All, by_prio.clone(), 6).await,
        (Some(1), Some(4))
    );
    assert_eq!(nav(Filter::All, by_prio.clone(), 2).await, (Some(4), None));
    // Within a filter; the current ticket need not match it.
    let open_or_pending = Filter::State(vec![State::Open, State::Pending]);
    assert_eq!(
        nav(open_or_pending.clone(), by_prio.clone(), 6).await,
        (Some(1), Some(2))
    );
    assert_eq!(
        nav(open_or_pending.clone(), by_prio.clone(), 4).await,
        (Some(6), Some(2)),
        "4 is archived"
    );
    // By due ascending (no due time last): 4 (h8), 3 (h10), 6 (h20), 1, 2.
    let by_due = Sort::asc(SortKey::Due);
    assert_eq!(
        list(&store, ws, &Filter::All, &by_due, me).await,
        [4, 3, 6, 1, 2]
    );
    assert_eq!(
        nav(Filter::All, by_due.clone(), 6).await,
        (Some(3), Some(1))
    );
    assert_eq!(
        nav(Filter::All, by_due.clone(), 1).await,
        (Some(6), Some(2))
    );
    // Merged tickets are not neighbours unless asked for.
    assert_eq!(
        nav(Filter::All, Sort::asc(SortKey::Number), 4).await,
        (Some(3), Some(6))
    );
    assert_eq!(
        nav(
            Filter::Merged | !Filter::Merged,
            Sort::asc(SortKey::Number),
            4
        )
        .await,
        (Some(3), Some(5))
    );
    assert!(matches!(
        store
            .neighbours(ws, &Filter::All, &by_due, me, TicketId::new())
            .await,
        Err(Error::NotFound { .. })
    ));
}

/// Queries, counters, views and favourites never cross workspaces.
pub async fn query_workspace_isolation(store: Arc<DynStore>) {
    let d = data(&store).await;
    let a = d.ws;
    let b = WorkspaceId::new();
    let view = View::new("A view", ViewOwner::Workspace, Filter::All);
    let personal = View::new("A mine", ViewOwner::Agent(d.me), Filter::All);
    store.save_view(a, &view).await.unwrap();
    store.save_view(a, &personal).await.unwrap();
    // B is empty.
    for f in [
        Filter::All,
        Filter::Merged,
        Filter::FavouriteOfMe,
        Filter::Text("lamp".into()),
    ] {
        assert!(numbers(&store, b, f, d.me).await.is_empty());
    }
    assert!(
        store
            .views(b, ViewOwner::Workspace)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .views(b, ViewOwner::Agent(d.me))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.view(b, view.id).await.unwrap().is_none());
    assert!(matches!(
        store.delete_view(b, view.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(
        store.view(a, view.id).await.unwrap().is_some(),
        "deleting from B left A's view"
    );
    assert!(store.favourites(b, d.me).await.unwrap().is_empty());
    assert!(matches!(
        store.set_favourite(b, d.me, d.tickets[0].id, true).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        store
            .neighbours(b, &Filter::All, &Sort::default(), d.me, d.tickets[0].id)
            .await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(unread_count(&*store, b, d.me).await.unwrap(), 0);
    // B's own data stays in B.
    let c = contact(&store, b, "zed@example.com", Some(d.o1)).await;
    let mut t = ticket(b, c, "Broken lamp in B", 1);
    t.assignee = Some(d.me);
    t.unread_by_owner = true;
    let tb = create(&store, b, vec![(t, vec!["lamp"])]).await;
    store.set_favourite(b, d.me, tb[0].id, true).await.unwrap();
    let bview = View::new("B view", ViewOwner::Workspace, Filter::All);
    store.save_view(b, &bview).await.unwrap();
    assert_eq!(numbers(&store, b, Filter::All, d.me).await, [1]);
    assert_eq!(
        numbers(&store, a, Filter::Text("lamp".into()), d.me).await,
        [1]
    );
    assert_eq!(
        store
            .query_tickets(a, &Query::new(d.me).filter(Filter::Text("in B".into())))
            .await
            .unwrap()
            .tickets
            .len(),
        0
    );
    assert_eq!(numbers(&store, a, Filter::FavouriteOfMe, d.me).await, [6]);
    assert_eq!(
        numbers(&store, b, Filter::Organization(vec![Some(d.o1)]), d.me).await,
        [1]
    );
    assert_eq!(
        numbers(&store, a, Filter::Organization(vec![Some(d.o1)]), d.me).await,
        [1, 4]
    );
    assert_eq!(unread_count(&*store, a, d.me).await.unwrap(), 1);
    assert_eq!(unread_count(&*store, b, d.me).await.unwrap(), 1);
    assert_eq!(
        store
            .views(a, ViewOwner::Workspace)
            .await
            .unwrap()
            .iter()
            .map(|v| v.id)
            .collect::<Vec<_>>(),
        [view.id]
    );
    assert_eq!(store.favourites(a, d.me).await.unwrap(), [d.tickets[5].id]);
    let _ = (d.o2, d.queue);
}

/// Bad page sizes, damaged cursors, cursors of another sort and too deep
/// filters are `Validation` errors.
pub async fn query_rejects_bad_input(store: Arc<DynStore>) {
    let d = data(&store).await;
    let (ws, me) = (d.ws, d.me);
    let is_validation =
        |r: Result<crate::query::Page, Error>| matches!(r, Err(Error::Validation { .. }));
    assert!(is_validation(
        store.query_tickets(ws, &Query::new(me).limit(0)).await
    ));
    assert!(is_validation(
        store.query_tickets(ws, &Query::new(me).limit(1001)).await
    ));
    let first = store
        .query_tickets(ws, &Query::new(me).sort(Sort::asc(SortKey::Due)).limit(1))
        .await
        .unwrap();
    let cursor = first.next.expect("more than one page");
    let other_sort = Query::new(me)
        .sort(Sort::desc(SortKey::Due))
        .after(Some(cursor.clone()));
    assert!(
        is_validation(store.query_tickets(ws, &other_sort).await),
        "cursor of another sort"
    );
    let damaged = Query::new(me)
        .sort(Sort::asc(SortKey::Due))
        .after(Some(Cursor::from(format!("{cursor}x"))));
    assert!(
        is_validation(store.query_tickets(ws, &damaged).await),
        "damaged cursor"
    );
    let garbage = Query::new(me).after(Some(Cursor::from("garbage".to_string())));
    assert!(is_validation(store.query_tickets(ws, &garbage).await));
    let mut deep = Filter::All;
    for _ in 0..MAX_FILTER_DEPTH {
        deep = Filter::Not(Box::new(deep));
    }
    assert!(is_validation(
        store
            .query_tickets(ws, &Query::new(me).filter(deep.clone()))
            .await
    ));
    assert!(matches!(
        store.count_tickets(ws, &deep, me).await,
        Err(Error::Validation { .. })
    ));
    // A cursor of an empty workspace's sort still works in another (it is
    // only a position).
    let ok = Query::new(me)
        .sort(Sort::asc(SortKey::Due))
        .after(Some(cursor));
    assert!(
        store
            .query_tickets(WorkspaceId::new(), &ok)
            .await
            .unwrap()
            .tickets
            .is_empty()
    );
}

/// `Filter::Text` is a word-prefix search with the core tokeniser
/// ([`crate::query::words`]): every search word is a prefix of a word of the
/// subject or of some message (case-insensitive, any script), not a
/// substring; a search without words matches all; redacted subjects and
/// messages are no longer found, new messages and new subjects are.
pub async fn query_text_search(store: Arc<DynStore>) {
    let ws = WorkspaceId::new();
    let me = AgentId::new();
    let ann = contact(&store, ws, "ann@example.com", None).await;
    let t1 = ticket(ws, ann, "Invoice 2026/03 missing", 1);
    let mut t6 = ticket(ws, ann, "Invoice copy", 6);
    t6.merged_into = Some(t1.id);
    let tickets = create(
        &store,
        ws,
        vec![
            (t1, vec!["Where is my invoice?"]),
            (
                ticket(ws, ann, "Żółwie w ogrodzie", 2),
                vec!["Mam dwa ŻÓŁWIE i jednego kota."],
            ),
            (
                ticket(ws, ann, "Lamp", 3),
                vec!["It is broken.", "Sent a photo"],
            ),
            (ticket(ws, ann, "Voice message", 4), vec!["Call me back"]),
            (
                ticket(ws, ann, "Secret order", 5),
                vec!["Ann Kowalska, Gdansk Street 12"],
            ),
            (t6, vec!["Copy of the invoice, please"]),
        ],
    )
    .await;
    let n = |f: Filter| {
        let store = store.clone();
        async move { numbers(&store, ws, f, me).await }
    };
    let text = |s: &str| Filter::Text(s.to_string());
    let none = Vec::<u64>::new();

    assert_eq!(n(text("invo")).await, [1], "a prefix; merged #6 left out");
    assert_eq!(n(text("INVOICE")).await, [1], "case-insensitive");
    assert_eq!(n(text("invoice?")).await, [1], "punctuation is no word");
    assert_eq!(n(text("voice")).await, [4], "not a substring of invoice");
    assert_eq!(n(text("nvoice")).await, none);
    assert_eq!(n(text("invoices")).await, none, "longer than the word");
    assert_eq!(n(text("ŻÓŁW")).await, [2], "unicode, case-insensitive");
    assert_eq!(n(text("żółwie")).await, [2]);
    assert_eq!(n(text("zolw")).await, none, "no accent folding");
    assert_eq!(n(text("mam kot")).await, [2], "every word, as prefixes");
    assert_eq!(n(text("2026")).await, [1], "digits are words");
    assert_eq!(n(text("03 missing")).await, [1]);
    assert_eq!(
        n(text("lamp broken")).await,
        [3],
        "words from the subject and a message"
    );
    assert_eq!(
        n(text("broken photo")).await,
        [3],
        "words from different messages"
    );
    assert_eq!(
        n(text("lamp-BROKEN!")).await,
        [3],
        "the search splits the same way"
    );
    assert_eq!(
        n(text("lamp call")).await,
        none,
        "words of different tickets"
    );
    assert_eq!(n(text("")).await, [1, 2, 3, 4, 5]);
    assert_eq!(
        n(text(" !!! ... -- ")).await,
        [1, 2, 3, 4, 5],
        "no words: all"
    );
    assert_eq!(n(!text("invo")).await, [2, 3, 4, 5]);
    assert_eq!(n(!text("?")).await, none);
    assert_eq!(n(text("invo") | text("lamp")).await, [1, 3]);
    assert_eq!(
        n(text("invo") & Filter::Merged).await,
        [6],
        "merged tickets when the filter mentions them"
    );
    assert_eq!(n(text("copy please") & Filter::Merged).await, [6]);

    // A new message and a new subject are found.
    let message = Message::new(
        ws,
        tickets[3].id,
        Actor::System,
        Channel::Email,
        "Invoice attached",
        t0(),
    );
    store
        .commit(
            ws,
            Commit {
                messages: vec![message],
                ..Commit::default()
            },
        )
        .await
        .expect("add a message");
    assert_eq!(n(text("invo")).await, [1, 4]);
    let mut t4 = tickets[3].clone();
    t4.subject = "Phone call".into();
    update(&store, ws, &t4).await;
    assert_eq!(n(text("voice")).await, none, "the old subject is gone");
    assert_eq!(n(text("phone call")).await, [4]);

    // Anonymised: the subject and the message text are no longer found.
    let secret = tickets[4].clone();
    assert_eq!(n(text("secret")).await, [5]);
    assert_eq!(n(text("kowalska gdansk")).await, [5]);
    update(&store, ws, &crate::anonymise::redact_ticket(&secret)).await;
    assert_eq!(n(text("secret")).await, none, "redacted subject");
    assert_eq!(
        n(text("kowalska")).await,
        [5],
        "the message is not redacted yet"
    );
    let redactions = store
        .messages(ws, secret.id)
        .await
        .expect("messages")
        .iter()
        .map(|m| MessageUpdate::Redact(Box::new(crate::anonymise::redact_message(m))))
        .collect();
    store
        .commit(
            ws,
            Commit {
                message_updates: redactions,
                ..Commit::default()
            },
        )
        .await
        .expect("redact the messages");
    for gone in ["kowalska", "gdansk", "street 12", "ann"] {
        assert_eq!(n(text(gone)).await, none, "{gone} was redacted");
    }
    assert_eq!(
        n(text(crate::anonymise::PLACEHOLDER)).await,
        [5],
        "the placeholder is text like any other"
    );
}
