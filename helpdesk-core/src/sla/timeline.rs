//! The compiled UTC timeline of a calendar: one table of working pieces
//! (half-open UTC ranges, in nanoseconds since the Unix epoch) per UTC
//! calendar year, with running totals so that queries are two binary
//! searches. Also the local-to-UTC mapping rules for DST gaps and overlaps.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone};
use chrono_tz::{GapInfo, Tz};

use super::WorkInterval;

/// First supported UTC year.
pub(crate) const FIRST_YEAR: i32 = 1900;
/// Number of supported UTC years (1900..=2199).
pub(crate) const YEARS: usize = 300;

const NS_PER_SEC: i64 = 1_000_000_000;
const NS_PER_DAY: i64 = 86_400 * NS_PER_SEC;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YEAR_START_NS[i]` is `FIRST_YEAR + i`-01-01T00:00:00Z in ns.
pub(crate) const YEAR_START_NS: [i64; YEARS + 1] = {
    let mut a = [0i64; YEARS + 1];
    let mut i = 0;
    while i <= YEARS {
        a[i] = days_from_civil(FIRST_YEAR as i64 + i as i64, 1, 1) * NS_PER_DAY;
        i += 1;
    }
    a
};

/// Index of the UTC year holding `t`, if supported.
#[inline]
pub(crate) fn year_index(t: i64) -> Option<usize> {
    if t < YEAR_START_NS[0] || t >= YEAR_START_NS[YEARS] {
        return None;
    }
    const AVG_YEAR_NS: i64 = 31_556_952 * NS_PER_SEC;
    // `t - YEAR_START_NS[0]` can exceed i64::MAX; it always fits in u64.
    let since = t.wrapping_sub(YEAR_START_NS[0]) as u64;
    let mut i = ((since / AVG_YEAR_NS as u64) as usize).min(YEARS - 1);
    while YEAR_START_NS[i] > t {
        i -= 1;
    }
    while YEAR_START_NS[i + 1] <= t {
        i += 1;
    }
    Some(i)
}

/// One maximal run of working time, `[start, end)` in UTC ns; `cum` is the
/// working time in the same year table before `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece {
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) cum: i64,
}

/// The working pieces of one UTC year, sorted, disjoint and non-touching.
#[derive(Debug, Clone, Default)]
pub(crate) struct YearTable {
    pieces: Box<[Piece]>,
    total: i64,
}

impl YearTable {
    /// Builds the table for year index `idx` from the local rules.
    pub(crate) fn build<'a>(
        idx: usize,
        tz: Tz,
        intervals_on: impl Fn(NaiveDate) -> &'a [WorkInterval],
    ) -> Self {
        let (lo, hi) = (YEAR_START_NS[idx], YEAR_START_NS[idx + 1]);
        let year = FIRST_YEAR + idx as i32;
        let mut raw: Vec<(i64, i64)> = Vec::with_capacity(512);
        // Local dates whose wall-clock day can overlap this UTC year
        // (offsets are within +-26 h).
        let first = NaiveDate::from_ymd_opt(year - 1, 12, 30);
        let last = NaiveDate::from_ymd_opt(year + 1, 1, 2);
        if let (Some(first), Some(last)) = (first, last) {
            for date in first.iter_days().take_while(|d| *d <= last) {
                for iv in intervals_on(date) {
                    map_interval(&tz, date, *iv, &mut |s, e| {
                        let (s, e) = (s.max(lo), e.min(hi));
                        if s < e {
                            raw.push((s, e));
                        }
                    });
                }
            }
        }
        if !raw.is_sorted() {
            raw.sort_unstable();
        }
        let mut pieces: Vec<Piece> = Vec::with_capacity(raw.len());
        let mut total = 0i64;
        for (s, e) in raw {
            match pieces.last_mut() {
                Some(p) if s <= p.end => {
                    if e > p.end {
                        total += e - p.end;
                        p.end = e;
                    }
                }
                _ => {
                    pieces.push(Piece {
                        start: s,
                        end: e,
                        cum: total,
                    });
                    total += e - s;
                }
            }
        }
        Self {
            pieces: pieces.into_boxed_slice(),
            total,
        }
    }

    /// Total working time in this year, ns.
    #[inline]
    pub(crate) fn total(&self) -> i64 {
        self.total
    }

    /// Working time in this year before `t` (which must be in the year).
    #[inline]
    pub(crate) fn cum_at(&self, t: i64) -> i64 {
        let i = self.pieces.partition_point(|p| p.end <= t);
        match self.pieces.get(i) {
            Some(p) if t >= p.start => p.cum + (t - p.start),
            Some(p) => p.cum,
            None => self.total,
        }
    }

    /// The first working instant `>= t` in this year, if any.
    #[inline]
    pub(crate) fn next_working(&self, t: i64) -> Option<i64> {
        let i = self.pieces.partition_point(|p| p.end <= t);
        self.pieces.get(i).map(|p| p.start.max(t))
    }

    /// Whether `t` is inside a working piece.
    #[inline]
    pub(crate) fn is_working(&self, t: i64) -> bool {
        let i = self.pieces.partition_point(|p| p.end <= t);
        self.pieces.get(i).is_some_and(|p| t >= p.start)
    }

    /// The instant at which the running total reaches `target`, for
    /// `0 < target <= total`; an exact piece end is returned as that end.
    #[inline]
    pub(crate) fn instant_at(&self, target: i64) -> i64 {
        let i = self
            .pieces
            .partition_point(|p| p.cum + (p.end - p.start) < target);
        match self.pieces.get(i) {
            Some(p) => p.start + (target - p.cum),
            // Unreachable for 0 < target <= total; keep a sane answer.
            None => self.pieces.last().map_or(0, |p| p.end),
        }
    }
}

/// How one local wall-clock time maps to UTC (ns).
#[derive(Debug, Clone, Copy)]
enum Mapped {
    /// Exactly one instant shows this wall-clock time.
    Single(i64),
    /// Two instants (earlier, later) show it: a fall-back overlap.
    Ambiguous(i64, i64),
    /// No instant shows it: a spring-forward gap; the instant the gap ends.
    Gap(i64),
}

fn ns_of<T: TimeZone>(d: &DateTime<T>) -> i64 {
    // Supported dates are far inside the i64 ns range.
    d.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

fn offset_at(tz: &Tz, secs: i64) -> i32 {
    DateTime::from_timestamp(secs, 0).map_or(0, |d| {
        tz.offset_from_utc_datetime(&d.naive_utc())
            .fix()
            .local_minus_utc()
    })
}

fn map_local(tz: &Tz, local: NaiveDateTime) -> Mapped {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(d) => Mapped::Single(ns_of(&d)),
        chrono::LocalResult::Ambiguous(a, b) => {
            let (a, b) = (ns_of(&a), ns_of(&b));
            Mapped::Ambiguous(a.min(b), a.max(b))
        }
        chrono::LocalResult::None => {
            let end = GapInfo::new(&local, tz).and_then(|g| g.end);
            match end {
                Some(e) => Mapped::Gap(ns_of(&e)),
                None => {
                    // Not reached with real tz data: fall back to the
                    // offset in force a day earlier (an instant after the gap).
                    let naive = local.and_utc().timestamp();
                    let off = i64::from(offset_at(tz, naive - 86_400));
                    Mapped::Gap((naive - off) * NS_PER_SEC)
                }
            }
        }
    }
}

/// The first instant in `(lo, hi]` (ns, whole seconds) whose offset equals
/// the offset at `hi`: the fall-back transition inside an overlap.
fn transition_in(tz: &Tz, lo: i64, hi: i64) -> i64 {
    let (mut lo, mut hi) = (lo.div_euclid(NS_PER_SEC), hi.div_euclid(NS_PER_SEC));
    let target = offset_at(tz, hi);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if offset_at(tz, mid) == target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi * NS_PER_SEC
}

/// Emits the UTC pieces of the instants whose wall-clock reading lies in
/// `iv` on `date` (see the DST rules on `BusinessCalendar`).
fn map_interval(tz: &Tz, date: NaiveDate, iv: WorkInterval, emit: &mut impl FnMut(i64, i64)) {
    let midnight = NaiveDateTime::new(date, NaiveTime::MIN);
    let at = |secs: u32| midnight.checked_add_signed(TimeDelta::seconds(i64::from(secs)));
    let (Some(ls), Some(le)) = (at(iv.start_secs()), at(iv.end_secs())) else {
        return;
    };
    let mut push = |s: i64, e: i64| {
        if s < e {
            emit(s, e);
        }
    };
    // With offsets o1 before and o2 after one transition at T, the instants
    // showing a wall time in [ls, le) are
    // [ls - o1, le - o1) before T plus [ls - o2, le - o2) from T on.
    match (map_local(tz, ls), map_local(tz, le)) {
        (Mapped::Ambiguous(a1, a2), Mapped::Ambiguous(b1, b2)) => {
            push(a1, b1);
            push(a2, b2);
        }
        (Mapped::Ambiguous(a1, a2), Mapped::Single(b) | Mapped::Gap(b)) => {
            push(a1, transition_in(tz, a1, a2).min(b));
            push(a2, b);
        }
        (Mapped::Single(a) | Mapped::Gap(a), Mapped::Ambiguous(b1, b2)) => {
            push(a, b1);
            push(transition_in(tz, b1, b2).max(a), b2);
        }
        (Mapped::Single(a) | Mapped::Gap(a), Mapped::Single(b) | Mapped::Gap(b)) => push(a, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_starts() {
        assert_eq!(YEAR_START_NS[70], 0);
        for t in [YEAR_START_NS[0], -1, 0, 1, YEAR_START_NS[YEARS] - 1] {
            let i = year_index(t).unwrap_or(usize::MAX);
            assert!(YEAR_START_NS[i] <= t && t < YEAR_START_NS[i + 1]);
        }
        assert_eq!(year_index(YEAR_START_NS[YEARS]), None);
        assert_eq!(year_index(YEAR_START_NS[0] - 1), None);
    }
}
