//! Connecting and logging in: TCP, TLS (rustls with ring), STARTTLS,
//! `LOGIN` or `AUTHENTICATE PLAIN`.

use crate::config::{AuthMechanism, ImapConfig, Security};
use crate::error::{ConfigError, SyncError};
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig};

/// The byte stream under the IMAP session: plain TCP or TLS over TCP.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stream::Plain(s) => f.debug_tuple("Plain").field(&s.peer_addr().ok()).finish(),
            Stream::Tls(s) => f
                .debug_tuple("Tls")
                .field(&s.get_ref().0.peer_addr().ok())
                .finish(),
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

pub(crate) type Session = async_imap::Session<Stream>;

/// A logged-in session and what the server offers.
#[derive(Debug)]
pub(crate) struct Connected {
    pub(crate) session: Session,
    pub(crate) idle: bool,
    pub(crate) move_: bool,
    pub(crate) uidplus: bool,
}

/// Counts the steps of one connection and fails at the configured one
/// (test hook `fail_at_step`).
#[derive(Debug)]
pub(crate) struct Steps {
    done: u64,
    fail_at: Option<u64>,
}

impl Steps {
    pub(crate) fn new(fail_at: Option<u64>) -> Self {
        Self { done: 0, fail_at }
    }

    pub(crate) fn step(&mut self) -> Result<(), SyncError> {
        let n = self.done;
        self.done += 1;
        if self.fail_at == Some(n) {
            return Err(SyncError::InjectedFault(n));
        }
        Ok(())
    }
}

/// Runs `fut` with the time limit of one IMAP response.
pub(crate) async fn timed<F: Future>(
    after: Duration,
    command: &'static str,
    fut: F,
) -> Result<F::Output, SyncError> {
    tokio::time::timeout(after, fut)
        .await
        .map_err(|_| SyncError::Timeout { command, after })
}

/// What is needed to open connections for one [`ImapConfig`].
#[derive(Clone)]
pub(crate) struct Connector {
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("tls", &self.tls.as_ref().map(|(_, name)| name))
            .finish()
    }
}

impl Connector {
    pub(crate) fn new(config: &ImapConfig) -> Result<Self, ConfigError> {
        if config.host.trim().is_empty() {
            return Err(ConfigError::new("the host is empty"));
        }
        if config.security == Security::Plain {
            return Ok(Self { tls: None });
        }
        let name = ServerName::try_from(config.host.clone()).map_err(|e| {
            ConfigError::with_source(format!("{:?} is not a valid server name", config.host), e)
        })?;
        let mut roots = Vec::new();
        for pem in &config.root_certificates_pem {
            for cert in CertificateDer::pem_slice_iter(pem) {
                roots.push(cert.map_err(|e| {
                    ConfigError::with_source("cannot read a root certificate (PEM)", e)
                })?);
            }
        }
        // The application's process-wide provider when it installed one;
        // otherwise ring, for this connector only (never installed).
        let provider = CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
        let verifier =
            rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
                .map_err(|e| ConfigError::with_source("cannot set up certificate checks", e))?;
        let tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ConfigError::with_source("cannot set up TLS", e))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(Self {
            tls: Some((TlsConnector::from(Arc::new(tls)), name)),
        })
    }

    async fn tls(&self, tcp: TcpStream, server: &str) -> Result<Stream, SyncError> {
        let (connector, name) = self
            .tls
            .as_ref()
            .ok_or_else(|| ConfigError::new("TLS is not set up"))?;
        let tls = connector
            .connect(name.clone(), tcp)
            .await
            .map_err(|source| SyncError::Connect {
                server: server.to_owned(),
                source,
            })?;
        Ok(Stream::Tls(Box::new(tls)))
    }

    /// Connects, secures, logs in and reads the capabilities.
    pub(crate) async fn connect(
        &self,
        config: &ImapConfig,
        steps: &mut Steps,
    ) -> Result<Connected, SyncError> {
        let t = config.timeout;
        let server = format!("{}:{}", config.host, config.effective_port());
        steps.step()?;
        let tcp = timed(
            t,
            "connect",
            TcpStream::connect((config.host.as_str(), config.effective_port())),
        )
        .await?
        .map_err(|source| SyncError::Connect {
            server: server.clone(),
            source,
        })?;
        let _ = tcp.set_nodelay(true);
        let stream = match config.security {
            Security::Tls => timed(t, "TLS handshake", self.tls(tcp, &server)).await??,
            Security::Plain | Security::StartTls => Stream::Plain(tcp),
        };
        let mut client = async_imap::Client::new(stream);
        steps.step()?;
        let greeting = timed(t, "greeting", client.read_response())
            .await?
            .map_err(|e| SyncError::imap("greeting", e.into()))?;
        if greeting.is_none() {
            return Err(SyncError::imap(
                "greeting",
                async_imap::error::Error::ConnectionLost,
            ));
        }
        if config.security == Security::StartTls {
            steps.step()?;
            match timed(
                t,
                "STARTTLS",
                client.run_command_and_check_ok("STARTTLS", None),
            )
            .await?
            {
                Ok(()) => {}
                Err(async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_)) => {
                    return Err(SyncError::NoStartTls { server });
                }
                Err(e) => return Err(SyncError::imap("STARTTLS", e)),
            }
            let Stream::Plain(tcp) = client.into_inner() else {
                unreachable!("STARTTLS starts on a plain stream")
            };
            let stream = timed(t, "TLS handshake", self.tls(tcp, &server)).await??;
            client = async_imap::Client::new(stream);
        }
        steps.step()?;
        let login = match config.auth {
            AuthMechanism::Login => {
                timed(t, "LOGIN", client.login(&config.username, &config.password)).await?
            }
            AuthMechanism::Plain => {
                let auth = PlainAuth {
                    username: &config.username,
                    password: &config.password,
                };
                timed(t, "AUTHENTICATE", client.authenticate("PLAIN", auth)).await?
            }
        };
        let mut session = login.map_err(|(e, _client)| match e {
            async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_) => SyncError::Auth {
                username: config.username.clone(),
                source: Box::new(e),
            },
            e => SyncError::imap("LOGIN", e),
        })?;
        steps.step()?;
        let caps = timed(t, "CAPABILITY", session.capabilities())
            .await?
            .map_err(|e| SyncError::imap("CAPABILITY", e))?;
        Ok(Connected {
            idle: caps.has_str("IDLE") && !config.disable_idle,
            move_: caps.has_str("MOVE") && !config.disable_move,
            uidplus: caps.has_str("UIDPLUS"),
            session,
        })
    }
}

/// `AUTHENTICATE PLAIN` (RFC 4616): one response, `\0user\0password`.
struct PlainAuth<'a> {
    username: &'a str,
    password: &'a str,
}

impl async_imap::Authenticator for PlainAuth<'_> {
    type Response = Vec<u8>;

    fn process(&mut self, _challenge: &[u8]) -> Self::Response {
        let mut out = Vec::with_capacity(self.username.len() + self.password.len() + 2);
        out.push(0);
        out.extend_from_slice(self.username.as_bytes());
        out.push(0);
        out.extend_from_slice(self.password.as_bytes());
        out
    }
}
