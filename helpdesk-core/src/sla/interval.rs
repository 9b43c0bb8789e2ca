//! Working intervals in local wall-clock time, and the small text formats
//! (`HH:MM`, `YYYY-MM-DD`, `MM-DD`) used by [`CalendarSpec`](crate::sla::CalendarSpec).

use chrono::NaiveDate;

use super::CalendarError;

/// Seconds in a wall-clock day (`24:00`).
pub(crate) const DAY_SECS: u32 = 86_400;

/// A half-open working interval `[start, end)` of local wall-clock time
/// within one day, in seconds since local midnight.
///
/// `end` may be `24:00` (86 400 s), which means "until the next day's
/// midnight". Work that crosses midnight is written as two intervals, one
/// ending at `24:00` and one starting at `00:00` the next day.
///
/// ```
/// use helpdesk_core::sla::WorkInterval;
/// let iv = WorkInterval::parse("08:00", "16:00")?;
/// assert_eq!(iv.start_secs(), 8 * 3600);
/// assert_eq!(iv.to_string(), "08:00-16:00");
/// assert!(WorkInterval::parse("16:00", "08:00").is_err());
/// # Ok::<(), helpdesk_core::sla::CalendarError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkInterval {
    start: u32,
    end: u32,
}

impl WorkInterval {
    /// An interval from seconds since local midnight; requires
    /// `start < end <= 86_400`.
    pub fn from_secs(start: u32, end: u32) -> Result<Self, CalendarError> {
        if start < end && end <= DAY_SECS {
            Ok(Self { start, end })
        } else {
            Err(CalendarError::InvalidInterval {
                day: "?".to_owned(),
                start: format_time(start.min(DAY_SECS)),
                end: format_time(end.min(DAY_SECS)),
            })
        }
    }

    /// An interval from `HH:MM` (or `HH:MM:SS`) texts; `"24:00"` is allowed
    /// as the end.
    pub fn parse(start: &str, end: &str) -> Result<Self, CalendarError> {
        let s = parse_time(start)?;
        let e = parse_time(end)?;
        Self::from_secs(s, e)
    }

    /// Start, in seconds since local midnight.
    pub fn start_secs(&self) -> u32 {
        self.start
    }

    /// End, in seconds since local midnight (at most 86 400 = `24:00`).
    pub fn end_secs(&self) -> u32 {
        self.end
    }

    /// Length in wall-clock seconds (not adjusted for DST).
    pub fn len_secs(&self) -> u32 {
        self.end - self.start
    }

    /// The `[start, end]` pair as `HH:MM` texts (`HH:MM:SS` when the
    /// seconds are not zero), as used by [`CalendarSpec`](crate::sla::CalendarSpec).
    pub fn to_pair(&self) -> [String; 2] {
        [format_time(self.start), format_time(self.end)]
    }
}

impl std::fmt::Display for WorkInterval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", format_time(self.start), format_time(self.end))
    }
}

/// Checks that `intervals` are sorted and do not overlap (touching is fine).
pub(crate) fn validate_day(day: &str, intervals: &[WorkInterval]) -> Result<(), CalendarError> {
    if intervals.windows(2).all(|w| w[0].end <= w[1].start) {
        Ok(())
    } else {
        Err(CalendarError::OverlappingIntervals {
            day: day.to_owned(),
        })
    }
}

/// Parses `HH:MM` or `HH:MM:SS` into seconds since midnight, `24:00` allowed.
pub(crate) fn parse_time(text: &str) -> Result<u32, CalendarError> {
    let err = || CalendarError::InvalidTime {
        value: text.to_owned(),
    };
    let b = text.as_bytes();
    let two = |i: usize| -> Option<u32> {
        let hi = b.get(i).filter(|c| c.is_ascii_digit())?;
        let lo = b.get(i + 1).filter(|c| c.is_ascii_digit())?;
        Some(u32::from(hi - b'0') * 10 + u32::from(lo - b'0'))
    };
    let (h, m, s) = match b.len() {
        5 if b[2] == b':' => (two(0), two(3), Some(0)),
        8 if b[2] == b':' && b[5] == b':' => (two(0), two(3), two(6)),
        _ => return Err(err()),
    };
    let (Some(h), Some(m), Some(s)) = (h, m, s) else {
        return Err(err());
    };
    if m > 59 || s > 59 || h > 24 || (h == 24 && (m, s) != (0, 0)) {
        return Err(err());
    }
    Ok(h * 3600 + m * 60 + s)
}

/// Formats seconds since midnight as `HH:MM` (or `HH:MM:SS`).
pub(crate) fn format_time(secs: u32) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// Parses a strict `YYYY-MM-DD` date.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, CalendarError> {
    let ok = text.len() == 10
        && text.bytes().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    ok.then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| CalendarError::InvalidDate {
            value: text.to_owned(),
        })
}

/// Parses a strict `MM-DD` month-day (February 29 allowed).
pub(crate) fn parse_month_day(text: &str) -> Result<(u32, u32), CalendarError> {
    let err = || CalendarError::InvalidMonthDay {
        value: text.to_owned(),
    };
    let b = text.as_bytes();
    if b.len() != 5 || b[2] != b'-' {
        return Err(err());
    }
    let digits = [b[0], b[1], b[3], b[4]];
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(err());
    }
    let [m1, m2, d1, d2] = digits.map(|c| u32::from(c - b'0'));
    let (m, d) = (m1 * 10 + m2, d1 * 10 + d2);
    check_month_day(m, d).then_some((m, d)).ok_or_else(err)
}

/// Whether `month`-`day` exists in some year (leap years included).
pub(crate) fn check_month_day(month: u32, day: u32) -> bool {
    // 2000 is a leap year, so February 29 is accepted.
    NaiveDate::from_ymd_opt(2000, month, day).is_some()
}
