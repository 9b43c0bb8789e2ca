//! Reading the body of the most common shapes of mail without
//! mail-parser's full parse: one plain-text or HTML part, and a
//! `multipart/alternative` of a plain-text and an HTML part. Base64,
//! quoted-printable and charsets are decoded by mail-parser's own
//! decoders, as in the full parse.
//!
//! Only the headers (of the mail and of its parts) are parsed, by
//! mail-parser; the bodies are read from the raw bytes exactly as the full
//! parse reads them (its boundary and line-ending rules, below). Anything
//! else, or anything unusual in these shapes, is `None`, and the caller
//! runs the full parse. `parse`'s tests check both paths agree on
//! mail-parser's corpus and on generated mail.

use std::borrow::Cow;

use mail_parser::parsers::MessageStream;
use mail_parser::{Encoding, GetHeader, HeaderName as H, HeaderValue, MessagePart, MimeHeaders};

/// What the header block of `raw` (up to its first blank line) says about
/// a multipart type: worth only a hint, since it is a byte search (the
/// fast paths check the parsed headers themselves), but much cheaper than
/// parsing the headers of a mail no fast path takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MultipartHint {
    /// No `multipart/` in the header block.
    None,
    /// `multipart/alternative` (any case).
    Alternative,
    /// Another multipart type.
    Other,
}

/// The [`MultipartHint`] of `raw`'s header block.
pub(crate) fn multipart_hint(raw: &[u8]) -> MultipartHint {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;
    static BLANK_CRLF: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\n\r\n"));
    static BLANK_LF: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\n\n"));
    static LOWER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"ultipart/"));
    static UPPER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"ULTIPART/"));
    // (The first blank line ends the block; CRLF mail is searched for its
    // form first, and the other form only before it.)
    let end = match BLANK_CRLF.find(raw) {
        Some(crlf) => BLANK_LF
            .find(raw.get(..crlf).unwrap_or(raw))
            .unwrap_or(crlf),
        None => BLANK_LF.find(raw).unwrap_or(raw.len()),
    };
    let head = raw.get(..end).unwrap_or(raw);
    let at = match (LOWER.find(head), UPPER.find(head)) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return MultipartHint::None,
    };
    let subtype = head.get(at + b"ultipart/".len()..).unwrap_or_default();
    let alternative = b"alternative";
    match subtype.get(..alternative.len()) {
        Some(s) if s.eq_ignore_ascii_case(alternative) => MultipartHint::Alternative,
        _ => MultipartHint::Other,
    }
}

/// The text of a mail that is one `text/<subtype>` part (`plain` or
/// `html`), decoded as mail-parser's full parse decodes it: everything
/// after the blank line that ends the headers, transfer encoding and
/// charset decoded by mail-parser's own decoders. `None` for anything
/// else: another type, a multipart, an attachment disposition, a body the
/// decoder reports an error in, or a header block that does not end
/// plainly. (A part without a type is `text/plain`.)
pub(crate) fn single_part_body<'a>(
    root: &MessagePart<'_>,
    raw: &'a [u8],
    subtype: &str,
) -> Option<Cow<'a, str>> {
    let encoding = text_part(root, subtype)?;
    let body = body_after_headers(root, raw)?;
    // (Quoted-printable that breaks its rules is read by the full parse:
    // see `qp_lenient`.)
    if encoding == Encoding::QuotedPrintable && super::qp_lenient::is_irregular(body) {
        return None;
    }
    // (The whole rest of the mail, as the full parse decodes it.)
    Some(text_of(root, decode_to_end(body, encoding)?))
}

/// The plain text and the HTML of a mail that is one
/// `multipart/alternative` of a plain-text part and then an HTML part, as
/// the full parse reads them; `None` for anything else (see the module).
///
/// The full parse's rules for this shape: a part starts after the first
/// `--<boundary>` (anywhere in the bytes, not only at the start of a
/// line) and the line break after it; a part's body ends where the next
/// `--<boundary>` begins, less the line break before it; `--` after a
/// boundary ends the multipart. Here a boundary must be followed by a line
/// break or (the last) by `--`, and preceded (but the first) by a line
/// break after a body of at least one byte. (The full parse finds a
/// boundary by a byte scan that tries it after every `--`: the first
/// match of `--<boundary>` as a substring.) Quoted-printable and base64
/// parts are read by mail-parser's own decoders, which apply these rules
/// themselves.
pub(crate) fn alternative_bodies<'a>(
    root: &MessagePart<'_>,
    raw: &'a [u8],
) -> Option<(Cow<'a, str>, Cow<'a, str>)> {
    let ct = root.content_type()?;
    if ct.ctype() != "multipart" || ct.subtype() != Some("alternative") {
        return None;
    }
    let boundary = ct.attribute("boundary")?.as_bytes();
    if boundary.is_empty() {
        return None;
    }
    let delimiter = [b"--", boundary].concat();
    let finder = memchr::memmem::Finder::new(&delimiter);
    // The preamble, up to the first boundary.
    let body = body_after_headers(root, raw)?;
    // (A part whose body follows its headers without a blank line is read
    // by the full parse, which puts the blank line in.)
    if super::missing_separator::any_unseparated(body, boundary) {
        return None;
    }
    let first = finder.find(body)?;
    let rest = after_line_break(body.get(first + delimiter.len()..)?)?;
    let (text, rest, last) = alternative_part(rest, &finder, "plain")?;
    if last {
        return None;
    }
    let rest = after_line_break(rest)?;
    let (html, _, last) = alternative_part(rest, &finder, "html")?;
    last.then_some((text, html))
}

/// One part of a `multipart/alternative` starting at `part`: its text (a
/// `text/<subtype>`, decoded), the bytes after its closing boundary, and
/// whether that boundary ends the multipart.
fn alternative_part<'a>(
    part: &'a [u8],
    delimiter: &memchr::memmem::Finder<'_>,
    subtype: &str,
) -> Option<(Cow<'a, str>, &'a [u8], bool)> {
    let message = super::header_scan::parse_headers(part)?;
    let headers = message.parts.first()?;
    // (Headers read past the next boundary: the part's blank line is
    // missing, or is white space read as a continuation line. The full
    // parse reads the part up to its boundary.)
    let headers_end = headers.headers.last()?.offset_end as usize;
    if delimiter.find(part.get(..headers_end)?).is_some() {
        return None;
    }
    // (A header glued onto the part's `Content-Type` line: the full parse
    // breaks it off.)
    if super::glued_headers::any_in(part, &headers.headers) {
        return None;
    }
    let encoding = text_part(headers, subtype)?;
    let body = body_after_headers(headers, part)?;
    if encoding != Encoding::None {
        // mail-parser's own decoder, which finds the boundary as it
        // decodes and stops after it, as in the full parse.
        let (decoded, read) = decode(body, delimiter.needle().get(2..)?, encoding)?;
        let after = body.get(read..)?;
        // A quoted-printable body that ends in a soft line break (whose
        // last characters the decoder drops: see `qp_tail`), and legacy
        // 8-bit text (undeclared, or labelled UTF-8 without a UTF-8
        // character), are decoded again from the part's own bytes, as the
        // full parse reads them (`legacy_text::reread`).
        let content = || part_content(body, delimiter).map(|(content, _)| content);
        // (A quoted-printable part's content, looked for once: `None` for
        // another encoding, `Some(None)` when it has none.)
        let qp_content = (encoding == Encoding::QuotedPrintable).then(content);
        // (Quoted-printable that breaks its rules is read by the full
        // parse: see `qp_lenient`.)
        if qp_content
            .flatten()
            .is_some_and(super::qp_lenient::is_irregular)
        {
            return None;
        }
        // (A mislabelled UTF-8 part that runs into the boundary without a
        // line break is read again by the full parse from bytes that end
        // where the boundary starts, with no boundary to tell a last `=`
        // from a soft line break: left to it.)
        if qp_content == Some(None) && super::mislabelled::rereads(headers, &decoded) {
            return None;
        }
        let decoded = if let Some(again) = qp_content
            .flatten()
            .and_then(super::qp_tail::redecoded_body)
        {
            again
        } else if std::str::from_utf8(&decoded).is_err()
            && super::legacy_text::legacy(headers, &decoded)
        {
            // (The content ends at the boundary's line break.)
            super::legacy_text::decoded_again(content()?, encoding, true)?
        } else {
            decoded
        };
        return Some((text_of(headers, decoded), after, after.starts_with(b"--")));
    }
    let (content, after) = part_content(body, delimiter)?;
    Some((
        text_of(headers, Cow::Borrowed(content)),
        after,
        after.starts_with(b"--"),
    ))
}

/// The bytes of a part's body (`body`, up to the next `delimiter`, less
/// the line break before it, which is the delimiter's), and the bytes
/// after that delimiter; `None` without a delimiter or a line break
/// before it, or for an empty body.
fn part_content<'a>(
    body: &'a [u8],
    delimiter: &memchr::memmem::Finder<'_>,
) -> Option<(&'a [u8], &'a [u8])> {
    let at = delimiter.find(body)?;
    let before = body.get(..at)?;
    let before = before.strip_suffix(b"\n").filter(|b| !b.is_empty())?;
    let content = before.strip_suffix(b"\r").unwrap_or(before);
    Some((content, body.get(at + delimiter.needle().len()..)?))
}

/// `bytes` after a leading `\r\n` or `\n`; `None` without one.
fn after_line_break(bytes: &[u8]) -> Option<&[u8]> {
    bytes
        .strip_prefix(b"\r\n")
        .or_else(|| bytes.strip_prefix(b"\n"))
}

/// The transfer encoding of `part` when its headers make it a
/// `text/<subtype>` (no type at all is `text/plain`) that is not an
/// attachment (7bit, 8bit, binary or none at all are read as they are:
/// `Encoding::None`); `None` otherwise. The same tests as mail-parser's, on the same parsed values.
pub(crate) fn text_part(part: &MessagePart<'_>, subtype: &str) -> Option<Encoding> {
    match part.content_type() {
        Some(ct) if ct.ctype() != "text" || ct.subtype() != Some(subtype) => return None,
        None if subtype != "plain" => return None,
        _ => {}
    }
    if part
        .headers
        .header_value(&H::ContentDisposition)
        .is_some_and(|d| d.as_content_type().is_some_and(|ct| ct.is_attachment()))
    {
        return None;
    }
    Some(
        match part.headers.header_value(&H::ContentTransferEncoding) {
            Some(HeaderValue::Text(e)) if e.eq_ignore_ascii_case("base64") => Encoding::Base64,
            Some(HeaderValue::Text(e)) if e.eq_ignore_ascii_case("quoted-printable") => {
                Encoding::QuotedPrintable
            }
            _ => Encoding::None,
        },
    )
}

/// `body` decoded by mail-parser's decoder for `encoding`, up to
/// `--<boundary>` (to the end when `boundary` is empty), as the full parse
/// decodes it, and how many bytes of `body` that read (the boundary
/// included). `None` when the decoder reports an error (the full parse
/// then keeps the raw bytes, which is left to it).
pub(crate) fn decode<'a>(
    body: &'a [u8],
    boundary: &[u8],
    encoding: Encoding,
) -> Option<(Cow<'a, [u8]>, usize)> {
    let mut stream = MessageStream::new(body);
    let (end, decoded) = match encoding {
        Encoding::QuotedPrintable => stream.decode_quoted_printable_mime(boundary),
        Encoding::Base64 => stream.decode_base64_mime(boundary),
        Encoding::None => return None,
    };
    (end != usize::MAX).then(|| (decoded, stream.offset()))
}

/// `bytes` decoded by mail-parser's decoder for `encoding` to their end,
/// with no boundary in them (borrowed for `Encoding::None`); `None` when
/// the decoder reports an error.
pub(crate) fn decode_to_end(bytes: &[u8], encoding: Encoding) -> Option<Cow<'_, [u8]>> {
    match encoding {
        Encoding::None => Some(Cow::Borrowed(bytes)),
        _ => decode(bytes, b"", encoding).map(|(decoded, _)| decoded),
    }
}

/// The body bytes of `part`, parsed by the full parse from the mail `raw`:
/// from the end of its headers to its end (before the line break of the
/// next boundary, if any).
pub(crate) fn part_bytes<'a>(part: &MessagePart<'_>, raw: &'a [u8]) -> Option<&'a [u8]> {
    raw.get(part.offset_body as usize..part.offset_end as usize)
}

/// Whether the body of `part` (see [`part_bytes`]) ends at a line break
/// of the mail `raw`: the one before the next boundary.
pub(crate) fn ends_before_line_break(part: &MessagePart<'_>, raw: &[u8]) -> bool {
    raw.get(part.offset_end as usize..)
        .is_some_and(|after| after.starts_with(b"\r\n") || after.starts_with(b"\n"))
}

/// The text the full parse makes of a text part's (decoded) body: through
/// mail-parser's decoder for the part's charset when it has one, else as
/// UTF-8 with what is not replaced, and its flowed lines joined when it is
/// `format=flowed` (see `flowed`); borrowed when the body is valid UTF-8
/// as it is and nothing is joined.
pub(crate) fn text_of<'a>(part: &MessagePart<'_>, body: Cow<'a, [u8]>) -> Cow<'a, str> {
    super::flowed::as_written(part, decoded_text(part, body))
}

/// [`text_of`] before flowed lines are joined: the charset decoded.
fn decoded_text<'a>(part: &MessagePart<'_>, body: Cow<'a, [u8]>) -> Cow<'a, str> {
    let charset = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .unwrap_or_default();
    // (None for a label that names no charset we can read: such text is
    // read as undeclared; see `legacy_text`.)
    let decoder = super::legacy_text::text_decoder(charset);
    match (body, decoder) {
        // (UTF-8 under a single-byte label is read as UTF-8: see
        // `mislabelled`.)
        (Cow::Borrowed(bytes), Some(decode)) => match super::mislabelled::as_utf8(charset, bytes) {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Owned(decode(bytes)),
        },
        (Cow::Owned(bytes), Some(decode)) => match super::mislabelled::as_utf8(charset, &bytes) {
            Some(_) => {
                Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|e| decode(e.as_bytes())))
            }
            None => Cow::Owned(decode(&bytes)),
        },
        // (Text that is not UTF-8 but declares no charset, or declares
        // UTF-8 with no UTF-8 character in it, is read in its legacy 8-bit
        // charset: see `legacy_text`.)
        (Cow::Owned(bytes), None) => Cow::Owned(
            String::from_utf8(bytes)
                .unwrap_or_else(|e| super::legacy_text::not_utf8(part, e.as_bytes())),
        ),
        // (The same as `from_utf8_lossy`, whose byte-by-byte scan is slow,
        // on the valid UTF-8 that nearly every body is; checked with SIMD,
        // several times faster than `std::str::from_utf8` on a body of a
        // few kilobytes.)
        (Cow::Borrowed(bytes), None) => match simdutf8::basic::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => Cow::Owned(super::legacy_text::not_utf8(part, bytes)),
        },
    }
}

/// The bytes of `raw` after the header block of `part` (parsed from the
/// start of `raw`): the headers end with a line of nothing but white
/// space. `None` when they end otherwise.
fn body_after_headers<'a>(part: &MessagePart<'_>, raw: &'a [u8]) -> Option<&'a [u8]> {
    let after = raw.get(part.headers.last()?.offset_end as usize..)?;
    let newline = memchr::memchr(b'\n', after)?;
    if !after.get(..newline)?.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    after.get(newline + 1..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_hint_reads_only_the_header_block() {
        use MultipartHint as M;
        for (raw, hint) in [
            (
                &b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--"[..],
                M::Other,
            ),
            (
                b"Content-Type: MULTIPART/ALTERNATIVE; boundary=b\n\n",
                M::Alternative,
            ),
            (
                b"Content-Type: multipart/Alternative; boundary=b\r\n\r\n",
                M::Alternative,
            ),
            (b"Subject: x\r\n\r\nsee multipart/mixed\r\n", M::None),
            (b"Subject: x\n\nsee multipart/alternative\r\n\r\n", M::None),
            (b"Subject: no body, multipart/x", M::Other),
            (b"Subject: multipart/alternativ", M::Other),
            (b"Content-Type: text/plain\r\n\r\n", M::None),
        ] {
            assert_eq!(
                multipart_hint(raw),
                hint,
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    /// `read` of the root part of `raw` (its headers parsed alone), or
    /// `None` when it has none.
    fn on_root<'a, T>(raw: &'a [u8], read: impl FnOnce(&MessagePart<'a>) -> T) -> Option<T> {
        super::super::header_scan::parse_headers(raw).and_then(|m| m.parts.first().map(read))
    }

    #[test]
    fn single_part_mail_takes_the_fast_path() {
        for raw in [
            &b"From: a@b.c\r\nSubject: s\r\n\r\nHello\r\n"[..],
            b"From: a@b.c\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\nZa\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87\n",
            b"From: a@b.c\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nHi",
        ] {
            assert!(
                on_root(raw, |r| single_part_body(r, raw, "plain").is_some()) == Some(true),
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
        let html = b"From: a@b.c\r\nContent-Type: text/html\r\n\r\n<p>Hi</p>";
        assert_eq!(
            on_root(html, |r| single_part_body(r, html, "plain").is_none()),
            Some(true)
        );
        assert_eq!(
            on_root(html, |r| single_part_body(r, html, "html")
                .map(|b| b.into_owned())),
            Some(Some("<p>Hi</p>".to_string()))
        );
        // No type is plain text, never HTML.
        let untyped = b"From: a@b.c\r\n\r\n<p>Hi</p>";
        assert_eq!(
            on_root(untyped, |r| single_part_body(r, untyped, "html").is_none()),
            Some(true)
        );
    }

    #[test]
    fn text_and_html_alternative_takes_the_fast_path() {
        let raw = b"From: a@b.c\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n\
            preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\nthere\r\n\
            --b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello</p>\r\n--b1--\r\n";
        let bodies = on_root(raw, |r| {
            alternative_bodies(r, raw).map(|(t, h)| (t.into_owned(), h.into_owned()))
        });
        assert_eq!(
            bodies,
            Some(Some((
                "Hello\r\nthere".to_string(),
                "<p>Hello</p>".to_string()
            )))
        );
        // An HTML part first, a third part, or no closing boundary: the
        // full parse.
        for raw in [
            &b"Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>x</p>\n--b\nContent-Type: text/plain\n\nx\n--b--\n"[..],
            b"Content-Type: multipart/alternative; boundary=b\n\n--b\n\nx\n--b\nContent-Type: text/html\n\n<p>x</p>\n--b\nContent-Type: text/html\n\n<p>y</p>\n--b--\n",
            b"Content-Type: multipart/alternative; boundary=b\n\n--b\n\nx\n--b\nContent-Type: text/html\n\n<p>x</p>\n",
            // (The HTML part's header block runs on past the next boundary:
            // a line of white space is a continuation line, not the blank
            // line, and a third part's headers would be read as its own.)
            b"Content-Type: multipart/alternative; boundary=b1\r\n\r\n--b1\r\n\
              Content-Type: text/plain; charset=utf-8\r\n\r\n\r\n--b1\r\n\
              Content-Type: text/html; charset=utf-8\r\n \r\nHello there\r\n--b1\r\n\
              Content-Type: text/html; charset=iso-8859-2\r\n\
              Content-Transfer-Encoding: quoted-printable\r\n\r\n=C5=BC  \r\n--b1--",
        ] {
            assert!(
                on_root(raw, |r| alternative_bodies(r, raw).is_none()) == Some(true),
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
    }
}
