//! The sender of a mail forwarded into the helpdesk: a shop's staff member
//! gets a customer's mail in their own mailbox and forwards it to
//! `support@`. The ticket's requester is then the customer, not the staff
//! member ([`Mailbox::forwarder`](crate::engine::Mailbox::forwarder)), as
//! Zendesk and Freshdesk do it for their agents.
//!
//! The customer is read from the forwarded mail's header block, as mail
//! programs write it in the text: after a forward separator (Gmail's
//! `---------- Forwarded message ---------`, Outlook's `-----Original
//! Message-----`, Apple Mail's `Begin forwarded message:`, and their
//! translations) or as Outlook's `From: / Sent:` block, the first `From:`
//! line (`Von:`, `Od:`, `De:`, `Da:`... in the languages reply trimming
//! knows) and its address (`Ann <ann@x>`, `Ann [mailto:ann@x]`, `ann@x`).

use super::parse::Address;
use super::text::fold;
use super::trim::{
    HEADER_FROM, ORIGINAL_MESSAGE, is_forward_separator, plain_colons, separator_title,
};

/// How many lines after a separator are looked through for the `From:`
/// line (the header block comes right after it).
const HEADER_LINES: usize = 8;

/// The sender of the mail forwarded in `text` (see the module docs);
/// `None` when `text` holds no forwarded mail with a sender address.
///
/// ```
/// use helpdesk_core::mail::forwarded_sender;
/// let text = "Please have a look.\n\n---------- Forwarded message ---------\nFrom: Ann Nowak <ann@customer.example>\nDate: Mon, 2 Mar 2026\nSubject: Broken lamp\n\nThe lamp arrived broken.";
/// let sender = forwarded_sender(text).unwrap();
/// assert_eq!((sender.name.as_deref(), sender.email.as_str()), (Some("Ann Nowak"), "ann@customer.example"));
/// ```
pub fn forwarded_sender(text: &str) -> Option<super::parse::Address> {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        let separator = is_forward_separator(trimmed)
            || ((trimmed.starts_with("---") || trimmed.starts_with("___"))
                && ORIGINAL_MESSAGE.contains(&separator_title(trimmed).as_str()));
        let start = if separator {
            i + 1
        } else if from_value(trimmed).is_some() {
            // Outlook's block without a separator: `From:` itself.
            i
        } else {
            continue;
        };
        let found = lines
            .iter()
            .skip(start)
            .take(HEADER_LINES)
            .find_map(|l| from_value(l.trim()))
            .and_then(address_of);
        if found.is_some() {
            return found;
        }
        if separator {
            // (A separator whose block names no sender: none further down
            // is the forwarded mail's.)
            return None;
        }
    }
    None
}

/// The value of a `From:` line of a header block (its name in any of the
/// languages of [`HEADER_FROM`], bold stars around it allowed), or `None`.
fn from_value(trimmed: &str) -> Option<&str> {
    let line = trimmed.trim_start_matches('*');
    let colon = line.find([':', '\u{ff1a}'])?;
    // (A header name is short: `From`, `Von`, `发件人`, `보낸 사람`.)
    if colon > 16 {
        return None;
    }
    let name = line.get(..colon)?.trim_end_matches('*');
    let folded = plain_colons(fold(&format!("{name}:")));
    if !HEADER_FROM.contains(&folded.as_str()) {
        return None;
    }
    let colon_len = line.get(colon..)?.chars().next()?.len_utf8();
    Some(
        line.get(colon + colon_len..)?
            .trim_start_matches('*')
            .trim(),
    )
}

/// The address in a `From:` value (of a forwarded header block, or a
/// header such as `X-Original-From`): `Name <address>`, `Name
/// [mailto:address]`, or a bare address; `None` without a plausible one.
pub(crate) fn address_of(value: &str) -> Option<Address> {
    let (name, email) = if let Some((name, rest)) = value.split_once('<') {
        (name, rest.split('>').next().unwrap_or_default())
    } else if let Some((name, rest)) = value.split_once("[mailto:") {
        (name, rest.split(']').next().unwrap_or_default())
    } else {
        let token = value
            .split_whitespace()
            .find(|t| t.contains('@'))?
            .trim_matches(|c: char| {
                !(c.is_alphanumeric() || c == '@' || c == '.' || c == '-' || c == '_' || c == '+')
            });
        ("", token)
    };
    let email = email.trim().trim_start_matches("mailto:");
    if !crate::model::is_plausible_email(email) {
        return None;
    }
    let name = name.trim().trim_matches(['"', '\'', '*']).trim();
    Some(Address {
        name: (!name.is_empty() && !name.contains('@')).then(|| name.to_string()),
        email: email.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::forwarded_sender;

    fn sender(text: &str) -> Option<(Option<String>, String)> {
        forwarded_sender(text).map(|a| (a.name, a.email))
    }

    #[test]
    fn the_forwarded_mails_sender_is_found() {
        for (text, name, email) in [
            // Gmail.
            (
                "FYI\n\n---------- Forwarded message ---------\nFrom: *Ann Nowak* <ann@customer.example>\nDate: Mon\nSubject: Lamp\nTo: <jan@shop.example>\n\nBroken.",
                Some("Ann Nowak"),
                "ann@customer.example",
            ),
            // Outlook, English and German, with its mailto form.
            (
                "Please handle.\n\n-----Original Message-----\nFrom: Ann Nowak [mailto:ann@customer.example]\nSent: Monday\nTo: Jan\nSubject: Lamp\n\nBroken.",
                Some("Ann Nowak"),
                "ann@customer.example",
            ),
            (
                "Bitte.\n\n________________________________\nVon: Anna Berger <anna@kunde.example>\nGesendet: Montag\nAn: Jan\nBetreff: Lampe\n\nKaputt.",
                Some("Anna Berger"),
                "anna@kunde.example",
            ),
            // Polish Outlook without a separator; a bare address.
            (
                "Prosz\u{119} o kontakt.\n\nOd: ewa@klient.example\nWys\u{142}ano: poniedzia\u{142}ek\nDo: Jan\nTemat: Lampa\n\nZepsuta.",
                None,
                "ewa@klient.example",
            ),
            // Apple Mail.
            (
                "Hi\n\nBegin forwarded message:\n\nFrom: \"Ann\" <ann@customer.example>\nSubject: Lamp\nDate: 2 March 2026\n\nBroken.",
                Some("Ann"),
                "ann@customer.example",
            ),
        ] {
            assert_eq!(
                sender(text),
                Some((name.map(str::to_string), email.to_string())),
                "{text}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// Any text: no panic, and a sender found is a plausible address
        /// that the text holds.
        #[test]
        fn any_text_gives_a_plausible_sender_or_none(parts in proptest::collection::vec(proptest::sample::select(vec![
            "\n", " ", "From:", "Von: ", "*From:*", "Od:", "\u{53d1}\u{4ef6}\u{4eba}\u{ff1a}", "Ann", "<", ">", "[mailto:", "]",
            "ann@x.example", "@", "---------- Forwarded message ---------", "-----Original Message-----",
            "Begin forwarded message:", "Sent: Monday", "\u{17c}\u{f3}\u{142}w", "\"", "*",
        ]), 0..30)) {
            let text: String = parts.concat();
            if let Some(a) = forwarded_sender(&text) {
                proptest::prop_assert!(crate::model::is_plausible_email(&a.email));
                proptest::prop_assert!(text.contains(&a.email));
            }
        }
    }

    #[test]
    fn no_forwarded_mail_no_sender() {
        for text in [
            "Hello, where is my parcel?",
            // A separator whose block has no address.
            "x\n---------- Forwarded message ---------\nFrom: Ann\nSubject: y\n\nz",
            // A customer's own `From:` line in a sentence is no header.
            "The parcel came from: Warsaw <depot>, not from you.",
            "",
        ] {
            assert_eq!(sender(text), None, "{text}");
        }
    }
}
