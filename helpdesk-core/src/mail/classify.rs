//! Pure decision: who (or what) sent an inbound mail.

use serde::{Deserialize, Serialize};

use super::parse::{InboundMail, normalize_email};
use super::text::{fold, starts_with_word};

pub use crate::model::Classification;

/// Which rule decided a [`Classification`] (for events and debugging).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClassifyReason {
    /// No rule fired: a human.
    NoRuleMatched,
    /// The sender (address or domain) is on the blocklist.
    BlockedSender,
    /// A spam filter on the way flagged the mail: SpamAssassin's
    /// `X-Spam-Flag: YES` or `X-Spam-Status: Yes, ...`, rspamd's
    /// `X-Spam: Yes`.
    SpamFlag,
    /// Our loop header carries our workspace value.
    LoopHeader,
    /// An `X-Loop` header names one of our own addresses.
    XLoopOwnAddress,
    /// The sender is one of our own addresses.
    OwnAddress,
    /// The Message-ID is in our own Message-ID domain.
    OwnMessageId,
    /// A `multipart/report` delivery status notification.
    DeliveryReport,
    /// The sender's local part is `MAILER-DAEMON` or `postmaster`.
    DaemonSender,
    /// `Return-Path: <>` without any auto-reply marker.
    NullReturnPath,
    /// A `Return-Path` whose local part is `MAILER-DAEMON` or `postmaster`
    /// (a null reverse path that a relay wrote out), without any auto-reply
    /// marker.
    DaemonReturnPath,
    /// An `X-Failed-Recipients` header (Exim's bounces).
    FailedRecipients,
    /// A delivery failure notice's subject (`Undelivered Mail Returned to
    /// Sender`, `Returned mail: ...`, `Unzustellbar: ...`) on a mail that
    /// returns a message: one attached, or its headers (`Received: from`,
    /// `Message-ID:`) in the text.
    ReturnedMessage,
    /// A `multipart/report` read receipt (message disposition notification).
    ReadReceipt,
    /// A `multipart/report` complaint (`report-type=feedback-report`, RFC
    /// 5965): a recipient's mail provider reports that they marked a
    /// message as spam. The message was delivered; nothing failed.
    FeedbackReport,
    /// RFC 3834 `Auto-Submitted` with a value other than `no`.
    AutoSubmitted,
    /// An `X-Autoreply` header.
    XAutoreply,
    /// An `X-Autorespond` header.
    XAutorespond,
    /// An `X-Loop` header (not ours).
    XLoop,
    /// `Precedence: auto_reply`, `bulk` or `junk`.
    Precedence,
    /// `X-Auto-Response-Suppress: All`.
    AutoResponseSuppress,
    /// An out-of-office / automatic-reply subject.
    OutOfOfficeSubject,
    /// A `List-Id` header.
    ListId,
    /// A `List-Unsubscribe` header.
    ListUnsubscribe,
    /// `Precedence: list`.
    PrecedenceList,
    /// A `Mailing-List` header (ezmlm's and Yahoo Groups' lists, which
    /// write no `List-Id`).
    MailingList,
}

impl ClassifyReason {
    /// The classification this reason leads to.
    pub fn classification(self) -> Classification {
        use ClassifyReason::*;
        match self {
            NoRuleMatched => Classification::Human,
            BlockedSender | SpamFlag => Classification::Spam,
            LoopHeader | XLoopOwnAddress | OwnAddress | OwnMessageId => Classification::Loop,
            DeliveryReport | DaemonSender | NullReturnPath | DaemonReturnPath
            | FailedRecipients | ReturnedMessage => Classification::Bounce,
            ReadReceipt | FeedbackReport | AutoSubmitted | XAutoreply | XAutorespond | XLoop
            | Precedence | AutoResponseSuppress | OutOfOfficeSubject => Classification::AutoReply,
            ListId | ListUnsubscribe | PrecedenceList | MailingList => Classification::List,
        }
    }
}

/// Workspace facts the classifier needs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClassifyContext {
    /// Our own mailbox addresses (support@..., the From of our mail).
    /// Compared normalised and ignoring `+tag` parts.
    pub own_addresses: Vec<String>,
    /// Domain of the Message-IDs we generate (right of `@`).
    pub own_message_id_domain: Option<String>,
    /// Name of the loop header we put on our mail, e.g. `X-Helpdesk-Loop`.
    pub loop_header_name: String,
    /// Our workspace-specific value of that header.
    pub loop_header_value: String,
    /// Blocked senders: full addresses (`a@b.com`), or domains written
    /// `@b.com` (or bare `b.com`) which also block subdomains.
    pub blocklist: Vec<String>,
}

/// Classifies an inbound mail. See [`classify_with_reason`] for the rules.
///
/// ```
/// use helpdesk_core::mail::{classify, parse, Classification, ClassifyContext, ParseLimits};
/// let raw = b"From: jane@example.com\r\nSubject: Automatic reply: Printer\r\n\r\nI am away.";
/// let mail = parse(raw, &ParseLimits::default()).unwrap();
/// assert_eq!(classify(&mail, &ClassifyContext::default()), Classification::AutoReply);
/// ```
pub fn classify(mail: &InboundMail, ctx: &ClassifyContext) -> Classification {
    classify_with_reason(mail, ctx).0
}

/// Classifies an inbound mail and says which rule fired. Rules, first match
/// wins:
///
/// 1. **Spam**: sender address or domain on the blocklist.
/// 2. **Loop**: our loop header with our value; an `X-Loop` naming one of
///    our addresses; sender is one of our addresses; Message-ID in our
///    Message-ID domain.
/// 3. **Bounce**: `multipart/report` delivery status (a `disposition-notification`
///    report is a read receipt, a `feedback-report` a complaint: both give
///    AutoReply instead); sender local
///    part `MAILER-DAEMON`/`postmaster`/`MDaemon` (or Exchange's
///    `"System Administrator"`); `X-Failed-Recipients` (Exim); a failure
///    notice's subject (`Undelivered Mail Returned to Sender`, `Returned
///    mail:`, `Unzustellbar:`...) on a mail that returns a message (attached,
///    or its `Received: from` / `Message-ID:` lines in the text); `Return-Path: <>`,
///    or a `Return-Path` of `MAILER-DAEMON`/`postmaster` (the null reverse
///    path as some relays write it out) — these two unless the mail also
///    carries an auto-reply marker from rule 5, since RFC 3834 asks
///    auto-responders to use the null reverse path too.
/// 4. **Spam**: a spam filter on the way flagged the mail
///    (SpamAssassin's `X-Spam-Flag: YES` or `X-Spam-Status: Yes, ...`,
///    rspamd's `X-Spam: Yes`): no autoresponse goes back to a sender that
///    is most likely forged (backscatter). A bounce stays a bounce.
/// 5. **AutoReply**: `Auto-Submitted` other than `no`; `X-Autoreply`;
///    `X-Autorespond`; `X-Loop`; `Precedence: auto_reply`, or `bulk |
///    junk` on a mail without a list header of rule 6 (a list's
///    `Precedence: bulk`, as Mailman writes it, is the list's);
///    `X-Auto-Response-Suppress: All` (only `All`: partial values such as
///    `OOF` are set by some ordinary mail clients and would misfire);
///    out-of-office subject (en, pl, cs, it, de, and Outlook's "Automatic
///    reply" in fr, es, pt, nl, sv, da/no, fi, hu, sk, ro, ru, uk; after
///    `Re:`-style prefixes).
/// 6. **List**: `List-Id`, `List-Unsubscribe`, `Precedence: list`,
///    `Mailing-List` (ezmlm).
/// 7. **Human** otherwise.
///
/// A mail relayed by a list that is one of our own addresses (`support@`
/// as a Google Group or Mailman list that passes customers' mail on to
/// the helpdesk: its `List-Id` is that address with `@` read as `.`) is
/// classified without the list's headers: `List-Id`, `List-Unsubscribe`
/// and `Precedence` are the list's, not the customer's. (The engine also
/// reads a `From` the group rewrote to our address as the sender the group
/// names in `X-Original-From`, `X-Original-Sender` or `Reply-To`.)
pub fn classify_with_reason(
    mail: &InboundMail,
    ctx: &ClassifyContext,
) -> (Classification, ClassifyReason) {
    let reason = decide(mail, &ctx.borrowed());
    (reason.classification(), reason)
}

/// [`ClassifyContext`], borrowed: what the engine classifies with, built
/// per mail without copying its parts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ContextRef<'a> {
    pub(crate) own_addresses: &'a [String],
    pub(crate) own_message_id_domain: Option<&'a str>,
    pub(crate) loop_header_name: &'a str,
    pub(crate) loop_header_value: &'a str,
    pub(crate) blocklist: &'a [String],
}

impl ClassifyContext {
    fn borrowed(&self) -> ContextRef<'_> {
        ContextRef {
            own_addresses: &self.own_addresses,
            own_message_id_domain: self.own_message_id_domain.as_deref(),
            loop_header_name: &self.loop_header_name,
            loop_header_value: &self.loop_header_value,
            blocklist: &self.blocklist,
        }
    }
}

/// [`classify_with_reason`] with a borrowed context.
pub(crate) fn classify_borrowed(mail: &InboundMail, ctx: &ContextRef<'_>) -> Classification {
    decide(mail, ctx).classification()
}

fn decide(mail: &InboundMail, ctx: &ContextRef<'_>) -> ClassifyReason {
    let s = &mail.signals;
    let sender = mail
        .from
        .as_ref()
        .map(|a| crate::model::normalized_email(&a.email))
        .unwrap_or_default();

    // 1. Spam.
    if !sender.is_empty() && is_blocked(&sender, ctx.blocklist) {
        return ClassifyReason::BlockedSender;
    }

    // 2. Loop.
    let loop_name = ctx.loop_header_name.trim();
    let loop_value = ctx.loop_header_value.trim();
    if !loop_name.is_empty()
        && !loop_value.is_empty()
        && mail.header_all(loop_name).any(|v| v.trim() == loop_value)
    {
        return ClassifyReason::LoopHeader;
    }
    if s.x_loop
        .iter()
        .any(|v| is_own_address(v, ctx.own_addresses))
    {
        return ClassifyReason::XLoopOwnAddress;
    }
    if !sender.is_empty() && is_own_address(&sender, ctx.own_addresses) {
        return ClassifyReason::OwnAddress;
    }
    if let (Some(domain), Some(id)) = (ctx.own_message_id_domain, &mail.message_id) {
        let domain = domain.trim().trim_start_matches('@');
        if !domain.is_empty()
            && at_split(id).is_some_and(|(_, d)| d.trim().eq_ignore_ascii_case(domain))
        {
            return ClassifyReason::OwnMessageId;
        }
    }

    // 3. Bounce.
    if let Some(report) = &s.report {
        let kind = report.report_type.as_deref().unwrap_or("");
        if kind == "disposition-notification" {
            return ClassifyReason::ReadReceipt;
        }
        if kind == "feedback-report" {
            return ClassifyReason::FeedbackReport;
        }
        return ClassifyReason::DeliveryReport;
    }
    if is_daemon(&sender) {
        return ClassifyReason::DaemonSender;
    }
    if s.x_failed_recipients {
        return ClassifyReason::FailedRecipients;
    }
    // (Folded once, for the bounce and the out-of-office subjects.)
    let subject = fold(&mail.subject);
    if is_bounce_subject(&subject) && returns_a_message(mail) {
        return ClassifyReason::ReturnedMessage;
    }
    if spam_flagged(mail) {
        return ClassifyReason::SpamFlag;
    }
    // (Mail our own list relayed: the list's headers say nothing of it;
    // see `own_list`.)
    let own_list = s.list_id.is_some() && super::own_list::via_own_list(mail, ctx.own_addresses);
    let auto = auto_reply_reason(mail, &subject, own_list);
    if auto.is_none() {
        if s.null_return_path {
            return ClassifyReason::NullReturnPath;
        }
        if s.return_path.as_deref().is_some_and(is_daemon) {
            return ClassifyReason::DaemonReturnPath;
        }
    }

    // 4. Auto-reply.
    if let Some(reason) = auto {
        return reason;
    }

    // 5. List.
    if own_list {
        return ClassifyReason::NoRuleMatched;
    }
    if s.list_id.is_some() {
        return ClassifyReason::ListId;
    }
    if s.list_unsubscribe {
        return ClassifyReason::ListUnsubscribe;
    }
    if s.precedence.as_deref() == Some("list") {
        return ClassifyReason::PrecedenceList;
    }
    if s.mailing_list {
        return ClassifyReason::MailingList;
    }
    ClassifyReason::NoRuleMatched
}

/// Whether a spam filter on the way flagged `mail` as spam, in the
/// headers SpamAssassin and rspamd add: `X-Spam-Flag: YES`,
/// `X-Spam-Status: Yes, score=...`, `X-Spam: Yes` (any case). A filter
/// that passed the mail writes `NO` / `No, ...`, which is no flag.
fn spam_flagged(mail: &InboundMail) -> bool {
    let yes = |v: &str| {
        let v = v.trim_start();
        v.get(..3).is_some_and(|y| y.eq_ignore_ascii_case("yes"))
            && v.get(3..).is_some_and(|rest| {
                rest.chars()
                    .next()
                    .is_none_or(|c| c == ',' || c.is_whitespace())
            })
    };
    ["x-spam-flag", "x-spam-status", "x-spam"]
        .into_iter()
        .any(|name| mail.header_all(name).any(yes))
}

/// Whether the (normalised) address `email` is a mail system's own: local
/// part `MAILER-DAEMON`, `postmaster`, `MDaemon` (the MDaemon server's), or
/// Exchange's quoted `"System Administrator"`; an address without `@` is
/// all local part (`Return-Path: <MAILER-DAEMON>`).
fn is_daemon(email: &str) -> bool {
    let local = at_split(email).map_or(email, |(l, _)| l);
    matches!(
        local,
        "mailer-daemon"
            | "mailer_daemon"
            | "mailerdaemon"
            | "postmaster"
            | "mdaemon"
            | "\"system administrator\""
    )
}

/// Folded openings of the subjects of delivery failure (and delay)
/// notices, as mail servers write them: Postfix, Exim, Sendmail, qmail,
/// Exchange and others, and Exchange's in de/pl/cs/it/fr/es/nl.
const BOUNCE_SUBJECTS: &[&str] = &[
    "undelivered mail returned to sender",
    "undeliverable",
    "undelivered mail",
    "mail delivery failed",
    "mail delivery failure",
    "message delivery failure",
    "delivery failure",
    "delivery status notification",
    "delivery notification: delivery has failed",
    "returned mail",
    "failure notice",
    "non delivery",
    "nondeliverable",
    "mail could not be delivered",
    "message could not be delivered",
    "mail system error",
    "permanent delivery failure",
    "warning: could not send message",
    "unzustellbar",
    "nicht zustellbar",
    "niedostarczalne",
    "nie mozna dostarczyc",
    "nedorucitelne",
    "non recapitabile",
    "non remis",
    "no se puede entregar",
    "onbestelbaar",
];

/// Whether the folded `subject` opens as a delivery failure notice's (with
/// no `Re:` or `Fwd:` before it: a customer's forward of a bounce is no
/// bounce).
fn is_bounce_subject(subject: &str) -> bool {
    // (Only the phrases that start with the subject's first byte are
    // compared: this runs for every mail.)
    let Some(&first) = subject.as_bytes().first() else {
        return false;
    };
    BOUNCE_SUBJECTS
        .iter()
        .any(|p| p.as_bytes().first() == Some(&first) && starts_with_word(subject, p))
}

/// Whether `mail` returns a message, as a bounce does: an attached message
/// or message headers (`message/rfc822`, `text/rfc822-headers`, a delivery
/// status), or the returned message's headers in its text (a line opening
/// with `Received: from` or `Message-ID:`, quoted or not).
fn returns_a_message(mail: &InboundMail) -> bool {
    let attached = mail.attachments.iter().any(|a| {
        matches!(
            a.content_type.as_str(),
            "message/rfc822"
                | "text/rfc822-headers"
                | "message/rfc822-headers"
                | "message/delivery-status"
        )
    });
    let opens = |line: &str, with: &str| {
        line.get(..with.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(with))
    };
    attached
        || mail.text.lines().any(|line| {
            let line = line.trim_start_matches(['>', ' ', '\t']);
            opens(line, "received: from ") || opens(line, "message-id:")
        })
}

fn auto_reply_reason(mail: &InboundMail, subject: &str, own_list: bool) -> Option<ClassifyReason> {
    let s = &mail.signals;
    if s.auto_submitted.as_deref().is_some_and(|v| v != "no") {
        return Some(ClassifyReason::AutoSubmitted);
    }
    if s.x_autoreply {
        return Some(ClassifyReason::XAutoreply);
    }
    if s.x_autorespond {
        return Some(ClassifyReason::XAutorespond);
    }
    if !s.x_loop.is_empty() {
        return Some(ClassifyReason::XLoop);
    }
    // (Our own list's `Precedence` is the list's, not the mail's; so is
    // another list's `bulk` or `junk`.)
    let listed = s.list_id.is_some() || s.list_unsubscribe || s.mailing_list;
    if !own_list
        && s.precedence.as_deref().is_some_and(|p| match p {
            "auto_reply" | "auto-reply" => true,
            "bulk" | "junk" => !listed,
            _ => false,
        })
    {
        return Some(ClassifyReason::Precedence);
    }
    if s.x_auto_response_suppress.as_deref().is_some_and(|v| {
        v.split([',', ';', ' '])
            .any(|t| t.trim().eq_ignore_ascii_case("all"))
    }) {
        return Some(ClassifyReason::AutoResponseSuppress);
    }
    if is_out_of_office_subject(subject) {
        return Some(ClassifyReason::OutOfOfficeSubject);
    }
    None
}

/// Folded (see `text::fold`) subject openings of automatic replies.
const OOO_SUBJECTS: &[&str] = &[
    // en
    "out of office",
    "out of the office",
    "automatic reply",
    "automatic response",
    "auto reply",
    "autoreply",
    "auto response",
    "autoresponse",
    "away from the office",
    "vacation reply",
    // pl
    "odpowiedz automatyczna",
    "automatyczna odpowiedz",
    "nieobecnosc",
    "poza biurem",
    // cs
    "automaticka odpoved",
    "mimo kancelar",
    "nepritomnost",
    // it
    "risposta automatica",
    "fuori ufficio",
    "fuori sede",
    // de
    "abwesenheitsnotiz",
    "automatische antwort",
    "abwesend",
    "nicht im buro",
    "ausser haus",
    // Outlook's "Automatic reply:" in other languages customers write in:
    // French, Spanish, Portuguese, Dutch, Swedish, Danish / Norwegian,
    // Finnish, Hungarian, Slovak, Romanian, Russian, Ukrainian.
    "reponse automatique",
    "respuesta automatica",
    "resposta automatica",
    "automatisch antwoord",
    "automatiskt svar",
    "automatisk svar",
    "automaattinen vastaus",
    "automatikus valasz",
    "automaticka odpoved",
    // (Folded, `ă` stays.)
    "răspuns automat",
    "автоматический ответ",
    "автоматична відповідь",
];

/// Reply/forward prefixes stripped before matching (folded, without colon).
const SUBJECT_PREFIXES: &[&str] = &[
    "re", "aw", "odp", "odp.", "r", "rif", "fw", "fwd", "wg", "pd", "i", "tr", "sv", "vs", "antw",
];

/// Whether the folded `subject` opens as an automatic reply's, after any
/// `Re:`-style prefixes.
fn is_out_of_office_subject(subject: &str) -> bool {
    // Strip "Re:", "AW:", "[ext]"-free prefixes, repeatedly (each a
    // stretch of the folded subject: nothing is copied).
    let mut s = subject;
    while let Some((head, tail)) = s.split_once(':') {
        // "Re[2]", "AW2" style counters.
        let head = head
            .trim()
            .trim_end_matches(|c: char| c.is_ascii_digit() || c == '[' || c == ']');
        if !SUBJECT_PREFIXES.contains(&head) {
            break;
        }
        s = tail.trim();
    }
    // (Only the phrases that start with the subject's first byte are
    // compared.)
    let Some(&first) = s.as_bytes().first() else {
        return false;
    };
    OOO_SUBJECTS
        .iter()
        .any(|w| w.as_bytes().first() == Some(&first) && starts_with_word(s, w))
}

/// `s` split at its last `@` (a byte search: this runs for every address
/// of every mail).
fn at_split(s: &str) -> Option<(&str, &str)> {
    let at = memchr::memrchr(b'@', s.as_bytes())?;
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// Whether `address` is one of `own_addresses`, compared normalised and
/// without a `+tag` (our plus addresses are ours).
pub(crate) fn is_own_address<S: AsRef<str>>(address: &str, own_addresses: &[S]) -> bool {
    let address = crate::model::normalized_email(address);
    let address = strip_plus(&address);
    !address.is_empty()
        && own_addresses.iter().any(|a| {
            let a = crate::model::normalized_email(a.as_ref());
            strip_plus(&a) == address
        })
}

fn strip_plus(email: &str) -> std::borrow::Cow<'_, str> {
    match at_split(email) {
        Some((local, domain)) if local.contains('+') => {
            let local = local.split('+').next().unwrap_or(local);
            std::borrow::Cow::Owned(format!("{local}@{domain}"))
        }
        _ => std::borrow::Cow::Borrowed(email),
    }
}

fn is_blocked(sender: &str, blocklist: &[String]) -> bool {
    let domain = at_split(sender).map(|(_, d)| d).unwrap_or("");
    blocklist.iter().any(|entry| {
        let entry = normalize_email(entry);
        if entry.is_empty() {
            return false;
        }
        match entry.strip_prefix('@') {
            Some(d) => domain_matches(domain, d),
            None if !entry.contains('@') => domain_matches(domain, &entry),
            None => entry == sender,
        }
    })
}

fn domain_matches(domain: &str, blocked: &str) -> bool {
    !blocked.is_empty()
        && (domain == blocked
            || domain
                .strip_suffix(blocked)
                .is_some_and(|rest| rest.ends_with('.')))
}

/// True for addresses that must never receive replies: local parts
/// `noreply`, `no-reply`, `do-not-reply`, `donotreply`, `mailer-daemon`,
/// `postmaster`, `bounce`, `bounces` — and local parts starting with them
/// (`noreply-billing@`, `bounces+123@`). Separators `-`, `_`, `.` are ignored.
///
/// ```
/// use helpdesk_core::mail::is_no_reply_address;
/// assert!(is_no_reply_address("No-Reply@example.com"));
/// assert!(is_no_reply_address("bounces+abc@lists.example.org"));
/// assert!(!is_no_reply_address("jane@example.com"));
/// ```
pub fn is_no_reply_address(email: &str) -> bool {
    let email = crate::model::normalized_email(email);
    let local = at_split(&email).map_or(&*email, |(l, _)| l);
    // The local part without `-`, `_` and `.`, compared as it is read.
    let squashed = local.chars().filter(|c| !matches!(c, '-' | '_' | '.'));
    [
        "noreply",
        "donotreply",
        "mailerdaemon",
        "postmaster",
        "bounce",
    ]
    .iter()
    .any(|p| {
        let mut s = squashed.clone();
        p.chars().all(|c| s.next() == Some(c))
    })
}

/// True when an RFC 3463 enhanced status code is permanent (`5.x.x`).
///
/// ```
/// use helpdesk_core::mail::dsn_is_permanent;
/// assert!(dsn_is_permanent("5.1.1"));
/// assert!(!dsn_is_permanent("4.4.1"));
/// assert!(!dsn_is_permanent("garbage"));
/// ```
pub fn dsn_is_permanent(status: &str) -> bool {
    let code = status.trim().split([' ', '(']).next().unwrap_or("");
    let parts: Vec<&str> = code.split('.').collect();
    parts.len() == 3
        && parts.first() == Some(&"5")
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{ParseLimits, parse};

    fn mail(raw: &str) -> InboundMail {
        match parse(raw.as_bytes(), &ParseLimits::default()) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }

    fn ctx() -> ClassifyContext {
        ClassifyContext {
            own_addresses: vec!["Support@Example.com".into()],
            own_message_id_domain: Some("mail.example.com".into()),
            loop_header_name: "X-Helpdesk-Loop".into(),
            loop_header_value: "ws-42".into(),
            blocklist: vec![
                "spammer@bad.com".into(),
                "@evil.org".into(),
                "junk.net".into(),
            ],
        }
    }

    fn reason(raw: &str) -> ClassifyReason {
        classify_with_reason(&mail(raw), &ctx()).1
    }

    fn with_headers(h: &str) -> String {
        format!(
            "From: Jane <jane@customer.com>\r\nTo: support@example.com\r\nSubject: Help\r\nMessage-ID: <1@customer.com>\r\n{h}\r\nBody\r\n"
        )
    }

    #[test]
    fn human() {
        let r = reason(&with_headers(""));
        assert_eq!(r, ClassifyReason::NoRuleMatched);
        assert_eq!(r.classification(), Classification::Human);
        assert_eq!(
            reason(&with_headers("Auto-Submitted: no\r\n")),
            ClassifyReason::NoRuleMatched
        );
        assert_eq!(
            reason(&with_headers("X-Auto-Response-Suppress: OOF, DR\r\n")),
            ClassifyReason::NoRuleMatched
        );
        assert_eq!(
            reason(&with_headers("X-Helpdesk-Loop: other-ws\r\n")),
            ClassifyReason::NoRuleMatched
        );
    }

    /// A customer's mail relayed by our own list (`support@` as a Google
    /// Group): the list's headers are not the mail's. Another list's mail
    /// stays list mail, and an auto-reply relayed by our list stays one.
    #[test]
    fn mail_relayed_by_our_own_list_is_not_list_mail() {
        let group = "List-Id: <support.example.com>\r\nList-Unsubscribe: <mailto:googlegroups-manage+1+unsubscribe@googlegroups.com>\r\nPrecedence: list\r\nMailing-list: list support@example.com; contact support+owners@example.com\r\n";
        assert_eq!(reason(&with_headers(group)), ClassifyReason::NoRuleMatched);
        let bulk = group.replace("Precedence: list", "Precedence: bulk");
        assert_eq!(reason(&with_headers(&bulk)), ClassifyReason::NoRuleMatched);
        let other = group.replace("support.example.com", "sales.example.com");
        assert_eq!(reason(&with_headers(&other)), ClassifyReason::ListId);
        let auto = format!("{group}Auto-Submitted: auto-replied\r\n");
        assert_eq!(reason(&with_headers(&auto)), ClassifyReason::AutoSubmitted);
        // Our own address as the sender (no original sender put back by
        // the engine) stays a loop.
        let ours = format!("From: support@example.com\r\nSubject: x\r\n{group}\r\nx");
        assert_eq!(reason(&ours), ClassifyReason::OwnAddress);
    }

    #[test]
    fn spam() {
        for from in [
            "spammer@bad.com",
            "x@evil.org",
            "x@mx.evil.org",
            "SPAMMER@BAD.COM",
            "a@junk.net",
        ] {
            let raw = format!("From: {from}\r\nSubject: hi\r\n\r\nx");
            assert_eq!(reason(&raw), ClassifyReason::BlockedSender, "{from}");
        }
        assert_eq!(
            reason("From: x@notevil.org\r\nSubject: hi\r\n\r\nx"),
            ClassifyReason::NoRuleMatched
        );
    }

    #[test]
    fn spam_flagged_on_the_way() {
        for h in [
            "X-Spam-Flag: YES\r\n",
            "x-spam-flag: yes\r\n",
            "X-Spam-Status: Yes, score=9.1 required=5.0\r\n",
            "X-Spam-Status: Yes\r\n",
            "X-Spam: Yes\r\n",
            "X-Spam-Flag: NO\r\nX-Spam-Flag: YES\r\n",
            // (Over the list's and the auto-reply's headers: no answer to
            // a forged sender either way.)
            "X-Spam-Flag: YES\r\nList-Id: <deals.example.com>\r\n",
            "X-Spam-Flag: YES\r\nAuto-Submitted: auto-replied\r\n",
        ] {
            assert_eq!(reason(&with_headers(h)), ClassifyReason::SpamFlag, "{h:?}");
        }
        assert_eq!(
            ClassifyReason::SpamFlag.classification(),
            Classification::Spam
        );
        for h in [
            "X-Spam-Flag: NO\r\n",
            "X-Spam-Status: No, score=-0.1 required=5.0\r\n",
            "X-Spam: No\r\n",
            "X-Spam-Status: Yesterday\r\n",
            "X-Spam-Level: YES\r\n",
            "X-Spam-Flag: \r\n",
        ] {
            assert_eq!(
                reason(&with_headers(h)),
                ClassifyReason::NoRuleMatched,
                "{h:?}"
            );
        }
        // A bounce stays a bounce.
        assert_eq!(
            reason(&with_headers(
                "X-Spam-Flag: YES\r\nX-Failed-Recipients: a@b.example\r\n"
            )),
            ClassifyReason::FailedRecipients
        );
    }

    #[test]
    fn loops() {
        assert_eq!(
            reason(&with_headers("X-Helpdesk-Loop: ws-42\r\n")),
            ClassifyReason::LoopHeader
        );
        assert_eq!(
            reason(&with_headers("x-helpdesk-loop:  ws-42 \r\n")),
            ClassifyReason::LoopHeader
        );
        assert_eq!(
            reason(&with_headers("X-Loop: support@example.com\r\n")),
            ClassifyReason::XLoopOwnAddress
        );
        assert_eq!(
            reason("From: support+abc@example.com\r\nSubject: x\r\n\r\nx"),
            ClassifyReason::OwnAddress
        );
        assert_eq!(
            reason("From: a@b.com\r\nMessage-ID: <hd.x.y@Mail.Example.com>\r\n\r\nx"),
            ClassifyReason::OwnMessageId
        );
        // Loop beats bounce and auto-reply.
        assert_eq!(
            reason(
                "From: support@example.com\r\nAuto-Submitted: auto-replied\r\nReturn-Path: <>\r\n\r\nx"
            ),
            ClassifyReason::OwnAddress
        );
    }

    #[test]
    fn bounces() {
        let dsn = crate::mail::parse::tests::DSN;
        assert_eq!(reason(dsn), ClassifyReason::DeliveryReport);
        assert_eq!(
            reason("From: MAILER-DAEMON@mx.example.org\r\nSubject: failure notice\r\n\r\nx"),
            ClassifyReason::DaemonSender
        );
        assert_eq!(
            reason("From: Postmaster <postmaster@example.net>\r\nSubject: x\r\n\r\nx"),
            ClassifyReason::DaemonSender
        );
        assert_eq!(
            reason(&with_headers("Return-Path: <>\r\n")),
            ClassifyReason::NullReturnPath
        );
        assert_eq!(
            reason(&with_headers("Return-Path: < >\r\n")),
            ClassifyReason::NullReturnPath
        );
        // Null reverse path + auto-reply marker = auto-reply (RFC 3834).
        assert_eq!(
            reason(&with_headers(
                "Return-Path: <>\r\nAuto-Submitted: auto-replied\r\n"
            )),
            ClassifyReason::AutoSubmitted
        );
        // Mail systems by other names: MDaemon's, Exchange's quoted
        // "System Administrator"; not a person who merely says so.
        assert_eq!(
            reason("From: MDaemon@mx.example.org\r\nSubject: Permanent Delivery Failure\r\n\r\nx"),
            ClassifyReason::DaemonSender
        );
        assert_eq!(
            reason(
                "From: <\"System Administrator\"@example.com>\r\nSubject: Delivery Failure\r\n\r\nx"
            ),
            ClassifyReason::DaemonSender
        );
        assert_eq!(
            reason("From: System Administrator <admin@example.com>\r\nSubject: x\r\n\r\nx"),
            ClassifyReason::NoRuleMatched
        );
        // A failure notice's subject on a mail that returns a message (its
        // headers in the text, or attached); not on a customer's own mail,
        // nor on a customer's forward of a bounce.
        let returned = "From: ndr@gw.example.org\r\nSubject: Mail delivery failed: returning message to sender\r\n\r\nFailed.\r\n\r\n> Received: from mail.example.com\r\n> Message-ID: <1@example.com>\r\n";
        assert_eq!(reason(returned), ClassifyReason::ReturnedMessage);
        let attached = "From: ndr@gw.example.org\r\nSubject: Unzustellbar: Bestellung\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nNicht zugestellt.\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: support@example.com\r\nSubject: Bestellung\r\n\r\nHallo\r\n--b--\r\n";
        assert_eq!(reason(attached), ClassifyReason::ReturnedMessage);
        assert_eq!(
            reason(
                "From: ann@x.example\r\nSubject: Delivery failure\r\n\r\nMy parcel was not delivered.\r\n"
            ),
            ClassifyReason::NoRuleMatched
        );
        assert_eq!(
            reason(&returned.replace("Subject: Mail", "Subject: Fwd: Mail")),
            ClassifyReason::NoRuleMatched
        );
        // Exim's bounce header.
        assert_eq!(
            reason(&with_headers("X-Failed-Recipients: gone@example.net\r\n")),
            ClassifyReason::FailedRecipients
        );
        // The null reverse path written out by a relay, with or without a
        // domain; an auto-reply marker makes it an auto-reply, as with `<>`.
        for path in [
            "<MAILER-DAEMON@relay.example.org>",
            "<MAILER-DAEMON>",
            "<postmaster@relay.example.org>",
        ] {
            assert_eq!(
                reason(&with_headers(&format!("Return-Path: {path}\r\n"))),
                ClassifyReason::DaemonReturnPath,
                "{path}"
            );
        }
        assert_eq!(
            reason(&with_headers(
                "Return-Path: <MAILER-DAEMON@relay.example.org>\r\nAuto-Submitted: auto-replied\r\n"
            )),
            ClassifyReason::AutoSubmitted
        );
        assert_eq!(
            reason(&with_headers("Return-Path: <daemon.fan@example.org>\r\n")),
            ClassifyReason::NoRuleMatched
        );
        let mdn = dsn.replace(
            "report-type=delivery-status",
            "report-type=disposition-notification",
        );
        assert_eq!(reason(&mdn), ClassifyReason::ReadReceipt);
        let arf = dsn.replace("report-type=delivery-status", "report-type=feedback-report");
        assert_eq!(reason(&arf), ClassifyReason::FeedbackReport);
        assert_eq!(
            ClassifyReason::FeedbackReport.classification(),
            Classification::AutoReply
        );
    }

    #[test]
    fn auto_reply_headers() {
        let cases = [
            (
                "Auto-Submitted: auto-replied\r\n",
                ClassifyReason::AutoSubmitted,
            ),
            (
                "Auto-Submitted: Auto-Generated (bot)\r\n",
                ClassifyReason::AutoSubmitted,
            ),
            (
                "Auto-Submitted: auto-notified; owner-email=x@y\r\n",
                ClassifyReason::AutoSubmitted,
            ),
            ("X-Autoreply: yes\r\n", ClassifyReason::XAutoreply),
            ("X-Autorespond: anything\r\n", ClassifyReason::XAutorespond),
            ("X-Loop: someone@else.com\r\n", ClassifyReason::XLoop),
            ("Precedence: bulk\r\n", ClassifyReason::Precedence),
            ("Precedence: JUNK\r\n", ClassifyReason::Precedence),
            ("Precedence: auto_reply\r\n", ClassifyReason::Precedence),
            (
                "X-Auto-Response-Suppress: All\r\n",
                ClassifyReason::AutoResponseSuppress,
            ),
            (
                "X-Auto-Response-Suppress: DR, all\r\n",
                ClassifyReason::AutoResponseSuppress,
            ),
        ];
        for (h, want) in cases {
            assert_eq!(reason(&with_headers(h)), want, "{h}");
            assert_eq!(want.classification(), Classification::AutoReply);
        }
    }

    #[test]
    fn out_of_office_subjects() {
        let yes = [
            "Out of Office: Help",
            "OUT OF OFFICE",
            "Out-of-Office",
            "Automatic reply: Printer broken",
            "Autoreply: x",
            "Auto-Reply: x",
            "Re: Out of office",
            "Re[2]: AW3: Out of office",
            "RE: AW: Automatische Antwort: Drucker",
            "Odpowiedź automatyczna: Drukarka",
            "Odp: Odpowiedz automatyczna",
            "Nieobecność w biurze",
            "Automatická odpověď: Tiskárna",
            "Mimo kancelář",
            "Risposta automatica: Stampante",
            "R: Fuori ufficio",
            "Abwesenheitsnotiz: Drucker",
            "Automatische Antwort",
            // NFD form of "Odpowiedź".
            "Odpowiedz\u{301} automatyczna",
            "Réponse automatique : Imprimante",
            "RE: Respuesta automática: Impresora",
            "Automatisch antwoord: Printer",
            "Automatiskt svar: Skrivare",
            "Automaattinen vastaus: Tulostin",
            "Automatická odpoveď: Tlačiareň",
            "Răspuns automat: Imprimantă",
            "Автоматический ответ: Принтер",
        ];
        for subj in yes {
            let raw = format!("From: a@b.com\r\nSubject: {subj}\r\n\r\nx");
            assert_eq!(reason(&raw), ClassifyReason::OutOfOfficeSubject, "{subj}");
        }
        let no = [
            "Help with out of office settings",
            "Re: Printer broken",
            "Outlook out of office not working?",
            "Autoreplying is broken",
            "",
        ];
        for subj in no {
            let raw = format!("From: a@b.com\r\nSubject: {subj}\r\n\r\nx");
            assert_eq!(reason(&raw), ClassifyReason::NoRuleMatched, "{subj}");
        }
    }

    #[test]
    fn lists() {
        assert_eq!(
            reason(&with_headers("List-Id: <users.example.org>\r\n")),
            ClassifyReason::ListId
        );
        assert_eq!(
            reason(&with_headers("List-Unsubscribe: <https://x/unsub>\r\n")),
            ClassifyReason::ListUnsubscribe
        );
        assert_eq!(
            reason(&with_headers("Precedence: list\r\n")),
            ClassifyReason::PrecedenceList
        );
        // ezmlm's lists write `Mailing-List` and no `List-Id`.
        assert_eq!(
            reason(&with_headers(
                "Mailing-List: contact users-help@example.org; run by ezmlm\r\n"
            )),
            ClassifyReason::MailingList
        );
        // A list's `Precedence: bulk` (Mailman's, a newsletter's) is the
        // list's: list mail. Without a list header it is an auto-reply's.
        for list in [
            "List-Id: <a.b>\r\n",
            "List-Unsubscribe: <https://x/unsub>\r\n",
            "Mailing-List: contact a-help@b.c; run by ezmlm\r\n",
        ] {
            for precedence in ["bulk", "junk"] {
                let headers = format!("{list}Precedence: {precedence}\r\n");
                assert_eq!(
                    reason(&with_headers(&headers)).classification(),
                    Classification::List,
                    "{headers}"
                );
            }
        }
        // Auto-reply beats list.
        assert_eq!(
            reason(&with_headers(
                "List-Id: <a.b>\r\nPrecedence: auto_reply\r\n"
            )),
            ClassifyReason::Precedence
        );
        assert_eq!(
            reason(&with_headers(
                "List-Id: <a.b>\r\nAuto-Submitted: auto-replied\r\n"
            )),
            ClassifyReason::AutoSubmitted
        );
    }

    #[test]
    fn no_reply() {
        for a in [
            "noreply@x.com",
            "no-reply@x.com",
            "No_Reply@x.com",
            "do-not-reply@x.com",
            "donotreply@x.com",
            "mailer-daemon@x.com",
            "MAILER-DAEMON@x.com",
            "postmaster@x.com",
            "bounce@x.com",
            "bounces@x.com",
            "noreply-billing@x.com",
            "bounces+123-abc@x.com",
            "<noreply@x.com>",
        ] {
            assert!(is_no_reply_address(a), "{a}");
        }
        for a in ["jane@x.com", "reply@x.com", "support@noreply.com", "", "@"] {
            assert!(!is_no_reply_address(a), "{a}");
        }
    }

    #[test]
    fn permanent() {
        assert!(dsn_is_permanent("5.1.1"));
        assert!(dsn_is_permanent(" 5.7.26 (spf)"));
        assert!(!dsn_is_permanent("4.2.2"));
        assert!(!dsn_is_permanent("2.0.0"));
        assert!(!dsn_is_permanent("5"));
        assert!(!dsn_is_permanent("5..1"));
        assert!(!dsn_is_permanent("550"));
        assert!(!dsn_is_permanent(""));
    }

    #[test]
    fn serde_names() {
        fn assert_serde<T: Serialize + for<'de> Deserialize<'de>>() {}
        assert_serde::<Classification>();
        assert_serde::<ClassifyReason>();
        assert_serde::<ClassifyContext>();
    }
}
