//! The error type of the SLA calendar module.

use chrono::{DateTime, Utc};

/// Everything that can go wrong when building or querying a
/// [`BusinessCalendar`](crate::sla::BusinessCalendar).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// The time zone name is not a known IANA time zone.
    #[error("unknown time zone {name:?}")]
    UnknownTimeZone {
        /// The name as given.
        name: String,
    },
    /// A wall-clock time is not of the form `HH:MM` (or `HH:MM:SS`) in
    /// `00:00..=24:00`.
    #[error("invalid time {value:?}: expected \"HH:MM\" between 00:00 and 24:00")]
    InvalidTime {
        /// The text as given.
        value: String,
    },
    /// A date is not of the form `YYYY-MM-DD`.
    #[error("invalid date {value:?}: expected \"YYYY-MM-DD\"")]
    InvalidDate {
        /// The text as given.
        value: String,
    },
    /// A yearly holiday is not of the form `MM-DD` (February 29 is allowed
    /// and applies in leap years only).
    #[error("invalid yearly holiday {value:?}: expected \"MM-DD\"")]
    InvalidMonthDay {
        /// The text as given.
        value: String,
    },
    /// An interval does not start before it ends.
    #[error("invalid interval {start}-{end} on {day}: the start must be before the end")]
    InvalidInterval {
        /// Where the interval was given (a weekday such as `mon` or a date).
        day: String,
        /// The interval's start as `HH:MM[:SS]`.
        start: String,
        /// The interval's end as `HH:MM[:SS]`.
        end: String,
    },
    /// The intervals of one day are not sorted or overlap each other.
    #[error("intervals on {day} must be sorted and must not overlap")]
    OverlappingIntervals {
        /// Where the intervals were given (a weekday such as `mon` or a date).
        day: String,
    },
    /// The calendar has no working time at all: no weekday has intervals and
    /// no extra day has intervals.
    #[error("the calendar has no working time")]
    NoWorkingTime,
    /// A search for working time from `from` gave up: the calendar has no
    /// working time after that instant (or none within the search bound, see
    /// [`BusinessCalendar`](crate::sla::BusinessCalendar)).
    #[error("no working time found after {from}")]
    NoWorkingTimeFound {
        /// Where the search started.
        from: DateTime<Utc>,
    },
    /// An instant (given or computed) lies outside the supported range
    /// `1900-01-01T00:00:00Z .. 2200-01-01T00:00:00Z`.
    #[error("instant outside the supported range 1900-01-01..2200-01-01 (UTC)")]
    OutOfRange,
    /// A negative amount of working time was asked for.
    #[error("negative working time {seconds} s")]
    NegativeDuration {
        /// The amount asked for, in whole seconds (rounded toward zero).
        seconds: i64,
    },
}
