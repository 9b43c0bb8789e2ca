//! Property tests: the inbound pipeline never panics on arbitrary or
//! damaged input. Case counts are fixed so runtime stays predictable.

use helpdesk::mail::{
    ClassifyContext, MailError, ParseLimits, classify, display_text, mentions_attachment, parse,
    sanitize_html,
};
use proptest::prelude::*;
use proptest::sample::Index;

const SEEDS: &[&[u8]] = &[
    include_bytes!("fixtures/mail-parser-corpus/rfc/000.eml"),
    include_bytes!("fixtures/mail-parser-corpus/rfc/005.eml"),
    include_bytes!("fixtures/mail-parser-corpus/legacy/010.eml"),
    include_bytes!("fixtures/mail-parser-corpus/thirdparty/003.eml"),
    include_bytes!("fixtures/mail-parser-corpus/malformed/007.eml"),
    SEED_DSN,
    SEED_REPLY,
];

const SEED_DSN: &[u8] = b"From: MAILER-DAEMON@mx.example.org\r\n\
To: support@example.com\r\n\
Subject: Undelivered Mail\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\
\r\n\
--B\r\n\
Content-Type: text/plain\r\n\
\r\n\
Delivery failed.\r\n\
--B\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.example.org\r\n\
\r\n\
Final-Recipient: rfc822; nobody@example.net\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
--B\r\n\
Content-Type: text/rfc822-headers\r\n\
\r\n\
Message-ID: <hd.x@mail.example.com>\r\n\
--B--\r\n";

const SEED_REPLY: &[u8] = "From: =?UTF-8?Q?Pawe=C5=82?= <pawel@example.pl>\r\n\
To: support@example.com\r\n\
Subject: Re: Drukarka [#12]\r\n\
Auto-Submitted: no\r\n\
Return-Path: <pawel@example.pl>\r\n\
Content-Type: multipart/alternative; boundary=\"A\"\r\n\
\r\n\
--A\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
W załączniku zdjęcie.\r\n\
\r\n\
W dniu 1.07.2025 o 10:52, Pomoc <pomoc@example.pl> pisze:\r\n\
> Dzień dobry\r\n\
--A\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p onclick=x>W za&#322;&#261;czniku</p><script>alert(1)</script>\r\n\
--A--\r\n"
    .as_bytes();

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Truncate(Index),
    Duplicate(Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<Index>().prop_map(Mutation::Delete),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
    ]
}

fn apply(seed: &[u8], muts: &[Mutation]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for m in muts {
        if v.is_empty() {
            v.push(b'\n');
        }
        match m {
            Mutation::Flip(i, x) => {
                let i = i.index(v.len());
                if let Some(b) = v.get_mut(i) {
                    *b ^= x;
                }
            }
            Mutation::Insert(i, b) => {
                let i = i.index(v.len() + 1);
                v.insert(i, *b);
            }
            Mutation::Delete(i) => {
                let i = i.index(v.len());
                v.remove(i);
            }
            Mutation::Truncate(i) => {
                let i = i.index(v.len() + 1);
                v.truncate(i);
            }
            Mutation::Duplicate(a, b) => {
                let a = a.index(v.len());
                let b = b.index(v.len());
                let (lo, hi) = (a.min(b), a.max(b).min(a.min(b) + 256));
                let chunk: Vec<u8> = v.get(lo..hi).map(<[u8]>::to_vec).unwrap_or_default();
                let at = hi.min(v.len());
                v.splice(at..at, chunk);
            }
        }
    }
    v
}

fn ctx() -> ClassifyContext {
    ClassifyContext {
        own_addresses: vec!["support@example.com".into()],
        own_message_id_domain: Some("mail.example.com".into()),
        loop_header_name: "X-Helpdesk-Loop".into(),
        loop_header_value: "ws-1".into(),
        blocklist: vec!["@spam.example".into(), "bad@x.org".into()],
    }
}

fn pipeline(raw: &[u8]) -> Result<(), TestCaseError> {
    let limits = ParseLimits::new(1 << 20, 64);
    match parse(raw, &limits) {
        Ok(mail) => {
            let _ = classify(&mail, &ctx());
            let shown = display_text(&mail.text);
            prop_assert!(mail.text.trim().is_empty() || !shown.is_empty());
            let _ = mentions_attachment(&mail.text);
            let _ = mail.header("x-helpdesk-loop");
            if let Some(html) = &mail.html {
                prop_assert!(
                    !html.to_ascii_lowercase().contains("<script"),
                    "sanitised html still has a script tag: {:?}",
                    html
                );
            }
            for a in &mail.attachments {
                prop_assert_eq!(a.content.is_none(), a.too_large);
            }
            Ok(())
        }
        Err(MailError::Unparseable(_)) | Err(MailError::TooLarge { .. }) => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!("unexpected error {e:?}"))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        pipeline(&raw)?;
    }

    #[test]
    fn mutated_mails_never_panic(
        seed in 0usize..SEEDS.len(),
        muts in proptest::collection::vec(mutation(), 1..12),
    ) {
        let seed_bytes = SEEDS.get(seed).copied().unwrap_or(b"");
        let raw = apply(seed_bytes, &muts);
        pipeline(&raw)?;
    }

    #[test]
    fn text_functions_never_panic(s in "\\PC{0,400}") {
        let shown = display_text(&s);
        prop_assert!(s.trim().is_empty() || !shown.is_empty());
        let _ = mentions_attachment(&s);
    }

    #[test]
    fn sanitiser_is_safe_and_idempotent(
        s in "(<[a-zA-Z/!?]{0,3}[a-z =\"'/]{0,8}|on[a-z]{1,6}=[\"']?[a-z()]{0,5}|<script>|</script>|<style>|javascript:|&#[0-9]{1,3};?|&#x[0-9a-f]{1,2};?|[a-z<>&#;:\"' =\\t\\n]{0,10}|-->|<!--){0,24}"
    ) {
        let once = sanitize_html(&s);
        prop_assert!(!once.to_ascii_lowercase().contains("<script"));
        prop_assert_eq!(sanitize_html(&once), once.clone());
    }
}

/// Found by `mutated_mails_never_panic`: reaches a `debug_assert!(false)` in
/// mail-parser 0.11.9 (message.rs, "Invalid part ID"). Must yield Ok or a
/// typed error in every build profile.
#[test]
fn nested_empty_rfc822_regression() {
    let raw = b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
--b\r\nContent-Type: message/rfc822\r\n\r\n\
--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y.z\r\n\r\nbody\r\n--b--\r\n";
    let r = parse(raw, &ParseLimits::default());
    assert!(matches!(r, Ok(_) | Err(MailError::Unparseable(_))), "{r:?}");
}

/// Found by a longer run of `mutated_mails_never_panic`: a mail cut short
/// in a header's name, with no colon after it. `Received` there made our
/// header scan step past the end (a panic, caught and reported as
/// "MIME parser failure", so the mail was refused; under `panic = "abort"`
/// it would have ended the process). It is read like any other mail.
#[test]
fn mail_cut_short_in_a_header_name_is_read() {
    // (Not `Subject`: an empty last `Subject` would be the subject.)
    for tail in ["Received", "Received ", "X-Loop", "Keywords"] {
        let raw = format!(
            "Return-Path: <support+bnc@shop.example>\r\nFrom: ann@example.com\r\nSubject: Lamp\r\n{tail}"
        );
        let mail = match parse(raw.as_bytes(), &ParseLimits::default()) {
            Ok(mail) => mail,
            Err(e) => panic!("{tail:?}: {e:?}"),
        };
        assert_eq!(mail.subject, "Lamp", "{tail:?}");
        assert_eq!(
            mail.from.map(|a| a.email).as_deref(),
            Some("ann@example.com"),
            "{tail:?}"
        );
    }
}
