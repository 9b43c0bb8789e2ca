//! The ingest rules, one test per rule, driven by our own `.eml` fixtures
//! (`tests/fixtures/mail`, see its README) through the full
//! `Helpdesk::ingest` on the memory store: threading, classification, the
//! autoresponder's decisions, bounces, lifecycle effects, Reply-To and Cc,
//! attachment limits, incoming rules, unread counts, and a robot that
//! answers every mail it gets.

use chrono::{DateTime, Duration, TimeZone, Utc};
use helpdesk::MemoryStore;
use helpdesk::engine::{
    AutoreplyOutcome, EngineConfig, Forward, Helpdesk, IngestOutcome, IngestStatus, MailSettings,
    Mailbox, Reply,
};
use helpdesk::lifecycle::State;
use helpdesk::mail::{
    AutoresponderConfig, ClassifyContext, ClassifyReason, IncomingRule, ParseLimits, RuleActions,
    RuleCondition, RuleField, RuleOp, SuppressReason, classify_with_reason, parse,
};
use helpdesk::model::{
    Actor, Agent, AgentId, Classification, Contact, EventKind, Message, MessageId, Priority,
    QueueId, SendState, TicketId, Visibility, WorkspaceId, WorkspaceSettings,
};
use helpdesk::ports::{DirectoryRecord, DynStore, ManualClock, RecordingTransport, StoreExt};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const MAILBOX: &str = "support@shop.example";
const DOMAIN: &str = "mail.shop.example";
const ROBOT: &str = "robot@other-helpdesk.example";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("a valid date"))
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail")
}

/// The raw bytes of fixture `name`.
fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Fixture `name` with its `{{PLACEHOLDER}}`s replaced; every placeholder
/// must be given.
fn fill(name: &str, subs: &[(&str, &str)]) -> Vec<u8> {
    let mut text = String::from_utf8(fixture(name))
        .unwrap_or_else(|e| panic!("fixture {name} is not UTF-8: {e}"));
    for (key, value) in subs {
        let placeholder = format!("{{{{{key}}}}}");
        assert!(text.contains(&placeholder), "{name} has no {placeholder}");
        text = text.replace(&placeholder, value);
    }
    assert!(!text.contains("{{"), "{name}: a placeholder is left");
    text.into_bytes()
}

/// [`fill`], then each `(from, to)` of `edits` replaced in the mail.
fn fill_edited(name: &str, subs: &[(&str, &str)], edits: &[(&str, &str)]) -> String {
    let mut text = String::from_utf8(fill(name, subs)).unwrap_or_default();
    for (from, to) in edits {
        assert!(text.contains(from), "{name} has no {from:?}");
        text = text.replace(from, to);
    }
    text
}

/// An engine on a fresh memory store, with a manual clock at [`t0`], a
/// recording email transport, one agent and our own Message-ID domain.
struct Desk {
    desk: Helpdesk,
    clock: Arc<ManualClock>,
    email: Arc<RecordingTransport>,
    ws: WorkspaceId,
    agent: AgentId,
}

impl Desk {
    async fn new() -> Self {
        Self::with_limits(ParseLimits::default()).await
    }

    async fn with_limits(limits: ParseLimits) -> Self {
        let mut mail = MailSettings::new(b"fixture tests secret, 32 bytes+".to_vec(), DOMAIN);
        mail.limits = limits;
        Self::with_mail(mail).await
    }

    async fn with_mail(mail: MailSettings) -> Self {
        let clock = Arc::new(ManualClock::new(t0()));
        let email = Arc::new(RecordingTransport::new());
        let desk = Helpdesk::builder(Arc::new(MemoryStore::new()))
            .clock(clock.clone())
            .transport("email", email.clone())
            .config(EngineConfig::default().default_from(MAILBOX).mail(mail))
            .build();
        let ws = WorkspaceId::new();
        let agent = AgentId::new();
        desk.put_record(
            ws,
            DirectoryRecord::Agent(Agent {
                id: agent,
                workspace: ws,
                name: "Agnes".into(),
                email: Some("agnes@shop.example".into()),
                active: true,
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("put agent: {e}"));
        Self {
            desk,
            clock,
            email,
            ws,
            agent,
        }
    }

    fn store(&self) -> &Arc<DynStore> {
        self.desk.store()
    }

    /// The name and size of each attachment stored with `message`.
    async fn attachments(&self, message: MessageId) -> Vec<(String, u64)> {
        self.message(message)
            .await
            .attachments
            .into_iter()
            .map(|a| (a.name, a.size))
            .collect()
    }

    /// The requester of the ticket `out` landed on.
    async fn requester(&self, out: &IngestOutcome) -> Contact {
        self.store()
            .contact(self.ws, out.ticket.requester)
            .await
            .unwrap_or_else(|e| panic!("contact: {e}"))
            .unwrap_or_else(|| panic!("requester of ticket {} stored", out.ticket.number))
    }

    async fn ingest(&self, mailbox: &Mailbox, raw: &[u8]) -> IngestOutcome {
        self.desk
            .ingest(self.ws, mailbox, raw)
            .await
            .unwrap_or_else(|e| panic!("ingest failed: {e}"))
    }

    /// Ingests fixture `name` (placeholders filled from `subs`).
    async fn file(&self, mailbox: &Mailbox, name: &str, subs: &[(&str, &str)]) -> IngestOutcome {
        self.ingest(mailbox, &fill(name, subs)).await
    }

    async fn events(&self, ticket: TicketId) -> Vec<EventKind> {
        self.store()
            .events(self.ws, ticket)
            .await
            .unwrap_or_else(|e| panic!("events: {e}"))
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }

    async fn ticket(&self, id: TicketId) -> helpdesk::model::Ticket {
        self.store()
            .get_ticket(self.ws, id)
            .await
            .unwrap_or_else(|e| panic!("ticket: {e}"))
    }

    /// The stored message `id`; a test failure when it is not stored.
    async fn message(&self, id: MessageId) -> Message {
        self.store()
            .message(self.ws, id)
            .await
            .unwrap_or_else(|e| panic!("message {id:?}: {e}"))
            .unwrap_or_else(|| panic!("message {id:?} is not stored"))
    }

    fn actor(&self) -> Actor {
        Actor::Agent(self.agent)
    }

    /// Agnes, the desk's agent, leaves: she is inactive from now on.
    async fn agnes_leaves(&self) {
        self.desk
            .put_record(
                self.ws,
                DirectoryRecord::Agent(Agent {
                    id: self.agent,
                    workspace: self.ws,
                    name: "Agnes".into(),
                    email: Some("agnes@shop.example".into()),
                    active: false,
                }),
            )
            .await
            .unwrap_or_else(|e| panic!("put agent: {e}"));
    }

    /// The classification context the engine uses for [`MAILBOX`].
    fn classify_context(&self, blocklist: Vec<String>) -> ClassifyContext {
        ClassifyContext {
            own_addresses: vec![MAILBOX.to_owned()],
            own_message_id_domain: Some(DOMAIN.to_owned()),
            loop_header_name: "X-Helpdesk-Loop".to_owned(),
            loop_header_value: self.desk.loop_header_value(self.ws),
            blocklist,
        }
    }
}

/// The support mailbox with the default autoresponder (new tickets only).
fn mailbox() -> Mailbox {
    Mailbox::new(MAILBOX).autoresponder(AutoresponderConfig::default())
}

/// The support mailbox whose autoresponder also answers replies.
fn mailbox_on_reply() -> Mailbox {
    let mut config = AutoresponderConfig::default();
    config.on_reply = true;
    Mailbox::new(MAILBOX).autoresponder(config)
}

fn number(o: &IngestOutcome) -> String {
    o.ticket.number.0.to_string()
}

// ---------------------------------------------------------------- fixtures

#[test]
fn fixtures_are_crlf_and_parse() {
    let mut names: Vec<String> = std::fs::read_dir(fixture_dir())
        .unwrap_or_else(|e| panic!("fixture dir: {e}"))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    names.sort();
    assert!(names.len() >= 39, "fixtures missing: {names:?}");
    for name in &names {
        let raw = fixture(name);
        for (i, b) in raw.iter().enumerate() {
            if *b == b'\n' {
                assert!(
                    i > 0 && raw.get(i - 1) == Some(&b'\r'),
                    "{name}: bare LF at byte {i}"
                );
            }
        }
        let mail = parse(&raw, &ParseLimits::default())
            .unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
        // (Two fixtures are about mail without a usable From.)
        let without_from = ["new-empty-from-reply-to.eml", "new-no-from-return-path.eml"];
        assert!(
            mail.from.is_some() != without_from.contains(&name.as_str()),
            "{name} has a From, or is about mail without one"
        );
        assert!(mail.message_id.is_some(), "{name} has a Message-ID");
        assert!(mail.date.is_some(), "{name} has a Date");
    }
}

// ---------------------------------------------------------------- threading

#[tokio::test]
async fn thread_by_in_reply_to() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    assert_eq!(first.status, IngestStatus::Created);
    let reply = d.file(&mb, "thread-02-in-reply-to.eml", &[]).await;
    assert_eq!(
        (reply.status, reply.ticket.id),
        (IngestStatus::Appended, first.ticket.id)
    );
    assert_eq!(reply.classification, Classification::Human);
    let msg = d.message(reply.message).await;
    assert_eq!(
        msg.email.in_reply_to,
        vec!["CAF1lamp.0001@mail.customer.example".to_owned()]
    );
    assert!(
        msg.display_text
            .as_deref()
            .is_some_and(|t| !t.contains("flickers every few seconds")),
        "quoted history is cut from the shown text: {:?}",
        msg.display_text
    );
}

#[tokio::test]
async fn thread_by_references_only() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let raw = fixture("thread-03-references-only.eml");
    let parsed = parse(&raw, &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(parsed.in_reply_to.is_empty(), "no In-Reply-To in this one");
    let reply = d.ingest(&mb, &raw).await;
    assert_eq!(
        (reply.status, reply.ticket.id),
        (IngestStatus::Appended, first.ticket.id)
    );
}

#[tokio::test]
async fn thread_by_our_message_id() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let answer = d
        .desk
        .reply(
            d.ws,
            first.ticket.id,
            d.agent,
            Reply::text("Please send the lamp back, we will replace it."),
        )
        .await
        .unwrap_or_else(|e| panic!("reply: {e}"));
    let ours = answer
        .email
        .message_id
        .clone()
        .unwrap_or_else(|| panic!("our reply has a Message-ID"));
    assert!(ours.ends_with(&format!("@{DOMAIN}")), "{ours}");
    d.desk
        .dispatch_outbox()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let back = d
        .file(
            &mb,
            "thread-04-our-message-id.eml",
            &[("OUR_MESSAGE_ID", &ours)],
        )
        .await;
    assert_eq!(
        (back.status, back.ticket.id),
        (IngestStatus::Appended, first.ticket.id)
    );
}

/// With a "reply above this line" marker, every mail we send starts with
/// it (text and HTML), and a customer's answer above our quoted mail is
/// what is shown of the reply, whatever the client wrote around it (here
/// an attribution in no language the trimming rules know).
#[tokio::test]
async fn a_reply_above_our_marker_is_what_is_shown() {
    let marker = "##- Please type your reply above this line -##";
    let d = Desk::with_mail(
        MailSettings::new(b"fixture tests secret, 32 bytes+".to_vec(), DOMAIN)
            .with_reply_marker(marker),
    )
    .await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let mut answer = Reply::text("Please send the lamp back, we will replace it.");
    answer.html = Some("<p>Please send the lamp back.</p>".into());
    d.desk
        .reply(d.ws, first.ticket.id, d.agent, answer)
        .await
        .unwrap_or_else(|e| panic!("reply: {e}"));
    d.desk
        .dispatch_outbox()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sent = d.email.sent();
    let ours = sent
        .iter()
        .find(|m| m.text.contains("send the lamp back"))
        .unwrap_or_else(|| panic!("our reply was sent: {sent:?}"));
    assert_eq!(
        ours.text,
        format!("{marker}\n\nPlease send the lamp back, we will replace it.")
    );
    assert!(
        ours.html.as_deref().is_some_and(|h| h.contains(marker) && h.ends_with("<p>Please send the lamp back.</p>")),
        "{:?}",
        ours.html
    );
    // The stored message is what the agent wrote.
    let stored = d.message(ours.message).await;
    assert_eq!(
        stored.text,
        "Please send the lamp back, we will replace it."
    );

    let reply = format!(
        "From: Jan Kowalski <jan.kowalski@customer.example>\r\nTo: support@shop.example\r\nSubject: Re: lamp\r\nMessage-ID: <marker.1@customer.example>\r\nIn-Reply-To: <{}>\r\n\r\nOK, sending it today.\r\n\r\nJan\r\n\r\nMandag 2. mars 2026 kl. 10.52 tulis Support <support@shop.example>:\r\n> {marker}\r\n>\r\n> Please send the lamp back, we will replace it.\r\n",
        stored.email.message_id.clone().unwrap_or_default()
    );
    let back = d.ingest(&mb, reply.as_bytes()).await;
    assert_eq!(back.ticket.id, first.ticket.id);
    let message = d.message(back.message).await;
    assert_eq!(message.shown_text(), "OK, sending it today.\n\nJan");
    assert!(message.text.contains(marker), "the full text is kept");
    // Without a marker set, the same reply is trimmed by the usual rules
    // only: the quote goes, the attribution (in no language they know)
    // stays.
    let plain = Desk::new().await;
    let back = plain.ingest(&mb, reply.as_bytes()).await;
    let shown = plain.message(back.message).await.shown_text().to_string();
    assert!(
        shown.ends_with("tulis Support <support@shop.example>:"),
        "{shown}"
    );
}

#[tokio::test]
async fn thread_by_signed_message_id_unknown_to_the_store() {
    // A provider may drop our message, or it lives in another store: the
    // signed token inside our Message-ID still finds the ticket.
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let signed = d
        .desk
        .outgoing_message_id(d.ws, first.ticket.id, MessageId::new());
    let back = d
        .file(
            &mb,
            "thread-04-our-message-id.eml",
            &[("OUR_MESSAGE_ID", &signed)],
        )
        .await;
    assert_eq!(back.ticket.id, first.ticket.id);
    // A tampered token does not thread (and the mail is not lost).
    let d = Desk::new().await;
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let signed = d
        .desk
        .outgoing_message_id(d.ws, first.ticket.id, MessageId::new());
    let tampered = signed.replacen("hd.", "hd.b", 1);
    let back = d
        .file(
            &mb,
            "thread-04-our-message-id.eml",
            &[("OUR_MESSAGE_ID", &tampered)],
        )
        .await;
    assert_eq!(back.status, IngestStatus::Created);
    assert_ne!(back.ticket.id, first.ticket.id);
}

#[tokio::test]
async fn thread_by_our_plus_address() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let plus = d.desk.ticket_reply_address(d.ws, first.ticket.id, MAILBOX);
    assert!(plus.starts_with("support+"), "{plus}");
    let back = d
        .file(
            &mb,
            "thread-05-plus-address.eml",
            &[("OUR_PLUS_ADDRESS", &plus)],
        )
        .await;
    assert_eq!(
        (back.status, back.ticket.id),
        (IngestStatus::Appended, first.ticket.id)
    );
}

#[tokio::test]
async fn subject_tag_from_a_participant_threads() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let n = number(&first);
    let back = d
        .file(
            &mb,
            "thread-06-subject-tag-participant.eml",
            &[("TICKET_NUMBER", &n)],
        )
        .await;
    assert_eq!(
        (back.status, back.ticket.id),
        (IngestStatus::Appended, first.ticket.id)
    );
}

/// Another helpdesk's tag after ours (`Lamp return [#12] [#4711]`): every
/// tag is tried, the last first, and ours threads the mail.
#[tokio::test]
async fn a_subject_tag_followed_by_another_helpdesks_tag_still_threads() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let n = number(&first);
    let (tag, tags) = (format!("[#{n}]"), format!("[#{n}] [#4711]"));
    let raw = fill_edited(
        "thread-06-subject-tag-participant.eml",
        &[("TICKET_NUMBER", &n)],
        &[(tag.as_str(), tags.as_str())],
    );
    assert!(raw.contains("[#4711]"));
    let back = d.ingest(&mb, raw.as_bytes()).await;
    assert_eq!(
        (back.status, back.ticket.id),
        (IngestStatus::Appended, first.ticket.id)
    );
}

#[tokio::test]
async fn subject_tag_from_a_stranger_opens_a_new_ticket() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let n = number(&first);
    let other = d
        .file(
            &mb,
            "thread-07-subject-tag-stranger.eml",
            &[("TICKET_NUMBER", &n)],
        )
        .await;
    assert_eq!(other.status, IngestStatus::Created);
    assert_ne!(other.ticket.id, first.ticket.id, "no hijacking by number");
    let untouched = d.ticket(first.ticket.id).await;
    assert_eq!(untouched.unread_count, 1);
}

/// A new mail with the ticket's tag (no In-Reply-To) from someone the
/// ticket was forwarded to: their answer, on the ticket, `ThirdParty`,
/// owing the customer nothing; the same mail from another address of their
/// domain is a stranger's.
#[tokio::test]
async fn subject_tag_from_a_forward_recipient_is_a_third_party_answer() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let n = number(&first);
    d.desk
        .forward(
            d.ws,
            first.ticket.id,
            d.agent,
            Forward::conversation().to("Claims@Courier.example"),
        )
        .await
        .unwrap_or_else(|e| panic!("forward: {e}"));
    let before = d.ticket(first.ticket.id).await;
    let answer = d
        .file(
            &mb,
            "thread-08-subject-tag-forward-recipient.eml",
            &[("TICKET_NUMBER", &n)],
        )
        .await;
    assert_eq!(
        (answer.status, answer.ticket.id),
        (IngestStatus::Appended, first.ticket.id)
    );
    assert_eq!(
        d.message(answer.message).await.visibility,
        Visibility::ThirdParty
    );
    assert_eq!(
        answer.ticket.times.last_inbound, before.times.last_inbound,
        "no response owed to the customer"
    );
    let raw = fill_edited(
        "thread-08-subject-tag-forward-recipient.eml",
        &[("TICKET_NUMBER", &n)],
        &[
            ("claims@courier.example", "sales@courier.example"),
            ("c7731.trace", "c7732.trace"),
        ],
    );
    let stranger = d.ingest(&mb, raw.as_bytes()).await;
    assert_eq!(stranger.status, IngestStatus::Created);
    assert_ne!(stranger.ticket.id, first.ticket.id);
}

#[tokio::test]
async fn a_new_mail_from_the_same_person_opens_a_new_ticket() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let second = d.file(&mb, "lifecycle-second-question.eml", &[]).await;
    assert_eq!(second.status, IngestStatus::Created);
    assert_ne!(second.ticket.id, first.ticket.id);
    assert_eq!(second.ticket.requester, first.ticket.requester);
}

#[tokio::test]
async fn the_same_mail_twice_is_a_duplicate() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let again = d.file(&mb, "thread-01-new.eml", &[]).await;
    assert_eq!(again.status, IngestStatus::Duplicate);
    assert_eq!(
        (again.ticket.id, again.message),
        (first.ticket.id, first.message)
    );
    assert_eq!(d.ticket(first.ticket.id).await.unread_count, 1);
    // The duplicate reports the first one's classification.
    for name in ["class-x-autoreply.eml", "list-list-id.eml"] {
        let first = d.file(&mb, name, &[]).await;
        let again = d.file(&mb, name, &[]).await;
        assert_eq!(again.status, IngestStatus::Duplicate, "{name}");
        assert_ne!(first.classification, Classification::Human, "{name}");
        assert_eq!(again.classification, first.classification, "{name}");
    }
}

/// A sender that gives two different mails one Message-ID (some shipping
/// and ticketing systems do) loses neither: the second (another `Date` and
/// `Subject`) is not a duplicate. A copy of either, delivered over another
/// route (an extra `Received` header), still is, of that one.
#[tokio::test]
async fn a_reused_message_id_does_not_drop_a_different_mail() {
    let d = Desk::new().await;
    let mb = mailbox();
    let on_its_way = d.file(&mb, "dedupe-reused-message-id-1.eml", &[]).await;
    assert_eq!(on_its_way.status, IngestStatus::Created);

    let mut relayed = b"Received: from mx2.parcels.example by mx.shop.example; Wed, 25 Jun 2025 08:00:05 +0200\r\n".to_vec();
    relayed.extend_from_slice(&fixture("dedupe-reused-message-id-1.eml"));
    let copy = d.ingest(&mb, &relayed).await;
    assert_eq!(copy.status, IngestStatus::Duplicate);
    assert_eq!(copy.message, on_its_way.message);

    let not_delivered = d.file(&mb, "dedupe-reused-message-id-2.eml", &[]).await;
    assert_ne!(not_delivered.status, IngestStatus::Duplicate);
    assert_ne!(not_delivered.message, on_its_way.message);
    let stored = d.message(not_delivered.message).await;
    assert_eq!(stored.subject, "Your parcel 4711 could not be delivered");

    // Each again: a duplicate of itself.
    for (name, first) in [
        ("dedupe-reused-message-id-2.eml", &not_delivered),
        ("dedupe-reused-message-id-1.eml", &on_its_way),
    ] {
        let again = d.file(&mb, name, &[]).await;
        assert_eq!(again.status, IngestStatus::Duplicate, "{name}");
        assert_eq!(
            (again.ticket.id, again.message),
            (first.ticket.id, first.message),
            "{name}"
        );
    }
}

/// A `Date` ending in a one-letter zone (`Z`), which mail-parser reads past
/// its line break, does not swallow the `From` after it: the sender is the
/// requester, and the subject and date are read.
#[tokio::test]
async fn a_date_with_a_short_zone_keeps_the_sender() {
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "new-date-short-zone.eml", &[]).await;
    assert_eq!(
        (out.status, out.classification),
        (IngestStatus::Created, Classification::Human)
    );
    let requester = d.requester(&out).await;
    assert_eq!(
        requester.emails,
        vec!["jane.doe@customer.example".to_string()]
    );
    assert_eq!(out.ticket.subject, "Order 4411: wrong colour");
    let raw = fill("new-date-short-zone.eml", &[]);
    let mail = parse(&raw, &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        mail.date.map(|d| d.to_rfc3339()).as_deref(),
        Some("2026-03-02T12:09:00+00:00")
    );
}

/// A mail without a usable From (an empty address, or none at all) is not
/// lost: its Reply-To, else its Return-Path, names the requester. With
/// nothing to stand in, it is refused with a typed error.
#[tokio::test]
async fn a_mail_without_a_usable_from_takes_reply_to_or_return_path() {
    let d = Desk::new().await;
    for (name, email) in [
        ("new-empty-from-reply-to.eml", "wang.reply@example.cn"),
        ("new-no-from-return-path.eml", "envelope.sender@example.org"),
    ] {
        let out = d.file(&mailbox(), name, &[]).await;
        assert_eq!(out.status, IngestStatus::Created, "{name}");
        let requester = d.requester(&out).await;
        assert_eq!(requester.emails, vec![email.to_string()], "{name}");
    }
    let nobody = b"To: support@shop.example\r\nSubject: Hello\r\nMessage-ID: <nobody@example.org>\r\n\r\nHi\r\n";
    match d.desk.ingest(d.ws, &mailbox(), nobody).await {
        Err(helpdesk::Error::Validation { reason, .. }) => {
            assert_eq!(reason, "the mail has no sender address");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// A mail that opens with a blank line before its headers (scripts and
/// archive exports write one) is read from its headers: its sender, its
/// subject and its text, instead of being refused for want of a sender;
/// the stored raw mail is the mail as it came.
#[tokio::test]
async fn a_blank_line_before_the_headers_is_passed_over() {
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "new-leading-blank-line.eml", &[]).await;
    assert_eq!(out.status, IngestStatus::Created);
    assert_eq!(out.classification, Classification::Human);
    assert_eq!(out.ticket.subject, "Wow, the lamp");
    let requester = d.requester(&out).await;
    assert_eq!(requester.emails, vec!["bob@example.net".to_string()]);
    let message = d.message(out.message).await;
    assert_eq!(message.text.trim(), "Hello, the lamp works now.");
    assert_eq!(
        message.raw.as_deref(),
        Some(fixture("new-leading-blank-line.eml").as_slice())
    );
}

/// `ingest_bytes` lands a mail as `ingest` does, and the stored message
/// keeps the caller's buffer itself (no copy of the raw mail).
#[tokio::test]
async fn ingest_bytes_keeps_the_callers_buffer() {
    let (copied, shared) = (Desk::new().await, Desk::new().await);
    let mb = mailbox();
    let raw = helpdesk::Bytes::from(fixture("thread-01-new.eml"));
    let by_copy = copied.ingest(&mb, &raw).await;
    let by_share = shared
        .desk
        .ingest_bytes(shared.ws, &mb, raw.clone())
        .await
        .unwrap_or_else(|e| panic!("ingest_bytes failed: {e}"));
    let sent = |o: &IngestOutcome| matches!(o.autoreply, AutoreplyOutcome::Sent(_));
    assert_eq!(
        (by_share.status, by_share.classification, sent(&by_share)),
        (by_copy.status, by_copy.classification, sent(&by_copy))
    );
    assert_eq!(by_share.ticket.subject, by_copy.ticket.subject);
    let raw_of = |m: Message| m.raw.unwrap_or_else(|| panic!("raw kept"));
    let (kept_copy, kept_share) = (
        raw_of(copied.message(by_copy.message).await),
        raw_of(shared.message(by_share.message).await),
    );
    assert_eq!((&kept_copy[..], &kept_share[..]), (&raw[..], &raw[..]));
    assert_ne!(kept_copy.as_ptr(), raw.as_ptr(), "ingest keeps a copy");
    assert_eq!(
        kept_share.as_ptr(),
        raw.as_ptr(),
        "ingest_bytes keeps the buffer"
    );
}
// ---------------------------------------------------------- classification

/// One classification case: fixture, placeholder values, expected
/// classification and the rule expected to fire.
type ClassCase<'a> = (
    &'a str,
    Vec<(&'a str, String)>,
    Classification,
    ClassifyReason,
);

/// Ingests each `(file, substitutions, classification, reason)` as a new
/// mail and checks the engine's classification, the rule that fired, the
/// stored message and that no autoresponse went to a non-human.
async fn check_classifications(d: &Desk, blocklist: Vec<String>, cases: &[ClassCase<'_>]) {
    let mb = mailbox();
    let ctx = d.classify_context(blocklist);
    for (name, subs, class, reason) in cases {
        let subs: Vec<(&str, &str)> = subs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let raw = fill(name, &subs);
        let parsed = parse(&raw, &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            classify_with_reason(&parsed, &ctx),
            (*class, *reason),
            "{name}: rule"
        );
        let out = d.ingest(&mb, &raw).await;
        assert_eq!(out.status, IngestStatus::Created, "{name}");
        assert_eq!(out.classification, *class, "{name}");
        let stored = d.message(out.message).await;
        assert_eq!(stored.classification, *class, "{name}: stored");
        assert_eq!(
            stored.raw.as_deref(),
            Some(raw.as_slice()),
            "{name}: raw kept"
        );
        if *class == Classification::Human {
            assert!(
                matches!(out.autoreply, AutoreplyOutcome::Sent(_)),
                "{name}: {:?}",
                out.autoreply
            );
        } else {
            assert_eq!(
                out.autoreply,
                AutoreplyOutcome::Suppressed(SuppressReason::NotHuman(*class)),
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn classify_human() {
    let d = Desk::new().await;
    check_classifications(
        &d,
        Vec::new(),
        &[(
            "class-human.eml",
            vec![],
            Classification::Human,
            ClassifyReason::NoRuleMatched,
        )],
    )
    .await;
}

#[tokio::test]
async fn classify_auto_reply_headers() {
    use ClassifyReason as R;
    let a = Classification::AutoReply;
    let d = Desk::new().await;
    check_classifications(
        &d,
        Vec::new(),
        &[
            ("class-auto-submitted.eml", vec![], a, R::AutoSubmitted),
            ("class-x-autoreply.eml", vec![], a, R::XAutoreply),
            ("class-x-autorespond.eml", vec![], a, R::XAutorespond),
            ("class-precedence-bulk.eml", vec![], a, R::Precedence),
            ("class-precedence-junk.eml", vec![], a, R::Precedence),
            ("class-precedence-auto-reply.eml", vec![], a, R::Precedence),
            (
                "class-x-auto-response-suppress.eml",
                vec![],
                a,
                R::AutoResponseSuppress,
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn classify_out_of_office_subjects_en_pl_cs_it_de() {
    let a = Classification::AutoReply;
    let r = ClassifyReason::OutOfOfficeSubject;
    let d = Desk::new().await;
    check_classifications(
        &d,
        Vec::new(),
        &[
            ("ooo-en.eml", vec![], a, r),
            ("ooo-pl.eml", vec![], a, r),
            ("ooo-cs.eml", vec![], a, r),
            ("ooo-it.eml", vec![], a, r),
            ("ooo-de.eml", vec![], a, r),
        ],
    )
    .await;
}

#[tokio::test]
async fn classify_bounces() {
    use ClassifyReason as R;
    let b = Classification::Bounce;
    let d = Desk::new().await;
    let unknown = vec![(
        "BOUNCED_MESSAGE_ID",
        "not-ours.1@elsewhere.example".to_owned(),
    )];
    check_classifications(
        &d,
        Vec::new(),
        &[
            ("bounce-dsn.eml", unknown, b, R::DeliveryReport),
            ("bounce-null-return-path.eml", vec![], b, R::NullReturnPath),
            ("bounce-mailer-daemon.eml", vec![], b, R::DaemonSender),
            ("bounce-postmaster.eml", vec![], b, R::DaemonSender),
            (
                "bounce-return-path-daemon.eml",
                vec![],
                b,
                R::DaemonReturnPath,
            ),
            (
                "bounce-x-failed-recipients.eml",
                vec![],
                b,
                R::FailedRecipients,
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn classify_lists() {
    use ClassifyReason as R;
    let l = Classification::List;
    let d = Desk::new().await;
    check_classifications(
        &d,
        Vec::new(),
        &[
            ("list-list-id.eml", vec![], l, R::ListId),
            ("list-list-unsubscribe.eml", vec![], l, R::ListUnsubscribe),
            ("list-precedence-list.eml", vec![], l, R::PrecedenceList),
            // (ezmlm: `Mailing-List` and `Precedence: bulk`, no `List-Id`.)
            ("list-ezmlm-mailing-list.eml", vec![], l, R::MailingList),
        ],
    )
    .await;
}

/// A customer's mail relayed by our own address as a Google Group (its
/// `List-Id` is `support.shop.example`) is the customer's: human, answered,
/// the customer the requester; also when the group rewrote its `From` to
/// our address (the customer's domain has a strict DMARC policy), which
/// was a loop before. A reply relayed so reopens the ticket.
#[tokio::test]
async fn mail_relayed_by_our_own_group_is_the_customers() {
    let d = Desk::new().await;
    let mut tickets = Vec::new();
    for name in ["list-own-group.eml", "list-own-group-dmarc.eml"] {
        let out = d.file(&mailbox(), name, &[]).await;
        tickets.push(out.ticket.id);
        assert_eq!(
            (out.status, out.classification),
            (IngestStatus::Created, Classification::Human),
            "{name}"
        );
        let AutoreplyOutcome::Sent(id) = out.autoreply else {
            panic!("{name}: expected an autoresponse, got {:?}", out.autoreply)
        };
        assert_eq!(
            d.message(id).await.to,
            vec!["ewa.nowak@customer.example".to_string()],
            "{name}"
        );
        let requester = d.requester(&out).await;
        assert_eq!(
            requester.emails,
            vec!["ewa.nowak@customer.example".to_string()],
            "{name}"
        );
        let message = d.message(out.message).await;
        assert_eq!(
            message.from.as_deref(),
            Some("ewa.nowak@customer.example"),
            "{name}"
        );
        // (A copy is a duplicate: the stored mail is read as this one was.)
        let again = d.file(&mailbox(), name, &[]).await;
        assert_eq!(
            (again.status, again.message),
            (IngestStatus::Duplicate, out.message),
            "{name}"
        );
    }
    // The same customer, replying through the group to her ticket after
    // an agent set it Pending: the reply reopens it.
    let ticket = tickets
        .first()
        .copied()
        .unwrap_or_else(|| panic!("a ticket"));
    d.desk
        .transition(
            d.ws,
            ticket,
            Actor::System,
            helpdesk::lifecycle::Transition::SetPending { reopen_at: None },
        )
        .await
        .unwrap_or_else(|e| panic!("pending: {e}"));
    let reply = fill_edited(
        "list-own-group-dmarc.eml",
        &[],
        &[
            (
                "<group.5502@customer.example>",
                "<group.5503@customer.example>\r\nIn-Reply-To: <group.5501@customer.example>",
            ),
            (
                "Subject: Where is my parcel?",
                "Subject: Re: Where is my parcel?",
            ),
        ],
    );
    let out = d.ingest(&mailbox(), reply.as_bytes()).await;
    assert_eq!(
        (out.status, out.ticket.id, out.ticket.state),
        (IngestStatus::Reopened, ticket, State::Open)
    );
}

#[tokio::test]
async fn classify_loops() {
    use ClassifyReason as R;
    let l = Classification::Loop;
    let d = Desk::new().await;
    let value = d.desk.loop_header_value(d.ws);
    check_classifications(
        &d,
        Vec::new(),
        &[
            (
                "loop-header.eml",
                vec![("LOOP_HEADER_VALUE", value)],
                l,
                R::LoopHeader,
            ),
            ("loop-own-address.eml", vec![], l, R::OwnAddress),
            ("loop-own-message-id.eml", vec![], l, R::OwnMessageId),
        ],
    )
    .await;
    // The loop header of another workspace is not ours: an ordinary mail.
    let other = Desk::new().await;
    let foreign = fill(
        "loop-header.eml",
        &[("LOOP_HEADER_VALUE", &other.desk.loop_header_value(other.ws))],
    );
    let mut raw = String::from_utf8(foreign).unwrap_or_default();
    raw = raw.replace("loop.hdr.1@", "loop.hdr.2@");
    let out = d.ingest(&mailbox(), raw.as_bytes()).await;
    assert_eq!(out.classification, Classification::Human);
}

#[tokio::test]
async fn classify_spam_by_workspace_blocklist() {
    let d = Desk::new().await;
    let mut settings = WorkspaceSettings::new(d.ws);
    settings.blocklist = vec!["@cheap-pills.example".to_owned()];
    d.desk
        .put_record(d.ws, DirectoryRecord::Settings(settings.clone()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    check_classifications(
        &d,
        settings.blocklist.clone(),
        &[(
            "spam-blocklist.eml",
            vec![],
            Classification::Spam,
            ClassifyReason::BlockedSender,
        )],
    )
    .await;
    let spam = d
        .file(&mailbox(), "class-human.eml", &[])
        .await
        .ticket
        .flags
        .spam;
    assert!(!spam, "other senders are not affected");
}

/// A mail a spam filter on the way flagged (SpamAssassin's `X-Spam-Flag:
/// YES`) is spam: a ticket flagged as such and no autoresponse to its
/// (forged) sender. A filter's "no" is no flag.
#[tokio::test]
async fn classify_spam_flagged_by_a_filter_on_the_way() {
    let d = Desk::new().await;
    check_classifications(
        &d,
        vec![],
        &[
            (
                "spam-flagged-upstream.eml",
                vec![],
                Classification::Spam,
                ClassifyReason::SpamFlag,
            ),
            (
                "spam-passed-filter.eml",
                vec![],
                Classification::Human,
                ClassifyReason::NoRuleMatched,
            ),
        ],
    )
    .await;
    let flagged = d.file(&mailbox(), "spam-flagged-upstream.eml", &[]).await;
    assert_eq!(flagged.status, IngestStatus::Duplicate);
    let spam = d
        .desk
        .ticket(d.ws, flagged.ticket.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(spam.flags.spam, "the ticket is flagged as spam");
}

#[tokio::test]
async fn classify_spam_from_a_blocked_contact() {
    let d = Desk::new().await;
    let mut troll = Contact::with_email(d.ws, "troll@customer.example", Some("Troll".into()));
    troll.blocked = true;
    d.desk
        .put_contact(d.ws, troll)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let out = d.file(&mailbox(), "spam-blocked-contact.eml", &[]).await;
    assert_eq!(out.classification, Classification::Spam);
    assert!(out.ticket.flags.spam, "the ticket is flagged as spam");
    assert_eq!(
        out.autoreply,
        AutoreplyOutcome::Suppressed(SuppressReason::NotHuman(Classification::Spam))
    );
    // Same domain, not blocked: human.
    let ok = d.file(&mailbox(), "thread-01-new.eml", &[]).await;
    assert_eq!(ok.classification, Classification::Human);
}

// ----------------------------------------------------------- autoresponder

#[tokio::test]
async fn autoresponder_sent_for_a_new_human_mail() {
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "class-human.eml", &[]).await;
    let AutoreplyOutcome::Sent(id) = out.autoreply else {
        panic!("expected an autoresponse, got {:?}", out.autoreply)
    };
    let auto = d.message(id).await;
    assert_eq!(auto.author, Actor::System);
    assert_eq!(auto.to, vec!["jan.novak@zakaznik.example".to_owned()]);
    assert!(auto.subject.contains(&format!("[#{}]", number(&out))));
    assert_eq!(
        auto.email.in_reply_to,
        vec!["20260302101500.jn.4411@zakaznik.example".to_owned()]
    );
    assert!(
        d.events(out.ticket.id)
            .await
            .iter()
            .any(|e| matches!(e, EventKind::AutoresponderSent { message } if *message == id))
    );
    d.desk
        .dispatch_outbox()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sent = d.email.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent.iter().all(|m| m.automatic), "marked automatic");
}

#[tokio::test]
async fn autoresponder_suppressed_for_automatic_mail() {
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "class-auto-submitted.eml", &[]).await;
    assert_eq!(
        out.autoreply,
        AutoreplyOutcome::Suppressed(SuppressReason::NotHuman(Classification::AutoReply))
    );
    assert!(d.events(out.ticket.id).await.iter().any(|e| matches!(
        e,
        EventKind::AutoresponderSuppressed { reason } if reason == "auto_reply"
    )));
}

#[tokio::test]
async fn autoresponder_suppressed_for_a_no_reply_address() {
    let d = Desk::new().await;
    let out = d
        .file(&mailbox(), "autoreply-no-reply-sender.eml", &[])
        .await;
    assert_eq!(out.classification, Classification::Human);
    assert_eq!(
        out.autoreply,
        AutoreplyOutcome::Suppressed(SuppressReason::NoReplyAddress)
    );
}

/// The robot's `n`-th plain mail with `subject`.
fn robot_mail(n: usize, subject: &str) -> Vec<u8> {
    fill(
        "robot-mail.eml",
        &[
            ("SUBJECT", subject),
            ("MESSAGE_ID", &format!("robot-{n}@other-helpdesk.example")),
        ],
    )
}

#[tokio::test]
async fn autoresponder_rate_limited_marks_a_loop() {
    let d = Desk::new().await;
    let mb = mailbox();
    let mut outcomes = Vec::new();
    for n in 0..4 {
        d.clock.advance(Duration::minutes(5));
        outcomes.push(
            d.ingest(&mb, &robot_mail(n, &format!("Ticket registered: {n}")))
                .await,
        );
    }
    let sent = outcomes
        .iter()
        .filter(|o| matches!(o.autoreply, AutoreplyOutcome::Sent(_)))
        .count();
    assert_eq!(sent, 3, "at most 3 per recipient per hour");
    let last = outcomes.last().unwrap_or_else(|| panic!("four outcomes"));
    assert_eq!(
        last.autoreply,
        AutoreplyOutcome::Suppressed(SuppressReason::RateLimited)
    );
    assert!(last.ticket.flags.loop_detected);
    assert!(
        d.events(last.ticket.id)
            .await
            .iter()
            .any(|e| matches!(e, EventKind::LoopDetected { .. }))
    );
}

#[tokio::test]
async fn autoresponder_suppressed_while_a_loop_is_detected() {
    let d = Desk::new().await;
    let mb = mailbox_on_reply();
    // Four mails on one ticket (threaded by its subject tag): the fourth
    // hits the rate limit and marks the loop.
    let first = d.ingest(&mb, &robot_mail(0, "Ticket registered")).await;
    let tagged = format!("Re: Ticket registered [#{}]", number(&first));
    for n in 1..4 {
        d.clock.advance(Duration::minutes(1));
        let o = d.ingest(&mb, &robot_mail(n, &tagged)).await;
        assert_eq!(o.ticket.id, first.ticket.id);
    }
    assert!(d.ticket(first.ticket.id).await.flags.loop_detected);
    // Hours later the window is empty, but the loop flag still holds.
    d.clock.advance(Duration::hours(3));
    let later = d.ingest(&mb, &robot_mail(4, &tagged)).await;
    assert_eq!(
        later.autoreply,
        AutoreplyOutcome::Suppressed(SuppressReason::LoopDetected)
    );
    // Until an agent clears it.
    d.desk
        .clear_loop(d.ws, first.ticket.id, d.actor())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cleared = d.ingest(&mb, &robot_mail(5, &tagged)).await;
    assert!(
        matches!(cleared.autoreply, AutoreplyOutcome::Sent(_)),
        "{:?}",
        cleared.autoreply
    );
}

#[tokio::test]
async fn autoresponder_suppressed_once() {
    let d = Desk::new().await;
    let mb = mailbox_on_reply();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    assert!(matches!(first.autoreply, AutoreplyOutcome::Sent(_)));
    d.desk
        .suppress_next_autoresponder(d.ws, first.ticket.id, d.actor())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let once = d.file(&mb, "thread-02-in-reply-to.eml", &[]).await;
    assert_eq!(
        once.autoreply,
        AutoreplyOutcome::Suppressed(SuppressReason::SuppressedOnce)
    );
    assert!(!once.ticket.flags.suppress_next_autoresponder, "one shot");
    let next = d.file(&mb, "thread-03-references-only.eml", &[]).await;
    assert!(matches!(next.autoreply, AutoreplyOutcome::Sent(_)));
}

#[tokio::test]
async fn bounce_fails_the_outgoing_message_and_suppresses_the_address() {
    let d = Desk::new().await;
    let mb = mailbox();
    let (first, answer, bounce) = d.bounced(&mb, "bounce-dsn.eml", Duration::minutes(1)).await;
    assert_eq!(bounce.bounced_message, Some(answer.id));
    let failed = d.message(answer.id).await;
    match &failed.send_state {
        Some(SendState::Failed { reason }) => assert!(reason.contains("5.1.1"), "{reason}"),
        other => panic!("expected Failed, got {other:?}"),
    }
    assert!(
        d.events(first.ticket.id).await.iter().any(
            |e| matches!(e, EventKind::MessageFailed { message, .. } if *message == answer.id)
        )
    );
    let until = d.suppressed_until("ann@customer.example").await;
    assert!(until.is_some_and(|u| u > d.clock_now()));
    // Ann writes a new mail: no autoresponse to an undeliverable address.
    let next = d.file(&mb, "lifecycle-second-question.eml", &[]).await;
    assert_eq!(next.status, IngestStatus::Created);
    assert_eq!(
        next.autoreply,
        AutoreplyOutcome::Suppressed(SuppressReason::Undeliverable)
    );
}

#[tokio::test]
async fn a_report_whose_explanation_is_never_closed_still_fails_the_message() {
    // The explanation's multipart/alternative is never closed before the
    // report goes on with its delivery-status part (as in Gmail reports).
    let d = Desk::new().await;
    let mb = mailbox();
    let (_, answer, bounce) = d
        .bounced(&mb, "bounce-dsn-open-explanation.eml", Duration::minutes(1))
        .await;
    assert_eq!(bounce.bounced_message, Some(answer.id));
    match &d.message(answer.id).await.send_state {
        Some(SendState::Failed { reason }) => assert!(reason.contains("5.1.1"), "{reason}"),
        other => panic!("expected Failed, got {other:?}"),
    }
    // The text is the explanation alone, not the report's raw MIME.
    let message = d.message(bounce.message).await;
    assert_eq!(
        message.text,
        "** Address not found **\n\nYour message wasn't delivered to ann@customer.example \
         because the address couldn't be found."
    );
}

/// A bounce without a delivery report (qmail's) that quotes our message
/// lands on that message's ticket instead of opening one for
/// MAILER-DAEMON; without a report it fails nothing. A quoted id that is
/// not signed by us threads nothing.
#[tokio::test]
async fn a_plain_bounce_quoting_our_message_lands_on_its_ticket() {
    let d = Desk::new().await;
    let mb = mailbox();
    let (first, answer, ours) = d.answered(&mb).await;
    d.clock.advance(Duration::minutes(1));
    let bounce = d
        .file(
            &mb,
            "bounce-plain-text.eml",
            &[("BOUNCED_MESSAGE_ID", &ours)],
        )
        .await;
    assert_eq!(bounce.classification, Classification::Bounce);
    assert_eq!(bounce.status, IngestStatus::Appended);
    assert_eq!(bounce.ticket.id, first.ticket.id, "lands on its ticket");
    assert_eq!(bounce.bounced_message, None);
    assert_eq!(bounce.autoreply, AutoreplyOutcome::None);
    let stored = d.message(answer.id).await;
    assert!(
        !matches!(stored.send_state, Some(SendState::Failed { .. })),
        "{:?}",
        stored.send_state
    );

    // The same id with one character of its signed token changed.
    let (head, tail) = ours.split_at(5);
    let flipped = if head.ends_with('a') { 'b' } else { 'a' };
    let forged = format!("{}{flipped}{tail}", &head[..4]);
    assert_ne!(forged, ours);
    let raw = fill_edited(
        "bounce-plain-text.eml",
        &[("BOUNCED_MESSAGE_ID", &forged)],
        &[("qmail.4713", "qmail.4714")],
    );
    let stray = d.ingest(&mb, raw.as_bytes()).await;
    assert_eq!(stray.status, IngestStatus::Created);
    assert_ne!(stray.ticket.id, first.ticket.id);
}

/// A gateway's bounce known only by its subject (`Undeliverable: ...`) and
/// the headers of the message it returns (`Received: from`, `Message-ID`)
/// is a bounce: no autoresponse to the gateway, and it lands on the ticket
/// of the message it quotes. A customer's own mail with such a subject and
/// no returned message stays human.
#[tokio::test]
async fn a_bounce_known_by_its_subject_and_returned_headers_lands_on_its_ticket() {
    let d = Desk::new().await;
    let mb = mailbox();
    let (first, _answer, ours) = d.answered(&mb).await;
    d.clock.advance(Duration::minutes(1));
    let raw = fill(
        "bounce-returned-headers.eml",
        &[("BOUNCED_MESSAGE_ID", &ours)],
    );
    let parsed = parse(&raw, &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        classify_with_reason(&parsed, &d.classify_context(Vec::new())),
        (Classification::Bounce, ClassifyReason::ReturnedMessage)
    );
    let bounce = d.ingest(&mb, &raw).await;
    assert_eq!(
        (bounce.classification, bounce.status),
        (Classification::Bounce, IngestStatus::Appended)
    );
    assert_eq!(bounce.ticket.id, first.ticket.id, "lands on its ticket");
    assert_eq!(bounce.autoreply, AutoreplyOutcome::None);

    let customer = b"From: Ann <ann@customer.example>\r\nTo: support@shop.example\r\n\
        Subject: Undeliverable parcel\r\nMessage-ID: <parcel.9@customer.example>\r\n\r\n\
        The courier says my parcel could not be delivered. What now?\r\n";
    let out = d.ingest(&mb, customer).await;
    assert_eq!(out.classification, Classification::Human);
    assert!(
        matches!(out.autoreply, AutoreplyOutcome::Sent(_)),
        "{:?}",
        out.autoreply
    );
}

/// A report of delay only (`Action: delayed`, `4.4.1`: the customer's
/// server is still trying) lands on the ticket of the outgoing message as
/// a bounce, but fails nothing and suppresses no address.
#[tokio::test]
async fn a_delay_notice_lands_on_its_ticket_but_fails_nothing() {
    let d = Desk::new().await;
    let mb = mailbox();
    let (first, answer, delay) = d
        .bounced(&mb, "bounce-dsn-delayed.eml", Duration::hours(4))
        .await;
    assert_eq!(delay.bounced_message, None);
    assert_eq!(delay.autoreply, AutoreplyOutcome::None);
    let reply = d.message(answer.id).await;
    assert!(
        !matches!(reply.send_state, Some(SendState::Failed { .. })),
        "{:?}",
        reply.send_state
    );
    assert!(
        !d.events(first.ticket.id)
            .await
            .iter()
            .any(|e| matches!(e, EventKind::MessageFailed { .. }))
    );
    let until = d.suppressed_until("ann@customer.example").await;
    assert_eq!(until, None);
}

/// Exim and Gmail return the headers of the bounced message as
/// `message/rfc822-headers` (not `text/rfc822-headers`): the bounce still
/// finds and fails our message.
#[tokio::test]
async fn bounce_returning_headers_as_message_rfc822_headers_fails_the_message() {
    let d = Desk::new().await;
    let (_, answer, bounce) = d
        .bounced(
            &mailbox(),
            "bounce-rfc822-headers-part.eml",
            Duration::minutes(1),
        )
        .await;
    assert_eq!(bounce.bounced_message, Some(answer.id));
    assert!(matches!(
        d.message(answer.id).await.send_state,
        Some(SendState::Failed { .. })
    ));
}

/// Exim's bounce without a delivery report (`X-Failed-Recipients`, which
/// Exim writes only for a permanent failure, and the returned message's
/// headers in its text) fails our message and suppresses the address; the
/// same bounce without that header (a delay cannot be told from a
/// failure) lands on the ticket and fails nothing.
#[tokio::test]
async fn an_exim_bounce_without_a_report_fails_the_message_it_returns() {
    let d = Desk::new().await;
    let mb = mailbox();
    let (_, answer, bounce) = d
        .bounced(
            &mb,
            "bounce-exim-returned-message.eml",
            Duration::minutes(2),
        )
        .await;
    assert_eq!(bounce.bounced_message, Some(answer.id));
    assert_eq!(bounce.autoreply, AutoreplyOutcome::None);
    match d.message(answer.id).await.send_state {
        Some(SendState::Failed { reason }) => {
            assert!(reason.contains("ann@customer.example"), "{reason}")
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    let until = d.suppressed_until("ann@customer.example").await;
    assert!(until.is_some());

    let d = Desk::new().await;
    let (first, answer, ours) = d.answered(&mb).await;
    let raw = fill_edited(
        "bounce-exim-returned-message.eml",
        &[("BOUNCED_MESSAGE_ID", &ours)],
        &[
            ("X-Failed-Recipients: ann@customer.example\r\n", ""),
            ("E1ndr-0002cd", "E1ndr-0003cd"),
        ],
    );
    let bounce = d.ingest(&mb, raw.as_bytes()).await;
    assert_eq!(bounce.classification, Classification::Bounce);
    assert_eq!(bounce.ticket.id, first.ticket.id);
    assert_eq!(bounce.bounced_message, None);
    assert!(!matches!(
        d.message(answer.id).await.send_state,
        Some(SendState::Failed { .. })
    ));
}

/// A bounce naming a great many failed addresses suppresses a bounded
/// number of them (the first 64), not all it names.
#[tokio::test]
async fn a_bounce_suppresses_a_bounded_number_of_addresses() {
    let d = Desk::new().await;
    let mb = mailbox();
    let (_, answer, ours) = d.answered(&mb).await;
    let many: Vec<String> = (0..200)
        .map(|n| format!("gone{n}@customer.example"))
        .collect();
    let header = format!(
        "X-Failed-Recipients: ann@customer.example, {}",
        many.join(", ")
    );
    let raw = fill_edited(
        "bounce-exim-returned-message.eml",
        &[("BOUNCED_MESSAGE_ID", &ours)],
        &[("X-Failed-Recipients: ann@customer.example", header.as_str())],
    );
    let bounce = d.ingest(&mb, raw.as_bytes()).await;
    assert_eq!(bounce.bounced_message, Some(answer.id));
    assert!(d.suppressed_until("ann@customer.example").await.is_some());
    assert!(
        d.suppressed_until("gone62@customer.example")
            .await
            .is_some()
    );
    assert!(
        d.suppressed_until("gone63@customer.example")
            .await
            .is_none()
    );
    assert!(
        d.suppressed_until("gone199@customer.example")
            .await
            .is_none()
    );
}

/// A delivery status sent as `multipart/mixed` (GroupWise's reports) by a
/// sender that is no daemon: a bounce all the same, which fails our
/// message, suppresses the address and is not answered.
#[tokio::test]
async fn a_delivery_status_in_multipart_mixed_is_a_bounce() {
    let d = Desk::new().await;
    let raw = fill(
        "bounce-dsn-multipart-mixed.eml",
        &[("BOUNCED_MESSAGE_ID", "x@shop.example")],
    );
    let parsed = parse(&raw, &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        classify_with_reason(&parsed, &d.classify_context(vec![])).1,
        ClassifyReason::DeliveryReport
    );
    let (_, answer, bounce) = d
        .bounced(
            &mailbox(),
            "bounce-dsn-multipart-mixed.eml",
            Duration::minutes(2),
        )
        .await;
    assert_eq!(bounce.bounced_message, Some(answer.id));
    assert_eq!(bounce.autoreply, AutoreplyOutcome::None);
    match d.message(answer.id).await.send_state {
        Some(SendState::Failed { reason }) => assert!(reason.contains("5.1.1"), "{reason}"),
        other => panic!("expected Failed, got {other:?}"),
    }
    let until = d.suppressed_until("ann@customer.example").await;
    assert!(until.is_some());
}

/// A read receipt without `In-Reply-To` (Outlook's) and a spam complaint
/// (an ARF feedback report) about our answer land on its ticket, as
/// automatic mail: they say the answer arrived, so nothing fails and
/// nothing is sent back. The recipient who complained is sent no more
/// automatic mail for a while; the one who read it is.
#[tokio::test]
async fn read_receipts_and_complaints_land_on_the_ticket_and_fail_nothing() {
    for (fixture, reason, suppressed) in [
        (
            "autoreply-read-receipt.eml",
            ClassifyReason::ReadReceipt,
            false,
        ),
        (
            "autoreply-complaint-arf.eml",
            ClassifyReason::FeedbackReport,
            true,
        ),
    ] {
        let d = Desk::new().await;
        let mb = mailbox();
        let (first, answer, report) = d
            .reported(&mb, fixture, Duration::hours(1), Classification::AutoReply)
            .await;
        let raw = fill(fixture, &[("BOUNCED_MESSAGE_ID", "x@shop.example")]);
        let parsed = parse(&raw, &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            classify_with_reason(&parsed, &d.classify_context(vec![])).1,
            reason,
            "{fixture}"
        );
        assert_eq!(report.status, IngestStatus::Appended, "{fixture}");
        assert_eq!(report.bounced_message, None, "{fixture}");
        assert_eq!(report.autoreply, AutoreplyOutcome::None, "{fixture}");
        assert!(
            !matches!(
                d.message(answer.id).await.send_state,
                Some(SendState::Failed { .. })
            ),
            "{fixture}"
        );
        assert!(
            !d.events(first.ticket.id)
                .await
                .iter()
                .any(|e| matches!(e, EventKind::MessageFailed { .. })),
            "{fixture}"
        );
        let until = d.suppressed_until("ann@customer.example").await;
        assert_eq!(until.is_some(), suppressed, "{fixture}");
        if let Some(parsed) = parsed.signals.report.filter(|_| suppressed) {
            assert_eq!(
                parsed.complainants,
                vec!["ann@customer.example".to_string()]
            );
        }
    }
}

impl Desk {
    /// A new ticket from `thread-01-new.eml` and an agent's answer to it,
    /// sent: the mail's outcome, the answer, and the answer's Message-ID.
    async fn answered(&self, mb: &Mailbox) -> (IngestOutcome, Message, String) {
        let first = self.file(mb, "thread-01-new.eml", &[]).await;
        let answer = self
            .desk
            .reply(
                self.ws,
                first.ticket.id,
                self.agent,
                Reply::text("Please send it back."),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        self.desk
            .dispatch_outbox()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let ours = answer.email.message_id.clone().unwrap_or_default();
        (first, answer, ours)
    }

    /// [`answered`](Self::answered), then `fixture` (a bounce of the
    /// answer, `{{BOUNCED_MESSAGE_ID}}` filled in) `after` later: checked
    /// to be a bounce on the first mail's ticket. Returns the first mail,
    /// the answer and the bounce.
    async fn bounced(
        &self,
        mb: &Mailbox,
        fixture: &str,
        after: Duration,
    ) -> (IngestOutcome, Message, IngestOutcome) {
        self.reported(mb, fixture, after, Classification::Bounce)
            .await
    }

    /// [`Desk::bounced`] for any report on our answer (`fixture` names it
    /// by `BOUNCED_MESSAGE_ID`), classified `class`.
    async fn reported(
        &self,
        mb: &Mailbox,
        fixture: &str,
        after: Duration,
        class: Classification,
    ) -> (IngestOutcome, Message, IngestOutcome) {
        let (first, answer, ours) = self.answered(mb).await;
        self.clock.advance(after);
        let bounce = self
            .file(mb, fixture, &[("BOUNCED_MESSAGE_ID", &ours)])
            .await;
        assert_eq!(bounce.classification, class, "{fixture}");
        assert_eq!(
            bounce.ticket.id, first.ticket.id,
            "{fixture} lands on its ticket"
        );
        (first, answer, bounce)
    }

    /// A new ticket from `thread-01-new.eml`, closed and archived: the
    /// mail's outcome and the archived ticket.
    async fn archived(&self, mb: &Mailbox) -> (IngestOutcome, helpdesk::model::Ticket) {
        let first = self.file(mb, "thread-01-new.eml", &[]).await;
        self.desk
            .close(self.ws, first.ticket.id, self.actor(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let archived = self
            .desk
            .archive(self.ws, first.ticket.id, self.actor())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (first, archived)
    }

    /// Until when automatic mail to `address` is suppressed (a bounce).
    async fn suppressed_until(&self, address: &str) -> Option<DateTime<Utc>> {
        self.store()
            .suppressed_until(self.ws, address)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn clock_now(&self) -> DateTime<Utc> {
        use helpdesk::ports::Clock;
        self.clock.now()
    }
}

// --------------------------------------------------------------- lifecycle

#[tokio::test]
async fn reply_to_a_pending_ticket_reopens_it() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    d.desk
        .set_pending(d.ws, first.ticket.id, d.actor(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reply = d.file(&mb, "thread-02-in-reply-to.eml", &[]).await;
    assert_eq!(
        (reply.status, reply.ticket.state),
        (IngestStatus::Reopened, State::Open)
    );
    assert_eq!(d.ticket(first.ticket.id).await.state, State::Open);
}

/// An agent answering the customer from their own mail client (the
/// helpdesk in Cc): the agent's message on the ticket, which stays Pending,
/// its first response at that time, and no contact made of the agent's
/// address; the customer's next reply reopens it as before. An inactive
/// agent's mail is a customer's.
#[tokio::test]
async fn an_agent_answering_by_mail_is_the_agents_message() {
    for active in [true, false] {
        let d = Desk::new().await;
        let mb = mailbox();
        let first = d.file(&mb, "thread-01-new.eml", &[]).await;
        d.desk
            .assign(d.ws, first.ticket.id, d.actor(), Some(d.agent))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        d.desk
            .set_pending(d.ws, first.ticket.id, d.actor(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // (Agnes leaves after taking the ticket, in the second round.)
        if !active {
            d.agnes_leaves().await;
        }
        d.clock.advance(Duration::minutes(30));
        let answer = d.file(&mb, "thread-agent-answers-by-mail.eml", &[]).await;
        // (Agnes owns the ticket: her own message is not unread for her.)
        assert_eq!(answer.ticket.unread_by_owner, !active, "active: {active}");
        assert_eq!(answer.ticket.id, first.ticket.id, "active: {active}");
        let message = d.message(answer.message).await;
        let agents_contact = d
            .store()
            .contact_by_email(d.ws, "agnes@shop.example")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if active {
            assert_eq!(
                (answer.status, answer.ticket.state),
                (IngestStatus::Appended, State::Pending)
            );
            assert_eq!(message.author, d.actor());
            assert_eq!(agents_contact, None);
            assert_eq!(
                answer.ticket.times.last_inbound,
                first.ticket.times.last_inbound
            );
            assert_eq!(answer.autoreply, AutoreplyOutcome::None);
            // Written to Ann: her answer, for the SLA.
            let answered_at = Some(t0() + Duration::minutes(30));
            assert_eq!(
                (
                    answer.ticket.times.first_response,
                    answer.ticket.times.last_outbound
                ),
                (answered_at, answered_at)
            );
            let reply = d.file(&mb, "thread-02-in-reply-to.eml", &[]).await;
            assert_eq!(
                (reply.status, reply.ticket.state),
                (IngestStatus::Reopened, State::Open)
            );
        } else {
            assert_eq!(
                (answer.status, answer.ticket.state),
                (IngestStatus::Reopened, State::Open)
            );
            let contact = agents_contact.unwrap_or_else(|| panic!("no contact for Agnes"));
            assert_eq!(message.author, Actor::Contact(contact.id));
        }
    }
}

/// An active agent writing a new mail to a customer from their own mail
/// client, the helpdesk in Cc, opens the customer's ticket (as Zammad
/// does): the customer (the first To) is its requester, the other
/// recipients its Cc, the message the agent's, answered at once for the
/// SLA; no contact is made of the agent's address and no autoresponse goes
/// out. The customer's answer threads onto it as theirs. An inactive
/// agent's mail is a customer's, and so is an agent's mail to the helpdesk
/// alone (its requester is the agent's address, as before).
#[tokio::test]
async fn an_agent_writing_to_a_customer_opens_the_customers_ticket() {
    for (active, to_customer) in [(true, true), (false, true), (true, false)] {
        let d = Desk::new().await;
        if !active {
            d.agnes_leaves().await;
        }
        let mut raw =
            String::from_utf8(fixture("new-agent-writes-to-customer.eml")).unwrap_or_default();
        if !to_customer {
            raw = raw
                .replace("To: Bob Nowak <bob@customer.example>\r\n", "")
                .replace(
                    "Cc: Shop Support <support@shop.example>, Carl Lis <carl@customer.example>",
                    "To: Shop Support <support@shop.example>",
                );
        }
        let out = d.ingest(&mailbox(), raw.as_bytes()).await;
        let round = format!("active: {active}, to the customer: {to_customer}");
        assert_eq!(out.status, IngestStatus::Created, "{round}");
        let requester = d.requester(&out).await;
        let message = d.message(out.message).await;
        let agents_contact = d
            .store()
            .contact_by_email(d.ws, "agnes@shop.example")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if !(active && to_customer) {
            assert!(requester.has_email("agnes@shop.example"), "{round}");
            assert_eq!(message.author, Actor::Contact(requester.id), "{round}");
            assert!(
                matches!(out.autoreply, AutoreplyOutcome::Sent(_)),
                "{round}: {:?}",
                out.autoreply
            );
            continue;
        }
        assert!(requester.has_email("bob@customer.example"), "{requester:?}");
        assert_eq!(out.ticket.cc, ["carl@customer.example"]);
        assert_eq!(message.author, d.actor());
        assert_eq!(agents_contact, None);
        assert_eq!(out.autoreply, AutoreplyOutcome::None);
        assert_eq!(
            (
                out.ticket.times.first_response,
                out.ticket.times.last_outbound,
                out.ticket.times.last_inbound
            ),
            (Some(t0()), Some(t0()), None)
        );
        let created = d
            .store()
            .events(d.ws, out.ticket.id)
            .await
            .unwrap_or_else(|e| panic!("events: {e}"))
            .into_iter()
            .find(|e| matches!(e.kind, EventKind::Created { .. }))
            .unwrap_or_else(|| panic!("a Created event"));
        assert_eq!(created.actor, d.actor());

        // Bob answers (to Agnes and the helpdesk): his message on his ticket.
        d.clock.advance(Duration::minutes(20));
        let answer = "From: Bob Nowak <bob@customer.example>\r\nTo: Agnes Wilk <agnes@shop.example>\r\nCc: support@shop.example\r\nSubject: Re: Your return of order 1077\r\nMessage-ID: <bob.0102@mail.customer.example>\r\nIn-Reply-To: <agnes.0101@shop.example>\r\nReferences: <agnes.0101@shop.example>\r\n\r\nThank you!\r\n";
        let reply = d.ingest(&mailbox(), answer.as_bytes()).await;
        assert_eq!(
            (reply.status, reply.ticket.id),
            (IngestStatus::Appended, out.ticket.id)
        );
        assert_eq!(
            d.message(reply.message).await.author,
            Actor::Contact(requester.id)
        );
        assert_eq!(
            reply.ticket.times.last_inbound,
            Some(t0() + Duration::minutes(20))
        );
    }
}

/// An agent's mail on a ticket's thread written to the helpdesk alone (not
/// to the customer) is the agent's message, but no answer to the customer.
#[tokio::test]
async fn an_agents_mail_to_the_helpdesk_alone_answers_no_one() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    let raw = fill_edited(
        "thread-agent-answers-by-mail.eml",
        &[],
        &[
            ("To: Ann Kowalski <ann@customer.example>\r\n", ""),
            ("Cc: Shop", "To: Shop"),
        ],
    );
    let answer = d.ingest(&mb, raw.as_bytes()).await;
    assert_eq!(answer.ticket.id, first.ticket.id);
    assert_eq!(d.message(answer.message).await.author, d.actor());
    assert_eq!(
        (
            answer.ticket.times.first_response,
            answer.ticket.times.last_outbound
        ),
        (None, None)
    );
}

#[tokio::test]
async fn reply_to_a_closed_ticket_reopens_it() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    d.desk
        .close(d.ws, first.ticket.id, d.actor(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reply = d.file(&mb, "thread-02-in-reply-to.eml", &[]).await;
    assert_eq!(
        (reply.status, reply.ticket.id, reply.ticket.state),
        (IngestStatus::Reopened, first.ticket.id, State::Open)
    );
    assert!(reply.ticket.times.closed.is_none());
}

/// An agent answering an archived ticket's thread by mail opens the linked
/// ticket as a customer's reply would, as the agent's message, and sends
/// the customer no autoresponse for it.
#[tokio::test]
async fn an_agent_answering_an_archived_thread_by_mail_sends_no_autoresponse() {
    let d = Desk::new().await;
    let mb = mailbox();
    let (first, _) = d.archived(&mb).await;
    let answer = d.file(&mb, "thread-agent-answers-by-mail.eml", &[]).await;
    assert_eq!(
        (answer.status, answer.follow_up_of),
        (IngestStatus::Created, Some(first.ticket.id))
    );
    assert_eq!(answer.ticket.requester, first.ticket.requester);
    assert_eq!(d.message(answer.message).await.author, d.actor());
    assert_eq!(answer.autoreply, AutoreplyOutcome::None);
}

#[tokio::test]
async fn reply_to_an_archived_ticket_opens_a_linked_one() {
    let d = Desk::new().await;
    let mb = mailbox();
    let (first, archived) = d.archived(&mb).await;
    let reply = d.file(&mb, "thread-02-in-reply-to.eml", &[]).await;
    assert_eq!(reply.status, IngestStatus::Created);
    assert_ne!(reply.ticket.id, first.ticket.id);
    assert_eq!(reply.follow_up_of, Some(first.ticket.id));
    assert!(reply.ticket.related.contains(&first.ticket.id));
    assert_eq!(reply.ticket.state, State::Open);
    assert_eq!(
        d.ticket(first.ticket.id).await,
        archived,
        "the archived ticket never changes"
    );
    assert!(
        d.events(reply.ticket.id)
            .await
            .iter()
            .any(|e| matches!(e, EventKind::FollowUpOf { of } if *of == first.ticket.id))
    );
}

#[tokio::test]
async fn reply_to_a_merged_ticket_lands_on_the_target() {
    let d = Desk::new().await;
    let mb = mailbox();
    let source = d.file(&mb, "thread-01-new.eml", &[]).await;
    let target = d.file(&mb, "lifecycle-second-question.eml", &[]).await;
    d.desk
        .merge(d.ws, target.ticket.id, &[source.ticket.id], d.actor())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reply = d.file(&mb, "thread-02-in-reply-to.eml", &[]).await;
    assert_eq!(reply.ticket.id, target.ticket.id);
    assert_eq!(reply.status, IngestStatus::Appended);
}

// --------------------------------------------------- Reply-To, Cc, limits

#[tokio::test]
async fn reply_to_is_the_requester_and_cc_is_copied() {
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "new-reply-to-cc.eml", &[]).await;
    assert_eq!(out.status, IngestStatus::Created);
    let requester = d.requester(&out).await;
    assert_eq!(
        requester.emails,
        vec!["maria.boss@office.example".to_owned()]
    );
    assert_eq!(
        out.ticket.cc,
        vec!["colleague@office.example".to_owned()],
        "our own address and the requester are not copied"
    );
    let AutoreplyOutcome::Sent(id) = out.autoreply else {
        panic!("expected an autoresponse, got {:?}", out.autoreply)
    };
    let auto = d.store().message(d.ws, id).await.ok().flatten();
    assert_eq!(
        auto.map(|m| m.to),
        Some(vec!["maria.boss@office.example".to_owned()])
    );
}

/// A mail copied to more addresses than `MailSettings::max_ticket_cc` (48)
/// gives its ticket the first 48 (every agent reply goes to them); the
/// message keeps them all.
#[tokio::test]
async fn a_ticket_takes_at_most_max_ticket_cc_addresses() {
    let d = Desk::new().await;
    let cc: Vec<String> = (0..60)
        .map(|i| format!("person{i}@office.example"))
        .collect();
    let raw = format!(
        "From: Maria <maria@office.example>\r\nTo: support@shop.example\r\nCc: {}\r\n\
         Subject: Everyone\r\nMessage-ID: <everyone.1@office.example>\r\n\r\nHello all.\r\n",
        cc.join(", ")
    );
    let out = d.ingest(&mailbox(), raw.as_bytes()).await;
    assert_eq!(out.status, IngestStatus::Created);
    assert_eq!(out.ticket.cc, cc[..48].to_vec());
    assert_eq!(d.message(out.message).await.cc, cc);
}

#[tokio::test]
async fn attachment_over_the_limit_is_recorded_and_the_mail_kept() {
    let d = Desk::with_limits(ParseLimits::new(1 << 20, 256)).await;
    let out = d.file(&mailbox(), "attachment-too-large.eml", &[]).await;
    assert_eq!(out.status, IngestStatus::Created);
    let msg = d.message(out.message).await;
    assert!(msg.text.contains("photo of the broken lamp"));
    let by_name = |n: &str| {
        msg.attachments
            .iter()
            .find(|a| a.name == n)
            .unwrap_or_else(|| panic!("attachment {n}: {:?}", msg.attachments))
    };
    let big = by_name("lamp.jpg");
    assert!(big.too_large);
    assert_eq!(big.size, 600);
    assert!(!by_name("order.csv").too_large);
    let events = d.events(out.ticket.id).await;
    let too_large: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            EventKind::AttachmentTooLarge {
                message,
                name,
                size,
            } => Some((*message, name.clone(), *size)),
            _ => None,
        })
        .collect();
    assert_eq!(too_large, vec![(out.message, "lamp.jpg".to_owned(), 600)]);
}

// ---------------------------------------------------------- incoming rules

#[tokio::test]
async fn incoming_rules_set_queue_priority_and_tags() {
    let d = Desk::new().await;
    let (default_q, vip_q, returns_q) = (QueueId::new(), QueueId::new(), QueueId::new());
    let rule = |name: &str, field: RuleField, op: RuleOp, value: &str, actions: RuleActions| {
        IncomingRule {
            name: name.to_owned(),
            conditions: vec![RuleCondition {
                field,
                op,
                value: value.to_owned(),
            }],
            actions,
        }
    };
    let mb = mailbox()
        .default_queue(default_q)
        .rule(rule(
            "VIP",
            RuleField::From,
            RuleOp::EndsWith,
            "@VIP.example",
            RuleActions {
                queue: Some(vip_q),
                priority: Some(Priority::Urgent),
                tags: vec!["vip".into()],
                ..RuleActions::default()
            },
        ))
        .rule(rule(
            "Refunds",
            RuleField::Subject,
            RuleOp::Contains,
            "refund",
            RuleActions {
                queue: Some(returns_q),
                priority: Some(Priority::High),
                tags: vec!["refund".into()],
                ..RuleActions::default()
            },
        ))
        .rule(rule(
            "Web form",
            RuleField::Header("x-shop-channel".into()),
            RuleOp::Equals,
            "web-form",
            RuleActions {
                tags: vec!["web".into()],
                ..RuleActions::default()
            },
        ));
    let tags = |t: &helpdesk::model::Ticket| t.tags.iter().cloned().collect::<Vec<_>>();
    // First match wins: the VIP's refund mail goes to the VIP queue.
    let vip = d.file(&mb, "rules-vip.eml", &[]).await.ticket;
    assert_eq!(
        (vip.queue, vip.priority, tags(&vip)),
        (Some(vip_q), Priority::Urgent, vec!["vip".to_owned()])
    );
    let refund = d.file(&mb, "rules-refund.eml", &[]).await.ticket;
    assert_eq!(
        (refund.queue, refund.priority, tags(&refund)),
        (Some(returns_q), Priority::High, vec!["refund".to_owned()])
    );
    // No rule matches: the mailbox's default queue.
    let plain = d.file(&mb, "class-human.eml", &[]).await.ticket;
    assert_eq!(
        (plain.queue, plain.priority, tags(&plain)),
        (Some(default_q), Priority::Normal, Vec::<String>::new())
    );
}

#[tokio::test]
async fn unread_count_rises_on_every_inbound_message() {
    let d = Desk::new().await;
    let mb = mailbox();
    let first = d.file(&mb, "thread-01-new.eml", &[]).await;
    assert_eq!(first.ticket.unread_count, 1);
    let t = first.ticket.id;
    let second = d.file(&mb, "thread-02-in-reply-to.eml", &[]).await;
    assert_eq!(second.ticket.unread_count, 2);
    let answer = d
        .desk
        .reply(d.ws, t, d.agent, Reply::text("Please send it back."))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.ticket(t).await.unread_count, 2, "our reply is not unread");
    let ours = answer.email.message_id.clone().unwrap_or_default();
    let third = d
        .file(
            &mb,
            "thread-04-our-message-id.eml",
            &[("OUR_MESSAGE_ID", &ours)],
        )
        .await;
    assert_eq!(third.ticket.unread_count, 3);
    // A bounce landing on the ticket is an inbound message too.
    let bounce = d
        .file(&mb, "bounce-dsn.eml", &[("BOUNCED_MESSAGE_ID", &ours)])
        .await;
    assert_eq!(bounce.ticket.id, t);
    assert_eq!(bounce.ticket.unread_count, 4);
    // A duplicate is not.
    let dup = d.file(&mb, "thread-01-new.eml", &[]).await;
    assert_eq!(dup.status, IngestStatus::Duplicate);
    assert_eq!(d.ticket(t).await.unread_count, 4);
}

// ------------------------------------------------------------------- robot

/// What happened between us and the robot.
struct RobotRun {
    /// Automatic messages the robot received (from us).
    received: usize,
    /// Mails the robot sent us.
    written: usize,
    /// Tickets where the rate limit was hit.
    rate_limited: BTreeSet<TicketId>,
    /// Every ticket the robot's mail landed on.
    tickets: BTreeSet<TicketId>,
}

/// A robot that answers every mail it gets with a NEW plain mail (no auto
/// headers, new Message-ID, no In-Reply-To), for 20 rounds of 2 minutes:
/// each round we deliver the outbox and the robot answers what it got.
/// `subject_of` picks the subject of its answer to the `n`-th mail it got.
async fn run_robot(
    d: &Desk,
    mb: &Mailbox,
    subject_of: impl Fn(usize, &helpdesk::ports::OutgoingMessage) -> String,
) -> RobotRun {
    let mut run = RobotRun {
        received: 0,
        written: 0,
        rate_limited: BTreeSet::new(),
        tickets: BTreeSet::new(),
    };
    let mut inbox = vec![None];
    let mut seen = 0;
    for _round in 0..20 {
        for received in std::mem::take(&mut inbox) {
            let subject = match &received {
                None => "Ticket registered".to_owned(),
                Some(m) => subject_of(run.written, m),
            };
            let out = d.ingest(mb, &robot_mail(run.written, &subject)).await;
            run.written += 1;
            assert_eq!(out.classification, Classification::Human, "looks human");
            run.tickets.insert(out.ticket.id);
            if out.autoreply == AutoreplyOutcome::Suppressed(SuppressReason::RateLimited) {
                run.rate_limited.insert(out.ticket.id);
            }
        }
        d.clock.advance(Duration::minutes(2));
        d.desk
            .dispatch_outbox()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let sent = d.email.sent();
        for m in sent.iter().skip(seen) {
            if m.to.iter().any(|a| a == ROBOT) {
                assert!(m.automatic);
                run.received += 1;
                inbox.push(Some(m.clone()));
            }
        }
        seen = sent.len();
    }
    assert!(
        d.clock_now() - t0() <= Duration::hours(1),
        "all within one hour"
    );
    run
}

async fn assert_loop_stopped(d: &Desk, run: &RobotRun) {
    assert!(
        run.received <= 3,
        "at most 3 automatic messages reach the robot, got {}",
        run.received
    );
    assert_eq!(run.received, 3, "the limit is reached");
    assert_eq!(
        d.store()
            .automatic_sent_count(d.ws, ROBOT, t0() - Duration::hours(1))
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        3
    );
    assert_eq!(run.rate_limited.len(), 1, "{:?}", run.rate_limited);
    for id in &run.rate_limited {
        let t = d.ticket(*id).await;
        assert!(t.flags.loop_detected, "loop_detected where the limit hit");
        assert!(
            d.events(*id)
                .await
                .iter()
                .any(|e| matches!(e, EventKind::LoopDetected { .. }))
        );
    }
    for id in run.tickets.difference(&run.rate_limited) {
        assert!(!d.ticket(*id).await.flags.loop_detected);
    }
}

#[tokio::test]
async fn robot_writing_new_mails_gets_at_most_three_answers_per_hour() {
    let d = Desk::new().await;
    let run = run_robot(&d, &mailbox(), |n, _| {
        format!("Your request {n} is registered")
    })
    .await;
    assert_eq!(run.written, 4, "the robot stops once we stop answering");
    assert_eq!(run.tickets.len(), 4, "each new mail is a new ticket");
    assert_loop_stopped(&d, &run).await;
}

#[tokio::test]
async fn robot_echoing_our_subject_tag_gets_at_most_three_answers_per_hour() {
    let d = Desk::new().await;
    // The robot copies our subject (with its [#n] tag) into a new mail; the
    // autoresponder also answers replies here.
    let run = run_robot(&d, &mailbox_on_reply(), |_, m| format!("Re: {}", m.subject)).await;
    assert_eq!(run.tickets.len(), 1, "the tag threads the robot's mail");
    assert_loop_stopped(&d, &run).await;
}

// ---------------------------------------------------------------- charsets

/// Mail in the multi-byte charsets of East Asian mail clients (ISO-2022-JP,
/// Shift_JIS, GB2312/GBK, Big5, EUC-KR), in encoded headers, 7bit, 8bit,
/// base64 and quoted-printable bodies, lands as Unicode: subject, sender
/// name, text and HTML.
/// An old shop script declares `charset=utf-8` and writes windows-1250:
/// the Polish subject and text are read in windows-1250, not as
/// replacement characters nor as windows-1252 (`op³acone`).
#[tokio::test]
async fn polish_windows_1250_labelled_utf8_is_read_as_written() {
    let d = Desk::new().await;
    // (Not UTF-8: read as it is, without placeholders.)
    let out = d
        .ingest(
            &mailbox(),
            &fixture("charset-windows-1250-labelled-utf8.eml"),
        )
        .await;
    assert_eq!(out.status, IngestStatus::Created);
    assert_eq!(out.ticket.subject, "Zamówienie 4410 zostało opłacone");
    let message = d.message(out.message).await;
    assert_eq!(
        message.text,
        "Dzień dobry,\n\nzamówienie 4410 zostało opłacone. Wiadomość z numerem przesyłki wyślemy jutro."
    );
}

#[tokio::test]
async fn multi_byte_charsets_are_decoded() {
    let cases = [
        (
            "charset-iso-2022-jp.eml",
            "注文の確認",
            "山田太郎",
            "注文した商品がまだ届きません。",
        ),
        (
            "charset-shift-jis.eml",
            "返品について",
            "佐藤花子",
            "返品の方法を教えてください。",
        ),
        (
            "charset-gbk.eml",
            "订单问题",
            "王小明",
            "您好，我的订单还没有发货。",
        ),
        (
            "charset-big5.eml",
            "發票",
            "陳大文",
            "請問發票什麼時候寄出？",
        ),
        (
            "charset-euc-kr.eml",
            "배송 문의",
            "김민수",
            "배송 상태를 확인해 주세요.",
        ),
    ];
    let d = Desk::new().await;
    for (name, subject, sender, text) in cases {
        let out = d.ingest(&mailbox(), &fixture(name)).await;
        assert_eq!(out.status, IngestStatus::Created, "{name}");
        assert_eq!(out.ticket.subject, subject, "{name}");
        let message = d.message(out.message).await;
        assert_eq!(message.subject, subject, "{name}");
        assert!(message.text.contains(text), "{name}: {:?}", message.text);
        let requester = d.requester(&out).await;
        assert_eq!(requester.name.as_deref(), Some(sender), "{name}");
    }
    // The HTML alternative is decoded with its own charset.
    let mail = parse(&fixture("charset-shift-jis.eml"), &ParseLimits::default())
        .unwrap_or_else(|e| panic!("parse: {e}"));
    assert!(
        mail.html
            .as_deref()
            .is_some_and(|h| h.contains("返品の方法を教えてください。")),
        "{:?}",
        mail.html
    );
}

#[tokio::test]
async fn inline_text_beside_inline_html_is_kept_in_text_and_html() {
    // multipart/mixed: the customer's HTML, then a text part a gateway
    // appended. Nothing of either is lost, and the HTML's mention of an
    // "HTML message" does not make the text a stub.
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "html-mixed-text-part.eml", &[]).await;
    assert_eq!(out.status, IngestStatus::Created);
    let message = d.message(out.message).await;
    assert_eq!(
        message.text,
        "Hello,\n\nthe invoice link in your HTML message does not open. Could you send invoice \
         2026/0412 as a PDF?\n\nJan\n\nFirma Example Sp. z o.o., ul. Przykladowa 1, 00-001 \
         Warszawa.\nThis e-mail is confidential."
    );
    let html = message.html.as_deref().unwrap_or_default();
    assert!(html.contains("invoice 2026/0412 as a PDF"), "{html:?}");
    assert!(html.contains("This e-mail is confidential."), "{html:?}");
    assert!(
        html.find("as a PDF") < html.find("Przykladowa 1"),
        "the parts in order: {html:?}"
    );
    assert!(message.attachments.is_empty(), "{:?}", message.attachments);
}

#[tokio::test]
async fn html_in_pieces_around_an_inline_image_is_kept_whole() {
    // Apple Mail: the HTML alternative is split around an inline image.
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "html-in-pieces.eml", &[]).await;
    let message = d.message(out.message).await;
    let html = message.html.as_deref().unwrap_or_default();
    assert!(html.contains("arrived with a cracked shade"), "{html:?}");
    assert!(html.contains("Can you send a new shade?"), "{html:?}");
    assert!(
        message.text.contains("Can you send a new shade?"),
        "{:?}",
        message.text
    );
    let names: Vec<_> = message
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["shade.png"]);
}

#[tokio::test]
async fn a_body_without_the_blank_line_after_the_headers_is_kept() {
    // A script wrote the body right after the headers: its first paragraph
    // is the text, not lines skipped in the header block.
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "new-no-blank-line.eml", &[]).await;
    assert_eq!(out.status, IngestStatus::Created);
    assert_eq!(out.ticket.subject, "Order 5521 not delivered");
    let message = d.message(out.message).await;
    assert_eq!(
        message.text,
        "My parcel for order 5521 has not arrived yet.\nCould you check the tracking number?\n\nThanks, Ann"
    );
}

#[tokio::test]
async fn a_header_glued_onto_the_content_type_line_is_read() {
    // A shop script wrote `Content-Transfer-Encoding: base64` onto the end
    // of its `Content-Type` line: the body is decoded, not kept as base64.
    let d = Desk::new().await;
    let out = d
        .file(&mailbox(), "content-type-glued-transfer-encoding.eml", &[])
        .await;
    assert_eq!(out.status, IngestStatus::Created);
    let message = d.message(out.message).await;
    assert_eq!(
        message.text,
        "Dzień dobry,\n\nzamówienie 7731 zostało opłacone.\nPaczka wyjdzie jutro."
    );
    assert!(message.attachments.is_empty(), "{:?}", message.attachments);
}

#[tokio::test]
async fn a_text_type_written_the_wrong_way_round_is_read_as_text() {
    // `plain/text` (a shop script's): the text, not an unnamed attachment.
    let d = Desk::new().await;
    let out = d
        .file(&mailbox(), "content-type-plain-text-swapped.eml", &[])
        .await;
    let message = d.message(out.message).await;
    assert_eq!(
        message.text,
        "Klient zgłosił zwrot krzesła z zamówienia 8120.\nPowód: uszkodzona noga."
    );
    assert!(message.attachments.is_empty(), "{:?}", message.attachments);
}

#[tokio::test]
async fn a_mail_that_only_wraps_another_shows_the_wrapped_text() {
    // GroupWise forwards the whole mail as a `message/rfc822` body: the
    // text was empty.
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "new-wrapped-message.eml", &[]).await;
    assert_eq!(out.status, IngestStatus::Created);
    let message = d.message(out.message).await;
    assert_eq!(
        message.text,
        "Dzień dobry,\n\nlampa z zamówienia 6620 przyszła z pękniętym kloszem. Proszę o wymianę.\n\nMarek Wiśniewski"
    );
    // The wrapped mail is kept as an attachment too.
    assert_eq!(message.attachments.len(), 1, "{:?}", message.attachments);
}

#[tokio::test]
async fn parts_whose_body_follows_their_headers_are_read() {
    // No blank line after each part's headers: the text was empty.
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "new-part-no-blank-line.eml", &[]).await;
    let message = d.message(out.message).await;
    assert_eq!(
        message.text,
        "Zákazník reklamuje stůl z objednávky 9034: poškrábaná deska."
    );
    assert!(
        message
            .html
            .as_deref()
            .is_some_and(|h| h.contains("poškrábaná deska")),
        "{:?}",
        message.html
    );
}

#[tokio::test]
async fn attachment_names_split_into_rfc2231_segments_are_read_whole() {
    // A UTF-8 name cut inside a character, and an ISO-2022-JP name cut
    // inside its Japanese run: each segment decoded on its own garbles both.
    let d = Desk::new().await;
    let out = d
        .file(&mailbox(), "attachment-rfc2231-continuations.eml", &[])
        .await;
    let message = d.message(out.message).await;
    let names: Vec<_> = message
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["請求書 新しい注文.pdf", "新しい写真.jpg"]);
}

/// An attachment sent with `Content-Transfer-Encoding: x-uuencode` (which
/// mail-parser keeps encoded) is decoded, and named after its `begin` line
/// when its part has no name.
#[tokio::test]
async fn a_uuencoded_attachment_is_decoded() {
    let expected =
        b"Invoice 4411\r\nDesk lamp, blue: 49.00 EUR\r\nShipping: 5.00 EUR\r\nTotal: 54.00 EUR\r\n";
    let raw = fill("attachment-uuencoded.eml", &[]);
    let mail = parse(&raw, &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mail.text, "The invoice you asked for is attached.");
    let [attachment] = mail.attachments.as_slice() else {
        panic!("one attachment: {:?}", mail.attachments);
    };
    assert_eq!(attachment.name, "invoice-4411.txt");
    assert_eq!(attachment.content.as_deref(), Some(&expected[..]));
    assert_eq!(attachment.size, expected.len());

    let d = Desk::new().await;
    let out = d.file(&mailbox(), "attachment-uuencoded.eml", &[]).await;
    let stored = d.attachments(out.message).await;
    let stored: Vec<_> = stored.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    assert_eq!(stored, [("invoice-4411.txt", expected.len() as u64)]);
}

/// A mail a mailbox's forwarder (a staff member) forwarded opens a ticket
/// for the customer who wrote it: requester, autoresponse; the message is
/// the staff member's. Without the forwarder set, it is the staff
/// member's ticket, as any mail.
#[tokio::test]
async fn a_forward_from_staff_opens_the_customers_ticket() {
    let d = Desk::new().await;
    let staff = mailbox().forwarder("Jan.Kowalski@shop.example");
    let out = d.file(&staff, "new-forwarded-by-staff.eml", &[]).await;
    assert_eq!(
        (out.status, out.classification),
        (IngestStatus::Created, Classification::Human)
    );
    assert_eq!(
        d.requester(&out).await.emails,
        vec!["ewa.nowak@customer.example".to_string()]
    );
    let AutoreplyOutcome::Sent(id) = out.autoreply else {
        panic!("expected an autoresponse, got {:?}", out.autoreply)
    };
    assert_eq!(
        d.message(id).await.to,
        vec!["ewa.nowak@customer.example".to_string()]
    );
    let message = d.message(out.message).await;
    assert_eq!(message.from.as_deref(), Some("jan.kowalski@shop.example"));

    let d = Desk::new().await;
    let out = d.file(&mailbox(), "new-forwarded-by-staff.eml", &[]).await;
    assert_eq!(
        d.requester(&out).await.emails,
        vec!["jan.kowalski@shop.example".to_string()]
    );
}

/// One of the workspace's active agents forwarding a mail (`Fwd:`) opens
/// the customer's ticket without being listed as a forwarder; an inactive
/// agent's forward, or an agent's mail that is no forward, is theirs.
#[tokio::test]
async fn a_forward_from_an_agent_needs_no_configuration() {
    let agent = |active| {
        DirectoryRecord::Agent(Agent {
            id: AgentId::new(),
            workspace: WorkspaceId::new(),
            name: "Jan".into(),
            email: Some("Jan.Kowalski@shop.example".into()),
            active,
        })
    };
    for active in [true, false] {
        let d = Desk::new().await;
        let mut record = agent(active);
        if let DirectoryRecord::Agent(a) = &mut record {
            a.workspace = d.ws;
        }
        d.desk
            .put_record(d.ws, record)
            .await
            .unwrap_or_else(|e| panic!("put agent: {e}"));
        let out = d.file(&mailbox(), "new-forwarded-by-staff.eml", &[]).await;
        let expected = if active {
            "ewa.nowak@customer.example"
        } else {
            "jan.kowalski@shop.example"
        };
        assert_eq!(
            d.requester(&out).await.emails,
            vec![expected.to_string()],
            "active: {active}"
        );
        if active {
            // Not a forward by its subject: the agent's own mail.
            let raw = fill_edited(
                "new-forwarded-by-staff.eml",
                &[],
                &[
                    ("Subject: Fwd: Broken lamp", "Subject: Broken lamp"),
                    ("<fwd.7701@shop.example>", "<own.7701@shop.example>"),
                ],
            );
            let out = d.ingest(&mailbox(), raw.as_bytes()).await;
            assert_eq!(
                d.requester(&out).await.emails,
                vec!["jan.kowalski@shop.example".to_string()]
            );
        }
    }
}

/// An opaque-signed S/MIME mail (`application/pkcs7-mime;
/// smime-type=signed-data`) is read as the content it signs: its text and
/// its photo, not one `smime.p7m` attachment and no text.
#[tokio::test]
async fn an_opaque_signed_mail_is_read_as_its_content() {
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "new-smime-opaque-signed.eml", &[]).await;
    assert_eq!(
        (out.status, out.classification),
        (IngestStatus::Created, Classification::Human)
    );
    assert_eq!(out.ticket.subject, "Broken lamp, order 6601");
    let message = d.message(out.message).await;
    assert_eq!(
        message.text,
        "Dzień dobry,\nthe lamp from order 6601 arrived broken. A photo is attached.\n\nEwa"
    );
    let stored: Vec<_> = message
        .attachments
        .iter()
        .map(|a| (a.name.as_str(), a.content_type.as_str()))
        .collect();
    assert_eq!(stored, [("lamp.jpg", "image/jpeg")]);
    assert_eq!(message.from.as_deref(), Some("ewa.nowak@customer.example"));
}

/// Outlook's `winmail.dat` (TNEF) is replaced by the files inside it: one
/// named by its title, one (newer Outlook) by its MAPI properties, with
/// its long Unicode name, content type and bytes.
#[tokio::test]
async fn the_files_in_a_winmail_dat_are_the_attachments() {
    let invoice = b"Invoice 4412\r\nDesk lamp, green: 49.00 EUR\r\nTotal: 49.00 EUR\r\n";
    let photo = b"\xff\xd8\xff\xe0JFIF lamp photo";
    let raw = fill("attachment-winmail-dat.eml", &[]);
    let mail = parse(&raw, &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        mail.text,
        "The invoice and a photo of the lamp are attached."
    );
    let got: Vec<_> = mail
        .attachments
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.content_type.as_str(),
                a.content.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("invoice-4412.txt", "text/plain", Some(&invoice[..])),
            ("zdjęcie lampy.jpg", "image/jpeg", Some(&photo[..])),
        ]
    );

    let d = Desk::new().await;
    let out = d.file(&mailbox(), "attachment-winmail-dat.eml", &[]).await;
    let stored = d.attachments(out.message).await;
    let stored: Vec<_> = stored.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    assert_eq!(
        stored,
        [
            ("invoice-4412.txt", invoice.len() as u64),
            ("zdjęcie lampy.jpg", photo.len() as u64)
        ]
    );
}

#[tokio::test]
async fn a_stub_text_part_gives_way_to_the_html_text() {
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "html-stub-text.eml", &[]).await;
    assert_eq!(out.status, IngestStatus::Created);
    let message = d.message(out.message).await;
    // The text is the HTML's, not "This is an HTML message...".
    assert!(
        message
            .text
            .starts_with("Hello,\n\nwhen will the chair from order 3321 be delivered? I will be at home on Thursday."),
        "{:?}",
        message.text
    );
    assert!(!message.text.contains("HTML capable"), "{:?}", message.text);
    // Trimmed as any reply, and the HTML is kept.
    assert_eq!(
        message.display_text.as_deref(),
        Some(
            "Hello,\n\nwhen will the chair from order 3321 be delivered? I will be at home on Thursday.\n\nMarta"
        )
    );
    assert!(
        message
            .html
            .as_deref()
            .is_some_and(|h| h.contains("order 3321")),
        "{:?}",
        message.html
    );
}

#[tokio::test]
async fn a_multipart_cut_short_is_read_as_if_closed() {
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "unclosed-multipart.eml", &[]).await;
    assert_eq!(out.status, IngestStatus::Created);
    let message = d.message(out.message).await;
    // Quoted-printable and ISO-8859-2 decoded, soft line break joined;
    // not kept as `=FD` nor filed as an attachment.
    assert_eq!(
        message.text,
        "Dobrý den,\n\nthe chair from order 5521 came in green, I ordered it in grey. Can I swap it?\n\nJan Dvořák"
    );
    assert!(message.attachments.is_empty(), "{:?}", message.attachments);
}

#[tokio::test]
async fn of_two_content_types_the_one_that_fits_the_body_is_read() {
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "content-type-twice.eml", &[]).await;
    let message = d.message(out.message).await;
    // Not the MIME structure as text (the last `Content-Type` says
    // text/plain), but the alternative's parts.
    assert_eq!(
        message.text,
        "Please put my company name on the invoice for order 6108: Hofmann Möbel GmbH."
    );
    assert!(
        message
            .html
            .as_deref()
            .is_some_and(|h| h.contains("<b>Hofmann Möbel GmbH</b>")),
        "{:?}",
        message.html
    );
}

// ---------------------------------------------------------------- trimming

#[tokio::test]
async fn a_reply_written_below_the_quote_is_shown() {
    let d = Desk::new().await;
    let out = d
        .file(&mailbox(), "trim-bottom-posted-reply.eml", &[])
        .await;
    let message = d.message(out.message).await;
    // Not the attribution and the quote, which come first, but the answer
    // below them, without its signature.
    assert_eq!(
        message.display_text.as_deref(),
        Some("The grey one, please. Could it come on Friday?\n\nThanks,\nPiotr")
    );
    assert!(
        message.text.contains("> the chair from order 4410"),
        "{:?}",
        message.text
    );
}

/// A reply written on the attribution's line, right over the quote
/// (talon's "reply and quotation splitter share line"): shown up to the
/// attribution.
#[tokio::test]
async fn a_reply_on_the_attributions_line_is_shown_without_it() {
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "trim-shared-line-reply.eml", &[]).await;
    let message = d.message(out.message).await;
    assert_eq!(message.display_text.as_deref(), Some("Got it, thank you!"));
    assert!(message.text.contains("> We have sent your refund"));
}

#[tokio::test]
async fn an_html_reply_quotes_its_history_and_shows_the_text_below_it() {
    let d = Desk::new().await;
    let out = d
        .file(&mailbox(), "html-bottom-posted-reply.eml", &[])
        .await;
    let message = d.message(out.message).await;
    // The cited blockquote's lines are quoted in the text, as a plain-text
    // reply quotes them.
    assert!(
        message
            .text
            .lines()
            .any(|l| l == "> židle z objednávky 4410 je šedá nebo zelená. Kterou barvu chcete?"),
        "{:?}",
        message.text
    );
    // Shown: the answer written below the quote.
    assert_eq!(
        message.display_text.as_deref(),
        Some("Šedou, prosím. Může přijít v pátek?\n\nDěkuji,\nJana")
    );
}

#[tokio::test]
async fn a_forwarded_mail_is_shown_whole() {
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "trim-forward-outlook.eml", &[]).await;
    let message = d.message(out.message).await;
    // An Outlook forward's header block looks like a reply's history; the
    // subject (`WG:`) tells it apart, and the forwarded mail stays shown.
    assert_eq!(message.display_text, None);
    assert!(
        message.text.contains("die Adresse ist unvollständig"),
        "{:?}",
        message.text
    );
    // The same text under a reply's subject is cut at the header block.
    assert_eq!(
        helpdesk::mail::display_text(&message.text),
        "Hallo,\n\ndas hat mir der Paketdienst geschickt. Was soll ich tun?\n\nAnna Weber"
    );
}

#[tokio::test]
async fn a_flowed_reply_is_read_as_written_and_trimmed() {
    let d = Desk::new().await;
    let out = d.file(&mailbox(), "trim-flowed-reply.eml", &[]).await;
    assert_eq!(out.status, IngestStatus::Created);
    let message = d.message(out.message).await;
    // The paragraph wrapped with soft line breaks is one line again, the
    // quoted one too (with its quote mark), and the signature separator
    // keeps its space.
    for line in [
        "the lamp arrived with a cracked shade and the courier's label says it was dropped on the way. Could you send a new shade, please? The order number is 2077.",
        "> We have sent your lamp today; the tracking number is 0042 1234 5678.",
        "-- ",
    ] {
        assert!(
            message.text.lines().any(|l| l == line),
            "{line:?} in {:?}",
            message.text
        );
    }
    // Shown: the reply, without signature and quoted history.
    assert_eq!(
        message.display_text.as_deref(),
        Some(
            "Hello,\n\nthe lamp arrived with a cracked shade and the courier's label says it was dropped on the way. Could you send a new shade, please? The order number is 2077.\n\nThanks,\nEva"
        )
    );
}

/// A ticket whose mail came in at a second mailbox (`sales@`) is answered
/// from it, its autoresponse too, with a plus address of that mailbox to
/// reply to; a ticket an agent opened answers from the default address
/// until the customer writes in at a mailbox.
#[tokio::test]
async fn replies_go_out_from_the_mailbox_the_mail_came_in_at() {
    let d = Desk::new().await;
    let sales = Mailbox::new("sales@shop.example").autoresponder(AutoresponderConfig::default());
    let out = d.file(&sales, "class-human.eml", &[]).await;
    assert_eq!(out.ticket.mailbox.as_deref(), Some("sales@shop.example"));
    d.desk
        .reply(d.ws, out.ticket.id, d.agent, Reply::text("It left today."))
        .await
        .unwrap_or_else(|e| panic!("reply: {e}"));
    d.desk
        .dispatch_outbox()
        .await
        .unwrap_or_else(|e| panic!("dispatch: {e}"));
    let sent: Vec<_> = d
        .email
        .sent()
        .into_iter()
        .map(|m| (m.from, m.reply_to.is_some_and(|r| r.starts_with("sales+"))))
        .collect();
    // The autoresponse, then the reply.
    assert_eq!(
        sent,
        [
            (Some("sales@shop.example".to_string()), true),
            (Some("sales@shop.example".to_string()), true)
        ]
    );

    // Opened by an agent: from the default address, until the customer
    // answers at `sales@`.
    let opened = d
        .desk
        .create_ticket(
            d.ws,
            helpdesk::engine::NewTicket::to_customer(
                d.agent,
                "eva@example.com",
                "Your return",
                "We got it.",
            ),
        )
        .await
        .unwrap_or_else(|e| panic!("create: {e}"));
    assert_eq!(opened.mailbox, None);
    d.desk
        .dispatch_outbox()
        .await
        .unwrap_or_else(|e| panic!("dispatch: {e}"));
    let first = d.email.sent().pop().unwrap_or_else(|| panic!("sent"));
    assert_eq!(first.from.as_deref(), Some(MAILBOX));
    let answer = format!(
        "From: eva@example.com\r\nTo: sales@shop.example\r\nSubject: Re: Your return\r\nMessage-ID: <eva-1@example.com>\r\nIn-Reply-To: <{}>\r\n\r\nThanks!\r\n",
        first.thread.message_id.clone().unwrap_or_default()
    );
    let back = d.ingest(&sales, answer.as_bytes()).await;
    assert_eq!(back.ticket.id, opened.id);
    assert!(
        matches!(back.status, IngestStatus::Appended | IngestStatus::Reopened),
        "{:?}",
        back.status
    );
    assert_eq!(back.ticket.mailbox.as_deref(), Some("sales@shop.example"));
    // A ticket that has one keeps it: mail at another mailbox does not move it.
    let again = "From: eva@example.com\r\nTo: support@shop.example\r\nSubject: Re: Your return\r\nMessage-ID: <eva-2@example.com>\r\nIn-Reply-To: <eva-1@example.com>\r\n\r\nAnd one more.\r\n";
    let kept = d.ingest(&mailbox(), again.as_bytes()).await;
    assert_eq!(kept.ticket.id, opened.id);
    assert_eq!(kept.ticket.mailbox.as_deref(), Some("sales@shop.example"));

    // A ticket created with a mailbox sends from it.
    let mut new =
        helpdesk::engine::NewTicket::to_customer(d.agent, "max@example.com", "Hello", "Hi Max.");
    new.mailbox = Some("sales@shop.example".into());
    let t = d
        .desk
        .create_ticket(d.ws, new)
        .await
        .unwrap_or_else(|e| panic!("create: {e}"));
    assert_eq!(t.mailbox.as_deref(), Some("sales@shop.example"));
    d.desk
        .dispatch_outbox()
        .await
        .unwrap_or_else(|e| panic!("dispatch: {e}"));
    let last = d.email.sent().pop().unwrap_or_else(|| panic!("sent"));
    assert_eq!(last.from.as_deref(), Some("sales@shop.example"));
    let mut bad =
        helpdesk::engine::NewTicket::to_customer(d.agent, "max@example.com", "Hello", "Hi.");
    bad.mailbox = Some("not an address".into());
    assert!(d.desk.create_ticket(d.ws, bad).await.is_err());
}
