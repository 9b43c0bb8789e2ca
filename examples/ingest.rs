//! Feeds mail files through `Helpdesk::ingest` on the in-memory store and
//! prints what happened to each message.
//!
//! ```text
//! cargo run --release --example ingest -- [--json] [--mailbox ADDRESS] [--store URL] PATH...
//! ```
//!
//! * `PATH` is a `.eml` file, a directory (its `*.eml` files in byte-wise
//!   name order, not recursive) or, for anything else, an mbox file.
//! * `--mailbox` is the helpdesk address the mail arrived at (default
//!   `support@example.com`); its autoresponder is on with the default
//!   template.
//! * `--store memory` is the default; `--store postgres://...` ingests into
//!   PostgreSQL (build with `--features postgres`; the schema is migrated
//!   first).
//! * `--json` prints one JSON object per message:
//!   `{"source", "outcome", "ticket", "classification", "autoreply", "state"}`
//!   plus `"error"` for rejected mail.
//!
//! The engine's clock follows each message's `Date` header (never going
//! backwards), so rate-limit windows behave as they did when the mail
//! arrived. A summary (messages, tickets, elapsed time, messages per second)
//! goes to stderr. Exit status: 0 when every input was read (even if some
//! mail was rejected), 1 when a `PATH` cannot be read, 2 on bad arguments.

use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use helpdesk::MemoryStore;
use helpdesk::engine::{
    AutoreplyOutcome, EngineConfig, Helpdesk, IngestOutcome, IngestStatus, Mailbox,
};
use helpdesk::mail::{AutoresponderConfig, ClassifyContext, classify, parse};
use helpdesk::model::{Classification, WorkspaceId};
use helpdesk::ports::{Blobs, DynStore};
use helpdesk::ports::{ManualClock, RecordingTransport};
use serde::Serialize;

const USAGE: &str = "usage: ingest [--json] [--mailbox ADDRESS] [--store URL] PATH...\n\
     PATH: a .eml file, a directory of .eml files, or an mbox file";

/// Command-line options.
#[derive(Debug)]
struct Options {
    json: bool,
    mailbox: String,
    store: String,
    paths: Vec<PathBuf>,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        json: false,
        mailbox: "support@example.com".to_owned(),
        store: "memory".to_owned(),
        paths: Vec::new(),
    };
    let mut args = args.into_iter();
    let mut only_paths = false;
    while let Some(arg) = args.next() {
        if only_paths {
            options.paths.push(PathBuf::from(arg));
            continue;
        }
        match arg.as_str() {
            "--json" => options.json = true,
            "--mailbox" => {
                options.mailbox = args.next().ok_or("--mailbox needs an ADDRESS")?;
            }
            "--store" => options.store = args.next().ok_or("--store needs a URL")?,
            "--" => only_paths = true,
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with("--mailbox=") => {
                options.mailbox = s.trim_start_matches("--mailbox=").to_owned();
            }
            s if s.starts_with("--store=") => {
                options.store = s.trim_start_matches("--store=").to_owned();
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            _ => options.paths.push(PathBuf::from(arg)),
        }
    }
    if options.paths.is_empty() {
        return Err("no PATH given".to_owned());
    }
    Ok(options)
}

/// One message to ingest: where it came from and its raw bytes.
struct Input {
    source: String,
    raw: Vec<u8>,
}

/// Whether `path` names a single `.eml` file (case-insensitive extension).
fn is_eml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("eml"))
}

/// The `*.eml` files directly inside `dir`, sorted by the bytes of their
/// names (not recursive; sub-directories are skipped).
fn list_eml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if is_eml(&path) && entry.file_type()?.is_file() {
            files.push(path);
        }
    }
    files.sort_by(|a, b| {
        let name = |p: &Path| p.file_name().map(|n| n.as_encoded_bytes().to_vec());
        name(a).cmp(&name(b))
    });
    Ok(files)
}

/// Splits an mbox file into messages.
///
/// A message starts at a line beginning with `From ` that is the first line
/// of the file or follows a blank line; that separator line is dropped.
/// The blank line before a separator (and one at the very end of the file)
/// belongs to the mbox format and is removed. Quoted lines are unquoted the
/// mboxrd way: a line starting with `>From `, `>>From `, ... loses one `>`.
/// LF and CRLF line endings are both understood and kept as they are.
/// Anything before the first separator is a message of its own unless it is
/// only whitespace.
fn split_mbox(data: &[u8]) -> Vec<Vec<u8>> {
    let mut messages: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    // Whether the previous line was blank (the start of the file counts).
    let mut after_blank = true;
    // Whether `current` was opened by a separator line.
    let mut started = false;
    for line in data.split_inclusive(|b| *b == b'\n') {
        if after_blank && line.starts_with(b"From ") {
            if started || !current.iter().all(u8::is_ascii_whitespace) {
                messages.push(strip_trailing_blank_line(std::mem::take(&mut current)));
            }
            current.clear();
            started = true;
            after_blank = false;
            continue;
        }
        after_blank = matches!(line, b"\n" | b"\r\n");
        let quoted_from = line.starts_with(b">")
            && line
                .iter()
                .position(|b| *b != b'>')
                .is_some_and(|i| line.get(i..).is_some_and(|rest| rest.starts_with(b"From ")));
        match line.split_first() {
            Some((_, rest)) if quoted_from => current.extend_from_slice(rest),
            _ => current.extend_from_slice(line),
        }
    }
    if started || !current.iter().all(u8::is_ascii_whitespace) {
        messages.push(strip_trailing_blank_line(current));
    }
    messages
}

/// Removes one blank line from the end of `message` (`...\n\n` becomes
/// `...\n`, same for CRLF), if there is one.
fn strip_trailing_blank_line(mut message: Vec<u8>) -> Vec<u8> {
    if message.ends_with(b"\r\n\r\n") || message.ends_with(b"\n\r\n") {
        message.truncate(message.len() - 2);
    } else if message.ends_with(b"\n\n") || message == b"\n" {
        message.truncate(message.len() - 1);
    } else if message == b"\r\n" {
        message.clear();
    }
    message
}

/// Reads one command-line `PATH` into messages.
fn read_path(path: &Path) -> Result<Vec<Input>, String> {
    let shown = path.display().to_string();
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    if path.is_dir() {
        let files = list_eml_files(path).map_err(|e| format!("cannot list {shown}: {e}"))?;
        files
            .iter()
            .map(|f| {
                Ok(Input {
                    source: f.display().to_string(),
                    raw: read(f)?,
                })
            })
            .collect()
    } else if is_eml(path) {
        Ok(vec![Input {
            source: shown,
            raw: read(path)?,
        }])
    } else {
        Ok(split_mbox(&read(path)?)
            .into_iter()
            .enumerate()
            .map(|(n, raw)| Input {
                source: format!("{shown}#{n}"),
                raw,
            })
            .collect())
    }
}

/// One output record (`--json`); field order is the output order.
#[derive(Debug, Serialize)]
struct Record {
    source: String,
    outcome: &'static str,
    ticket: Option<u64>,
    classification: &'static str,
    autoreply: &'static str,
    state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn classification_name(c: Classification) -> &'static str {
    match c {
        Classification::Human => "human",
        Classification::AutoReply => "auto_reply",
        Classification::Bounce => "bounce",
        Classification::List => "list",
        Classification::Loop => "loop",
        Classification::Spam => "spam",
    }
}

fn record(source: String, outcome: &IngestOutcome) -> Record {
    Record {
        source,
        outcome: match outcome.status {
            IngestStatus::Created => "created",
            IngestStatus::Appended => "appended",
            IngestStatus::Reopened => "reopened",
            IngestStatus::Duplicate => "duplicate",
        },
        ticket: Some(outcome.ticket.number.0),
        classification: classification_name(outcome.classification),
        autoreply: match outcome.autoreply {
            AutoreplyOutcome::Sent(_) => "sent",
            AutoreplyOutcome::Suppressed(_) => "suppressed",
            AutoreplyOutcome::None => "none",
        },
        state: Some(outcome.ticket.state.as_str()),
        error: None,
    }
}

/// The output line of `r`: JSON, or one readable line.
fn render(r: &Record, json: bool) -> String {
    if json {
        return serde_json::to_string(r)
            .unwrap_or_else(|e| format!("{{\"source\":{:?},\"error\":\"{e}\"}}", r.source));
    }
    let ticket = r.ticket.map_or_else(|| "-".to_owned(), |n| format!("#{n}"));
    match &r.error {
        Some(e) => format!("{}: rejected ({}): {e}", r.source, r.classification),
        None => format!(
            "{}: {} {ticket} [{}] {}, autoreply {}",
            r.source,
            r.outcome,
            r.state.unwrap_or("-"),
            r.classification,
            r.autoreply
        ),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("ingest: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (store, blobs) = match open_store(&options.store).await {
        Ok(opened) => opened,
        Err(e) => {
            eprintln!("ingest: {e}");
            return ExitCode::from(2);
        }
    };
    // Fail early, before any output, on a PATH that does not exist.
    for path in &options.paths {
        if let Err(e) = std::fs::metadata(path) {
            eprintln!("ingest: cannot read {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }

    // The clock starts at the Unix epoch and follows the mail's Date headers.
    let clock = Arc::new(ManualClock::new(DateTime::<Utc>::UNIX_EPOCH));
    let email = Arc::new(RecordingTransport::new());
    let mut builder = Helpdesk::builder(store)
        .clock(clock.clone())
        .transport("email", email)
        .config(EngineConfig::default().default_from(options.mailbox.clone()));
    if let Some(blobs) = blobs {
        builder = builder.blobs(blobs);
    }
    let desk = builder.build();
    let ws = WorkspaceId::new();
    let mailbox =
        Mailbox::new(options.mailbox.clone()).autoresponder(AutoresponderConfig::default());
    let ctx = ClassifyContext {
        own_addresses: vec![options.mailbox.clone()],
        own_message_id_domain: Some(desk.config().mail.message_id_domain.clone()),
        loop_header_name: desk.config().mail.loop_header.clone(),
        loop_header_value: desk.loop_header_value(ws),
        blocklist: Vec::new(),
    };

    let mut out = BufWriter::new(std::io::stdout());
    let started = Instant::now();
    let mut now = DateTime::<Utc>::UNIX_EPOCH;
    let (mut messages, mut rejected) = (0usize, 0usize);
    let mut tickets = BTreeSet::new();
    for path in &options.paths {
        let inputs = match read_path(path) {
            Ok(i) => i,
            Err(e) => {
                let _ = out.flush();
                eprintln!("ingest: {e}");
                return ExitCode::from(1);
            }
        };
        let mut inputs = inputs.into_iter().peekable();
        while inputs.peek().is_some() {
            // A few dozen at a time, parsed ahead of their ingest (see
            // `PreparedMail`); each is then ingested at its own time.
            let run: Vec<_> = inputs
                .by_ref()
                .take(32)
                .map(|input| (input.source, desk.prepare_mail(input.raw)))
                .collect();
            for (source, prepared) in run {
                messages += 1;
                if let Some(date) = prepared.as_ref().ok().and_then(|p| p.mail().date) {
                    now = now.max(date);
                    clock.set(now);
                }
                // (A shared buffer: kept to classify a mail the ingest
                // rejects, which is rare.)
                let raw = prepared.as_ref().ok().map(|p| p.raw().clone());
                let result = match prepared {
                    // (The mail's buffer is handed over: the store keeps it
                    // without a copy.)
                    Ok(mail) => desk.ingest_prepared(ws, &mailbox, mail).await,
                    Err(e) => Err(e),
                };
                // (Only an autoresponse puts mail in the outbox: the outbox
                // is dispatched after the mails that queued one.)
                let queued =
                    matches!(&result, Ok(o) if matches!(o.autoreply, AutoreplyOutcome::Sent(_)));
                let r = match result {
                    Ok(outcome) => {
                        tickets.insert(outcome.ticket.id);
                        record(source, &outcome)
                    }
                    Err(e) => {
                        rejected += 1;
                        Record {
                            source,
                            outcome: "rejected",
                            ticket: None,
                            // Parsed again: the rejected mail's class ("human"
                            // for one that does not parse).
                            classification: raw
                                .and_then(|raw| parse(&raw, &desk.config().mail.limits).ok())
                                .map_or("human", |m| classification_name(classify(&m, &ctx))),
                            autoreply: "none",
                            state: None,
                            error: Some(e.to_string()),
                        }
                    }
                };
                if let Err(e) = writeln!(out, "{}", render(&r, options.json)) {
                    // A closed pipe (`| head`) ends the run quietly.
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        return ExitCode::SUCCESS;
                    }
                    eprintln!("ingest: cannot write the output: {e}");
                    return ExitCode::from(1);
                }
                if queued && let Err(e) = desk.dispatch_outbox().await {
                    eprintln!("ingest: dispatching the outbox failed: {e}");
                }
            }
        }
    }
    if let Err(e) = out.flush()
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("ingest: cannot write the output: {e}");
        return ExitCode::from(1);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let rate = if elapsed > 0.0 {
        messages as f64 / elapsed
    } else {
        0.0
    };
    eprintln!(
        "{messages} messages ({rejected} rejected), {} tickets, {elapsed:.3} s, {rate:.1} messages/s",
        tickets.len()
    );
    ExitCode::SUCCESS
}

/// The store named by `--store`: `memory`, or a `postgres://` URL when the
/// example is built with the `postgres` feature; with the blob store for
/// attachment bytes (Postgres keeps them too; in memory they are read back
/// from the kept mail).
async fn open_store(url: &str) -> Result<(Arc<DynStore>, Option<Arc<dyn Blobs>>), String> {
    if url == "memory" {
        return Ok((Arc::new(MemoryStore::new()), None));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        {
            use helpdesk::helpdesk_postgres::{PgConfig, PgStore};
            let store = PgStore::connect(&PgConfig::new(url))
                .await
                .map_err(|e| format!("cannot connect to the store: {e}"))?;
            store
                .migrate()
                .await
                .map_err(|e| format!("cannot migrate the store: {e}"))?;
            let store = Arc::new(store);
            return Ok((store.clone(), Some(store)));
        }
        #[cfg(not(feature = "postgres"))]
        return Err("this build has no Postgres store: build with --features postgres".into());
    }
    Err(format!(
        "unknown store {url:?} (use `memory` or a postgres:// URL)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_mbox(s.as_bytes())
            .into_iter()
            .map(|m| String::from_utf8_lossy(&m).into_owned())
            .collect()
    }

    #[test]
    fn splits_on_from_lines_after_blank_lines() {
        let mbox = "From a@x Mon Jan  1 00:00:00 2026\nSubject: one\n\nbody 1\n\n\
                    From b@x Mon Jan  1 00:00:01 2026\nSubject: two\n\n>From here on, text.\n\n";
        assert_eq!(
            split(mbox),
            [
                "Subject: one\n\nbody 1\n",
                "Subject: two\n\nFrom here on, text.\n"
            ]
        );
    }

    #[test]
    fn from_inside_a_paragraph_is_not_a_separator() {
        let mbox = "From a@x Mon Jan  1 00:00:00 2026\nSubject: s\n\nline\nFrom me to you\n";
        assert_eq!(split(mbox), ["Subject: s\n\nline\nFrom me to you\n"]);
    }

    #[test]
    fn unquotes_from_lines_mboxrd_style() {
        let mbox = "From a@x Mon Jan  1 00:00:00 2026\nSubject: s\n\n>From the start\n>>From deeper\n> From not quoted\n>Fromage\n";
        assert_eq!(
            split(mbox),
            ["Subject: s\n\nFrom the start\n>From deeper\n> From not quoted\n>Fromage\n"]
        );
    }

    #[test]
    fn crlf_and_edge_cases() {
        let mbox =
            "From a@x\r\nSubject: one\r\n\r\nbody\r\n\r\nFrom b@x\r\nSubject: two\r\n\r\nb\r\n";
        assert_eq!(
            split(mbox),
            ["Subject: one\r\n\r\nbody\r\n", "Subject: two\r\n\r\nb\r\n"]
        );
        assert!(split("").is_empty());
        assert!(split("\n\n").is_empty());
        // No separator at all: the whole file is one message.
        assert_eq!(split("Subject: s\n\nb\n"), ["Subject: s\n\nb\n"]);
        // A separator with nothing after it is an empty message.
        assert_eq!(split("From a@x\n"), [""]);
        // Text before the first separator is kept as a message of its own.
        assert_eq!(
            split("Subject: stray\n\nFrom a@x\nSubject: s\n"),
            ["Subject: stray\n", "Subject: s\n"]
        );
    }

    #[test]
    fn arguments() {
        let o = parse_args(
            ["--json", "--mailbox", "help@shop.example", "a.eml", "dir"].map(String::from),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(o.json);
        assert_eq!(o.mailbox, "help@shop.example");
        assert_eq!(o.store, "memory");
        assert_eq!(o.paths.len(), 2);
        assert!(parse_args(["--json".to_owned()]).is_err());
        assert!(parse_args(["--bogus".to_owned(), "x".to_owned()]).is_err());
    }
}
