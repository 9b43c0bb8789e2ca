//! Attachment bytes in PostgreSQL: the engine with `PgStore` as its store
//! and its blob store keeps an inbound mail's files in the `blobs` table,
//! reads them back, sends a reply's file from it, and deletes the rows
//! when the ticket is anonymised. Same server and skip rules as
//! `conformance.rs`.

mod common;

use common::*;
use helpdesk_core::engine::{EngineConfig, Helpdesk, Mailbox, Reply};
use helpdesk_core::model::{Actor, AgentId, WorkspaceId};
use helpdesk_core::ports::RecordingTransport;
use helpdesk_postgres::sqlx;
use std::sync::Arc;

const MAIL: &str = "From: Ann <ann@example.com>\r\nTo: support@shop.example\r\nSubject: Broken lamp\r\nMessage-ID: <lamp@example.com>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe photo.\r\n--b\r\nContent-Type: image/png; name=lamp.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n";

async fn rows(db: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM helpdesk.blobs")
        .fetch_one(&db.pool().await)
        .await
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_live_in_the_blobs_table() {
    let Some(db) = test_db().await else { return };
    let email = Arc::new(RecordingTransport::new());
    let desk = Helpdesk::builder(db.dyn_store())
        .blobs(db.store.clone())
        .transport("email", email.clone())
        .config(EngineConfig::default().default_from("support@shop.example"))
        .build();
    let ws = WorkspaceId::new();
    let out = desk
        .ingest(ws, &Mailbox::new("support@shop.example"), MAIL.as_bytes())
        .await
        .expect("ingest");
    assert_eq!(rows(&db).await, 1);
    let photo = desk
        .attachment(ws, out.message, 0)
        .await
        .expect("read back");
    assert_eq!(&photo.bytes[..], b"\x89PNG\r\n\x1a\n");
    assert!(photo.attachment.blob.is_some());

    // A reply with an uploaded file: sent with its bytes.
    let label = desk
        .upload(ws, "label.pdf", "application/pdf", b"%PDF-1.4".to_vec())
        .await
        .expect("upload");
    assert_eq!(rows(&db).await, 2);
    desk.reply(
        ws,
        out.ticket.id,
        AgentId::new(),
        Reply::text("Label attached.").attach(label),
    )
    .await
    .expect("reply");
    desk.dispatch_outbox().await.expect("dispatch");
    let sent = email.sent();
    let files: Vec<_> = sent
        .iter()
        .flat_map(|m| &m.attachments)
        .map(|a| (a.attachment.name.as_str(), a.bytes.to_vec()))
        .collect();
    assert_eq!(files, [("label.pdf", b"%PDF-1.4".to_vec())]);

    // Anonymised: the rows are gone.
    desk.anonymise(ws, out.ticket.id, Actor::System)
        .await
        .expect("anonymise");
    assert_eq!(rows(&db).await, 0);
    drop(db);
}
