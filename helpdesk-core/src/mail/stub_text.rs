//! The plain-text alternative that is not the message: empty, or a stub
//! such as "This is an HTML message. Please use an HTML capable mail
//! program to read this message." that some senders (mailing libraries,
//! shop and CRM systems) write beside the HTML. Such a mail's text is read
//! from its HTML part instead, as it is for a mail with no text part at
//! all, so that its text, its trimmed text and search show what the
//! customer wrote.

use super::text::fold;

/// Longest stub, in bytes: a text part longer than this is taken for the
/// message whatever it says.
const MAX_STUB_BYTES: usize = 400;

/// Folded (see `text::fold`) phrases of stubs, in en, pl, cs, it and de;
/// a short text part with one of them is a stub.
const STUB_PHRASES: &[&str] = &[
    "html message",
    "html only",
    "html format",
    "html capable",
    "html compatible",
    "html enabled",
    "support html",
    "supports html",
    "html mode",
    "activate html",
    "enable html",
    "html e mail",
    "html email",
    "html mail",
    "formacie html",
    "formatu html",
    "formato html",
];

/// Whether `text`, the plain text read from a mail that also has an HTML
/// part, is empty or a stub pointing the reader to the HTML part.
pub(crate) fn is_stub(text: &str) -> bool {
    let text = text.trim();
    if text.is_empty() {
        return true;
    }
    if text.len() > MAX_STUB_BYTES {
        return false;
    }
    let folded = fold(text);
    STUB_PHRASES.iter().any(|p| folded.contains(p))
}

/// `text` (as read from the text parts), or the text of `html` (an HTML
/// part's markup) when `text` is a stub ([`is_stub`]) and the HTML has
/// text of its own.
pub(crate) fn text_or_html_text(text: String, html: &str) -> String {
    if !is_stub(&text) {
        return text;
    }
    let mut from_html = String::new();
    super::parse::push_text_part(&mut from_html, &super::html_text::html_to_text(html));
    if from_html.is_empty() {
        text
    } else {
        from_html
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stubs() {
        for stub in [
            "",
            "  \n ",
            "This is an HTML message. Please use an HTML capable mail program to read this message.",
            "To view the message, please use an HTML compatible email viewer!",
            "This is an HTML-only message. To view it, activate HTML in your email application.",
            "Your email client does not support HTML messages.",
            "This email must be viewed in HTML mode.",
            "Ta wiadomość jest w formacie HTML.",
            "Tato zpráva je ve formátu HTML.",
            "Questo messaggio è in formato HTML.",
            "Diese Nachricht ist im HTML-Format.",
        ] {
            assert!(is_stub(stub), "{stub:?}");
        }
    }

    #[test]
    fn messages_are_not_stubs() {
        for text in [
            "My order has not arrived yet.",
            "Can you send the invoice as a PDF instead of a link?",
            "I clicked the link in your message but the page is blank.",
            // Long enough to be the message, whatever it mentions.
            &format!(
                "This is an HTML message problem: {}",
                "the shop page shows raw markup. ".repeat(20)
            ),
        ] {
            assert!(!is_stub(text), "{text:?}");
        }
    }

    #[test]
    fn the_html_text_stands_in_for_a_stub() {
        let html = "<p>My order <b>4711</b> has not arrived.</p><p>Ann</p>";
        assert_eq!(
            text_or_html_text("This is an HTML message.".into(), html),
            "My order 4711 has not arrived.\n\nAnn"
        );
        assert_eq!(
            text_or_html_text(String::new(), html),
            "My order 4711 has not arrived.\n\nAnn"
        );
        // A real text part, or an HTML part with no text, changes nothing.
        assert_eq!(text_or_html_text("Hello".into(), html), "Hello");
        assert_eq!(
            text_or_html_text("This is an HTML message.".into(), "<img src=x>"),
            "This is an HTML message."
        );
    }
}
