//! Throughput of mail in: `mail_parser` (the MIME parser alone:
//! `mail_parser::MessageParser::parse`), `raw_parse` (`helpdesk::mail::parse`:
//! the MIME parse plus our normalisation into an `InboundMail`),
//! `memory_ingest` (the full `Helpdesk::ingest_bytes` into a fresh
//! `MemoryStore`, built and dropped outside the timing; each mail is handed
//! over as a shared `Bytes` buffer, as a caller that owns its mail does, so
//! the stored message keeps it without a copy) and `memory_ingest_prepared`
//! (the same, each run of 32 mails read ahead by `prepare_mail` and then
//! ingested one by one by `ingest_prepared`, as the IMAP sync does with a
//! fetch batch)
//! over the same generated corpus of 1,000 mails of 1-5 KB: new questions
//! (some multipart with HTML), replies with In-Reply-To and References,
//! out-of-office auto-replies and mailing-list mail, from 150 senders.
//!
//! At the end it prints one line with the best of 40 passes of each (the
//! four take turns; the best pass is the one least disturbed by other work
//! on the machine), ingest's throughput as a share of each parse's, and the
//! same as microseconds per mail, with the part of ingest that is not
//! `mail::parse` (the engine and the store): the figures the README quotes.
//! Then the same line (best of 20) for a corpus of longer mails, 8-16 KB
//! of text each, made by the same generator: the share of the target
//! depends on mail size, as the engine's cost a mail is mostly fixed.
//!
//! ```text
//! cargo bench --bench ingest
//! ```

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, TimeZone, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use helpdesk::engine::{EngineConfig, Helpdesk, MailSettings, Mailbox};
use helpdesk::mail::{AutoresponderConfig, ParseLimits, parse};
use helpdesk::model::WorkspaceId;
use helpdesk::ports::ManualClock;
use helpdesk::{Bytes, MemoryStore};

const MAILS: usize = 1_000;
const SENDERS: u64 = 150;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "order",
    "parcel",
    "delivery",
    "invoice",
    "refund",
    "lamp",
    "chair",
    "broken",
    "please",
    "thank",
    "you",
    "the",
    "a",
    "is",
    "was",
    "not",
    "yet",
    "arrived",
    "yesterday",
    "tracking",
    "number",
    "could",
    "check",
    "address",
    "payment",
    "card",
    "return",
    "label",
    "colour",
    "size",
    "replace",
    "damaged",
    "box",
    "courier",
    "week",
    "Monday",
    "still",
    "waiting",
    "answer",
    "shop",
];

/// About `bytes` of plain text in lines of ~70 characters and paragraphs.
fn text(rng: &mut Rng, bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 80);
    let mut line = 0;
    while out.len() < bytes {
        let w = WORDS
            .get(rng.below(WORDS.len() as u64) as usize)
            .copied()
            .unwrap_or("x");
        out.push_str(w);
        line += w.len() + 1;
        if line > 70 {
            out.push_str(if rng.below(6) == 0 {
                "\r\n\r\n"
            } else {
                "\r\n"
            });
            line = 0;
        } else {
            out.push(' ');
        }
    }
    out.push_str("\r\n");
    out
}

fn headers(from: &str, subject: &str, id: &str, minute: usize, extra: &str) -> String {
    format!(
        "Return-Path: <{from}>\r\nReceived: from mx.customer.example (mx.customer.example [192.0.2.7])\r\n\tby mx.shop.example with ESMTPS id 4F1A2B3C; Mon, 2 Mar 2026 09:{m:02}:00 +0100\r\nFrom: Customer <{from}>\r\nTo: Shop Support <support@shop.example>\r\nSubject: {subject}\r\nDate: Mon, 2 Mar 2026 {h:02}:{m:02}:00 +0100\r\nMessage-ID: <{id}>\r\n{extra}MIME-Version: 1.0\r\n",
        h = 9 + minute / 60,
        m = minute % 60,
    )
}

/// The corpus: `MAILS` raw mails in arrival order, of 1-5 KB of text.
fn corpus() -> Vec<Bytes> {
    corpus_of(1000, 4000)
}

/// [`corpus`] with `min` to `min + span` bytes of text a mail.
fn corpus_of(min: usize, span: u64) -> Vec<Bytes> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut questions: Vec<(String, String, String)> = Vec::new(); // (from, subject, id)
    let mut mails = Vec::with_capacity(MAILS);
    for i in 0..MAILS {
        let size = min + rng.below(span) as usize;
        let kind = rng.below(100);
        let from = format!(
            "customer{}@mail{}.example",
            rng.below(SENDERS),
            rng.below(7)
        );
        let id = format!("{i:05}.{:x}@mail.customer.example", rng.next());
        let minute = i / 10;
        let raw = if kind < 40 || questions.is_empty() {
            // A new question; every third one multipart with an HTML part.
            let subject = format!(
                "Order {} {}",
                1000 + rng.below(9000),
                WORDS
                    .get(rng.below(WORDS.len() as u64) as usize)
                    .copied()
                    .unwrap_or("x")
            );
            questions.push((from.clone(), subject.clone(), id.clone()));
            let body = text(&mut rng, size);
            if i % 3 == 0 {
                let html = body.replace("\r\n\r\n", "</p><p>");
                format!(
                    "{}Content-Type: multipart/alternative; boundary=\"b{i}\"\r\n\r\n--b{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}--b{i}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>{html}</p></body></html>\r\n--b{i}--\r\n",
                    headers(&from, &subject, &id, minute, "")
                )
            } else {
                format!(
                    "{}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}",
                    headers(&from, &subject, &id, minute, "")
                )
            }
        } else if kind < 75 {
            // A reply to an earlier question, quoting it.
            let (qfrom, qsubject, qid) = questions
                .get(rng.below(questions.len() as u64) as usize)
                .cloned()
                .unwrap_or_default();
            let own = text(&mut rng, size / 3);
            let quoted: String = text(&mut rng, size - size / 3)
                .lines()
                .map(|l| format!("> {l}\r\n"))
                .collect();
            format!(
                "{}Content-Type: text/plain; charset=utf-8\r\n\r\n{own}\r\nOn Mon, 2 Mar 2026 at 09:00, Shop Support <support@shop.example> wrote:\r\n{quoted}",
                headers(
                    &qfrom,
                    &format!("Re: {qsubject}"),
                    &id,
                    minute,
                    &format!("In-Reply-To: <{qid}>\r\nReferences: <{qid}>\r\n")
                )
            )
        } else if kind < 90 {
            // An out-of-office auto-reply.
            format!(
                "{}Content-Type: text/plain; charset=utf-8\r\n\r\nI am out of the office until March 9.\r\n\r\n{}",
                headers(
                    &from,
                    "Automatic reply: Your message",
                    &id,
                    minute,
                    "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n"
                ),
                text(&mut rng, size / 4)
            )
        } else {
            // Mailing-list mail.
            format!(
                "{}Content-Type: text/plain; charset=utf-8\r\n\r\n{}",
                headers(
                    "news@lists.supplier.example",
                    &format!("[suppliers] Price list {i}"),
                    &id,
                    minute,
                    "List-Id: Suppliers <suppliers.lists.supplier.example>\r\nList-Unsubscribe: <mailto:leave@lists.supplier.example>\r\nPrecedence: list\r\n"
                ),
                text(&mut rng, size)
            )
        };
        mails.push(Bytes::from(raw.into_bytes()));
    }
    mails
}

/// A fresh engine on an empty `MemoryStore`, and its clock.
fn fresh_desk() -> (Helpdesk, Arc<ManualClock>) {
    let start = Utc
        .with_ymd_and_hms(2026, 3, 2, 8, 0, 0)
        .single()
        .unwrap_or_default();
    let clock = Arc::new(ManualClock::new(start));
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .clock(clock.clone())
        .config(
            EngineConfig::default()
                .default_from("support@shop.example")
                .mail(MailSettings::new(
                    b"bench secret".to_vec(),
                    "mail.shop.example",
                )),
        )
        .build();
    (desk, clock)
}

/// The bench's mailbox, with the default autoresponder.
fn mailbox() -> Mailbox {
    Mailbox::new("support@shop.example").autoresponder(AutoresponderConfig::default())
}

/// How many mails `ingest_prepared_all` reads ahead.
const AHEAD: usize = 32;

/// Ingests the whole corpus into `desk` with `ingest_bytes`, mail by mail;
/// the clock moves 6 seconds per mail (1,000 mails in 100 minutes).
/// Returns how many landed, and the engine (so that dropping the store is
/// not timed).
async fn ingest_all(
    (desk, clock): (Helpdesk, Arc<ManualClock>),
    mails: &[Bytes],
) -> (usize, Helpdesk) {
    let (ws, mailbox) = (WorkspaceId::new(), mailbox());
    let mut landed = 0;
    for raw in mails {
        clock.advance(Duration::seconds(6));
        if desk.ingest_bytes(ws, &mailbox, raw.clone()).await.is_ok() {
            landed += 1;
        }
    }
    (landed, desk)
}

/// [`ingest_all`] with each run of [`AHEAD`] mails prepared
/// (`prepare_mail`) before they are ingested (`ingest_prepared`), on the
/// same clock: the same outcomes, mail by mail.
async fn ingest_prepared_all(
    (desk, clock): (Helpdesk, Arc<ManualClock>),
    mails: &[Bytes],
) -> (usize, Helpdesk) {
    let (ws, mailbox) = (WorkspaceId::new(), mailbox());
    let mut landed = 0;
    for run in mails.chunks(AHEAD) {
        let prepared: Vec<_> = run
            .iter()
            .map(|raw| desk.prepare_mail(raw.clone()))
            .collect();
        for mail in prepared.into_iter().flatten() {
            clock.advance(Duration::seconds(6));
            if desk.ingest_prepared(ws, &mailbox, mail).await.is_ok() {
                landed += 1;
            }
        }
    }
    (landed, desk)
}

fn bench(c: &mut Criterion) {
    let mails = corpus();
    let limits = ParseLimits::default();
    let rt = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => panic!("runtime: {e}"),
    };
    // Every generated mail must land, or the comparison is meaningless.
    assert_eq!(rt.block_on(ingest_all(fresh_desk(), &mails)).0, MAILS);
    assert_eq!(
        rt.block_on(ingest_prepared_all(fresh_desk(), &mails)).0,
        MAILS
    );
    let bytes: usize = mails.iter().map(Bytes::len).sum();
    eprintln!(
        "corpus: {MAILS} mails, {bytes} bytes, {} bytes on average",
        bytes / MAILS
    );

    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(MAILS as u64));
    group.sample_size(20);
    group.bench_function("mail_parser", |b| {
        let parser = mail_parser::MessageParser::default();
        b.iter(|| mime_parse_all(&parser, &mails));
    });
    group.bench_function("raw_parse", |b| b.iter(|| parse_all(&mails, &limits)));
    group.bench_function("memory_ingest", |b| {
        // A fresh store per iteration, built and dropped outside the timing.
        b.to_async(&rt).iter_batched(
            fresh_desk,
            |desk| ingest_all(desk, black_box(&mails)),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("memory_ingest_prepared", |b| {
        b.to_async(&rt).iter_batched(
            fresh_desk,
            |desk| ingest_prepared_all(desk, black_box(&mails)),
            BatchSize::PerIteration,
        );
    });
    group.finish();
    ratios(&rt, &mails, &limits, 40);
    // The same share for longer mail (8-16 KB of text, about 12 KB on
    // average, as HTML mail often is): where the engine's fixed cost a
    // mail weighs less.
    let longer = corpus_of(8000, 8000);
    assert_eq!(rt.block_on(ingest_all(fresh_desk(), &longer)).0, MAILS);
    let bytes: usize = longer.iter().map(Bytes::len).sum();
    eprintln!(
        "longer corpus: {MAILS} mails, {} bytes on average",
        bytes / MAILS
    );
    ratios(&rt, &longer, &limits, 20);
}

/// One pass of mail-parser alone over `mails`.
fn mime_parse_all(parser: &mail_parser::MessageParser, mails: &[Bytes]) {
    for raw in mails {
        let _ = black_box(parser.parse(black_box(&raw[..])));
    }
}

/// One pass of `mail::parse` over `mails`.
fn parse_all(mails: &[Bytes], limits: &ParseLimits) {
    for raw in mails {
        let _ = black_box(parse(black_box(raw), limits));
    }
}

/// The figures the README quotes, in one line: the best of several passes
/// of each (the least disturbed by other work on the machine; the four
/// take turns, so that each sees the same spells of disturbance), and
/// ingest as a share of each parse.
fn ratios(rt: &tokio::runtime::Runtime, mails: &[Bytes], limits: &ParseLimits, passes: usize) {
    let parser = mail_parser::MessageParser::default();
    let mut best = [StdDuration::MAX; 4];
    for _ in 0..passes {
        let start = Instant::now();
        mime_parse_all(&parser, mails);
        best[0] = best[0].min(start.elapsed());

        let start = Instant::now();
        parse_all(mails, limits);
        best[1] = best[1].min(start.elapsed());

        let desk = fresh_desk();
        let start = Instant::now();
        let out = rt.block_on(ingest_all(desk, black_box(mails)));
        best[2] = best[2].min(start.elapsed());
        drop(black_box(out));

        let desk = fresh_desk();
        let start = Instant::now();
        let out = rt.block_on(ingest_prepared_all(desk, black_box(mails)));
        best[3] = best[3].min(start.elapsed());
        drop(black_box(out));
    }
    let [mime, ours, ingest, prepared] = best;
    let per_second = |d: StdDuration| MAILS as f64 / d.as_secs_f64().max(1e-9);
    let micros = |d: StdDuration| d.as_secs_f64() * 1e6 / MAILS as f64;
    let share =
        |of: StdDuration, d: StdDuration| 100.0 * of.as_secs_f64() / d.as_secs_f64().max(1e-9);
    eprintln!(
        "best of {passes}: mail_parser {:.0} mails/s, raw_parse {:.0} mails/s, memory_ingest {:.0} mails/s, \
         memory_ingest_prepared ({AHEAD} ahead) {:.0} mails/s; ingest at {:.0}% of mail_parser ({:.0}% prepared \
         ahead), {:.0}% of raw_parse; per mail: mail_parser {:.2} us, raw_parse {:.2} us, memory_ingest {:.2} us \
         ({:.2} us besides the parse; 50% of mail_parser is {:.2} us in all), prepared ahead {:.2} us",
        per_second(mime),
        per_second(ours),
        per_second(ingest),
        per_second(prepared),
        share(mime, ingest),
        share(mime, prepared),
        share(ours, ingest),
        micros(mime),
        micros(ours),
        micros(ingest),
        micros(ingest) - micros(ours),
        2.0 * micros(mime),
        micros(prepared),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
