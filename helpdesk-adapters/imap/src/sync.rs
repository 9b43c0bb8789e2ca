//! The mailbox sync: one pass ([`MailboxSync::sync_once`]) and live mode
//! ([`MailboxSync::watch`]).

use crate::config::{AfterIngest, ImapConfig};
use crate::connection::{Connected, Connector, Session, Steps, timed};
use crate::error::{ConfigError, SyncError};
use crate::shutdown::ShutdownSignal;
use futures::StreamExt as _;
use helpdesk_core::Error;
use helpdesk_core::engine::{Helpdesk, IngestStatus, PreparedMail};
use helpdesk_core::model::{MessageId, TicketId, TicketNumber, WorkspaceId};
use helpdesk_core::ports::MailboxCheckpoint;
use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One mail stored by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IngestedMail {
    /// Its UID in the folder.
    pub uid: u32,
    /// What the engine did (`Duplicate` when it was stored before).
    pub status: IngestStatus,
    /// The ticket it landed on.
    pub ticket: TicketId,
    /// That ticket's number.
    pub ticket_number: TicketNumber,
    /// The message it became.
    pub message: MessageId,
}

/// One mail the engine refused (unparseable, or larger than the engine's
/// [`ParseLimits`](helpdesk_core::mail::ParseLimits)). The checkpoint moves
/// past it and the message stays in the folder, untouched.
#[derive(Debug)]
#[non_exhaustive]
pub struct RejectedMail {
    /// Its UID in the folder.
    pub uid: u32,
    /// Its size as the server reported it (`RFC822.SIZE`).
    pub size: Option<u32>,
    /// Why: an [`Error::Validation`] with field `mail`.
    pub error: Error,
}

/// A post-action the server refused (`NO` or `BAD`, e.g. a missing target
/// folder). The mail itself is stored; the sync goes on.
#[derive(Debug)]
#[non_exhaustive]
pub struct PostActionFailure {
    /// The UID of the message.
    pub uid: u32,
    /// The server's answer.
    pub error: SyncError,
}

/// What one pass over the folder did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct SyncReport {
    /// The checkpoint key of the folder (`imap://user@host/FOLDER`).
    pub mailbox: String,
    /// The folder's UIDVALIDITY.
    pub uid_validity: u32,
    /// True when the stored checkpoint belonged to another UIDVALIDITY (the
    /// folder was recreated) and the whole folder was read again; ingest
    /// dedupe kept the mail already stored from landing twice.
    pub resync: bool,
    /// The checkpoint after the pass (highest UID handled), if any.
    pub last_uid: Option<u32>,
    /// The mail handed to the engine, in UID order.
    pub ingested: Vec<IngestedMail>,
    /// The mail the engine refused, in UID order.
    pub rejected: Vec<RejectedMail>,
    /// Post-actions the server refused.
    pub post_action_failures: Vec<PostActionFailure>,
}

impl SyncReport {
    /// Whether the pass found nothing to do.
    pub fn is_empty(&self) -> bool {
        self.ingested.is_empty() && self.rejected.is_empty() && self.post_action_failures.is_empty()
    }
}

/// What a sync reports as it goes, to the hook set with
/// [`MailboxSync::on_event`]. Rejections are reported here the moment the
/// checkpoint moves past them, so none is lost even when the pass fails
/// later.
#[derive(Debug)]
#[non_exhaustive]
pub enum SyncEvent<'a> {
    /// Logged in (live mode: after every reconnect).
    Connected {
        /// The checkpoint key.
        mailbox: &'a str,
        /// Whether live mode uses `IDLE` (else it polls).
        idle: bool,
    },
    /// One mail was stored.
    Ingested(&'a IngestedMail),
    /// One mail was refused.
    Rejected(&'a RejectedMail),
    /// A post-action was refused.
    PostActionFailed(&'a PostActionFailure),
    /// A pass ended.
    Synced(&'a SyncReport),
    /// Live mode lost the connection (or a pass failed) and will reconnect.
    Disconnected {
        /// The checkpoint key.
        mailbox: &'a str,
        /// Why.
        error: &'a SyncError,
        /// The pause before the next attempt.
        retry_in: Duration,
    },
}

type EventHook = Arc<dyn Fn(&SyncEvent<'_>) + Send + Sync>;

/// Syncs one IMAP folder into one helpdesk [`Mailbox`](helpdesk_core::engine::Mailbox)
/// of one workspace.
///
/// Every fetched message is read ahead with the rest of its fetch batch
/// ([`Helpdesk::prepare_mail`], on tokio's blocking pool: parsing a batch
/// is CPU work) and then goes, in UID order, to
/// [`Helpdesk::ingest_prepared_at`] (what [`Helpdesk::ingest_at`] does)
/// together with the folder's new checkpoint (UIDVALIDITY + its UID), so
/// the position stored in the engine's `Store` never runs ahead of the
/// mail it covers: a sync killed at any point fetches the unfinished
/// messages again, and ingest dedupe turns a re-fetched mail into a no-op.
/// Cheap to clone.
#[derive(Clone)]
pub struct MailboxSync {
    desk: Arc<Helpdesk>,
    workspace: WorkspaceId,
    config: Arc<ImapConfig>,
    key: String,
    connector: Connector,
    hook: Option<EventHook>,
}

impl fmt::Debug for MailboxSync {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailboxSync")
            .field("workspace", &self.workspace)
            .field("config", &self.config)
            .field("key", &self.key)
            .field("hook", &self.hook.is_some())
            .finish_non_exhaustive()
    }
}

impl MailboxSync {
    /// A sync of `config`'s folder into `workspace` through `desk`. Fails
    /// only on settings that cannot work (TLS setup, server name); nothing
    /// is connected yet.
    pub fn new(
        desk: Arc<Helpdesk>,
        workspace: WorkspaceId,
        config: ImapConfig,
    ) -> Result<Self, ConfigError> {
        let connector = Connector::new(&config)?;
        Ok(Self {
            desk,
            workspace,
            key: config.effective_checkpoint_key(),
            config: Arc::new(config),
            connector,
            hook: None,
        })
    }

    /// Calls `hook` for every [`SyncEvent`]. It runs inline: keep it short
    /// (log, count, or send on a channel).
    pub fn on_event(mut self, hook: impl Fn(&SyncEvent<'_>) + Send + Sync + 'static) -> Self {
        self.hook = Some(Arc::new(hook));
        self
    }

    /// The settings.
    pub fn config(&self) -> &ImapConfig {
        &self.config
    }

    /// The key of this folder's checkpoint in the store.
    pub fn checkpoint_key(&self) -> &str {
        &self.key
    }

    /// The stored checkpoint of this folder, if any.
    pub async fn checkpoint(&self) -> Result<Option<MailboxCheckpoint>, SyncError> {
        self.desk
            .store()
            .mailbox_checkpoint(self.workspace, &self.key)
            .await
            .map_err(SyncError::Engine)
    }

    fn emit(&self, event: SyncEvent<'_>) {
        if let Some(hook) = &self.hook {
            hook(&event);
        }
    }

    /// Connects, ingests every message after the checkpoint, and logs out.
    pub async fn sync_once(&self) -> Result<SyncReport, SyncError> {
        let mut steps = Steps::new(self.config.fail_at_step);
        let mut conn = self.connector.connect(&self.config, &mut steps).await?;
        self.emit(SyncEvent::Connected {
            mailbox: &self.key,
            idle: conn.idle,
        });
        let report = self.pass(&mut conn, &mut steps, None).await?;
        self.emit(SyncEvent::Synced(&report));
        logout(conn.session, self.config.timeout).await;
        Ok(report)
    }

    /// Live mode: syncs, then waits for new mail with `IDLE` (re-issued
    /// every [`ImapConfig::idle_interval`]) or, when the server lacks
    /// `IDLE`, polls every [`ImapConfig::poll_interval`]; after any error it
    /// reconnects with capped exponential backoff and jitter. Returns
    /// `Ok(())` once `shutdown` fires (after logging out when connected),
    /// and an error only when retrying cannot help
    /// ([`SyncError::is_retryable`]: settings that cannot work, a store
    /// without checkpoints).
    pub async fn watch(&self, mut shutdown: ShutdownSignal) -> Result<(), SyncError> {
        let mut backoff = Backoff::new(self.config.backoff_initial, self.config.backoff_max);
        loop {
            if shutdown.is_shutdown() {
                return Ok(());
            }
            let error = match self.live(&mut shutdown, &mut backoff).await {
                Ok(()) => return Ok(()),
                Err(e) if !e.is_retryable() => return Err(e),
                Err(e) => e,
            };
            let retry_in = backoff.next_delay();
            self.emit(SyncEvent::Disconnected {
                mailbox: &self.key,
                error: &error,
                retry_in,
            });
            tokio::select! {
                () = tokio::time::sleep(retry_in) => {}
                () = shutdown.wait() => return Ok(()),
            }
        }
    }

    /// One connection of live mode; `Ok` only on shutdown.
    async fn live(
        &self,
        shutdown: &mut ShutdownSignal,
        backoff: &mut Backoff,
    ) -> Result<(), SyncError> {
        let t = self.config.timeout;
        let mut steps = Steps::new(self.config.fail_at_step);
        let mut conn = tokio::select! {
            c = self.connector.connect(&self.config, &mut steps) => c?,
            () = shutdown.wait() => return Ok(()),
        };
        self.emit(SyncEvent::Connected {
            mailbox: &self.key,
            idle: conn.idle,
        });
        loop {
            let report = self.pass(&mut conn, &mut steps, Some(shutdown)).await?;
            backoff.reset();
            if !report.is_empty() {
                self.emit(SyncEvent::Synced(&report));
            }
            if shutdown.is_shutdown() {
                logout(conn.session, t).await;
                return Ok(());
            }
            if conn.idle {
                let mut handle = conn.session.idle();
                timed(t, "IDLE", handle.init())
                    .await?
                    .map_err(|e| SyncError::imap("IDLE", e))?;
                let stopped = {
                    let interval = self.config.idle_interval;
                    // Keep `_interrupt` alive: dropping it ends the wait.
                    let (wait, _interrupt) = handle.wait_with_timeout(interval);
                    tokio::select! {
                        r = wait => {
                            r.map_err(|e| SyncError::imap("IDLE", e))?;
                            false
                        }
                        () = tokio::time::sleep(interval) => false,
                        () = shutdown.wait() => true,
                    }
                };
                conn.session = timed(t, "DONE", handle.done())
                    .await?
                    .map_err(|e| SyncError::imap("DONE", e))?;
                if stopped {
                    logout(conn.session, t).await;
                    return Ok(());
                }
            } else {
                tokio::select! {
                    () = tokio::time::sleep(self.config.poll_interval) => {}
                    () = shutdown.wait() => {
                        logout(conn.session, t).await;
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Selects the folder and ingests everything after the checkpoint.
    async fn pass(
        &self,
        conn: &mut Connected,
        steps: &mut Steps,
        shutdown: Option<&ShutdownSignal>,
    ) -> Result<SyncReport, SyncError> {
        let t = self.config.timeout;
        let folder = self.config.folder.as_str();
        steps.step()?;
        let selected = timed(t, "SELECT", conn.session.select(folder))
            .await?
            .map_err(|e| SyncError::imap("SELECT", e))?;
        let validity = selected
            .uid_validity
            .ok_or_else(|| SyncError::NoUidValidity {
                folder: folder.to_owned(),
            })?;
        let stored = self.checkpoint().await?;
        let mut report = SyncReport {
            mailbox: self.key.clone(),
            uid_validity: validity,
            ..SyncReport::default()
        };
        let from = match &stored {
            Some(cp) if cp.uid_validity == validity => {
                report.last_uid = Some(cp.last_uid);
                match cp.last_uid.checked_add(1) {
                    Some(next) => next,
                    None => return Ok(report),
                }
            }
            Some(_) => {
                report.resync = true;
                1
            }
            None => 1,
        };
        if selected.exists == 0 || selected.uid_next.is_some_and(|next| next <= from) {
            return Ok(report);
        }

        // Which messages, with their sizes, in UID order.
        steps.step()?;
        let mut listing: Vec<(u32, Option<u32>)> = Vec::new();
        fetch_each(
            &mut conn.session,
            t,
            &format!("{from}:*"),
            "(UID RFC822.SIZE)",
            |fetch| {
                if let Some(uid) = fetch.uid.filter(|uid| *uid >= from) {
                    listing.push((uid, fetch.size));
                }
            },
        )
        .await?;
        listing.sort_unstable();
        listing.dedup_by_key(|(uid, _)| *uid);

        let limit = self.desk.config().mail.limits.max_message_bytes;
        let oversized = |size: Option<u32>| size.is_some_and(|s| s as usize > limit);
        let mut rest = listing.as_slice();
        while !rest.is_empty() {
            // One batch: at most `batch_size` messages and `batch_bytes`
            // bytes (but at least one message).
            let mut n = 0;
            let mut bytes = 0u64;
            for (_, size) in rest.iter().take(self.config.batch_size) {
                let size = if oversized(*size) {
                    0
                } else {
                    size.unwrap_or(0)
                };
                if n > 0 && bytes + u64::from(size) > self.config.batch_bytes {
                    break;
                }
                bytes += u64::from(size);
                n += 1;
            }
            let (batch, tail) = rest.split_at(n);
            rest = tail;

            let wanted: Vec<String> = batch
                .iter()
                .filter(|(_, size)| !oversized(*size))
                .map(|(uid, _)| uid.to_string())
                .collect();
            let mut bodies: HashMap<u32, Vec<u8>> = HashMap::new();
            if !wanted.is_empty() {
                steps.step()?;
                fetch_each(
                    &mut conn.session,
                    t,
                    &wanted.join(","),
                    "(UID RFC822.SIZE BODY.PEEK[])",
                    |fetch| {
                        if let (Some(uid), Some(body)) = (fetch.uid, fetch.body()) {
                            bodies.insert(uid, body.to_vec());
                        }
                    },
                )
                .await?;
            }

            // The batch's mails are parsed and trimmed before any is
            // ingested (`prepare_mail`: no store access, and the parser's
            // code stays hot across the batch), on tokio's blocking pool:
            // a batch of up to `batch_bytes` of mail is CPU work that must
            // not hold up the runtime's workers. Each is then ingested in
            // UID order, in its own transaction with its checkpoint.
            let desk = Arc::clone(&self.desk);
            let preparing = tokio::task::spawn_blocking(move || {
                bodies
                    .into_iter()
                    .map(|(uid, raw)| (uid, desk.prepare_mail(raw)))
                    .collect::<HashMap<u32, helpdesk_core::Result<PreparedMail>>>()
            });
            let mut prepared = match preparing.await {
                Ok(prepared) => prepared,
                // (A panic is the caller's, as if it had happened here.)
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // The runtime is shutting down: nothing of the batch was
                // stored, the next sync fetches it again.
                Err(_) => return Ok(report),
            };
            for &(uid, size) in batch {
                if shutdown.is_some_and(ShutdownSignal::is_shutdown) {
                    return Ok(report);
                }
                steps.step()?;
                let checkpoint = MailboxCheckpoint {
                    mailbox: self.key.clone(),
                    uid_validity: validity,
                    last_uid: uid,
                };
                let result = if oversized(size) {
                    Err(Error::validation(
                        "mail",
                        format!(
                            "the message is {} bytes, more than the limit of {limit} bytes (not downloaded)",
                            size.unwrap_or_default()
                        ),
                    ))
                } else if let Some(mail) = prepared.remove(&uid) {
                    match mail {
                        Ok(mail) => {
                            self.desk
                                .ingest_prepared_at(
                                    self.workspace,
                                    &self.config.mailbox,
                                    mail,
                                    Some(checkpoint.clone()),
                                )
                                .await
                        }
                        Err(e) => Err(e),
                    }
                } else {
                    // Expunged since it was listed: nothing to store.
                    continue;
                };
                match result {
                    Ok(outcome) => {
                        let mail = IngestedMail {
                            uid,
                            status: outcome.status,
                            ticket: outcome.ticket.id,
                            ticket_number: outcome.ticket.number,
                            message: outcome.message,
                        };
                        report.last_uid = Some(uid);
                        self.emit(SyncEvent::Ingested(&mail));
                        report.ingested.push(mail);
                        steps.step()?;
                        if let Some(failure) = self.after_ingest(conn, uid).await? {
                            self.emit(SyncEvent::PostActionFailed(&failure));
                            report.post_action_failures.push(failure);
                        }
                    }
                    Err(error @ Error::Validation { .. }) if is_mail_error(&error) => {
                        self.desk
                            .advance_checkpoint(self.workspace, checkpoint)
                            .await
                            .map_err(SyncError::Engine)?;
                        report.last_uid = Some(uid);
                        let rejected = RejectedMail { uid, size, error };
                        self.emit(SyncEvent::Rejected(&rejected));
                        report.rejected.push(rejected);
                    }
                    Err(error) => return Err(SyncError::Engine(error)),
                }
            }
        }
        Ok(report)
    }

    /// The configured post-action on one stored message. A `NO`/`BAD`
    /// answer is returned as a failure to report; a broken connection is an
    /// error.
    async fn after_ingest(
        &self,
        conn: &mut Connected,
        uid: u32,
    ) -> Result<Option<PostActionFailure>, SyncError> {
        let t = self.config.timeout;
        let uid_set = uid.to_string();
        let result = match &self.config.after_ingest {
            AfterIngest::Leave => Ok(()),
            AfterIngest::MarkSeen => {
                store_flags(&mut conn.session, t, &uid_set, "+FLAGS.SILENT (\\Seen)").await
            }
            AfterIngest::MoveTo(target) if conn.move_ => {
                timed(t, "UID MOVE", conn.session.uid_mv(&uid_set, target))
                    .await?
                    .map_err(|e| SyncError::imap("UID MOVE", e))
            }
            AfterIngest::MoveTo(target) => {
                move_by_copy(&mut conn.session, t, &uid_set, target, conn.uidplus).await
            }
        };
        match result {
            Ok(()) => Ok(None),
            Err(error) if is_refusal(&error) => Ok(Some(PostActionFailure { uid, error })),
            Err(error) => Err(error),
        }
    }
}

fn is_mail_error(error: &Error) -> bool {
    matches!(error, Error::Validation { field, .. } if field == "mail")
}

/// Whether the server answered `NO` or `BAD` (the connection is fine).
fn is_refusal(error: &SyncError) -> bool {
    if let SyncError::Imap { source, .. } = error
        && let Some(e) = source.downcast_ref::<async_imap::error::Error>()
    {
        return matches!(
            e,
            async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_)
        );
    }
    false
}

/// `UID FETCH set query`, calling `each` for every response.
async fn fetch_each(
    session: &mut Session,
    t: Duration,
    set: &str,
    query: &str,
    mut each: impl FnMut(&async_imap::types::Fetch),
) -> Result<(), SyncError> {
    let mut stream = timed(t, "UID FETCH", session.uid_fetch(set, query))
        .await?
        .map_err(|e| SyncError::imap("UID FETCH", e))?;
    while let Some(item) = timed(t, "UID FETCH", stream.next()).await? {
        each(&item.map_err(|e| SyncError::imap("UID FETCH", e))?);
    }
    Ok(())
}

async fn store_flags(
    session: &mut Session,
    t: Duration,
    uid_set: &str,
    query: &str,
) -> Result<(), SyncError> {
    let stream = timed(t, "UID STORE", session.uid_store(uid_set, query))
        .await?
        .map_err(|e| SyncError::imap("UID STORE", e))?;
    let mut stream = std::pin::pin!(stream);
    while let Some(item) = timed(t, "UID STORE", stream.next()).await? {
        item.map_err(|e| SyncError::imap("UID STORE", e))?;
    }
    Ok(())
}

/// `MOVE` for servers without it: `UID COPY`, `\Deleted`, then `UID
/// EXPUNGE` of that UID (with `UIDPLUS`) or `EXPUNGE`.
async fn move_by_copy(
    session: &mut Session,
    t: Duration,
    uid_set: &str,
    target: &str,
    uidplus: bool,
) -> Result<(), SyncError> {
    timed(t, "UID COPY", session.uid_copy(uid_set, target))
        .await?
        .map_err(|e| SyncError::imap("UID COPY", e))?;
    store_flags(session, t, uid_set, "+FLAGS.SILENT (\\Deleted)").await?;
    if uidplus {
        let stream = timed(t, "UID EXPUNGE", session.uid_expunge(uid_set))
            .await?
            .map_err(|e| SyncError::imap("UID EXPUNGE", e))?;
        let mut stream = std::pin::pin!(stream);
        while let Some(item) = timed(t, "UID EXPUNGE", stream.next()).await? {
            item.map_err(|e| SyncError::imap("UID EXPUNGE", e))?;
        }
    } else {
        let stream = timed(t, "EXPUNGE", session.expunge())
            .await?
            .map_err(|e| SyncError::imap("EXPUNGE", e))?;
        let mut stream = std::pin::pin!(stream);
        while let Some(item) = timed(t, "EXPUNGE", stream.next()).await? {
            item.map_err(|e| SyncError::imap("EXPUNGE", e))?;
        }
    }
    Ok(())
}

/// Best-effort `LOGOUT` (bounded by the timeout; errors ignored).
async fn logout(mut session: Session, t: Duration) {
    let _ = tokio::time::timeout(t.min(Duration::from_secs(5)), session.logout()).await;
}

/// Runs several syncs (e.g. all mailboxes of a workspace, each with its own
/// [`ImapConfig`]) in live mode on the current task until `shutdown`; returns
/// each one's result, in order.
pub async fn watch_all(
    syncs: impl IntoIterator<Item = MailboxSync>,
    shutdown: ShutdownSignal,
) -> Vec<Result<(), SyncError>> {
    let syncs: Vec<MailboxSync> = syncs.into_iter().collect();
    futures::future::join_all(syncs.iter().map(|s| s.watch(shutdown.clone()))).await
}

/// Capped exponential backoff with jitter: each delay is drawn from the
/// upper half of the current step, which doubles up to the cap.
#[derive(Debug)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    pub(crate) fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max: max.max(initial),
            current: initial,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.current = self.initial;
    }

    pub(crate) fn next_delay(&mut self) -> Duration {
        let step = self.current;
        self.current = (self.current * 2).min(self.max);
        // Random enough for jitter, without a dependency: std's randomly
        // keyed hasher over the current instant.
        let random = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
        let fraction = (random % 1_000) as f64 / 1_000.0;
        step.mul_f64(0.5 + 0.5 * fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(800));
        let steps = [100u64, 200, 400, 800, 800, 800];
        for step in steps {
            let d = b.next_delay();
            assert!(d >= Duration::from_millis(step / 2), "{d:?} for {step}");
            assert!(d <= Duration::from_millis(step), "{d:?} for {step}");
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }

    #[test]
    fn only_validation_of_the_mail_is_a_rejection() {
        assert!(is_mail_error(&Error::validation("mail", "empty input")));
        assert!(!is_mail_error(&Error::validation("subject", "too long")));
    }
}
