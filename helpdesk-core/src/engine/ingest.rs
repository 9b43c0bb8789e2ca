//! Mail in: `ingest(workspace, mailbox, raw bytes)` (DESIGN.md §6).
//!
//! parse -> dedupe -> classify -> find the ticket -> apply -> autoresponder,
//! all decided on fresh data and committed in one transaction (the dedupe
//! key included, so the same mail ingested twice, even concurrently, lands
//! once and the second call returns the first result). A different mail
//! that reuses the Message-ID of one already in (a different `Date`,
//! `Subject` or `From`: some ticketing and shipping systems do this) is not
//! a duplicate.

use super::Helpdesk;
use super::plan::{Plan, follow_up_of, push_events, write_ticket};
use super::prepared::PreparedMail;
use super::reads::Reads;
use crate::error::{Error, Result};
use crate::lifecycle::{self, CustomerReply, LifecycleContext, State, Transition};
use crate::mail::{
    self, AutoresponderConfig, AutoresponseDecision, AutoresponseInput, InboundMail, IncomingRule,
    SuppressReason,
};
use crate::model::{
    Actor, Channel, Classification, Contact, Direction, EmailIds, EventKind, Message, MessageId,
    QueueId, SendState, Ticket, TicketId, TicketNumber, Visibility, WorkspaceId, normalize_email,
    normalized_email,
};
use crate::ports::{
    Commit, ContactWrite, IngestRecord, MailboxCheckpoint, MessageUpdate, OutboxItem, OutboxWrite,
    RecordId, StoreExt, TicketWrite,
};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The most addresses one bounce or complaint suppresses (a report naming
/// thousands writes no more than these).
const MAX_SUPPRESSED_PER_MAIL: usize = 64;

/// A helpdesk mailbox: the address mail arrives at and what to do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Mailbox {
    /// The address (e.g. `support@shop.example`).
    pub address: String,
    /// Queue of new tickets when no rule sets one.
    pub default_queue: Option<QueueId>,
    /// Incoming-message rules, first match wins.
    pub rules: Vec<IncomingRule>,
    /// The autoresponder (`None` = off).
    pub autoresponder: Option<AutoresponderConfig>,
    /// Addresses (the shop's staff) whose forwards open tickets for the
    /// sender of the mail they forward: its requester is that customer,
    /// read from the forwarded mail's header block
    /// ([`mail::forwarded_sender`](crate::mail::forwarded_sender)), not
    /// the staff member. The workspace's active agents need not be listed
    /// for a forward whose subject says so (`Fwd:`, `FW:`, `WG:`, ...; see
    /// [`mail::is_forwarded_subject`](crate::mail::is_forwarded_subject)):
    /// they are found by their address
    /// ([`Store::agent_by_email`](crate::ports::Store::agent_by_email)).
    #[serde(default)]
    pub forwarders: Vec<String>,
    /// Public link of a ticket, with `{ticket_token}`, `{ticket_id}` and
    /// `{ticket_number}` placeholders (e.g.
    /// `https://shop.example/help/{ticket_token}`); offered to templates as
    /// `ticket_url`. `{ticket_token}` is the token
    /// [`Helpdesk::public_ticket`] and [`Helpdesk::reply_via_link`] take
    /// ([`Helpdesk::public_token`]): signed, so only the customer the mail
    /// went to can open the link; the id and the number open nothing on
    /// their own.
    pub public_url: Option<String>,
}

impl Mailbox {
    /// A mailbox at `address` with no rules and no autoresponder.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            default_queue: None,
            rules: Vec::new(),
            autoresponder: None,
            public_url: None,
            forwarders: Vec::new(),
        }
    }

    /// Adds a forwarder (see [`Mailbox::forwarders`]).
    ///
    /// ```
    /// use helpdesk_core::engine::Mailbox;
    /// let mailbox = Mailbox::new("support@shop.example").forwarder("Jan@Shop.example");
    /// assert_eq!(mailbox.forwarders, ["Jan@Shop.example"]);
    /// ```
    pub fn forwarder(mut self, address: impl Into<String>) -> Self {
        self.forwarders.push(address.into());
        self
    }

    /// Turns the autoresponder on with `config`.
    pub fn autoresponder(mut self, config: AutoresponderConfig) -> Self {
        self.autoresponder = Some(config);
        self
    }

    /// Adds an incoming-message rule.
    pub fn rule(mut self, rule: IncomingRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Sets the default queue.
    pub fn default_queue(mut self, queue: QueueId) -> Self {
        self.default_queue = Some(queue);
        self
    }

    /// Sets the public link template.
    pub fn public_url(mut self, template: impl Into<String>) -> Self {
        self.public_url = Some(template.into());
        self
    }
}

/// What ingesting a mail did to the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestStatus {
    /// A new ticket was opened (also a follow-up of an archived ticket).
    Created,
    /// Appended to an existing ticket.
    Appended,
    /// Appended to a Pending or Closed ticket, which is Open again.
    Reopened,
    /// The mail was ingested before; nothing changed.
    Duplicate,
}

/// What the autoresponder did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "autoreply", content = "detail")]
pub enum AutoreplyOutcome {
    /// An autoresponse was queued.
    Sent(MessageId),
    /// It was suppressed.
    Suppressed(SuppressReason),
    /// Nothing to decide (no autoresponder, or not for this mail).
    None,
}

/// The result of [`Helpdesk::ingest`].
#[derive(Debug, Clone, PartialEq)]
pub struct IngestOutcome {
    /// What happened.
    pub status: IngestStatus,
    /// The ticket holding the mail, as stored.
    pub ticket: Ticket,
    /// The message the mail became.
    pub message: MessageId,
    /// The mail's classification.
    pub classification: Classification,
    /// The autoresponder's decision.
    pub autoreply: AutoreplyOutcome,
    /// When the mail was written to an archived ticket: that ticket.
    pub follow_up_of: Option<TicketId>,
    /// When the mail is a bounce of one of our messages: that message (now
    /// marked failed).
    pub bounced_message: Option<MessageId>,
}

/// What planning an ingest decided: an [`IngestOutcome`] whose ticket
/// comes back from the commit, or (for a duplicate, when nothing is
/// written) is the stored one.
struct Planned {
    status: IngestStatus,
    ticket_id: TicketId,
    /// (Boxed: the plan is held across the commit, and most plans have
    /// none.)
    ticket: Option<Box<Ticket>>,
    message: MessageId,
    classification: Classification,
    autoreply: AutoreplyOutcome,
    follow_up_of: Option<TicketId>,
    bounced_message: Option<MessageId>,
}

/// How the mail relates to a ticket found by threading.
enum Target {
    New,
    Existing(Box<Ticket>),
}

impl Helpdesk {
    /// Ingests one raw inbound email that arrived at `mailbox`.
    ///
    /// Unparseable or oversized mail is [`Error::Validation`] (field
    /// `mail`): callers record it as rejected. Everything else lands on a
    /// ticket: see the [`crate::mail`] module for the rules. The raw mail
    /// is kept on the message as a copy; [`ingest_bytes`](Helpdesk::ingest_bytes)
    /// keeps a buffer the caller already owns instead.
    pub async fn ingest(
        &self,
        workspace: WorkspaceId,
        mailbox: &Mailbox,
        raw: &[u8],
    ) -> Result<IngestOutcome> {
        self.ingest_at(workspace, mailbox, Bytes::copy_from_slice(raw), None)
            .await
    }

    /// [`ingest`](Helpdesk::ingest) of a mail the caller owns (a
    /// `Vec<u8>`, or a [`Bytes`] such as an HTTP body): the message keeps
    /// that buffer, not a copy of it. (A `Bytes` that is a slice of a larger
    /// buffer, such as one mail of a whole mbox, keeps the whole buffer
    /// alive for as long as the message is held in memory: pass
    /// `Bytes::copy_from_slice` of it, or use [`ingest`](Helpdesk::ingest),
    /// when that matters.)
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Helpdesk, Mailbox};
    /// # use helpdesk_core::model::WorkspaceId;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let raw: Vec<u8> = b"From: ann@example.com\r\nSubject: Hi\r\n\r\nHello\r\n".to_vec();
    /// let out = desk
    ///     .ingest_bytes(WorkspaceId::new(), &Mailbox::new("support@example.com"), raw)
    ///     .await
    ///     .unwrap();
    /// assert_eq!(out.ticket.subject, "Hi");
    /// # });
    /// ```
    pub async fn ingest_bytes(
        &self,
        workspace: WorkspaceId,
        mailbox: &Mailbox,
        raw: impl Into<Bytes>,
    ) -> Result<IngestOutcome> {
        self.ingest_at(workspace, mailbox, raw, None).await
    }

    /// [`ingest_bytes`](Helpdesk::ingest_bytes), writing `checkpoint` in
    /// the same transaction as the mail (also when the mail is a
    /// duplicate), so a mailbox sync's position never runs ahead of what
    /// is stored.
    pub async fn ingest_at(
        &self,
        workspace: WorkspaceId,
        mailbox: &Mailbox,
        raw: impl Into<Bytes>,
        checkpoint: Option<MailboxCheckpoint>,
    ) -> Result<IngestOutcome> {
        let prepared = self.prepare_mail(raw)?;
        self.ingest_prepared_at(workspace, mailbox, prepared, checkpoint)
            .await
    }

    /// [`ingest_bytes`](Helpdesk::ingest_bytes) of a mail that
    /// [`prepare_mail`](Helpdesk::prepare_mail) read ahead (see
    /// [`PreparedMail`] for why): the same outcome, the same transaction.
    pub async fn ingest_prepared(
        &self,
        workspace: WorkspaceId,
        mailbox: &Mailbox,
        mail: PreparedMail,
    ) -> Result<IngestOutcome> {
        self.ingest_prepared_at(workspace, mailbox, mail, None)
            .await
    }

    /// [`ingest_prepared`](Helpdesk::ingest_prepared), writing `checkpoint`
    /// in the same transaction as the mail, as
    /// [`ingest_at`](Helpdesk::ingest_at) does.
    pub async fn ingest_prepared_at(
        &self,
        workspace: WorkspaceId,
        mailbox: &Mailbox,
        mail: PreparedMail,
        checkpoint: Option<MailboxCheckpoint>,
    ) -> Result<IngestOutcome> {
        let PreparedMail {
            raw,
            mail,
            display_text,
        } = mail;
        let raw = &raw;
        // A new ticket's number is reserved once per call (not per retry), so
        // that the autoresponse can name it.
        let number = std::sync::Mutex::new(None);
        // The first attempt takes the prepared mail (its text moves into the
        // message without a copy); a retry after a conflict prepares it again.
        let prepared = std::sync::Mutex::new(Some((mail, display_text)));
        let (outcome, stored) = self
            .run(workspace, || async {
                let taken = prepared
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take();
                let (mail, display_text) = match taken {
                    Some(taken) => taken,
                    None => {
                        let again = self.prepare_mail(raw.clone())?;
                        (again.mail, again.display_text)
                    }
                };
                // (The planning future is kept to about 3 KB by boxing the
                // large values it holds across store calls: the mail, the
                // message and the tickets; it is not boxed itself.)
                let mut plan = self
                    .plan_ingest(workspace, mailbox, mail, display_text, raw, &number)
                    .await?;
                plan.commit.checkpoints.extend(checkpoint.clone());
                Ok(plan)
            })
            .await?;
        let written = stored
            .tickets
            .into_iter()
            .find(|t| t.id == outcome.ticket_id);
        let Some(ticket) = written.or(outcome.ticket.map(|t| *t)) else {
            return Err(Error::Storage(
                format!("the store did not return ticket {}", outcome.ticket_id).into(),
            ));
        };
        Ok(IngestOutcome {
            status: outcome.status,
            ticket,
            message: outcome.message,
            classification: outcome.classification,
            autoreply: outcome.autoreply,
            follow_up_of: outcome.follow_up_of,
            bounced_message: outcome.bounced_message,
        })
    }

    /// The outcome of a mail ingested before under `record`; `known` is its
    /// message's classification when the caller has read it already.
    async fn duplicate(
        &self,
        workspace: WorkspaceId,
        record: &IngestRecord,
        known: Option<Classification>,
    ) -> Result<Planned> {
        // (The ticket is read last: not held across a read, it keeps this
        // future, and the planning future holding it, small.)
        let classification = match known {
            Some(c) => c,
            None => self
                .store
                .message(workspace, record.message)
                .await?
                .map(|m| m.classification)
                .unwrap_or_default(),
        };
        let ticket = self.store.get_ticket(workspace, record.ticket).await?;
        Ok(Planned {
            status: IngestStatus::Duplicate,
            ticket_id: ticket.id,
            ticket: Some(Box::new(ticket)),
            message: record.message,
            classification,
            autoreply: AutoreplyOutcome::None,
            follow_up_of: None,
            bounced_message: None,
        })
    }

    /// Whether `mail` is a different message from the one ingested under
    /// `record`, which has the same Message-ID: their `Date`, `Subject` or
    /// `From` differ ([`InboundMail::same_message_as`]). When the first
    /// one's raw mail is gone (erased) or unreadable, it is taken for the
    /// same message: nothing erased comes back in. Also returns the stored
    /// message's classification when it was read (for
    /// [`duplicate`](Self::duplicate), which need not read it again).
    async fn reuses_message_id(
        &self,
        workspace: WorkspaceId,
        record: &IngestRecord,
        mail: &InboundMail,
        mailbox_address: &str,
    ) -> Result<(bool, Option<Classification>)> {
        if mail.message_id.is_none() {
            // (Keyed by a hash of its bytes: a hit is the same mail.)
            return Ok((false, None));
        }
        let Some(stored) = self.store.message(workspace, record.message).await? else {
            return Ok((false, Some(Classification::default())));
        };
        let reused = match &stored.raw {
            Some(raw) => mail::parse(raw, &self.config.mail.limits).is_ok_and(|mut first| {
                // (Read as `mail` was: its sender put back when our own
                // list rewrote it.)
                relayed_sender_put_back(&mut first, mailbox_address);
                !first.same_message_as(mail)
            }),
            None => false,
        };
        Ok((reused, Some(stored.classification)))
    }

    /// The ticket of the first of our Message-IDs that `text` quotes
    /// ([`mail::quoted_ids_at`]) whose signature holds and whose ticket
    /// exists.
    /// Marks our outgoing message `out` failed for `reason` (a bounce) in
    /// `commit`, and suppresses automatic mail to the `addresses` that
    /// failed for good.
    fn fail_bounced<'a>(
        &self,
        commit: &mut Commit,
        out: MessageId,
        reason: &str,
        addresses: impl Iterator<Item = &'a str>,
        now: DateTime<Utc>,
    ) {
        commit.message_updates.push(MessageUpdate::SendState {
            id: out,
            state: SendState::Failed {
                reason: reason.to_string(),
            },
            message_id: None,
        });
        self.suppress(commit, addresses, now);
    }

    /// Suppresses automatic mail to `addresses` (normalised; at most
    /// [`MAX_SUPPRESSED_PER_MAIL`] of them) for the bounce suppression
    /// window from `now`, in `commit`.
    fn suppress<'a>(
        &self,
        commit: &mut Commit,
        addresses: impl Iterator<Item = &'a str>,
        now: DateTime<Utc>,
    ) {
        let until = now + self.config.mail.bounce_suppression;
        commit.suppressions.extend(
            addresses
                .map(|a| normalize_email(a.trim()))
                .filter(|a| !a.is_empty())
                .take(MAX_SUPPRESSED_PER_MAIL)
                .map(|a| (a, until)),
        );
    }

    async fn ticket_quoted_in(
        &self,
        workspace: WorkspaceId,
        text: &str,
    ) -> Result<Option<TicketId>> {
        for id in mail::quoted_ids_at(text, &self.config.mail.message_id_domain, 8) {
            if let Some(t) = self.ticket_of_message_id(workspace, id)
                && self.store.ticket(workspace, t).await?.is_some()
            {
                return Ok(Some(t));
            }
        }
        Ok(None)
    }

    /// Finds the ticket a mail belongs to: stored Message-IDs it refers to,
    /// our signed Message-IDs, our signed plus addresses, then a subject tag
    /// from a participant or from someone the ticket was forwarded to.
    /// Merged tickets are followed to the end. With it, whether the mail
    /// answers a forward ([`Visibility::ThirdParty`]): the Message-ID that
    /// found it is a forward's, or the tag came from a recipient of one.
    async fn thread(
        &self,
        workspace: WorkspaceId,
        reads: &mut Reads,
        mail: &InboundMail,
        sender: Option<&str>,
    ) -> Result<Option<(Ticket, bool)>> {
        // (The ticket found is remembered as read by the caller, once it
        // knows whether it writes it.)
        let mut found: Option<TicketId> = None;
        let mut answers_forward = false;
        for id in mail::referenced(mail) {
            if let Some(ticket) = self.store.ticket_by_email_id(workspace, id).await? {
                found = Some(ticket);
                answers_forward = self.is_forward_id(id);
                break;
            }
            if let Some(t) = self.ticket_of_message_id(workspace, id)
                && self.store.ticket(workspace, t).await?.is_some()
            {
                found = Some(t);
                answers_forward = self.is_forward_id(id);
                break;
            }
        }
        if found.is_none() {
            for address in mail.to.iter().chain(mail.cc.iter()) {
                if let Some(t) = self.ticket_of_address(workspace, &address.email)
                    && self.store.ticket(workspace, t).await?.is_some()
                {
                    found = Some(t);
                    break;
                }
            }
        }
        if found.is_none()
            && let Some(sender) = sender
        {
            // (The last tag first: another helpdesk's tag can follow ours.)
            for number in mail::subject_tags(&mail.subject) {
                // (Boxed, and in its own statement: the ticket is held
                // across the next call.)
                let tagged = self
                    .store
                    .ticket_by_number(workspace, TicketNumber(number))
                    .await?
                    .map(Box::new);
                let Some(t) = tagged else { continue };
                if self.is_participant(workspace, reads, &t, sender).await? {
                    found = Some(t.id);
                    break;
                }
                // (Someone the ticket was forwarded to, answering with a
                // new mail that keeps the forward's tag but not its
                // Message-ID: a third party's answer.)
                if self.was_forwarded_to(workspace, t.id, sender).await? {
                    found = Some(t.id);
                    answers_forward = true;
                    break;
                }
            }
        }
        match found {
            Some(id) => Ok(Some((
                self.chain_end(workspace, id).await?,
                answers_forward,
            ))),
            None => Ok(None),
        }
    }

    /// Whether `email` is the requester, a cc or a follower of `ticket`.
    async fn is_participant(
        &self,
        workspace: WorkspaceId,
        reads: &mut Reads,
        ticket: &Ticket,
        email: &str,
    ) -> Result<bool> {
        let email = normalize_email(email);
        if ticket
            .cc
            .iter()
            .any(|c| normalized_email(c) == email.as_str())
        {
            return Ok(true);
        }
        if let Some(c) = self.contact_in(workspace, reads, ticket.requester).await?
            && c.has_email(&email)
        {
            return Ok(true);
        }
        for agent in &ticket.followers {
            if let Some(a) = self.store.agent(workspace, *agent).await?
                && a.email.as_deref().map(normalize_email).as_deref() == Some(email.as_str())
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether a forward of `ticket`, or an agent's mail to a third party
    /// on it ([`Visibility::ThirdParty`], sent by us), went to `email`.
    async fn was_forwarded_to(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        email: &str,
    ) -> Result<bool> {
        let email = normalize_email(email);
        Ok(self
            .store
            .messages(workspace, ticket)
            .await?
            .iter()
            .filter(|m| {
                m.visibility == Visibility::ThirdParty && m.direction == Direction::Outbound
            })
            .flat_map(|m| m.to.iter().chain(&m.cc))
            .any(|to| normalized_email(to) == email.as_str()))
    }

    async fn find_or_plan_contact(
        &self,
        workspace: WorkspaceId,
        reads: &mut Reads,
        address: &mail::Address,
        commit: &mut Commit,
    ) -> Result<Arc<Contact>> {
        let email = normalized_email(&address.email);
        if let Some(c) = self.contact_by_email_in(workspace, reads, &email).await? {
            return Ok(c);
        }
        // (A contact this attempt plans is in `reads` too.)
        let contact = Arc::new(Contact::with_email(workspace, &email, address.name.clone()));
        commit
            .contacts
            .push(ContactWrite::Create(Contact::clone(&contact)));
        reads.planned_contact(contact.clone());
        Ok(contact)
    }

    #[allow(clippy::too_many_lines)]
    async fn plan_ingest(
        &self,
        workspace: WorkspaceId,
        mailbox: &Mailbox,
        mut mail: Box<InboundMail>,
        display_text: Option<String>,
        raw: &Bytes,
        number: &std::sync::Mutex<Option<TicketNumber>>,
    ) -> Result<Plan<Planned>> {
        let now = self.clock.now();
        let mut reads = Reads::default();
        let mailbox_address = normalize_email(&mailbox.address);
        let mut key = mail.dedupe_key();
        relayed_sender_put_back(&mut mail, &mailbox_address);
        let sender = mail.from.as_ref().map(|a| normalize_email(&a.email));
        // The dedupe key, the settings and the sender's contact are read at
        // once (three round trips in parallel on a store with a connection
        // pool); the last two are kept as this attempt's reads.
        let (ingested, settings, contact) = futures::future::try_join3(
            self.store.ingested(workspace, &mailbox_address, &key),
            self.store.record(workspace, RecordId::Settings(workspace)),
            async {
                match &sender {
                    Some(s) => self.store.contact_by_email(workspace, s).await,
                    None => Ok(None),
                }
            },
        )
        .await?;
        reads.read_record(RecordId::Settings(workspace), settings);
        if let Some(s) = &sender {
            reads.read_contact_by_email(s, contact);
        }
        if let Some(record) = ingested {
            // A different mail with the Message-ID of one already in (some
            // senders reuse theirs) is not a duplicate: it goes in under a
            // key of its own, which its own copies then find.
            let (reused, classification) = self
                .reuses_message_id(workspace, &record, &mail, &mailbox_address)
                .await?;
            let (first, known) = if reused {
                key = mail.distinct_dedupe_key();
                let again = self
                    .store
                    .ingested(workspace, &mailbox_address, &key)
                    .await?;
                (again, None)
            } else {
                (Some(record), classification)
            };
            if let Some(first) = first {
                return Ok(Plan::new(
                    Commit::default(),
                    self.duplicate(workspace, &first, known).await?,
                ));
            }
        }

        // Classify.
        let mut classification = {
            let settings = self.settings_in(workspace, &mut reads).await?;
            // (16 hex digits, so always UTF-8: the `unwrap_or_default`
            // below never applies.)
            let loop_value = self.loop_value(workspace);
            // (What `ClassifyContext` holds, borrowed: nothing is copied.)
            let ctx = mail::ContextRef {
                own_addresses: std::slice::from_ref(&mailbox_address),
                own_message_id_domain: Some(&self.config.mail.message_id_domain),
                loop_header_name: &self.config.mail.loop_header,
                loop_header_value: std::str::from_utf8(&loop_value).unwrap_or_default(),
                blocklist: settings.as_ref().map_or(&[], |s| s.blocklist.as_slice()),
            };
            mail::classify_borrowed(&mail, &ctx)
        };
        let sender_contact = match &sender {
            Some(s) => self.contact_by_email_in(workspace, &mut reads, s).await?,
            None => None,
        };
        if sender_contact.as_ref().is_some_and(|c| c.blocked) {
            classification = Classification::Spam;
        }
        let human = classification == Classification::Human;

        // A bounce of one of our messages goes to that message's ticket; so
        // do a read receipt and a complaint about one (reports that it
        // arrived, which fail nothing).
        let mut commit = Commit::default();
        // One ticket, the mail and an autoresponse: room for them (the
        // elements are large; a vector's first growth would allocate four).
        commit.tickets.reserve_exact(1);
        commit.messages.reserve_exact(2);
        let mut bounced_message = None;
        let mut bounce_target = None;
        // (Only the id, ticket and forward mark of the outgoing message are
        // kept: a whole message held across the next read would grow the
        // planning future for every mail.)
        let mut bounces_forward = false;
        let bounced_out = match &mail.signals.report {
            Some(report)
                if matches!(
                    classification,
                    Classification::Bounce | Classification::AutoReply
                ) =>
            {
                match &report.original_message_id {
                    Some(original) => self
                        .store
                        .message_by_email_id(
                            workspace,
                            original.trim_matches(|c| c == '<' || c == '>'),
                        )
                        .await?
                        .filter(|m| m.direction == Direction::Outbound)
                        .map(|m| (m.id, m.ticket, m.visibility == Visibility::ThirdParty)),
                    None => None,
                }
            }
            _ => None,
        };
        // A report of delay only (the sender's server still tries) goes to
        // the ticket too, but fails nothing.
        if let Some(report) = &mail.signals.report
            && let Some((out_id, out_ticket, forward)) = bounced_out
        {
            // (A forward's bounce quotes the forward: not the customer's.)
            bounces_forward = forward;
            if report.reports_failure() {
                let reason = report
                    .recipients
                    .iter()
                    .map(|r| {
                        format!(
                            "{} {}",
                            r.status.clone().unwrap_or_default(),
                            r.diagnostic_code.clone().unwrap_or_default()
                        )
                        .trim()
                        .to_string()
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                let reason = if reason.is_empty() {
                    "bounced".to_string()
                } else {
                    format!("bounced: {reason}")
                };
                let permanent = report.recipients.iter().filter_map(|r| {
                    let address = r
                        .final_recipient
                        .as_deref()
                        .filter(|_| r.status.as_deref().is_some_and(mail::dsn_is_permanent))?;
                    Some(address.rsplit(';').next().unwrap_or(address))
                });
                self.fail_bounced(&mut commit, out_id, &reason, permanent, now);
                bounced_message = Some((out_id, reason));
            }
            // A complaint: its recipient marked our message as spam, and is
            // sent no more automatic mail for a while (as after a bounce).
            self.suppress(
                &mut commit,
                report.complainants.iter().map(String::as_str),
                now,
            );
            bounce_target = Some(Box::new(self.chain_end(workspace, out_ticket).await?));
        }
        // Exim's bounce without a delivery report names the addresses that
        // failed in `X-Failed-Recipients`, which it writes only for a
        // permanent failure, and quotes the headers of the message it
        // returns: when that message is one of ours, it failed.
        if bounce_target.is_none()
            && classification == Classification::Bounce
            && mail.signals.x_failed_recipients
            && let Some(id) =
                mail::quoted_message_id_at(&mail.text, &self.config.mail.message_id_domain)
            && let Some((out_id, out_ticket, forward)) = self
                .store
                .message_by_email_id(workspace, id)
                .await?
                .filter(|m| m.direction == Direction::Outbound)
                // (As above: not the whole message across the next read.)
                .map(|m| (m.id, m.ticket, m.visibility == Visibility::ThirdParty))
        {
            bounces_forward = forward;
            let failed = || {
                mail.header_all("x-failed-recipients")
                    .flat_map(|v| v.split(','))
                    .map(|a| a.trim().trim_start_matches('<').trim_end_matches('>'))
                    .filter(|a| !a.is_empty())
                    .take(MAX_SUPPRESSED_PER_MAIL)
            };
            let reason = format!(
                "bounced: failed recipients {}",
                failed().collect::<Vec<_>>().join(", ")
            );
            self.fail_bounced(&mut commit, out_id, &reason, failed(), now);
            bounced_message = Some((out_id, reason));
            bounce_target = Some(Box::new(self.chain_end(workspace, out_ticket).await?));
        }
        // A bounce without a delivery report (qmail's, many older servers')
        // quotes the message it returns: one of our signed Message-IDs in
        // its text names the ticket. (It fails nothing: without a report,
        // a failure cannot be told from a delay.)
        if bounce_target.is_none()
            && classification == Classification::Bounce
            && let Some(t) = self.ticket_quoted_in(workspace, &mail.text).await?
        {
            bounce_target = Some(Box::new(self.chain_end(workspace, t).await?));
        }

        let mut answers_forward = bounces_forward;
        let target = match bounce_target {
            Some(t) => Target::Existing(t),
            None => match self
                .thread(workspace, &mut reads, &mail, sender.as_deref())
                .await?
            {
                Some((t, forward)) => {
                    answers_forward = forward;
                    Target::Existing(Box::new(t))
                }
                None => Target::New,
            },
        };
        // Our own addresses: the mailbox and its plus addresses.
        let ours = |a: &str| {
            normalized_email(a) == mailbox_address.as_str()
                || self.ticket_of_address(workspace, a).is_some()
        };
        let is_forwarder = |a: &str| {
            mailbox
                .forwarders
                .iter()
                .any(|f| normalized_email(f) == normalized_email(a))
        };
        // The first address of a new thread's To, else Cc, that is neither
        // ours, nor the sender's, nor a forwarder's: whom the mail is
        // written to besides the helpdesk (in Cc or Bcc). (Not for a
        // forward: its customer is the sender of the mail forwarded.)
        // (The subject is read only when there is such an address.)
        let written_to = match (&target, &sender) {
            (Target::New, Some(s)) if human && !is_forwarder(s) => mail
                .to
                .iter()
                .chain(&mail.cc)
                .find(|a| {
                    !ours(&a.email)
                        && crate::model::is_plausible_email(&a.email)
                        && normalized_email(&a.email) != s.as_str()
                        && !is_forwarder(&a.email)
                })
                .filter(|_| !mail::is_forwarded_subject(&mail.subject))
                .cloned(),
            _ => None,
        };
        // An active agent writing from their own mail client: their
        // message, not a customer's. It reopens nothing, gets no
        // autoresponse and makes no contact of their address. On a
        // ticket's thread (from someone other than its requester) it
        // answers the ticket; on a new thread written to someone besides
        // the helpdesk, that someone is the new ticket's requester, as
        // Zammad does ("sender is agent: the customer is in To / Cc").
        // (Looked up only for those two kinds of human mail.)
        let answering_agent = match (&target, &sender) {
            (Target::Existing(t), Some(s))
                if human && sender_contact.as_ref().is_none_or(|c| c.id != t.requester) =>
            {
                self.store.agent_by_email(workspace, s).await?.map(|a| a.id)
            }
            (Target::New, Some(s)) if written_to.is_some() => {
                self.store.agent_by_email(workspace, s).await?.map(|a| a.id)
            }
            _ => None,
        };
        // (The agent's customer, when it is one.)
        let written_to = written_to.filter(|_| answering_agent.is_some());
        let sender_actor = || match answering_agent {
            Some(agent) => Actor::Agent(agent),
            None => author_of(sender_contact.as_deref()),
        };

        // The message (boxed, as the ticket: the planning future holds
        // both across its store calls).
        let mut message = Box::new(Message::new(
            workspace,
            TicketId::from_u128(0),
            Actor::System,
            Channel::Email,
            String::new(), // set last, moved out of `mail`
            now,
        ));
        message.to = mail.to.iter().map(|a| normalize_email(&a.email)).collect();
        message.cc = mail.cc.iter().map(|a| normalize_email(&a.email)).collect();
        // Stored only when something was cut (`None` = show the text).
        message.display_text = display_text;
        message.raw = Some(raw.clone());
        message.classification = classification;
        message.email = EmailIds {
            // (Threading and the dedupe key are done with these.)
            message_id: mail.message_id.take(),
            in_reply_to: std::mem::take(&mut mail.in_reply_to),
            references: std::mem::take(&mut mail.references),
        };
        // (Their bytes go to the blob store first, when there is one.)
        message.attachments = self.stored_attachments(workspace, &mut mail).await?;

        // Where it lands.
        let (mut ticket, before, status, follow_up_of) = match target {
            Target::Existing(t) if t.state == State::Archived => {
                let t = *t;
                let mut new = follow_up_of(&mut commit, &t, Channel::Email, sender_actor(), now);
                new.flags.spam = classification == Classification::Spam;
                (Box::new(new), None, IngestStatus::Created, Some(t.id))
            }
            Target::Existing(t) => {
                if human
                    && answering_agent.is_none()
                    && lifecycle::on_customer_reply(&t) == CustomerReply::Reopen
                {
                    let out = lifecycle::apply(
                        &t,
                        &Transition::CustomerReplied,
                        &LifecycleContext::default(),
                        now,
                    )?;
                    push_events(&mut commit, &t, out.events, sender_actor(), now);
                    (Box::new(out.ticket), Some(t), IngestStatus::Reopened, None)
                } else {
                    (t.clone(), Some(t), IngestStatus::Appended, None)
                }
            }
            Target::New => {
                // Reply-To names the requester of a human mail, unless it
                // points back at us (our mailbox or one of our plus
                // addresses) or is not an address at all.
                let reply_to = mail
                    .reply_to
                    .iter()
                    .find(|a| crate::model::is_plausible_email(&a.email) && !ours(&a.email));
                let from = mail
                    .from
                    .as_ref()
                    .filter(|a| crate::model::is_plausible_email(&a.email));
                // A mail whose From is missing, empty or not an address is
                // still kept: its Reply-To, else its Return-Path, stands in.
                let return_path = match (from, reply_to) {
                    (None, None) => mail
                        .signals
                        .return_path
                        .as_deref()
                        .filter(|a| crate::model::is_plausible_email(a) && !ours(a))
                        .map(|a| mail::Address {
                            name: None,
                            email: a.to_string(),
                        }),
                    _ => None,
                };
                let requester_address = if human {
                    reply_to.or(from)
                } else {
                    from.or(reply_to)
                };
                // A mail one of the mailbox's forwarders forwarded: its
                // requester is the sender of the mail forwarded.
                // So is a forward (by its subject) from one of the
                // workspace's active agents: no configuration needed.
                let by_agent = match (&sender, human) {
                    (Some(s), true)
                        if !is_forwarder(s) && mail::is_forwarded_subject(&mail.subject) =>
                    {
                        self.store.agent_by_email(workspace, s).await?.is_some()
                    }
                    _ => false,
                };
                let forwarded = match (&sender, human) {
                    (Some(s), true) if by_agent || is_forwarder(s) => {
                        mail::forwarded_sender(&mail.text)
                            .filter(|a| !ours(&a.email) && !is_forwarder(&a.email))
                    }
                    _ => None,
                };
                // An agent's mail to a customer: that customer's.
                let requester_address = written_to
                    .as_ref()
                    .or(forwarded.as_ref())
                    .or(requester_address);
                let Some(requester_address) = requester_address.or(return_path.as_ref()) else {
                    return Err(Error::validation(
                        "mail",
                        match &mail.from {
                            Some(a) => format!("the sender {:?} is not an email address", a.email),
                            None => "the mail has no sender address".to_string(),
                        },
                    ));
                };
                let requester = self
                    .find_or_plan_contact(workspace, &mut reads, requester_address, &mut commit)
                    .await?;
                let subject = match crate::fields::normalize_subject(&mail.subject) {
                    Ok(s) => s,
                    Err(_) => "(no subject)".to_string(),
                };
                let mut new = Ticket::new(workspace, subject, requester.id, Channel::Email, now);
                // (An agent's mail copies the ticket to its other
                // recipients, To and Cc, but the agent.)
                let to = match answering_agent {
                    Some(_) => mail.to.as_slice(),
                    None => &[],
                };
                // (The message keeps them all.)
                new.cc = super::plan::ticket_cc(
                    to.iter().chain(&mail.cc).map(|a| a.email.as_str()),
                    |a| {
                        !ours(a)
                            && !requester.has_email(a)
                            && (answering_agent.is_none() || Some(a) != sender.as_deref())
                    },
                    self.config.mail.max_ticket_cc,
                );
                new.queue = mailbox.default_queue;
                if let Some(actions) = mail::first_matching_rule(&mailbox.rules, &mail) {
                    new.queue = actions.queue.or(new.queue);
                    new.team = actions.team;
                    new.category = actions.category;
                    new.priority = actions.priority.unwrap_or(new.priority);
                    new.assignee = actions.assignee;
                    for tag in &actions.tags {
                        if let Ok(tag) = crate::fields::normalize_tag(tag) {
                            new.tags.insert(tag);
                        }
                    }
                }
                new.flags.spam = classification == Classification::Spam;
                new.reply_address =
                    Some(normalized_email(&requester_address.email).as_ref().into());
                push_events(
                    &mut commit,
                    &new,
                    [EventKind::Created {
                        channel: Channel::Email,
                    }],
                    match answering_agent {
                        Some(agent) => Actor::Agent(agent),
                        None => author_of(Some(&requester)),
                    },
                    now,
                );
                (Box::new(new), None, IngestStatus::Created, None)
            }
        };

        // The requester's own mail: answers go to the address it asks for
        // (its Reply-To, when that is theirs too) or came from. (A new
        // ticket's requester is found or made by that address.)
        if human && answering_agent.is_none() {
            let theirs = match status {
                IngestStatus::Created if follow_up_of.is_none() => None,
                _ => sender_contact
                    .as_deref()
                    .filter(|c| c.id == ticket.requester),
            };
            if let Some(c) = theirs {
                // (No copy when it is the one already there, as it mostly is.)
                let address = mail
                    .reply_to
                    .iter()
                    .map(|a| normalized_email(&a.email))
                    .find(|a| c.has_email(a))
                    .or_else(|| {
                        sender
                            .as_deref()
                            .filter(|s| c.has_email(s))
                            .map(std::borrow::Cow::Borrowed)
                    });
                if let Some(address) = address
                    && ticket.reply_address.as_deref() != Some(&*address)
                {
                    ticket.reply_address = Some(address.as_ref().into());
                }
            }
        }

        // Mail answering or bouncing a forward stays between the agents and
        // whoever was forwarded to (not when it opens a follow-up of an
        // archived ticket: the ticket is then its sender's).
        if answers_forward && status != IngestStatus::Created {
            message.visibility = Visibility::ThirdParty;
        }

        // Replies go out from the address the mail came in at: a new
        // ticket's, or one that had none (opened by an agent).
        if status == IngestStatus::Created || ticket.mailbox.is_none() {
            let address = mailbox.address.trim();
            if ticket.mailbox.as_deref() != Some(address)
                && crate::model::is_plausible_email(address)
            {
                ticket.mailbox = Some(address.into());
            }
        }

        if before.is_none() {
            let reserved = *number.lock().unwrap_or_else(|e| e.into_inner());
            ticket.number = match reserved {
                Some(n) => n,
                None => {
                    let n = self.store.reserve_ticket_number(workspace).await?;
                    *number.lock().unwrap_or_else(|e| e.into_inner()) = Some(n);
                    n
                }
            };
        }

        // The author: the answering agent, else the sender's contact (a new
        // one for a human sender).
        let author = match (answering_agent, &sender_contact, &mail.from) {
            (Some(agent), _, _) => Actor::Agent(agent),
            (None, Some(c), _) => Actor::Contact(c.id),
            (None, None, Some(address))
                if human && crate::model::is_plausible_email(&address.email) =>
            {
                Actor::Contact(
                    self.find_or_plan_contact(workspace, &mut reads, address, &mut commit)
                        .await?
                        .id,
                )
            }
            _ => Actor::System,
        };
        message.author = author;
        message.ticket = ticket.id;
        ticket.unread_count = ticket.unread_count.saturating_add(1);
        // (Unread by its owner, unless the owner wrote it.)
        ticket.unread_by_owner = ticket.assignee.is_some_and(|a| Some(a) != answering_agent);
        ticket.times.updated = now;
        // (A third party's answer is not the customer's: no response is
        // owed to it.)
        if human && answering_agent.is_none() && message.visibility == Visibility::Public {
            ticket.times.last_inbound = Some(now);
        }
        // An agent's mail written to the requester too answers them, as a
        // reply through the helpdesk does (the SLA's first and next
        // response); one to the helpdesk alone is only recorded.
        if answering_agent.is_some()
            && self
                .contact_in(workspace, &mut reads, ticket.requester)
                .await?
                .is_some_and(|c| message.to.iter().chain(&message.cc).any(|a| c.has_email(a)))
        {
            ticket.times.last_outbound = Some(now);
            ticket.times.first_response.get_or_insert(now);
        }
        // (Room for the events a mail usually adds: the message, and an
        // autoresponder decision with a loop detected.)
        let mut events = Vec::with_capacity(3);
        events.push(EventKind::MessageAdded {
            message: message.id,
            direction: Direction::Inbound,
            visibility: message.visibility,
        });
        for a in message.attachments.iter().filter(|a| a.too_large) {
            events.push(EventKind::AttachmentTooLarge {
                message: message.id,
                name: a.name.clone(),
                size: a.size,
            });
        }
        if let Some((id, reason)) = &bounced_message {
            events.push(EventKind::MessageFailed {
                message: *id,
                reason: reason.clone(),
            });
        }

        // The autoresponder.
        // (A requester this attempt creates is among its reads.)
        let requester = match status {
            IngestStatus::Created => {
                self.contact_in(workspace, &mut reads, ticket.requester)
                    .await?
            }
            _ => None,
        };
        // (To the address the mail came from, when the requester has
        // several.)
        let reply_address = ticket.reply_address.clone();
        let recipient = match status {
            IngestStatus::Created => requester
                .as_ref()
                .and_then(|c| super::messages::preferred_address(reply_address.as_deref(), c)),
            _ => sender.as_deref(),
        };
        let autoreply = match &mailbox.autoresponder {
            // (Not for an agent's own mail, also when it opens a ticket.)
            _ if answering_agent.is_some() => AutoreplyOutcome::None,
            None => AutoreplyOutcome::None,
            Some(config) => {
                let input = AutoresponseInput {
                    classification,
                    new_ticket: status == IngestStatus::Created,
                    recipient,
                    loop_detected: ticket.flags.loop_detected,
                    suppress_next: ticket.flags.suppress_next_autoresponder,
                    recipient_undeliverable: false,
                    recent_automatic: 0,
                };
                let mut decision = mail::decide_autoresponse(config, &input);
                // The recipient's recent automatic mail and undeliverable
                // mark are read only when they can change the decision:
                // they are its last checks, so any other answer stands.
                if decision == AutoresponseDecision::Send
                    && let Some(r) = recipient
                {
                    // (Both read at once: two round trips in parallel on a
                    // store with a connection pool.)
                    let (recent, suppressed) = futures::future::try_join(
                        self.store
                            .automatic_sent_count(workspace, r, now - config.window),
                        self.store.suppressed_until(workspace, r),
                    )
                    .await?;
                    let undeliverable = suppressed.is_some_and(|u| u > now);
                    decision = mail::decide_autoresponse(
                        config,
                        &AutoresponseInput {
                            recipient_undeliverable: undeliverable,
                            recent_automatic: recent,
                            ..input
                        },
                    );
                }
                match decision {
                    AutoresponseDecision::NotApplicable => AutoreplyOutcome::None,
                    AutoresponseDecision::Suppress(reason) => {
                        match reason {
                            SuppressReason::RateLimited => {
                                ticket.flags.loop_detected = true;
                                events.push(EventKind::LoopDetected {
                                    reason: format!(
                                        "{} or more automatic messages to {} within {} minutes",
                                        config.limit,
                                        recipient.unwrap_or_default(),
                                        config.window.num_minutes()
                                    ),
                                });
                            }
                            SuppressReason::SuppressedOnce => {
                                ticket.flags.suppress_next_autoresponder = false
                            }
                            _ => {}
                        }
                        events.push(EventKind::AutoresponderSuppressed {
                            reason: reason.as_str().to_string(),
                        });
                        AutoreplyOutcome::Suppressed(reason)
                    }
                    AutoresponseDecision::Send => {
                        let to = recipient.unwrap_or_default();
                        let reply = self
                            .autoresponse(
                                workspace,
                                &mut reads,
                                mailbox,
                                config,
                                &ticket,
                                &message,
                                to,
                                now,
                                &mut commit,
                            )
                            .await?;
                        events.push(EventKind::AutoresponderSent { message: reply });
                        AutoreplyOutcome::Sent(reply)
                    }
                }
            }
        };

        commit.ingest_keys.push(IngestRecord {
            mailbox: mailbox_address,
            key,
            ticket: ticket.id,
            message: message.id,
        });
        let actor = author;
        let ticket_id = ticket.id;
        // The ticket goes into the commit (the caller takes it back from
        // the commit's outcome, as stored).
        match before {
            Some(before) => {
                write_ticket(&mut commit, &before, *ticket, events, actor, now);
                reads.saw_ticket(*before);
            }
            None => {
                push_events(&mut commit, &ticket, events, actor, now);
                commit.tickets.push(TicketWrite::Create(*ticket));
            }
        }
        message.from = sender;
        message.subject = std::mem::take(&mut mail.subject);
        message.text = std::mem::take(&mut mail.text);
        message.html = mail.html.take();
        let message_id = message.id;
        // The inbound message is written before the autoresponse (same
        // instant; ids keep the order).
        commit.messages.insert(0, *message);
        Ok(Plan::new(
            commit,
            Planned {
                status,
                ticket_id,
                ticket: None,
                message: message_id,
                classification,
                autoreply,
                follow_up_of,
                bounced_message: bounced_message.map(|(id, _)| id),
            },
        )
        .with_reads(reads))
    }

    /// Plans the autoresponse to `inbound` on `ticket`: an automatic public
    /// message through the outbox. Returns its id.
    #[allow(clippy::too_many_arguments)]
    async fn autoresponse(
        &self,
        workspace: WorkspaceId,
        reads: &mut Reads,
        mailbox: &Mailbox,
        config: &AutoresponderConfig,
        ticket: &Ticket,
        inbound: &Message,
        to: &str,
        now: DateTime<Utc>,
        commit: &mut Commit,
    ) -> Result<MessageId> {
        let requester = self.contact_in(workspace, reads, ticket.requester).await?;
        let number = if ticket.number.0 == 0 {
            String::new()
        } else {
            ticket.number.0.to_string()
        };
        // (The id as `Display` writes it, without a `String`.)
        let mut id_buffer = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let ticket_id: &str = ticket
            .id
            .as_uuid()
            .hyphenated()
            .encode_lower(&mut id_buffer);
        let url = mailbox
            .public_url
            .as_ref()
            .map(|u| {
                let url = u
                    .replace("{ticket_id}", ticket_id)
                    .replace("{ticket_number}", &number);
                // (Signed only when asked for.)
                match url.contains("{ticket_token}") {
                    true => url.replace("{ticket_token}", &self.public_token(workspace, ticket)),
                    false => url,
                }
            })
            .unwrap_or_default();
        let requester_name = requester
            .as_ref()
            .and_then(|c| c.name.as_deref())
            .unwrap_or_default();
        let vars = [
            ("ticket_number", number.as_str()),
            ("ticket_id", ticket_id),
            ("subject", ticket.subject.as_str()),
            ("requester_name", requester_name),
            ("requester_email", to),
            ("ticket_url", url.as_str()),
        ];
        let subject = mail::render_vars(&config.subject, &vars)
            .map_err(|e| Error::validation("autoresponder", e.to_string()))?;
        let body = mail::render_vars(&config.body, &vars)
            .map_err(|e| Error::validation("autoresponder", e.to_string()))?;
        let mut reply = Message::new(
            workspace,
            ticket.id,
            Actor::System,
            Channel::Email,
            body,
            now,
        );
        reply.direction = Direction::Outbound;
        reply.visibility = Visibility::Public;
        reply.subject = subject;
        reply.from = Some(mailbox.address.clone());
        reply.to = vec![to.to_string()];
        reply.email = EmailIds {
            message_id: Some(self.outgoing_message_id(workspace, ticket.id, reply.id)),
            in_reply_to: inbound.email.message_id.clone().into_iter().collect(),
            references: inbound
                .email
                .references
                .iter()
                .cloned()
                .chain(inbound.email.message_id.clone())
                .collect(),
        };
        reply.send_state = Some(SendState::Scheduled { at: now });
        commit.outbox.push(OutboxWrite::Enqueue(OutboxItem::new(
            workspace,
            ticket.id,
            reply.id,
            Channel::Email,
            now,
        )));
        let id = reply.id;
        commit.messages.push(reply);
        Ok(id)
    }

    /// Stores a mailbox sync position on its own (e.g. after a message that
    /// was rejected and recorded elsewhere).
    pub async fn advance_checkpoint(
        &self,
        workspace: WorkspaceId,
        checkpoint: MailboxCheckpoint,
    ) -> Result<()> {
        let commit = Commit {
            checkpoints: vec![checkpoint],
            ..Commit::default()
        };
        self.store.commit(workspace, commit).await?;
        Ok(())
    }

    /// Skips the next autoresponder on `ticket` (one-shot).
    pub async fn suppress_next_autoresponder(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
    ) -> Result<Ticket> {
        self.set_flag(workspace, ticket, actor, |t| {
            (!t.flags.suppress_next_autoresponder).then(|| {
                t.flags.suppress_next_autoresponder = true;
                EventKind::AutoresponderSuppressionSet
            })
        })
        .await
    }

    /// Clears `loop_detected` on `ticket`: automatic mail may go out again.
    pub async fn clear_loop(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
    ) -> Result<Ticket> {
        self.set_flag(workspace, ticket, actor, |t| {
            t.flags.loop_detected.then(|| {
                t.flags.loop_detected = false;
                EventKind::LoopCleared
            })
        })
        .await
    }

    async fn set_flag(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
        change: impl Fn(&mut Ticket) -> Option<EventKind> + Send + Sync,
    ) -> Result<Ticket> {
        let (ticket, outcome) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let current = self.store.get_ticket(workspace, ticket).await?;
                crate::fields::refuse_archived(&current)?;
                let mut next = current.clone();
                let mut commit = Commit::default();
                if let Some(event) = change(&mut next) {
                    next.times.updated = now;
                    write_ticket(&mut commit, &current, next.clone(), vec![event], actor, now);
                }
                Ok(Plan::new(commit, next))
            })
            .await?;
        Ok(super::plan::stored(&outcome, ticket))
    }
}

/// A customer's mail that our own list (a Google Group as our address)
/// relayed with its `From` rewritten to ours gets its sender back: the one
/// the list names (see `mail::own_list`).
fn relayed_sender_put_back(mail: &mut InboundMail, mailbox_address: &str) {
    if let Some(original) = mail::original_sender(mail, &[mailbox_address]) {
        mail.from = Some(original);
    }
}

fn author_of(contact: Option<&Contact>) -> Actor {
    contact.map_or(Actor::System, |c| Actor::Contact(c.id))
}
