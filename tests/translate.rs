//! Translating a message (`Helpdesk::translate`) through the host's
//! `Translator`: the shown text goes (not the quoted history), the result
//! comes back and nothing is stored; a missing translator, message or
//! language and a failing translator are typed errors.

use async_trait::async_trait;
use helpdesk::MemoryStore;
use helpdesk::engine::{Helpdesk, Mailbox};
use helpdesk::error::{BoxError, Error};
use helpdesk::model::{MessageId, WorkspaceId};
use helpdesk::ports::{Translation, Translator};
use std::sync::{Arc, Mutex};

/// Records what it is asked and answers with the text reversed, or fails.
#[derive(Debug, Default)]
struct Recorder {
    asked: Mutex<Vec<(String, String)>>,
    fail: bool,
}

#[async_trait]
impl Translator for Recorder {
    async fn translate(&self, text: &str, to: &str) -> Result<Translation, BoxError> {
        self.asked
            .lock()
            .map_err(|_| "poisoned")?
            .push((text.to_string(), to.to_string()));
        if self.fail {
            return Err("quota exceeded".into());
        }
        Ok(Translation::new(
            text.chars().rev().collect::<String>(),
            Some("pl".into()),
        ))
    }
}

const MAIL: &str = "From: Jan <jan@example.pl>\r\nTo: support@shop.example\r\nSubject: Lampa\r\nMessage-ID: <t1@example.pl>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLampa nadal miga.\r\n\r\nW dniu 1.03.2026 o 10:00 Sklep napisa\u{142}:\r\n> Prosz\u{119} wymieni\u{107} \u{17c}ar\u{f3}wk\u{119}.\r\n";

#[tokio::test]
async fn the_shown_text_goes_to_the_translator_and_nothing_is_stored() {
    let recorder = Arc::new(Recorder::default());
    let store = Arc::new(MemoryStore::new());
    let desk = Helpdesk::builder(store.clone())
        .translator(recorder.clone())
        .build();
    let ws = WorkspaceId::new();
    let mailbox = Mailbox::new("support@shop.example");
    let out = desk
        .ingest(ws, &mailbox, MAIL.as_bytes())
        .await
        .expect("ingest");
    let before = desk.store().message(ws, out.message).await.expect("read");

    let english = desk
        .translate(ws, out.message, " en ")
        .await
        .expect("translate");
    assert_eq!(english.text, ".agim ladan apmaL");
    assert_eq!(english.detected.as_deref(), Some("pl"));
    let asked = recorder.asked.lock().expect("lock").clone();
    assert_eq!(
        asked,
        [("Lampa nadal miga.".to_string(), "en".to_string())],
        "the shown text, without the quote"
    );
    assert_eq!(
        desk.store().message(ws, out.message).await.expect("read"),
        before,
        "nothing stored"
    );

    let err = desk
        .translate(ws, MessageId::new(), "en")
        .await
        .expect_err("no such message");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = desk
        .translate(ws, out.message, "  ")
        .await
        .expect_err("no language");
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");

    let failing = Helpdesk::builder(store.clone())
        .translator(Arc::new(Recorder {
            fail: true,
            ..Recorder::default()
        }))
        .build();
    let err = failing
        .translate(ws, out.message, "en")
        .await
        .expect_err("the service fails");
    assert!(matches!(err, Error::Translator(_)), "{err:?}");
    assert!(err.to_string().contains("quota exceeded"), "{err}");

    let without = Helpdesk::builder(store).build();
    let err = without
        .translate(ws, out.message, "en")
        .await
        .expect_err("no translator");
    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
}
