//! `format=flowed` plain text (RFC 3676), as Thunderbird, Apple Mail and
//! many webmailers send it: a line ending in a space is continued on the
//! next line, so a paragraph arrives wrapped at about 72 characters. Its
//! text is read back as the sender wrote it, one line per paragraph, so
//! that a wrapped `On ... wrote:` line is one line for reply trimming and
//! a word broken over two lines is one word for search.

use std::borrow::Cow;

use mail_parser::MessagePart;

/// `Some(delsp)` when `part` is `text/plain` with `format=flowed`;
/// `delsp` is its `DelSp=yes` (the space that ends a flowed line was
/// added by the sender and is not part of the text). `None` for any other
/// part, a part without a `Content-Type` included.
pub(crate) fn flowed_params(part: &MessagePart<'_>) -> Option<bool> {
    use mail_parser::MimeHeaders;
    let ct = part.content_type()?;
    let flowed = ct.ctype().eq_ignore_ascii_case("text")
        && ct
            .subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("plain"))
        && ct
            .attribute("format")
            .is_some_and(|f| f.trim().eq_ignore_ascii_case("flowed"));
    flowed.then(|| {
        ct.attribute("delsp")
            .is_some_and(|d| d.trim().eq_ignore_ascii_case("yes"))
    })
}

/// `text`, the decoded text of `part`, with its flowed lines joined
/// ([`unflow`]) when `part` is `format=flowed` ([`flowed_params`]): what
/// both parse paths make of a plain-text part.
pub(crate) fn as_written<'a>(part: &MessagePart<'_>, text: Cow<'a, str>) -> Cow<'a, str> {
    match flowed_params(part) {
        Some(delsp) => match unflow(&text, delsp) {
            Cow::Owned(joined) => Cow::Owned(joined),
            Cow::Borrowed(_) => text,
        },
        None => text,
    }
}

/// The text of a `format=flowed` part, its flowed lines joined (RFC 3676
/// §4): a line that ends in a space (the signature separator `-- ` aside)
/// is joined with the next line of the same quote depth, without that
/// space when `delsp`; the space that stuffs an unquoted line (` From`) is
/// removed. A quoted paragraph keeps the quote marks of its first line;
/// lines end in `\n`. Unlike the RFC's strict reading, an empty line is
/// never joined to a flowed line before it, so that a stray space at the
/// end of a paragraph does not swallow the blank line after it.
///
/// Borrowed when there is nothing to join or unstuff.
pub(crate) fn unflow(text: &str, delsp: bool) -> Cow<'_, str> {
    if !text.ends_with(' ')
        && !text.starts_with(' ')
        && !text.contains(" \n")
        && !text.contains(" \r\n")
        && !text.contains("\n ")
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    // The quote depth of the paragraph the next line may continue.
    let mut joining: Option<usize> = None;
    for (i, segment) in text.split('\n').enumerate() {
        let line = segment.strip_suffix('\r').unwrap_or(segment);
        let depth = line.bytes().take_while(|&b| b == b'>').count();
        // (Quote marks are ASCII: `depth` and `depth + 1` are boundaries.)
        let after_quotes = line.get(depth..).unwrap_or_default();
        let (prefix, content) = match after_quotes.strip_prefix(' ') {
            Some(content) => (line.get(..depth + 1).unwrap_or_default(), content),
            None => (line.get(..depth).unwrap_or_default(), after_quotes),
        };
        let signature = content == "-- ";
        let flowed = !signature && content.ends_with(' ');
        let kept = match content.strip_suffix(' ') {
            Some(without) if flowed && delsp => without,
            _ => content,
        };
        if joining == Some(depth) && !signature && !content.is_empty() {
            out.push_str(kept);
        } else {
            if i > 0 {
                out.push('\n');
            }
            // (An unquoted line's stuffing space is dropped; a quoted
            // line keeps its marks and the space after them.)
            if depth > 0 {
                out.push_str(prefix);
            }
            out.push_str(kept);
        }
        joining = flowed.then_some(depth);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn flowed_lines_are_joined() {
        let text = "Hallo Stoiko,\r\n\r\nalles klar, deine Mail war nicht im Spam \r\nund eine E-Mail von Daniela auch nicht: \r\ntraining-mail.txt\r\n\r\nGruss\r\n";
        assert_eq!(
            unflow(text, false),
            "Hallo Stoiko,\n\nalles klar, deine Mail war nicht im Spam und eine E-Mail von Daniela auch nicht: training-mail.txt\n\nGruss\n"
        );
    }

    #[test]
    fn delsp_removes_the_added_space() {
        // A long word broken by the sender's wrapping.
        assert_eq!(
            unflow("https://example.com/a-very- \nlong-link\n", true),
            "https://example.com/a-very-long-link\n"
        );
        assert_eq!(
            unflow("https://example.com/a-very- \nlong-link\n", false),
            "https://example.com/a-very- long-link\n"
        );
    }

    #[test]
    fn quote_depths_are_joined_apart() {
        let text = "On Mon, 2 Mar 2026 at 09:00, Shop Support \n<support@shop.example> wrote:\n> Please restart \n> the printer.\n>> Older \n>> text\n> back to one\nMine \n";
        assert_eq!(
            unflow(text, false),
            "On Mon, 2 Mar 2026 at 09:00, Shop Support <support@shop.example> wrote:\n> Please restart the printer.\n>> Older text\n> back to one\nMine "
                .to_string()
                + "\n"
        );
        // A flowed line followed by a deeper quote is not joined to it.
        assert_eq!(unflow("a \n> b\n", false), "a \n> b\n");
    }

    #[test]
    fn stuffing_and_signature() {
        assert_eq!(unflow(" From here\n", false), "From here\n");
        assert_eq!(
            unflow("Thanks, \nJane\n-- \nJane Doe\n", false),
            "Thanks, Jane\n-- \nJane Doe\n"
        );
        // A flowed line never swallows the blank line after it.
        assert_eq!(unflow("end \n\nnext\n", false), "end \n\nnext\n");
    }

    #[test]
    fn fixed_text_is_borrowed() {
        let text = "one\r\ntwo\r\n\r\n> three\r\n";
        assert!(matches!(unflow(text, true), Cow::Borrowed(t) if t == text));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Joining loses no character but the spaces it may delete and the
        /// line breaks, quote marks and stuffing it joins over: the
        /// non-blank characters come out in the same order, and fixed text
        /// (no line ends or starts with a space) comes out as it went in,
        /// line endings aside.
        #[test]
        fn joining_keeps_every_word(
            lines in proptest::collection::vec("(>{0,2})( ?)[a-z -]{0,12}( ?)", 0..12),
            delsp in any::<bool>(),
            crlf in any::<bool>(),
        ) {
            let text = lines.join(if crlf { "\r\n" } else { "\n" });
            let out = unflow(&text, delsp);
            let words = |s: &str| -> String {
                s.lines()
                    .map(|l| l.trim_start_matches('>'))
                    .collect::<String>()
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect()
            };
            prop_assert_eq!(words(&out), words(&text));
            let fixed = lines.iter().all(|l| {
                let c = l.trim_start_matches('>');
                !c.starts_with(' ') && !c.ends_with(' ')
            });
            if fixed && !crlf {
                prop_assert_eq!(out.as_ref(), text.as_str());
            }
            prop_assert!(out.lines().count() <= text.lines().count().max(1));
        }
    }
}
