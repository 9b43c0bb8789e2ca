//! `prepare_mail` + `ingest_prepared` (mails read a few at a time ahead of
//! their ingest) give each mail exactly what `ingest_bytes` gives it: the
//! same outcome, the same stored message, the same errors, over our
//! fixtures, mail-parser's corpus, threads whose replies are prepared
//! before their question is stored, duplicates and rejected mail.

use chrono::{Duration, TimeZone, Utc};
use helpdesk::MemoryStore;
use helpdesk::engine::{
    AutoreplyOutcome, EngineConfig, Helpdesk, IngestOutcome, MailSettings, Mailbox,
};
use helpdesk::mail::{AutoresponderConfig, ParseLimits};
use helpdesk::model::WorkspaceId;
use helpdesk::ports::ManualClock;
use std::path::Path;
use std::sync::Arc;

const MAILBOX: &str = "support@shop.example";

/// An engine on a fresh memory store, its clock and workspace.
fn desk() -> (Helpdesk, Arc<ManualClock>, WorkspaceId) {
    let start = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("a valid date"));
    let clock = Arc::new(ManualClock::new(start));
    let mut mail = MailSettings::new(b"prepared tests secret".to_vec(), "mail.shop.example");
    mail.limits = ParseLimits::new(200_000, ParseLimits::default().max_attachment_bytes);
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .clock(clock.clone())
        .config(EngineConfig::default().default_from(MAILBOX).mail(mail))
        .build();
    (desk, clock, WorkspaceId::new())
}

fn mailbox() -> Mailbox {
    Mailbox::new(MAILBOX).autoresponder(AutoresponderConfig::default())
}

/// Every `.eml` under `dir`, recursively, in name order.
fn eml_files(dir: &Path, out: &mut Vec<Vec<u8>>) {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            eml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(
                std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())),
            );
        }
    }
}

/// A question, and `replies` replies to it quoting it (each referring to
/// the question and the reply before it).
fn thread(n: usize, replies: usize) -> Vec<Vec<u8>> {
    let question = format!("q{n}@customer.example");
    let mut out = vec![
        format!(
            "From: Ann <ann{n}@customer.example>\r\nTo: {MAILBOX}\r\nSubject: Lamp {n}\r\n\
             Message-ID: <{question}>\r\n\r\nMy lamp {n} is broken.\r\n"
        )
        .into_bytes(),
    ];
    let mut previous = question.clone();
    for r in 0..replies {
        let id = format!("r{n}.{r}@customer.example");
        out.push(
            format!(
                "From: Ann <ann{n}@customer.example>\r\nTo: {MAILBOX}\r\nSubject: Re: Lamp {n}\r\n\
                 Message-ID: <{id}>\r\nIn-Reply-To: <{previous}>\r\nReferences: <{question}> <{previous}>\r\n\r\n\
                 Still broken ({r}).\r\n\r\nOn Mon, 2 Mar 2026 at 09:00, Support <{MAILBOX}> wrote:\r\n> Sorry.\r\n"
            )
            .into_bytes(),
        );
        previous = id;
    }
    out
}

/// The input: fixtures, the corpus, threads, duplicates, rejected mail.
fn inputs() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut mails = Vec::new();
    eml_files(&root.join("mail"), &mut mails);
    eml_files(&root.join("mail-parser-corpus"), &mut mails);
    for n in 0..4 {
        mails.extend(thread(n, 3));
    }
    // The same mails again (duplicates), some already in the same run of
    // prepared mails as their first copy.
    let again: Vec<_> = mails.iter().step_by(5).cloned().collect();
    mails.extend(again);
    mails.extend(thread(9, 2).into_iter().flat_map(|m| [m.clone(), m]));
    // Rejected: empty, white space only, too large, no sender.
    mails.push(Vec::new());
    mails.push(b" \r\n\r\n".to_vec());
    let mut large = b"From: big@customer.example\r\nSubject: big\r\n\r\n".to_vec();
    large.resize(250_000, b'x');
    mails.push(large);
    mails.push(b"Subject: nobody\r\n\r\nwho sent this?\r\n".to_vec());
    mails
}

/// What a user sees of one mail's ingest: the outcome and the stored
/// message (ids aside, which are random), or the error.
#[derive(Debug, PartialEq)]
struct Seen {
    status: String,
    classification: String,
    autoreply: String,
    ticket_number: u64,
    ticket_state: String,
    ticket_subject: String,
    follow_up: bool,
    bounced: bool,
    text: Option<String>,
    display_text: Option<Option<String>>,
    html: Option<Option<String>>,
}

async fn seen(
    desk: &Helpdesk,
    ws: WorkspaceId,
    result: helpdesk::Result<IngestOutcome>,
) -> Result<Seen, String> {
    let out = result.map_err(|e| e.to_string())?;
    let message = desk
        .store()
        .message(ws, out.message)
        .await
        .unwrap_or_else(|e| panic!("message: {e}"));
    Ok(Seen {
        status: format!("{:?}", out.status),
        classification: format!("{:?}", out.classification),
        autoreply: match out.autoreply {
            AutoreplyOutcome::Sent(_) => "sent".into(),
            other => format!("{other:?}"),
        },
        ticket_number: out.ticket.number.0,
        ticket_state: format!("{:?}", out.ticket.state),
        ticket_subject: out.ticket.subject.clone(),
        follow_up: out.follow_up_of.is_some(),
        bounced: out.bounced_message.is_some(),
        text: message.as_ref().map(|m| m.text.clone()),
        display_text: message.as_ref().map(|m| m.display_text.clone()),
        html: message.as_ref().map(|m| m.html.clone()),
    })
}

#[tokio::test]
async fn prepared_ahead_is_ingest_bytes() {
    let mails = inputs();
    assert!(mails.len() > 150, "only {} mails", mails.len());
    let mailbox = mailbox();

    let (one, one_clock, one_ws) = desk();
    let mut expected = Vec::new();
    for raw in &mails {
        one_clock.advance(Duration::minutes(1));
        let result = one.ingest_bytes(one_ws, &mailbox, raw.clone()).await;
        expected.push(seen(&one, one_ws, result).await);
    }

    // Runs of 7: threads, duplicates and corpus files fall across runs and
    // within them.
    let (ahead, ahead_clock, ahead_ws) = desk();
    let mut got = Vec::new();
    for run in mails.chunks(7) {
        let prepared: Vec<_> = run
            .iter()
            .map(|raw| ahead.prepare_mail(raw.clone()))
            .collect();
        for p in prepared {
            ahead_clock.advance(Duration::minutes(1));
            let result = match p {
                Ok(p) => ahead.ingest_prepared(ahead_ws, &mailbox, p).await,
                Err(e) => Err(e),
            };
            got.push(seen(&ahead, ahead_ws, result).await);
        }
    }

    assert_eq!(got.len(), expected.len());
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(g, e, "mail {i} differs");
    }
    // The run covers what it claims to.
    let count = |f: &dyn Fn(&Seen) -> bool| expected.iter().flatten().filter(|s| f(s)).count();
    assert!(count(&|s| s.status == "Duplicate") >= 30);
    assert!(count(&|s| s.status == "Appended") >= 10);
    assert!(count(&|s| s.autoreply == "sent") >= 10);
    assert!(count(&|s| matches!(&s.display_text, Some(Some(_)))) >= 10);
    assert!(expected.iter().filter(|r| r.is_err()).count() >= 4);
}

#[test]
fn prepare_reports_what_ingest_reports() {
    let (desk, _, _) = desk();
    for raw in [Vec::new(), vec![b'x'; 250_000]] {
        let err = desk
            .prepare_mail(raw)
            .err()
            .unwrap_or_else(|| panic!("prepared a mail that ingest rejects"));
        assert!(
            matches!(&err, helpdesk::Error::Validation { field, .. } if field == "mail"),
            "{err:?}"
        );
    }
    let prepared = desk
        .prepare_mail(
            b"From: ann@customer.example\r\nSubject: Hi\r\n\r\nThanks!\r\n\r\nOn Mon, 2 Mar 2026, Support <s@x.example> wrote:\r\n> Hello\r\n"
                .to_vec(),
        )
        .unwrap_or_else(|e| panic!("prepare: {e}"));
    assert_eq!(prepared.mail().subject, "Hi");
    assert!(prepared.mail().text.contains("> Hello"));
    assert!(prepared.raw().starts_with(b"From: ann"));
}

#[test]
fn prepared_mail_crosses_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<helpdesk::engine::PreparedMail>();
    // Prepared on another thread, ingested here.
    let (desk, _, ws) = desk();
    let worker = desk.clone();
    let prepared = std::thread::spawn(move || {
        worker.prepare_mail(b"From: ann@customer.example\r\nSubject: Far\r\n\r\nHi\r\n".to_vec())
    })
    .join()
    .unwrap_or_else(|_| panic!("the preparing thread panicked"))
    .unwrap_or_else(|e| panic!("prepare: {e}"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let out = rt
        .block_on(desk.ingest_prepared(ws, &mailbox(), prepared))
        .unwrap_or_else(|e| panic!("ingest: {e}"));
    assert_eq!(out.ticket.subject, "Far");
}
