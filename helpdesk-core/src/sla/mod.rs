//! Service-level agreements: business calendars, policies, and the deadlines
//! kept on tickets ([`track`]).
//!
//! A [`BusinessCalendar`] knows when a team works (intervals per weekday in
//! the local time of an IANA zone, holidays, extra days) and answers the two
//! questions an SLA needs:
//!
//! * [`BusinessCalendar::add`]: when are `N` minutes of working time over,
//!   counting from an instant? (a due date)
//! * [`BusinessCalendar::between`]: how much working time lies between two
//!   instants? (time spent, time left)
//!
//! Calendars are built with [`CalendarBuilder`] or from the serde form
//! [`CalendarSpec`]; every problem is a typed [`CalendarError`]. See
//! [`BusinessCalendar`] for the exact rules, including daylight-saving time.

mod builder;
mod calendar;
mod error;
mod interval;
mod policy;
mod spec;
mod timeline;
mod tracking;

pub use builder::CalendarBuilder;
pub use calendar::{BusinessCalendar, MAX_EMPTY_YEARS};
/// The IANA time zone type calendars are built with (re-exported from
/// `chrono-tz`, so callers need no dependency of their own).
pub use chrono_tz::Tz;
pub use error::CalendarError;
pub use interval::WorkInterval;
pub use policy::{SlaPolicy, SlaTargets, select_policy};
pub use spec::{CalendarSpec, IntervalSpec, WeekSpec};
pub use tracking::{due_jobs, track};
