//! The serde form of a calendar.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One interval as `["HH:MM", "HH:MM"]` (start, end; `"24:00"` allowed as
/// the end, `HH:MM:SS` accepted too).
pub type IntervalSpec = [String; 2];

/// The plain-data (serde) description of a
/// [`BusinessCalendar`](crate::sla::BusinessCalendar), in this JSON shape:
///
/// ```json
/// {"tz": "Europe/Warsaw",
///  "week": {"mon": [["08:00","16:00"]], "tue": [["08:00","12:00"],["13:00","17:00"]]},
///  "holidays": ["2026-12-25"],
///  "yearly_holidays": ["12-24"],
///  "extra_days": {"2026-12-27": [["10:00","14:00"]]}}
/// ```
///
/// Only `tz` is required; a missing weekday or field means "none".
/// Unknown fields are rejected (so a typo such as `"holiday"` is an error,
/// not a silently ignored setting). Validation happens in
/// [`BusinessCalendar::from_spec`](crate::sla::BusinessCalendar::from_spec).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// IANA time zone name, e.g. `"Europe/Warsaw"`.
    pub tz: String,
    /// Working intervals per weekday, in local wall time.
    #[serde(default)]
    pub week: WeekSpec,
    /// One-off holidays as `YYYY-MM-DD` local dates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<String>,
    /// Holidays recurring every year, as `MM-DD` (`02-29` applies in leap
    /// years only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub yearly_holidays: Vec<String>,
    /// Dates (`YYYY-MM-DD`) with their own intervals, overriding both the
    /// weekday's intervals and any holiday on that date. An empty list makes
    /// the date a day off.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra_days: BTreeMap<String, Vec<IntervalSpec>>,
}

/// Working intervals for each weekday of a [`CalendarSpec`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeekSpec {
    /// Monday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mon: Vec<IntervalSpec>,
    /// Tuesday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tue: Vec<IntervalSpec>,
    /// Wednesday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wed: Vec<IntervalSpec>,
    /// Thursday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thu: Vec<IntervalSpec>,
    /// Friday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fri: Vec<IntervalSpec>,
    /// Saturday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sat: Vec<IntervalSpec>,
    /// Sunday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sun: Vec<IntervalSpec>,
}

impl WeekSpec {
    /// The seven days Monday first, with their short names.
    pub(crate) fn days(&self) -> [(&'static str, &[IntervalSpec]); 7] {
        [
            ("mon", &self.mon),
            ("tue", &self.tue),
            ("wed", &self.wed),
            ("thu", &self.thu),
            ("fri", &self.fri),
            ("sat", &self.sat),
            ("sun", &self.sun),
        ]
    }

    /// Mutable access by weekday index (Monday = 0).
    pub(crate) fn day_mut(&mut self, index: usize) -> &mut Vec<IntervalSpec> {
        match index {
            0 => &mut self.mon,
            1 => &mut self.tue,
            2 => &mut self.wed,
            3 => &mut self.thu,
            4 => &mut self.fri,
            5 => &mut self.sat,
            _ => &mut self.sun,
        }
    }
}
