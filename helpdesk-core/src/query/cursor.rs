//! Keyset cursors: where the next page of a list starts.

use crate::error::{Error, Result};
use crate::model::{Priority, Ticket, TicketNumber};
use crate::query::sort::{Position, Sort, SortKey, SortOrder, SortValue};
use chrono::DateTime;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

const VERSION: &str = "q1";

/// An opaque, URL-safe cursor: the sort key values and the number of the
/// last row of a page. The next page holds the rows strictly after that
/// position in the sort order (keyset paging, no offset), so rows inserted
/// or changed between two fetches never make a row that kept its sort
/// values appear twice or go missing.
///
/// A cursor is only valid with the [`Sort`] it was made for; using it with
/// another sort (or passing a damaged string) is
/// [`Error::Validation`] on field `cursor`.
///
/// ```
/// use chrono::Utc;
/// use helpdesk_core::model::{Channel, ContactId, Ticket, WorkspaceId};
/// use helpdesk_core::query::{Cursor, Sort, SortKey};
///
/// let ticket = Ticket::new(WorkspaceId::new(), "Hi", ContactId::new(), Channel::Email, Utc::now());
/// let sort = Sort::asc(SortKey::Due);
/// let cursor = Cursor::after(&sort, &ticket);
/// assert_eq!(cursor.position(&sort).unwrap(), sort.position(&ticket));
/// assert!(cursor.position(&Sort::desc(SortKey::Due)).is_err());
/// let parsed: Cursor = cursor.as_str().parse().unwrap();
/// assert_eq!(parsed, cursor);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

fn signature(sort: &Sort) -> String {
    if sort.by.is_empty() {
        return "_".into();
    }
    sort.by
        .iter()
        .map(|b| match b.order {
            SortOrder::Asc => b.key.code(),
            SortOrder::Desc => b.key.code().to_ascii_uppercase(),
        })
        .collect()
}

fn bad(reason: &str) -> Error {
    Error::validation("cursor", reason)
}

fn encode_value(v: &SortValue) -> String {
    match v {
        SortValue::Number(n) => n.to_string(),
        SortValue::Priority(p) => (*p as u8).to_string(),
        SortValue::Time(None) => "z".into(),
        SortValue::Time(Some(t)) => format!("{}_{}", t.timestamp(), t.timestamp_subsec_nanos()),
    }
}

fn decode_value(key: SortKey, s: &str) -> Result<SortValue> {
    let num = |s: &str| s.parse::<u64>().map_err(|_| bad("not a number"));
    Ok(match key {
        SortKey::Number => SortValue::Number(num(s)?),
        SortKey::Priority => SortValue::Priority(match num(s)? {
            0 => Priority::Low,
            1 => Priority::Normal,
            2 => Priority::High,
            3 => Priority::Urgent,
            _ => return Err(bad("unknown priority")),
        }),
        SortKey::Created | SortKey::Updated | SortKey::LastActivity | SortKey::Due => {
            if s == "z" {
                if key != SortKey::Due {
                    return Err(bad("this time is never empty"));
                }
                SortValue::Time(None)
            } else {
                let (secs, nanos) = s.split_once('_').ok_or_else(|| bad("not a time"))?;
                let secs = secs.parse::<i64>().map_err(|_| bad("not a time"))?;
                let nanos = nanos.parse::<u32>().map_err(|_| bad("not a time"))?;
                let t = DateTime::from_timestamp(secs, nanos).ok_or_else(|| bad("not a time"))?;
                SortValue::Time(Some(t))
            }
        }
    })
}

impl Cursor {
    /// The cursor just after `ticket` in `sort`.
    pub fn after(sort: &Sort, ticket: &Ticket) -> Self {
        Self::at(sort, &sort.position(ticket))
    }

    /// The cursor just after `position` in `sort`.
    pub fn at(sort: &Sort, position: &Position) -> Self {
        let mut s = format!("{VERSION}.{}", signature(sort));
        for v in &position.values {
            s.push('.');
            s.push_str(&encode_value(v));
        }
        s.push('.');
        s.push_str(&position.number.0.to_string());
        Cursor(s)
    }

    /// The position the cursor stands at, checked against `sort`.
    pub fn position(&self, sort: &Sort) -> Result<Position> {
        let mut parts = self.0.split('.');
        if parts.next() != Some(VERSION) {
            return Err(bad("unknown cursor format"));
        }
        if parts.next() != Some(signature(sort).as_str()) {
            return Err(bad("the cursor belongs to another sort order"));
        }
        let mut values = Vec::with_capacity(sort.by.len());
        for by in &sort.by {
            let part = parts.next().ok_or_else(|| bad("cursor too short"))?;
            values.push(decode_value(by.key, part)?);
        }
        let number = parts
            .next()
            .ok_or_else(|| bad("cursor too short"))?
            .parse::<u64>()
            .map_err(|_| bad("not a ticket number"))?;
        if parts.next().is_some() {
            return Err(bad("cursor too long"));
        }
        Ok(Position {
            values,
            number: TicketNumber(number),
        })
    }

    /// The cursor as a string (to hand to a client).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The cursor as a string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Cursor {
    type Err = Error;
    /// Accepts any string of URL-safe characters; whether it is a valid
    /// cursor is checked against the sort when it is used.
    fn from_str(s: &str) -> Result<Self> {
        if s.is_empty()
            || s.len() > 1024
            || !s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(bad("not a cursor"));
        }
        Ok(Cursor(s.to_string()))
    }
}

impl From<String> for Cursor {
    /// Wraps a string received from a client (checked when used).
    fn from(s: String) -> Self {
        Cursor(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, ContactId, WorkspaceId};
    use chrono::{TimeZone, Utc};

    #[test]
    fn cursors_round_trip_every_key() {
        let t0 = Utc.with_ymd_and_hms(1969, 3, 2, 9, 0, 0).unwrap()
            + chrono::Duration::nanoseconds(123_456_789);
        let mut t = Ticket::new(
            WorkspaceId::new(),
            "x",
            ContactId::new(),
            Channel::Email,
            t0,
        );
        t.number = TicketNumber(42);
        let mut sort = Sort::desc(SortKey::Number);
        for k in SortKey::ALL {
            sort = sort.then_asc(k).then_desc(k);
        }
        let c = Cursor::after(&sort, &t);
        assert_eq!(c.position(&sort).unwrap(), sort.position(&t));
        assert!(c.as_str().parse::<Cursor>().is_ok());
        assert!(
            Cursor::from("q1._.x".to_string())
                .position(&Sort { by: vec![] })
                .is_err()
        );
        assert!(
            Cursor::from("q1._.7.8".to_string())
                .position(&Sort { by: vec![] })
                .is_err()
        );
        assert!(
            Cursor::from("q1.C.z.8".to_string())
                .position(&Sort::desc(SortKey::Created))
                .is_err()
        );
        assert!("has space".parse::<Cursor>().is_err());
    }
}
