//! UTF-8 text labelled with a single-byte charset: a web form, a PHP
//! script or a misconfigured mailer writes UTF-8 but declares
//! `charset=iso-8859-1` (or `us-ascii`, `windows-1252`, ...). Read with
//! the label, every accented letter comes out as two or three others
//! ("Grüße" as "GrÃ¼ÃŸe"). Text in a real single-byte charset is almost
//! never valid UTF-8 once it has a byte above 127 (that would take pairs
//! such as "Ã©" in Latin-1), so such a body, when it is valid UTF-8, is
//! read as UTF-8. The same holds, without the "almost", for the 7-bit
//! charsets that write other scripts in ASCII bytes with escape sequences
//! (ISO-2022-JP, the usual label of Japanese mail, and ISO-2022-KR / -CN,
//! HZ, UTF-7): a byte above 127 is never part of their text, and read with
//! the label every such letter is lost. Multi-byte legacy charsets
//! (GB2312 / GBK, Big5, Shift_JIS, EUC-JP, EUC-KR, ...) keep their label
//! unless the body has at least [`MULTI_BYTE_EVIDENCE`] non-ASCII
//! characters and is valid UTF-8: a short text in them can be valid UTF-8
//! by chance (two bytes of GBK can make one UTF-8 letter), a longer one
//! practically never is (each further character must fall into UTF-8's
//! narrow ranges again, about one time in ten), while UTF-8 Chinese under
//! a `GB2312` label is what misconfigured senders write.

use std::borrow::Cow;

use mail_parser::{MessagePart, MimeHeaders};

/// Whether `charset` names a single-byte charset (ASCII, ISO 8859, the
/// Windows code pages 125x, KOI8, Outlook Express's `x-user-defined`).
fn single_byte(charset: &str) -> bool {
    named(
        charset,
        &[
            "us-ascii",
            "ascii",
            "ansi_x3.4-1968",
            "iso646-us",
            "latin1",
            "latin2",
            "x-user-defined",
        ],
        &[
            "iso-8859-",
            "iso8859-",
            "iso_8859-",
            "iso8859_",
            "windows-125",
            "cp125",
            "koi8",
        ],
    )
}

/// Whether `charset` names a multi-byte legacy charset of East Asian
/// scripts (GB2312, GBK, GB18030, Big5, Shift_JIS, EUC-JP, EUC-KR, EUC-CN
/// and their aliases and Windows code pages).
fn multi_byte(charset: &str) -> bool {
    named(
        charset,
        &[
            "gb2312",
            "gbk",
            "x-gbk",
            "gb18030",
            "cp936",
            "big5",
            "big5-hkscs",
            "cp950",
            "shift_jis",
            "shift-jis",
            "sjis",
            "x-sjis",
            "ms932",
            "cp932",
            "windows-31j",
            "ks_c_5601-1987",
            "cp949",
        ],
        &["euc-", "x-euc-"],
    )
}

/// How many non-ASCII characters a valid UTF-8 body under a multi-byte
/// label must have to be read as UTF-8.
const MULTI_BYTE_EVIDENCE: usize = 6;

/// Whether `charset` names a 7-bit charset that writes other scripts in
/// ASCII bytes (ISO-2022-JP, -KR, -CN and their variants, HZ, UTF-7).
fn seven_bit(charset: &str) -> bool {
    named(
        charset,
        &["hz-gb-2312", "utf-7", "unicode-1-1-utf-7"],
        &["iso-2022-", "csiso2022"],
    )
}

/// Whether the label `charset` (quotes and white space aside, any case) is
/// one of `names` or starts with one of `prefixes`.
fn named(charset: &str, names: &[&str], prefixes: &[&str]) -> bool {
    let c = charset.trim().trim_matches('"');
    names.iter().any(|name| c.eq_ignore_ascii_case(name))
        || prefixes.iter().any(|prefix| {
            c.get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        })
}

/// `bytes` as UTF-8 when `charset` (a part's label) is a single-byte or a
/// 7-bit charset and `bytes` (the part's transfer-decoded body) are valid
/// UTF-8, or a multi-byte charset and they are valid UTF-8 with at least
/// [`MULTI_BYTE_EVIDENCE`] non-ASCII characters; `None` otherwise (the
/// label stands). (ASCII under a single-byte label reads the same either
/// way; under a 7-bit or multi-byte label it is the label's own text and
/// stays with the label.)
pub(crate) fn as_utf8<'a>(charset: &str, bytes: &'a [u8]) -> Option<&'a str> {
    if single_byte(charset) || (seven_bit(charset) && !bytes.is_ascii()) {
        return simdutf8::basic::from_utf8(bytes).ok();
    }
    if multi_byte(charset) && !bytes.is_ascii() {
        let text = simdutf8::basic::from_utf8(bytes).ok()?;
        let letters = text
            .chars()
            .filter(|c| !c.is_ascii())
            .take(MULTI_BYTE_EVIDENCE)
            .count();
        return (letters >= MULTI_BYTE_EVIDENCE).then_some(text);
    }
    None
}

/// Whether the full parse reads `part` (whose transfer-decoded body is
/// `bytes`) again from its own bytes as UTF-8 ([`reread`]): non-ASCII
/// UTF-8 that [`as_utf8`] reads so under the part's label.
pub(crate) fn rereads(part: &MessagePart<'_>, bytes: &[u8]) -> bool {
    part.content_type()
        .and_then(|ct| ct.attribute("charset"))
        .is_some_and(|charset| !bytes.is_ascii() && as_utf8(charset, bytes).is_some())
}

/// The text of `part` of the mail `raw`, read again from its bytes as
/// UTF-8 when [`as_utf8`] says so and they are not plain ASCII (which the
/// label reads the same); `None` otherwise (mail-parser's reading stands).
/// For the full parse, whose parts mail-parser decodes with their label.
pub(crate) fn reread(raw: &[u8], part: &MessagePart<'_>) -> Option<String> {
    // (Only a part with a single-byte or 7-bit label can be mislabelled:
    // checked before any bytes are decoded again.)
    let charset = part.content_type()?.attribute("charset")?;
    if !single_byte(charset) && !seven_bit(charset) && !multi_byte(charset) {
        return None;
    }
    let mut body = super::fast_path::part_bytes(part, raw)?;
    // (Quoted-printable before a boundary loses the spaces and tabs its
    // last line ends with, as every line does, RFC 2045 6.7: mail-parser's
    // decoder drops them before a line break, which the boundary's is.)
    if part.encoding == mail_parser::Encoding::QuotedPrintable
        && super::fast_path::ends_before_line_break(part, raw)
    {
        let end = body
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t'))
            .map_or(0, |at| at + 1);
        body = body.get(..end)?;
    }
    let bytes = super::fast_path::decode_to_end(body, part.encoding)?;
    if bytes.is_ascii() {
        return None;
    }
    as_utf8(charset, &bytes).map(str::to_owned)
}

/// [`reread`]'s answer as a `Cow`, for callers that hold mail-parser's;
/// also, when mail-parser's `text` of an undeclared or UTF-8-labelled part
/// has replacement characters, the part read as legacy 8-bit text
/// ([`super::legacy_text::reread`]).
pub(crate) fn reread_or<'a>(
    raw: &[u8],
    part: &MessagePart<'_>,
    text: Cow<'a, str>,
) -> Cow<'a, str> {
    // (Under some labels mail-parser reads 8-bit bytes without
    // replacement characters, in a charset the label does not name: see
    // `legacy_text::NO_8BIT_CHARSET`.)
    if (text.contains(char::REPLACEMENT_CHARACTER) || no_8bit_charset(part))
        && let Some(legacy) = super::legacy_text::reread(raw, part)
            .or_else(|| super::legacy_text::reread_misspelt(raw, part))
    {
        return Cow::Owned(legacy);
    }
    reread(raw, part).map_or(text, Cow::Owned)
}

/// Whether `part`'s charset label names no charset for 8-bit bytes
/// (`legacy_text::NO_8BIT_CHARSET`).
fn no_8bit_charset(part: &MessagePart<'_>) -> bool {
    part.content_type()
        .and_then(|ct| ct.attribute("charset"))
        .is_some_and(super::legacy_text::names_no_8bit_charset)
}

#[cfg(test)]
mod tests {
    use crate::mail::parse::tests::p as parsed;

    fn mail(charset: &str, body: &str) -> String {
        format!(
            "From: ann@example.com\r\nSubject: Q\r\nContent-Type: text/plain; charset={charset}\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
        )
    }

    /// A `multipart/mixed` mail (read by the full parse) of `part` (its
    /// headers, a blank line and its body) and a PDF attachment.
    fn mixed(part: &str) -> String {
        format!(
            "From: ann@example.com\r\nSubject: Q\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
             --b\r\n{part}\r\n\
             --b\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n"
        )
    }

    #[test]
    fn utf8_labelled_latin1_or_ascii_is_read_as_utf8() {
        for charset in ["iso-8859-1", "us-ascii", "\"windows-1252\"", "ISO-8859-2"] {
            let m = parsed(&mail(charset, "Grüße, zażółć gęślą jaźń"));
            assert_eq!(m.text, "Grüße, zażółć gęślą jaźń", "{charset}");
        }
    }

    #[test]
    fn real_latin1_keeps_its_label() {
        // "Grüße café" in ISO-8859-1 (not UTF-8): read with the label.
        let raw = b"From: ann@example.com\r\nSubject: Q\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\nGr\xfc\xdfe caf\xe9\r\n";
        let m = crate::mail::parse(raw, &crate::mail::ParseLimits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text, "Grüße café");
    }

    #[test]
    fn quoted_printable_and_html_and_the_full_parse_too() {
        // Quoted-printable UTF-8 labelled Latin-1, in a multipart/mixed
        // (the full parse) with an HTML alternative.
        let m = parsed(&mixed(
            "Content-Type: multipart/alternative; boundary=a\r\n\r\n\
             --a\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             Gr=C3=BC=C3=9Fe\r\n\
             --a\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             <p>Gr=C3=BC=C3=9Fe</p>\r\n--a--",
        ));
        assert_eq!(m.text, "Grüße");
        assert!(
            m.html.as_deref().is_some_and(|h| h.contains("Grüße")),
            "{:?}",
            m.html
        );
    }

    #[test]
    fn utf8_labelled_iso_2022_jp_is_read_as_utf8() {
        // (Japanese order systems: php-mime-mail-parser's issue 236.)
        let m = parsed(&mail("\"ISO-2022-JP\"", "在庫情報の御連絡です。"));
        assert_eq!(m.text, "在庫情報の御連絡です。");
        // Base64, in a multipart/mixed (the full parse).
        let m = parsed(&mixed(
            "Content-Type: text/plain; charset=iso-2022-jp\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             5Zyo5bqr5oOF5aCx",
        ));
        assert_eq!(m.text, "在庫情報");
    }

    #[test]
    fn real_iso_2022_jp_keeps_its_label() {
        // "在庫" in ISO-2022-JP: ASCII bytes, which are valid UTF-8 too.
        let m = parsed(&mail("iso-2022-jp", "\u{1b}$B:_8K\u{1b}(B"));
        assert_eq!(m.text, "在庫");
        assert_eq!(super::as_utf8("ISO-2022-JP", b"\x1b$B:_8K\x1b(B"), None);
        assert_eq!(super::as_utf8("utf-7", "zażółć".as_bytes()), Some("zażółć"));
        assert_eq!(super::as_utf8("gb2312", "在庫".as_bytes()), None);
    }

    #[test]
    fn latin1_labelled_utf8_is_read_as_windows_1252() {
        // (A shop script: `charset=utf-8` declared, Latin-1 written.)
        let raw =
            b"From: shop@example.com\r\nSubject: Q\r\nContent-Type: text/plain; charset=UTF-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\nGr\xfc\xdfe, Ihr Auftrag \x96 Nr. 12\r\n";
        let m = crate::mail::parse(raw, &crate::mail::ParseLimits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text, "Grüße, Ihr Auftrag – Nr. 12");
        // Quoted-printable, HTML, in a multipart/mixed (the full parse).
        let m = parsed(&mixed(
            "Content-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             <p>Gr=FC=DFe</p>",
        ));
        assert_eq!(m.text, "Grüße");
        assert!(
            m.html.as_deref().is_some_and(|h| h.contains("Grüße")),
            "{:?}",
            m.html
        );
    }

    #[test]
    fn utf8_with_a_broken_byte_keeps_its_label() {
        let mut bytes =
            "From: a@example.com\r\nSubject: Q\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße "
                .as_bytes()
                .to_vec();
        bytes.extend_from_slice(b"\xff\r\n");
        let m = crate::mail::parse(&bytes, &crate::mail::ParseLimits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text, "Grüße \u{fffd}");
    }

    #[test]
    fn multi_byte_labels_stand() {
        assert!(!super::single_byte("shift_jis"));
        assert!(!super::single_byte("gb2312"));
        assert!(!super::single_byte("utf-8"));
        assert!(super::single_byte("Windows-1250"));
        assert!(super::single_byte("iso_8859-15"));
    }

    #[test]
    fn a_part_running_into_the_boundary_reads_alike_on_both_paths() {
        // (A proptest at a million cases found the two apart: the fast
        // path kept the last `=`, which the full parse's reading again
        // takes for a soft line break.)
        let raw = b"From: a@b.c\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C5=BCSGVsbG8=--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\r\n--b1--\r\n";
        let (fast, full) = crate::mail::parse::tests::both_paths(raw);
        assert_eq!(fast, full);
        assert_eq!(
            fast.and_then(Result::ok).map(|m| m.text).as_deref(),
            Some("żSGVsbG8")
        );
    }

    #[test]
    fn a_last_line_ending_in_spaces_reads_alike_on_both_paths() {
        // (A proptest found these apart: read again to the end of its
        // bytes, the part kept the spaces its last line ends with, which
        // the decoder drops before a boundary.)
        let raw = b"From: a@b.c\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\r\n--b1\r\nContent-Type: text/html; charset=iso-8859-2\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C5=BC  \r\n--b1--";
        let (fast, full) = crate::mail::parse::tests::both_paths(raw);
        assert_eq!(fast, full);
        assert_eq!(
            fast.and_then(Result::ok).and_then(|m| m.html).as_deref(),
            Some("\u{17c}")
        );
    }

    #[test]
    fn utf8_under_a_multi_byte_label_is_read_when_long_enough() {
        // (SpamScope's test mail mail_test_12: UTF-8 Chinese labelled
        // GB2312.)
        let text = "你好！我公司可代开各类增值税发票";
        for charset in ["GB2312", "gbk", "Big5", "Shift_JIS", "EUC-KR", "euc-jp"] {
            assert_eq!(parsed(&mail(charset, text)).text, text, "{charset}");
        }
        // Real GB2312 stays GB2312 (`你好，谢谢` in GB2312).
        let gb = b"From: a@b.c\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n\xc4\xe3\xba\xc3\xa3\xac\xd0\xbb\xd0\xbb\r\n";
        let m = crate::mail::parse(gb, &crate::mail::ParseLimits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text, "你好，谢谢");
        // A few letters that are valid UTF-8 by chance keep the label:
        // `é` (C3 A9) is `茅` in GBK.
        let short = b"From: a@b.c\r\nContent-Type: text/plain; charset=gbk\r\n\r\n\xc3\xa9\r\n";
        let m = crate::mail::parse(short, &crate::mail::ParseLimits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text, "茅");
    }
}
