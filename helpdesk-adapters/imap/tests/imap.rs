//! The IMAP mailbox sync against a real Dovecot (Debian's `dovecot-imapd`),
//! started per test as a child process (`dovecot -F -c <tempdir>/dovecot.conf`)
//! on a free loopback port, without TLS, with one passwd-file user per test
//! and maildir storage in the temp dir. Test mail is APPENDed over a second
//! IMAP connection.
//!
//! Without `dovecot` the tests print `SKIPPED: ...` and pass, unless
//! `HELPDESK_REQUIRE_SERVICES=1` is set, in which case they fail.

use async_imap::Session;
use futures::TryStreamExt as _;
use helpdesk_core::engine::{EngineConfig, Helpdesk, IngestStatus, MailSettings, Mailbox};
use helpdesk_core::mail::ParseLimits;
use helpdesk_core::model::{AgentId, QueueId, Ticket, WorkspaceId};
use helpdesk_core::ports::MailboxCheckpoint;
use helpdesk_core::query::Query;
use helpdesk_imap::{
    AfterIngest, AuthMechanism, ImapConfig, MailboxSync, Security, ShutdownHandle, SyncError,
    SyncEvent, watch_all,
};
use helpdesk_memory::MemoryStore;
use std::collections::BTreeMap;
use std::net::TcpStream;

#[path = "../../test-support/free_port.rs"]
mod free_port;
use free_port::free_port;
use std::os::unix::fs::MetadataExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "s3cret-pass";

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "helpdesk-imap-{tag}-{}-{}",
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

fn skip_or_panic(why: &str) {
    if std::env::var("HELPDESK_REQUIRE_SERVICES").as_deref() == Ok("1") {
        panic!("HELPDESK_REQUIRE_SERVICES=1 but {why}");
    }
    eprintln!("SKIPPED: {why}; the IMAP server test did not run");
}

fn find_dovecot() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(p) = std::env::var("HELPDESK_DOVECOT") {
        candidates.push(p.into());
    }
    candidates.push("/usr/sbin/dovecot".into());
    candidates.push("/usr/local/sbin/dovecot".into());
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("dovecot")));
    }
    candidates.into_iter().find(|p| p.is_file())
}

fn command_output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A private CA (`ca.pem`) and a `localhost` certificate it signed
/// (`leaf.pem`, `leaf.key`), made with the openssl command line tool.
fn make_certificates(dir: &std::path::Path) -> Option<()> {
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
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    let ca =
        format!("req -x509 {ec} -days 2 -subj /CN=Helpdesk-Test-CA -keyout ca.key -out ca.pem");
    let csr = format!("req {ec} -subj /CN=localhost -keyout leaf.key -out leaf.csr");
    let sign = "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile leaf.ext -out leaf.pem";
    let ok = [ca.as_str(), csr.as_str(), sign]
        .iter()
        .all(|cmd| openssl(&cmd.split(' ').collect::<Vec<_>>()));
    if ok {
        // Dovecot's login processes read the key as their own user.
        for f in ["leaf.pem", "leaf.key"] {
            let _ = std::fs::set_permissions(
                dir.join(f),
                std::os::unix::fs::PermissionsExt::from_mode(0o644),
            );
        }
        Some(())
    } else {
        skip_or_panic("the `openssl` command could not make a test certificate");
        None
    }
}

/// A running Dovecot, stopped on drop.
struct Dovecot {
    binary: PathBuf,
    child: Option<Child>,
    port: u16,
    tls_port: u16,
    dir: TempDir,
}

impl Dovecot {
    /// Starts Dovecot with the users `users`, or returns `None` (after a
    /// loud message) when it is not installed and services are not required.
    fn start(users: &[&str]) -> Option<Self> {
        Self::start_with(users, false)
    }

    /// With `tls`, a private CA (`ca.pem`) signs a `localhost` certificate
    /// and Dovecot offers STARTTLS on `port` and implicit TLS on `tls_port`.
    fn start_with(users: &[&str], tls: bool) -> Option<Self> {
        let Some(binary) = find_dovecot() else {
            skip_or_panic("`dovecot` is not installed (Debian package dovecot-imapd)");
            return None;
        };
        let dir = TempDir::new("dovecot");
        let root = &dir.0;
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(root.join(sub)).expect("dovecot dirs");
        }
        let meta = std::fs::metadata(root).expect("temp dir metadata");
        // As root, mail processes run as `nobody` (Dovecot refuses uid 0)
        // and the login/internal processes as Debian's `dovenull`/`dovecot`
        // users; otherwise everything runs as the current user.
        let (uid, gid, login_user, internal_user) = if meta.uid() == 0 {
            let login = if command_output("id", &["-u", "dovenull"]).is_some() {
                "dovenull".to_owned()
            } else {
                "nobody".to_owned()
            };
            let internal = if command_output("id", &["-u", "dovecot"]).is_some() {
                "dovecot".to_owned()
            } else {
                "nobody".to_owned()
            };
            let uid: u32 = command_output("id", &["-u", "nobody"])
                .and_then(|s| s.parse().ok())
                .unwrap_or(65534);
            let gid: u32 = command_output("id", &["-g", "nobody"])
                .and_then(|s| s.parse().ok())
                .unwrap_or(65534);
            std::os::unix::fs::chown(root.join("mail"), Some(uid), Some(gid))
                .expect("chown mail dir");
            (uid, gid, login, internal)
        } else {
            let me = command_output("id", &["-un"]).expect("id -un");
            (meta.uid(), meta.gid(), me.clone(), me)
        };
        let mut passwd = String::new();
        for user in users {
            passwd.push_str(&format!(
                "{user}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{}::\n",
                root.join("mail").join(user).display()
            ));
        }
        std::fs::write(root.join("passwd"), passwd).expect("passwd file");
        let port = free_port();
        let tls_port = if tls { free_port() } else { 0 };
        let ssl = if tls {
            make_certificates(root)?;
            format!(
                "ssl = yes\nssl_cert = <{d}/leaf.pem\nssl_key = <{d}/leaf.key\n",
                d = root.display()
            )
        } else {
            "ssl = no\n".to_owned()
        };
        let d = root.display();
        let conf = format!(
            r#"protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
{ssl}disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
first_valid_gid = 1
default_login_user = {login_user}
default_internal_user = {internal_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/passwd
}}
mail_location = maildir:{d}/mail/%u
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
"#
        );
        std::fs::write(root.join("dovecot.conf"), conf).expect("dovecot.conf");
        let mut server = Self {
            binary,
            child: None,
            port,
            tls_port,
            dir,
        };
        server.spawn();
        Some(server)
    }

    fn conf(&self) -> PathBuf {
        self.dir.0.join("dovecot.conf")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("dovecot.log")).unwrap_or_default()
            + &std::fs::read_to_string(self.dir.0.join("stderr.log")).unwrap_or_default()
    }

    fn spawn(&mut self) {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.0.join("stderr.log"))
            .expect("stderr log");
        let child = Command::new(&self.binary)
            .arg("-F")
            .arg("-c")
            .arg(self.conf())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start dovecot");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("dovecot exited early ({status}): {}", self.log());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                // (Ours, not another server's: it did not exit for want of
                // the port.)
                std::thread::sleep(Duration::from_millis(50));
                if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                    panic!("dovecot exited after start ({status}): {}", self.log());
                }
                return;
            }
            assert!(
                Instant::now() < deadline,
                "dovecot did not listen on port {} within 20 s: {}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Stops the server (SIGTERM to the master, which ends its children),
    /// keeping the data directory and the port.
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if !matches!(child.try_wait(), Ok(Some(_))) {
            let _ = Command::new("doveadm")
                .arg("-c")
                .arg(self.conf())
                .arg("stop")
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
        // Wait until nothing listens any more.
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn config(&self, user: &str, mailbox: Mailbox) -> ImapConfig {
        ImapConfig::new("127.0.0.1", user, PASSWORD, mailbox)
            .security(Security::Plain)
            .port(self.port)
            .timeout(Duration::from_secs(10))
            .backoff(Duration::from_millis(50), Duration::from_millis(400))
    }

    /// A second IMAP connection, for APPEND and checks.
    async fn client(&self, user: &str) -> Session<tokio::net::TcpStream> {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .expect("connect to dovecot");
        let mut client = async_imap::Client::new(tcp);
        client
            .read_response()
            .await
            .expect("greeting")
            .expect("greeting");
        client
            .login(user, PASSWORD)
            .await
            .map_err(|(e, _)| e)
            .expect("test client login")
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A small RFC 5322 message.
fn mail(from: &str, subject: &str, id: &str, in_reply_to: Option<&str>, body: &str) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: support@acme.test\r\nSubject: {subject}\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\nMessage-ID: <{id}>\r\n"
    );
    if let Some(parent) = in_reply_to {
        m.push_str(&format!(
            "In-Reply-To: <{parent}>\r\nReferences: <{parent}>\r\n"
        ));
    }
    m.push_str("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    m.push_str(body);
    m.push_str("\r\n");
    m.into_bytes()
}

async fn append(client: &mut Session<tokio::net::TcpStream>, folder: &str, raw: &[u8]) {
    client
        .append(folder, None, None, raw)
        .await
        .expect("APPEND test mail");
}

fn desk() -> Arc<Helpdesk> {
    Arc::new(Helpdesk::builder(Arc::new(MemoryStore::new())).build())
}

fn desk_with_limit(max_message_bytes: usize) -> Arc<Helpdesk> {
    let mut mail = MailSettings::default();
    mail.limits = ParseLimits::new(max_message_bytes, max_message_bytes);
    Arc::new(
        Helpdesk::builder(Arc::new(MemoryStore::new()))
            .config(EngineConfig::default().mail(mail))
            .build(),
    )
}

async fn tickets(desk: &Helpdesk, ws: WorkspaceId) -> Vec<Ticket> {
    desk.store()
        .query_tickets(ws, &Query::new(AgentId::new()).limit(1000))
        .await
        .expect("query tickets")
        .tickets
}

/// Message-ID -> (how many stored messages carry it, their tickets).
async fn stored_ids(desk: &Helpdesk, ws: WorkspaceId) -> BTreeMap<String, Vec<u64>> {
    let mut ids: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for t in tickets(desk, ws).await {
        for m in desk.store().messages(ws, t.id).await.expect("messages") {
            if let Some(id) = m.email.message_id {
                ids.entry(id).or_default().push(t.number.0);
            }
        }
    }
    ids
}

async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn flags_of(client: &mut Session<tokio::net::TcpStream>, folder: &str) -> Vec<Vec<String>> {
    client.select(folder).await.expect("select");
    let fetches: Vec<_> = client
        .fetch("1:*", "(UID FLAGS)")
        .await
        .expect("fetch flags")
        .try_collect()
        .await
        .expect("fetch flags");
    fetches
        .iter()
        .map(|f| f.flags().map(|fl| format!("{fl:?}")).collect())
        .collect()
}

async fn count_in(client: &mut Session<tokio::net::TcpStream>, folder: &str) -> u32 {
    client.select(folder).await.expect("select").exists
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_mode_turns_appended_mail_into_threaded_tickets() {
    let Some(server) = Dovecot::start(&["ann"]) else {
        return;
    };
    let (desk, ws) = (desk(), WorkspaceId::new());
    let config = server
        .config("ann", Mailbox::new("support@acme.test"))
        // Short, to see IDLE re-issued during the test.
        .idle_interval(Duration::from_millis(700));
    let idle_seen = Arc::new(Mutex::new(Vec::new()));
    let sync = MailboxSync::new(desk.clone(), ws, config)
        .expect("config")
        .on_event({
            let idle_seen = idle_seen.clone();
            move |e| {
                if let SyncEvent::Connected { idle, .. } = e {
                    idle_seen.lock().unwrap().push(*idle);
                }
            }
        });
    let shutdown = ShutdownHandle::new();
    let live = tokio::spawn({
        let (sync, signal) = (sync.clone(), shutdown.signal());
        async move { sync.watch(signal).await }
    });
    let mut client = server.client("ann").await;
    // Let the sync reach IDLE on the empty folder, and outlive a re-issue.
    tokio::time::sleep(Duration::from_millis(1000)).await;

    append(
        &mut client,
        "INBOX",
        &mail(
            "ann@example.com",
            "Printer on fire",
            "first@example.com",
            None,
            "Help!",
        ),
    )
    .await;
    wait_until("the first ticket", Duration::from_secs(10), || async {
        tickets(&desk, ws).await.len() == 1
    })
    .await;
    append(
        &mut client,
        "INBOX",
        &mail(
            "ann@example.com",
            "Re: Printer on fire",
            "reply@example.com",
            Some("first@example.com"),
            "Still burning.",
        ),
    )
    .await;
    append(
        &mut client,
        "INBOX",
        &mail(
            "bob@example.com",
            "Invoice",
            "other@example.com",
            None,
            "Where is it?",
        ),
    )
    .await;
    wait_until("three messages", Duration::from_secs(10), || async {
        stored_ids(&desk, ws).await.len() == 3
    })
    .await;

    let ids = stored_ids(&desk, ws).await;
    assert_eq!(
        ids["first@example.com"], ids["reply@example.com"],
        "the reply is on the first ticket"
    );
    assert_ne!(ids["first@example.com"], ids["other@example.com"]);
    assert_eq!(tickets(&desk, ws).await.len(), 2);
    assert!(ids.values().all(|t| t.len() == 1));
    // `BODY.PEEK[]` leaves the messages unseen.
    assert!(
        flags_of(&mut client, "INBOX")
            .await
            .iter()
            .all(|f| !f.iter().any(|x| x.contains("Seen")))
    );
    let cp = sync.checkpoint().await.unwrap().expect("a checkpoint");
    assert_eq!(cp.last_uid, 3);

    let started = Instant::now();
    shutdown.shutdown();
    live.await.expect("join").expect("clean shutdown");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "shutdown took {:?}",
        started.elapsed()
    );
    assert_eq!(
        idle_seen.lock().unwrap().as_slice(),
        &[true],
        "one connection, with IDLE"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_mode_polls_when_idle_is_missing() {
    let Some(server) = Dovecot::start(&["ann"]) else {
        return;
    };
    let (desk, ws) = (desk(), WorkspaceId::new());
    let mut config = server
        .config("ann", Mailbox::new("support@acme.test"))
        .poll_interval(Duration::from_millis(100));
    config.disable_idle = true;
    let sync = MailboxSync::new(desk.clone(), ws, config).expect("config");
    let shutdown = ShutdownHandle::new();
    let live = tokio::spawn({
        let (sync, signal) = (sync.clone(), shutdown.signal());
        async move { sync.watch(signal).await }
    });
    let mut client = server.client("ann").await;
    for i in 0..3 {
        append(
            &mut client,
            "INBOX",
            &mail(
                "ann@example.com",
                &format!("Q{i}"),
                &format!("poll-{i}@example.com"),
                None,
                "?",
            ),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    wait_until(
        "three tickets by polling",
        Duration::from_secs(10),
        || async { tickets(&desk, ws).await.len() == 3 },
    )
    .await;
    shutdown.shutdown();
    live.await.expect("join").expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_any_point_every_mail_is_ingested_exactly_once() {
    let Some(server) = Dovecot::start(&["ann"]) else {
        return;
    };
    let (desk, ws) = (desk(), WorkspaceId::new());
    let base = server
        .config("ann", Mailbox::new("support@acme.test"))
        .batch_size(3);
    let mut client = server.client("ann").await;
    let mut originals = 0usize;
    let mut all_ids = Vec::new();
    let append_one = async |n: usize, client: &mut Session<tokio::net::TcpStream>| {
        // Every third mail replies to the mail before it.
        let id = format!("crash-{n}@example.com");
        let parent = (n % 3 == 2).then(|| format!("crash-{}@example.com", n - 1));
        let raw = mail(
            &format!("user{}@example.com", n / 3),
            &format!("Case {n}"),
            &id,
            parent.as_deref(),
            &"Some text. ".repeat(50 + n),
        );
        append(client, "INBOX", &raw).await;
        (id, parent.is_none())
    };

    let mut injected = 0;
    let mut n = 0;
    // 1) Injected faults at every step of a connection (connect, login,
    //    select, listing, batch fetch, before and after each ingest), while
    //    the backlog grows faster than a round can drain it, so every step
    //    is reached.
    for step in 0..30u64 {
        for _ in 0..(1 + step as usize / 2) {
            let (id, original) = append_one(n, &mut client).await;
            all_ids.push(id);
            originals += usize::from(original);
            n += 1;
        }
        let mut config = base.clone();
        config.fail_at_step = Some(step);
        let sync = MailboxSync::new(desk.clone(), ws, config).expect("config");
        match sync.sync_once().await {
            Err(SyncError::InjectedFault(at)) => {
                assert_eq!(at, step);
                injected += 1;
            }
            Ok(_) => {}
            Err(e) => panic!("unexpected error at step {step}: {e}"),
        }
    }
    assert_eq!(injected, 30, "every step was reached");
    // 2) The sync future dropped after varying tiny durations (mid-connect,
    //    mid-fetch, mid-ingest): the connection is cut wherever it is.
    let sync = MailboxSync::new(desk.clone(), ws, base.clone()).expect("config");
    let mut cut = 0;
    for round in 0..25u64 {
        let (id, original) = append_one(n, &mut client).await;
        all_ids.push(id);
        originals += usize::from(original);
        n += 1;
        let limit = Duration::from_micros(300 + round * 400);
        if tokio::time::timeout(limit, sync.sync_once()).await.is_err() {
            cut += 1;
        }
    }
    assert!(cut >= 5, "only {cut} syncs were cut");
    // 3) A clean run finishes the job.
    let report = sync.sync_once().await.expect("final sync");
    assert!(report.rejected.is_empty());
    let again = sync.sync_once().await.expect("idempotent sync");
    assert!(
        again.ingested.is_empty(),
        "nothing left after the final sync"
    );

    let ids = stored_ids(&desk, ws).await;
    for id in &all_ids {
        assert_eq!(
            ids.get(id).map(Vec::len),
            Some(1),
            "{id} stored exactly once: {ids:?}"
        );
    }
    assert_eq!(ids.len(), all_ids.len());
    assert_eq!(
        tickets(&desk, ws).await.len(),
        originals,
        "one ticket per original mail"
    );
    let cp = sync.checkpoint().await.unwrap().expect("checkpoint");
    assert_eq!(cp.last_uid as usize, all_ids.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uidvalidity_change_resyncs_without_duplicates() {
    let Some(server) = Dovecot::start(&["ann"]) else {
        return;
    };
    let (desk, ws) = (desk(), WorkspaceId::new());
    let mut client = server.client("ann").await;
    client.create("Support").await.expect("create folder");
    let mails: Vec<Vec<u8>> = (0..3)
        .map(|i| {
            mail(
                "ann@example.com",
                &format!("Q{i}"),
                &format!("uv-{i}@example.com"),
                None,
                "?",
            )
        })
        .collect();
    for m in &mails {
        append(&mut client, "Support", m).await;
    }
    let sync = MailboxSync::new(
        desk.clone(),
        ws,
        server
            .config("ann", Mailbox::new("support@acme.test"))
            .folder("Support"),
    )
    .expect("config");
    assert_eq!(sync.checkpoint_key(), "imap://ann@127.0.0.1/Support");
    let first = sync.sync_once().await.expect("first sync");
    assert_eq!(first.ingested.len(), 3);
    assert!(!first.resync);
    let before: MailboxCheckpoint = sync.checkpoint().await.unwrap().expect("checkpoint");

    client.delete("Support").await.expect("delete folder");
    client.create("Support").await.expect("recreate folder");
    for m in &mails {
        append(&mut client, "Support", m).await;
    }
    append(
        &mut client,
        "Support",
        &mail("bob@example.com", "New", "uv-new@example.com", None, "!"),
    )
    .await;

    let second = sync.sync_once().await.expect("resync");
    assert!(second.resync, "a new UIDVALIDITY means a full resync");
    assert_ne!(second.uid_validity, before.uid_validity);
    let statuses: Vec<IngestStatus> = second.ingested.iter().map(|m| m.status).collect();
    assert_eq!(
        statuses,
        [
            IngestStatus::Duplicate,
            IngestStatus::Duplicate,
            IngestStatus::Duplicate,
            IngestStatus::Created
        ]
    );
    let ids = stored_ids(&desk, ws).await;
    assert_eq!(ids.len(), 4);
    assert!(ids.values().all(|t| t.len() == 1), "no duplicates: {ids:?}");
    assert_eq!(tickets(&desk, ws).await.len(), 4);
    let after = sync.checkpoint().await.unwrap().expect("checkpoint");
    assert_eq!(
        (after.uid_validity, after.last_uid),
        (second.uid_validity, 4)
    );
    assert!(sync.sync_once().await.expect("third").ingested.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_gone_the_sync_backs_off_and_resumes() {
    let Some(mut server) = Dovecot::start(&["ann"]) else {
        return;
    };
    let (desk, ws) = (desk(), WorkspaceId::new());
    let retries = Arc::new(Mutex::new(Vec::new()));
    let sync = MailboxSync::new(
        desk.clone(),
        ws,
        server.config("ann", Mailbox::new("support@acme.test")),
    )
    .expect("config")
    .on_event({
        let retries = retries.clone();
        move |e| {
            if let SyncEvent::Disconnected { retry_in, .. } = e {
                retries.lock().unwrap().push(*retry_in);
            }
        }
    });
    let shutdown = ShutdownHandle::new();
    let live = tokio::spawn({
        let (sync, signal) = (sync.clone(), shutdown.signal());
        async move { sync.watch(signal).await }
    });
    {
        let mut client = server.client("ann").await;
        for i in 0..2 {
            append(
                &mut client,
                "INBOX",
                &mail(
                    "ann@example.com",
                    &format!("Before {i}"),
                    &format!("before-{i}@example.com"),
                    None,
                    "?",
                ),
            )
            .await;
        }
    }
    wait_until(
        "mail before the outage",
        Duration::from_secs(10),
        || async { tickets(&desk, ws).await.len() == 2 },
    )
    .await;

    server.stop();
    // (The sync may notice the outage only when its 10 s read timeout
    // fires, e.g. when the idling connection is not closed at once on a
    // loaded machine; then come the retries.)
    wait_until(
        "several reconnect attempts",
        Duration::from_secs(30),
        || async { retries.lock().unwrap().len() >= 4 },
    )
    .await;
    server.spawn();
    {
        let mut client = server.client("ann").await;
        for i in 0..3 {
            append(
                &mut client,
                "INBOX",
                &mail(
                    "ann@example.com",
                    &format!("After {i}"),
                    &format!("after-{i}@example.com"),
                    None,
                    "?",
                ),
            )
            .await;
        }
    }
    wait_until("mail after the outage", Duration::from_secs(15), || async {
        tickets(&desk, ws).await.len() == 5
    })
    .await;
    shutdown.shutdown();
    live.await.expect("join").expect("clean shutdown");

    let delays = retries.lock().unwrap().clone();
    assert!(
        delays.iter().all(|d| *d <= Duration::from_millis(400)),
        "capped: {delays:?}"
    );
    assert!(
        delays.iter().any(|d| *d > Duration::from_millis(100)),
        "the backoff grows: {delays:?}"
    );
    let ids = stored_ids(&desk, ws).await;
    assert_eq!(ids.len(), 5);
    assert!(ids.values().all(|t| t.len() == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_mail_is_rejected_and_the_sync_goes_on() {
    let Some(server) = Dovecot::start(&["ann"]) else {
        return;
    };
    // The engine refuses mail over 4 KiB.
    let (desk, ws) = (desk_with_limit(4096), WorkspaceId::new());
    let mut client = server.client("ann").await;
    append(
        &mut client,
        "INBOX",
        &mail("ann@example.com", "Fine", "ok-1@example.com", None, "ok"),
    )
    .await;
    append(
        &mut client,
        "INBOX",
        &mail(
            "ann@example.com",
            "Huge",
            "huge@example.com",
            None,
            &"x".repeat(10_000),
        ),
    )
    .await;
    append(&mut client, "INBOX", b"\r\n   \r\n\r\n").await;
    append(
        &mut client,
        "INBOX",
        &mail(
            "bob@example.com",
            "Also fine",
            "ok-2@example.com",
            None,
            "ok",
        ),
    )
    .await;

    let rejected_events = Arc::new(AtomicUsize::new(0));
    let sync = MailboxSync::new(
        desk.clone(),
        ws,
        server.config("ann", Mailbox::new("support@acme.test")),
    )
    .expect("config")
    .on_event({
        let n = rejected_events.clone();
        move |e| {
            if matches!(e, SyncEvent::Rejected(_)) {
                n.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let report = sync.sync_once().await.expect("sync");
    let ingested: Vec<u32> = report.ingested.iter().map(|m| m.uid).collect();
    assert_eq!(ingested, [1, 4], "the mail after the bad ones is ingested");
    let rejected: Vec<u32> = report.rejected.iter().map(|m| m.uid).collect();
    assert_eq!(rejected, [2, 3]);
    for r in &report.rejected {
        match &r.error {
            helpdesk_core::Error::Validation { field, reason } => {
                assert_eq!(field, "mail");
                assert!(!reason.is_empty());
            }
            other => panic!("unexpected error {other:?}"),
        }
    }
    assert!(report.rejected[0].size.is_some_and(|s| s > 4096));
    assert_eq!(rejected_events.load(Ordering::Relaxed), 2);
    assert_eq!(
        sync.checkpoint()
            .await
            .unwrap()
            .expect("checkpoint")
            .last_uid,
        4
    );
    let again = sync.sync_once().await.expect("second sync");
    assert!(
        again.ingested.is_empty() && again.rejected.is_empty(),
        "never stuck on a bad mail"
    );
    // The rejected messages stay in the folder.
    assert_eq!(count_in(&mut client, "INBOX").await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_actions_mark_seen_and_move() {
    let Some(server) = Dovecot::start(&["ann", "bob", "cid"]) else {
        return;
    };
    let ws = WorkspaceId::new();
    // \Seen
    {
        let desk = desk();
        let mut client = server.client("ann").await;
        for i in 0..2 {
            append(
                &mut client,
                "INBOX",
                &mail(
                    "ann@example.com",
                    "Q",
                    &format!("seen-{i}@example.com"),
                    None,
                    "?",
                ),
            )
            .await;
        }
        let config = server
            .config("ann", Mailbox::new("support@acme.test"))
            .after_ingest(AfterIngest::MarkSeen);
        let report = MailboxSync::new(desk, ws, config)
            .unwrap()
            .sync_once()
            .await
            .unwrap();
        assert_eq!(report.ingested.len(), 2);
        let flags = flags_of(&mut client, "INBOX").await;
        assert_eq!(flags.len(), 2);
        assert!(
            flags.iter().all(|f| f.iter().any(|x| x.contains("Seen"))),
            "{flags:?}"
        );
    }
    // MOVE (bob's server offers it) and COPY + \Deleted + EXPUNGE (cid, MOVE ignored).
    for (user, disable_move) in [("bob", false), ("cid", true)] {
        let desk = desk();
        let mut client = server.client(user).await;
        client.create("Processed").await.expect("create Processed");
        for i in 0..3 {
            append(
                &mut client,
                "INBOX",
                &mail(
                    "ann@example.com",
                    "Q",
                    &format!("mv-{user}-{i}@example.com"),
                    None,
                    "?",
                ),
            )
            .await;
        }
        let mut config = server
            .config(user, Mailbox::new("support@acme.test"))
            .after_ingest(AfterIngest::MoveTo("Processed".into()));
        config.disable_move = disable_move;
        let sync = MailboxSync::new(desk.clone(), ws, config).unwrap();
        let report = sync.sync_once().await.unwrap();
        assert_eq!(report.ingested.len(), 3, "{user}");
        assert!(
            report.post_action_failures.is_empty(),
            "{user}: {:?}",
            report.post_action_failures
        );
        assert_eq!(
            count_in(&mut client, "INBOX").await,
            0,
            "{user}: INBOX emptied"
        );
        assert_eq!(count_in(&mut client, "Processed").await, 3, "{user}: moved");
        // New mail after the move is still picked up (checkpoint by UID).
        append(
            &mut client,
            "INBOX",
            &mail(
                "ann@example.com",
                "Q",
                &format!("mv-{user}-late@example.com"),
                None,
                "?",
            ),
        )
        .await;
        let report = sync.sync_once().await.unwrap();
        assert_eq!(report.ingested.len(), 1);
        assert_eq!(count_in(&mut client, "Processed").await, 4);
        assert_eq!(stored_ids(&desk, ws).await.len(), 4);
    }
    // A target folder that does not exist: reported, the sync goes on.
    {
        let desk = desk();
        let mut client = server.client("ann").await;
        append(
            &mut client,
            "INBOX",
            &mail("ann@example.com", "Q", "nofolder@example.com", None, "?"),
        )
        .await;
        let config = server
            .config("ann", Mailbox::new("support@acme.test"))
            .checkpoint_key("imap://ann/INBOX-missing-target")
            .after_ingest(AfterIngest::MoveTo("Nope".into()));
        let report = MailboxSync::new(desk, ws, config)
            .unwrap()
            .sync_once()
            .await
            .unwrap();
        assert_eq!(report.ingested.len(), 3, "all of ann's INBOX");
        assert_eq!(report.post_action_failures.len(), 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_mailboxes_per_workspace_each_with_its_own_settings() {
    let Some(server) = Dovecot::start(&["sales", "support"]) else {
        return;
    };
    let (desk, ws) = (desk(), WorkspaceId::new());
    let (sales_q, support_q) = (QueueId::new(), QueueId::new());
    let sales = MailboxSync::new(
        desk.clone(),
        ws,
        server
            .config(
                "sales",
                Mailbox::new("sales@acme.test").default_queue(sales_q),
            )
            .auth(AuthMechanism::Plain),
    )
    .unwrap();
    let support = MailboxSync::new(
        desk.clone(),
        ws,
        server.config(
            "support",
            Mailbox::new("support@acme.test").default_queue(support_q),
        ),
    )
    .unwrap();
    let shutdown = ShutdownHandle::new();
    let all = tokio::spawn(watch_all([sales, support], shutdown.signal()));
    let mut c1 = server.client("sales").await;
    let mut c2 = server.client("support").await;
    append(
        &mut c1,
        "INBOX",
        &mail("ann@example.com", "Offer", "sales-1@example.com", None, "?"),
    )
    .await;
    append(
        &mut c2,
        "INBOX",
        &mail(
            "ann@example.com",
            "Broken",
            "support-1@example.com",
            None,
            "?",
        ),
    )
    .await;
    // The same mail reaching both mailboxes is one ticket per mailbox.
    let both = mail("bob@example.com", "Both", "both@example.com", None, "?");
    append(&mut c1, "INBOX", &both).await;
    append(&mut c2, "INBOX", &both).await;
    wait_until("four tickets", Duration::from_secs(10), || async {
        tickets(&desk, ws).await.len() == 4
    })
    .await;
    shutdown.shutdown();
    let results = all.await.expect("join");
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let ts = tickets(&desk, ws).await;
    let in_queue = |q| ts.iter().filter(|t| t.queue == Some(q)).count();
    assert_eq!((in_queue(sales_q), in_queue(support_q)), (2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_password_and_missing_starttls_are_errors() {
    let Some(server) = Dovecot::start(&["ann"]) else {
        return;
    };
    let mut config = server.config("ann", Mailbox::new("support@acme.test"));
    config.password = "wrong".into();
    let err = MailboxSync::new(desk(), WorkspaceId::new(), config.clone())
        .unwrap()
        .sync_once()
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Auth { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(PASSWORD));
    // No STARTTLS on this server: never a silent downgrade to clear text.
    let config = server
        .config("ann", Mailbox::new("support@acme.test"))
        .security(Security::StartTls);
    let err = MailboxSync::new(desk(), WorkspaceId::new(), config)
        .unwrap()
        .sync_once()
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::NoStartTls { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_and_starttls_with_a_private_ca() {
    let Some(server) = Dovecot::start_with(&["ann"], true) else {
        return;
    };
    let ca = std::fs::read(server.dir.0.join("ca.pem")).expect("CA certificate");
    let desk = desk();
    let ws = WorkspaceId::new();
    let mut client = server.client("ann").await;
    append(
        &mut client,
        "INBOX",
        &mail("ann@example.com", "Over TLS", "tls@example.com", None, "?"),
    )
    .await;
    for (n, (security, port)) in [
        (Security::Tls, server.tls_port),
        (Security::StartTls, server.port),
    ]
    .into_iter()
    .enumerate()
    {
        let config = ImapConfig::new(
            "localhost",
            "ann",
            PASSWORD,
            Mailbox::new(format!("support{n}@acme.test")),
        )
        .security(security)
        .port(port)
        .timeout(Duration::from_secs(10))
        .checkpoint_key(format!("tls-{n}"))
        .add_root_certificate_pem(ca.clone());
        let report = MailboxSync::new(desk.clone(), ws, config.clone())
            .expect("config")
            .sync_once()
            .await
            .unwrap_or_else(|e| panic!("{security:?}: {e}: {}", server.log()));
        assert_eq!(report.ingested.len(), 1, "{security:?}");
        assert_eq!(
            report.ingested[0].status,
            IngestStatus::Created,
            "{security:?}"
        );
        // Without the private CA the certificate is refused.
        let mut untrusted = config;
        untrusted.root_certificates_pem.clear();
        let err = MailboxSync::new(desk.clone(), ws, untrusted)
            .expect("config")
            .sync_once()
            .await
            .unwrap_err();
        assert!(
            matches!(err, SyncError::Connect { .. }),
            "{security:?}: {err:?}"
        );
    }
    assert!(
        tokio_rustls::rustls::crypto::CryptoProvider::get_default().is_none(),
        "no process-wide crypto provider was installed"
    );
}
