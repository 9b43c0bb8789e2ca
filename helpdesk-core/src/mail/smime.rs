//! Opaque-signed S/MIME mail (`application/pkcs7-mime;
//! smime-type=signed-data`, a `smime.p7m` file): the mail's whole content,
//! text and attachments, is inside the signature's CMS structure, which
//! mail-parser keeps as one binary attachment. Signed mail from
//! corporate and public-sector senders (Outlook without "clear text
//! signing", signing gateways) came in with no text at all.
//!
//! The content is taken out of the `SignedData` (RFC 5652: `ContentInfo`
//! -> `SignedData` -> `EncapsulatedContentInfo` -> `eContent`, an OCTET
//! STRING, in DER or in BER with indefinite lengths and the string in
//! chunks, as Outlook and `openssl -stream` write it) and the mail is read
//! again as its header block (less its `Content-` headers) followed by
//! that MIME entity. The signature is not checked: the helpdesk shows what
//! was sent, as a mail program that cannot check it does; the raw mail,
//! signature and all, is kept. Encrypted mail (`enveloped-data`) stays as
//! it came.

use mail_parser::{MessagePart, MimeHeaders};

/// `id-signedData` (1.2.840.113549.1.7.2), the OID's content bytes.
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/// How deep the BER reader goes (CMS nests a few levels; more is no CMS).
const MAX_DEPTH: usize = 12;

/// The mail `raw`, whose root part is `root`, read as its opaque-signed
/// content: its header block without `Content-` headers, then the MIME
/// entity the signature holds; `None` when `root` is no opaque-signed
/// S/MIME part or its content cannot be read.
pub(crate) fn unwrapped(raw: &[u8], root: &MessagePart<'_>) -> Option<Vec<u8>> {
    let ct = root.content_type()?;
    let subtype = ct.subtype()?;
    if !ct.ctype().eq_ignore_ascii_case("application")
        || !["pkcs7-mime", "x-pkcs7-mime"]
            .iter()
            .any(|s| subtype.eq_ignore_ascii_case(s))
    {
        return None;
    }
    // (Without `smime-type`, the structure tells: only signed data has
    // content to read.)
    if ct
        .attribute("smime-type")
        .is_some_and(|t| !t.trim().eq_ignore_ascii_case("signed-data"))
    {
        return None;
    }
    let content = signed_content(root.contents())?;
    let mut out = Vec::with_capacity(raw.len());
    for h in &root.headers {
        let name = h.name.as_str();
        if name
            .get(..8)
            .is_some_and(|p| p.eq_ignore_ascii_case("content-"))
        {
            continue;
        }
        out.extend_from_slice(raw.get(h.offset_field as usize..h.offset_end as usize)?);
        if !out.ends_with(b"\n") {
            out.extend_from_slice(b"\r\n");
        }
    }
    // A content with no header block of its own is the text.
    if !starts_with_header(&content) {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(&content);
    Some(out)
}

/// Whether `content` starts with a MIME entity's header block: a
/// `Content-` or `MIME-Version` header (RFC 8551 signs a MIME entity), or
/// the blank line that ends an empty one. (Other text is the text: a
/// first line such as `Note: ...` is not taken for a header.)
fn starts_with_header(content: &[u8]) -> bool {
    if content.starts_with(b"\r\n") || content.starts_with(b"\n") {
        return true;
    }
    ["content-", "mime-version:"].iter().any(|name| {
        content
            .get(..name.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(name.as_bytes()))
    })
}

/// The content a CMS `ContentInfo` of `SignedData` encapsulates (`None`
/// when `der` is not one, or holds no content: a detached signature).
pub(crate) fn signed_content(der: &[u8]) -> Option<Vec<u8>> {
    let (info, _) = read(der, 0)?;
    let mut fields = info.children();
    // ContentInfo: contentType, [0] content.
    let oid = fields.next()?;
    if oid.tag != 0x06 || oid.content != SIGNED_DATA {
        return None;
    }
    let signed = fields.next()?.children().next()?;
    // SignedData: version, digestAlgorithms, encapContentInfo, ...
    let encapsulated = signed.children().nth(2)?;
    // EncapsulatedContentInfo: eContentType, [0] eContent.
    let e_content = encapsulated.children().nth(1)?;
    let octets = e_content.children().next()?;
    let mut out = Vec::new();
    octets.collect_octets(&mut out, 0)?;
    Some(out)
}

/// A BER element.
#[derive(Debug, Clone, Copy)]
struct Element<'a> {
    /// The identifier octet (class, constructed bit, tag number; for a
    /// high tag number, the first octet only).
    tag: u8,
    /// Its content: its bytes (a definite length), or its children's
    /// stretch (an indefinite length; the end-of-contents marker left
    /// out).
    content: &'a [u8],
    depth: usize,
}

impl<'a> Element<'a> {
    fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// The elements inside a constructed one (none inside a primitive
    /// one); stops at the first that cannot be read.
    fn children(&self) -> impl Iterator<Item = Element<'a>> + use<'a> {
        let mut rest = if self.constructed() {
            self.content
        } else {
            &[]
        };
        let depth = self.depth + 1;
        std::iter::from_fn(move || {
            let (child, after) = read(rest, depth)?;
            rest = after;
            Some(child)
        })
    }

    /// Appends an OCTET STRING's bytes to `out`: a primitive one's, or a
    /// constructed one's chunks in order.
    fn collect_octets(&self, out: &mut Vec<u8>, depth: usize) -> Option<()> {
        if self.tag & !0x20 != 0x04 || depth > MAX_DEPTH {
            return None;
        }
        if !self.constructed() {
            out.extend_from_slice(self.content);
            return Some(());
        }
        for chunk in self.children() {
            chunk.collect_octets(out, depth + 1)?;
        }
        Some(())
    }
}

/// The element at the start of `data`, and what follows it.
fn read(data: &[u8], depth: usize) -> Option<(Element<'_>, &[u8])> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (&tag, mut rest) = data.split_first()?;
    if tag == 0 {
        // (End-of-contents: no element.)
        return None;
    }
    if tag & 0x1f == 0x1f {
        // A high tag number: its octets, the last without the top bit.
        let len = rest.iter().position(|b| b & 0x80 == 0)? + 1;
        rest = rest.get(len..)?;
    }
    let (&first, mut rest) = rest.split_first()?;
    if first == 0x80 {
        // Indefinite length (constructed only): children up to `00 00`.
        if tag & 0x20 == 0 {
            return None;
        }
        let start = rest;
        loop {
            if rest.starts_with(&[0, 0]) {
                let content = start.get(..start.len() - rest.len())?;
                let after = rest.get(2..)?;
                return Some((
                    Element {
                        tag,
                        content,
                        depth,
                    },
                    after,
                ));
            }
            let (_, after) = read(rest, depth + 1)?;
            rest = after;
        }
    }
    let len = if first & 0x80 == 0 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n > 4 {
            return None;
        }
        let octets = rest.get(..n)?;
        rest = rest.get(n..)?;
        octets
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b))
    };
    let content = rest.get(..len)?;
    Some((
        Element {
            tag,
            content,
            depth,
        },
        rest.get(len..)?,
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A DER element of `tag` around `content`.
    pub(crate) fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|&b| b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend_from_slice(&bytes);
        }
        out.extend_from_slice(content);
        out
    }

    /// A BER element of `tag` around `children`, with an indefinite
    /// length.
    fn ber(tag: u8, children: &[Vec<u8>]) -> Vec<u8> {
        let mut out = vec![tag, 0x80];
        for c in children {
            out.extend_from_slice(c);
        }
        out.extend_from_slice(&[0, 0]);
        out
    }

    const ID_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];

    /// A `ContentInfo` of `SignedData` holding `content` (DER), without
    /// certificates; the signer info is a stand-in.
    pub(crate) fn signed(content: &[u8]) -> Vec<u8> {
        let encap = der(
            0x30,
            &[der(0x06, ID_DATA), der(0xa0, &der(0x04, content))].concat(),
        );
        let signed_data = der(
            0x30,
            &[
                der(0x02, &[1]),
                der(0x31, &[]),
                encap,
                der(0x31, &der(0x30, &[])),
            ]
            .concat(),
        );
        der(
            0x30,
            &[der(0x06, SIGNED_DATA), der(0xa0, &signed_data)].concat(),
        )
    }

    #[test]
    fn der_and_ber_content_is_read() {
        let content = b"Content-Type: text/plain\r\n\r\nHello".repeat(10);
        assert_eq!(signed_content(&signed(&content)), Some(content.clone()));
        // BER: indefinite lengths and the string in chunks (Outlook,
        // `openssl -stream`), a chunk itself in chunks.
        let (a, b) = content.split_at(100);
        let (b1, b2) = b.split_at(20);
        let octets = ber(
            0x24,
            &[der(0x04, a), ber(0x24, &[der(0x04, b1), der(0x04, b2)])],
        );
        let encap = ber(0x30, &[der(0x06, ID_DATA), ber(0xa0, &[octets])]);
        let signed_data = ber(
            0x30,
            &[der(0x02, &[1]), der(0x31, &[]), encap, der(0x31, &[])],
        );
        let info = ber(0x30, &[der(0x06, SIGNED_DATA), ber(0xa0, &[signed_data])]);
        assert_eq!(signed_content(&info), Some(content));
    }

    #[test]
    fn other_structures_are_none() {
        // Enveloped data, a detached signature (no eContent), garbage,
        // truncation, nesting past the limit.
        let enveloped = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03];
        let info = der(
            0x30,
            &[der(0x06, &enveloped), der(0xa0, &der(0x30, &[]))].concat(),
        );
        assert_eq!(signed_content(&info), None);
        let encap = der(0x30, &der(0x06, ID_DATA));
        let signed_data = der(0x30, &[der(0x02, &[1]), der(0x31, &[]), encap].concat());
        let detached = der(
            0x30,
            &[der(0x06, SIGNED_DATA), der(0xa0, &signed_data)].concat(),
        );
        assert_eq!(signed_content(&detached), None);
        assert_eq!(signed_content(b"not der"), None);
        let whole = signed(b"x");
        for cut in 0..whole.len() {
            assert_eq!(
                signed_content(whole.get(..cut).unwrap_or_default()),
                None,
                "{cut}"
            );
        }
        let deep = (0..40).fold(der(0x04, b"x"), |inner, _| ber(0x24, &[inner]));
        let mut out = Vec::new();
        let read_deep = read(&deep, 0).and_then(|(e, _)| e.collect_octets(&mut out, 0));
        assert_eq!(read_deep, None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// Any bytes: no panic; any content round-trips through DER.
        #[test]
        fn any_bytes_are_read_without_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = signed_content(&data);
            proptest::prop_assert_eq!(signed_content(&signed(&data)), Some(data));
        }
    }
}
