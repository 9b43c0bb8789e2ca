//! "Reply above this line": a line of ours at the top of every mail the
//! helpdesk sends ([`MailSettings::reply_marker`](crate::engine::MailSettings),
//! as Zendesk, Freshdesk and Help Scout write one). A customer's reply
//! quotes our mail below the answer, marker and all, in whatever client
//! and language: the answer is what comes before the marker. The usual
//! trimming rules then still apply to that part (a signature, "Sent from
//! my iPhone").

/// `text` before the line that holds `marker`, without the blank lines
/// and the attribution (`... wrote:` in any language: a line ending with
/// a colon) right above it; `None` when `marker` is not in `text`, or
/// nothing is written above it (an answer written below the quote is left
/// to the usual trimming).
///
/// ```
/// use helpdesk_core::mail::before_reply_marker;
/// let marker = "##- Please type your reply above this line -##";
/// let reply = "Dziękuję, działa!\n\nEl lun, 2 mar 2026, Soporte escribió:\n> ##- Please type your reply above this line -##\n> Please restart it.";
/// assert_eq!(before_reply_marker(reply, marker), Some("Dziękuję, działa!"));
/// assert_eq!(before_reply_marker("No marker here", marker), None);
/// ```
pub fn before_reply_marker<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let marker = marker.trim();
    if marker.is_empty() {
        return None;
    }
    let at = text.find(marker)?;
    let line_start = text.get(..at)?.rfind('\n').map_or(0, |n| n + 1);
    let mut head = text.get(..line_start)?.trim_end();
    // The attribution right above the quote, whatever its language.
    let last_line_start = head.rfind('\n').map_or(0, |n| n + 1);
    let last = head.get(last_line_start..).unwrap_or_default().trim();
    if last.ends_with([':', '\u{ff1a}']) {
        head = head.get(..last_line_start)?.trim_end();
    }
    (!head.trim().is_empty()).then_some(head)
}

/// `text` with `marker` as its first line and a blank line after it: what
/// a mail we send says in plain text.
pub(crate) fn with_marker_text(marker: &str, text: &str) -> String {
    format!("{}\n\n{text}", marker.trim())
}

/// `html` with `marker` in a grey paragraph at its start (inside its
/// `body` when it is a whole document): what a mail we send says in HTML.
pub(crate) fn with_marker_html(marker: &str, html: &str) -> String {
    let mut line = String::from("<div style=\"color:#b5b5b5\">");
    super::sanitize::escape_attr(marker.trim(), &mut line);
    line.push_str("</div><br>");
    // (After the `<body ...>` tag, when there is one.)
    let at = html
        .as_bytes()
        .windows(5)
        .position(|w| w.eq_ignore_ascii_case(b"<body"))
        .and_then(|start| {
            let end = html.get(start..)?.find('>')?;
            Some(start + end + 1)
        })
        .unwrap_or(0);
    let (head, rest) = html.split_at_checked(at).unwrap_or(("", html));
    format!("{head}{line}{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKER: &str = "##- Please type your reply above this line -##";

    #[test]
    fn the_answer_is_what_comes_before_the_marker() {
        for (text, want) in [
            // Top-posted in a client whose attribution no rule knows.
            (
                "Works now, thanks.\r\n\r\nKlient napisał w dniu wtorek o godz. 10:52:\r\n> ##- Please type your reply above this line -##\r\n>\r\n> Please restart it.",
                Some("Works now, thanks."),
            ),
            // Outlook's header block above the unquoted copy.
            (
                "Thanks!\n\nFrom: Support\nSent: Tuesday\n\n##- Please type your reply above this line -##\n\nPlease restart it.",
                Some("Thanks!\n\nFrom: Support\nSent: Tuesday"),
            ),
            // No attribution; the marker inside a line.
            (
                "Fine.\n> x ##- Please type your reply above this line -## y",
                Some("Fine."),
            ),
            // Written below the quote, or no marker: not this rule's.
            (
                "> ##- Please type your reply above this line -##\n> Hi\n\nMy answer",
                None,
            ),
            ("Just an answer.", None),
        ] {
            assert_eq!(before_reply_marker(text, MARKER), want, "{text}");
        }
        assert_eq!(before_reply_marker("a\nb", "  "), None);
    }

    #[test]
    fn ours_is_written_first() {
        assert_eq!(
            with_marker_text(MARKER, "Hello"),
            format!("{MARKER}\n\nHello")
        );
        assert_eq!(
            with_marker_html("<reply> & more", "<p>Hello</p>"),
            "<div style=\"color:#b5b5b5\">&lt;reply&gt; &amp; more</div><br><p>Hello</p>"
        );
        assert_eq!(
            with_marker_html("m", "<html><BODY class=\"x\"><p>Hello</p></body></html>"),
            "<html><BODY class=\"x\"><div style=\"color:#b5b5b5\">m</div><br><p>Hello</p></body></html>"
        );
    }
}
