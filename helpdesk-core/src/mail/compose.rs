//! Outgoing mail bytes (the only user of `mail-builder`).

use chrono::{DateTime, Utc};
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address as BuilderAddress;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::date::Date as BuilderDate;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::MimePart;
use serde::{Deserialize, Serialize};

use super::MailError;
use super::parse::{Address, normalize_email};

/// `content_type` on one line and lower-cased when it is a `type/subtype`,
/// else `application/octet-stream`.
pub(crate) fn clean_content_type(content_type: &str) -> String {
    let ct = one_line(content_type).to_ascii_lowercase();
    if ct.contains('/') && !ct.contains(' ') {
        ct
    } else {
        "application/octet-stream".to_string()
    }
}

/// Everything needed to build one outgoing mail.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EmailDraft {
    /// Sender mailbox (our support address).
    pub from: Address,
    /// Reply-To, typically our signed plus-address (see
    /// [`crate::mail::token::plus_address`]).
    pub reply_to: Option<Address>,
    /// Primary recipients.
    pub to: Vec<Address>,
    /// Copy recipients.
    pub cc: Vec<Address>,
    /// Subject without the ticket tag.
    pub subject: String,
    /// Tag such as `[#123]`, appended to the subject (after a space) unless
    /// the subject already contains it (case-insensitive).
    pub subject_tag: Option<String>,
    /// Plain-text body.
    pub text: String,
    /// Optional HTML alternative.
    pub html: Option<String>,
    /// Attachments as `(file name, content type, bytes)`.
    pub attachments: Vec<(String, String, Vec<u8>)>,
    /// Images the HTML shows by `cid:` link, as `(Content-ID without angle
    /// brackets, file name, content type, bytes)`: sent in a
    /// `multipart/related` with the HTML (as attachments when there is no
    /// HTML).
    #[serde(default)]
    pub inline_images: Vec<(String, String, String, Vec<u8>)>,
    /// Our Message-ID, without angle brackets (see
    /// [`crate::mail::token::message_id`]).
    pub message_id: String,
    /// Message-ID being answered, without angle brackets.
    pub in_reply_to: Option<String>,
    /// Thread ids, oldest first; `in_reply_to` is appended when missing.
    pub references: Vec<String>,
    /// True for mail sent by the system (acknowledgements, notifications):
    /// adds `Auto-Submitted: auto-replied` and
    /// `X-Auto-Response-Suppress: All`, and sends with a null reverse path.
    pub automatic: bool,
    /// Loop-detection header `(name, value)`; added to every mail when set.
    pub loop_header: Option<(String, String)>,
    /// The `Date` header value.
    pub date: DateTime<Utc>,
}

/// A built message and its SMTP envelope.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ComposedEmail {
    /// RFC 5322 bytes with CRLF line endings.
    pub bytes: Vec<u8>,
    /// SMTP `MAIL FROM`; `None` means the null reverse path `<>` (used for
    /// automatic mail so that bounces and auto-replies are not sent back).
    pub envelope_from: Option<String>,
    /// SMTP `RCPT TO`: To and Cc, normalised, deduplicated, in order.
    pub envelope_to: Vec<String>,
}

fn bad(msg: impl Into<String>) -> MailError {
    MailError::InvalidDraft(msg.into())
}

fn check_email(email: &str, what: &str) -> Result<String, MailError> {
    let e = email.trim();
    let ok = !e.is_empty()
        && e.len() <= 320
        && e.matches('@').count() == 1
        && !e.starts_with('@')
        && !e.ends_with('@')
        && !e.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
        });
    if ok {
        Ok(e.to_string())
    } else {
        Err(bad(format!("invalid {what} address {e:?}")))
    }
}

/// `id` (a Message-ID or Content-ID) without its angle brackets, when it
/// can go into a header as one: not empty, at most 900 bytes, no space,
/// control character or bracket inside.
pub(crate) fn sendable_id(id: &str) -> Option<&str> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let ok = !id.is_empty()
        && id.len() <= 900
        && !id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>'));
    ok.then_some(id)
}

fn check_msgid(id: &str, what: &str) -> Result<String, MailError> {
    sendable_id(id)
        .map(str::to_string)
        .ok_or_else(|| bad(format!("invalid {what} {id:?}")))
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

fn builder_address(a: &Address, what: &str) -> Result<BuilderAddress<'static>, MailError> {
    let email = check_email(&a.email, what)?;
    let name = a.name.as_deref().map(one_line).filter(|n| !n.is_empty());
    Ok(BuilderAddress::new_address(name, email))
}

fn builder_list(
    list: &[Address],
    what: &str,
) -> Result<Option<BuilderAddress<'static>>, MailError> {
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        out.push(builder_address(a, what)?);
    }
    Ok(match out.len() {
        0 => None,
        1 => out.pop(),
        _ => Some(BuilderAddress::new_list(out)),
    })
}

/// The subject with the tag appended unless already present.
fn tagged_subject(subject: &str, tag: Option<&str>) -> String {
    let subject = one_line(subject);
    let Some(tag) = tag.map(one_line).filter(|t| !t.is_empty()) else {
        return subject;
    };
    if subject.to_lowercase().contains(&tag.to_lowercase()) {
        subject
    } else if subject.is_empty() {
        tag
    } else {
        format!("{subject} {tag}")
    }
}

/// Builds an outgoing mail.
///
/// Fails with [`MailError::InvalidDraft`] when there is no recipient, an
/// address or Message-ID is malformed, or the loop header name is not a
/// valid header name. Header values are forced onto one line, so drafts
/// cannot inject headers.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use helpdesk_core::mail::{compose, parse, Address, EmailDraft, ParseLimits};
/// let draft = EmailDraft {
///     from: Address::with_name("ACME Support", "support@acme.test"),
///     to: vec![Address::new("jane@example.com")],
///     subject: "Re: Printer".into(),
///     subject_tag: Some("[#123]".into()),
///     text: "Please restart it.".into(),
///     message_id: "hd.abc.1@acme.test".into(),
///     in_reply_to: Some("m1@example.com".into()),
///     date: Utc.with_ymd_and_hms(2025, 7, 1, 10, 0, 0).unwrap(),
///     ..EmailDraft::default()
/// };
/// let out = compose(&draft).unwrap();
/// assert_eq!(out.envelope_from.as_deref(), Some("support@acme.test"));
/// assert_eq!(out.envelope_to, vec!["jane@example.com"]);
/// let back = parse(&out.bytes, &ParseLimits::default()).unwrap();
/// assert_eq!(back.subject, "Re: Printer [#123]");
/// assert_eq!(back.in_reply_to, vec!["m1@example.com"]);
/// ```
pub fn compose(draft: &EmailDraft) -> Result<ComposedEmail, MailError> {
    if draft.to.is_empty() && draft.cc.is_empty() {
        return Err(bad("no recipients"));
    }
    let from_email = check_email(&draft.from.email, "from")?;
    let message_id = check_msgid(&draft.message_id, "message id")?;
    let in_reply_to = draft
        .in_reply_to
        .as_deref()
        .map(|id| check_msgid(id, "in-reply-to"))
        .transpose()?;
    let mut references = Vec::with_capacity(draft.references.len() + 1);
    for r in &draft.references {
        references.push(check_msgid(r, "reference")?);
    }
    if let Some(irt) = &in_reply_to
        && !references.contains(irt)
    {
        references.push(irt.clone());
    }

    let mut builder = MessageBuilder::new()
        .from(builder_address(&draft.from, "from")?)
        .subject(tagged_subject(&draft.subject, draft.subject_tag.as_deref()))
        .date(BuilderDate::new(draft.date.timestamp()))
        .message_id(message_id);
    if let Some(to) = builder_list(&draft.to, "to")? {
        builder = builder.to(to);
    }
    if let Some(cc) = builder_list(&draft.cc, "cc")? {
        builder = builder.cc(cc);
    }
    if let Some(rt) = &draft.reply_to {
        builder = builder.reply_to(builder_address(rt, "reply-to")?);
    }
    if let Some(irt) = in_reply_to {
        builder = builder.in_reply_to(irt);
    }
    if !references.is_empty() {
        builder = builder.references(MessageId::new_list(references.into_iter()));
    }
    if draft.automatic {
        builder = builder
            .header("Auto-Submitted", Raw::new("auto-replied"))
            .header("X-Auto-Response-Suppress", Raw::new("All"));
    }
    if let Some((name, value)) = &draft.loop_header {
        let name = name.trim();
        let valid_name =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
        if !valid_name {
            return Err(bad(format!("invalid loop header name {name:?}")));
        }
        builder = builder.header(name.to_string(), Raw::new(one_line(value)));
    }

    let mut images = Vec::with_capacity(draft.inline_images.len());
    for (cid, name, content_type, bytes) in &draft.inline_images {
        let cid = check_msgid(cid, "inline image content id")?;
        let mut ct = ContentType::new(clean_content_type(content_type));
        let mut name = one_line(name);
        if name.is_empty() {
            name = format!("image-{}", images.len() + 1);
        }
        ct = ct.attribute("name", name.clone());
        images.push((MimePart::new(ct, bytes.as_slice()).inline().cid(cid), name));
    }
    let attachments = draft.attachments.iter().map(|(name, content_type, bytes)| {
        let mut file_name = one_line(name);
        if file_name.is_empty() {
            file_name = "attachment".to_string();
        }
        MimePart::new(clean_content_type(content_type), bytes.as_slice()).attachment(file_name)
    });
    match &draft.html {
        // The HTML and the images it shows, related; beside the text; then
        // the files.
        Some(html) if !images.is_empty() => {
            let mut related = vec![MimePart::new("text/html", html.as_str())];
            related.extend(images.into_iter().map(|(part, _)| part));
            let alternative = MimePart::new(
                "multipart/alternative",
                vec![
                    MimePart::new("text/plain", draft.text.as_str()),
                    MimePart::new("multipart/related", related),
                ],
            );
            let mut parts = vec![alternative];
            parts.extend(attachments);
            builder = builder.body(if parts.len() == 1 {
                parts.remove(0)
            } else {
                MimePart::new("multipart/mixed", parts)
            });
        }
        html => {
            builder = builder.text_body(draft.text.clone());
            if let Some(html) = html {
                builder = builder.html_body(html.clone());
            }
            // (Without HTML to show them, the images are files.)
            let files: Vec<_> = attachments
                .chain(images.into_iter().map(|(part, name)| part.attachment(name)))
                .collect();
            if !files.is_empty() {
                builder.attachments = Some(files);
            }
        }
    }

    let bytes = builder
        .write_to_vec()
        .map_err(|e| MailError::Build(e.to_string()))?;

    let mut envelope_to: Vec<String> = Vec::new();
    for a in draft.to.iter().chain(draft.cc.iter()) {
        let e = normalize_email(&a.email);
        if !envelope_to.contains(&e) {
            envelope_to.push(e);
        }
    }

    Ok(ComposedEmail {
        bytes,
        envelope_from: if draft.automatic {
            None
        } else {
            Some(normalize_email(&from_email))
        },
        envelope_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{
        Classification, ClassifyContext, ClassifyReason, ParseLimits, classify,
        classify_with_reason, parse, token,
    };
    use chrono::TimeZone;

    const SECRET: &[u8] = b"test-secret-test-secret-test-sec";

    fn draft() -> EmailDraft {
        let date = match Utc.with_ymd_and_hms(2025, 7, 1, 8, 52, 37) {
            chrono::LocalResult::Single(d) => d,
            _ => DateTime::<Utc>::default(),
        };
        EmailDraft {
            from: Address::with_name("ACME Support", "support@acme.test"),
            reply_to: Some(Address::new(token::plus_address(
                SECRET,
                123,
                "support@acme.test",
            ))),
            to: vec![
                Address::with_name("Jane Dąbrowska", "jane@example.com"),
                Address::new("bob@example.com"),
            ],
            cc: vec![
                Address::new("Jane@Example.com"),
                Address::new("carol@example.org"),
            ],
            subject: "Re: Drukarka nie działa".into(),
            subject_tag: Some("[#123]".into()),
            text: "Dzień dobry,\nproszę zrestartować.\n".into(),
            html: Some("<p>Dzień dobry,<br>proszę zrestartować.</p>".into()),
            attachments: vec![(
                "instrukcja.pdf".into(),
                "application/pdf".into(),
                vec![0, 1, 2, 3, 255, 254],
            )],
            inline_images: Vec::new(),
            message_id: token::message_id(SECRET, 123, "01J2", "mail.acme.test"),
            in_reply_to: Some("m2@example.com".into()),
            references: vec!["m1@example.com".into()],
            automatic: false,
            loop_header: Some(("X-Helpdesk-Loop".into(), "ws-42".into())),
            date,
        }
    }

    fn ok<T>(r: Result<T, MailError>) -> T {
        match r {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn round_trip() {
        let d = draft();
        let out = ok(compose(&d));
        assert_eq!(out.envelope_from.as_deref(), Some("support@acme.test"));
        assert_eq!(
            out.envelope_to,
            vec!["jane@example.com", "bob@example.com", "carol@example.org"]
        );
        let m = ok(parse(&out.bytes, &ParseLimits::default()));
        assert_eq!(m.message_id.as_deref(), Some(d.message_id.as_str()));
        assert_eq!(
            m.message_id
                .as_deref()
                .and_then(|id| token::ticket_from_message_id(SECRET, id, "mail.acme.test")),
            Some(123)
        );
        assert_eq!(m.in_reply_to, vec!["m2@example.com"]);
        assert_eq!(m.references, vec!["m1@example.com", "m2@example.com"]);
        assert_eq!(m.subject, "Re: Drukarka nie działa [#123]");
        assert_eq!(m.from, Some(d.from.clone()));
        assert_eq!(m.to, d.to);
        assert_eq!(m.cc, d.cc);
        assert_eq!(m.reply_to.len(), 1);
        assert_eq!(
            token::ticket_from_address(SECRET, &m.reply_to[0].email),
            Some(123)
        );
        assert_eq!(m.date, Some(d.date));
        assert_eq!(m.text.trim_end(), d.text.trim_end());
        assert!(
            m.html
                .as_deref()
                .unwrap_or("")
                .contains("proszę zrestartować")
        );
        assert_eq!(m.attachments.len(), 1);
        let a = &m.attachments[0];
        assert_eq!(a.name, "instrukcja.pdf");
        assert_eq!(a.content_type, "application/pdf");
        assert_eq!(a.content.as_deref(), Some(&[0u8, 1, 2, 3, 255, 254][..]));
        assert_eq!(m.header("X-Helpdesk-Loop"), Some("ws-42"));
        assert!(m.signals.auto_submitted.is_none());
        assert!(m.header("X-Auto-Response-Suppress").is_none());
        // A human reply composed by us, with no auto headers, to someone
        // else: classified by the loop header when it comes back.
        let ctx = ClassifyContext {
            loop_header_name: "X-Helpdesk-Loop".into(),
            loop_header_value: "ws-42".into(),
            ..ClassifyContext::default()
        };
        assert_eq!(classify(&m, &ctx), Classification::Loop);
    }

    #[test]
    fn automatic_mail() {
        let mut d = draft();
        d.automatic = true;
        d.html = None;
        d.attachments.clear();
        let out = ok(compose(&d));
        assert_eq!(out.envelope_from, None);
        let m = ok(parse(&out.bytes, &ParseLimits::default()));
        assert_eq!(m.signals.auto_submitted.as_deref(), Some("auto-replied"));
        assert_eq!(m.signals.x_auto_response_suppress.as_deref(), Some("All"));
        assert!(m.html.is_none());
        assert!(m.attachments.is_empty());
        let ctx = ClassifyContext {
            own_addresses: vec!["support@acme.test".into()],
            own_message_id_domain: Some("mail.acme.test".into()),
            loop_header_name: "X-Helpdesk-Loop".into(),
            loop_header_value: "ws-42".into(),
            blocklist: vec![],
        };
        assert_eq!(
            classify_with_reason(&m, &ctx),
            (Classification::Loop, ClassifyReason::LoopHeader)
        );
        // Even without the loop header configured, other loop rules fire.
        let ctx2 = ClassifyContext {
            loop_header_name: String::new(),
            ..ctx
        };
        assert_eq!(classify(&m, &ctx2), Classification::Loop);
        // And for a foreign helpdesk it is an auto-reply, never human.
        assert_eq!(
            classify(&m, &ClassifyContext::default()),
            Classification::AutoReply
        );
    }

    #[test]
    fn subject_tag_not_duplicated() {
        assert_eq!(
            tagged_subject("Re: x [#123]", Some("[#123]")),
            "Re: x [#123]"
        );
        assert_eq!(tagged_subject("Re: x", Some("[#123]")), "Re: x [#123]");
        assert_eq!(tagged_subject("", Some("[#123]")), "[#123]");
        assert_eq!(tagged_subject("a\r\nBcc: evil@x", None), "a  Bcc: evil@x");
    }

    #[test]
    fn header_injection_is_neutralised() {
        let mut d = draft();
        d.subject = "hello\r\nBcc: evil@example.com".into();
        d.from.name = Some("Eve\r\nX-Evil: 1".into());
        d.loop_header = Some(("X-Helpdesk-Loop".into(), "ws\r\nX-Evil: 2".into()));
        let out = ok(compose(&d));
        let m = ok(parse(&out.bytes, &ParseLimits::default()));
        assert!(m.header("Bcc").is_none());
        assert!(m.header("X-Evil").is_none());
    }

    #[test]
    fn invalid_drafts() {
        let mut d = draft();
        d.to.clear();
        d.cc.clear();
        assert!(matches!(compose(&d), Err(MailError::InvalidDraft(_))));
        let mut d = draft();
        d.to = vec![Address::new("a@b.c\r\nBcc: x@y")];
        assert!(matches!(compose(&d), Err(MailError::InvalidDraft(_))));
        let mut d = draft();
        d.message_id = "bad id".into();
        assert!(matches!(compose(&d), Err(MailError::InvalidDraft(_))));
        let mut d = draft();
        d.loop_header = Some(("X-Bad: Name".into(), "v".into()));
        assert!(matches!(compose(&d), Err(MailError::InvalidDraft(_))));
        let mut d = draft();
        d.from = Address::new("not-an-address");
        assert!(matches!(compose(&d), Err(MailError::InvalidDraft(_))));
        let mut d = draft();
        d.inline_images = vec![("a b@x".into(), "a.png".into(), "image/png".into(), vec![1])];
        assert!(matches!(compose(&d), Err(MailError::InvalidDraft(_))));
    }

    /// Images the HTML shows by `cid:` go in a `multipart/related` with it,
    /// with their Content-IDs; the files stay files.
    #[test]
    fn inline_images_are_related_to_the_html() {
        let mut d = draft();
        d.html = Some(r#"<p>Here:</p><img src="cid:shot-1@acme.test">"#.into());
        d.inline_images = vec![(
            "<shot-1@acme.test>".into(),
            "shot.png".into(),
            "image/png".into(),
            vec![0x89, b'P', b'N', b'G'],
        )];
        let out = ok(compose(&d));
        let raw = String::from_utf8_lossy(&out.bytes);
        let (related, alternative, mixed) = (
            raw.find("multipart/related"),
            raw.find("multipart/alternative"),
            raw.find("multipart/mixed"),
        );
        assert!(
            mixed < alternative && alternative < related && related.is_some(),
            "{raw}"
        );
        let m = ok(parse(&out.bytes, &ParseLimits::default()).map_err(|e| bad(e.to_string())));
        assert!(m.text.contains("proszę zrestartować"), "{}", m.text);
        assert!(
            m.html
                .as_deref()
                .unwrap_or_default()
                .contains("cid:shot-1@acme.test"),
            "{:?}",
            m.html
        );
        let parts: Vec<_> = m
            .attachments
            .iter()
            .map(|a| {
                (
                    a.content_type.as_str(),
                    a.content_id.as_deref(),
                    a.inline,
                    a.content.clone(),
                )
            })
            .collect();
        assert_eq!(
            parts,
            [
                (
                    "image/png",
                    Some("shot-1@acme.test"),
                    true,
                    Some(vec![0x89, b'P', b'N', b'G'])
                ),
                (
                    "application/pdf",
                    None,
                    false,
                    Some(vec![0, 1, 2, 3, 255, 254])
                ),
            ]
        );

        // Without HTML to show it, the image is a file.
        d.html = None;
        let m =
            ok(parse(&ok(compose(&d)).bytes, &ParseLimits::default())
                .map_err(|e| bad(e.to_string())));
        let names: Vec<_> = m
            .attachments
            .iter()
            .map(|a| (a.name.as_str(), a.inline))
            .collect();
        assert_eq!(names, [("instrukcja.pdf", false), ("shot.png", false)]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(500))]

        /// Whatever the files and images (names, Content-IDs, bytes),
        /// composing never panics; what it builds parses back with every
        /// file and image, byte for byte, the images with their
        /// Content-IDs when there is HTML.
        #[test]
        fn files_and_images_come_back_byte_for_byte(
            files in proptest::collection::vec(
                (".{0,12}", proptest::sample::select(vec!["application/pdf", "application/octet-stream", "image/png"]), proptest::collection::vec(proptest::num::u8::ANY, 0..300)),
                0..4,
            ),
            images in proptest::collection::vec(
                ("[a-z0-9.@-]{1,12}", ".{0,8}", proptest::collection::vec(proptest::num::u8::ANY, 1..200)),
                0..3,
            ),
            html in proptest::bool::ANY,
            odd_type in ".{0,20}",
        ) {
            let mut d = draft();
            d.html = html.then(|| "<p>hi</p>".to_string());
            d.attachments = files
                .iter()
                .map(|(name, ct, bytes)| (name.clone(), ct.to_string(), bytes.clone()))
                .collect();
            d.inline_images = images
                .iter()
                .enumerate()
                .map(|(n, (cid, name, bytes))| (format!("{n}.{cid}"), name.clone(), "image/png".to_string(), bytes.clone()))
                .collect();
            // (Any content type is taken, a nonsense one as octet-stream.)
            let mut odd = d.clone();
            odd.attachments.push(("odd".into(), odd_type, vec![1, 2, 3]));
            proptest::prop_assert!(compose(&odd).is_ok());

            let out = compose(&d);
            proptest::prop_assert!(out.is_ok(), "{:?}", out.err());
            let bytes = out.map(|o| o.bytes).unwrap_or_default();
            let m = parse(&bytes, &ParseLimits::default());
            proptest::prop_assert!(m.is_ok());
            let m = m.map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let mut want: Vec<(Option<String>, Vec<u8>)> = Vec::new();
            if html {
                want.extend(d.inline_images.iter().map(|(cid, _, _, b)| (Some(cid.clone()), b.clone())));
            }
            want.extend(d.attachments.iter().map(|(_, _, b)| (None, b.clone())));
            if !html {
                want.extend(d.inline_images.iter().map(|(cid, _, _, b)| (Some(cid.clone()), b.clone())));
            }
            let got: Vec<(Option<String>, Vec<u8>)> = m
                .attachments
                .iter()
                .map(|a| (a.content_id.clone(), a.content.clone().unwrap_or_default()))
                .collect();
            let want_bytes: Vec<&Vec<u8>> = want.iter().map(|(_, b)| b).collect();
            let got_bytes: Vec<&Vec<u8>> = got.iter().map(|(_, b)| b).collect();
            proptest::prop_assert_eq!(got_bytes, want_bytes);
            if html {
                for ((got_id, _), (want_id, _)) in got.iter().zip(&want) {
                    if want_id.is_some() {
                        proptest::prop_assert_eq!(got_id, want_id);
                    }
                }
            }
        }
    }
}
