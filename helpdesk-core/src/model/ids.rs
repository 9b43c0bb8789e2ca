//! Identifiers: one newtype per entity, so a `TicketId` can never be passed
//! where a `ContactId` is expected.
//!
//! Ids are UUIDs (version 7, time-ordered, so they index well in databases).
//! The human ticket number ([`TicketNumber`]) is separate: it is handed out by
//! the store, per workspace, starting at 1.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, unique, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (e.g. one read back from a database).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// The id as a 128-bit integer (used by signed mail tokens).
            pub const fn as_u128(&self) -> u128 {
                self.0.as_u128()
            }

            /// The id from a 128-bit integer.
            pub const fn from_u128(value: u128) -> Self {
                Self(Uuid::from_u128(value))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, ":{}"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = crate::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|e| crate::Error::Validation {
                    field: stringify!($name).into(),
                    reason: e.to_string(),
                })
            }
        }
    };
}

uuid_id!(
    /// A tenant. Every entity belongs to exactly one workspace and no store
    /// call reads across workspaces.
    WorkspaceId,
    "ws"
);
uuid_id!(
    /// A ticket.
    TicketId,
    "ticket"
);
uuid_id!(
    /// A message (email, note, chat line, ...) on a ticket.
    MessageId,
    "msg"
);
uuid_id!(
    /// A customer contact.
    ContactId,
    "contact"
);
uuid_id!(
    /// An organization (company) contacts belong to.
    OrganizationId,
    "org"
);
uuid_id!(
    /// An agent (a user of the helpdesk who answers tickets).
    AgentId,
    "agent"
);
uuid_id!(
    /// A team of agents.
    TeamId,
    "team"
);
uuid_id!(
    /// A queue tickets wait in.
    QueueId,
    "queue"
);
uuid_id!(
    /// A ticket category.
    CategoryId,
    "category"
);
uuid_id!(
    /// An SLA policy.
    SlaPolicyId,
    "sla"
);
uuid_id!(
    /// An entry in the history of a ticket.
    EventId,
    "event"
);
uuid_id!(
    /// A row of the outbox (an effect waiting to be delivered).
    OutboxId,
    "outbox"
);
uuid_id!(
    /// A scheduled, time-driven job.
    JobId,
    "job"
);

/// The human ticket number, unique per workspace, handed out by the store
/// (1, 2, 3, ...). Shown to customers as `#123`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct TicketNumber(pub u64);

impl fmt::Debug for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings_and_integers() {
        let id = TicketId::new();
        let parsed: TicketId = id.to_string().parse().unwrap();
        assert_eq!(id, parsed);
        assert_eq!(TicketId::from_u128(id.as_u128()), id);
        assert!(format!("{id:?}").starts_with("ticket:"));
    }

    #[test]
    fn bad_id_string_is_a_validation_error() {
        let err = "not-a-uuid".parse::<ContactId>().unwrap_err();
        assert!(matches!(err, crate::Error::Validation { .. }));
    }

    #[test]
    fn ids_are_time_ordered() {
        let a = MessageId::new();
        let b = MessageId::new();
        assert!(a < b);
        assert_eq!(TicketNumber(7).to_string(), "#7");
    }
}
