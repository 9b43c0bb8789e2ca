//! Attachment bytes: stored in the blob store at ingest (or read back from
//! the stored mail without one), uploaded for replies, and sent with them
//! by the outbox; a file that cannot be read fails the delivery instead
//! of going out without it. Fixture: `attachment-inline-image.eml` (an
//! HTML mail with an inline image named by its Content-ID, and a PDF).

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use helpdesk::Bytes;
use helpdesk::MemoryStore;
use helpdesk::engine::{EngineConfig, Helpdesk, MailSettings, Mailbox, Note, Reply};
use helpdesk::error::{BoxError, Error};
use helpdesk::mail::ParseLimits;
use helpdesk::model::{AgentId, Attachment, EventKind, SendState, WorkspaceId};
use helpdesk::ports::{Blobs, ManualClock, MemoryBlobs, RecordingTransport};
use std::path::Path;
use std::sync::Arc;

const PNG_HEX: &str = "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489";
const PDF: &[u8] = b"%PDF-1.4\n% helpdesk fixture\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn png() -> Vec<u8> {
    (0..PNG_HEX.len() / 2)
        .map(|i| u8::from_str_radix(&PNG_HEX[2 * i..2 * i + 2], 16).unwrap_or_default())
        .collect()
}

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mail")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

struct Desk {
    desk: Helpdesk,
    email: Arc<RecordingTransport>,
    ws: WorkspaceId,
}

impl Desk {
    fn new(blobs: Option<Arc<dyn Blobs>>) -> Self {
        Self::with_limits(blobs, ParseLimits::default())
    }

    fn with_limits(blobs: Option<Arc<dyn Blobs>>, limits: ParseLimits) -> Self {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
                .single()
                .unwrap_or_default(),
        ));
        let email = Arc::new(RecordingTransport::new());
        let mut mail = MailSettings::new(
            b"attachment tests secret, 32 bytes".to_vec(),
            "mail.shop.example",
        );
        mail.limits = limits;
        let mut builder = Helpdesk::builder(Arc::new(MemoryStore::new()))
            .clock(clock)
            .transport("email", email.clone())
            .config(
                EngineConfig::default()
                    .default_from("support@shop.example")
                    .mail(mail),
            );
        if let Some(blobs) = blobs {
            builder = builder.blobs(blobs);
        }
        Self {
            desk: builder.build(),
            email,
            ws: WorkspaceId::new(),
        }
    }

    /// The stored message `id`.
    async fn message(&self, id: helpdesk::model::MessageId) -> helpdesk::model::Message {
        self.desk
            .store()
            .message(self.ws, id)
            .await
            .unwrap_or_else(|e| panic!("message: {e}"))
            .unwrap_or_else(|| panic!("message {id} stored"))
    }

    /// Attachment `index` of message `id`, with its bytes.
    async fn file(
        &self,
        id: helpdesk::model::MessageId,
        index: usize,
    ) -> helpdesk::engine::AttachmentContent {
        self.desk
            .attachment(self.ws, id, index)
            .await
            .unwrap_or_else(|e| panic!("attachment {index} of {id:?}: {e}"))
    }

    /// `bytes` stored as a file named `name`.
    async fn upload(&self, name: &str, content_type: &str, bytes: &[u8]) -> Attachment {
        self.desk
            .upload(self.ws, name, content_type, bytes.to_vec())
            .await
            .unwrap_or_else(|e| panic!("upload: {e}"))
    }

    /// One round of the outbox.
    async fn dispatch(&self) -> helpdesk::engine::DispatchReport {
        self.desk
            .dispatch_outbox()
            .await
            .unwrap_or_else(|e| panic!("dispatch: {e}"))
    }

    /// The files (name, bytes) of the one mail sent so far.
    fn sent_files(&self) -> Vec<(String, Vec<u8>)> {
        let sent = self.email.sent();
        let [mail] = sent.as_slice() else {
            panic!("one mail sent: {sent:?}");
        };
        mail.attachments
            .iter()
            .map(|a| (a.attachment.name.clone(), a.bytes.to_vec()))
            .collect()
    }

    /// Fixture `name`, ingested at `support@shop.example`.
    async fn ingest(&self, name: &str) -> helpdesk::engine::IngestOutcome {
        self.ingest_raw(&fixture(name)).await
    }

    /// `raw`, ingested at `support@shop.example`.
    async fn ingest_raw(&self, raw: &[u8]) -> helpdesk::engine::IngestOutcome {
        self.desk
            .ingest(self.ws, &Mailbox::new("support@shop.example"), raw)
            .await
            .unwrap_or_else(|e| panic!("ingest: {e}"))
    }
}

/// The inbound mail's attachments: metadata on the message (Content-ID and
/// inline for the image), bytes in the blob store, read back whole.
#[tokio::test]
async fn inbound_attachments_go_to_the_blob_store_and_come_back() {
    let blobs = Arc::new(MemoryBlobs::new());
    let d = Desk::new(Some(blobs.clone()));
    let out = d.ingest("attachment-inline-image.eml").await;
    let message = d.message(out.message).await;
    let files: Vec<_> = message
        .attachments
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.content_type.as_str(),
                a.content_id.as_deref(),
                a.inline,
                a.blob.is_some(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            (
                "photo.png",
                "image/png",
                Some("photo-1@customer.example"),
                true,
                true
            ),
            ("invoice.pdf", "application/pdf", None, false, true),
        ]
    );
    // The HTML names the image by that Content-ID.
    assert!(
        message
            .html
            .as_deref()
            .unwrap_or_default()
            .contains("cid:photo-1@customer.example"),
        "{:?}",
        message.html
    );
    assert_eq!(blobs.len(), 2);
    let image = d.file(out.message, 0).await;
    assert_eq!(image.bytes.to_vec(), png());
    assert_eq!(image.attachment, message.attachments[0]);
    let pdf = d.file(out.message, 1).await;
    assert_eq!(&pdf.bytes[..], PDF);
    // No third one.
    assert!(matches!(
        d.desk.attachment(d.ws, out.message, 2).await,
        Err(Error::NotFound {
            entity: "attachment",
            ..
        })
    ));
}

/// Through the public link: the customer's own files come back; a note's
/// file, another customer's and a message that does not exist are
/// `NotFound`, as for a bad token.
#[tokio::test]
async fn the_public_link_serves_the_files_it_shows_and_no_others() {
    let d = Desk::new(Some(Arc::new(MemoryBlobs::new())));
    let out = d.ingest("attachment-inline-image.eml").await;
    let token = d.desk.public_token(d.ws, &out.ticket);
    let pdf = d
        .desk
        .public_attachment(d.ws, &token, out.message, 1)
        .await
        .expect("the customer's own file");
    assert_eq!(&pdf.bytes[..], PDF);

    let note_file = d.upload("call.txt", "text/plain", b"call").await;
    let note = d
        .desk
        .note(
            d.ws,
            out.ticket.id,
            AgentId::new(),
            Note::text("Called her").attach(note_file),
        )
        .await
        .expect("note");
    let other = d
        .ingest_raw(b"From: bob@example.com\r\nSubject: Mine\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee it.\r\n--b\r\nContent-Type: application/pdf; name=b.pdf\r\n\r\n%PDF-1.4\r\n--b--\r\n")
        .await;
    for message in [note.id, other.message, helpdesk::model::MessageId::new()] {
        let err = d
            .desk
            .public_attachment(d.ws, &token, message, 0)
            .await
            .expect_err("not shown by this link");
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    }
}

/// Without a blob store nothing is stored apart from the mail, and the
/// bytes are decoded again from it.
#[tokio::test]
async fn without_a_blob_store_the_bytes_are_read_from_the_mail() {
    let d = Desk::new(None);
    let out = d.ingest("attachment-inline-image.eml").await;
    let pdf = d.file(out.message, 1).await;
    assert_eq!(pdf.attachment.blob, None);
    assert_eq!(&pdf.bytes[..], PDF);
    let image = d.file(out.message, 0).await;
    assert_eq!(image.bytes.to_vec(), png());
    assert_eq!(
        image.attachment.content_id.as_deref(),
        Some("photo-1@customer.example")
    );
}

/// An attachment over the size limit has no bytes anywhere: a typed error,
/// and nothing in the blob store for it.
#[tokio::test]
async fn an_attachment_over_the_limit_has_no_bytes() {
    let blobs = Arc::new(MemoryBlobs::new());
    let d = Desk::with_limits(Some(blobs.clone()), ParseLimits::new(10 * 1024 * 1024, 50));
    let out = d.ingest("attachment-inline-image.eml").await;
    // The PNG (33 bytes) is within 50, the PDF is not.
    assert_eq!(blobs.len(), 1);
    let err = d.desk.attachment(d.ws, out.message, 1).await;
    assert!(matches!(err, Err(Error::Validation { .. })), "{err:?}");
    assert!(d.desk.attachment(d.ws, out.message, 0).await.is_ok());
}

/// The memory blob store with faults: puts that fail, bytes that are
/// lost, deletes that fail.
#[derive(Debug, Default)]
struct FaultyBlobs {
    inner: MemoryBlobs,
    failing_put: bool,
    losing: bool,
    failing_delete: bool,
}

#[async_trait]
impl Blobs for FaultyBlobs {
    async fn put(&self, ws: WorkspaceId, a: &Attachment, bytes: Bytes) -> Result<String, BoxError> {
        if self.failing_put {
            return Err("disk full".into());
        }
        self.inner.put(ws, a, bytes).await
    }
    async fn get(&self, ws: WorkspaceId, key: &str) -> Result<Option<Bytes>, BoxError> {
        if self.losing {
            return Ok(None);
        }
        self.inner.get(ws, key).await
    }
    async fn delete(&self, ws: WorkspaceId, key: &str) -> Result<(), BoxError> {
        if self.failing_delete {
            return Err("read-only".into());
        }
        self.inner.delete(ws, key).await
    }
}

/// When the bytes cannot be stored, the mail is not ingested (a storage
/// error the caller retries) and nothing of it is written.
#[tokio::test]
async fn a_blob_store_that_fails_leaves_no_ticket() {
    let d = Desk::new(Some(Arc::new(FaultyBlobs {
        failing_put: true,
        ..FaultyBlobs::default()
    })));
    let err = d
        .desk
        .ingest(
            d.ws,
            &Mailbox::new("support@shop.example"),
            &fixture("attachment-inline-image.eml"),
        )
        .await;
    assert!(matches!(err, Err(Error::Storage(_))), "{err:?}");
    let page = d
        .desk
        .store()
        .ticket_by_number(d.ws, helpdesk::model::TicketNumber(1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(page.is_none(), "{page:?}");
    // A mail without attachments does not touch the blob store.
    let plain = b"From: ann@example.com\r\nSubject: Hi\r\nMessage-ID: <plain@x>\r\n\r\nHello\r\n";
    assert!(
        d.desk
            .ingest(d.ws, &Mailbox::new("support@shop.example"), plain)
            .await
            .is_ok()
    );
}

/// A file uploaded for a reply goes out with it, bytes and all; an
/// inbound attachment in the blob store can be sent on too.
#[tokio::test]
async fn reply_attachments_are_sent_with_their_bytes() {
    let d = Desk::new(Some(Arc::new(MemoryBlobs::new())));
    let out = d.ingest("attachment-inline-image.eml").await;
    let label = d
        .upload("../return label.pdf", "Application/PDF", b"%PDF label")
        .await;
    assert_eq!(
        (label.name.as_str(), label.content_type.as_str(), label.size),
        ("return label.pdf", "application/pdf", 10)
    );
    let photo = d.file(out.message, 0).await;
    let reply = Reply::text("Here is your return label, and the photo you sent.")
        .attach(label)
        .attach(photo.attachment);
    d.desk
        .reply(d.ws, out.ticket.id, AgentId::new(), reply)
        .await
        .unwrap_or_else(|e| panic!("reply: {e}"));
    let report = d.dispatch().await;
    // (The mailbox has no autoresponder: the reply is the one mail.)
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(
        d.sent_files(),
        [
            ("return label.pdf".to_string(), b"%PDF label".to_vec()),
            ("photo.png".to_string(), png())
        ]
    );
}

/// A customer's file sent on from another ticket (to a supplier, say)
/// stays with that reply when the customer's ticket is erased: the erasure
/// deletes only the bytes no other ticket's message holds, and the reply
/// still goes out with the file.
#[tokio::test]
async fn a_file_sent_on_from_an_erased_ticket_stays_with_the_reply() {
    let blobs = Arc::new(MemoryBlobs::new());
    let d = Desk::new(Some(blobs.clone()));
    let customer = d.ingest("attachment-inline-image.eml").await;
    let supplier = d
        .desk
        .create_ticket(
            d.ws,
            helpdesk::engine::NewTicket::from_customer(
                "orders@supplier.example",
                "Damaged lamp",
                "Replacement needed.",
            ),
        )
        .await
        .unwrap_or_else(|e| panic!("create: {e}"));
    let photo = d.file(customer.message, 0).await.attachment;
    d.desk
        .reply(
            d.ws,
            supplier.id,
            AgentId::new(),
            Reply::text("The customer's photo of the damage.").attach(photo),
        )
        .await
        .unwrap_or_else(|e| panic!("reply: {e}"));
    assert_eq!(blobs.len(), 2, "the mail's two files, one of them sent on");

    d.desk
        .delete_ticket(d.ws, customer.ticket.id)
        .await
        .unwrap_or_else(|e| panic!("delete: {e}"));
    assert_eq!(blobs.len(), 1, "the file the reply holds stays");
    let report = d.dispatch().await;
    assert_eq!((report.sent, report.failed), (1, 0), "{report:?}");
    assert_eq!(d.sent_files(), [("photo.png".to_string(), png())]);

    // Erasing the supplier's ticket too takes the last copy.
    d.desk
        .anonymise(d.ws, supplier.id, helpdesk::model::Actor::System)
        .await
        .unwrap_or_else(|e| panic!("anonymise: {e}"));
    assert!(blobs.is_empty());
}

/// An internal note carries files as a reply does (their bytes read back
/// whole), and nothing of it is sent; a note's file without stored bytes
/// is refused, and so is a note with neither text nor files.
#[tokio::test]
async fn a_note_carries_files_and_none_leaves() {
    let d = Desk::new(Some(Arc::new(MemoryBlobs::new())));
    let out = d.ingest("attachment-inline-image.eml").await;
    let call = d
        .upload("courier call.txt", "text/plain", b"parcel in Poznan")
        .await;
    let agent = AgentId::new();
    let note = d
        .desk
        .note(
            d.ws,
            out.ticket.id,
            agent,
            Note::text("What the courier said on the phone.").attach(call),
        )
        .await
        .unwrap_or_else(|e| panic!("note: {e}"));
    assert_eq!(note.visibility, helpdesk::model::Visibility::Internal);
    let file = d.file(note.id, 0).await;
    assert_eq!(
        (file.attachment.name.as_str(), &file.bytes[..]),
        ("courier call.txt", &b"parcel in Poznan"[..])
    );
    // A file alone is a note too.
    let photo = d.file(out.message, 0).await.attachment;
    let only_file = d
        .desk
        .note(d.ws, out.ticket.id, agent, Note::text("").attach(photo))
        .await
        .unwrap_or_else(|e| panic!("note with a file only: {e}"));
    assert_eq!(d.message(only_file.id).await.attachments.len(), 1);
    let report = d.dispatch().await;
    assert_eq!(report.sent, 0, "{report:?}");
    assert!(d.email.sent().is_empty());

    let no_bytes = Attachment::new("nothing.pdf", "application/pdf", 3);
    let refused = d
        .desk
        .note(
            d.ws,
            out.ticket.id,
            agent,
            Note::text("See file.").attach(no_bytes),
        )
        .await;
    assert!(
        matches!(&refused, Err(Error::Validation { field, .. }) if field == "attachments"),
        "{refused:?}"
    );
    let empty = d
        .desk
        .note(d.ws, out.ticket.id, agent, Note::text(" "))
        .await;
    assert!(matches!(&empty, Err(Error::Validation { .. })), "{empty:?}");
    let messages = d
        .desk
        .store()
        .messages(d.ws, out.ticket.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(messages.len(), 3, "the mail and the two notes");
}

/// A message with files copied into a new ticket keeps them when the
/// ticket it came from is anonymised: the bytes are the new ticket's too.
#[tokio::test]
async fn files_of_a_message_split_off_survive_the_erasure_of_its_ticket() {
    let blobs = Arc::new(MemoryBlobs::new());
    let d = Desk::new(Some(blobs.clone()));
    let out = d.ingest("attachment-inline-image.eml").await;
    let split = d
        .desk
        .ticket_from_message(d.ws, out.message, AgentId::new(), false)
        .await
        .unwrap_or_else(|e| panic!("split: {e}"));
    d.desk
        .anonymise(d.ws, out.ticket.id, helpdesk::model::Actor::System)
        .await
        .unwrap_or_else(|e| panic!("anonymise: {e}"));
    assert_eq!(blobs.len(), 2, "both files stay with the copy");
    let copy = d
        .desk
        .store()
        .messages(d.ws, split.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let file = d.file(copy[0].id, 1).await;
    assert_eq!(
        (file.attachment.name.as_str(), &file.bytes[..]),
        ("invoice.pdf", PDF)
    );
}

/// Without a blob store, a message split off keeps the raw mail its files
/// are read from (with one, the copy leaves the raw mail to the original).
#[tokio::test]
async fn a_message_split_off_without_a_blob_store_keeps_its_files() {
    // The copy of the fixture's mail on a new ticket, and the PDF read
    // back from it.
    async fn copy_and_pdf(d: &Desk) -> (Option<Bytes>, Vec<u8>) {
        let out = d.ingest("attachment-inline-image.eml").await;
        let split = d
            .desk
            .ticket_from_message(d.ws, out.message, AgentId::new(), false)
            .await
            .unwrap_or_else(|e| panic!("split: {e}"));
        let copy = d
            .desk
            .store()
            .messages(d.ws, split.id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let pdf = d.file(copy[0].id, 1).await.bytes.to_vec();
        (copy[0].raw.clone(), pdf)
    }
    let (raw, pdf) = copy_and_pdf(&Desk::new(None)).await;
    assert!(raw.is_some());
    assert_eq!(pdf, PDF);
    let (raw, pdf) = copy_and_pdf(&Desk::new(Some(Arc::new(MemoryBlobs::new())))).await;
    assert_eq!(raw, None);
    assert_eq!(pdf, PDF);
}

/// A reply whose file is gone is marked failed, with an event, and is
/// not sent without it.
#[tokio::test]
async fn a_reply_whose_file_is_gone_fails_and_is_not_sent() {
    let d = Desk::new(Some(Arc::new(FaultyBlobs {
        losing: true,
        ..FaultyBlobs::default()
    })));
    let plain = b"From: ann@example.com\r\nSubject: Label?\r\nMessage-ID: <label@x>\r\n\r\nPlease send a label.\r\n";
    let out = d.ingest_raw(plain).await;
    let label = d
        .desk
        .upload(d.ws, "label.pdf", "application/pdf", b"%PDF".to_vec())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let message = d
        .desk
        .reply(
            d.ws,
            out.ticket.id,
            AgentId::new(),
            Reply::text("Label attached.").attach(label),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let report = d
        .desk
        .dispatch_outbox()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
    assert!(d.email.sent().is_empty());
    let stored = d.message(message.id).await;
    assert!(
        matches!(stored.send_state, Some(SendState::Failed { .. })),
        "{:?}",
        stored.send_state
    );
    let events = d
        .desk
        .store()
        .events(d.ws, out.ticket.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        events.iter().any(
            |e| matches!(&e.kind, EventKind::MessageFailed { message: m, .. } if *m == message.id)
        ),
        "{events:?}"
    );
}

/// Uploads are refused over the size limit, without a name, and without
/// a blob store; a reply is refused with a file that has no stored bytes.
#[tokio::test]
async fn uploads_and_replies_refuse_files_without_bytes() {
    let d = Desk::with_limits(
        Some(Arc::new(MemoryBlobs::new())),
        ParseLimits::new(1024 * 1024, 4),
    );
    assert!(matches!(
        d.desk
            .upload(d.ws, "big.bin", "application/octet-stream", vec![0u8; 5])
            .await,
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        d.desk.upload(d.ws, "/", "text/plain", b"x".to_vec()).await,
        Err(Error::Validation { .. })
    ));
    let odd = d
        .desk
        .upload(d.ws, "a.bin", "nonsense", b"abc".to_vec())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(odd.content_type, "application/octet-stream");

    let none = Desk::new(None);
    assert!(matches!(
        none.desk
            .upload(none.ws, "a.txt", "text/plain", b"x".to_vec())
            .await,
        Err(Error::Unsupported { .. })
    ));
    let plain = b"From: ann@example.com\r\nSubject: Q\r\nMessage-ID: <q@x>\r\n\r\nQuestion\r\n";
    let out = none.ingest_raw(plain).await;
    let reply = Reply::text("See the file.").attach(Attachment::new("f.txt", "text/plain", 3));
    assert!(matches!(
        none.desk
            .reply(none.ws, out.ticket.id, AgentId::new(), reply)
            .await,
        Err(Error::Validation { .. })
    ));
    // An inline image needs a Content-ID that can be sent.
    let out = d.ingest_raw(plain).await;
    let mut image = d
        .desk
        .upload(d.ws, "i.png", "image/png", b"png".to_vec())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    image.inline = true;
    image.content_id = Some("bad id".into());
    let reply = Reply::text("See the image.").attach(image.clone());
    assert!(matches!(
        d.desk
            .reply(d.ws, out.ticket.id, AgentId::new(), reply)
            .await,
        Err(Error::Validation { .. })
    ));
    image.content_id = Some("img-1@shop.example".into());
    let reply = Reply::text("See the image.").attach(image);
    assert!(
        d.desk
            .reply(d.ws, out.ticket.id, AgentId::new(), reply)
            .await
            .is_ok()
    );
}

/// Erasing a ticket's personal data deletes its attachments' bytes too;
/// so does deleting the ticket.
#[tokio::test]
async fn anonymise_and_delete_take_the_bytes_with_them() {
    let blobs = Arc::new(MemoryBlobs::new());
    let d = Desk::new(Some(blobs.clone()));
    let out = d.ingest("attachment-inline-image.eml").await;
    assert_eq!(blobs.len(), 2);
    d.desk
        .anonymise(d.ws, out.ticket.id, helpdesk::model::Actor::System)
        .await
        .unwrap_or_else(|e| panic!("anonymise: {e}"));
    assert!(blobs.is_empty());
    assert!(matches!(
        d.desk.attachment(d.ws, out.message, 0).await,
        Err(Error::NotFound { .. })
    ));

    let other = b"From: bob@example.com\r\nSubject: File\r\nMessage-ID: <file@x>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nFile.\r\n--b\r\nContent-Type: text/csv; name=a.csv\r\n\r\na,b\r\n--b--\r\n";
    let out = d.ingest_raw(other).await;
    assert_eq!(blobs.len(), 1);
    d.desk
        .delete_ticket(d.ws, out.ticket.id)
        .await
        .unwrap_or_else(|e| panic!("delete: {e}"));
    assert!(blobs.is_empty());
}

/// When the bytes cannot be deleted, the erasure is not committed (the
/// call can be made again): nothing is left half-erased.
#[tokio::test]
async fn an_erasure_whose_bytes_cannot_be_deleted_changes_nothing() {
    let d = Desk::new(Some(Arc::new(FaultyBlobs {
        failing_delete: true,
        ..FaultyBlobs::default()
    })));
    let out = d.ingest("attachment-inline-image.eml").await;
    let err = d
        .desk
        .anonymise(d.ws, out.ticket.id, helpdesk::model::Actor::System)
        .await;
    assert!(matches!(err, Err(Error::Storage(_))), "{err:?}");
    let err = d.desk.delete_ticket(d.ws, out.ticket.id).await;
    assert!(matches!(err, Err(Error::Storage(_))), "{err:?}");
    // The ticket and its message are as they were.
    let file = d.file(out.message, 1).await;
    assert_eq!(file.attachment.name, "invoice.pdf");
    assert_eq!(&file.bytes[..], PDF);
}
