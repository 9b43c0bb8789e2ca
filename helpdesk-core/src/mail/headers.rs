//! The top-level headers of an inbound mail, stored compactly: every name
//! and value in one string, so that parsing a mail does not allocate two
//! strings per header.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::HeaderField;

/// The top-level headers of an inbound mail, in order: names as written,
/// values decoded for unstructured headers and otherwise raw, unfolded and
/// trimmed. Lookups by name ignore ASCII case.
///
/// Serialised as a list of [`HeaderField`]s.
///
/// ```
/// use helpdesk_core::mail::Headers;
/// let mut headers = Headers::default();
/// headers.push("Subject", "Printer");
/// headers.push("X-Loop", "a");
/// headers.push("x-loop", "b");
/// assert_eq!(headers.get("subject"), Some("Printer"));
/// assert_eq!(headers.get_all("X-LOOP").collect::<Vec<_>>(), ["a", "b"]);
/// assert_eq!(headers.iter().next(), Some(("Subject", "Printer")));
/// assert_eq!(headers.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Headers {
    /// Every name and value, one after the other.
    text: String,
    /// Per header: where its name starts, where its value starts (and its
    /// name ends) and where its value ends, in `text`.
    spans: Vec<(usize, usize, usize)>,
}

impl Headers {
    /// Room for `headers` headers of `bytes` bytes in all.
    pub fn with_capacity(headers: usize, bytes: usize) -> Self {
        Self {
            text: String::with_capacity(bytes),
            spans: Vec::with_capacity(headers),
        }
    }

    /// Appends a header.
    pub fn push(&mut self, name: &str, value: &str) {
        let start = self.text.len();
        self.text.push_str(name);
        let value_start = self.text.len();
        self.text.push_str(value);
        self.spans.push((start, value_start, self.text.len()));
    }

    /// Appends a header whose value is written by `write` (into the string
    /// it is given, after what is there).
    pub(crate) fn push_with(&mut self, name: &str, write: impl FnOnce(&mut String)) {
        let start = self.text.len();
        self.text.push_str(name);
        let value_start = self.text.len();
        write(&mut self.text);
        self.spans.push((start, value_start, self.text.len()));
    }

    /// The headers as `(name, value)` pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.spans.iter().map(|&(start, value_start, end)| {
            (
                self.text.get(start..value_start).unwrap_or_default(),
                self.text.get(value_start..end).unwrap_or_default(),
            )
        })
    }

    /// The first value of the header `name` (ASCII case ignored).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every value of the header `name` (ASCII case ignored), in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Whether a header `name` is present (ASCII case ignored).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

impl<'a> FromIterator<(&'a str, &'a str)> for Headers {
    fn from_iter<I: IntoIterator<Item = (&'a str, &'a str)>>(iter: I) -> Self {
        let mut headers = Headers::default();
        for (name, value) in iter {
            headers.push(name, value);
        }
        headers
    }
}

/// A header as serialised.
#[derive(Serialize)]
struct FieldRef<'a> {
    name: &'a str,
    value: &'a str,
}

impl Serialize for Headers {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(|(name, value)| FieldRef { name, value }))
    }
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = Vec::<HeaderField>::deserialize(deserializer)?;
        Ok(fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::Headers;

    #[test]
    fn serialises_as_a_list_of_fields() {
        let headers: Headers = [("From", "a@b.c"), ("Subject", "")].into_iter().collect();
        let json = serde_json::to_string(&headers).unwrap_or_default();
        assert_eq!(
            json,
            r#"[{"name":"From","value":"a@b.c"},{"name":"Subject","value":""}]"#
        );
        let back: Headers = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, headers);
    }

    #[test]
    fn empty_names_and_values_keep_their_places() {
        let mut headers = Headers::default();
        headers.push("", "x");
        headers.push("A", "");
        headers.push_with("B", |s| s.push_str("yz"));
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            [("", "x"), ("A", ""), ("B", "yz")]
        );
        assert!(headers.contains("b") && !headers.contains("c"));
    }
}
