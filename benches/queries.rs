//! Query cost on the in-memory store with 100 000 tickets in one workspace
//! (20 agents, a mix of states, SLA deadlines, followers, favourites):
//! the first page of 50 of "mine, open, by due", and the counters of the
//! built-in views (six `count_tickets` scans) plus the unread counter.

use std::hint::black_box;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use helpdesk::MemoryStore;
use helpdesk::lifecycle::State;
use helpdesk::model::{AgentId, Channel, ContactId, Deadline, Priority, Ticket, WorkspaceId};
use helpdesk::ports::{Commit, DynStore, TicketWrite};
use helpdesk::query::{
    AssigneeMatch, BuiltinView, Filter, Query, Sort, SortKey, count_views, unread_count,
};

const TICKETS: usize = 100_000;
const AGENTS: usize = 20;

struct Data {
    store: Arc<DynStore>,
    ws: WorkspaceId,
    me: AgentId,
}

async fn data() -> Data {
    let store: Arc<DynStore> = Arc::new(MemoryStore::new());
    let ws = WorkspaceId::new();
    let agents: Vec<AgentId> = (0..AGENTS).map(|_| AgentId::new()).collect();
    let contacts: Vec<ContactId> = (0..1000).map(|_| ContactId::new()).collect();
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut batch = Vec::new();
    for i in 0..TICKETS {
        let r = next();
        let created = base + Duration::minutes((r % (365 * 1440)) as i64);
        let mut t = Ticket::new(
            ws,
            format!("Ticket {i}"),
            contacts[(r >> 20) as usize % contacts.len()],
            Channel::Email,
            created,
        );
        t.times.updated = created + Duration::minutes(((r >> 8) % 600) as i64);
        t.state = match (r >> 30) % 10 {
            0..=3 => State::Open,
            4..=5 => State::Pending,
            6..=8 => State::Closed,
            _ => State::Archived,
        };
        t.assignee = match (r >> 34) % (AGENTS as u64 + 4) {
            a if (a as usize) < AGENTS => Some(agents[a as usize]),
            _ => None,
        };
        t.priority = [
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ][((r >> 40) % 4) as usize];
        if (r >> 44) % 5 != 0 {
            let due = created + Duration::hours(((r >> 46) % 96) as i64);
            t.sla.resolution = Some(Deadline {
                started: created,
                target_minutes: 600,
                paused_minutes: 0,
                due,
                warn_at: due,
                warned: false,
                breached: false,
            });
        }
        t.unread_by_owner = (r >> 52) % 3 == 0;
        if (r >> 55) % 10 == 0 {
            t.followers.insert(agents[0]);
        }
        batch.push(TicketWrite::Create(t));
        if batch.len() == 1000 {
            let tickets = std::mem::take(&mut batch);
            if let Err(e) = store
                .commit(
                    ws,
                    Commit {
                        tickets,
                        ..Commit::default()
                    },
                )
                .await
            {
                panic!("bench data: {e}");
            }
        }
    }
    Data {
        store,
        ws,
        me: agents[0],
    }
}

fn bench(c: &mut Criterion) {
    let rt = match tokio::runtime::Builder::new_multi_thread().build() {
        Ok(rt) => rt,
        Err(e) => panic!("runtime: {e}"),
    };
    let d = rt.block_on(data());
    let mine_open_by_due = Query::new(d.me)
        .filter(Filter::Assignee(AssigneeMatch::Me) & Filter::State(vec![State::Open]))
        .sort(Sort::asc(SortKey::Due))
        .limit(50);
    let views = BuiltinView::views();
    let mut g = c.benchmark_group("queries_100k");
    g.sample_size(20);
    g.bench_function("mine_open_by_due_first_page_50", |b| {
        b.to_async(&rt).iter(|| async {
            let page = d
                .store
                .query_tickets(d.ws, black_box(&mine_open_by_due))
                .await;
            black_box(page.map(|p| p.tickets.len()))
        })
    });
    g.bench_function("builtin_view_counters_6", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(count_views(&*d.store, d.ws, d.me, black_box(&views)).await)
        })
    });
    g.bench_function("unread_counter", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(unread_count(&*d.store, d.ws, d.me).await) })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
