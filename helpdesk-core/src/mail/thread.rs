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

/// The Message-IDs at `domain` that `text` quotes in angle brackets (as a
/// bounce without a delivery report quotes the headers of the message it
/// returns: `Message-ID: <...@domain>`), without the brackets, in order,
/// without duplicates; at most `limit` of them.
///
/// ```
/// use helpdesk_core::mail::quoted_ids_at;
/// let bounce = "Sorry.\n--- Below this line is a copy of the message.\n\
///     Message-ID: <hd.abc@mail.shop.example>\nIn-Reply-To: <x@customer.example>\n";
/// assert_eq!(quoted_ids_at(bounce, "mail.shop.example", 8), vec!["hd.abc@mail.shop.example"]);
/// assert!(quoted_ids_at(bounce, "other.example", 8).is_empty());
/// ```
pub fn quoted_ids_at<'a>(text: &'a str, domain: &str, limit: usize) -> Vec<&'a str> {
    let domain = domain.trim().trim_start_matches('@');
    let mut out: Vec<&str> = Vec::new();
    if domain.is_empty() {
        return out;
    }
    for open in memchr::memchr_iter(b'<', text.as_bytes()) {
        if out.len() >= limit {
            break;
        }
        let Some(after) = text.get(open + 1..) else {
            continue;
        };
        // (An id has no `<` nor white space in it: the scan stops there
        // too, so that every byte is looked at once, whatever the text.)
        let Some(close) = after
            .bytes()
            .position(|b| b == b'>' || b == b'<' || b.is_ascii_whitespace())
            .filter(|&end| after.as_bytes().get(end) == Some(&b'>'))
        else {
            continue;
        };
        let id = after.get(..close).unwrap_or_default();
        let at_domain = id
            .rsplit_once('@')
            .is_some_and(|(local, d)| !local.is_empty() && d.eq_ignore_ascii_case(domain));
        if at_domain && !id.contains(char::is_whitespace) && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// The Message-ID at `domain` of the message whose headers `text` quotes
/// (as a bounce without a delivery report returns them): the id in angle
/// brackets on the first `Message-ID:` line (any case, indented or not)
/// that is at `domain`. Ids on other lines (`In-Reply-To:`, `References:`)
/// name other messages.
///
/// ```
/// use helpdesk_core::mail::quoted_message_id_at;
/// let bounce = "------ This is a copy of the message, including all the headers.\n\
///     References: <hd.first@mail.shop.example>\n\
///     Message-ID: <hd.second@mail.shop.example>\n";
/// assert_eq!(
///     quoted_message_id_at(bounce, "mail.shop.example"),
///     Some("hd.second@mail.shop.example")
/// );
/// assert_eq!(quoted_message_id_at(bounce, "other.example"), None);
/// ```
pub fn quoted_message_id_at<'a>(text: &'a str, domain: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let line = line.trim_start();
        let value = line
            .get(..11)
            .filter(|name| name.eq_ignore_ascii_case("message-id:"))
            .and_then(|_| line.get(11..))?;
        quoted_ids_at(value, domain, 1).first().copied()
    })
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
    subject_tags(subject).first().copied()
}

/// The most subject tags [`subject_tags`] gives (each is a ticket looked up
/// while threading).
pub const MAX_SUBJECT_TAGS: usize = 4;

/// Every ticket number a subject tags (`[#123]`), the last first, without
/// repeats, at most [`MAX_SUBJECT_TAGS`]: a subject that went through
/// another helpdesk can carry its tag after ours (`Re: [#12] Lamp [#4711]`),
/// so threading tries each.
///
/// ```
/// use helpdesk_core::mail::subject_tags;
/// assert_eq!(subject_tags("Re: [#12] Lamp [#4711]"), vec![4711, 12]);
/// assert!(subject_tags("no tag").is_empty());
/// ```
pub fn subject_tags(subject: &str) -> Vec<u64> {
    let mut found = Vec::new();
    let mut rest = subject;
    while let Some(start) = rest.find("[#") {
        let after = rest.get(start + 2..).unwrap_or_default();
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0
            && after
                .get(digits..)
                .is_some_and(|tail| tail.starts_with(']'))
            && let Some(Ok(n)) = after.get(..digits).map(str::parse::<u64>)
        {
            found.retain(|&m| m != n);
            found.push(n);
        }
        rest = after;
    }
    found.reverse();
    found.truncate(MAX_SUBJECT_TAGS);
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
        assert_eq!(subject_tags("Re: a [#12] b [#13]"), vec![13, 12]);
        assert_eq!(subject_tags("[#1] [#2] [#1]"), vec![1, 2]);
        assert_eq!(subject_tags("[#1][#2][#3][#4][#5][#6]"), vec![6, 5, 4, 3]);
        assert_eq!(subject_tags("[#99999999999999999999999] [#7]"), vec![7]);
        assert_eq!(subject_tag("[#12"), None);
        assert_eq!(subject_tag("[#]"), None);
        assert_eq!(subject_tag("[#99999999999999999999999]"), None);
        assert_eq!(subject_tag("ąę [#7] ść"), Some(7));
        assert_eq!(format_subject_tag(5), "[#5]");
    }

    #[test]
    fn quoted_ids() {
        let text = "<a@d.example> <A@D.EXAMPLE> <a@d.example> <b @d.example> <c@x.example> <@d.example> <d@d.example";
        assert_eq!(
            quoted_ids_at(text, "d.example", 8),
            vec!["a@d.example", "A@D.EXAMPLE"]
        );
        assert_eq!(quoted_ids_at(text, "@d.example", 1), vec!["a@d.example"]);
        assert!(quoted_ids_at(text, "", 8).is_empty());
    }

    proptest::proptest! {
        /// Every id found is a bracketed stretch of the text at the domain,
        /// without white space; no more than the limit, none twice.
        #[test]
        fn quoted_ids_are_bracketed_ids_at_the_domain(
            text in "([<>@ a-z.\n]|d\\.example|ö){0,80}",
            limit in 0usize..4,
        ) {
            let ids = quoted_ids_at(&text, "d.example", limit);
            proptest::prop_assert!(ids.len() <= limit);
            for (i, id) in ids.iter().enumerate() {
                let bracketed = format!("<{id}>");
                proptest::prop_assert!(text.contains(&bracketed));
                proptest::prop_assert!(id.to_ascii_lowercase().ends_with("@d.example"));
                proptest::prop_assert!(!id.contains(char::is_whitespace));
                proptest::prop_assert!(!ids[..i].contains(id));
            }
        }
    }
}
