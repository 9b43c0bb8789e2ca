//! Every message of mail-parser's shipped corpus goes through the whole
//! inbound pipeline without panicking.

use std::path::{Path, PathBuf};

use helpdesk::mail::{
    ClassifyContext, MailError, ParseLimits, classify_with_reason, display_text,
    mentions_attachment, parse, sanitize_html,
};

const EXPECTED_FILES: usize = 107;

fn eml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => panic!("cannot read corpus dir {}: {e}", dir.display()),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            eml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(path);
        }
    }
}

fn corpus() -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail-parser-corpus");
    let mut files = Vec::new();
    eml_files(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| match std::fs::read(&p) {
            Ok(b) => (p, b),
            Err(e) => panic!("cannot read {}: {e}", p.display()),
        })
        .collect()
}

fn ctx() -> ClassifyContext {
    ClassifyContext {
        own_addresses: vec!["support@example.com".into()],
        own_message_id_domain: Some("mail.example.com".into()),
        loop_header_name: "X-Helpdesk-Loop".into(),
        loop_header_value: "ws-1".into(),
        blocklist: vec!["@spam.example".into()],
    }
}

#[test]
fn whole_corpus_goes_through_pipeline() {
    let files = corpus();
    assert_eq!(files.len(), EXPECTED_FILES, "corpus incomplete");
    let (mut ok, mut err) = (0, 0);
    for (path, raw) in &files {
        match parse(raw, &ParseLimits::default()) {
            Ok(mail) => {
                ok += 1;
                let _ = classify_with_reason(&mail, &ctx());
                let shown = display_text(&mail.text);
                assert!(
                    mail.text.trim().is_empty() || !shown.is_empty(),
                    "{}: display_text emptied a non-empty body",
                    path.display()
                );
                let _ = mentions_attachment(&mail.text);
                if let Some(html) = &mail.html {
                    assert!(
                        !html.to_ascii_lowercase().contains("<script"),
                        "{}: script survived sanitising",
                        path.display()
                    );
                    assert_eq!(
                        &sanitize_html(html),
                        html,
                        "{}: not idempotent",
                        path.display()
                    );
                }
                // The content hash is the dedupe key of mail without a
                // Message-ID, and only computed then.
                if mail.message_id.is_none() {
                    assert_eq!(mail.content_hash.len(), 64);
                } else {
                    assert!(mail.content_hash.is_empty());
                }
                for a in &mail.attachments {
                    assert_eq!(a.content.is_none(), a.too_large);
                    assert!(!a.name.is_empty() && !a.name.contains('/'));
                }
            }
            Err(MailError::Unparseable(_)) | Err(MailError::TooLarge { .. }) => err += 1,
            Err(e) => panic!("{}: unexpected error kind {e:?}", path.display()),
        }
    }
    assert_eq!(ok + err, EXPECTED_FILES);
    // mail-parser is lenient: the corpus is expected to parse.
    assert!(ok >= EXPECTED_FILES - 5, "only {ok} parsed");
}

#[test]
fn corpus_respects_limits() {
    let limits = ParseLimits::new(2_000, 100);
    for (path, raw) in corpus() {
        match parse(&raw, &limits) {
            Ok(mail) => {
                assert!(raw.len() <= 2_000, "{}", path.display());
                for a in &mail.attachments {
                    assert_eq!(a.too_large, a.size > 100);
                    assert_eq!(a.content.is_some(), !a.too_large);
                }
            }
            Err(MailError::TooLarge { size, limit }) => {
                assert_eq!(size, raw.len());
                assert_eq!(limit, 2_000);
                assert!(raw.len() > 2_000);
            }
            Err(MailError::Unparseable(_)) => {}
            Err(e) => panic!("{}: {e:?}", path.display()),
        }
    }
}
