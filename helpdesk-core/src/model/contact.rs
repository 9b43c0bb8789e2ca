//! Customer contacts.

use crate::model::ids::{ContactId, OrganizationId, WorkspaceId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A customer. Tickets link to a contact by email or external id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Unique id.
    pub id: ContactId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// Display name.
    pub name: Option<String>,
    /// Email addresses, lowercase; unique per workspace across contacts.
    pub emails: Vec<String>,
    /// Phone numbers.
    pub phones: Vec<String>,
    /// Id of the contact in the host application (e.g. passed by a widget).
    pub external_id: Option<String>,
    /// Marketplace logins by marketplace name (e.g. `allegro` -> `buyer123`).
    pub marketplace_logins: BTreeMap<String, String>,
    /// The company the contact belongs to.
    pub organization: Option<OrganizationId>,
    /// Mail from a blocked contact is treated as spam.
    pub blocked: bool,
    /// The contact this one was merged into
    /// ([`Helpdesk::merge_contacts`](crate::engine::Helpdesk::merge_contacts)):
    /// its addresses, phones and open tickets went there; it stays, with its
    /// name, for the messages and events that name it and for its Archived
    /// tickets, which never change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<ContactId>,
    /// The contacts merged into this one, directly (each has
    /// [`merged_into`](Contact::merged_into) pointing here): where the
    /// customer's earlier tickets and history are found
    /// ([`Helpdesk::customer_tickets`](crate::engine::Helpdesk::customer_tickets)),
    /// and what erasing the customer erases too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<ContactId>,
    /// Compare-and-set version: 1 once the contact is stored, one more for
    /// every commit that changes it since (0 on a contact never stored). A
    /// write of a contact read at an older version is a
    /// [`Conflict`](crate::Error::Conflict): nothing another writer changed
    /// in between is lost (see [`ContactWrite`](crate::ports::ContactWrite)).
    #[serde(default)]
    pub version: u64,
}

impl Contact {
    /// A new contact with one email address (stored lowercase and trimmed).
    pub fn with_email(workspace: WorkspaceId, email: &str, name: Option<String>) -> Self {
        Self {
            id: ContactId::new(),
            workspace,
            name,
            emails: vec![normalize_email(email)],
            phones: Vec::new(),
            external_id: None,
            marketplace_logins: BTreeMap::new(),
            organization: None,
            blocked: false,
            merged_into: None,
            merged_from: Vec::new(),
            version: 0,
        }
    }

    /// Whether the contact owns this email address (case-insensitive).
    pub fn has_email(&self, email: &str) -> bool {
        let email = normalized_email(email);
        self.emails.iter().any(|e| *e == email)
    }
}

/// Normalises an e-mail address for comparison: trims whitespace, removes
/// surrounding angle brackets and a `mailto:` prefix, and lower-cases it.
///
/// ```
/// assert_eq!(helpdesk_core::model::normalize_email(" <Jane.Doe@Example.COM> "), "jane.doe@example.com");
/// ```
pub fn normalize_email(email: &str) -> String {
    let mut s = email.trim();
    // Until nothing more comes off (`<<a@b>>`, `<mailto:a@b>`): so that
    // normalising twice gives what normalising once does, and one address
    // is one key wherever it is normalised.
    loop {
        let before = s.len();
        if let Some(rest) = s.strip_prefix('<') {
            s = rest.strip_suffix('>').unwrap_or(rest).trim();
        }
        if s.len() >= 7
            && s.get(..7)
                .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
        {
            s = s.get(7..).unwrap_or("").trim();
        }
        if s.len() == before {
            break;
        }
    }
    if s.is_ascii() {
        // The common case, without `to_lowercase`'s Unicode tables.
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// [`normalize_email`] without a copy when `email` is already normalised
/// (lowercase ASCII, no surrounding space, brackets or `mailto:`): for
/// comparisons and lookups on hot paths.
///
/// ```
/// use helpdesk_core::model::{normalize_email, normalized_email};
/// assert!(matches!(normalized_email("ann@example.com"), std::borrow::Cow::Borrowed(_)));
/// assert_eq!(normalized_email(" <Ann@Example.com>"), normalize_email(" <Ann@Example.com>"));
/// ```
pub fn normalized_email(email: &str) -> std::borrow::Cow<'_, str> {
    // (Every byte is tested, without an early exit, so that the loop is
    // vectorised: addresses are short, and this runs for each of them.)
    // (Printable ASCII only: a space or a control character, which `trim`
    // may remove — `\x0b` is no `is_ascii_whitespace` but is trimmed —
    // goes the long way.)
    let plain = email.bytes().fold(true, |plain, c| {
        plain & c.is_ascii_graphic() & !c.is_ascii_uppercase() & (c != b'<')
    }) && !email.starts_with("mailto:");
    if plain {
        std::borrow::Cow::Borrowed(email)
    } else {
        std::borrow::Cow::Owned(normalize_email(email))
    }
}

/// Checks that an address looks like `local@domain` (no spaces, one `@`,
/// non-empty parts). Full RFC 5322 validation is the mail parser's job.
pub fn is_plausible_email(email: &str) -> bool {
    let email = email.trim();
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !has_space_or_control(email)
        }
        None => false,
    }
}

/// Whether `s` has white space or a control character (bytes compared
/// when it is ASCII, as it nearly always is: this runs for every address
/// of every mail).
fn has_space_or_control(s: &str) -> bool {
    if s.is_ascii() {
        // (ASCII white space is the space and control characters.)
        s.bytes().any(|b| b == b' ' || b.is_ascii_control())
    } else {
        s.chars().any(|c| c.is_whitespace() || c.is_control())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn space_or_control_as_chars_say(s in "[ a-z@.\t\n\r\x00-\x1f\x7f\u{a0}\u{85}\u{2028}\u{3000}\u{e9}]{0,12}") {
            proptest::prop_assert_eq!(
                has_space_or_control(&s),
                s.chars().any(|c| c.is_whitespace() || c.is_control())
            );
        }

        #[test]
        fn normalized_is_normalize(email in "[ <>a-zA-Z0-9@.:+\u{e9}\u{130}\t\n\r\x00-\x1f\x7f\u{a0}\u{85}\u{2028}-]{0,24}") {
            proptest::prop_assert_eq!(normalized_email(&email), normalize_email(&email));
        }
    }

    /// Normalising is idempotent (nested brackets, `mailto:` inside
    /// brackets): `<<a@b>>` once normalised is a key that normalises to
    /// itself (found by the ingest fuzz harness: two contacts of one
    /// address in one commit).
    #[test]
    fn normalizing_twice_is_normalizing_once() {
        for raw in [
            "<<Support@S>>",
            "<mailto:<a@b>>",
            "mailto:<A@B>",
            " < <a@b> > ",
        ] {
            let once = normalize_email(raw);
            assert_eq!(normalize_email(&once), once, "{raw:?}");
            assert_eq!(normalized_email(&once), once, "{raw:?}");
        }
        assert_eq!(normalize_email("<<Support@S>>"), "support@s");
    }

    fn address_like() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        proptest::collection::vec(
            prop_oneof![
                Just("<".to_string()),
                Just(">".to_string()),
                Just(" ".to_string()),
                Just("mailto:".to_string()),
                Just("MailTo:".to_string()),
                "[a-zA-Z@.\x0b\t\u{e9}\u{130}]{1,3}",
            ],
            0..10,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest::proptest! {
        #[test]
        fn normalize_is_idempotent_and_normalized_agrees(email in address_like()) {
            let once = normalize_email(&email);
            proptest::prop_assert_eq!(&normalize_email(&once), &once);
            proptest::prop_assert_eq!(normalized_email(&once), once.as_str());
            proptest::prop_assert_eq!(normalized_email(&email), once.as_str());
        }
    }

    /// A vertical tab (`\x0b`) is trimmed by `normalize_email` but is no
    /// ASCII white space: `normalized_email` must trim it too, or the same
    /// address is two contacts within one ingest (found by the ingest fuzz
    /// harness: a commit creating two contacts of one address, refused
    /// on every retry).
    #[test]
    fn a_trailing_vertical_tab_is_trimmed_both_ways() {
        assert_eq!(normalized_email("ann@example.com\x0b"), "ann@example.com");
        let c = Contact::with_email(WorkspaceId::new(), "ann@example.com\x0b", None);
        assert!(c.has_email("ann@example.com\x0b"));
    }

    #[test]
    fn emails_are_normalised_and_matched_case_insensitively() {
        let c = Contact::with_email(WorkspaceId::new(), " Ann@Example.COM ", None);
        assert_eq!(c.emails, vec!["ann@example.com"]);
        assert!(c.has_email("ANN@example.com"));
        assert!(!c.has_email("bob@example.com"));
    }

    #[test]
    fn plausible_emails() {
        assert!(is_plausible_email("a@b"));
        assert!(!is_plausible_email("a@"));
        assert!(!is_plausible_email("@b"));
        assert!(!is_plausible_email("a b@c"));
        assert!(!is_plausible_email("a@b@c"));
        assert!(!is_plausible_email("abc"));
    }
}
