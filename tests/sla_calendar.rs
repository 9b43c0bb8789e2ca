//! Tests of `helpdesk::sla::BusinessCalendar`: unit tests of each rule,
//! property tests (also across DST changes), and agreement with a plain
//! minute-by-minute brute-force reference on 10 000 random cases.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use helpdesk::sla::Tz;
use helpdesk::sla::{BusinessCalendar, CalendarError, CalendarSpec, WorkInterval};
use proptest::prelude::*;

// ---------------------------------------------------------------- helpers

fn t(s: &str) -> DateTime<Utc> {
    match DateTime::parse_from_rfc3339(s) {
        Ok(d) => d.with_timezone(&Utc),
        Err(e) => panic!("bad test instant {s}: {e}"),
    }
}

fn spec(json: &str) -> CalendarSpec {
    match serde_json::from_str(json) {
        Ok(s) => s,
        Err(e) => panic!("bad test spec {json}: {e}"),
    }
}

fn cal(json: &str) -> BusinessCalendar {
    match BusinessCalendar::from_spec(&spec(json)) {
        Ok(c) => c,
        Err(e) => panic!("bad test calendar {json}: {e}"),
    }
}

/// Mon-Fri 08:00-16:00 in `tz` plus extra JSON fields.
fn office(tz: &str, extra: &str) -> BusinessCalendar {
    let d = r#"[["08:00","16:00"]]"#;
    cal(&format!(
        r#"{{"tz":"{tz}","week":{{"mon":{d},"tue":{d},"wed":{d},"thu":{d},"fri":{d}}}{extra}}}"#
    ))
}

fn add(c: &BusinessCalendar, start: &str, m: u32) -> DateTime<Utc> {
    match c.add(t(start), m) {
        Ok(d) => d,
        Err(e) => panic!("add({start}, {m}) failed: {e}"),
    }
}

fn between(c: &BusinessCalendar, a: &str, b: &str) -> i64 {
    match c.between_minutes(t(a), t(b)) {
        Ok(m) => m,
        Err(e) => panic!("between({a}, {b}) failed: {e}"),
    }
}

// ---------------------------------------------------------------- unit tests

#[test]
fn deadline_at_interval_end_is_that_end() {
    let c = office("UTC", "");
    // Monday 2026-12-28.
    assert_eq!(
        add(&c, "2026-12-28T15:00:00Z", 60),
        t("2026-12-28T16:00:00Z")
    );
    assert_eq!(
        add(&c, "2026-12-28T15:00:00Z", 61),
        t("2026-12-29T08:01:00Z")
    );
    assert_eq!(
        add(&c, "2026-12-28T08:00:00Z", 480),
        t("2026-12-28T16:00:00Z")
    );
    // Friday's end stays Friday's end, not Monday's start.
    assert_eq!(
        add(&c, "2027-01-01T08:00:00Z", 480),
        t("2027-01-01T16:00:00Z")
    );
}

#[test]
fn add_zero_moves_to_next_working_instant() {
    let c = office("UTC", "");
    assert_eq!(
        add(&c, "2026-12-28T10:15:30Z", 0),
        t("2026-12-28T10:15:30Z")
    );
    assert_eq!(
        add(&c, "2026-12-28T06:00:00Z", 0),
        t("2026-12-28T08:00:00Z")
    );
    // An interval's end is not working time.
    assert_eq!(
        add(&c, "2026-12-28T16:00:00Z", 0),
        t("2026-12-29T08:00:00Z")
    );
    // Saturday -> Monday.
    assert_eq!(
        add(&c, "2027-01-02T12:00:00Z", 0),
        t("2027-01-04T08:00:00Z")
    );
    assert_eq!(
        c.next_working_instant(t("2027-01-02T12:00:00Z")),
        Ok(t("2027-01-04T08:00:00Z"))
    );
}

#[test]
fn start_outside_hours() {
    let c = office("Europe/Warsaw", "");
    // Monday 2026-12-28 05:00 local (04:00Z): counting starts at 08:00 local.
    assert_eq!(
        add(&c, "2026-12-28T04:00:00Z", 30),
        t("2026-12-28T07:30:00Z")
    );
    // After hours: next morning.
    assert_eq!(
        add(&c, "2026-12-28T18:00:00Z", 30),
        t("2026-12-29T07:30:00Z")
    );
    // Saturday.
    assert_eq!(
        add(&c, "2027-01-02T10:00:00Z", 90),
        t("2027-01-04T08:30:00Z")
    );
    assert_eq!(
        between(&c, "2027-01-02T10:00:00Z", "2027-01-04T08:30:00Z"),
        90
    );
}

#[test]
fn sub_second_start_is_kept() {
    let c = office("UTC", "");
    let s = t("2026-12-28T10:00:00.25Z");
    assert_eq!(c.add(s, 1), Ok(t("2026-12-28T10:01:00.25Z")));
    assert_eq!(c.between_seconds(s, t("2026-12-28T10:00:10Z")), Ok(9));
}

#[test]
fn holidays_are_skipped() {
    let c = office("UTC", r#","holidays":["2026-12-29","2026-12-30"]"#);
    assert_eq!(
        add(&c, "2026-12-28T15:00:00Z", 120),
        t("2026-12-31T09:00:00Z")
    );
    assert_eq!(
        between(&c, "2026-12-28T00:00:00Z", "2027-01-01T00:00:00Z"),
        2 * 480
    );
    assert!(c.is_holiday(NaiveDate::from_ymd_opt(2026, 12, 29).unwrap_or_default()));
}

#[test]
fn yearly_holidays_recur() {
    let c = office("UTC", r#","yearly_holidays":["12-24","01-01","02-29"]"#);
    // Thu 2026-12-24 off; Fri 2027-01-01 off.
    assert_eq!(
        add(&c, "2026-12-23T15:00:00Z", 120),
        t("2026-12-25T09:00:00Z")
    );
    assert_eq!(
        add(&c, "2026-12-31T15:00:00Z", 120),
        t("2027-01-04T09:00:00Z")
    );
    // Fri 2027-12-24 off too.
    assert_eq!(
        add(&c, "2027-12-23T15:00:00Z", 120),
        t("2027-12-27T09:00:00Z")
    );
    // Thu 2028-02-29 (leap) off; 2027-03-01 (Mon) works.
    assert_eq!(
        between(&c, "2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z"),
        0
    );
    assert_eq!(
        between(&c, "2027-03-01T00:00:00Z", "2027-03-02T00:00:00Z"),
        480
    );
}

#[test]
fn extra_days_override_weekday_and_holiday() {
    let c = office(
        "UTC",
        r#","holidays":["2026-12-25"],"extra_days":{"2026-12-27":[["10:00","14:00"]],"2026-12-25":[["09:00","10:00"]],"2026-12-28":[]}"#,
    );
    // Sunday extra day.
    assert_eq!(
        add(&c, "2026-12-26T12:00:00Z", 60),
        t("2026-12-27T11:00:00Z")
    );
    // Extra day on a holiday: only 09:00-10:00.
    assert_eq!(
        between(&c, "2026-12-25T00:00:00Z", "2026-12-26T00:00:00Z"),
        60
    );
    // Extra day with no intervals on a Monday: a day off.
    assert_eq!(
        between(&c, "2026-12-28T00:00:00Z", "2026-12-29T00:00:00Z"),
        0
    );
    assert_eq!(
        add(&c, "2026-12-27T13:00:00Z", 61),
        t("2026-12-29T08:01:00Z")
    );
}

#[test]
fn end_24_00_joins_overnight_work() {
    let c = cal(r#"{"tz":"UTC","week":{"mon":[["20:00","24:00"]],"tue":[["00:00","04:00"]]}}"#);
    assert_eq!(
        add(&c, "2026-12-28T23:00:00Z", 120),
        t("2026-12-29T01:00:00Z")
    );
    assert_eq!(
        between(&c, "2026-12-28T00:00:00Z", "2026-12-30T00:00:00Z"),
        480
    );
    let iv = WorkInterval::parse("20:00", "24:00");
    assert_eq!(iv.map(|i| i.end_secs()), Ok(86_400));
}

#[test]
fn no_working_time_is_an_error() {
    assert_eq!(
        BusinessCalendar::from_spec(&spec(r#"{"tz":"UTC"}"#)),
        Err(CalendarError::NoWorkingTime)
    );
    let days = r#"{"tz":"UTC","week":{},"extra_days":{"2026-01-01":[]}}"#;
    assert_eq!(
        BusinessCalendar::from_spec(&spec(days)),
        Err(CalendarError::NoWorkingTime)
    );
    // Only one extra day: after it the search stops quickly.
    let c = cal(r#"{"tz":"UTC","extra_days":{"2026-06-01":[["10:00","11:00"]]}}"#);
    assert_eq!(
        add(&c, "2026-01-01T00:00:00Z", 30),
        t("2026-06-01T10:30:00Z")
    );
    assert!(matches!(
        c.add(t("2026-01-01T00:00:00Z"), 61),
        Err(CalendarError::NoWorkingTimeFound { .. })
    ));
    assert!(matches!(
        c.add(t("2030-01-01T00:00:00Z"), 0),
        Err(CalendarError::NoWorkingTimeFound { .. })
    ));
    // Every month-day is a yearly holiday: no working time ever.
    let mut all = Vec::new();
    for m in 1..=12u32 {
        for d in 1..=31u32 {
            if NaiveDate::from_ymd_opt(2000, m, d).is_some() {
                all.push(format!("\"{m:02}-{d:02}\""));
            }
        }
    }
    let s = format!(
        r#"{{"tz":"UTC","week":{{"mon":[["08:00","16:00"]]}},"yearly_holidays":[{}]}}"#,
        all.join(",")
    );
    assert_eq!(
        BusinessCalendar::from_spec(&spec(&s)),
        Err(CalendarError::NoWorkingTime)
    );
}

#[test]
fn out_of_range_and_negative() {
    let c = office("UTC", "");
    assert_eq!(
        c.add(t("1899-12-31T00:00:00Z"), 1),
        Err(CalendarError::OutOfRange)
    );
    assert_eq!(
        c.add(t("2200-01-01T00:00:00Z"), 1),
        Err(CalendarError::OutOfRange)
    );
    assert_eq!(
        c.add(t("2026-01-01T00:00:00Z"), u32::MAX),
        Err(CalendarError::OutOfRange)
    );
    assert_eq!(
        c.add(t("2199-12-31T00:00:00Z"), 24 * 60),
        Err(CalendarError::OutOfRange)
    );
    assert!(matches!(
        c.add_duration(t("2026-01-01T00:00:00Z"), Duration::minutes(-5)),
        Err(CalendarError::NegativeDuration { seconds: -300 })
    ));
    assert_eq!(
        c.between(t("2026-01-02T00:00:00Z"), t("2026-01-01T00:00:00Z")),
        Ok(Duration::zero())
    );
}

#[test]
fn invalid_specs_are_rejected() {
    let bad = |json: &str| match serde_json::from_str::<CalendarSpec>(json) {
        Ok(s) => BusinessCalendar::from_spec(&s).err(),
        Err(_) => Some(CalendarError::NoWorkingTime), // any error marker
    };
    let week = |iv: &str| format!(r#"{{"tz":"UTC","week":{{"mon":{iv}}}}}"#);
    assert!(matches!(
        bad(r#"{"tz":"Mars/Olympus","week":{"mon":[["08:00","16:00"]]}}"#),
        Some(CalendarError::UnknownTimeZone { .. })
    ));
    for time in [
        "8:00", "24:30", "25:00", "08:60", "08-00", "", "08:00:99", "ab:cd",
    ] {
        let e = bad(&week(&format!(r#"[["{time}","23:00"]]"#)));
        assert!(
            matches!(e, Some(CalendarError::InvalidTime { .. })),
            "{time}: {e:?}"
        );
    }
    assert!(matches!(
        bad(&week(r#"[["16:00","08:00"]]"#)),
        Some(CalendarError::InvalidInterval { .. })
    ));
    assert!(matches!(
        bad(&week(r#"[["08:00","08:00"]]"#)),
        Some(CalendarError::InvalidInterval { .. })
    ));
    assert!(matches!(
        bad(&week(r#"[["24:00","24:00"]]"#)),
        Some(CalendarError::InvalidInterval { .. })
    ));
    assert!(matches!(
        bad(&week(r#"[["08:00","12:00"],["11:00","16:00"]]"#)),
        Some(CalendarError::OverlappingIntervals { .. })
    ));
    assert!(matches!(
        bad(&week(r#"[["13:00","16:00"],["08:00","12:00"]]"#)),
        Some(CalendarError::OverlappingIntervals { .. })
    ));
    let ok = BusinessCalendar::from_spec(&spec(&week(r#"[["08:00","12:00"],["12:00","16:00"]]"#)));
    assert!(ok.is_ok());
    let base = r#""tz":"UTC","week":{"mon":[["08:00","16:00"]]}"#;
    assert!(matches!(
        bad(&format!(r#"{{{base},"holidays":["2026-02-30"]}}"#)),
        Some(CalendarError::InvalidDate { .. })
    ));
    assert!(matches!(
        bad(&format!(r#"{{{base},"holidays":["26-1-1"]}}"#)),
        Some(CalendarError::InvalidDate { .. })
    ));
    assert!(matches!(
        bad(&format!(r#"{{{base},"yearly_holidays":["02-30"]}}"#)),
        Some(CalendarError::InvalidMonthDay { .. })
    ));
    assert!(matches!(
        bad(&format!(r#"{{{base},"yearly_holidays":["13-01"]}}"#)),
        Some(CalendarError::InvalidMonthDay { .. })
    ));
    assert!(matches!(
        bad(&format!(r#"{{{base},"extra_days":{{"x":[]}}}}"#)),
        Some(CalendarError::InvalidDate { .. })
    ));
    assert!(matches!(
        bad(&format!(
            r#"{{{base},"extra_days":{{"2026-01-01":[["10:00","12:00"],["11:00","13:00"]]}}}}"#
        )),
        Some(CalendarError::OverlappingIntervals { .. })
    ));
    // Serde-level: unknown field, missing tz, bad weekday name.
    assert!(serde_json::from_str::<CalendarSpec>(r#"{"tz":"UTC","holiday":[]}"#).is_err());
    assert!(serde_json::from_str::<CalendarSpec>(r#"{"week":{}}"#).is_err());
    assert!(serde_json::from_str::<CalendarSpec>(r#"{"tz":"UTC","week":{"monday":[]}}"#).is_err());
    assert!(
        serde_json::from_str::<BusinessCalendar>(
            r#"{"tz":"UTC","week":{"mon":[["9:00","10:00"]]}}"#
        )
        .is_err()
    );
    // Builder: yearly holiday checked at build.
    let b = BusinessCalendar::builder(Tz::UTC)
        .weekday(chrono::Weekday::Mon, WorkInterval::parse("08:00", "16:00"))
        .yearly_holiday(2, 30)
        .build();
    assert!(matches!(b, Err(CalendarError::InvalidMonthDay { .. })));
}

#[test]
fn spec_round_trip_and_serde() {
    let json = r#"{"tz":"Europe/Warsaw","week":{"mon":[["08:00","16:00"]],"tue":[["08:00","12:00"],["13:00","24:00"]]},"holidays":["2026-12-25"],"yearly_holidays":["12-24"],"extra_days":{"2026-12-27":[["10:00","14:00"]]}}"#;
    let c = cal(json);
    assert_eq!(c.to_spec(), spec(json));
    let back = serde_json::to_string(&c).unwrap_or_default();
    assert_eq!(back, json);
    let c2: Result<BusinessCalendar, _> = serde_json::from_str(&back);
    assert_eq!(c2.ok(), Some(c.clone()));
    assert_eq!(BusinessCalendar::try_from(spec(json)), Ok(c));
}

#[test]
fn warsaw_spring_forward_2026_03_29() {
    // 02:00 CET -> 03:00 CEST at 01:00Z; the day lasts 23 h.
    let c = cal(r#"{"tz":"Europe/Warsaw","week":{"sun":[["00:00","24:00"]]}}"#);
    assert_eq!(
        between(&c, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"),
        23 * 60
    );
    assert_eq!(
        add(&c, "2026-03-28T23:00:00Z", 23 * 60),
        t("2026-03-29T22:00:00Z")
    );
    assert_eq!(
        add(&c, "2026-03-29T00:30:00Z", 60),
        t("2026-03-29T01:30:00Z")
    );
    // 01:00-04:00 lasts 2 h: 00:00Z-02:00Z.
    let c = cal(r#"{"tz":"Europe/Warsaw","week":{"sun":[["01:00","04:00"]]}}"#);
    assert_eq!(
        between(&c, "2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z"),
        120
    );
    assert_eq!(
        add(&c, "2026-03-28T12:00:00Z", 0),
        t("2026-03-29T00:00:00Z")
    );
    assert_eq!(
        add(&c, "2026-03-28T12:00:00Z", 120),
        t("2026-03-29T02:00:00Z")
    );
    // An edge in the gap maps to the gap's end (01:00Z).
    let c = cal(r#"{"tz":"Europe/Warsaw","week":{"sun":[["02:30","05:00"]]}}"#);
    assert_eq!(
        add(&c, "2026-03-28T12:00:00Z", 0),
        t("2026-03-29T01:00:00Z")
    );
    assert_eq!(
        between(&c, "2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z"),
        120
    );
    let c = cal(r#"{"tz":"Europe/Warsaw","week":{"sun":[["01:00","02:30"]]}}"#);
    assert_eq!(
        between(&c, "2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z"),
        60
    );
    assert_eq!(
        add(&c, "2026-03-28T00:00:00Z", 60),
        t("2026-03-29T01:00:00Z")
    );
    // Wholly inside the gap: nothing that day, next Sunday instead.
    let c = cal(r#"{"tz":"Europe/Warsaw","week":{"sun":[["02:00","03:00"]]}}"#);
    assert_eq!(
        add(&c, "2026-03-28T00:00:00Z", 0),
        t("2026-04-05T00:00:00Z")
    );
}

#[test]
fn warsaw_fall_back_2026_10_25() {
    // 03:00 CEST -> 02:00 CET at 01:00Z; the day lasts 25 h.
    let c = cal(r#"{"tz":"Europe/Warsaw","week":{"sun":[["00:00","24:00"]]}}"#);
    assert_eq!(
        between(&c, "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"),
        25 * 60
    );
    assert_eq!(
        add(&c, "2026-10-24T22:00:00Z", 25 * 60),
        t("2026-10-25T23:00:00Z")
    );
    // 01:00-04:00 lasts 4 h: 23:00Z (24th) - 03:00Z.
    let c = cal(r#"{"tz":"Europe/Warsaw","week":{"sun":[["01:00","04:00"]]}}"#);
    assert_eq!(
        between(&c, "2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z"),
        240
    );
    assert_eq!(
        add(&c, "2026-10-24T12:00:00Z", 0),
        t("2026-10-24T23:00:00Z")
    );
    assert_eq!(
        add(&c, "2026-10-24T12:00:00Z", 240),
        t("2026-10-25T03:00:00Z")
    );
    // Start in the overlap: work starts at its earlier occurrence (00:30Z),
    // pauses when the clock is set back to 02:00 (01:00Z) and resumes at
    // the later occurrence (01:30Z), until 04:00 CET (03:00Z).
    let c = cal(r#"{"tz":"Europe/Warsaw","week":{"sun":[["02:30","04:00"]]}}"#);
    assert_eq!(
        add(&c, "2026-10-24T12:00:00Z", 0),
        t("2026-10-25T00:30:00Z")
    );
    assert_eq!(
        between(&c, "2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z"),
        120
    );
    assert_eq!(c.is_working(t("2026-10-25T01:15:00Z")), Ok(false));
    assert_eq!(
        add(&c, "2026-10-24T12:00:00Z", 30),
        t("2026-10-25T01:00:00Z")
    );
    assert_eq!(
        add(&c, "2026-10-24T12:00:00Z", 31),
        t("2026-10-25T01:31:00Z")
    );
    // End in the overlap: two pieces, 22:00Z-00:30Z and 01:00Z-01:30Z.
    let c = cal(r#"{"tz":"Europe/Warsaw","week":{"sun":[["00:00","02:30"]]}}"#);
    assert_eq!(
        between(&c, "2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z"),
        180
    );
    assert_eq!(c.is_working(t("2026-10-25T00:45:00Z")), Ok(false));
    assert_eq!(c.is_working(t("2026-10-25T01:15:00Z")), Ok(true));
    assert_eq!(
        add(&c, "2026-10-24T22:00:00Z", 150),
        t("2026-10-25T00:30:00Z")
    );
    assert_eq!(
        add(&c, "2026-10-24T22:00:00Z", 151),
        t("2026-10-25T01:01:00Z")
    );
    // Both edges in the overlap: counted on both passes.
    let c = cal(r#"{"tz":"Europe/Warsaw","week":{"sun":[["02:10","02:40"]]}}"#);
    assert_eq!(
        between(&c, "2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z"),
        60
    );
    assert_eq!(
        add(&c, "2026-10-24T00:00:00Z", 45),
        t("2026-10-25T01:25:00Z")
    );
}

#[test]
fn office_hours_keep_length_on_dst_days() {
    // New York springs forward on Sunday 2026-03-08; Monday's 08:00 is 12:00Z.
    let c = office("America/New_York", "");
    // Friday 2026-03-06 16:00 EST is 21:00Z.
    assert_eq!(
        add(&c, "2026-03-06T20:00:00Z", 60),
        t("2026-03-06T21:00:00Z")
    );
    assert_eq!(
        add(&c, "2026-03-06T21:00:00Z", 60),
        t("2026-03-09T13:00:00Z")
    );
    assert_eq!(
        between(&c, "2026-03-02T00:00:00Z", "2026-03-16T00:00:00Z"),
        10 * 480
    );
}

#[test]
fn year_boundaries_and_long_spans() {
    let c = office(
        "Australia/Sydney",
        r#","yearly_holidays":["12-25","12-26","01-01"]"#,
    );
    let s = t("2026-12-31T04:00:00Z"); // 15:00 local
    let due = c.add(s, 480);
    assert!(due.is_ok());
    let due = due.unwrap_or(s);
    assert_eq!(c.between_minutes(s, due), Ok(480));
    // Ten years of work.
    let m = 10 * 250 * 480;
    let far = c.add(s, m).unwrap_or(s);
    assert_eq!(c.between_minutes(s, far), Ok(i64::from(m)));
}

// ---------------------------------------------------------------- random calendars

/// splitmix64: a tiny deterministic generator for the seeded loops.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const ZONES: [&str; 4] = [
    "Europe/Warsaw",
    "America/New_York",
    "Australia/Sydney",
    "UTC",
];
/// Interesting local dates: DST changes of the zones above, a year end.
const BASES: [(i32, u32, u32); 8] = [
    (2026, 3, 29),
    (2026, 10, 25),
    (2026, 3, 8),
    (2026, 11, 1),
    (2026, 4, 5),
    (2026, 10, 4),
    (2026, 12, 31),
    (2027, 6, 15),
];

/// A random calendar written plainly, next to the spec it is built from.
#[derive(Debug, Clone)]
struct Rules {
    tz: Tz,
    week: [Vec<(u32, u32)>; 7],
    holidays: BTreeSet<NaiveDate>,
    yearly: BTreeSet<(u32, u32)>,
    extra: BTreeMap<NaiveDate, Vec<(u32, u32)>>,
}

fn hhmm(secs: u32) -> String {
    format!("{:02}:{:02}", secs / 3600, secs / 60 % 60)
}

fn random_day(rng: &mut Rng) -> Vec<(u32, u32)> {
    // Half-hour grid (so edges hit DST hours often), sorted, disjoint.
    let mut points: BTreeSet<u32> = BTreeSet::new();
    let n = 1 + rng.below(3) * 2;
    for _ in 0..=n {
        points.insert(rng.below(49) as u32 * 1800);
    }
    let p: Vec<u32> = points.into_iter().collect();
    p.chunks_exact(2).map(|w| (w[0], w[1])).collect()
}

impl Rules {
    fn random(rng: &mut Rng, zone: &str, base: NaiveDate) -> Self {
        let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
        let mut week: [Vec<(u32, u32)>; 7] = Default::default();
        for day in &mut week {
            if rng.chance(75) {
                *day = random_day(rng);
            }
        }
        if week.iter().all(Vec::is_empty) {
            week[0] = vec![(8 * 3600, 16 * 3600)];
        }
        let near = |rng: &mut Rng| base + Duration::days(rng.below(21) as i64 - 7);
        let mut holidays = BTreeSet::new();
        for _ in 0..rng.below(5) {
            holidays.insert(near(rng));
        }
        let mut yearly = BTreeSet::new();
        for _ in 0..rng.below(3) {
            let d = near(rng);
            yearly.insert((d.month(), d.day()));
        }
        let mut extra = BTreeMap::new();
        for _ in 0..rng.below(3) {
            let d = if rng.chance(40) && !holidays.is_empty() {
                holidays
                    .iter()
                    .nth(rng.below(holidays.len() as u64) as usize)
                    .copied()
                    .unwrap_or(base)
            } else {
                near(rng)
            };
            let ivs = if rng.chance(20) {
                Vec::new()
            } else {
                random_day(rng)
            };
            extra.insert(d, ivs);
        }
        Rules {
            tz,
            week,
            holidays,
            yearly,
            extra,
        }
    }

    fn spec_json(&self) -> String {
        let day = |ivs: &[(u32, u32)]| {
            let v: Vec<String> = ivs
                .iter()
                .map(|&(s, e)| format!(r#"["{}","{}"]"#, hhmm(s), hhmm(e)))
                .collect();
            format!("[{}]", v.join(","))
        };
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let week: Vec<String> = names
            .iter()
            .zip(&self.week)
            .map(|(n, d)| format!(r#""{n}":{}"#, day(d)))
            .collect();
        let hol: Vec<String> = self.holidays.iter().map(|d| format!("\"{d}\"")).collect();
        let yearly: Vec<String> = self
            .yearly
            .iter()
            .map(|(m, d)| format!("\"{m:02}-{d:02}\""))
            .collect();
        let extra: Vec<String> = self
            .extra
            .iter()
            .map(|(d, ivs)| format!(r#""{d}":{}"#, day(ivs)))
            .collect();
        format!(
            r#"{{"tz":"{}","week":{{{}}},"holidays":[{}],"yearly_holidays":[{}],"extra_days":{{{}}}}}"#,
            self.tz.name(),
            week.join(","),
            hol.join(","),
            yearly.join(","),
            extra.join(",")
        )
    }

    fn calendar(&self) -> BusinessCalendar {
        cal(&self.spec_json())
    }

    /// The plain reference rule: is the wall-clock time at `at` inside one
    /// of the intervals of the wall-clock date?
    fn working(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.tz).naive_local();
        let date = local.date();
        let secs = local.num_seconds_from_midnight();
        let ivs = if let Some(x) = self.extra.get(&date) {
            x
        } else if self.holidays.contains(&date) || self.yearly.contains(&(date.month(), date.day()))
        {
            return false;
        } else {
            &self.week[date.weekday().num_days_from_monday() as usize]
        };
        ivs.iter().any(|&(s, e)| s <= secs && secs < e)
    }

    /// Brute-force `add`, one minute at a time (start on a whole minute);
    /// `None` when more than `cap` minutes were stepped.
    fn brute_add(&self, start: DateTime<Utc>, minutes: u32, cap: u32) -> Option<DateTime<Utc>> {
        let mut at = start;
        let mut done = 0;
        for _ in 0..cap {
            if self.working(at) {
                if done == minutes {
                    return Some(at);
                }
                done += 1;
                if done == minutes {
                    return Some(at + Duration::minutes(1));
                }
            }
            at += Duration::minutes(1);
        }
        None
    }

    /// Brute-force `between` in minutes (whole-minute `a` and `b`).
    fn brute_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        let mut at = a;
        let mut n = 0;
        while at < b {
            n += i64::from(self.working(at));
            at += Duration::minutes(1);
        }
        n
    }
}

fn random_case(seed: u64) -> (Rules, DateTime<Utc>) {
    let mut rng = Rng(seed);
    let zone = ZONES[rng.below(ZONES.len() as u64) as usize];
    let (y, m, d) = BASES[rng.below(BASES.len() as u64) as usize];
    let base = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let rules = Rules::random(&mut rng, zone, base);
    let start_local = base.and_hms_opt(0, 0, 0).unwrap_or_default()
        + Duration::minutes(rng.below(5 * 1440) as i64 - 2 * 1440);
    let start = Utc.from_utc_datetime(&start_local);
    (rules, start)
}

#[test]
fn agrees_with_brute_force_on_10000_cases() {
    let mut checked_add = 0;
    let mut checked_between = 0;
    let mut last_spec = String::new();
    let mut calendar = None;
    for seed in 0..10_000u64 {
        // Reuse each random calendar for 4 cases.
        let (rules, _) = random_case(seed / 4 * 7919);
        let (_, start) = random_case(seed);
        let spec = rules.spec_json();
        if spec != last_spec || calendar.is_none() {
            calendar = Some(rules.calendar());
            last_spec = spec;
        }
        let Some(c) = calendar.as_ref() else { continue };
        let mut rng = Rng(seed ^ 0xABCD);
        let minutes = if rng.chance(10) {
            0
        } else {
            rng.below(720) as u32
        };
        if let Some(expected) = rules.brute_add(start, minutes, 14 * 1440) {
            assert_eq!(
                c.add(start, minutes),
                Ok(expected),
                "seed {seed}: add({start}, {minutes}) in {last_spec}"
            );
            checked_add += 1;
        }
        let end = start + Duration::minutes(rng.below(2 * 1440) as i64);
        let expected = rules.brute_between(start, end);
        assert_eq!(
            c.between_minutes(start, end),
            Ok(expected),
            "seed {seed}: between({start}, {end}) in {last_spec}"
        );
        checked_between += 1;
    }
    assert!(checked_add >= 9_900, "only {checked_add} add cases checked");
    assert_eq!(checked_between, 10_000);
}

// ---------------------------------------------------------------- properties

fn case() -> impl Strategy<Value = (u64, i64, u32, u32)> {
    // (calendar seed, start offset in seconds, two minute counts)
    (any::<u64>(), 0i64..6 * 86_400, 0u32..3000, 0u32..3000)
}

fn rand_start(seed: u64, offset: i64) -> (Rules, DateTime<Utc>) {
    let (rules, start) = random_case(seed);
    (
        rules,
        start + Duration::seconds(offset - 3 * 86_400) + Duration::milliseconds((offset % 7) * 100),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn add_is_monotone_in_start((seed, off, m, _) in case(), delta in 0i64..200_000) {
        let (rules, s1) = rand_start(seed, off);
        let c = rules.calendar();
        let s2 = s1 + Duration::seconds(delta);
        let (r1, r2) = (c.add(s1, m).ok(), c.add(s2, m).ok());
        prop_assert!(r1.is_some() && r2.is_some());
        prop_assert!(r1 <= r2, "{s1} -> {r1:?}, {s2} -> {r2:?}");
    }

    #[test]
    fn add_is_monotone_in_minutes((seed, off, m1, m2) in case()) {
        let (rules, s) = rand_start(seed, off);
        let c = rules.calendar();
        let (lo, hi) = (m1.min(m2), m1.max(m2));
        let (r1, r2) = (c.add(s, lo).ok(), c.add(s, hi).ok());
        prop_assert!(r1.is_some() && r2.is_some());
        prop_assert!(r1 <= r2);
        if lo < hi {
            prop_assert!(r1 < r2);
        }
    }

    #[test]
    fn between_undoes_add((seed, off, m, _) in case()) {
        let (rules, s) = rand_start(seed, off);
        let c = rules.calendar();
        let due = c.add(s, m);
        prop_assert!(due.is_ok());
        let due = due.unwrap_or(s);
        prop_assert!(due >= s);
        // Holds for every start, working or not.
        prop_assert_eq!(c.between_minutes(s, due), Ok(i64::from(m)));
        prop_assert_eq!(c.between(s, due), Ok(Duration::minutes(i64::from(m))));
    }

    #[test]
    fn add_of_between_stays_before_end((seed, off, _, _) in case(), len in 0i64..10 * 86_400) {
        let (rules, a) = rand_start(seed, off);
        let c = rules.calendar();
        let b = a + Duration::seconds(len);
        let m = c.between_minutes(a, b);
        prop_assert!(m.is_ok());
        let m = u32::try_from(m.unwrap_or(0)).unwrap_or(0);
        let r = c.add(a, m);
        prop_assert!(r.is_ok());
        let r = r.unwrap_or(b);
        if m > 0 {
            prop_assert!(r <= b, "add({a}, {m}) = {r} > {b}");
        } else {
            // add(a, 0) is the next working instant, which may lie after b;
            // then [a, b) had no working time.
            prop_assert!(r >= a);
            prop_assert_eq!(c.between(a, r), Ok(Duration::zero()));
        }
        // Additivity: [a, b) splits at any point.
        let mid = a + Duration::seconds(len / 3);
        let (x, y, z) = (c.between(a, mid), c.between(mid, b), c.between(a, b));
        prop_assert!(x.is_ok() && y.is_ok());
        prop_assert_eq!(Ok(x.unwrap_or_default() + y.unwrap_or_default()), z);
    }

    #[test]
    fn results_lie_in_working_time((seed, off, m, _) in case()) {
        let (rules, s) = rand_start(seed, off);
        let c = rules.calendar();
        let r = c.add(s, m);
        prop_assert!(r.is_ok());
        let r = r.unwrap_or(s);
        if m == 0 {
            prop_assert_eq!(c.is_working(r), Ok(true));
            prop_assert!(rules.working(r));
        } else {
            // The last counted moment is working: `r` is working time or the
            // end of an interval (the interval-end rule).
            let before = r - Duration::nanoseconds(1);
            prop_assert_eq!(c.is_working(before), Ok(true));
            prop_assert!(rules.working(before), "{r} in {}", rules.spec_json());
        }
        // Nothing in [s, next working instant) is working time.
        let first = c.next_working_instant(s).unwrap_or(s);
        prop_assert_eq!(c.between(s, first), Ok(Duration::zero()));
    }

    #[test]
    fn is_working_matches_wall_clock_rule((seed, off, _, _) in case()) {
        let (rules, s) = rand_start(seed, off);
        let c = rules.calendar();
        for k in 0..50 {
            let at = s + Duration::minutes(k * 37);
            prop_assert_eq!(c.is_working(at), Ok(rules.working(at)), "{} in {}", at, rules.spec_json());
        }
    }

    #[test]
    fn holidays_around_weekends(week_off in 0i64..60, before in any::<bool>(), after in any::<bool>(), zone in 0usize..3, m in 0u32..5000, soff in 0i64..9 * 1440) {
        // Mon-Fri office; holidays on the Friday before and/or Monday after a weekend.
        let fri = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap_or_default() + Duration::weeks(week_off);
        let mut hol = Vec::new();
        if before { hol.push(format!("\"{fri}\"")); }
        if after { hol.push(format!("\"{}\"", fri + Duration::days(3))); }
        let c = office(ZONES[zone], &format!(r#","holidays":[{}]"#, hol.join(",")));
        let s = Utc.from_utc_datetime(&(fri - Duration::days(2)).and_hms_opt(0, 0, 0).unwrap_or_default()) + Duration::minutes(soff);
        let r = c.add(s, m);
        prop_assert!(r.is_ok());
        let r = r.unwrap_or(s);
        prop_assert_eq!(c.between_minutes(s, r), Ok(i64::from(m)));
        let local = r.with_timezone(&c.time_zone());
        if m > 0 {
            let d = (r - Duration::nanoseconds(1)).with_timezone(&c.time_zone()).date_naive();
            prop_assert!(d.weekday().num_days_from_monday() < 5);
            prop_assert!(!c.is_holiday(d));
        } else {
            prop_assert!(!c.is_holiday(local.date_naive()));
        }
    }
}

#[test]
fn calendar_is_send_sync_and_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<BusinessCalendar>();
    let c = office("Europe/Warsaw", "");
    let expected = add(&c, "2026-12-23T13:00:00Z", 600);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| assert_eq!(c.add(t("2026-12-23T13:00:00Z"), 600), Ok(expected)));
        }
    });
}
