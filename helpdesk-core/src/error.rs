//! The one error type of `helpdesk-core`.

use crate::lifecycle::State;

/// A boxed error from a backend (database driver, network, ...).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in a helpdesk call.
///
/// Variants are semantic so callers can match on them: a missing ticket is
/// [`Error::NotFound`] whichever store is behind the engine. Backend errors are
/// carried in [`Error::Storage`] / [`Error::Transport`] with their source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The entity does not exist in this workspace.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What was looked for ("ticket", "contact", ...).
        entity: &'static str,
        /// The id or key that was looked for.
        id: String,
    },
    /// A compare-and-set write lost a race (the stored version moved on), or a
    /// unique key is already taken. The engine retries these a bounded number
    /// of times before returning them.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The lifecycle does not allow this move.
    #[error("invalid transition from {from} to {to}")]
    InvalidTransition {
        /// State the ticket is in.
        from: State,
        /// State the command asked for.
        to: State,
    },
    /// A field of the command is not acceptable.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The field that was refused.
        field: String,
        /// Why, in words a caller can show.
        reason: String,
    },
    /// A precondition of the command does not hold (e.g. "take" on a ticket
    /// that already has an owner). Not retried.
    #[error("precondition failed: {0}")]
    Precondition(String),
    /// The command needs the caller's confirmation first (e.g. a reply that
    /// mentions an attachment but has none): show the warnings, then send
    /// again confirmed.
    #[error("needs confirmation: {}", warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>().join("; "))]
    NeedsConfirmation {
        /// What to show the user.
        warnings: Vec<crate::engine::ReplyWarning>,
    },
    /// The actor may not do this.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// No transport is registered for the channel of an outgoing message.
    #[error("no transport for channel {0}")]
    NoTransport(String),
    /// The store (or another port) does not support this operation.
    #[error("not supported by {implementer}: {operation}")]
    Unsupported {
        /// What was asked.
        operation: &'static str,
        /// Who cannot do it.
        implementer: &'static str,
    },
    /// The store failed.
    #[error("storage error: {0}")]
    Storage(#[source] BoxError),
    /// A transport failed to deliver a message.
    #[error("transport error: {0}")]
    Transport(#[source] BoxError),
    /// The translator ([`Translator`](crate::ports::Translator)) failed.
    #[error("translator error: {0}")]
    Translator(#[source] BoxError),
}

impl Error {
    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    /// Shorthand for [`Error::Validation`].
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Whether running the same command again on fresh data may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Conflict(_))
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
