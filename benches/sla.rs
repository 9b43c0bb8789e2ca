//! Throughput of `BusinessCalendar::add` and `between` on a Mon-Fri
//! 08:00-16:00 Europe/Warsaw calendar with 15 holidays, for a fixed spread of
//! starts over 2026-2027 and spans from 1 hour to 30 days of working time.

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use helpdesk::sla::{BusinessCalendar, CalendarSpec};

const CALLS: usize = 4096;

fn calendar() -> BusinessCalendar {
    let day = vec![["08:00".to_owned(), "16:00".to_owned()]];
    let holidays = [
        "2026-01-01",
        "2026-01-06",
        "2026-04-05",
        "2026-04-06",
        "2026-05-01",
        "2026-05-03",
        "2026-05-24",
        "2026-06-04",
        "2026-08-15",
        "2026-11-01",
        "2026-11-11",
        "2026-12-24",
        "2026-12-25",
        "2026-12-26",
        "2027-01-01",
    ];
    let spec = CalendarSpec {
        tz: "Europe/Warsaw".to_owned(),
        week: helpdesk::sla::WeekSpec {
            mon: day.clone(),
            tue: day.clone(),
            wed: day.clone(),
            thu: day.clone(),
            fri: day,
            ..Default::default()
        },
        holidays: holidays.iter().map(|h| (*h).to_owned()).collect(),
        ..Default::default()
    };
    match BusinessCalendar::from_spec(&spec) {
        Ok(c) => c,
        Err(e) => panic!("bench calendar: {e}"),
    }
}

/// Deterministic (start, minutes) pairs: starts spread over 2026 at odd
/// minutes, spans from 60 minutes to 30 days (43 200 minutes).
fn cases() -> Vec<(DateTime<Utc>, u32)> {
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..CALLS)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let start = base + Duration::minutes((x % (365 * 1440)) as i64);
            let minutes = 60 + ((x >> 32) % (30 * 1440 - 60)) as u32;
            (start, minutes)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let cal = calendar();
    let cases = cases();
    // Warm the lazily built year tables (2026-2028).
    for &(s, m) in &cases {
        let _ = cal.add(s, m);
    }
    let mut g = c.benchmark_group("sla");
    g.throughput(Throughput::Elements(CALLS as u64));
    g.bench_function("add_1h_to_30d", |b| {
        b.iter(|| {
            for &(s, m) in &cases {
                let _ = black_box(cal.add(black_box(s), black_box(m)));
            }
        })
    });
    let pairs: Vec<(DateTime<Utc>, DateTime<Utc>)> = cases
        .iter()
        .map(|&(s, m)| (s, s + Duration::minutes(i64::from(m))))
        .collect();
    g.bench_function("between_1h_to_30d", |b| {
        b.iter(|| {
            for &(s, e) in &pairs {
                let _ = black_box(cal.between(black_box(s), black_box(e)));
            }
        })
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("from_spec_and_first_add", |b| {
        let spec = cal.to_spec();
        b.iter(|| {
            let fresh = BusinessCalendar::from_spec(black_box(&spec));
            black_box(fresh.and_then(|c| c.add(cases[0].0, 600)))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
