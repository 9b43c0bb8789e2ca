//! Copies of a mail with bytes put in at given places: how the repairs
//! that read broken mail as meant (`missing_semicolons`, `glued_headers`)
//! write the copy they parse again.

/// `raw` with each `(at, bytes)` of `inserts` put in before the byte at
/// `at` (in the order of `at`; at `raw.len()`, at the end); `None` when an
/// `at` is past the end or there is nothing to put in.
pub(crate) fn with_inserts(raw: &[u8], mut inserts: Vec<(usize, &[u8])>) -> Option<Vec<u8>> {
    if inserts.is_empty() {
        return None;
    }
    inserts.sort_by_key(|&(at, _)| at);
    let added: usize = inserts.iter().map(|(_, bytes)| bytes.len()).sum();
    let mut out = Vec::with_capacity(raw.len() + added);
    let mut copied = 0;
    for (at, bytes) in inserts {
        out.extend_from_slice(raw.get(copied..at)?);
        out.extend_from_slice(bytes);
        copied = at;
    }
    out.extend_from_slice(raw.get(copied..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::with_inserts;

    #[test]
    fn bytes_go_in_where_asked_in_order() {
        assert_eq!(
            with_inserts(b"abcd", vec![(3, b"-"), (0, b"<"), (4, b">"), (3, b"+")]),
            Some(b"<abc-+d>".to_vec())
        );
        assert_eq!(with_inserts(b"abcd", vec![]), None);
        assert_eq!(with_inserts(b"abcd", vec![(5, b"x")]), None);
    }
}
