//! Settings of one mailbox sync.

use helpdesk_core::engine::Mailbox;
use std::fmt;
use std::time::Duration;

/// How the connection to the IMAP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Security {
    /// Implicit TLS ("imaps", RFC 8314): TLS from the first byte. Default
    /// port 993.
    #[default]
    Tls,
    /// A plain connection that must be upgraded with `STARTTLS` before
    /// logging in; a server that does not offer `STARTTLS` is an error
    /// (never a silent fallback to clear text). Default port 143.
    StartTls,
    /// No encryption at all: the password and the mail cross the wire in
    /// clear text. Only meant for a server on loopback (a test server, a
    /// local Dovecot). Default port 143.
    Plain,
}

impl Security {
    /// The port used when [`ImapConfig::port`] is not set: 993 or 143.
    pub const fn default_port(self) -> u16 {
        match self {
            Security::Tls => 993,
            Security::StartTls | Security::Plain => 143,
        }
    }

    /// Parses `tls`, `starttls` or `plain` (any case), as used by the
    /// `HELPDESK_IMAP_SECURITY` variable of the example.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "tls" | "imaps" | "ssl" => Some(Security::Tls),
            "starttls" => Some(Security::StartTls),
            "plain" | "none" => Some(Security::Plain),
            _ => None,
        }
    }
}

/// How the sync authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AuthMechanism {
    /// The IMAP `LOGIN` command.
    #[default]
    Login,
    /// `AUTHENTICATE PLAIN` (RFC 4616).
    Plain,
}

/// What happens to a message in the server's folder once the engine has
/// stored it (also when it was a duplicate of a stored mail).
///
/// Rejected messages (unparseable or too large) are always left as they are,
/// so a person can look at them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AfterIngest {
    /// Leave the message untouched (the fetch uses `BODY.PEEK[]`, so it is
    /// not even marked `\Seen`).
    #[default]
    Leave,
    /// Add the `\Seen` flag.
    MarkSeen,
    /// Move the message to this folder (which must exist): `UID MOVE` when
    /// the server offers `MOVE`, else `UID COPY`, `\Deleted` and an expunge
    /// of that UID (`UID EXPUNGE` with `UIDPLUS`, plain `EXPUNGE` without).
    MoveTo(String),
}

/// The default of [`ImapConfig::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The default of [`ImapConfig::idle_interval`]: 25 minutes, below the
/// 30 minutes after which RFC 2177 lets a server drop an idle client.
pub const DEFAULT_IDLE_INTERVAL: Duration = Duration::from_secs(25 * 60);
/// The default of [`ImapConfig::poll_interval`].
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(60);
/// The default of [`ImapConfig::batch_size`].
pub const DEFAULT_BATCH_SIZE: usize = 50;

#[doc = include_str!("docs.md")]
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImapConfig {
    /// Host name (or IP address) of the IMAP server. With TLS it is also the
    /// name the server certificate must be valid for.
    pub host: String,
    /// TCP port; `None` means [`Security::default_port`].
    pub port: Option<u16>,
    /// How the connection is secured (default [`Security::Tls`]).
    pub security: Security,
    /// User name.
    pub username: String,
    /// Password. Never printed by `Debug`.
    pub password: String,
    /// `LOGIN` (default) or `AUTHENTICATE PLAIN`.
    pub auth: AuthMechanism,
    /// The folder to sync (default `INBOX`).
    pub folder: String,
    /// The helpdesk mailbox the mail is ingested into: its address (the
    /// dedupe scope), default queue, rules and autoresponder.
    pub mailbox: Mailbox,
    /// What to do with a message once it is stored (default: leave it).
    pub after_ingest: AfterIngest,
    /// Messages fetched per `UID FETCH` (default 50, at least 1).
    pub batch_size: usize,
    /// Upper bound of the bytes fetched in one batch, by the servers'
    /// `RFC822.SIZE` (default 32 MiB; a batch always holds at least one
    /// message).
    pub batch_bytes: u64,
    /// Time limit for connecting and for each IMAP response (default
    /// [`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
    /// In live mode, how long one `IDLE` lasts before it is ended and
    /// re-issued (default [`DEFAULT_IDLE_INTERVAL`]).
    pub idle_interval: Duration,
    /// In live mode against a server without `IDLE`, the pause between two
    /// polls (default [`DEFAULT_POLL_INTERVAL`]).
    pub poll_interval: Duration,
    /// First pause before reconnecting after an error (default 1 s); it
    /// doubles on each failure in a row, up to `backoff_max`, with jitter.
    pub backoff_initial: Duration,
    /// Longest pause between two reconnects (default 5 minutes).
    pub backoff_max: Duration,
    /// The key the checkpoint is stored under (default
    /// `imap://<username>@<host>/<folder>`).
    pub checkpoint_key: Option<String>,
    /// Extra trusted root certificates (PEM), on top of the platform's trust
    /// store: for a server with a private CA or a self-signed certificate.
    pub root_certificates_pem: Vec<Vec<u8>>,
    /// Test hook: ignore the server's `MOVE` capability.
    #[doc(hidden)]
    pub disable_move: bool,
    /// Test hook: ignore the server's `IDLE` capability.
    #[doc(hidden)]
    pub disable_idle: bool,
    /// Test hook: fail with an injected error at the n-th step of a
    /// connection (see [`MailboxSync`](crate::MailboxSync)).
    #[doc(hidden)]
    pub fail_at_step: Option<u64>,
}

impl ImapConfig {
    /// Settings for `username` on `host` (implicit TLS, port 993, `LOGIN`),
    /// syncing `INBOX` into `mailbox` and leaving the messages on the server.
    /// Change what you need with the builder methods.
    pub fn new(
        host: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
        mailbox: Mailbox,
    ) -> Self {
        Self {
            host: host.into(),
            port: None,
            security: Security::default(),
            username: username.into(),
            password: password.into(),
            auth: AuthMechanism::default(),
            folder: "INBOX".into(),
            mailbox,
            after_ingest: AfterIngest::default(),
            batch_size: DEFAULT_BATCH_SIZE,
            batch_bytes: 32 * 1024 * 1024,
            timeout: DEFAULT_TIMEOUT,
            idle_interval: DEFAULT_IDLE_INTERVAL,
            poll_interval: DEFAULT_POLL_INTERVAL,
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            checkpoint_key: None,
            root_certificates_pem: Vec::new(),
            disable_move: false,
            disable_idle: false,
            fail_at_step: None,
        }
    }

    /// Sets [`ImapConfig::port`].
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Sets [`ImapConfig::security`].
    pub fn security(mut self, security: Security) -> Self {
        self.security = security;
        self
    }

    /// Sets [`ImapConfig::auth`].
    pub fn auth(mut self, auth: AuthMechanism) -> Self {
        self.auth = auth;
        self
    }

    /// Sets [`ImapConfig::folder`].
    pub fn folder(mut self, folder: impl Into<String>) -> Self {
        self.folder = folder.into();
        self
    }

    /// Sets [`ImapConfig::mailbox`].
    pub fn mailbox(mut self, mailbox: Mailbox) -> Self {
        self.mailbox = mailbox;
        self
    }

    /// Sets [`ImapConfig::after_ingest`].
    pub fn after_ingest(mut self, action: AfterIngest) -> Self {
        self.after_ingest = action;
        self
    }

    /// Sets [`ImapConfig::batch_size`] (0 is taken as 1).
    pub fn batch_size(mut self, messages: usize) -> Self {
        self.batch_size = messages.max(1);
        self
    }

    /// Sets [`ImapConfig::batch_bytes`].
    pub fn batch_bytes(mut self, bytes: u64) -> Self {
        self.batch_bytes = bytes;
        self
    }

    /// Sets [`ImapConfig::timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets [`ImapConfig::idle_interval`].
    pub fn idle_interval(mut self, interval: Duration) -> Self {
        self.idle_interval = interval;
        self
    }

    /// Sets [`ImapConfig::poll_interval`].
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets [`ImapConfig::backoff_initial`] and [`ImapConfig::backoff_max`].
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff_initial = initial;
        self.backoff_max = max.max(initial);
        self
    }

    /// Sets [`ImapConfig::checkpoint_key`].
    pub fn checkpoint_key(mut self, key: impl Into<String>) -> Self {
        self.checkpoint_key = Some(key.into());
        self
    }

    /// Adds a PEM certificate to [`ImapConfig::root_certificates_pem`].
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// The port connected to: [`ImapConfig::port`] or the default of the
    /// security mode.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(self.security.default_port())
    }

    /// The key of this folder's checkpoint in the store:
    /// [`ImapConfig::checkpoint_key`] or `imap://<username>@<host>/<folder>`.
    pub fn effective_checkpoint_key(&self) -> String {
        self.checkpoint_key.clone().unwrap_or_else(|| {
            format!(
                "imap://{}@{}/{}",
                self.username,
                self.host.to_ascii_lowercase(),
                self.folder
            )
        })
    }
}

impl fmt::Debug for ImapConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ImapConfig");
        d.field("host", &self.host)
            .field("port", &self.effective_port())
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("auth", &self.auth)
            .field("folder", &self.folder)
            .field("mailbox", &self.mailbox.address)
            .field("after_ingest", &self.after_ingest)
            .field("batch_size", &self.batch_size)
            .field("batch_bytes", &self.batch_bytes)
            .field("timeout", &self.timeout)
            .field("idle_interval", &self.idle_interval)
            .field("poll_interval", &self.poll_interval)
            .field("backoff_initial", &self.backoff_initial)
            .field("backoff_max", &self.backoff_max)
            .field("checkpoint_key", &self.effective_checkpoint_key())
            .field("root_certificates_pem", &self.root_certificates_pem.len());
        if self.disable_move || self.disable_idle || self.fail_at_step.is_some() {
            d.field("disable_move", &self.disable_move)
                .field("disable_idle", &self.disable_idle)
                .field("fail_at_step", &self.fail_at_step);
        }
        d.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ImapConfig {
        ImapConfig::new(
            "imap.example.com",
            "support@example.com",
            "hunter2-very-secret",
            Mailbox::new("support@example.com"),
        )
    }

    #[test]
    fn debug_never_prints_the_password() {
        let c = config();
        let shown = format!("{c:?} {c:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert!(shown.contains("support@example.com"));
    }

    #[test]
    fn defaults() {
        let c = config();
        assert_eq!(c.effective_port(), 993);
        assert_eq!(c.folder, "INBOX");
        assert_eq!(c.after_ingest, AfterIngest::Leave);
        assert_eq!(c.batch_size, 50);
        assert_eq!(
            c.effective_checkpoint_key(),
            "imap://support@example.com@imap.example.com/INBOX"
        );
        assert_eq!(c.clone().security(Security::StartTls).effective_port(), 143);
        assert_eq!(c.clone().port(1143).effective_port(), 1143);
        assert_eq!(c.clone().batch_size(0).batch_size, 1);
        assert_eq!(
            c.checkpoint_key("k")
                .folder("Support")
                .effective_checkpoint_key(),
            "k"
        );
    }

    #[test]
    fn security_names() {
        assert_eq!(Security::parse("TLS"), Some(Security::Tls));
        assert_eq!(Security::parse("starttls"), Some(Security::StartTls));
        assert_eq!(Security::parse(" plain "), Some(Security::Plain));
        assert_eq!(Security::parse("maybe"), None);
    }
}
