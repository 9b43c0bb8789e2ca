//! A `Date` that ends in a one- or two-letter zone (`... 17:14:50 UT`, as
//! Perl's MIME::Lite writes it; `... Z`) right before its line break.
//!
//! mail-parser reads a zone written in letters as three bytes, whatever
//! follows the first letter: after `UT` and a bare line feed, or after `Z`
//! and any line break, it reads the line break as part of the zone, and
//! the next line (the `From`, the `Subject`, or the blank line that ends
//! the headers) as more of the date. That header is lost (a mail whose
//! `From` follows such a date had no sender), or the body is read as
//! headers. Two spaces before the line break give the zone its three
//! bytes; a date is read as before (a zone mail-parser does not know, such
//! as `UT` or `Z`, is UTC either way).

use mail_parser::{Header, HeaderName, MessagePart};

/// `raw` with two spaces put before the line break of every `Date` or
/// `Resent-Date` (of the mail or any of its parts; `parts` were parsed
/// from `raw`) that mail-parser read past; `None` when there is none.
pub(crate) fn padded(raw: &[u8], parts: &[MessagePart<'_>]) -> Option<Vec<u8>> {
    let inserts: Vec<(usize, &[u8])> = parts
        .iter()
        .flat_map(|part| overruns(raw, &part.headers))
        .map(|at| (at, &b"  "[..]))
        .collect();
    super::splice::with_inserts(raw, inserts)
}

/// Whether mail-parser read past the line break of a date among `headers`
/// (parsed from `raw`).
pub(crate) fn any_in(raw: &[u8], headers: &[Header<'_>]) -> bool {
    overruns(raw, headers).next().is_some()
}

/// Where the line break is (at its `\r`, if any) of each date among
/// `headers` that mail-parser's reading runs past (its value ends after
/// the line break, see [`value_end`](super::header_scan::value_end)).
fn overruns<'a>(raw: &'a [u8], headers: &'a [Header<'_>]) -> impl Iterator<Item = usize> + 'a {
    headers
        .iter()
        .filter(|h| matches!(h.name, HeaderName::Date | HeaderName::ResentDate))
        .filter_map(move |h| {
            let (start, end) = (h.offset_start as usize, h.offset_end as usize);
            let after = super::header_scan::value_end(raw, start);
            // (A value without a line break runs to the end: nothing past.)
            let line_break = after
                .checked_sub(1)
                .filter(|&at| raw.get(at) == Some(&b'\n'))?;
            (end > after).then(|| {
                if line_break > start && raw.get(line_break - 1) == Some(&b'\r') {
                    line_break - 1
                } else {
                    line_break
                }
            })
        })
}

#[cfg(test)]
mod tests {
    use crate::mail::parse::tests::p as mail;

    #[test]
    fn the_header_after_a_short_zone_is_read() {
        for (zone, eol) in [("UT", "\n"), ("Z", "\n"), ("Z", "\r\n"), ("UT", "\r\n")] {
            let m = mail(&format!(
                "Date: Sat, 22 Apr 2006 17:14:50 {zone}{eol}From: Campus Mailserver \
                 <MAILER-DAEMON@campus.example>{eol}Subject: Not delivered{eol}{eol}Sorry.{eol}"
            ));
            let from = m.from.as_ref().map(|a| a.email.as_str());
            assert_eq!(
                from,
                Some("MAILER-DAEMON@campus.example"),
                "{zone:?} {eol:?}"
            );
            assert_eq!(m.subject, "Not delivered", "{zone:?} {eol:?}");
            assert_eq!(m.text, "Sorry.", "{zone:?} {eol:?}");
            assert_eq!(
                m.date.map(|d| d.to_rfc3339()).as_deref(),
                Some("2006-04-22T17:14:50+00:00"),
                "{zone:?} {eol:?}"
            );
        }
    }

    #[test]
    fn a_short_zone_before_the_blank_line_leaves_the_body_alone() {
        let m = mail(
            "From: jane@example.com\nDate: Sat, 22 Apr 2006 17:14:50 UT\n\nNote: the parcel is late.\n",
        );
        assert_eq!(m.text, "Note: the parcel is late.");
        assert!(m.date.is_some());
    }

    #[test]
    fn a_part_date_with_a_short_zone_keeps_the_part_headers() {
        let raw = "From: jane@example.com\nContent-Type: multipart/mixed; boundary=b\n\n\
                   --b\nDate: Sat, 22 Apr 2006 17:14:50 UT\nContent-Type: text/html\n\n\
                   <p>First part.</p>\n--b--\n";
        let m = mail(raw);
        assert_eq!(m.text, "First part.");
        assert!(m.html.is_some());
    }

    #[test]
    fn other_dates_are_not_touched() {
        let headers =
            |raw: &'static str| match crate::mail::header_scan::parse_headers(raw.as_bytes()) {
                Some(m) => super::any_in(raw.as_bytes(), &m.parts[0].headers),
                None => panic!("no headers"),
            };
        assert!(headers(
            "Date: Sat, 22 Apr 2006 17:14:50 UT\nFrom: a@b.example\n\nx"
        ));
        for fine in [
            "Date: Sat, 22 Apr 2006 17:14:50 UT\r\nFrom: a@b.example\r\n\r\nx",
            "Date: Sat, 22 Apr 2006 17:14:50 UTC\nFrom: a@b.example\n\nx",
            "Date: Sat, 22 Apr 2006 17:14:50 +0000\nFrom: a@b.example\n\nx",
            "Date: Sat, 22 Apr 2006 17:14:50 GMT\nFrom: a@b.example\n\nx",
            "Date: Sat, 22 Apr 2006\n 17:14:50 +0200 (CEST)\nFrom: a@b.example\n\nx",
        ] {
            assert!(!headers(fine), "{fine:?}");
        }
    }
}
