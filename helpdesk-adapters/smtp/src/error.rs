//! Errors: a public [`ConfigError`] and the private delivery failures that
//! are mapped onto [`SendError`].

use helpdesk_core::mail::MailError;
use helpdesk_core::ports::SendError;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The [`SmtpConfig`](crate::SmtpConfig) cannot be used (bad host, TLS
/// setup, certificate, header name or address).
#[derive(Debug, thiserror::Error)]
#[error("invalid SMTP configuration: {message}")]
pub struct ConfigError {
    message: String,
    #[source]
    source: Option<BoxError>,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self {
            message: message.into(),
            source: Some(source.into()),
        }
    }
}

/// Why one delivery failed, before it becomes a [`SendError`].
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// Neither the message nor the configuration names a sender.
    #[error("no sender address: the message has none and SmtpConfig::default_from is not set")]
    NoSender,
    /// The draft was refused by `compose` (bad address, Message-ID, ...).
    #[error("could not compose the message: {0}")]
    Compose(#[source] MailError),
    /// An envelope address that lettre does not accept.
    #[error("invalid envelope address {address:?}: {source}")]
    Address {
        address: String,
        #[source]
        source: lettre::address::AddressError,
    },
    /// The envelope could not be built (no recipient).
    #[error("invalid envelope: {0}")]
    Envelope(#[source] lettre::error::Error),
    /// The SMTP exchange failed (reply code, network, TLS, timeout).
    #[error("SMTP delivery to {server} failed: {source}")]
    Smtp {
        server: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

impl Failure {
    /// True when retrying the same message cannot help: a 5xx reply, or a
    /// message that cannot be built or addressed. Everything else (4xx
    /// replies, refused or broken connections, timeouts, TLS and other
    /// client-side failures) is worth another try.
    pub(crate) fn is_permanent(&self) -> bool {
        match self {
            Failure::NoSender
            | Failure::Compose(_)
            | Failure::Address { .. }
            | Failure::Envelope(_) => true,
            Failure::Smtp { source, .. } => source.is_permanent(),
        }
    }
}

impl From<Failure> for SendError {
    fn from(failure: Failure) -> Self {
        if failure.is_permanent() {
            SendError::Permanent(Box::new(failure))
        } else {
            SendError::Temporary(Box::new(failure))
        }
    }
}
