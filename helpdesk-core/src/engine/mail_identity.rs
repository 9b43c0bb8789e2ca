//! Our email identity per workspace: the signing key of ticket tokens, the
//! Message-IDs we generate and our loop header value.

use super::Helpdesk;
use crate::mail::token;
use crate::model::{MessageId, TicketId, WorkspaceId};
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0; 32],
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// What a workspace signs with, derived once from the engine's master
/// secret and cached.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    /// The signer of ticket tokens (keyed once with the workspace key).
    signer: token::Signer,
    /// The key of public-link tokens, apart from the ticket tokens' (a
    /// Message-ID's token opens no link); each requester's signer is keyed
    /// from it ([`Identity::link_signer`]).
    link_key: [u8; 32],
    /// The value of our loop header (16 hex digits).
    loop_value: [u8; 16],
}

impl Identity {
    /// The signer of the public links of `requester`'s tickets at link
    /// revision `revision` (see [`Ticket::link_revision`](crate::model::Ticket::link_revision)):
    /// a link opens nothing once its ticket has another requester or
    /// another revision. (Revision 0 is keyed by the requester alone, as
    /// links were before revisions existed.)
    pub(super) fn link_signer(
        &self,
        requester: crate::model::ContactId,
        revision: u32,
    ) -> token::Signer {
        let mut data = requester.as_u128().to_be_bytes().to_vec();
        if revision > 0 {
            data.extend_from_slice(&revision.to_be_bytes());
        }
        token::Signer::new(&hmac(&self.link_key, &data))
    }

    fn derive(secret: &[u8], workspace: WorkspaceId) -> Self {
        let mut data = b"helpdesk-workspace-key:".to_vec();
        data.extend_from_slice(&workspace.as_u128().to_be_bytes());
        let key = hmac(secret, &data);
        let tag = hmac(&key, b"loop");
        let mut loop_value = [0u8; 16];
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for (i, b) in tag.iter().take(8).enumerate() {
            loop_value[2 * i] = HEX[usize::from(b >> 4)];
            loop_value[2 * i + 1] = HEX[usize::from(b & 0xf)];
        }
        Self {
            loop_value,
            signer: token::Signer::new(&key),
            link_key: hmac(&key, b"public-link"),
        }
    }
}

impl Helpdesk {
    /// The address mail on `ticket` goes out from: the mailbox its mail
    /// came in at, else the engine's default.
    pub(super) fn sender_of(&self, ticket: &crate::model::Ticket) -> Option<String> {
        ticket
            .mailbox
            .as_deref()
            .map(str::to_string)
            .or_else(|| self.config.default_from.clone())
    }

    pub(super) fn identity(&self, workspace: WorkspaceId) -> std::sync::Arc<Identity> {
        let mut cache = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(workspace)
            .or_insert_with(|| {
                std::sync::Arc::new(Identity::derive(&self.config.mail.secret, workspace))
            })
            .clone()
    }

    /// The value of our loop header in `workspace`.
    pub fn loop_header_value(&self, workspace: WorkspaceId) -> String {
        self.loop_value(workspace)
            .iter()
            .map(|&b| char::from(b))
            .collect()
    }

    /// [`loop_header_value`](Helpdesk::loop_header_value) as ASCII bytes,
    /// without a `String`.
    pub(crate) fn loop_value(&self, workspace: WorkspaceId) -> [u8; 16] {
        self.identity(workspace).loop_value
    }

    /// A new Message-ID of ours for `message` on `ticket` (no angle
    /// brackets); replies to it find the ticket even when the message is
    /// not in the store, and it cannot be forged without the secret.
    pub fn outgoing_message_id(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        message: MessageId,
    ) -> String {
        self.message_id_of(workspace, ticket, message, "")
    }

    /// Our Message-ID for `message` on `ticket`, its unique part the
    /// message id after `mark`.
    fn message_id_of(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        message: MessageId,
        mark: &str,
    ) -> String {
        let mut id = [0u8; uuid::fmt::Simple::LENGTH];
        let id = message.as_uuid().simple().encode_lower(&mut id);
        // (A reply's, the common one, without a `String`.)
        let unique: std::borrow::Cow<'_, str> = match mark {
            "" => std::borrow::Cow::Borrowed(&*id),
            mark => format!("{mark}{id}").into(),
        };
        self.identity(workspace).signer.message_id(
            ticket.as_u128(),
            &unique,
            &self.config.mail.message_id_domain,
        )
    }

    /// A new Message-ID of ours for the forward `message` on `ticket`:
    /// as [`outgoing_message_id`](Helpdesk::outgoing_message_id), marked so
    /// that the mail answering it is kept from the customer
    /// ([`Visibility::ThirdParty`](crate::model::Visibility::ThirdParty)).
    pub(crate) fn forward_message_id(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        message: MessageId,
    ) -> String {
        self.message_id_of(workspace, ticket, message, token::FORWARD_MARK)
    }

    /// Whether `message_id` is one [`forward_message_id`](Helpdesk::forward_message_id)
    /// made (its shape only: the caller found it stored or verified it).
    pub(crate) fn is_forward_id(&self, message_id: &str) -> bool {
        token::is_forward_message_id(message_id, &self.config.mail.message_id_domain)
    }

    /// The plus address of `ticket` on `mailbox` (e.g.
    /// `support+<token>@example.com`), offered as Reply-To for providers that
    /// rewrite Message-IDs.
    pub fn ticket_reply_address(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        mailbox: &str,
    ) -> String {
        self.identity(workspace)
            .signer
            .plus_address(ticket.as_u128(), mailbox)
    }

    /// The ticket id signed into one of our Message-IDs, if it is one.
    pub(crate) fn ticket_of_message_id(
        &self,
        workspace: WorkspaceId,
        message_id: &str,
    ) -> Option<TicketId> {
        // (The shape is checked first: the keys are looked up only for an
        // id that can be ours.)
        let token = token::message_id_token(message_id, &self.config.mail.message_id_domain)?;
        self.identity(workspace)
            .signer
            .verify(token)
            .map(TicketId::from_u128)
    }

    /// The ticket id signed into one of our plus addresses, if it is one.
    pub(crate) fn ticket_of_address(
        &self,
        workspace: WorkspaceId,
        address: &str,
    ) -> Option<TicketId> {
        // (As for Message-IDs: most addresses have no `+` at all.)
        let token = token::address_token(address)?;
        self.identity(workspace)
            .signer
            .verify(token)
            .map(TicketId::from_u128)
    }
}

#[cfg(test)]
mod tests {
    use super::Identity;
    use crate::model::{ContactId, WorkspaceId};

    /// Links made before link revisions existed (revision 0) still open:
    /// revision 0 signs as it always did (the value pinned here), and each
    /// revision signs apart from the others.
    #[test]
    fn link_revision_zero_signs_as_before() {
        let identity = Identity::derive(b"secret", WorkspaceId::from_u128(7));
        let requester = ContactId::from_u128(42);
        let tokens: Vec<String> = (0..3)
            .map(|revision| identity.link_signer(requester, revision).sign(1042))
            .collect();
        assert_eq!(tokens[0], "aaaaaaaaaaaaaaaaaaaaaaabaso5kvgpj53qq5hhgx");
        assert_ne!(tokens[0], tokens[1]);
        assert_ne!(tokens[1], tokens[2]);
    }
}
