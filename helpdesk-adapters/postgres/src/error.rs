//! The private error type of this crate and its mapping onto
//! [`helpdesk_core::Error`].

use helpdesk_core::Error;

/// Everything that can go wrong inside the Postgres store. Never leaves the
/// crate: the public API returns [`helpdesk_core::Error`], into which this
/// converts (`From`), picking the semantic variant.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PgError {
    /// An outcome with a meaning already (Conflict, NotFound, Validation).
    #[error(transparent)]
    Core(#[from] Error),
    /// The database driver failed.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// A document did not (de)serialise.
    #[error("document encoding: {0}")]
    Json(#[from] serde_json::Error),
    /// A stored migration differs from the embedded one.
    #[error(
        "migration {version} ({description}) was applied with another checksum; the embedded migrations changed after they ran"
    )]
    MigrationChanged {
        /// Its version.
        version: i64,
        /// Its description.
        description: &'static str,
    },
    /// The database has a migration this build does not know (it was
    /// migrated by a newer version of this crate).
    #[error("the database has migration {0}, which this version does not know")]
    UnknownMigration(i64),
}

/// `Result` with [`PgError`].
pub(crate) type PgResult<T> = std::result::Result<T, PgError>;

/// Postgres SQLSTATE codes we give a meaning to.
mod code {
    pub(super) const UNIQUE_VIOLATION: &str = "23505";
    pub(super) const FOREIGN_KEY_VIOLATION: &str = "23503";
    pub(super) const CHECK_VIOLATION: &str = "23514";
    pub(super) const NOT_NULL_VIOLATION: &str = "23502";
    pub(super) const SERIALIZATION_FAILURE: &str = "40001";
    pub(super) const DEADLOCK_DETECTED: &str = "40P01";
    pub(super) const UNTRANSLATABLE_CHARACTER: &str = "22P05";
    pub(super) const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";
}

/// What a unique key that is already taken means to a caller.
fn unique_conflict(constraint: &str) -> String {
    match constraint {
        "contact_emails_pkey" => "an email address belongs to another contact".into(),
        "tickets_number_key" => "the ticket number is taken".into(),
        "tickets_pkey" => "the ticket already exists".into(),
        "ingest_keys_pkey" => "the mail was already ingested".into(),
        "messages_pkey" => "the message already exists".into(),
        "contacts_pkey" => "the contact already exists".into(),
        "outbox_pkey" => "the outbox row already exists".into(),
        "events_pkey" => "the event already exists".into(),
        "jobs_pkey" => "the job id is taken".into(),
        other => format!("unique key {other} is taken"),
    }
}

/// Which entity a foreign key points at.
fn referenced_entity(constraint: &str) -> &'static str {
    match constraint {
        "message_email_ids_message_fkey" | "automatic_sent_message_fkey" => "message",
        "contact_emails_contact_fkey" => "contact",
        _ => "ticket",
    }
}

impl From<PgError> for Error {
    fn from(e: PgError) -> Self {
        match e {
            PgError::Core(e) => e,
            PgError::Sqlx(sqlx::Error::Database(db)) => {
                let constraint = db.constraint().unwrap_or("").to_string();
                match db.code().as_deref() {
                    Some(code::UNIQUE_VIOLATION) => Error::Conflict(unique_conflict(&constraint)),
                    Some(code::FOREIGN_KEY_VIOLATION) => Error::NotFound {
                        entity: referenced_entity(&constraint),
                        id: db
                            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                            .and_then(|pg| pg.detail())
                            .unwrap_or(&constraint)
                            .to_string(),
                    },
                    Some(code::CHECK_VIOLATION) | Some(code::NOT_NULL_VIOLATION) => {
                        Error::validation(constraint, db.message().to_string())
                    }
                    Some(code::SERIALIZATION_FAILURE) | Some(code::DEADLOCK_DETECTED) => {
                        Error::Conflict(format!("concurrent update: {}", db.message()))
                    }
                    Some(code::UNTRANSLATABLE_CHARACTER)
                    | Some(code::CHARACTER_NOT_IN_REPERTOIRE) => {
                        Error::validation("text", db.message().to_string())
                    }
                    _ => Error::Storage(Box::new(sqlx::Error::Database(db))),
                }
            }
            other => Error::Storage(Box::new(other)),
        }
    }
}

/// A row of workspace `what` that does not belong to the commit's workspace.
pub(crate) fn foreign(what: &str) -> Error {
    Error::validation(
        "workspace",
        format!("a {what} of another workspace is in the commit"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semantic_errors_pass_through_and_others_are_storage() {
        let e: Error = PgError::Core(Error::Conflict("x".into())).into();
        assert!(matches!(e, Error::Conflict(_)));
        let e: Error = PgError::Sqlx(sqlx::Error::PoolTimedOut).into();
        assert!(matches!(e, Error::Storage(_)));
        let e: Error = PgError::UnknownMigration(9).into();
        assert!(matches!(e, Error::Storage(_)));
    }
}
