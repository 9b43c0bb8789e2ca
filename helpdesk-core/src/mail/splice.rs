//! Copies of a mail with bytes put in or replaced at given places: how the
//! repairs that read broken mail as meant (`missing_semicolons`,
//! `glued_headers`, `missing_separator`, `text_types`) write the copy they
//! parse again.

/// `raw` with each `(at, bytes)` of `inserts` put in before the byte at
/// `at` (in the order of `at`; at `raw.len()`, at the end); `None` when an
/// `at` is past the end or there is nothing to put in.
pub(crate) fn with_inserts(raw: &[u8], inserts: Vec<(usize, &[u8])>) -> Option<Vec<u8>> {
    with_edits(
        raw,
        inserts
            .into_iter()
            .map(|(at, bytes)| (at, at, bytes))
            .collect(),
    )
}

/// `raw` with the bytes from `start` to `end` of each `(start, end, bytes)`
/// of `edits` replaced by `bytes` (in the order of `start`); `None` when
/// an edit is past the end or overlaps the one before, or there is none.
pub(crate) fn with_edits(raw: &[u8], mut edits: Vec<(usize, usize, &[u8])>) -> Option<Vec<u8>> {
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|&(start, end, _)| (start, end));
    let added: usize = edits.iter().map(|(_, _, bytes)| bytes.len()).sum();
    let mut out = Vec::with_capacity(raw.len() + added);
    let mut copied = 0;
    for (start, end, bytes) in edits {
        out.extend_from_slice(raw.get(copied..start)?);
        out.extend_from_slice(bytes);
        copied = end.max(start);
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

    #[test]
    fn stretches_are_replaced_in_order() {
        use super::with_edits;
        assert_eq!(
            with_edits(b"abcdef", vec![(4, 6, b"X"), (0, 1, b"<"), (2, 2, b"+")]),
            Some(b"<b+cdX".to_vec())
        );
        // Overlapping edits, or past the end: none.
        assert_eq!(with_edits(b"abcdef", vec![(0, 3, b""), (2, 4, b"")]), None);
        assert_eq!(with_edits(b"abc", vec![(2, 9, b"")]), None);
    }
}
