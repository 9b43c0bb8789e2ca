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
#[derive(Debug, Clone, Copy)]
pub(crate) struct Identity {
    /// The key ticket tokens are signed with.
    key: [u8; 32],
    /// The value of our loop header (16 hex digits).
    loop_value: [u8; 16],
}

impl Identity {
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
        Self { key, loop_value }
    }
}

impl Helpdesk {
    fn identity(&self, workspace: WorkspaceId) -> Identity {
        let mut cache = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        *cache
            .entry(workspace)
            .or_insert_with(|| Identity::derive(&self.config.mail.secret, workspace))
    }

    /// The key a workspace signs its ticket tokens with (derived from the
    /// engine's master secret).
    pub(crate) fn workspace_key(&self, workspace: WorkspaceId) -> [u8; 32] {
        self.identity(workspace).key
    }

    /// The value of our loop header in `workspace`.
    pub fn loop_header_value(&self, workspace: WorkspaceId) -> String {
        let value = self.identity(workspace).loop_value;
        value.iter().map(|&b| char::from(b)).collect()
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
        token::message_id(
            &self.workspace_key(workspace),
            ticket.as_u128(),
            &message.as_uuid().simple().to_string(),
            &self.config.mail.message_id_domain,
        )
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
        token::plus_address(&self.workspace_key(workspace), ticket.as_u128(), mailbox)
    }

    /// The ticket id signed into one of our Message-IDs, if it is one.
    pub(crate) fn ticket_of_message_id(
        &self,
        workspace: WorkspaceId,
        message_id: &str,
    ) -> Option<TicketId> {
        token::ticket_from_message_id(
            &self.workspace_key(workspace),
            message_id,
            &self.config.mail.message_id_domain,
        )
        .map(TicketId::from_u128)
    }

    /// The ticket id signed into one of our plus addresses, if it is one.
    pub(crate) fn ticket_of_address(
        &self,
        workspace: WorkspaceId,
        address: &str,
    ) -> Option<TicketId> {
        token::ticket_from_address(&self.workspace_key(workspace), address).map(TicketId::from_u128)
    }
}
