//! Oracle test of the query layer: for random tickets committed to a
//! `MemoryStore` and random filters (depth <= 3) and sorts, paging through
//! `query_tickets` with cursors returns exactly the tickets of a naive
//! reference evaluation written out plainly here (not using the library's
//! evaluation or comparators), in the same order; `count_tickets` agrees.

use chrono::{DateTime, Duration, TimeZone, Utc};
use helpdesk_core::lifecycle::State;
use helpdesk_core::model::{
    Actor, AgentId, Channel, Contact, ContactId, Deadline, Message, OrganizationId, Priority,
    QueueId, TeamId, Ticket, TicketId, TicketKind, WorkspaceId,
};
use helpdesk_core::ports::{Commit, ContactWrite, Store, TicketWrite};
use helpdesk_core::query::{
    AssigneeMatch, ChannelKind, Cursor, Filter, Query, Sort, SortBy, SortKey, SortOrder, TagMatch,
    TimeRange,
};
use helpdesk_memory::MemoryStore;
use proptest::prelude::*;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};

const SUBJECTS: [&str; 4] = ["Lamp broken", "Refund", "parcel LATE", "Hello"];
const TEXTS: [&str; 5] = ["the lamp", "REFUND now", "thanks", "late parcel", "Zürich"];
const NEEDLES: [&str; 12] = [
    "lamp", "refund", "LATE", "xyz", "", "e", "zür", "amp", "l", "lamp now", "par-late", "?!",
];
const TAGS: [&str; 3] = ["vip", "refund", "b2b"];
const STATUSES: [&str; 2] = ["New", "Waiting"];

fn h(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::hours(hours)
}

/// The fixed world each case draws from.
struct World {
    ws: WorkspaceId,
    agents: [AgentId; 3],
    contacts: [ContactId; 3],
    orgs: [OrganizationId; 2],
    /// Organization of each contact.
    contact_org: [Option<usize>; 3],
    teams: [TeamId; 2],
    queues: [QueueId; 2],
}

impl World {
    /// The same ids in every case (each case has a fresh store).
    fn fixed() -> Self {
        Self {
            ws: WorkspaceId::from_u128(1),
            agents: [
                AgentId::from_u128(11),
                AgentId::from_u128(12),
                AgentId::from_u128(13),
            ],
            contacts: [
                ContactId::from_u128(21),
                ContactId::from_u128(22),
                ContactId::from_u128(23),
            ],
            orgs: [OrganizationId::from_u128(31), OrganizationId::from_u128(32)],
            contact_org: [Some(0), Some(1), None],
            teams: [TeamId::from_u128(41), TeamId::from_u128(42)],
            queues: [QueueId::from_u128(51), QueueId::from_u128(52)],
        }
    }
}

/// A random ticket, as indices into the world.
#[derive(Debug, Clone)]
struct Spec {
    subject: usize,
    state: usize,
    status: Option<usize>,
    assignee: Option<usize>,
    team: Option<usize>,
    queue: Option<usize>,
    priority: usize,
    channel: usize,
    kind: usize,
    tags: Vec<bool>,
    requester: usize,
    created: i64,
    updated_after: i64,
    last_inbound: Option<i64>,
    last_outbound: Option<i64>,
    dues: [Option<i64>; 3],
    unread: bool,
    followers: Vec<bool>,
    favourite_of: Vec<bool>,
    merged: bool,
    texts: Vec<usize>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            0..SUBJECTS.len(),
            0..4usize,
            proptest::option::of(0..2usize),
            proptest::option::of(0..3usize),
            proptest::option::of(0..2usize),
            proptest::option::of(0..2usize),
            0..4usize,
            0..7usize,
            0..3usize,
        ),
        (
            proptest::collection::vec(any::<bool>(), 3),
            0..3usize,
            0..5i64,
            0..3i64,
            proptest::option::of(0..8i64),
            proptest::option::of(0..8i64),
            [
                proptest::option::of(0..6i64),
                proptest::option::of(0..6i64),
                proptest::option::of(0..6i64),
            ],
            any::<bool>(),
            proptest::collection::vec(any::<bool>(), 3),
            proptest::collection::vec(any::<bool>(), 3),
            proptest::bool::weighted(0.15),
            proptest::collection::vec(0..TEXTS.len(), 0..3),
        ),
    )
        .prop_map(
            |(
                (subject, state, status, assignee, team, queue, priority, channel, kind),
                (
                    tags,
                    requester,
                    created,
                    updated_after,
                    last_inbound,
                    last_outbound,
                    dues,
                    unread,
                    followers,
                    favourite_of,
                    merged,
                    texts,
                ),
            )| Spec {
                subject,
                state,
                status,
                assignee,
                team,
                queue,
                priority,
                channel,
                kind,
                tags,
                requester,
                created,
                updated_after,
                last_inbound,
                last_outbound,
                dues,
                unread,
                followers,
                favourite_of,
                merged,
                texts,
            },
        )
}

const STATES: [State; 4] = [State::Open, State::Pending, State::Closed, State::Archived];
const PRIORITIES: [Priority; 4] = [
    Priority::Low,
    Priority::Normal,
    Priority::High,
    Priority::Urgent,
];
const KINDS: [TicketKind; 3] = [
    TicketKind::Regular,
    TicketKind::Return,
    TicketKind::Feedback,
];

fn channel(i: usize) -> Channel {
    match i {
        0 => Channel::Email,
        1 => Channel::Phone,
        2 => Channel::Sms,
        3 => Channel::Chat,
        4 => Channel::Web,
        5 => Channel::Api,
        _ => Channel::Marketplace {
            marketplace: "allegro".into(),
            account: Some("shop".into()),
        },
    }
}

/// A random time range over the hours the data uses.
fn range() -> impl Strategy<Value = (Option<i64>, Option<i64>)> {
    (proptest::option::of(0..9i64), proptest::option::of(0..9i64))
}

fn to_range((from, until): (Option<i64>, Option<i64>)) -> TimeRange {
    TimeRange {
        from: from.map(h),
        until: until.map(h),
    }
}

fn leaf(w: &World) -> BoxedStrategy<Filter> {
    let agents = w.agents;
    let contacts = w.contacts;
    let orgs = w.orgs;
    let teams = w.teams;
    let queues = w.queues;
    let tags = || {
        proptest::sample::subsequence(TAGS.to_vec(), 0..=2)
            .prop_map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
    };
    prop_oneof![
        Just(Filter::All),
        proptest::sample::subsequence(STATES.to_vec(), 0..=2).prop_map(Filter::State),
        proptest::collection::vec(proptest::option::of(0..2usize), 0..=2).prop_map(|v| {
            Filter::Status(
                v.into_iter()
                    .map(|s| s.map(|i| STATUSES[i].to_string()))
                    .collect(),
            )
        }),
        (0..5usize).prop_map(move |i| Filter::Assignee(match i {
            0 => AssigneeMatch::Me,
            1 => AssigneeMatch::None,
            2 => AssigneeMatch::Any,
            3 => AssigneeMatch::Agent(agents[1]),
            _ => AssigneeMatch::Agent(agents[0]),
        })),
        proptest::collection::vec(proptest::option::of(0..2usize), 0..=2)
            .prop_map(move |v| Filter::Team(v.into_iter().map(|o| o.map(|i| teams[i])).collect())),
        proptest::collection::vec(proptest::option::of(0..2usize), 0..=2).prop_map(move |v| {
            Filter::Queue(v.into_iter().map(|o| o.map(|i| queues[i])).collect())
        }),
        proptest::sample::subsequence(PRIORITIES.to_vec(), 0..=3).prop_map(Filter::Priority),
        proptest::sample::subsequence(ChannelKind::ALL.to_vec(), 0..=3).prop_map(Filter::Channel),
        proptest::sample::subsequence(KINDS.to_vec(), 0..=2).prop_map(Filter::Kind),
        tags().prop_map(|t| Filter::Tags(TagMatch::HasAny(t))),
        tags().prop_map(|t| Filter::Tags(TagMatch::HasAll(t))),
        tags().prop_map(|t| Filter::Tags(TagMatch::HasNone(t))),
        proptest::sample::subsequence(contacts.to_vec(), 0..=2).prop_map(Filter::Requester),
        proptest::collection::vec(proptest::option::of(0..2usize), 0..=2).prop_map(move |v| {
            Filter::Organization(v.into_iter().map(|o| o.map(|i| orgs[i])).collect())
        }),
        range().prop_map(|r| Filter::Created(to_range(r))),
        range().prop_map(|r| Filter::Updated(to_range(r))),
        range().prop_map(|r| Filter::LastInbound(to_range(r))),
        range().prop_map(|r| Filter::Due(to_range(r))),
        Just(Filter::UnreadByMe),
        Just(Filter::FollowedByMe),
        Just(Filter::FavouriteOfMe),
        (0..NEEDLES.len()).prop_map(|i| Filter::Text(NEEDLES[i].to_string())),
        Just(Filter::Merged),
    ]
    .boxed()
}

/// Filters of depth <= 3.
fn filter(w: &World) -> impl Strategy<Value = Filter> + use<> {
    leaf(w).prop_recursive(2, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Filter::And),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Filter::Or),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    })
}

fn sort() -> impl Strategy<Value = Sort> {
    proptest::collection::vec((0..6usize, any::<bool>()), 0..3).prop_map(|keys| Sort {
        by: keys
            .into_iter()
            .map(|(k, desc)| SortBy {
                key: SortKey::ALL[k],
                order: if desc {
                    SortOrder::Desc
                } else {
                    SortOrder::Asc
                },
            })
            .collect(),
    })
}

// ---- the reference, written plainly ----

struct Facts {
    me: AgentId,
    org_of: HashMap<ContactId, Option<OrganizationId>>,
    favourites: HashSet<TicketId>,
    texts: HashMap<TicketId, Vec<String>>,
}

fn in_range(r: &TimeRange, t: Option<DateTime<Utc>>) -> bool {
    match t {
        None => false,
        Some(t) => {
            if let Some(from) = r.from
                && t < from
            {
                return false;
            }
            if let Some(until) = r.until
                && t >= until
            {
                return false;
            }
            true
        }
    }
}

fn earliest_due(t: &Ticket) -> Option<DateTime<Utc>> {
    let mut best: Option<DateTime<Utc>> = None;
    for d in [
        &t.sla.first_response,
        &t.sla.next_response,
        &t.sla.resolution,
    ]
    .into_iter()
    .flatten()
    {
        match best {
            Some(b) if b <= d.due => {}
            _ => best = Some(d.due),
        }
    }
    best
}

fn channel_kind_name(c: &Channel) -> &'static str {
    match c {
        Channel::Email => "email",
        Channel::Phone => "phone",
        Channel::Sms => "sms",
        Channel::Chat => "chat",
        Channel::Web => "web",
        Channel::Api => "api",
        Channel::Marketplace { .. } => "marketplace",
    }
}

fn reference(f: &Filter, t: &Ticket, x: &Facts) -> bool {
    match f {
        Filter::All => true,
        Filter::And(fs) => {
            for f in fs {
                if !reference(f, t, x) {
                    return false;
                }
            }
            true
        }
        Filter::Or(fs) => {
            for f in fs {
                if reference(f, t, x) {
                    return true;
                }
            }
            false
        }
        Filter::Not(f) => !reference(f, t, x),
        Filter::State(v) => v.contains(&t.state),
        Filter::Status(v) => v.contains(&t.status),
        Filter::Assignee(AssigneeMatch::Me) => t.assignee == Some(x.me),
        Filter::Assignee(AssigneeMatch::None) => t.assignee.is_none(),
        Filter::Assignee(AssigneeMatch::Any) => t.assignee.is_some(),
        Filter::Assignee(AssigneeMatch::Agent(a)) => t.assignee == Some(*a),
        Filter::Team(v) => v.contains(&t.team),
        Filter::Queue(v) => v.contains(&t.queue),
        Filter::Category(v) => v.contains(&t.category),
        Filter::Priority(v) => v.contains(&t.priority),
        Filter::Channel(v) => v
            .iter()
            .any(|k| serde_json::to_value(k).unwrap() == channel_kind_name(&t.channel)),
        Filter::Kind(v) => v.contains(&t.kind),
        Filter::Tags(TagMatch::HasAny(v)) => v.iter().any(|g| t.tags.contains(g)),
        Filter::Tags(TagMatch::HasAll(v)) => v.iter().all(|g| t.tags.contains(g)),
        Filter::Tags(TagMatch::HasNone(v)) => v.iter().all(|g| !t.tags.contains(g)),
        Filter::Requester(v) => v.contains(&t.requester),
        Filter::Organization(v) => {
            let org = x.org_of.get(&t.requester).copied().flatten();
            v.contains(&org)
        }
        Filter::Created(r) => in_range(r, Some(t.times.created)),
        Filter::Updated(r) => in_range(r, Some(t.times.updated)),
        Filter::LastInbound(r) => in_range(r, t.times.last_inbound),
        Filter::Due(r) => in_range(r, earliest_due(t)),
        Filter::UnreadByMe => t.unread_by_owner && t.assignee == Some(x.me),
        Filter::FollowedByMe => t.followers.contains(&x.me),
        Filter::FavouriteOfMe => x.favourites.contains(&t.id),
        Filter::Text(s) => {
            // Every search word starts some word of the subject or of a
            // message (the texts here are short: no caps in play).
            let mut all_words = plain_words(&t.subject);
            for m in x.texts.get(&t.id).into_iter().flatten() {
                all_words.extend(plain_words(m));
            }
            plain_words(s)
                .iter()
                .all(|q| all_words.iter().any(|w| w.starts_with(q.as_str())))
        }
        Filter::Merged => t.merged_into.is_some(),
    }
}

/// Lowercased runs of letters and digits.
fn plain_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else if !word.is_empty() {
            out.push(word.to_lowercase());
            word.clear();
        }
    }
    if !word.is_empty() {
        out.push(word.to_lowercase());
    }
    out
}

fn mentions_merged(f: &Filter) -> bool {
    match f {
        Filter::Merged => true,
        Filter::And(fs) | Filter::Or(fs) => fs.iter().any(mentions_merged),
        Filter::Not(f) => mentions_merged(f),
        _ => false,
    }
}

/// A key value as (has no value, number): "no value" sorts after values.
fn key_value(key: SortKey, t: &Ticket) -> (bool, i128) {
    let ns = |d: DateTime<Utc>| d.timestamp_nanos_opt().unwrap() as i128;
    match key {
        SortKey::Number => (false, t.number.0 as i128),
        SortKey::Created => (false, ns(t.times.created)),
        SortKey::Updated => (false, ns(t.times.updated)),
        SortKey::LastActivity => {
            let mut m = t.times.updated;
            if let Some(i) = t.times.last_inbound
                && i > m
            {
                m = i;
            }
            if let Some(o) = t.times.last_outbound
                && o > m
            {
                m = o;
            }
            (false, ns(m))
        }
        SortKey::Priority => (
            false,
            PRIORITIES.iter().position(|p| *p == t.priority).unwrap() as i128,
        ),
        SortKey::Due => match earliest_due(t) {
            Some(d) => (false, ns(d)),
            None => (true, 0),
        },
    }
}

fn reference_cmp(sort: &Sort, a: &Ticket, b: &Ticket) -> Ordering {
    for by in &sort.by {
        let ord = key_value(by.key, a).cmp(&key_value(by.key, b));
        let ord = if by.order == SortOrder::Desc {
            ord.reverse()
        } else {
            ord
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    let ord = a.number.cmp(&b.number);
    match sort.by.last() {
        Some(by) if by.order == SortOrder::Desc => ord.reverse(),
        _ => ord,
    }
}

fn build(w: &World, specs: &[Spec]) -> (Vec<Ticket>, Vec<Message>) {
    let mut tickets: Vec<Ticket> = Vec::new();
    let mut messages = Vec::new();
    for s in specs {
        let created = h(s.created);
        let mut t = Ticket::new(
            w.ws,
            SUBJECTS[s.subject],
            w.contacts[s.requester],
            channel(s.channel),
            created,
        );
        t.state = STATES[s.state];
        t.status = s.status.map(|i| STATUSES[i].to_string());
        t.assignee = s.assignee.map(|i| w.agents[i]);
        t.team = s.team.map(|i| w.teams[i]);
        t.queue = s.queue.map(|i| w.queues[i]);
        t.priority = PRIORITIES[s.priority];
        t.kind = KINDS[s.kind];
        t.tags = TAGS
            .iter()
            .zip(&s.tags)
            .filter(|(_, on)| **on)
            .map(|(g, _)| g.to_string())
            .collect::<BTreeSet<_>>();
        t.times.updated = created + Duration::minutes(s.updated_after * 45);
        t.times.last_inbound = s.last_inbound.map(h);
        t.times.last_outbound = s.last_outbound.map(h);
        let slots = [
            &mut t.sla.first_response,
            &mut t.sla.next_response,
            &mut t.sla.resolution,
        ];
        for (slot, due) in slots.into_iter().zip(s.dues) {
            *slot = due.map(|d| Deadline {
                started: created,
                target_minutes: 60,
                paused_minutes: 0,
                due: h(d),
                warn_at: h(d),
                warned: false,
                breached: false,
            });
        }
        t.unread_by_owner = s.unread;
        t.followers = w
            .agents
            .iter()
            .zip(&s.followers)
            .filter(|(_, on)| **on)
            .map(|(a, _)| *a)
            .collect();
        if s.merged {
            t.merged_into = Some(tickets.first().map_or_else(TicketId::new, |f| f.id));
        }
        for i in &s.texts {
            messages.push(Message::new(
                w.ws,
                t.id,
                Actor::System,
                Channel::Email,
                TEXTS[*i],
                created,
            ));
        }
        tickets.push(t);
    }
    (tickets, messages)
}

fn run_case(
    specs: Vec<Spec>,
    filter: Filter,
    sort: Sort,
    limit: usize,
    me_index: usize,
    w: &World,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = MemoryStore::new();
        let me = w.agents[me_index];
        let contacts = (0..3)
            .map(|i| {
                let mut c = Contact::with_email(w.ws, &format!("c{i}@example.com"), None);
                c.id = w.contacts[i];
                c.organization = w.contact_org[i].map(|o| w.orgs[o]);
                ContactWrite::Create(c)
            })
            .collect();
        let (tickets, messages) = build(w, &specs);
        let stored = store
            .commit(
                w.ws,
                Commit {
                    tickets: tickets.into_iter().map(TicketWrite::Create).collect(),
                    messages: messages.clone(),
                    contacts,
                    ..Commit::default()
                },
            )
            .await
            .unwrap()
            .tickets;
        let mut favourites = HashSet::new();
        for (t, s) in stored.iter().zip(&specs) {
            for (agent, on) in w.agents.iter().zip(&s.favourite_of) {
                if *on {
                    store.set_favourite(w.ws, *agent, t.id, true).await.unwrap();
                    if *agent == me {
                        favourites.insert(t.id);
                    }
                }
            }
        }
        let mut texts: HashMap<TicketId, Vec<String>> = HashMap::new();
        for m in &messages {
            texts.entry(m.ticket).or_default().push(m.text.clone());
        }
        let facts = Facts {
            me,
            org_of: (0..3)
                .map(|i| (w.contacts[i], w.contact_org[i].map(|o| w.orgs[o])))
                .collect(),
            favourites,
            texts,
        };

        let keep_merged = mentions_merged(&filter);
        let mut want: Vec<&Ticket> = stored
            .iter()
            .filter(|t| (keep_merged || t.merged_into.is_none()) && reference(&filter, t, &facts))
            .collect();
        want.sort_by(|a, b| reference_cmp(&sort, a, b));
        let want: Vec<u64> = want.iter().map(|t| t.number.0).collect();

        let mut got = Vec::new();
        let mut after: Option<Cursor> = None;
        let mut pages = 0;
        loop {
            let q = Query::new(me)
                .filter(filter.clone())
                .sort(sort.clone())
                .limit(limit)
                .after(after.take());
            let page = store.query_tickets(w.ws, &q).await.unwrap();
            assert!(page.tickets.len() <= limit);
            got.extend(page.tickets.iter().map(|t| t.number.0));
            pages += 1;
            assert!(pages <= 1000, "paging does not end");
            match page.next {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        assert_eq!(got, want, "filter {filter:?} sort {sort:?} limit {limit}");
        let count = store.count_tickets(w.ws, &filter, me).await.unwrap();
        assert_eq!(count, want.len() as u64);
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn query_tickets_equals_reference(
        specs in proptest::collection::vec(spec(), 0..30),
        filter in filter(&World::fixed()),
        sort in sort(),
        limit in 1..7usize,
        me_index in 0..3usize,
    ) {
        let w = World::fixed();
        prop_assert!(filter.depth() <= 3);
        run_case(specs, filter, sort, limit, me_index, &w);
    }
}
