//! The helpdesk on PostgreSQL: the quickstart tour on a `PgStore`, and with
//! `--bench` the figures of the README (ingest throughput, first-page and
//! counter latencies of the built-in views on 1,000,000 tickets).
//!
//! ```text
//! cargo run --release --example postgres --features postgres -- [--url URL] [--bench]
//!     [--tickets N] [--messages N] [--keep]
//! ```
//!
//! The URL is the server's (default `HELPDESK_TEST_POSTGRES_URL`, else
//! `postgres://postgres@127.0.0.1:5432/postgres`); the example creates a
//! fresh database `helpdesk_example_<unix time>` on it and drops it at the
//! end (`--keep` keeps it, to look at plans). The role needs `CREATEDB`.

use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration as StdDuration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Duration, TimeZone, Utc};
use helpdesk::engine::{Entry, Helpdesk, Mailbox, NewTicket, Reply};
use helpdesk::fields::TicketUpdate;
use helpdesk::helpdesk_postgres::PgStore;
use helpdesk::helpdesk_postgres::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use helpdesk::helpdesk_postgres::sqlx::{self, AssertSqlSafe, Connection, PgConnection, PgPool};
use helpdesk::lifecycle::State;
use helpdesk::model::{
    Actor, Agent, AgentId, Channel, ContactId, Deadline, Priority, Ticket, TicketNumber,
    WorkspaceId,
};
use helpdesk::ports::{Clock, DirectoryRecord, DynStore, ManualClock, RecordingTransport, Store};
use helpdesk::query::words::words;
use helpdesk::query::{BuiltinView, Query, count_views, last_activity};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

struct Options {
    url: String,
    bench: bool,
    tickets: usize,
    messages: usize,
    keep: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        url: std::env::var("HELPDESK_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.into()),
        bench: false,
        tickets: 1_000_000,
        messages: 10_000,
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .ok_or(format!("{name} needs a number"))
        };
        match a.as_str() {
            "--url" => o.url = args.next().ok_or("--url needs a URL")?,
            "--bench" => o.bench = true,
            "--keep" => o.keep = true,
            "--tickets" => o.tickets = number("--tickets")?,
            "--messages" => o.messages = number("--messages")?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

type Fallible<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!(
                "{e}\nusage: postgres [--url URL] [--bench] [--tickets N] [--messages N] [--keep]"
            );
            return ExitCode::from(2);
        }
    };
    let admin = match PgConnectOptions::from_str(&options.url) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bad URL: {e}");
            return ExitCode::from(2);
        }
    };
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Made here from digits: safe in SQL text.
    let name = format!("helpdesk_example_{secs}");
    if let Err(e) = database(&admin, &format!("CREATE DATABASE \"{name}\"")).await {
        eprintln!("cannot create database {name}: {e}");
        return ExitCode::FAILURE;
    }
    let result = run(&options, admin.clone().database(&name)).await;
    if options.keep {
        eprintln!("kept database {name}");
    } else if let Err(e) = database(&admin, &format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await
    {
        eprintln!("warning: could not drop database {name}: {e}");
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn database(admin: &PgConnectOptions, statement: &str) -> Fallible<()> {
    let mut conn = PgConnection::connect_with(admin).await?;
    sqlx::raw_sql(AssertSqlSafe(statement.to_string()))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

async fn run(options: &Options, db: PgConnectOptions) -> Fallible<()> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect_with(db)
        .await?;
    let store = PgStore::new(pool.clone());
    let ran = store.migrate().await?;
    println!("migrated a fresh database ({ran} migrations)\n");
    tour(Arc::new(store.clone())).await?;
    if options.bench {
        bench(options, &pool, store).await?;
    }
    pool.close().await;
    Ok(())
}

/// The quickstart flow (see `examples/quickstart.rs`) on PostgreSQL.
async fn tour(store: Arc<DynStore>) -> Fallible<()> {
    let start = Utc
        .with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .ok_or("date")?;
    let clock = Arc::new(ManualClock::new(start));
    let email = Arc::new(RecordingTransport::new());
    let desk = Helpdesk::builder(store.clone())
        .clock(clock.clone())
        .transport("email", email.clone())
        .build();
    let ws = WorkspaceId::new();
    let agnes = AgentId::new();
    desk.put_record(
        ws,
        DirectoryRecord::Agent(Agent {
            id: agnes,
            workspace: ws,
            name: "Agnes".into(),
            email: Some("agnes@shop.example".into()),
            active: true,
        }),
    )
    .await?;
    let me = Actor::Agent(agnes);

    println!("== A customer writes in");
    let ticket = desk
        .create_ticket(
            ws,
            NewTicket::from_customer(
                "ann@example.com",
                "My lamp flickers",
                "Hello, the lamp I bought last week flickers. Order 1042.",
            ),
        )
        .await?;
    println!(
        "ticket {} '{}' is {}",
        ticket.number, ticket.subject, ticket.state
    );
    println!("\n== Agnes takes the next waiting ticket, tags it, replies and leaves a note");
    let taken = desk
        .take_next(ws, None, agnes)
        .await?
        .ok_or("queue empty")?;
    println!("took ticket {}", taken.number);
    desk.update(
        ws,
        ticket.id,
        me,
        TicketUpdate::default()
            .priority(Priority::High)
            .add_tag("lamp")
            .status("In progress"),
    )
    .await?;
    clock.advance(Duration::minutes(12));
    desk.reply(
        ws,
        ticket.id,
        agnes,
        Reply::text("Sorry about that, Ann! Could you send a photo of the label?"),
    )
    .await?;
    desk.add_note(ws, ticket.id, agnes, "Batch 7 lamps had a bad driver.")
        .await?;
    let report = desk.dispatch_outbox().await?;
    println!(
        "outbox: {} sent (the note never leaves); transport saw {} message(s)",
        report.sent,
        email.sent().len()
    );
    println!("\n== Waiting for the customer, reopen in two days if she is silent");
    let reopen_at = clock.now() + Duration::days(2);
    let pending = desk.set_pending(ws, ticket.id, me, Some(reopen_at)).await?;
    println!(
        "ticket {} is {} until {}",
        pending.number, pending.state, reopen_at
    );
    clock.advance(Duration::days(2) + Duration::minutes(1));
    let due = desk.run_due(clock.now()).await?;
    let reopened = desk.ticket(ws, ticket.id).await?;
    println!(
        "run_due: {} job(s) ran, {} ticket(s) reopened; ticket {} is {}",
        due.jobs_run,
        due.reopened.len(),
        reopened.number,
        reopened.state
    );
    println!("\n== Ann writes again in a new ticket; Agnes merges it and closes");
    let again = desk
        .create_ticket(
            ws,
            NewTicket::from_customer(
                "ANN@example.com",
                "Photo of the label",
                "Here is the photo you asked for.",
            )
            .tag("photo"),
        )
        .await?;
    let merged = desk.merge(ws, ticket.id, &[again.id], me).await?;
    println!(
        "ticket {} merged into {}; tags now {:?}",
        again.number, merged.number, merged.tags
    );
    let closed = desk.close(ws, ticket.id, me, None).await?;
    println!("ticket {} is {}", closed.number, closed.state);

    println!("\n== The views of Agnes (counted in SQL)");
    let views = BuiltinView::views();
    for (view, count) in views
        .iter()
        .zip(count_views(&*store, ws, agnes, &views).await?)
    {
        println!("{:<26} {}", view.name, count.count);
    }

    println!("\n== Conversation of ticket {}", closed.number);
    let conversation = desk.conversation(ws, ticket.id).await?;
    for entry in &conversation.entries {
        let at = entry.at().format("%a %H:%M");
        match entry {
            Entry::Message(m) => println!(
                "{at}  [{:?}/{:?}] {}",
                m.direction,
                m.visibility,
                m.text.lines().next().unwrap_or("")
            ),
            Entry::Event(e) => println!("{at}    - {}", e.kind.name()),
        }
    }
    Ok(())
}

fn percentile(sorted: &[StdDuration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

fn mail(i: usize, replies_to: Option<usize>) -> Vec<u8> {
    match replies_to {
        None => format!(
            "From: Customer {i} <c{i}@example.com>\r\nTo: support@example.com\r\n\
             Subject: Order {i} question\r\nMessage-ID: <m{i}@bench.example>\r\n\
             Date: Mon, 23 Nov 2026 09:00:00 +0000\r\n\r\nHello, about order {i}.\r\n\
             Could you tell me when it ships?\r\n"
        ),
        Some(j) => format!(
            "From: Customer {j} <c{j}@example.com>\r\nTo: support@example.com\r\n\
             Subject: Re: Order {j} question\r\nMessage-ID: <m{i}@bench.example>\r\n\
             In-Reply-To: <m{j}@bench.example>\r\nReferences: <m{j}@bench.example>\r\n\
             Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nAny news about order {j}?\r\n"
        ),
    }
    .into_bytes()
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

async fn bench(options: &Options, pool: &PgPool, store: PgStore) -> Fallible<()> {
    let sync: String = sqlx::query_scalar("SHOW synchronous_commit")
        .fetch_one(pool)
        .await?;
    println!("\n== Bench (synchronous_commit = {sync})");

    // Ingest: 70% new mails, 30% replies to an earlier one, 16 tasks.
    let n = options.messages;
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mails: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..n)
            .map(|i| {
                if i >= 200 && rng.below(10) < 3 {
                    mail(i, Some((rng.below((i - 100) as u64)) as usize))
                } else {
                    mail(i, None)
                }
            })
            .collect(),
    );
    let desk = Helpdesk::builder(Arc::new(store.clone())).build();
    let ws = WorkspaceId::new();
    let cursor = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (desk, mails, cursor) = (desk.clone(), mails.clone(), cursor.clone());
        tasks.push(tokio::spawn(async move {
            let mailbox = Mailbox::new("support@example.com");
            loop {
                let i = cursor.fetch_add(1, Ordering::Relaxed);
                let Some(raw) = mails.get(i) else {
                    return Ok::<(), helpdesk::Error>(());
                };
                desk.ingest(ws, &mailbox, raw).await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let secs = started.elapsed().as_secs_f64();
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM helpdesk.messages WHERE workspace = $1")
            .bind(ws.as_uuid())
            .fetch_one(pool)
            .await?;
    println!(
        "ingest: {n} messages in {secs:.2} s = {:.0} messages/s (16 tasks, one process; {stored} stored)",
        n as f64 / secs
    );

    // 1,000,000 tickets with COPY.
    let ws = WorkspaceId::new();
    let agents: Vec<AgentId> = (0..20).map(|_| AgentId::new()).collect();
    let me = agents[0];
    let started = Instant::now();
    seed_copy(pool, ws, &agents, options.tickets).await?;
    let seeded = started.elapsed().as_secs_f64();
    let started = Instant::now();
    sqlx::raw_sql("VACUUM ANALYZE helpdesk.tickets")
        .execute(pool)
        .await?;
    println!(
        "seeded {} tickets with COPY in {seeded:.1} s, VACUUM ANALYZE {:.1} s",
        options.tickets,
        started.elapsed().as_secs_f64()
    );
    let favourites: Vec<_> = sqlx::query_scalar(
        "SELECT id FROM helpdesk.tickets WHERE workspace = $1 AND number % 20000 = 7",
    )
    .bind(ws.as_uuid())
    .fetch_all(pool)
    .await?;
    for id in favourites {
        store
            .set_favourite(ws, me, helpdesk::model::TicketId::from_uuid(id), true)
            .await?;
    }

    let views = BuiltinView::views();
    println!(
        "\n{:<26} {:>9} {:>9} {:>9}   {:>9} {:>9}",
        "view (first page of 50)", "rows", "p50 ms", "p99 ms", "count", "p99 ms"
    );
    let mut all_pages = Vec::new();
    let mut all_counts = Vec::new();
    for view in &views {
        let query = Query::of_view(view, me).limit(50);
        let mut pages = Vec::new();
        let mut rows = 0;
        for _ in 0..200 {
            let t = Instant::now();
            rows = store.query_tickets(ws, &query).await?.tickets.len();
            pages.push(t.elapsed());
        }
        let mut counts = Vec::new();
        let mut count = 0;
        for _ in 0..50 {
            let t = Instant::now();
            count = store.count_tickets(ws, &view.filter, me).await?;
            counts.push(t.elapsed());
        }
        pages.sort_unstable();
        counts.sort_unstable();
        println!(
            "{:<26} {:>9} {:>9.2} {:>9.2}   {:>9} {:>9.2}",
            view.name,
            rows,
            percentile(&pages, 50.0),
            percentile(&pages, 99.0),
            count,
            percentile(&counts, 99.0)
        );
        all_pages.extend(pages);
        all_counts.extend(counts);
    }
    all_pages.sort_unstable();
    all_counts.sort_unstable();
    let mut badges = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        count_views(&store, ws, me, &views).await?;
        badges.push(t.elapsed());
    }
    badges.sort_unstable();
    println!(
        "\nfirst page of 50, all six views: p50 {:.2} ms, p99 {:.2} ms (target p99 <= 10 ms)",
        percentile(&all_pages, 50.0),
        percentile(&all_pages, 99.0)
    );
    println!(
        "one view counter, all six views: p50 {:.2} ms, p99 {:.2} ms (target p99 <= 50 ms)",
        percentile(&all_counts, 50.0),
        percentile(&all_counts, 99.0)
    );
    println!(
        "the six counters together (count_views): p50 {:.2} ms, p99 {:.2} ms",
        percentile(&badges, 50.0),
        percentile(&badges, 99.0)
    );
    Ok(())
}

fn csv_time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339()).unwrap_or_default()
}

fn csv_text(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A word list (of the core tokeniser, as the store writes them) as
/// `tsvector` text: each word quoted, `'` and `\` escaped.
fn tsvector_text(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("'{}'", w.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `n` tickets of `ws` through `COPY ... FROM STDIN (FORMAT csv)`, each a
/// real `Ticket` document with its query columns: 10% Open, 5% Pending, the
/// rest Closed or Archived; 25% of the active ones unassigned; SLA due
/// times on active tickets; 0.5% followed by the first agent.
async fn seed_copy(pool: &PgPool, ws: WorkspaceId, agents: &[AgentId], n: usize) -> Fallible<()> {
    let base = Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .ok_or("date")?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut conn = pool.acquire().await?;
    let mut copy = conn
        .copy_in_raw(
            "COPY helpdesk.tickets (workspace, id, number, version, state, closed_at, requester,
                assignee, priority, created_at, updated_at, doc, subject_words, status, prio,
                channel_kind, kind, tags, followers, due_at, last_inbound, last_activity,
                unread_by_owner) FROM STDIN (FORMAT csv)",
        )
        .await?;
    let mut buf = String::with_capacity(1 << 22);
    let prios = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];
    for i in 1..=n {
        let created = base + Duration::seconds(i as i64 * 20);
        let mut t = Ticket::new(
            ws,
            format!("Order {i} question"),
            ContactId::new(),
            Channel::Email,
            created,
        );
        t.number = TicketNumber(i as u64);
        t.version = 1;
        t.times.updated = created + Duration::minutes(rng.below(600) as i64);
        let r = rng.below(100);
        t.state = match r {
            0..10 => State::Open,
            10..15 => State::Pending,
            15..60 => State::Archived,
            _ => State::Closed,
        };
        let active = r < 15;
        if !active {
            t.times.closed = Some(t.times.updated);
        }
        if !active || rng.below(4) != 0 {
            t.assignee = Some(agents[rng.below(agents.len() as u64) as usize]);
        }
        t.priority = prios[rng.below(4) as usize];
        if rng.below(10) == 0 {
            t.tags.insert("vip".into());
        }
        if rng.below(200) == 0 {
            t.followers.insert(agents[0]);
        }
        if rng.below(3) == 0 {
            t.times.last_inbound = Some(t.times.updated);
        }
        if active {
            let due = created + Duration::hours(rng.below(96) as i64);
            t.sla.first_response = Some(Deadline {
                started: created,
                target_minutes: 240,
                paused_minutes: 0,
                due,
                warn_at: due,
                warned: false,
                breached: false,
            });
            t.unread_by_owner = t.assignee.is_some() && rng.below(5) == 0;
        }
        let prio = prios.iter().position(|p| *p == t.priority).unwrap_or(1);
        let tags = format!(
            "{{{}}}",
            t.tags.iter().cloned().collect::<Vec<_>>().join(",")
        );
        let followers = format!(
            "{{{}}}",
            t.followers
                .iter()
                .map(|a| a.as_uuid().to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        let priority = serde_json::to_value(t.priority)?;
        buf.push_str(&format!(
            "{},{},{},1,{},{},{},{},{},{},{},{},{},,{},email,regular,{},{},{},{},{},{}\n",
            ws.as_uuid(),
            t.id.as_uuid(),
            i,
            t.state.as_str(),
            csv_time(t.times.closed),
            t.requester.as_uuid(),
            t.assignee
                .map(|a| a.as_uuid().to_string())
                .unwrap_or_default(),
            priority.as_str().unwrap_or("normal"),
            created.to_rfc3339(),
            t.times.updated.to_rfc3339(),
            csv_text(&serde_json::to_string(&t)?),
            csv_text(&tsvector_text(&words(&t.subject))),
            prio,
            csv_text(&tags),
            csv_text(&followers),
            csv_time(t.sla.next_due()),
            csv_time(t.times.last_inbound),
            last_activity(&t).to_rfc3339(),
            t.unread_by_owner,
        ));
        if buf.len() > (1 << 22) - 4096 {
            copy.send(buf.as_bytes()).await?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        copy.send(buf.as_bytes()).await?;
    }
    copy.finish().await?;
    sqlx::query(
        "INSERT INTO helpdesk.ticket_counters (workspace, last_number) VALUES ($1, $2)
         ON CONFLICT (workspace) DO UPDATE SET last_number = EXCLUDED.last_number",
    )
    .bind(ws.as_uuid())
    .bind(n as i64)
    .execute(pool)
    .await?;
    Ok(())
}
