//! SLA calculator over JSON lines.
//!
//! Reads one JSON object per line on standard input and writes exactly one
//! JSON line per input line on standard output, in order:
//!
//! * `{"calendar": CAL, "start": "<RFC 3339>", "minutes": N}` →
//!   `{"due": "<RFC 3339 UTC, seconds precision, Z>"}` (a fraction of a
//!   second carried over from `start` is cut off in the output)
//! * `{"calendar": CAL, "start": "<RFC 3339>", "end": "<RFC 3339>"}` →
//!   `{"minutes": N}` (working minutes in `[start, end)`, rounded down)
//!
//! `CAL` is a [`helpdesk::sla::CalendarSpec`] in JSON. Any bad line (bad
//! JSON, bad calendar, negative or non-integer minutes, ...) yields
//! `{"error": "<message>"}` on that line and processing goes on.
//! Blank lines (empty or only whitespace) are skipped: they produce no
//! output line. Parsed calendars are cached by their JSON text.
//! At the end, the number of lines processed and the lines per second are
//! written on standard error.
//!
//! ```text
//! echo '{"calendar":{"tz":"UTC","week":{"mon":[["08:00","16:00"]]}},"start":"2026-12-28T07:00:00Z","minutes":60}' \
//!   | cargo run --example sla
//! {"due":"2026-12-28T09:00:00Z"}
//! ```

use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};
use std::time::Instant;

use chrono::{DateTime, SecondsFormat, Utc};
use helpdesk::sla::{BusinessCalendar, CalendarSpec};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    calendar: Value,
    start: String,
    #[serde(default)]
    minutes: Option<Value>,
    #[serde(default)]
    end: Option<String>,
}

/// Calendars by JSON text (an `Err` is cached too, as its message).
type Cache = HashMap<String, Result<BusinessCalendar, String>>;

fn parse_instant(what: &str, text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("invalid {what} {text:?}: {e}"))
}

fn handle(line: &str, cache: &mut Cache) -> Result<Value, String> {
    let req: Request = serde_json::from_str(line).map_err(|e| format!("invalid request: {e}"))?;
    // Canonical text (object keys sorted), so equal calendars share an entry.
    let key = req.calendar.to_string();
    if !cache.contains_key(&key) {
        let cal = CalendarSpec::deserialize(&req.calendar)
            .map_err(|e| format!("invalid calendar: {e}"))
            .and_then(|spec| {
                BusinessCalendar::from_spec(&spec).map_err(|e| format!("invalid calendar: {e}"))
            });
        cache.insert(key.clone(), cal);
    }
    let cal = match cache.get(&key) {
        Some(Ok(cal)) => cal,
        Some(Err(e)) => return Err(e.clone()),
        None => return Err("internal: calendar cache miss".to_owned()),
    };
    let start = parse_instant("start", &req.start)?;
    match (req.minutes, req.end) {
        (Some(m), None) => {
            let minutes = m
                .as_u64()
                .and_then(|m| u32::try_from(m).ok())
                .ok_or_else(|| {
                    format!("invalid minutes {m}: expected a whole number 0..=4294967295")
                })?;
            let due = cal.add(start, minutes).map_err(|e| e.to_string())?;
            Ok(serde_json::json!({ "due": due.to_rfc3339_opts(SecondsFormat::Secs, true) }))
        }
        (None, Some(end)) => {
            let end = parse_instant("end", &end)?;
            let minutes = cal.between_minutes(start, end).map_err(|e| e.to_string())?;
            Ok(serde_json::json!({ "minutes": minutes }))
        }
        _ => Err("expected exactly one of \"minutes\" and \"end\"".to_owned()),
    }
}

fn main() -> std::io::Result<()> {
    let started = Instant::now();
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut cache = Cache::new();
    let mut processed: u64 = 0;
    for line in stdin.lines() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                // Not valid UTF-8 (or a read error): report it on this line.
                processed += 1;
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({ "error": format!("unreadable line: {e}") })
                )?;
                if e.kind() == std::io::ErrorKind::InvalidData {
                    continue;
                }
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        processed += 1;
        let reply = handle(&line, &mut cache).unwrap_or_else(|e| serde_json::json!({ "error": e }));
        writeln!(out, "{reply}")?;
    }
    out.flush()?;
    let secs = started.elapsed().as_secs_f64();
    let rate = if secs > 0.0 {
        processed as f64 / secs
    } else {
        0.0
    };
    eprintln!("processed {processed} lines in {secs:.3} s ({rate:.0} lines/s)");
    Ok(())
}
