//! Errors of the IMAP adapter.

use std::time::Duration;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The [`ImapConfig`](crate::ImapConfig) cannot be used (TLS setup, bad
/// certificate, bad host name).
#[derive(Debug, thiserror::Error)]
#[error("invalid IMAP configuration: {message}")]
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

/// Why a sync pass stopped. In live mode
/// ([`MailboxSync::watch`](crate::MailboxSync::watch)) every error for
/// which [`SyncError::is_retryable`] holds is retried after a backoff.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The settings cannot work (TLS setup, server name).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The TCP connection could not be made, or the TLS handshake failed.
    #[error("cannot connect to {server}: {source}")]
    Connect {
        /// `host:port`.
        server: String,
        /// The I/O or TLS error.
        #[source]
        source: std::io::Error,
    },
    /// `STARTTLS` was required but the server does not offer it.
    #[error("{server} does not offer STARTTLS")]
    NoStartTls {
        /// `host:port`.
        server: String,
    },
    /// The server refused the credentials (or the mechanism).
    #[error("authentication of {username} failed: {source}")]
    Auth {
        /// The user name tried.
        username: String,
        /// The server's answer.
        #[source]
        source: BoxError,
    },
    /// An IMAP command failed: a `NO`/`BAD` answer, a broken connection, a
    /// response that could not be parsed.
    #[error("IMAP {command} failed: {source}")]
    Imap {
        /// The command (`SELECT`, `UID FETCH`, ...).
        command: &'static str,
        /// What went wrong.
        #[source]
        source: BoxError,
    },
    /// The server sent nothing for [`ImapConfig::timeout`](crate::ImapConfig::timeout).
    #[error("IMAP {command}: no answer within {after:?}")]
    Timeout {
        /// What was waited for.
        command: &'static str,
        /// The limit.
        after: Duration,
    },
    /// The folder has no `UIDVALIDITY` (the server is not IMAP4rev1).
    #[error("the server reports no UIDVALIDITY for folder {folder:?}")]
    NoUidValidity {
        /// The folder.
        folder: String,
    },
    /// The engine or its store failed (anything but a rejected mail, which
    /// is reported, not an error). Nothing of the message was committed; it
    /// is fetched again on the next pass.
    #[error("the engine failed: {0}")]
    Engine(#[source] helpdesk_core::Error),
    /// Test hook: the fault injected with `fail_at_step`.
    #[doc(hidden)]
    #[error("injected fault at step {0}")]
    InjectedFault(u64),
}

impl SyncError {
    pub(crate) fn imap(command: &'static str, source: async_imap::error::Error) -> Self {
        SyncError::Imap {
            command,
            source: Box::new(source),
        }
    }

    /// Whether retrying later can help: false for configuration errors and
    /// for a store that does not keep mailbox checkpoints
    /// (`Error::Unsupported`).
    pub fn is_retryable(&self) -> bool {
        !matches!(
            self,
            SyncError::Config(_) | SyncError::Engine(helpdesk_core::Error::Unsupported { .. })
        )
    }
}
