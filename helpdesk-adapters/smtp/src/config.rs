//! Settings of the SMTP transport.

use std::fmt;
use std::time::Duration;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Security {
    /// Implicit TLS ("submissions", RFC 8314): TLS from the first byte.
    /// Default port 465.
    Tls,
    /// A plain connection that must be upgraded with `STARTTLS` before
    /// anything else is sent; a server that does not offer `STARTTLS` is an
    /// error (never a silent fallback to clear text). Default port 587.
    #[default]
    StartTls,
    /// No encryption at all: credentials and mail cross the wire in clear
    /// text. Only meant for a relay on loopback (a local MTA such as Postfix
    /// on `127.0.0.1`, or a test server). Default port 25.
    Plain,
}

impl Security {
    /// The port used when [`SmtpConfig::port`] is not set: 465, 587 or 25.
    pub const fn default_port(self) -> u16 {
        match self {
            Security::Tls => 465,
            Security::StartTls => 587,
            Security::Plain => 25,
        }
    }
}

/// The default of [`SmtpConfig::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[doc = include_str!("docs.md")]
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SmtpConfig {
    /// Host name (or IP address) of the SMTP server. With TLS it is also the
    /// name the server certificate must be valid for.
    pub host: String,
    /// TCP port; `None` means [`Security::default_port`].
    pub port: Option<u16>,
    /// How the connection is secured (default [`Security::StartTls`]).
    pub security: Security,
    /// User name for SMTP AUTH (PLAIN or LOGIN). No AUTH when `None`.
    pub username: Option<String>,
    /// Password for SMTP AUTH. Never printed by `Debug`.
    pub password: Option<String>,
    /// Time limit for connecting and for each SMTP command (default
    /// [`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
    /// Sender address used when an outgoing message carries none (the
    /// support mailbox, e.g. `support@example.com`).
    pub default_from: Option<String>,
    /// Display name put on the `From` header (e.g. `ACME Support`).
    pub from_name: Option<String>,
    /// Loop-detection header `(name, value)` added to every mail, e.g.
    /// `("X-Helpdesk-Loop", "acme-7f3a")`; configure the same pair on the
    /// inbound side so mail that comes back is recognised as a loop.
    pub loop_header: Option<(String, String)>,
    /// Domain of generated Message-IDs (`<id>@<domain>`). When `None`, the
    /// domain of the sender address is used.
    pub message_id_domain: Option<String>,
    /// When set, the Message-IDs this transport generates (for a message
    /// that comes without one) carry a ticket token signed with this
    /// secret ([`helpdesk_core::mail::token::message_id`]), which
    /// [`helpdesk_core::mail::token::ticket_from_message_id`] with the same
    /// secret reads back: for callers that send through the transport
    /// directly. Not needed with the engine, and not read by it: every
    /// message the engine sends already carries its own signed Message-ID
    /// (under a key it derives per workspace from its master secret), which
    /// the transport keeps. At least 32 random bytes. Never printed by
    /// `Debug`.
    pub message_id_secret: Option<Vec<u8>>,
    /// Extra trusted root certificates (PEM), on top of the platform's trust
    /// store: for a relay with a private CA or a self-signed certificate.
    pub root_certificates_pem: Vec<Vec<u8>>,
}

impl SmtpConfig {
    /// Settings for `host` with `STARTTLS` on port 587, no AUTH, a 30 second
    /// timeout and no default sender. Change what you need with the
    /// builder methods.
    pub fn new(host: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port: None,
            security: Security::default(),
            username: None,
            password: None,
            timeout: DEFAULT_TIMEOUT,
            default_from: None,
            from_name: None,
            loop_header: None,
            message_id_domain: None,
            message_id_secret: None,
            root_certificates_pem: Vec::new(),
        }
    }

    /// Sets [`SmtpConfig::port`].
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Sets [`SmtpConfig::security`].
    pub fn security(mut self, security: Security) -> Self {
        self.security = security;
        self
    }

    /// Sets [`SmtpConfig::username`] and [`SmtpConfig::password`]: the
    /// transport then authenticates with AUTH PLAIN or LOGIN.
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }

    /// Sets [`SmtpConfig::timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets [`SmtpConfig::default_from`].
    pub fn default_from(mut self, address: impl Into<String>) -> Self {
        self.default_from = Some(address.into());
        self
    }

    /// Sets [`SmtpConfig::from_name`].
    pub fn from_name(mut self, name: impl Into<String>) -> Self {
        self.from_name = Some(name.into());
        self
    }

    /// Sets [`SmtpConfig::loop_header`].
    pub fn loop_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.loop_header = Some((name.into(), value.into()));
        self
    }

    /// Sets [`SmtpConfig::message_id_domain`].
    pub fn message_id_domain(mut self, domain: impl Into<String>) -> Self {
        self.message_id_domain = Some(domain.into());
        self
    }

    /// Sets [`SmtpConfig::message_id_secret`].
    pub fn message_id_secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.message_id_secret = Some(secret.into());
        self
    }

    /// Adds a PEM certificate to [`SmtpConfig::root_certificates_pem`].
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// The port connected to: [`SmtpConfig::port`] or the default of the
    /// security mode.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(self.security.default_port())
    }
}

struct Redacted(bool);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { "Some(<redacted>)" } else { "None" })
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.effective_port())
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &Redacted(self.password.is_some()))
            .field("timeout", &self.timeout)
            .field("default_from", &self.default_from)
            .field("from_name", &self.from_name)
            .field("loop_header", &self.loop_header)
            .field("message_id_domain", &self.message_id_domain)
            .field(
                "message_id_secret",
                &Redacted(self.message_id_secret.is_some()),
            )
            .field("root_certificates_pem", &self.root_certificates_pem.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_secrets() {
        let c = SmtpConfig::new("smtp.example.com")
            .credentials("ann", "hunter2-very-secret")
            .message_id_secret(b"top-secret-key".to_vec());
        let shown = format!("{c:?} {c:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("top-secret"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert!(shown.contains("ann"));
    }

    #[test]
    fn default_ports() {
        assert_eq!(SmtpConfig::new("h").effective_port(), 587);
        assert_eq!(
            SmtpConfig::new("h")
                .security(Security::Tls)
                .effective_port(),
            465
        );
        assert_eq!(
            SmtpConfig::new("h")
                .security(Security::Plain)
                .effective_port(),
            25
        );
        assert_eq!(SmtpConfig::new("h").port(2525).effective_port(), 2525);
    }
}
