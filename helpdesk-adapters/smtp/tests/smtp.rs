//! The SMTP transport against a real SMTP server: Debian's `aiosmtpd`,
//! started per test on a free loopback port with a small handler that stores
//! every received envelope and message, and answers 451 for `temp-fail@...`
//! and 550 for `perm-fail@...` recipients.
//!
//! Without `python3 -m aiosmtpd` (package `python3-aiosmtpd`) the server
//! tests print `SKIPPED: ...` and pass, unless `HELPDESK_REQUIRE_SERVICES=1`
//! is set, in which case they fail.

use chrono::{Duration, TimeZone, Utc};
use helpdesk_core::Bytes;
use helpdesk_core::engine::{EngineConfig, Helpdesk, NewTicket, Reply};
use helpdesk_core::mail::{InboundMail, ParseLimits, parse};
use helpdesk_core::model::{
    AgentId, Attachment, Channel, EmailIds, EventKind, MessageId, SendState, TicketId,
    TicketNumber, WorkspaceId,
};
use helpdesk_core::ports::{
    ManualClock, MemoryBlobs, OutboxStatus, OutgoingAttachment, OutgoingMessage, SendError,
    Transport,
};
use helpdesk_memory::MemoryStore;
use helpdesk_smtp::{Security, SmtpConfig, SmtpTransport};
use std::net::TcpStream;

#[path = "../../test-support/free_port.rs"]
mod free_port;
use free_port::free_port;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const HANDLER: &str = r#"
import itertools
import os


class Recorder:
    """Stores each message as NNNN.eml (raw DATA) and NNNN.env (line 1: MAIL
    FROM, then one RCPT TO per line); refuses temp-fail@ (451) and
    perm-fail@ (550) recipients."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.count = itertools.count(1)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("Recorder takes the output directory")
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local == "temp-fail":
            return "451 4.3.0 Temporary failure, try again later"
        if local == "perm-fail":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        base = os.path.join(self.outdir, "%04d" % next(self.count))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env.tmp", "w") as f:
            f.write("\n".join([envelope.mail_from or ""] + list(envelope.rcpt_tos)) + "\n")
        os.rename(base + ".env.tmp", base + ".env")
        return "250 Message accepted"
"#;

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "helpdesk-smtp-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A Python interpreter that can `import aiosmtpd` (Debian's package goes
/// to the system interpreter, which may not be the first `python3`).
fn python_with_aiosmtpd() -> Option<String> {
    let mut candidates = Vec::new();
    if let Ok(p) = std::env::var("HELPDESK_PYTHON") {
        candidates.push(p);
    }
    candidates.push("python3".into());
    candidates.push("/usr/bin/python3".into());
    candidates.into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// One received message.
#[derive(Debug)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: Vec<u8>,
}

impl Received {
    fn parsed(&self) -> InboundMail {
        parse(&self.data, &ParseLimits::default()).expect("received mail parses")
    }
}

/// How the test server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    StartTls,
    Tls,
}

fn skip_or_panic(why: &str) {
    if std::env::var("HELPDESK_REQUIRE_SERVICES").as_deref() == Ok("1") {
        panic!("HELPDESK_REQUIRE_SERVICES=1 but {why}");
    }
    eprintln!("SKIPPED: {why}; the SMTP server test did not run");
}

/// A private CA (`ca.pem`) and a `localhost` certificate it signed
/// (`leaf.pem`, `leaf.key`), made with the openssl command line tool.
fn make_certificates(dir: &Path) -> Option<()> {
    let openssl = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write extensions");
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let ok = openssl(
        &[
            &["req", "-x509"][..],
            &ec[..],
            &[
                "-days",
                "2",
                "-subj",
                "/CN=Helpdesk Test CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ][..],
        ]
        .concat(),
    ) && openssl(
        &[
            &["req"][..],
            &ec[..],
            &[
                "-subj",
                "/CN=localhost",
                "-keyout",
                "leaf.key",
                "-out",
                "leaf.csr",
            ][..],
        ]
        .concat(),
    ) && openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
        "-out",
        "leaf.pem",
    ]);
    if ok {
        Some(())
    } else {
        skip_or_panic("the `openssl` command could not make a test certificate");
        None
    }
}

/// A running aiosmtpd, killed on drop.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: TempDir,
}

impl SmtpServer {
    /// Starts a plain server, or returns `None` (after a loud message) when
    /// aiosmtpd is not installed and services are not required.
    fn start() -> Option<Self> {
        Self::start_with(Mode::Plain)
    }

    fn start_with(mode: Mode) -> Option<Self> {
        let python = python_with_aiosmtpd().or_else(|| {
            skip_or_panic(
                "`python3 -m aiosmtpd` is not available (install the Debian package python3-aiosmtpd)",
            );
            None
        })?;
        let dir = TempDir::new("server");
        let mail_dir = dir.0.join("mail");
        std::fs::create_dir_all(&mail_dir).expect("mail dir");
        std::fs::write(dir.0.join("recorder.py"), HANDLER).expect("write handler");
        let mut tls_args: Vec<String> = Vec::new();
        if mode != Mode::Plain {
            make_certificates(&dir.0)?;
            let (cert, key) = if mode == Mode::Tls {
                ("--smtpscert", "--smtpskey")
            } else {
                ("--tlscert", "--tlskey")
            };
            tls_args = vec![
                cert.into(),
                dir.0.join("leaf.pem").display().to_string(),
                key.into(),
                dir.0.join("leaf.key").display().to_string(),
            ];
        }
        let port = free_port();
        let log = std::fs::File::create(dir.0.join("server.log")).expect("log file");
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(&tls_args)
            .args(["-c", "recorder.Recorder"])
            .arg(&mail_dir)
            .env("PYTHONPATH", &dir.0)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start aiosmtpd");
        let mut server = Self { child, port, dir };
        server.wait_ready();
        Some(server)
    }

    fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.dir.0.join("ca.pem")).expect("CA certificate")
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("aiosmtpd exited early ({status}): {}", self.log());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on port {} within 20 s: {}",
                self.port,
                self.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("server.log")).unwrap_or_default()
    }

    fn mail_dir(&self) -> PathBuf {
        self.dir.0.join("mail")
    }

    /// Everything received so far, in order.
    fn received(&self) -> Vec<Received> {
        let mut envs: Vec<PathBuf> = std::fs::read_dir(self.mail_dir())
            .expect("read mail dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "env"))
            .collect();
        envs.sort();
        envs.iter().map(|p| read_received(p)).collect()
    }

    fn config(&self) -> SmtpConfig {
        SmtpConfig::new("127.0.0.1")
            .security(Security::Plain)
            .port(self.port)
            .timeout(std::time::Duration::from_secs(10))
            .default_from("support@acme.test")
            .from_name("ACME Support")
            .loop_header("X-Helpdesk-Loop", "acme-ws-1")
            .message_id_domain("mail.acme.test")
    }
}

fn read_received(env: &Path) -> Received {
    let text = std::fs::read_to_string(env).expect("read envelope");
    let mut lines = text.lines();
    let mail_from = lines.next().unwrap_or_default().to_string();
    let rcpt_to = lines.map(str::to_string).collect();
    let data = std::fs::read(env.with_extension("eml")).expect("read message");
    Received {
        mail_from,
        rcpt_to,
        data,
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixed_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .expect("a valid date"),
    ))
}

fn outgoing(to: &[&str]) -> OutgoingMessage {
    OutgoingMessage {
        workspace: WorkspaceId::new(),
        ticket: TicketId::new(),
        ticket_number: TicketNumber(42),
        message: MessageId::new(),
        channel: Channel::Email,
        from: Some("support@acme.test".into()),
        reply_to: None,
        to: to.iter().map(|s| s.to_string()).collect(),
        cc: Vec::new(),
        subject: "Printer on fire".into(),
        text: "Hello Ann,\nplease unplug it.\n".into(),
        html: None,
        attachments: Vec::new(),
        thread: EmailIds::default(),
        automatic: false,
    }
}

/// `bytes` with every MIME boundary (random per rendering) replaced by a
/// fixed string, so two renderings of the same message compare equal.
fn without_boundaries(bytes: &[u8]) -> String {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    let mut boundaries = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("boundary=\"") {
        let after = &rest[i + 10..];
        let Some(end) = after.find('"') else { break };
        boundaries.push(after[..end].to_string());
        rest = &after[end..];
    }
    for (n, b) in boundaries.iter().enumerate() {
        text = text.replace(b.as_str(), &format!("BOUNDARY-{n}"));
    }
    text
}

/// The error and all its sources, joined.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        out.push_str(" <- ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

fn header<'a>(mail: &'a InboundMail, name: &str) -> Option<&'a str> {
    mail.header(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_reply_arrives_with_envelope_headers_and_alternatives() {
    let Some(server) = SmtpServer::start() else {
        return;
    };
    let transport = SmtpTransport::new(server.config())
        .expect("valid config")
        .with_clock(fixed_clock());
    let mut msg = outgoing(&["ann@example.com"]);
    msg.cc = vec!["bob@example.org".into()];
    // A line starting with a dot exercises SMTP dot-stuffing.
    msg.text = "Hello Ann,\n.hidden line starting with a dot\nBye\n".into();
    msg.html = Some("<p>Hello <b>Ann</b></p>".into());
    msg.thread = EmailIds {
        message_id: None,
        in_reply_to: vec!["m1@example.com".into(), "m2@example.com".into()],
        references: vec!["m0@example.com".into(), "m1@example.com".into()],
    };

    let delivered = transport.send(&msg).await.expect("delivered");
    let expected_id = format!("{}@mail.acme.test", msg.message);
    assert_eq!(delivered.remote_id.as_deref(), Some(expected_id.as_str()));

    let received = server.received();
    assert_eq!(received.len(), 1, "one message arrived");
    let r = &received[0];
    assert_eq!(r.mail_from, "support@acme.test");
    assert_eq!(r.rcpt_to, vec!["ann@example.com", "bob@example.org"]);
    // What arrived is exactly what compose rendered (up to the random MIME
    // boundaries, which differ between two renderings).
    let rendered = transport.render(&msg).expect("renders");
    assert_eq!(
        without_boundaries(&r.data),
        without_boundaries(&rendered.bytes)
    );
    assert!(r.data.ends_with(b"\r\n"));

    let m = r.parsed();
    assert_eq!(m.message_id.as_deref(), Some(expected_id.as_str()));
    assert_eq!(m.in_reply_to, vec!["m2@example.com"]);
    assert_eq!(
        m.references,
        vec!["m0@example.com", "m1@example.com", "m2@example.com"]
    );
    assert_eq!(m.subject, "Printer on fire [#42]");
    let from = m.from.clone().expect("a From header");
    assert_eq!(from.email, "support@acme.test");
    assert_eq!(from.name.as_deref(), Some("ACME Support"));
    assert_eq!(m.to.len(), 1);
    assert_eq!(m.to[0].email, "ann@example.com");
    assert_eq!(m.cc.len(), 1);
    assert_eq!(m.cc[0].email, "bob@example.org");
    assert!(
        m.text.contains(".hidden line starting with a dot"),
        "{}",
        m.text
    );
    assert!(
        m.html.as_deref().unwrap_or("").contains("<b>Ann</b>"),
        "{:?}",
        m.html
    );
    let raw = String::from_utf8_lossy(&r.data);
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert!(raw.contains("text/plain") && raw.contains("text/html"));
    assert_eq!(header(&m, "X-Helpdesk-Loop"), Some("acme-ws-1"));
    assert!(m.signals.auto_submitted.is_none());
    assert!(header(&m, "X-Auto-Response-Suppress").is_none());
    assert_eq!(
        m.date,
        Some(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap())
    );
}

/// A message's attachments arrive, each byte as it was (a binary file
/// with every byte value, and a text file), named and typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_arrive_byte_for_byte() {
    let Some(server) = SmtpServer::start() else {
        return;
    };
    let transport = SmtpTransport::new(server.config())
        .expect("valid config")
        .with_clock(fixed_clock());
    let binary: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let mut msg = outgoing(&["ann@example.com"]);
    msg.attachments = vec![
        OutgoingAttachment {
            attachment: Attachment::new("label.bin", "application/octet-stream", 3000),
            bytes: Bytes::from(binary.clone()),
        },
        OutgoingAttachment {
            attachment: Attachment::new("notes.txt", "text/plain", 11),
            bytes: Bytes::from_static(b"hello\r\nbye"),
        },
        OutgoingAttachment {
            attachment: {
                let mut a = Attachment::new("shot.png", "image/png", 4);
                a.content_id = Some("shot-1@acme.test".into());
                a.inline = true;
                a
            },
            bytes: Bytes::from_static(b"\x89PNG"),
        },
    ];
    msg.html = Some(r#"<p>See:</p><img src="cid:shot-1@acme.test">"#.into());
    transport.send(&msg).await.expect("delivered");
    let received = server.received();
    assert_eq!(received.len(), 1, "one message arrived");
    let m = received[0].parsed();
    let files: Vec<_> = m
        .attachments
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.content_type.as_str(),
                a.content.clone(),
                a.content_id.as_deref(),
                a.inline,
            )
        })
        .collect();
    // (The image, with the HTML in its `multipart/related`, comes first.)
    assert_eq!(
        files,
        [
            (
                "shot.png",
                "image/png",
                Some(b"\x89PNG".to_vec()),
                Some("shot-1@acme.test"),
                true
            ),
            (
                "label.bin",
                "application/octet-stream",
                Some(binary),
                None,
                false
            ),
            (
                "notes.txt",
                "text/plain",
                Some(b"hello\r\nbye".to_vec()),
                None,
                false
            ),
        ]
    );
    assert!(
        m.html
            .as_deref()
            .unwrap_or_default()
            .contains("cid:shot-1@acme.test"),
        "{:?}",
        m.html
    );
    assert!(m.text.contains("please unplug it"), "{}", m.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_message_has_null_sender_and_auto_headers() {
    let Some(server) = SmtpServer::start() else {
        return;
    };
    let transport = SmtpTransport::new(server.config())
        .expect("valid config")
        .with_clock(fixed_clock());
    let mut msg = outgoing(&["ann@example.com"]);
    msg.from = None; // falls back to default_from
    msg.automatic = true;
    msg.subject = "We got your message".into();
    msg.thread.message_id = Some("<ack-7@mail.acme.test>".into());

    let delivered = transport.send(&msg).await.expect("delivered");
    assert_eq!(delivered.remote_id.as_deref(), Some("ack-7@mail.acme.test"));

    let received = server.received();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.mail_from, "<>", "MAIL FROM:<> (null reverse path)");
    assert_eq!(r.rcpt_to, vec!["ann@example.com"]);
    // A single-part message renders identically every time: byte for byte.
    let rendered = transport.render(&msg).expect("renders");
    assert_eq!(rendered.envelope_from, None);
    assert_eq!(r.data, rendered.bytes, "arrived byte for byte");

    let m = r.parsed();
    assert_eq!(m.message_id.as_deref(), Some("ack-7@mail.acme.test"));
    assert_eq!(m.subject, "We got your message [#42]");
    assert_eq!(
        m.from.as_ref().map(|a| a.email.as_str()),
        Some("support@acme.test")
    );
    assert_eq!(m.signals.auto_submitted.as_deref(), Some("auto-replied"));
    assert_eq!(m.signals.x_auto_response_suppress.as_deref(), Some("All"));
    assert_eq!(header(&m, "X-Helpdesk-Loop"), Some("acme-ws-1"));
    assert!(m.html.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_451_is_temporary() {
    let Some(server) = SmtpServer::start() else {
        return;
    };
    let transport = SmtpTransport::new(server.config()).expect("valid config");
    let err = transport
        .send(&outgoing(&["temp-fail@example.com"]))
        .await
        .expect_err("refused");
    assert!(matches!(err, SendError::Temporary(_)), "{err:?}");
    assert!(err.to_string().contains("451"), "{err}");
    assert!(server.received().is_empty());
    // The pooled connection was aborted cleanly: the next message goes.
    transport
        .send(&outgoing(&["ann@example.com"]))
        .await
        .expect("delivered after a refusal");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_550_is_permanent() {
    let Some(server) = SmtpServer::start() else {
        return;
    };
    let transport = SmtpTransport::new(server.config()).expect("valid config");
    // One refused recipient aborts the whole transaction.
    let err = transport
        .send(&outgoing(&["ann@example.com", "perm-fail@example.com"]))
        .await
        .expect_err("refused");
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
    assert!(err.to_string().contains("550"), "{err}");
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn closed_port_is_temporary() {
    let port = free_port(); // bound and released: nobody listens there
    let transport = SmtpTransport::new(
        SmtpConfig::new("127.0.0.1")
            .security(Security::Plain)
            .port(port)
            .timeout(std::time::Duration::from_secs(5))
            .default_from("support@acme.test"),
    )
    .expect("valid config");
    let err = transport
        .send(&outgoing(&["ann@example.com"]))
        .await
        .expect_err("nobody listens");
    assert!(matches!(err, SendError::Temporary(_)), "{err:?}");
}

#[tokio::test]
async fn unbuildable_message_is_permanent() {
    let transport = SmtpTransport::new(
        SmtpConfig::new("127.0.0.1")
            .security(Security::Plain)
            .port(free_port()),
    )
    .expect("valid config");
    let err = transport
        .send(&outgoing(&["not an address"]))
        .await
        .expect_err("bad recipient");
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
    let mut no_sender = outgoing(&["ann@example.com"]);
    no_sender.from = None;
    let err = transport.send(&no_sender).await.expect_err("no sender");
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
    assert!(err.to_string().contains("no sender"), "{err}");
}

#[test]
fn bad_configs_are_refused() {
    let bad = [
        SmtpConfig::new(" "),
        SmtpConfig::new("h").default_from("not an address"),
        SmtpConfig::new("h").loop_header("X-Bad: Name", "v"),
        SmtpConfig::new("h").message_id_domain("a b"),
        SmtpConfig::new("h").add_root_certificate_pem(b"not a pem".to_vec()),
    ];
    for config in bad {
        assert!(SmtpTransport::new(config.clone()).is_err(), "{config:?}");
    }
    let mut half = SmtpConfig::new("h");
    half.username = Some("ann".into());
    assert!(SmtpTransport::new(half).is_err());
    for security in [Security::Tls, Security::StartTls, Security::Plain] {
        let t = SmtpTransport::new(
            SmtpConfig::new("smtp.example.com")
                .security(security)
                .credentials("ann", "s3cret-pass"),
        )
        .expect("valid config, built outside any runtime");
        assert!(!format!("{t:?}").contains("s3cret-pass"));
    }
}

#[test]
fn signed_message_ids_carry_the_ticket() {
    let secret = b"0123456789abcdef0123456789abcdef";
    let transport = SmtpTransport::new(
        SmtpConfig::new("127.0.0.1")
            .security(Security::Plain)
            .default_from("support@acme.test")
            .message_id_secret(secret.to_vec()),
    )
    .expect("valid config");
    let msg = outgoing(&["ann@example.com"]);
    let composed = transport.render(&msg).expect("renders");
    let m = parse(&composed.bytes, &ParseLimits::default()).expect("parses");
    let id = m.message_id.expect("a Message-ID");
    // No message_id_domain: the sender's domain is used.
    assert!(id.ends_with(&format!(".{}@acme.test", msg.message)), "{id}");
    assert_eq!(
        helpdesk_core::mail::token::ticket_from_message_id(secret, &id, "acme.test"),
        Some(msg.ticket.as_u128())
    );
}

/// A message sent again (a retry, or a dispatcher that stopped before it
/// stored the outcome) carries the same Message-ID, signed or not, so mail
/// clients show one message.
#[test]
fn every_attempt_carries_the_same_message_id() {
    for secret in [None, Some(b"0123456789abcdef".to_vec())] {
        let mut config = SmtpConfig::new("127.0.0.1")
            .security(Security::Plain)
            .default_from("support@acme.test");
        config.message_id_secret = secret.clone();
        let transport = SmtpTransport::new(config).expect("valid config");
        let msg = outgoing(&["ann@example.com"]);
        let id = |t: &SmtpTransport| {
            let composed = t.render(&msg).expect("renders");
            parse(&composed.bytes, &ParseLimits::default())
                .expect("parses")
                .message_id
        };
        let first = id(&transport);
        assert!(first.is_some(), "{secret:?}");
        assert_eq!(first, id(&transport), "{secret:?}");
        // Also from another transport (another process) with the same
        // configuration.
        let mut again = SmtpConfig::new("127.0.0.1")
            .security(Security::Plain)
            .default_from("support@acme.test");
        again.message_id_secret = secret.clone();
        assert_eq!(
            first,
            id(&SmtpTransport::new(again).expect("valid config")),
            "{secret:?}"
        );
    }
}

#[test]
fn reply_to_plus_address_is_rendered() {
    let transport = SmtpTransport::new(
        SmtpConfig::new("127.0.0.1")
            .security(Security::Plain)
            .default_from("support@acme.test"),
    )
    .expect("valid config");
    let mut msg = outgoing(&["ann@example.com"]);
    msg.reply_to = Some("support+abc123@acme.test".into());
    let composed = transport.render(&msg).expect("renders");
    let m = parse(&composed.bytes, &ParseLimits::default()).expect("parses");
    assert_eq!(
        m.reply_to.first().map(|a| a.email.as_str()),
        Some("support+abc123@acme.test")
    );
}

fn tls_config(server: &SmtpServer, security: Security) -> SmtpConfig {
    SmtpConfig::new("localhost")
        .security(security)
        .port(server.port)
        .timeout(std::time::Duration::from_secs(10))
        .default_from("support@acme.test")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_with_a_private_ca_delivers() {
    let Some(server) = SmtpServer::start_with(Mode::StartTls) else {
        return;
    };
    let transport = SmtpTransport::new(
        tls_config(&server, Security::StartTls).add_root_certificate_pem(server.ca_pem()),
    )
    .expect("valid config");
    transport
        .send(&outgoing(&["ann@example.com"]))
        .await
        .expect("delivered over STARTTLS");
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].parsed().subject, "Printer on fire [#42]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_with_a_private_ca_delivers() {
    let Some(server) = SmtpServer::start_with(Mode::Tls) else {
        return;
    };
    let transport = SmtpTransport::new(
        tls_config(&server, Security::Tls).add_root_certificate_pem(server.ca_pem()),
    )
    .expect("valid config");
    transport
        .send(&outgoing(&["ann@example.com"]))
        .await
        .expect("delivered over implicit TLS");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_certificate_is_refused() {
    let Some(server) = SmtpServer::start_with(Mode::StartTls) else {
        return;
    };
    // The server's CA is not trusted: the handshake fails, nothing is sent.
    let transport =
        SmtpTransport::new(tls_config(&server, Security::StartTls)).expect("valid config");
    let err = transport
        .send(&outgoing(&["ann@example.com"]))
        .await
        .expect_err("certificate not trusted");
    assert!(matches!(err, SendError::Temporary(_)), "{err:?}");
    let chain = error_chain(&err).to_lowercase();
    assert!(chain.contains("certificate"), "{chain}");
    assert!(server.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_delivers_and_retries_through_real_smtp() {
    let Some(server) = SmtpServer::start() else {
        return;
    };
    let clock = fixed_clock();
    let t0 = clock.now();
    let transport = SmtpTransport::new(server.config())
        .expect("valid config")
        .with_clock(clock.clone());
    let store = Arc::new(MemoryStore::new());
    let desk = Helpdesk::builder(store.clone())
        .clock(clock.clone())
        .transport("email", Arc::new(transport))
        .blobs(Arc::new(MemoryBlobs::new()))
        .config(
            EngineConfig::default()
                .default_from("support@acme.test")
                .max_delivery_attempts(3),
        )
        .build();
    let ws = WorkspaceId::new();
    let agent = AgentId::new();
    use helpdesk_core::ports::{Clock, Store};

    // A reply with a file is queued, then delivered to the real server.
    let ticket = desk
        .create_ticket(
            ws,
            NewTicket::from_customer(
                "ann@example.com",
                "Where is my parcel?",
                "Ordered last week.",
            ),
        )
        .await
        .expect("ticket");
    let label = desk
        .upload(
            ws,
            "label.pdf",
            "application/pdf",
            b"%PDF-1.4 label".to_vec(),
        )
        .await
        .expect("uploaded");
    let reply = desk
        .reply(
            ws,
            ticket.id,
            agent,
            Reply::text("It ships today; the label is attached.").attach(label),
        )
        .await
        .expect("reply queued");
    assert!(server.received().is_empty(), "nothing before dispatch");
    let report = desk.dispatch_outbox().await.expect("dispatch");
    assert_eq!((report.sent, report.retried, report.failed), (1, 0, 0));
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].mail_from, "support@acme.test");
    assert_eq!(received[0].rcpt_to, vec!["ann@example.com"]);
    let m = received[0].parsed();
    assert_eq!(
        m.subject,
        format!("Where is my parcel? [#{}]", ticket.number.0)
    );
    assert!(m.text.contains("It ships today;"));
    let files: Vec<_> = m
        .attachments
        .iter()
        .map(|a| (a.name.as_str(), a.content.as_deref()))
        .collect();
    assert_eq!(files, [("label.pdf", Some(&b"%PDF-1.4 label"[..]))]);
    let stored = store
        .message(ws, reply.id)
        .await
        .expect("store")
        .expect("message");
    assert!(matches!(stored.send_state, Some(SendState::Sent { .. })));
    assert_eq!(stored.email.message_id, m.message_id, "Message-ID recorded");

    // A reply to a recipient the server refuses with 451: retried with
    // backoff, then failed with an event after max_delivery_attempts.
    let ticket2 = desk
        .create_ticket(
            ws,
            NewTicket::from_customer("temp-fail@example.com", "Hello", "Anyone there?"),
        )
        .await
        .expect("ticket");
    let reply2 = desk
        .reply(ws, ticket2.id, agent, Reply::text("Yes, we are."))
        .await
        .expect("reply queued");
    let report = desk.dispatch_outbox().await.expect("dispatch");
    assert_eq!((report.sent, report.retried, report.failed), (0, 1, 0));
    let rows = store.outbox(ws, ticket2.id).await.expect("outbox");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].attempts, 1);
    assert_eq!(rows[0].status, OutboxStatus::Pending);
    assert!(rows[0].not_before > t0, "the retry waits");
    assert!(
        rows[0].last_error.as_deref().unwrap_or("").contains("451"),
        "{:?}",
        rows[0].last_error
    );
    assert_eq!(
        desk.dispatch_outbox().await.expect("dispatch").retried,
        0,
        "not before its time"
    );
    clock.advance(Duration::hours(2));
    let report = desk.dispatch_outbox().await.expect("dispatch");
    assert_eq!((report.sent, report.retried, report.failed), (0, 1, 0));
    clock.advance(Duration::hours(2));
    let report = desk.dispatch_outbox().await.expect("dispatch");
    assert_eq!((report.sent, report.retried, report.failed), (0, 0, 1));
    let rows = store.outbox(ws, ticket2.id).await.expect("outbox");
    assert_eq!(rows[0].status, OutboxStatus::Failed);
    assert_eq!(rows[0].attempts, 3);
    let failed = store
        .message(ws, reply2.id)
        .await
        .expect("store")
        .expect("message");
    assert!(
        matches!(failed.send_state, Some(SendState::Failed { .. })),
        "{:?}",
        failed.send_state
    );
    let events = store.events(ws, ticket2.id).await.expect("events");
    assert!(events.iter().any(
        |e| matches!(&e.kind, EventKind::MessageFailed { message, .. } if *message == reply2.id)
    ));
    assert_eq!(server.received().len(), 1, "only the first reply arrived");
}
