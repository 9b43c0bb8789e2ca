//! Syncs an IMAP folder into the in-memory store and prints the tickets.
//!
//! ```text
//! cargo run --example imap --features imap -- [--watch] [--host HOST] [--port PORT]
//!     [--user USER] [--password PASSWORD] [--folder FOLDER]
//!     [--security tls|starttls|plain] [--mailbox ADDRESS]
//! ```
//!
//! Every setting not given as an argument comes from the environment:
//! `HELPDESK_IMAP_HOST`, `HELPDESK_IMAP_PORT`, `HELPDESK_IMAP_USER`,
//! `HELPDESK_IMAP_PASSWORD`, `HELPDESK_IMAP_FOLDER` (default `INBOX`) and
//! `HELPDESK_IMAP_SECURITY` (default `tls`). `--mailbox` is the helpdesk
//! address the mail arrived at (default: the user name when it is an
//! address, else `support@example.com`).
//!
//! Without `--watch` it syncs once and prints what it stored. With
//! `--watch` it stays connected (IDLE, or polling) and prints each mail as it
//! arrives, until a line is entered or standard input ends; then it prints
//! the tickets. Messages are left unseen on the server (`BODY.PEEK`).
//! Exit status: 0 on success, 1 when the sync fails, 2 on bad arguments.

use std::process::ExitCode;
use std::sync::Arc;

use helpdesk::MemoryStore;
use helpdesk::engine::{Helpdesk, Mailbox};
use helpdesk::helpdesk_imap::{
    ImapConfig, MailboxSync, Security, ShutdownHandle, SyncEvent, SyncReport,
};
use helpdesk::model::{AgentId, WorkspaceId};
use helpdesk::query::Query;

const USAGE: &str = "usage: imap [--watch] [--host HOST] [--port PORT] [--user USER] \
     [--password PASSWORD] [--folder FOLDER] [--security tls|starttls|plain] [--mailbox ADDRESS]\n\
     (or HELPDESK_IMAP_HOST, _PORT, _USER, _PASSWORD, _FOLDER, _SECURITY)";

/// Command-line options, after the environment filled the gaps.
#[derive(Debug)]
struct Options {
    watch: bool,
    host: String,
    port: Option<u16>,
    user: String,
    password: String,
    folder: String,
    security: Security,
    mailbox: String,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut given: std::collections::HashMap<&'static str, String> = Default::default();
    let mut watch = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let key = match name.as_str() {
            "--watch" => {
                watch = true;
                continue;
            }
            "-h" | "--help" => return Err(String::new()),
            "--host" => "HOST",
            "--port" => "PORT",
            "--user" => "USER",
            "--password" => "PASSWORD",
            "--folder" => "FOLDER",
            "--security" => "SECURITY",
            "--mailbox" => "MAILBOX",
            other => return Err(format!("unknown argument {other}")),
        };
        let value = match inline {
            Some(v) => v,
            None => args.next().ok_or(format!("{name} needs a value"))?,
        };
        given.insert(key, value);
    }
    let get = |key: &'static str| {
        given
            .get(key)
            .cloned()
            .or_else(|| std::env::var(format!("HELPDESK_IMAP_{key}")).ok())
            .filter(|v| !v.is_empty())
    };
    let host = get("HOST").ok_or("no host: use --host or HELPDESK_IMAP_HOST")?;
    let user = get("USER").ok_or("no user: use --user or HELPDESK_IMAP_USER")?;
    let password =
        get("PASSWORD").ok_or("no password: use --password or HELPDESK_IMAP_PASSWORD")?;
    let port = match get("PORT") {
        Some(p) => Some(p.parse().map_err(|_| format!("bad port {p:?}"))?),
        None => None,
    };
    let security = match get("SECURITY") {
        Some(s) => {
            Security::parse(&s).ok_or(format!("bad security {s:?}: tls, starttls or plain"))?
        }
        None => Security::Tls,
    };
    let mailbox = given.get("MAILBOX").cloned().unwrap_or_else(|| {
        if user.contains('@') {
            user.clone()
        } else {
            "support@example.com".to_owned()
        }
    });
    Ok(Options {
        watch,
        host,
        port,
        user,
        password,
        folder: get("FOLDER").unwrap_or_else(|| "INBOX".to_owned()),
        security,
        mailbox,
    })
}

fn print_event(event: &SyncEvent<'_>) {
    match event {
        SyncEvent::Connected { mailbox, idle } => {
            eprintln!(
                "connected to {mailbox} ({})",
                if *idle { "IDLE" } else { "polling" }
            );
        }
        SyncEvent::Ingested(m) => {
            println!(
                "uid {:>6}  {:?} -> ticket #{}",
                m.uid, m.status, m.ticket_number.0
            );
        }
        SyncEvent::Rejected(m) => println!("uid {:>6}  rejected: {}", m.uid, m.error),
        SyncEvent::PostActionFailed(f) => {
            eprintln!("uid {}: post-action failed: {}", f.uid, f.error)
        }
        SyncEvent::Disconnected {
            error, retry_in, ..
        } => {
            eprintln!("disconnected ({error}); retrying in {retry_in:?}");
        }
        _ => {}
    }
}

async fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let desk = Arc::new(Helpdesk::builder(Arc::new(MemoryStore::new())).build());
    let workspace = WorkspaceId::new();
    let mut config = ImapConfig::new(
        options.host,
        options.user,
        options.password,
        Mailbox::new(options.mailbox),
    )
    .security(options.security)
    .folder(options.folder);
    if let Some(port) = options.port {
        config = config.port(port);
    }
    let sync = MailboxSync::new(desk.clone(), workspace, config)?.on_event(print_event);

    if options.watch {
        let shutdown = ShutdownHandle::new();
        let live = tokio::spawn({
            let (sync, signal) = (sync.clone(), shutdown.signal());
            async move { sync.watch(signal).await }
        });
        eprintln!("watching; enter a line (or end standard input) to stop");
        tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        })
        .await?;
        shutdown.shutdown();
        live.await??;
    } else {
        let report: SyncReport = sync.sync_once().await?;
        eprintln!(
            "{} stored, {} rejected (UIDVALIDITY {}, last UID {:?}{})",
            report.ingested.len(),
            report.rejected.len(),
            report.uid_validity,
            report.last_uid,
            if report.resync { ", full resync" } else { "" }
        );
    }

    let page = desk
        .store()
        .query_tickets(workspace, &Query::new(AgentId::new()).limit(1000))
        .await?;
    println!("{} ticket(s):", page.tickets.len());
    for ticket in page.tickets {
        let messages = desk.store().messages(workspace, ticket.id).await?.len();
        println!(
            "#{:<5} {:<8} {:>3} message(s)  {}",
            ticket.number.0, ticket.state, messages, ticket.subject
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
