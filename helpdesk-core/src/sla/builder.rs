//! Step-by-step construction of a [`BusinessCalendar`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;

use super::{BusinessCalendar, CalendarError, WorkInterval};

/// Builder for a [`BusinessCalendar`]; all checks happen in
/// [`build`](CalendarBuilder::build).
///
/// ```
/// use chrono::{NaiveDate, Weekday};
/// use helpdesk_core::sla::{BusinessCalendar, WorkInterval};
///
/// let day = [WorkInterval::parse("09:00", "12:00")?, WorkInterval::parse("13:00", "17:00")?];
/// let cal = BusinessCalendar::builder(chrono_tz::America::New_York)
///     .weekdays([Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri], day)
///     .holiday(NaiveDate::from_ymd_opt(2026, 7, 3).ok_or("date")?)
///     .yearly_holiday(12, 25)
///     .build()?;
/// assert_eq!(cal.time_zone(), chrono_tz::America::New_York);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CalendarBuilder {
    pub(crate) tz: Tz,
    pub(crate) week: [Vec<WorkInterval>; 7],
    pub(crate) holidays: BTreeSet<NaiveDate>,
    pub(crate) yearly: Vec<(u32, u32)>,
    pub(crate) extra: BTreeMap<NaiveDate, Vec<WorkInterval>>,
}

impl CalendarBuilder {
    /// An empty calendar (no working time yet) in time zone `tz`.
    pub fn new(tz: Tz) -> Self {
        Self {
            tz,
            week: Default::default(),
            holidays: BTreeSet::new(),
            yearly: Vec::new(),
            extra: BTreeMap::new(),
        }
    }

    /// Sets (replaces) the working intervals of `day`. They must be sorted
    /// and must not overlap (touching is fine).
    pub fn weekday(
        mut self,
        day: Weekday,
        intervals: impl IntoIterator<Item = WorkInterval>,
    ) -> Self {
        self.week[day.num_days_from_monday() as usize] = intervals.into_iter().collect();
        self
    }

    /// Sets (replaces) the same working intervals on each of `days`.
    pub fn weekdays(
        mut self,
        days: impl IntoIterator<Item = Weekday>,
        intervals: impl IntoIterator<Item = WorkInterval>,
    ) -> Self {
        let intervals: Vec<WorkInterval> = intervals.into_iter().collect();
        for day in days {
            self.week[day.num_days_from_monday() as usize] = intervals.clone();
        }
        self
    }

    /// Adds a one-off holiday (a local date with no working time).
    pub fn holiday(mut self, date: NaiveDate) -> Self {
        self.holidays.insert(date);
        self
    }

    /// Adds several one-off holidays.
    pub fn holidays(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.holidays.extend(dates);
        self
    }

    /// Adds a holiday recurring every year on `month`/`day` (checked in
    /// [`build`](Self::build); February 29 applies in leap years only).
    pub fn yearly_holiday(mut self, month: u32, day: u32) -> Self {
        self.yearly.push((month, day));
        self
    }

    /// Sets (replaces) the intervals of one date, overriding its weekday's
    /// intervals and any holiday on it. Empty `intervals` make it a day off.
    pub fn extra_day(
        mut self,
        date: NaiveDate,
        intervals: impl IntoIterator<Item = WorkInterval>,
    ) -> Self {
        self.extra.insert(date, intervals.into_iter().collect());
        self
    }

    /// Validates and builds the calendar.
    ///
    /// # Errors
    /// [`CalendarError::OverlappingIntervals`] when a day's intervals are
    /// unsorted or overlap, [`CalendarError::InvalidMonthDay`] for a bad
    /// yearly holiday, [`CalendarError::NoWorkingTime`] when the calendar
    /// can never have working time.
    pub fn build(self) -> Result<BusinessCalendar, CalendarError> {
        BusinessCalendar::from_builder(self)
    }
}
