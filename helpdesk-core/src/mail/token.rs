//! Signed ticket references for Message-IDs and plus-addressed Reply-To.
//!
//! A token is the 128-bit ticket id plus an 80-bit truncated
//! HMAC-SHA256 tag under a per-workspace secret, written in lower-case
//! RFC 4648 base32 without padding: 26 + 16 = [`TOKEN_LEN`] characters.
//! Base32 is case-insensitive, so tokens survive providers that lower-case
//! (or upper-case) local parts. Verification is constant-time.
//!
//! Use a random secret of at least 32 bytes per workspace.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const ID_CHARS: usize = 26;
const TAG_BYTES: usize = 10;
const TAG_CHARS: usize = 16;
/// Length of a token in characters.
pub const TOKEN_LEN: usize = ID_CHARS + TAG_CHARS;
const DOMAIN_SEPARATOR: &[u8] = b"helpdesk/ticket-token/v1";
const MESSAGE_ID_PREFIX: &str = "hd.";

/// The signing state of one secret, keyed once: signing and checking many
/// tokens under the same secret without redoing the HMAC key schedule.
/// The free functions of this module build one per call.
///
/// ```
/// use helpdesk_core::mail::token::{self, Signer};
/// let signer = Signer::new(b"workspace secret");
/// let t = signer.sign(42);
/// assert_eq!(t, token::sign(b"workspace secret", 42));
/// assert_eq!(signer.verify(&t), Some(42));
/// ```
#[derive(Clone)]
pub struct Signer {
    /// HMAC keyed with the secret, the domain separator absorbed.
    base: HmacSha256,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer { .. }")
    }
}

impl Signer {
    /// The signer of `secret`.
    pub fn new(secret: &[u8]) -> Self {
        // Build the HMAC block key ourselves (RFC 2104: long keys are
        // hashed, short keys zero-padded); this makes construction
        // infallible.
        let mut block = [0u8; 64];
        if secret.len() > block.len() {
            let digest = Sha256::digest(secret);
            for (b, d) in block.iter_mut().zip(digest.iter()) {
                *b = *d;
            }
        } else {
            for (b, s) in block.iter_mut().zip(secret.iter()) {
                *b = *s;
            }
        }
        let mut base = <HmacSha256 as KeyInit>::new(&block.into());
        base.update(DOMAIN_SEPARATOR);
        Self { base }
    }

    fn mac(&self, ticket: u128) -> HmacSha256 {
        let mut m = self.base.clone();
        m.update(&ticket.to_be_bytes());
        m
    }

    /// [`sign`] with this signer's secret.
    pub fn sign(&self, ticket: u128) -> String {
        let mut out = String::with_capacity(TOKEN_LEN);
        self.sign_into(ticket, &mut out);
        out
    }

    /// [`sign`](Signer::sign), appended to `out`.
    fn sign_into(&self, ticket: u128, out: &mut String) {
        let tag = self.mac(ticket).finalize().into_bytes();
        let mut tag_value: u128 = 0;
        for b in tag.iter().take(TAG_BYTES) {
            tag_value = (tag_value << 8) | u128::from(*b);
        }
        encode_bits(ticket, ID_CHARS, out);
        encode_bits(tag_value, TAG_CHARS, out);
    }

    /// [`verify`] with this signer's secret.
    pub fn verify(&self, token: &str) -> Option<u128> {
        let bytes = token.trim().as_bytes();
        if bytes.len() != TOKEN_LEN {
            return None;
        }
        let (id_part, tag_part) = bytes.split_at(ID_CHARS);
        // 26 chars carry 130 bits; a canonical token has the top two clear,
        // so its first char encodes a value below 8.
        if decode_char(*id_part.first()?)? >= 8 {
            return None;
        }
        let ticket = decode_bits(id_part)?;
        let tag_value = decode_bits(tag_part)?;
        let tag_bytes = tag_value.to_be_bytes();
        let tag = tag_bytes.get(16 - TAG_BYTES..)?;
        self.mac(ticket).verify_truncated_left(tag).ok()?;
        Some(ticket)
    }

    /// [`message_id`] with this signer's secret.
    pub fn message_id(&self, ticket: u128, unique: &str, domain: &str) -> String {
        // (Written into one string: this runs for every automatic mail.)
        let domain = domain.trim().trim_start_matches('@');
        let mut out = String::with_capacity(
            MESSAGE_ID_PREFIX.len() + TOKEN_LEN + unique.len() + domain.len() + 2,
        );
        out.push_str(MESSAGE_ID_PREFIX);
        self.sign_into(ticket, &mut out);
        push_clean_unique(unique, &mut out);
        out.push('@');
        out.push_str(domain);
        out
    }

    /// [`ticket_from_message_id`] with this signer's secret.
    pub fn ticket_from_message_id(&self, msgid: &str, domain: &str) -> Option<u128> {
        self.verify(message_id_token(msgid, domain)?)
    }

    /// [`plus_address`] with this signer's secret.
    pub fn plus_address(&self, ticket: u128, mailbox_address: &str) -> String {
        let token = self.sign(ticket);
        let mailbox = mailbox_address.trim();
        match mailbox.rsplit_once('@') {
            Some((local, domain)) => {
                let local = local.split('+').next().unwrap_or(local);
                format!("{local}+{token}@{domain}")
            }
            None => format!("{mailbox}+{token}"),
        }
    }

    /// [`ticket_from_address`] with this signer's secret.
    pub fn ticket_from_address(&self, addr: &str) -> Option<u128> {
        self.verify(address_token(addr)?)
    }
}

/// The token of what has the shape of one of our Message-IDs on `domain`
/// (angle brackets optional): `hd.<token>[.<unique>]@<domain>`, the
/// prefix and the domain in any case. Not verified: no key is needed to
/// tell that an id is not ours, as nearly every id is not.
pub(crate) fn message_id_token<'a>(msgid: &'a str, domain: &str) -> Option<&'a str> {
    let id = msgid
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    let (local, id_domain) = id.rsplit_once('@')?;
    let domain = domain.trim().trim_start_matches('@');
    if !id_domain.eq_ignore_ascii_case(domain) {
        return None;
    }
    let prefix = local.get(..MESSAGE_ID_PREFIX.len())?;
    if !prefix.eq_ignore_ascii_case(MESSAGE_ID_PREFIX) {
        return None;
    }
    let rest = local.get(MESSAGE_ID_PREFIX.len()..)?;
    let token = rest.get(..TOKEN_LEN)?;
    let after = rest.get(TOKEN_LEN..)?;
    (after.is_empty() || after.starts_with('.')).then_some(token)
}

/// What the unique part of a forward's Message-ID starts with
/// (`hd.<token>.fwd-<unique>@<domain>`): mail that answers a forward is
/// told from the customer's by the id it answers, without a read.
pub(crate) const FORWARD_MARK: &str = "fwd-";

/// Whether `msgid` has the shape of one of our Message-IDs on `domain`
/// minted for a forward ([`FORWARD_MARK`]). Not verified, as
/// [`message_id_token`]: callers check the token (or find the id stored)
/// first.
pub(crate) fn is_forward_message_id(msgid: &str, domain: &str) -> bool {
    message_id_token(msgid, domain).is_some_and(|token| {
        let id = msgid.trim().trim_start_matches('<');
        id.find(token)
            .and_then(|at| id.get(at + token.len()..))
            .and_then(|rest| rest.strip_prefix('.'))
            .and_then(|rest| rest.get(..FORWARD_MARK.len()))
            .is_some_and(|mark| mark.eq_ignore_ascii_case(FORWARD_MARK))
    })
}

/// The would-be token of a plus address (angle brackets optional): what
/// follows the last `+` of its local part; `None` when it has none. Not
/// verified, as [`message_id_token`].
pub(crate) fn address_token(addr: &str) -> Option<&str> {
    let addr = addr.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, _domain) = addr.rsplit_once('@')?;
    local.rsplit_once('+').map(|(_, tag)| tag)
}

#[cfg(test)]
fn mac(secret: &[u8], ticket: u128) -> HmacSha256 {
    Signer::new(secret).mac(ticket)
}

/// Encodes `bits` (most significant first) of `value` as base32 chars.
fn encode_bits(value: u128, chars: usize, out: &mut String) {
    for i in (0..chars).rev() {
        let idx = ((value >> (i * 5)) & 0x1f) as usize;
        out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'a')));
    }
}

fn decode_char(c: u8) -> Option<u128> {
    match c.to_ascii_lowercase() {
        c @ b'a'..=b'z' => Some(u128::from(c - b'a')),
        c @ b'2'..=b'7' => Some(u128::from(c - b'2' + 26)),
        _ => None,
    }
}

/// The ticket id a token claims, not verified (a caller that picks the
/// key by the ticket reads it first, then [`Signer::verify`]s).
pub(crate) fn claimed_ticket(token: &str) -> Option<u128> {
    let bytes = token.trim().as_bytes();
    if bytes.len() != TOKEN_LEN {
        return None;
    }
    decode_bits(bytes.get(..ID_CHARS)?)
}

fn decode_bits(s: &[u8]) -> Option<u128> {
    s.iter()
        .try_fold(0u128, |acc, &c| Some((acc << 5) | decode_char(c)?))
}

/// Signs a ticket id into a token of [`TOKEN_LEN`] lower-case base32 chars.
///
/// ```
/// use helpdesk_core::mail::token;
/// let t = token::sign(b"workspace secret", 42);
/// assert_eq!(t.len(), token::TOKEN_LEN);
/// assert_eq!(token::verify(b"workspace secret", &t), Some(42));
/// assert_eq!(token::verify(b"other secret", &t), None);
/// ```
pub fn sign(secret: &[u8], ticket: u128) -> String {
    Signer::new(secret).sign(ticket)
}

/// Checks a token (case-insensitive) and returns its ticket id, or `None`
/// when it is malformed, forged or signed under another secret.
pub fn verify(secret: &[u8], token: &str) -> Option<u128> {
    Signer::new(secret).verify(token)
}

/// Appends `.` and `unique` (without leading and trailing dots), each
/// character other than an ASCII letter, digit, `-`, `_` or `.` written as
/// `-`; nothing when that leaves nothing.
fn push_clean_unique(unique: &str, out: &mut String) {
    // (Every character becomes one ASCII character, and only a dot becomes
    // a dot: trimming dots before or after the mapping is the same.)
    let unique = unique.trim_matches('.');
    if unique.is_empty() {
        return;
    }
    out.push('.');
    out.extend(unique.chars().map(|c| {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            c
        } else {
            '-'
        }
    }));
}

/// Builds one of our Message-IDs (without angle brackets):
/// `hd.<token>.<unique>@<domain>`. `unique` distinguishes messages of the
/// same ticket; characters other than ASCII letters, digits, `-`, `_`, `.`
/// are replaced by `-`. With an empty `unique` the form is `hd.<token>@<domain>`.
///
/// ```
/// use helpdesk_core::mail::token;
/// let id = token::message_id(b"s3cret", 7, "01J2ABC", "mail.example.com");
/// assert!(id.starts_with("hd.") && id.ends_with(".01J2ABC@mail.example.com"));
/// assert_eq!(token::ticket_from_message_id(b"s3cret", &format!("<{id}>"), "mail.example.com"), Some(7));
/// ```
pub fn message_id(secret: &[u8], ticket: u128, unique: &str, domain: &str) -> String {
    Signer::new(secret).message_id(ticket, unique, domain)
}

/// Extracts and verifies the ticket id from one of our Message-IDs (angle
/// brackets optional). The domain must match `domain` (case-insensitive).
pub fn ticket_from_message_id(secret: &[u8], msgid: &str, domain: &str) -> Option<u128> {
    Signer::new(secret).ticket_from_message_id(msgid, domain)
}

/// Plus-addresses our mailbox with a ticket token:
/// `support@example.com` becomes `support+<token>@example.com`. An
/// existing `+tag` on the mailbox is replaced.
///
/// ```
/// use helpdesk_core::mail::token;
/// let a = token::plus_address(b"s3cret", 99, "support@example.com");
/// assert!(a.starts_with("support+") && a.ends_with("@example.com"));
/// assert_eq!(token::ticket_from_address(b"s3cret", &a.to_uppercase()), Some(99));
/// ```
pub fn plus_address(secret: &[u8], ticket: u128, mailbox_address: &str) -> String {
    Signer::new(secret).plus_address(ticket, mailbox_address)
}

/// Extracts and verifies the ticket id from a plus-address produced by
/// [`plus_address`] (case-insensitive, angle brackets optional).
pub fn ticket_from_address(secret: &[u8], addr: &str) -> Option<u128> {
    Signer::new(secret).ticket_from_address(addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn forward_ids_are_told_by_their_mark() {
        let forward = message_id(S, 7, "fwd-0123abcd", "mail.example.com");
        let reply = message_id(S, 7, "0123abcd", "mail.example.com");
        assert!(is_forward_message_id(&forward, "mail.example.com"));
        assert!(is_forward_message_id(
            &format!("<{}>", forward.to_uppercase()),
            "Mail.Example.com"
        ));
        assert!(!is_forward_message_id(&reply, "mail.example.com"));
        assert!(!is_forward_message_id(&forward, "other.example"));
        assert!(!is_forward_message_id(
            "fwd-1@mail.example.com",
            "mail.example.com"
        ));
        assert_eq!(
            ticket_from_message_id(S, &forward, "mail.example.com"),
            Some(7)
        );
    }

    /// The Message-ID as it was first written: clean the unique part
    /// (map, then trim dots), then format.
    fn message_id_reference(signer: &Signer, ticket: u128, unique: &str, domain: &str) -> String {
        let unique: String = unique
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .trim_matches('.')
            .to_string();
        let token = signer.sign(ticket);
        let domain = domain.trim().trim_start_matches('@');
        if unique.is_empty() {
            format!("{MESSAGE_ID_PREFIX}{token}@{domain}")
        } else {
            format!("{MESSAGE_ID_PREFIX}{token}.{unique}@{domain}")
        }
    }

    proptest! {
        #[test]
        fn message_id_is_the_reference(
            ticket in any::<u128>(),
            unique in "[a-zA-Z0-9._ @<>\\-]{0,12}|\\PC{0,8}|\\.+|\\.a\\.…\\.",
            domain in " ?@?[a-z.]{0,10} ?",
        ) {
            let signer = Signer::new(S);
            prop_assert_eq!(
                signer.message_id(ticket, &unique, &domain),
                message_id_reference(&signer, ticket, &unique, &domain)
            );
        }
    }

    #[test]
    fn round_trip_edges() {
        for t in [
            0u128,
            1,
            42,
            u128::MAX,
            u128::MAX - 1,
            1 << 127,
            0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
        ] {
            let tok = sign(S, t);
            assert_eq!(tok.len(), TOKEN_LEN);
            assert!(tok.bytes().all(|b| ALPHABET.contains(&b)));
            assert_eq!(verify(S, &tok), Some(t));
            assert_eq!(verify(S, &tok.to_uppercase()), Some(t));
        }
    }

    #[test]
    fn hmac_key_handling_matches_standard() {
        for secret in [&b""[..], b"short", &[7u8; 64][..], &[9u8; 100][..]] {
            let mut std_mac = match <HmacSha256 as KeyInit>::new_from_slice(secret) {
                Ok(m) => m,
                Err(e) => panic!("{e}"),
            };
            std_mac.update(DOMAIN_SEPARATOR);
            std_mac.update(&5u128.to_be_bytes());
            assert_eq!(
                std_mac.finalize().into_bytes(),
                mac(secret, 5).finalize().into_bytes()
            );
        }
    }

    #[test]
    fn tampering_rejected() {
        let tok = sign(S, 1234);
        let bytes = tok.as_bytes();
        for i in 0..bytes.len() {
            let mut b = bytes.to_vec();
            b[i] = if b[i] == b'a' { b'b' } else { b'a' };
            let s = String::from_utf8(b).unwrap_or_default();
            assert_eq!(verify(S, &s), None, "position {i}");
        }
        assert_eq!(verify(b"another secret", &tok), None);
        assert_eq!(verify(S, &tok[1..]), None);
        assert_eq!(verify(S, &format!("{tok}a")), None);
        assert_eq!(verify(S, ""), None);
        // Top bits set: non-canonical.
        let mut b = tok.into_bytes();
        b[0] = b'z';
        assert_eq!(verify(S, &String::from_utf8(b).unwrap_or_default()), None);
    }

    #[test]
    fn message_ids() {
        let id = message_id(S, 77, "abc<>@def", "Mail.Example.com");
        assert!(!id.contains('<') && !id.contains('>'));
        assert_eq!(id.matches('@').count(), 1);
        assert_eq!(ticket_from_message_id(S, &id, "mail.example.com"), Some(77));
        assert_eq!(
            ticket_from_message_id(S, &id.to_lowercase(), "MAIL.EXAMPLE.COM"),
            Some(77)
        );
        assert_eq!(ticket_from_message_id(S, &id, "other.com"), None);
        assert_eq!(ticket_from_message_id(b"x", &id, "mail.example.com"), None);
        let bare = message_id(S, 77, "", "mail.example.com");
        assert_eq!(
            ticket_from_message_id(S, &bare, "mail.example.com"),
            Some(77)
        );
        assert_eq!(
            ticket_from_message_id(S, "hd.@mail.example.com", "mail.example.com"),
            None
        );
        assert_eq!(
            ticket_from_message_id(S, "random@mail.example.com", "mail.example.com"),
            None
        );
        let glued = id.replacen(".abc", "xabc", 1);
        assert_eq!(ticket_from_message_id(S, &glued, "mail.example.com"), None);
    }

    #[test]
    fn plus_addresses() {
        let a = plus_address(S, 5, "Support+old@Example.com");
        assert!(a.starts_with("Support+"));
        assert_eq!(a.matches('+').count(), 1);
        assert_eq!(ticket_from_address(S, &a), Some(5));
        assert_eq!(
            ticket_from_address(S, &format!("<{}>", a.to_lowercase())),
            Some(5)
        );
        assert_eq!(ticket_from_address(S, "support@example.com"), None);
        assert_eq!(ticket_from_address(S, "support+nonsense@example.com"), None);
        assert_eq!(ticket_from_address(b"other", &a), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn prop_round_trip(t in any::<u128>(), secret in proptest::collection::vec(any::<u8>(), 0..100)) {
            let tok = sign(&secret, t);
            prop_assert_eq!(verify(&secret, &tok), Some(t));
            prop_assert_eq!(verify(&secret, &tok.to_ascii_uppercase()), Some(t));
            let addr = plus_address(&secret, t, "help@x.org");
            prop_assert_eq!(ticket_from_address(&secret, &addr), Some(t));
            let id = message_id(&secret, t, "u1", "x.org");
            prop_assert_eq!(ticket_from_message_id(&secret, &id, "x.org"), Some(t));
        }

        #[test]
        fn prop_junk_never_panics(s in ".{0,80}", b in proptest::collection::vec(any::<u8>(), 0..60)) {
            let _ = verify(S, &s);
            let _ = ticket_from_message_id(S, &s, "x.org");
            let _ = ticket_from_address(S, &s);
            let lossy = String::from_utf8_lossy(&b).to_string();
            let _ = verify(S, &lossy);
            let _ = ticket_from_address(S, &format!("a+{lossy}@x"));
        }

        #[test]
        fn prop_random_token_rejected(s in "[a-z2-7]{42}") {
            // A random well-formed token verifies with probability 2^-80.
            prop_assert_eq!(verify(S, &s), None);
        }
    }
}
