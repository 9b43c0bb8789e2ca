//! [`BusinessCalendar`]: working time in a time zone, with holidays.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use super::interval::{check_month_day, parse_date, parse_month_day, parse_time, validate_day};
use super::timeline::{YEAR_START_NS, YEARS, YearTable, year_index};
use super::{CalendarBuilder, CalendarError, CalendarSpec, WorkInterval};

/// Consecutive UTC years without working time after which a forward search
/// gives up with [`CalendarError::NoWorkingTimeFound`].
pub const MAX_EMPTY_YEARS: u32 = 64;

const NS_PER_SEC: i64 = 1_000_000_000;
const NS_PER_MIN: i64 = 60 * NS_PER_SEC;
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A business-hours calendar: working intervals per weekday in the local
/// wall time of an IANA time zone, one-off and yearly holidays, and extra
/// days with their own intervals. It answers "when are N minutes of working
/// time over?" ([`add`](Self::add)) and "how much working time lies between
/// two instants?" ([`between`](Self::between)).
///
/// # Which instants are working time
///
/// An instant is working time when the wall clock of the calendar's zone
/// shows, at that instant, a time inside one of the half-open intervals
/// `[start, end)` of the date it shows. The intervals of a date are those of
/// its extra day if it has one (this overrides a holiday too); otherwise none
/// if it is a holiday (one-off or yearly); otherwise its weekday's. Working
/// time is *real elapsed time*: an `08:00-16:00` interval lasts 8 hours, but
/// a `00:00-24:00` interval on a spring-forward day lasts 23 hours.
///
/// # Daylight-saving time rules
///
/// These follow from the rule above and are deterministic:
///
/// * **Spring-forward gap** (wall times that never occur, e.g. 02:00-03:00
///   in Europe/Warsaw on 2026-03-29): an interval edge inside the gap maps
///   to the instant the gap ends (01:00 UTC there). So `01:00-04:00` that day
///   lasts 2 hours, and an interval lying wholly inside the gap is empty.
/// * **Fall-back overlap** (wall times that occur twice, e.g. 02:00-03:00
///   in Warsaw on 2026-10-25: 00:00Z-01:00Z as CEST, again 01:00Z-02:00Z as
///   CET): the repeated wall time counts both times it occurs, so
///   `01:00-04:00` that day lasts 4 hours. An interval edge inside the
///   overlap splits the interval in two UTC pieces, because the clock is set
///   back across it: a *start* in the overlap maps to its earlier occurrence
///   (work begins there), work pauses when the clock is set back to before
///   the start, and resumes at the start's later occurrence; an *end* in the
///   overlap ends work at its earlier occurrence and work resumes when the
///   clock is set back, until the end's later occurrence. For example
///   `00:00-02:30` on 2026-10-25 in Warsaw is `22:00Z-00:30Z` plus
///   `01:00Z-01:30Z` (3 hours), and `02:30-04:00` is `00:30Z-01:00Z` plus
///   `01:30Z-03:00Z` (2 hours).
/// * After mapping, no piece of working time ever ends before it starts;
///   empty pieces are dropped. At most one offset change per interval is
///   assumed (true of all current zones). Offsets come from the tz database
///   bundled with `chrono-tz`, which stops applying recurring DST rules late
///   in the 21st century; later years use its last offset.
///
/// Work that ends the day at `24:00` and starts the next at `00:00` is one
/// continuous stretch (that is how overnight shifts are written).
///
/// # Rules of `add`
///
/// * Counting starts at `start`, or at the next working instant if `start`
///   is not working time.
/// * A deadline that falls exactly at an interval's end is that end, not the
///   next interval's start: on an `08:00-16:00` day, 60 minutes from 15:00
///   are due at 16:00, not at 08:00 the next working day.
/// * `add(start, 0)` is the next working instant at or after `start`
///   (`start` itself when it is working time; an interval's end is not).
///
/// # Limits
///
/// Instants must lie in `1900-01-01T00:00:00Z .. 2200-01-01T00:00:00Z`
/// ([`CalendarError::OutOfRange`]). Both queries jump over whole intervals,
/// days and years (each UTC year is compiled once, lazily, into a table of
/// working pieces with running totals; a query is then a couple of binary
/// searches). A search that finds no working time gives up with
/// [`CalendarError::NoWorkingTimeFound`] after the last extra day of a
/// calendar without weekly working time, or after [`MAX_EMPTY_YEARS`]
/// consecutive UTC years without working time. A calendar that can never
/// have working time is rejected when built ([`CalendarError::NoWorkingTime`]).
///
/// Working time is kept to the nanosecond: a start with fractional seconds
/// gives a due date with the same fraction.
///
/// The calendar is `Send + Sync`; the lazily built year tables (a few KiB
/// each, about 35 µs to build) are shared by all threads and by clones made
/// after they were built.
///
/// # Example
///
/// ```
/// use chrono::{DateTime, Utc};
/// use helpdesk_core::sla::{BusinessCalendar, CalendarSpec};
///
/// let spec = CalendarSpec {
///     tz: "Europe/Warsaw".into(),
///     week: helpdesk_core::sla::WeekSpec {
///         mon: vec![["08:00".into(), "16:00".into()]],
///         tue: vec![["08:00".into(), "16:00".into()]],
///         wed: vec![["08:00".into(), "16:00".into()]],
///         thu: vec![["08:00".into(), "16:00".into()]],
///         fri: vec![["08:00".into(), "16:00".into()]],
///         ..Default::default()
///     },
///     holidays: vec!["2026-12-25".into()],
///     yearly_holidays: vec!["12-24".into()],
///     ..Default::default()
/// };
/// let cal = BusinessCalendar::from_spec(&spec)?;
/// let t = |s: &str| s.parse::<DateTime<Utc>>();
///
/// // Wednesday 2026-12-23, 14:00 local (13:00Z): 2 hours left that day,
/// // Thursday and Friday are holidays, the weekend is off, so 4 hours of
/// // work end on Monday at 10:00 local (09:00Z).
/// let due = cal.add(t("2026-12-23T13:00:00Z")?, 4 * 60)?;
/// assert_eq!(due, t("2026-12-28T09:00:00Z")?);
/// assert_eq!(cal.between_minutes(t("2026-12-23T13:00:00Z")?, due)?, 240);
///
/// // A deadline exactly at the end of the day is that end.
/// assert_eq!(cal.add(t("2026-12-23T13:00:00Z")?, 120)?, t("2026-12-23T15:00:00Z")?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BusinessCalendar {
    tz: Tz,
    week: [Box<[WorkInterval]>; 7],
    holidays: BTreeSet<NaiveDate>,
    /// Bit `d` of `yearly[m]` is set when `m`-`d` is a yearly holiday.
    yearly: [u32; 13],
    extra: BTreeMap<NaiveDate, Box<[WorkInterval]>>,
    /// No working time at or after this instant (ns) when `Some`.
    work_until: Option<i64>,
    years: Box<[OnceLock<YearTable>]>,
}

impl BusinessCalendar {
    /// A [`CalendarBuilder`] for time zone `tz`.
    pub fn builder(tz: Tz) -> CalendarBuilder {
        CalendarBuilder::new(tz)
    }

    /// Builds a calendar from its serde form, validating everything.
    ///
    /// # Errors
    /// [`CalendarError::UnknownTimeZone`], [`CalendarError::InvalidTime`],
    /// [`CalendarError::InvalidInterval`], [`CalendarError::OverlappingIntervals`],
    /// [`CalendarError::InvalidDate`], [`CalendarError::InvalidMonthDay`],
    /// [`CalendarError::NoWorkingTime`].
    pub fn from_spec(spec: &CalendarSpec) -> Result<Self, CalendarError> {
        let tz: Tz = spec
            .tz
            .parse()
            .map_err(|_| CalendarError::UnknownTimeZone {
                name: spec.tz.clone(),
            })?;
        let mut b = CalendarBuilder::new(tz);
        for (i, (name, pairs)) in spec.week.days().into_iter().enumerate() {
            b.week[i] = parse_pairs(name, pairs)?;
        }
        for h in &spec.holidays {
            b.holidays.insert(parse_date(h)?);
        }
        for y in &spec.yearly_holidays {
            b.yearly.push(parse_month_day(y)?);
        }
        for (date, pairs) in &spec.extra_days {
            b.extra.insert(parse_date(date)?, parse_pairs(date, pairs)?);
        }
        b.build()
    }

    pub(crate) fn from_builder(b: CalendarBuilder) -> Result<Self, CalendarError> {
        for (name, day) in DAY_NAMES.iter().zip(&b.week) {
            validate_day(name, day)?;
        }
        for (date, day) in &b.extra {
            validate_day(&date.to_string(), day)?;
        }
        let mut yearly = [0u32; 13];
        for &(m, d) in &b.yearly {
            if !check_month_day(m, d) {
                return Err(CalendarError::InvalidMonthDay {
                    value: format!("{m:02}-{d:02}"),
                });
            }
            yearly[m as usize] |= 1 << d;
        }
        let yearly_count: u32 = yearly.iter().map(|m| m.count_ones()).sum();
        let recurring = b.week.iter().any(|d| !d.is_empty()) && yearly_count < 366;
        let work_until = if recurring {
            None
        } else {
            let last = b
                .extra
                .iter()
                .rev()
                .find(|(_, ivs)| !ivs.is_empty())
                .map(|(d, _)| *d)
                .ok_or(CalendarError::NoWorkingTime)?;
            Some(
                last.checked_add_days(chrono::Days::new(2))
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .and_then(|d| d.and_utc().timestamp_nanos_opt())
                    .unwrap_or(i64::MAX),
            )
        };
        Ok(Self {
            tz: b.tz,
            week: b.week.map(Vec::into_boxed_slice),
            holidays: b.holidays,
            yearly,
            extra: b
                .extra
                .into_iter()
                .map(|(d, v)| (d, v.into_boxed_slice()))
                .collect(),
            work_until,
            years: (0..YEARS).map(|_| OnceLock::new()).collect(),
        })
    }

    /// The serde form of this calendar (round-trips through
    /// [`from_spec`](Self::from_spec)).
    pub fn to_spec(&self) -> CalendarSpec {
        let pairs = |ivs: &[WorkInterval]| ivs.iter().map(WorkInterval::to_pair).collect();
        let mut spec = CalendarSpec {
            tz: self.tz.name().to_owned(),
            ..CalendarSpec::default()
        };
        for (i, day) in self.week.iter().enumerate() {
            *spec.week.day_mut(i) = pairs(day);
        }
        spec.holidays = self
            .holidays
            .iter()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect();
        for (m, bits) in self.yearly.iter().enumerate() {
            for d in 1..32 {
                if bits & (1 << d) != 0 {
                    spec.yearly_holidays.push(format!("{m:02}-{d:02}"));
                }
            }
        }
        spec.extra_days = self
            .extra
            .iter()
            .map(|(d, ivs)| (d.format("%Y-%m-%d").to_string(), pairs(ivs)))
            .collect();
        spec
    }

    /// The calendar's time zone.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// Whether `date` is a holiday (one-off or yearly). An extra day on a
    /// holiday still has its own intervals; see [`intervals_on`](Self::intervals_on).
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains(&date) || self.yearly[date.month() as usize] & (1 << date.day()) != 0
    }

    /// The working intervals (local wall time) of `date`: its extra day's if
    /// any, else none on a holiday, else its weekday's.
    pub fn intervals_on(&self, date: NaiveDate) -> &[WorkInterval] {
        if let Some(ivs) = self.extra.get(&date) {
            return ivs;
        }
        if self.is_holiday(date) {
            return &[];
        }
        &self.week[date.weekday().num_days_from_monday() as usize]
    }

    /// Whether `t` is working time.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the supported range.
    pub fn is_working(&self, t: DateTime<Utc>) -> Result<bool, CalendarError> {
        let (n, idx) = to_ns(t)?;
        Ok(self.table(idx).is_working(n))
    }

    /// The first working instant at or after `t` (same as `add(t, 0)`).
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`], [`CalendarError::NoWorkingTimeFound`].
    pub fn next_working_instant(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        let (n, idx) = to_ns(t)?;
        self.next_working_ns(n, idx, t)
            .map(DateTime::from_timestamp_nanos)
    }

    /// The instant at which `minutes` of working time have elapsed, counting
    /// from `start` (see the rules above).
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] when `start` or the result lies outside
    /// the supported range; [`CalendarError::NoWorkingTimeFound`] when the
    /// calendar runs out of working time.
    #[inline]
    pub fn add(&self, start: DateTime<Utc>, minutes: u32) -> Result<DateTime<Utc>, CalendarError> {
        let (n, idx) = to_ns(start)?;
        let d = i64::from(minutes)
            .checked_mul(NS_PER_MIN)
            .ok_or(CalendarError::OutOfRange)?;
        self.add_ns(n, idx, d, start)
            .map(DateTime::from_timestamp_nanos)
    }

    /// Like [`add`](Self::add) with any non-negative amount of working time
    /// (nanosecond precision).
    ///
    /// # Errors
    /// As [`add`](Self::add), plus [`CalendarError::NegativeDuration`].
    pub fn add_duration(
        &self,
        start: DateTime<Utc>,
        work: TimeDelta,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if work < TimeDelta::zero() {
            return Err(CalendarError::NegativeDuration {
                seconds: work.num_seconds(),
            });
        }
        let d = work.num_nanoseconds().ok_or(CalendarError::OutOfRange)?;
        let (n, idx) = to_ns(start)?;
        self.add_ns(n, idx, d, start)
            .map(DateTime::from_timestamp_nanos)
    }

    /// Working time in `[a, b)`; zero when `b <= a`.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] when `a` or `b` lies outside the
    /// supported range.
    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Result<TimeDelta, CalendarError> {
        let (na, ia) = to_ns(a)?;
        let (nb, ib) = to_ns(b)?;
        if nb <= na {
            return Ok(TimeDelta::zero());
        }
        let ta = self.table(ia);
        let total: i128 = if ia == ib {
            i128::from(ta.cum_at(nb) - ta.cum_at(na))
        } else {
            let mut sum = i128::from(ta.total() - ta.cum_at(na));
            for i in ia + 1..ib {
                sum += i128::from(self.table(i).total());
            }
            sum + i128::from(self.table(ib).cum_at(nb))
        };
        let secs =
            i64::try_from(total / i128::from(NS_PER_SEC)).map_err(|_| CalendarError::OutOfRange)?;
        let nanos = (total % i128::from(NS_PER_SEC)) as u32;
        TimeDelta::new(secs, nanos).ok_or(CalendarError::OutOfRange)
    }

    /// Working time in `[a, b)` in whole minutes, rounded down.
    ///
    /// # Errors
    /// As [`between`](Self::between).
    pub fn between_minutes(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Result<i64, CalendarError> {
        self.between(a, b).map(|d| d.num_minutes())
    }

    /// Working time in `[a, b)` in whole seconds, rounded down.
    ///
    /// # Errors
    /// As [`between`](Self::between).
    pub fn between_seconds(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Result<i64, CalendarError> {
        self.between(a, b).map(|d| d.num_seconds())
    }

    #[inline]
    fn table(&self, idx: usize) -> &YearTable {
        self.years[idx].get_or_init(|| YearTable::build(idx, self.tz, |d| self.intervals_on(d)))
    }

    /// The next year index for a forward search, or why there is none.
    fn advance(
        &self,
        idx: usize,
        empty_years: u32,
        from: DateTime<Utc>,
    ) -> Result<usize, CalendarError> {
        let next = idx + 1;
        let exhausted = self
            .work_until
            .is_some_and(|u| next <= YEARS && YEAR_START_NS[next] >= u);
        if exhausted || empty_years >= MAX_EMPTY_YEARS {
            return Err(CalendarError::NoWorkingTimeFound { from });
        }
        if next >= YEARS {
            return Err(CalendarError::OutOfRange);
        }
        Ok(next)
    }

    fn next_working_ns(
        &self,
        t: i64,
        mut idx: usize,
        from: DateTime<Utc>,
    ) -> Result<i64, CalendarError> {
        let mut empty = 0;
        let mut tab = self.table(idx);
        loop {
            if let Some(x) = tab.next_working(t) {
                return Ok(x);
            }
            empty = if tab.total() == 0 { empty + 1 } else { 0 };
            idx = self.advance(idx, empty, from)?;
            tab = self.table(idx);
        }
    }

    #[inline]
    fn add_ns(
        &self,
        t: i64,
        mut idx: usize,
        d: i64,
        from: DateTime<Utc>,
    ) -> Result<i64, CalendarError> {
        if d == 0 {
            return self.next_working_ns(t, idx, from);
        }
        let mut tab = self.table(idx);
        let mut target = tab
            .cum_at(t)
            .checked_add(d)
            .ok_or(CalendarError::OutOfRange)?;
        let mut empty = 0;
        loop {
            if target <= tab.total() {
                return Ok(tab.instant_at(target));
            }
            target -= tab.total();
            empty = if tab.total() == 0 { empty + 1 } else { 0 };
            idx = self.advance(idx, empty, from)?;
            tab = self.table(idx);
        }
    }
}

#[inline]
fn to_ns(t: DateTime<Utc>) -> Result<(i64, usize), CalendarError> {
    let n = t.timestamp_nanos_opt().ok_or(CalendarError::OutOfRange)?;
    let idx = year_index(n).ok_or(CalendarError::OutOfRange)?;
    Ok((n, idx))
}

fn parse_pairs(day: &str, pairs: &[[String; 2]]) -> Result<Vec<WorkInterval>, CalendarError> {
    pairs
        .iter()
        .map(|[s, e]| {
            let (si, ei) = (parse_time(s)?, parse_time(e)?);
            WorkInterval::from_secs(si, ei).map_err(|_| CalendarError::InvalidInterval {
                day: day.to_owned(),
                start: s.clone(),
                end: e.clone(),
            })
        })
        .collect()
}

impl Clone for BusinessCalendar {
    fn clone(&self) -> Self {
        Self {
            tz: self.tz,
            week: self.week.clone(),
            holidays: self.holidays.clone(),
            yearly: self.yearly,
            extra: self.extra.clone(),
            work_until: self.work_until,
            years: self.years.clone(),
        }
    }
}

impl std::fmt::Debug for BusinessCalendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BusinessCalendar")
            .field("tz", &self.tz)
            .field("week", &self.week)
            .field("holidays", &self.holidays)
            .field("yearly_holidays", &self.to_spec().yearly_holidays)
            .field("extra", &self.extra)
            .finish_non_exhaustive()
    }
}

/// Calendars are equal when their rules are equal.
impl PartialEq for BusinessCalendar {
    fn eq(&self, other: &Self) -> bool {
        self.tz == other.tz
            && self.week == other.week
            && self.holidays == other.holidays
            && self.yearly == other.yearly
            && self.extra == other.extra
    }
}

impl Eq for BusinessCalendar {}

impl TryFrom<CalendarSpec> for BusinessCalendar {
    type Error = CalendarError;

    fn try_from(spec: CalendarSpec) -> Result<Self, Self::Error> {
        Self::from_spec(&spec)
    }
}

impl TryFrom<&CalendarSpec> for BusinessCalendar {
    type Error = CalendarError;

    fn try_from(spec: &CalendarSpec) -> Result<Self, Self::Error> {
        Self::from_spec(spec)
    }
}

impl From<&BusinessCalendar> for CalendarSpec {
    fn from(cal: &BusinessCalendar) -> Self {
        cal.to_spec()
    }
}

/// Serializes as its [`CalendarSpec`].
impl serde::Serialize for BusinessCalendar {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_spec().serialize(s)
    }
}

/// Deserializes from a [`CalendarSpec`], validating it.
impl<'de> serde::Deserialize<'de> for BusinessCalendar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spec = CalendarSpec::deserialize(d)?;
        Self::from_spec(&spec).map_err(serde::de::Error::custom)
    }
}
