//! Sort orders of ticket lists and their comparators.

use crate::model::{Priority, Ticket, TicketNumber};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// The most keys a [`Sort`] may have.
pub const MAX_SORT_KEYS: usize = 8;

/// A column tickets can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// The ticket number.
    Number,
    /// `times.created`.
    Created,
    /// `times.updated`.
    Updated,
    /// Last activity: the latest of `times.last_inbound`,
    /// `times.last_outbound` and `times.updated`.
    LastActivity,
    /// Priority (`Low < Normal < High < Urgent`).
    Priority,
    /// The next SLA due time ([`SlaDue::next_due`](crate::model::SlaDue::next_due)).
    /// Tickets without one compare greater than any time: last ascending,
    /// first descending (as SQL's default `NULLS LAST` / `NULLS FIRST`).
    Due,
}

impl SortKey {
    /// All keys.
    pub const ALL: [SortKey; 6] = [
        SortKey::Number,
        SortKey::Created,
        SortKey::Updated,
        SortKey::LastActivity,
        SortKey::Priority,
        SortKey::Due,
    ];

    /// The value of this key on `ticket`.
    pub fn value(self, ticket: &Ticket) -> SortValue {
        match self {
            SortKey::Number => SortValue::Number(ticket.number.0),
            SortKey::Created => SortValue::Time(Some(ticket.times.created)),
            SortKey::Updated => SortValue::Time(Some(ticket.times.updated)),
            SortKey::LastActivity => SortValue::Time(Some(last_activity(ticket))),
            SortKey::Priority => SortValue::Priority(ticket.priority),
            SortKey::Due => SortValue::Time(ticket.sla.next_due()),
        }
    }

    pub(crate) const fn code(self) -> char {
        match self {
            SortKey::Number => 'n',
            SortKey::Created => 'c',
            SortKey::Updated => 'u',
            SortKey::LastActivity => 'a',
            SortKey::Priority => 'p',
            SortKey::Due => 'd',
        }
    }
}

/// The latest of `last_inbound`, `last_outbound` and `updated`.
pub fn last_activity(ticket: &Ticket) -> DateTime<Utc> {
    let t = &ticket.times;
    t.updated
        .max(t.last_inbound.unwrap_or(t.updated))
        .max(t.last_outbound.unwrap_or(t.updated))
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

impl SortOrder {
    /// The other direction.
    pub const fn reversed(self) -> Self {
        match self {
            SortOrder::Asc => SortOrder::Desc,
            SortOrder::Desc => SortOrder::Asc,
        }
    }

    /// `ord` seen in this direction.
    pub fn apply(self, ord: Ordering) -> Ordering {
        match self {
            SortOrder::Asc => ord,
            SortOrder::Desc => ord.reverse(),
        }
    }
}

/// One key of a [`Sort`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SortBy {
    /// The column.
    pub key: SortKey,
    /// The direction.
    pub order: SortOrder,
}

/// The value of a [`SortKey`] on one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortValue {
    /// A ticket number.
    Number(u64),
    /// A time; `None` (no due time) compares greater than every time.
    Time(Option<DateTime<Utc>>),
    /// A priority.
    Priority(Priority),
}

impl SortValue {
    /// Ascending comparison of two values of the same key (values of
    /// different keys compare equal).
    pub fn cmp_asc(&self, other: &SortValue) -> Ordering {
        match (self, other) {
            (SortValue::Number(a), SortValue::Number(b)) => a.cmp(b),
            (SortValue::Priority(a), SortValue::Priority(b)) => a.cmp(b),
            (SortValue::Time(a), SortValue::Time(b)) => match (a, b) {
                (Some(a), Some(b)) => a.cmp(b),
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
            },
            _ => Ordering::Equal,
        }
    }
}

/// Where a ticket sits in a [`Sort`]: its key values and its number (the
/// unique tiebreak). A [`Cursor`](crate::query::Cursor) carries one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position {
    /// The values of the sort's keys, in order.
    pub values: Vec<SortValue>,
    /// The ticket number.
    pub number: TicketNumber,
}

/// A sort order: keys compared in turn, then always the ticket number as a
/// unique tiebreak, in the direction of the last key (ascending when there
/// are no keys). The order is total, which keyset paging needs.
///
/// ```
/// use helpdesk_core::query::{Sort, SortKey};
/// let by_due = Sort::asc(SortKey::Due);
/// let urgent_first = Sort::desc(SortKey::Priority).then_asc(SortKey::Due);
/// assert_eq!(urgent_first.by.len(), 2);
/// assert_ne!(by_due, urgent_first);
/// assert_eq!(Sort::default(), Sort::desc(SortKey::Number)); // newest first
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sort {
    /// The keys, most significant first.
    pub by: Vec<SortBy>,
}

impl Default for Sort {
    /// Newest first: number descending.
    fn default() -> Self {
        Sort::desc(SortKey::Number)
    }
}

impl Sort {
    /// Sort by `key` ascending.
    pub fn asc(key: SortKey) -> Self {
        Self {
            by: vec![SortBy {
                key,
                order: SortOrder::Asc,
            }],
        }
    }

    /// Sort by `key` descending.
    pub fn desc(key: SortKey) -> Self {
        Self {
            by: vec![SortBy {
                key,
                order: SortOrder::Desc,
            }],
        }
    }

    /// Then by `key` ascending.
    pub fn then_asc(mut self, key: SortKey) -> Self {
        self.by.push(SortBy {
            key,
            order: SortOrder::Asc,
        });
        self
    }

    /// Then by `key` descending.
    pub fn then_desc(mut self, key: SortKey) -> Self {
        self.by.push(SortBy {
            key,
            order: SortOrder::Desc,
        });
        self
    }

    /// The direction of the number tiebreak: that of the last key, else
    /// ascending.
    pub fn tiebreak(&self) -> SortOrder {
        self.by.last().map_or(SortOrder::Asc, |b| b.order)
    }

    /// The exact reverse order (for walking backwards, e.g. "previous
    /// ticket"): every key and the tiebreak flipped.
    pub fn reversed(&self) -> Sort {
        if self.by.is_empty() {
            return Sort::desc(SortKey::Number);
        }
        Sort {
            by: self
                .by
                .iter()
                .map(|b| SortBy {
                    key: b.key,
                    order: b.order.reversed(),
                })
                .collect(),
        }
    }

    /// Where `ticket` sits in this order.
    pub fn position(&self, ticket: &Ticket) -> Position {
        Position {
            values: self.by.iter().map(|b| b.key.value(ticket)).collect(),
            number: ticket.number,
        }
    }

    /// Compares two tickets in this order (`Less` = `a` comes first).
    /// Only equal for the same ticket number.
    pub fn compare(&self, a: &Ticket, b: &Ticket) -> Ordering {
        for by in &self.by {
            let ord = by.order.apply(by.key.value(a).cmp_asc(&by.key.value(b)));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        self.tiebreak().apply(a.number.cmp(&b.number))
    }

    /// Compares `ticket` with a position in this order (`Greater` =
    /// `ticket` comes after it).
    pub fn compare_to(&self, ticket: &Ticket, position: &Position) -> Ordering {
        for (by, value) in self.by.iter().zip(&position.values) {
            let ord = by.order.apply(by.key.value(ticket).cmp_asc(value));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        self.tiebreak().apply(ticket.number.cmp(&position.number))
    }

    /// Checks the sort is acceptable (at most [`MAX_SORT_KEYS`] keys).
    pub fn validate(&self) -> crate::Result<()> {
        if self.by.len() > MAX_SORT_KEYS {
            return Err(crate::Error::validation(
                "sort",
                format!("at most {MAX_SORT_KEYS} sort keys"),
            ));
        }
        Ok(())
    }
}
