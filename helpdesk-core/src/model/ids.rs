//! Identifiers: one newtype per entity, so a `TicketId` can never be passed
//! where a `ContactId` is expected.
//!
//! Ids are UUIDs (version 7, time-ordered, so they index well in databases).
//! The human ticket number ([`TicketNumber`]) is separate: it is handed out by
//! the store, per workspace, starting at 1.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

/// The last id's time and sequence, `ms << 12 | sequence`: what keeps
/// [`next_v7`] increasing across the process.
static LAST_STAMP: AtomicU64 = AtomicU64::new(0);

/// A new UUID version 7 (RFC 9562): 48 bits of Unix time in milliseconds,
/// a 12-bit sequence within the millisecond (`rand_a`, RFC 9562 §6.2
/// method 1) and 62 random bits from a cryptographic generator
/// (`rand_b`), so that an id cannot be guessed from another.
///
/// Ids increase across the process, also when the clock steps back or
/// more than 4,096 are made in a millisecond (the time then runs ahead
/// of the clock until it catches up), as `Uuid::now_v7` guarantees, at
/// half its cost (one clock read, one atomic update and one random draw).
fn next_v7() -> Uuid {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| {
            d.as_secs()
                .saturating_mul(1000)
                .saturating_add(u64::from(d.subsec_millis()))
        })
        .min((1 << 48) - 1);
    let now = now_ms << 12;
    let mut prev = LAST_STAMP.load(Ordering::Relaxed);
    let stamp = loop {
        let next = if now > prev {
            now
        } else {
            prev.wrapping_add(1)
        };
        match LAST_STAMP.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(seen) => prev = seen,
        }
    };
    v7_from(stamp, Uuid::new_v4().as_u128())
}

/// The version 7 UUID of `stamp` (`ms << 12 | sequence`) with the low 62
/// bits of `random` as `rand_b`.
const fn v7_from(stamp: u64, random: u128) -> Uuid {
    let ms = (stamp >> 12) as u128 & ((1 << 48) - 1);
    let sequence = (stamp & 0xfff) as u128;
    let rand_b = random & ((1 << 62) - 1);
    Uuid::from_u128((ms << 80) | (0x7 << 76) | (sequence << 64) | (0b10 << 62) | rand_b)
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, unique, time-ordered id (a UUID version 7; each is
            /// greater than the ids made before it in this process).
            pub fn new() -> Self {
                Self(next_v7())
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
uuid_id!(
    /// A task linked to a ticket.
    TaskId,
    "task"
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
    fn ids_are_version_7_and_increase_within_a_millisecond() {
        let ids: Vec<Uuid> = (0..10_000).map(|_| EventId::new().as_uuid()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        for id in &ids {
            assert_eq!(id.get_version_num(), 7);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        }
        // The time is the clock's (or just ahead of it, after a burst).
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let (secs, nanos) = ids[0].get_timestamp().unwrap().to_unix();
        let ms = secs * 1000 + u64::from(nanos) / 1_000_000;
        assert!(ms <= now + 10 && ms + 60_000 > now, "{ms} vs {now}");
        // Random bits differ even between ids of one millisecond.
        let low: std::collections::HashSet<u64> = ids
            .iter()
            .map(|id| id.as_u128() as u64 & ((1 << 62) - 1))
            .collect();
        assert!(low.len() > 9_990);
    }

    #[test]
    fn a_full_sequence_carries_into_the_time() {
        let last = v7_from((5 << 12) | 0xfff, 0);
        let next = v7_from(((5 << 12) | 0xfff) + 1, 0);
        assert!(last < next);
        assert_eq!(next.get_timestamp().unwrap().to_unix(), (0, 6_000_000));
        assert_eq!(v7_from(0, u128::MAX).get_version_num(), 7);
        assert_eq!(v7_from(0, u128::MAX).get_variant(), uuid::Variant::RFC4122);
    }

    #[test]
    fn ids_are_time_ordered() {
        let a = MessageId::new();
        let b = MessageId::new();
        assert!(a < b);
        assert_eq!(TicketNumber(7).to_string(), "#7");
    }
}
