//! Property tests of the FULL `Helpdesk::ingest` on the memory store:
//! whatever bytes arrive, ingest never panics, and every call either lands
//! the mail (the message is stored with its raw bytes on a readable ticket,
//! and ingesting it again is a duplicate of the same message: nothing lost,
//! nothing twice; its attachments' bytes read back as parsed) or is a
//! typed `Error::Validation { field: "mail", .. }`.
//!
//! Exactly 10,000 generated cases: 5,000 arbitrary byte strings (half of
//! them behind a `From:` line, so they get past "no sender") and 5,000
//! mutations of real mails (`tests/fixtures/mail` and
//! `tests/fixtures/mail-parser-corpus`); plus the whole corpus unmutated.
//!
//! All cases of a property share one store, seeded with the unmutated
//! mails, so mutated replies thread onto existing tickets. Each case
//! arrives at its own mailbox address (`support+cN@...`, which is still our
//! address for loop detection) so that deduplication, which is per mailbox,
//! does not turn mutated copies into duplicates of their seed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::TimeZone;
use helpdesk::engine::{EngineConfig, Helpdesk, IngestStatus, MailSettings, Mailbox};
use helpdesk::mail::{
    AutoresponderConfig, IncomingRule, ParseLimits, RuleActions, RuleCondition, RuleField, RuleOp,
};
use helpdesk::model::{Priority, WorkspaceId};
use helpdesk::ports::{ManualClock, MemoryBlobs};
use helpdesk::{Error, MemoryStore};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tokio::runtime::Runtime;

const CASES_PER_PROPERTY: u32 = 5_000;
const CORPUS_FILES: usize = 107;

fn eml_files(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if recursive {
                eml_files(&path, recursive, out);
            }
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(path);
        }
    }
}

/// The `.eml` files under `tests/fixtures/<dir>`, sorted, with their bytes.
fn mails(dir: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut files = Vec::new();
    eml_files(&root, true, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let raw =
                std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (p, raw)
        })
        .collect()
}

/// A current-thread runtime (built here, not by `#[tokio::test]`, so one
/// runtime serves thousands of cases).
fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"))
}

/// The parse limits of [`engine`].
fn limits() -> ParseLimits {
    ParseLimits::new(1 << 20, 4096)
}

/// An engine on a fresh memory store with a blob store, a fixed clock and
/// a small attachment limit (so the too-large path runs too).
fn engine() -> (Helpdesk, WorkspaceId) {
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("a valid date"));
    let mut mail = MailSettings::new(b"fuzz secret".to_vec(), "mail.shop.example");
    mail.limits = limits();
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .clock(Arc::new(ManualClock::new(start)))
        .blobs(Arc::new(MemoryBlobs::new()))
        .config(
            EngineConfig::default()
                .default_from("support@shop.example")
                .mail(mail),
        )
        .build();
    (desk, WorkspaceId::new())
}

/// A mailbox with the autoresponder (also on replies) and a rule, so every
/// step of ingest runs.
fn mailbox(address: &str) -> Mailbox {
    let mut config = AutoresponderConfig::default();
    config.on_reply = true;
    Mailbox::new(address)
        .autoresponder(config)
        .rule(IncomingRule {
            name: "refunds".into(),
            conditions: vec![RuleCondition {
                field: RuleField::Subject,
                op: RuleOp::Contains,
                value: "refund".into(),
            }],
            actions: RuleActions {
                priority: Some(Priority::High),
                tags: vec!["refund".into()],
                ..RuleActions::default()
            },
        })
}

/// Ingests `raw` and checks the contract. `Ok(true)`: landed; `Ok(false)`:
/// rejected as invalid mail.
async fn ingest_checked(
    desk: &Helpdesk,
    ws: WorkspaceId,
    mb: &Mailbox,
    raw: &[u8],
) -> Result<bool, String> {
    let out = match desk.ingest(ws, mb, raw).await {
        Ok(out) => out,
        Err(Error::Validation { field, .. }) if field == "mail" => return Ok(false),
        Err(e) => return Err(format!("unexpected error: {e:?}")),
    };
    let store = desk.store();
    let message = store
        .message(ws, out.message)
        .await
        .map_err(|e| format!("message lookup: {e}"))?
        .ok_or("the message is not in the store")?;
    if out.status != IngestStatus::Duplicate && message.raw.as_deref() != Some(raw) {
        return Err("the raw mail is not kept".into());
    }
    if message.ticket != out.ticket.id {
        return Err("the message is not on the returned ticket".into());
    }
    store
        .ticket(ws, out.ticket.id)
        .await
        .map_err(|e| format!("ticket lookup: {e}"))?
        .ok_or("the ticket is not in the store")?;
    if out.ticket.mailbox.is_none() {
        return Err("the ticket has no mailbox".into());
    }
    // Every attachment's bytes come back from the blob store as the parse
    // decoded them (one too large has none).
    if out.status != IngestStatus::Duplicate {
        let parsed = helpdesk::mail::parse(raw, &limits())
            .map_err(|e| format!("the landed mail does not parse again: {e}"))?;
        if parsed.attachments.len() != message.attachments.len() {
            return Err("attachments lost or added".into());
        }
        for (i, (stored, decoded)) in message
            .attachments
            .iter()
            .zip(&parsed.attachments)
            .enumerate()
        {
            let read = desk.attachment(ws, out.message, i).await;
            match (&decoded.content, read) {
                (None, Err(Error::Validation { .. })) if stored.too_large => {}
                (Some(content), Ok(file))
                    if file.bytes[..] == content[..] && stored.size == content.len() as u64 => {}
                (_, other) => return Err(format!("attachment {i}: {other:?}")),
            }
        }
    }
    let again = desk
        .ingest(ws, mb, raw)
        .await
        .map_err(|e| format!("second ingest failed: {e:?}"))?;
    if (again.status, again.message, again.ticket.id)
        != (IngestStatus::Duplicate, out.message, out.ticket.id)
    {
        return Err(format!(
            "second ingest is not a duplicate: {:?} (first {:?})",
            again.status, out.status
        ));
    }
    Ok(true)
}

/// A shared engine seeded with the unmutated mails under the plain mailbox.
struct Shared {
    rt: Runtime,
    desk: Helpdesk,
    ws: WorkspaceId,
    case: AtomicUsize,
    landed: AtomicUsize,
}

impl Shared {
    fn new(seeds: &[(PathBuf, Vec<u8>)]) -> Self {
        let rt = runtime();
        let (desk, ws) = engine();
        let mb = mailbox("support@shop.example");
        for (path, raw) in seeds {
            if let Err(e) = rt.block_on(ingest_checked(&desk, ws, &mb, raw)) {
                panic!("seed {}: {e}", path.display());
            }
        }
        Self {
            rt,
            desk,
            ws,
            case: AtomicUsize::new(0),
            landed: AtomicUsize::new(0),
        }
    }

    fn check(&self, raw: &[u8]) -> Result<(), TestCaseError> {
        let n = self.case.fetch_add(1, Ordering::Relaxed);
        let mb = mailbox(&format!("support+c{n}@shop.example"));
        self.rt
            .block_on(ingest_checked(&self.desk, self.ws, &mb, raw))
            .map(|landed| {
                if landed {
                    self.landed.fetch_add(1, Ordering::Relaxed);
                }
            })
            .map_err(TestCaseError::fail)
    }
}

fn run<S: Strategy>(strategy: S, check: impl Fn(S::Value) -> Result<(), TestCaseError>) -> usize {
    let mut runner = TestRunner::new(Config {
        cases: CASES_PER_PROPERTY,
        failure_persistence: None,
        ..Config::default()
    });
    let count = AtomicUsize::new(0);
    let result = runner.run(&strategy, |v| {
        count.fetch_add(1, Ordering::Relaxed);
        check(v)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    count.into_inner()
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Truncate(Index),
    Duplicate(Index, Index),
    /// Replaces a byte with one that matters to MIME and headers.
    Special(Index, Index),
}

const SPECIAL: &[u8] = b"\r\n:;<>@\"=-\t ?%\0";

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<Index>().prop_map(Mutation::Delete),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(i, s)| Mutation::Special(i, s)),
    ]
}

fn apply(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for m in mutations {
        if v.is_empty() {
            v.push(b'\n');
        }
        match m {
            Mutation::Flip(i, x) => {
                let i = i.index(v.len());
                if let Some(b) = v.get_mut(i) {
                    *b ^= x;
                }
            }
            Mutation::Insert(i, b) => {
                let i = i.index(v.len() + 1);
                v.insert(i, *b);
            }
            Mutation::Delete(i) => {
                v.remove(i.index(v.len()));
            }
            Mutation::Truncate(i) => v.truncate(i.index(v.len() + 1)),
            Mutation::Duplicate(a, b) => {
                let (a, b) = (a.index(v.len()), b.index(v.len()));
                let (lo, hi) = (a.min(b), a.max(b).min(a.min(b) + 256));
                let chunk = v.get(lo..hi).map(<[u8]>::to_vec).unwrap_or_default();
                v.splice(hi..hi, chunk);
            }
            Mutation::Special(i, s) => {
                let special = SPECIAL.get(s.index(SPECIAL.len())).copied();
                let i = i.index(v.len());
                if let (Some(b), Some(s)) = (v.get_mut(i), special) {
                    *b = s;
                }
            }
        }
    }
    v
}

fn seeds() -> Vec<(PathBuf, Vec<u8>)> {
    let mut seeds = mails("mail");
    seeds.extend(mails("mail-parser-corpus"));
    seeds
}

#[test]
fn arbitrary_bytes_never_panic_nor_vanish() {
    let shared = Shared::new(&seeds());
    // Half of the cases get a sender line in front, so that arbitrary
    // headers and bodies get past "no sender" into the rest of ingest.
    let strategy = (
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 0..2048),
    );
    let cases = run(strategy, |(with_sender, bytes)| {
        let mut raw = Vec::with_capacity(bytes.len() + 32);
        if with_sender {
            raw.extend_from_slice(b"From: Fuzz <fuzz@sender.example>\r\n");
        }
        raw.extend_from_slice(&bytes);
        shared.check(&raw)
    });
    assert_eq!(cases, CASES_PER_PROPERTY as usize);
    let landed = shared.landed.into_inner();
    println!("arbitrary: {landed} of {cases} landed");
    assert!(landed > cases / 4, "only {landed} of {cases} landed");
}

#[test]
fn mutated_mails_never_panic_nor_vanish() {
    let seeds = seeds();
    let shared = Shared::new(&seeds);
    let strategy = (0..seeds.len(), proptest::collection::vec(mutation(), 1..12));
    let cases = run(strategy, |(seed, mutations)| {
        let raw = seeds
            .get(seed)
            .map(|(_, raw)| raw.as_slice())
            .unwrap_or(b"");
        shared.check(&apply(raw, &mutations))
    });
    assert_eq!(cases, CASES_PER_PROPERTY as usize);
    let landed = shared.landed.into_inner();
    println!("mutated: {landed} of {cases} landed");
    // Most mutations keep a sender: the whole pipeline runs, not just parse.
    assert!(landed > cases / 4, "only {landed} of {cases} landed");
}

#[test]
fn whole_corpus_is_ingested_without_loss() {
    let corpus = mails("mail-parser-corpus");
    assert_eq!(corpus.len(), CORPUS_FILES, "corpus incomplete");
    let rt = runtime();
    let (desk, ws) = engine();
    let mb = mailbox("support@shop.example");
    let (mut landed, mut rejected) = (0, 0);
    for (path, raw) in &corpus {
        match rt.block_on(ingest_checked(&desk, ws, &mb, raw)) {
            Ok(true) => landed += 1,
            Ok(false) => rejected += 1,
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    assert_eq!(landed + rejected, CORPUS_FILES);
    // 74 land and 33 are rejected (32 have no From, one a From that is
    // not an address) with mail-parser 0.11.9.
    assert!(landed >= 70, "{landed} landed, {rejected} rejected");
    println!("corpus: {landed} landed, {rejected} rejected as invalid mail");
}
