//! Threading helpers: the ids a reply points at and the subject tag.

use crate::mail::InboundMail;

/// The Message-IDs an inbound mail refers to, most specific first:
/// In-Reply-To, then References from the newest to the oldest, without
/// duplicates.
pub fn referenced_ids(mail: &InboundMail) -> Vec<String> {
    referenced(mail).into_iter().map(str::to_string).collect()
}

/// [`referenced_ids`], borrowed from `mail`.
pub(crate) fn referenced(mail: &InboundMail) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for id in mail.in_reply_to.iter().chain(mail.references.iter().rev()) {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        if !id.is_empty() && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// The ticket number of a subject tag `[#123]`, if the subject has one (the
/// last tag wins when there are several).
///
/// ```
/// use helpdesk_core::mail::subject_tag;
/// assert_eq!(subject_tag("Re: Broken lamp [#42]"), Some(42));
/// assert_eq!(subject_tag("Re: [#x] nothing"), None);
/// ```
pub fn subject_tag(subject: &str) -> Option<u64> {
    let mut found = None;
    let mut rest = subject;
    while let Some(start) = rest.find("[#") {
        let after = &rest[start + 2..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty()
            && after[digits.len()..].starts_with(']')
            && let Ok(n) = digits.parse::<u64>()
        {
            found = Some(n);
        }
        rest = after;
    }
    found
}

/// The subject tag for ticket `number`: `[#123]`.
pub fn format_subject_tag(number: u64) -> String {
    format!("[#{number}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(subject_tag("[#1]"), Some(1));
        assert_eq!(subject_tag("Re: a [#12] b [#13]"), Some(13));
        assert_eq!(subject_tag("[#12"), None);
        assert_eq!(subject_tag("[#]"), None);
        assert_eq!(subject_tag("[#99999999999999999999999]"), None);
        assert_eq!(subject_tag("ąę [#7] ść"), Some(7));
        assert_eq!(format_subject_tag(5), "[#5]");
    }
}
