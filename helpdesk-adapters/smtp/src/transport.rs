//! The [`Transport`] that sends mail over SMTP.

use crate::config::{Security, SmtpConfig};
use crate::error::{ConfigError, Failure};
use async_trait::async_trait;
use helpdesk_core::mail::{Address, ComposedEmail, EmailDraft, compose, token};
use helpdesk_core::ports::{
    Clock, Delivered, OutgoingAttachment, OutgoingMessage, SendError, SystemClock, Transport,
};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// Sends [`OutgoingMessage`]s as e-mail over SMTP; register it on the
/// engine under the `"email"` channel key.
///
/// Each message is rendered with [`helpdesk_core::mail::compose`] (threading
/// headers, `[#N]` subject tag, text and HTML alternatives, the
/// auto-reply headers for automatic mail, the loop header) and the bytes
/// are sent unchanged. Connections are pooled and reused. See
/// [`SmtpConfig`] for the settings and the known limits.
///
/// Create it anywhere; the connection pool is started on the first
/// delivery, which must run inside a Tokio runtime (use one runtime per
/// transport).
pub struct SmtpTransport {
    config: SmtpConfig,
    tls: Tls,
    clock: Arc<dyn Clock>,
    server: String,
    inner: OnceLock<AsyncSmtpTransport<Tokio1Executor>>,
}

impl fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpTransport")
            .field("config", &self.config)
            .field("clock", &self.clock)
            .field("started", &self.inner.get().is_some())
            .finish()
    }
}

const CERT_MARKER: &[u8] = b"-----BEGIN CERTIFICATE-----";

fn valid_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

fn valid_domain(domain: &str) -> bool {
    !domain.is_empty()
        && !domain.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '@' | '"' | ',' | ';')
        })
}

impl SmtpTransport {
    /// A transport for `config`. Checks the configuration (host, TLS setup
    /// and extra root certificates, sender address, loop header name,
    /// Message-ID domain) but does not connect.
    pub fn new(config: SmtpConfig) -> Result<Self, ConfigError> {
        let host = config.host.trim();
        if host.is_empty() {
            return Err(ConfigError::new("the host is empty"));
        }
        if config.username.is_some() != config.password.is_some() {
            return Err(ConfigError::new(
                "username and password must be set together",
            ));
        }
        if let Some(from) = &config.default_from {
            from.trim()
                .parse::<lettre::Address>()
                .map_err(|e| ConfigError::with_source(format!("bad default_from {from:?}"), e))?;
        }
        if let Some((name, _)) = &config.loop_header
            && !valid_header_name(name.trim())
        {
            return Err(ConfigError::new(format!("bad loop header name {name:?}")));
        }
        if let Some(domain) = &config.message_id_domain
            && !valid_domain(domain.trim())
        {
            return Err(ConfigError::new(format!(
                "bad Message-ID domain {domain:?}"
            )));
        }
        let tls = match config.security {
            Security::Plain => Tls::None,
            security => {
                let mut builder = TlsParameters::builder(host.to_string());
                for pem in &config.root_certificates_pem {
                    // lettre accepts PEM input without any certificate in it.
                    if !pem.windows(CERT_MARKER.len()).any(|w| w == CERT_MARKER) {
                        return Err(ConfigError::new(
                            "a root certificate is not a PEM certificate",
                        ));
                    }
                    let cert = Certificate::from_pem(pem).map_err(|e| {
                        ConfigError::with_source("bad root certificate (PEM expected)", e)
                    })?;
                    builder = builder.add_root_certificate(cert);
                }
                let params = builder
                    .build_rustls()
                    .map_err(|e| ConfigError::with_source("TLS setup failed", e))?;
                if security == Security::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let server = format!("{host}:{}", config.effective_port());
        Ok(Self {
            config,
            tls,
            clock: Arc::new(SystemClock),
            server,
            inner: OnceLock::new(),
        })
    }

    /// Uses `clock` for the `Date` header instead of the system clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The settings this transport was built from.
    pub fn config(&self) -> &SmtpConfig {
        &self.config
    }

    /// Renders `message` exactly as [`send`](Transport::send) would (the
    /// bytes that arrive at the server, and the SMTP envelope) without
    /// sending anything: to preview or log outgoing mail. Fails like `send`
    /// does for a message that cannot be built.
    pub fn render(&self, message: &OutgoingMessage) -> Result<ComposedEmail, SendError> {
        let draft = self.draft(message)?;
        compose(&draft)
            .map_err(Failure::Compose)
            .map_err(SendError::from)
    }

    /// The lettre transport, started on first use (its pool spawns a Tokio
    /// task, so this must run inside a runtime).
    fn smtp(&self) -> &AsyncSmtpTransport<Tokio1Executor> {
        self.inner.get_or_init(|| {
            let mut builder =
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.config.host.trim())
                    .port(self.config.effective_port())
                    .tls(self.tls.clone())
                    .timeout(Some(self.config.timeout));
            if let (Some(user), Some(password)) = (&self.config.username, &self.config.password) {
                builder = builder
                    .credentials(Credentials::new(user.clone(), password.clone()))
                    .authentication(vec![Mechanism::Plain, Mechanism::Login]);
            }
            builder.build()
        })
    }

    fn message_id(&self, message: &OutgoingMessage, from: &str) -> String {
        if let Some(id) = message
            .thread
            .message_id
            .as_deref()
            .map(|id| id.trim().trim_start_matches('<').trim_end_matches('>'))
            .filter(|id| !id.is_empty())
        {
            return id.to_string();
        }
        let domain = self
            .config
            .message_id_domain
            .as_deref()
            .map(str::trim)
            .or_else(|| from.rsplit_once('@').map(|(_, d)| d.trim()))
            .filter(|d| valid_domain(d))
            .unwrap_or("localhost");
        // The stored message's id (a UUID): unique, and the same on every
        // retry of the same message.
        let unique = message.message.to_string();
        match &self.config.message_id_secret {
            Some(secret) => token::message_id(secret, message.ticket.as_u128(), &unique, domain),
            None => format!("{unique}@{domain}"),
        }
    }

    fn draft(&self, message: &OutgoingMessage) -> Result<EmailDraft, Failure> {
        let from = message
            .from
            .as_deref()
            .or(self.config.default_from.as_deref())
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .ok_or(Failure::NoSender)?;
        let message_id = self.message_id(message, from);
        Ok(EmailDraft {
            from: Address {
                name: self.config.from_name.clone(),
                email: from.to_string(),
            },
            reply_to: message.reply_to.as_ref().map(Address::new),
            to: message.to.iter().map(Address::new).collect(),
            cc: message.cc.iter().map(Address::new).collect(),
            subject: message.subject.clone(),
            subject_tag: Some(format!("[#{}]", message.ticket_number.0)),
            text: message.text.clone(),
            html: message.html.clone(),
            // (An inline file with a Content-ID is an image the HTML
            // shows; every other one is a file.)
            attachments: message
                .attachments
                .iter()
                .filter(|a| inline_id(a).is_none())
                .map(|a| {
                    (
                        a.attachment.name.clone(),
                        a.attachment.content_type.clone(),
                        a.bytes.to_vec(),
                    )
                })
                .collect(),
            inline_images: message
                .attachments
                .iter()
                .filter_map(|a| {
                    inline_id(a).map(|cid| {
                        (
                            cid.to_string(),
                            a.attachment.name.clone(),
                            a.attachment.content_type.clone(),
                            a.bytes.to_vec(),
                        )
                    })
                })
                .collect(),
            message_id,
            in_reply_to: message.thread.in_reply_to.last().cloned(),
            references: message.thread.references.clone(),
            automatic: message.automatic,
            loop_header: self.config.loop_header.clone(),
            date: self.clock.now(),
        })
    }

    fn envelope(composed: &ComposedEmail) -> Result<Envelope, Failure> {
        let parse = |address: &str| {
            address
                .parse::<lettre::Address>()
                .map_err(|source| Failure::Address {
                    address: address.to_string(),
                    source,
                })
        };
        let from = composed.envelope_from.as_deref().map(parse).transpose()?;
        let to = composed
            .envelope_to
            .iter()
            .map(|a| parse(a))
            .collect::<Result<Vec<_>, _>>()?;
        Envelope::new(from, to).map_err(Failure::Envelope)
    }

    async fn deliver(&self, message: &OutgoingMessage) -> Result<Delivered, Failure> {
        let draft = self.draft(message)?;
        let composed = compose(&draft).map_err(Failure::Compose)?;
        let envelope = Self::envelope(&composed)?;
        // lettre ends DATA with `CRLF . CRLF`, which also ends the last line:
        // without this, a message that already ends in CRLF would arrive
        // with an extra empty line.
        let data = composed
            .bytes
            .strip_suffix(b"\r\n")
            .unwrap_or(&composed.bytes);
        self.smtp()
            .send_raw(&envelope, data)
            .await
            .map_err(|source| Failure::Smtp {
                server: self.server.clone(),
                source,
            })?;
        Ok(Delivered {
            remote_id: Some(draft.message_id),
        })
    }
}

#[async_trait]
impl Transport for SmtpTransport {
    async fn send(&self, message: &OutgoingMessage) -> Result<Delivered, SendError> {
        self.deliver(message).await.map_err(SendError::from)
    }
}

/// The Content-ID of an attachment sent as an inline image (marked inline,
/// with a Content-ID).
fn inline_id(a: &OutgoingAttachment) -> Option<&str> {
    a.attachment
        .content_id
        .as_deref()
        .filter(|_| a.attachment.inline)
}
