//! Outlook's `winmail.dat` (TNEF, `application/ms-tnef`): when Outlook or
//! Exchange sends a mail in its "Rich Text" format, the files the sender
//! attached travel inside that one attachment, which no one outside
//! Outlook can open. They are taken out here (MS-OXTNEF), so that a
//! customer's photo or invoice is an attachment of the message like any
//! other; the `winmail.dat` itself stays only when no file could be read
//! from it (the raw mail is kept in any case).
//!
//! A TNEF stream is a signature, a key and a run of attributes: a level
//! byte, a 32-bit id (its type in the high half), a 32-bit length, the
//! data and a checksum. An attachment starts with `attAttachRendData`;
//! its file name is in `attAttachTitle` (8-bit, in the stream's code
//! page) and its bytes in `attAttachData`, and `attAttachment` holds its
//! MAPI properties, which may carry the long file name, the content type,
//! the Content-ID, and the bytes themselves (newer Outlook writes only
//! those). Everything is read with bounds checks: a damaged stream gives
//! the files read before the damage, or nothing.

use std::borrow::Cow;

/// A file read out of a TNEF stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TnefFile<'a> {
    /// Its file name (`None` when the stream names none).
    pub(crate) name: Option<String>,
    /// Its MIME type, when the stream gives one.
    pub(crate) content_type: Option<String>,
    /// Its Content-ID, when the stream gives one.
    pub(crate) content_id: Option<String>,
    /// Its bytes.
    pub(crate) content: Cow<'a, [u8]>,
}

/// The most files taken out of one stream; a stream with more is kept
/// whole.
const MAX_FILES: usize = 256;

/// `TNEF_SIGNATURE`, little-endian.
const SIGNATURE: [u8; 4] = [0x78, 0x9f, 0x3e, 0x22];

/// Attribute ids (the low half of the 32-bit id; the high half is its
/// type).
const ATT_ATTACH_REND_DATA: u16 = 0x9002;
const ATT_ATTACH_TITLE: u16 = 0x8010;
const ATT_ATTACH_DATA: u16 = 0x800f;
const ATT_ATTACHMENT: u16 = 0x9005;
const ATT_OEM_CODEPAGE: u16 = 0x9007;

/// MAPI property ids of an attachment.
const PR_DISPLAY_NAME: u16 = 0x3001;
const PR_ATTACH_DATA: u16 = 0x3701;
const PR_ATTACH_FILENAME: u16 = 0x3704;
const PR_ATTACH_LONG_FILENAME: u16 = 0x3707;
const PR_ATTACH_MIME_TAG: u16 = 0x370e;
const PR_ATTACH_CONTENT_ID: u16 = 0x3712;

/// MAPI property types.
const PT_STRING8: u16 = 0x001e;
const PT_UNICODE: u16 = 0x001f;
const PT_BINARY: u16 = 0x0102;
const PT_OBJECT: u16 = 0x000d;
const MV_FLAG: u16 = 0x1000;

/// Whether an attachment of type `content_type` named `name` is a TNEF
/// stream by its label (its bytes decide: see [`files`]).
pub(crate) fn is_tnef(content_type: &str, name: &str) -> bool {
    ["application/ms-tnef", "application/vnd.ms-tnef"]
        .iter()
        .any(|t| content_type.eq_ignore_ascii_case(t))
        || ["winmail.dat", "win.dat"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n))
}

/// The files in the TNEF stream `data`, in order; `None` when `data` is
/// not TNEF or holds no file with bytes.
pub(crate) fn files(data: &[u8]) -> Option<Vec<TnefFile<'_>>> {
    let mut r = Reader(data.strip_prefix(&SIGNATURE)?);
    r.take(2)?; // the legacy key
    let mut codepage = 1252;
    let mut files: Vec<Partial<'_>> = Vec::new();
    // (Every attribute takes at least 11 bytes: the loop ends.)
    while let Some(attribute) = r.attribute() {
        match attribute.id {
            ATT_OEM_CODEPAGE => {
                if let Some(cp) = Reader(attribute.data).u32() {
                    codepage = cp;
                }
            }
            ATT_ATTACH_REND_DATA => {
                // (A stream of thousands of empty files is no mail's: it
                // stays one attachment.)
                if files.len() == MAX_FILES {
                    return None;
                }
                files.push(Partial::default());
            }
            ATT_ATTACH_TITLE => {
                if let Some(f) = files.last_mut() {
                    f.title = Some(attribute.data);
                }
            }
            ATT_ATTACH_DATA => {
                if let Some(f) = files.last_mut() {
                    f.data = Some(Cow::Borrowed(attribute.data));
                }
            }
            ATT_ATTACHMENT => {
                if let Some(f) = files.last_mut() {
                    read_properties(attribute.data, f, codepage);
                }
            }
            _ => {}
        }
    }
    let files: Vec<TnefFile<'_>> = files
        .into_iter()
        .filter_map(|f| f.finish(codepage))
        .collect();
    (!files.is_empty()).then_some(files)
}

/// An attachment as its attributes and properties come.
#[derive(Default)]
struct Partial<'a> {
    title: Option<&'a [u8]>,
    data: Option<Cow<'a, [u8]>>,
    long_name: Option<String>,
    short_name: Option<String>,
    display_name: Option<String>,
    mime_tag: Option<String>,
    content_id: Option<String>,
}

impl<'a> Partial<'a> {
    /// The file, when it has bytes; its name the longest the stream gives
    /// (the long file name, the title, the 8.3 name, the display name).
    fn finish(self, codepage: u32) -> Option<TnefFile<'a>> {
        let content = self.data?;
        let title = self.title.map(|t| string8(t, codepage));
        let name = [self.long_name, title, self.short_name, self.display_name]
            .into_iter()
            .flatten()
            .find(|n| !n.is_empty());
        Some(TnefFile {
            name,
            content_type: self.mime_tag.filter(|t| t.contains('/')),
            content_id: self.content_id.filter(|c| !c.is_empty()),
            content,
        })
    }
}

/// One attribute of the stream.
struct Attribute<'a> {
    id: u16,
    data: &'a [u8],
}

/// A cursor over bytes; every read checks what is left.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    /// `n` bytes and the padding that rounds them to a multiple of four.
    fn padded(&mut self, n: usize) -> Option<&'a [u8]> {
        let value = self.take(n)?;
        // (The last value's padding may be missing.)
        let _ = self.take((4 - n % 4) % 4);
        Some(value)
    }

    /// The next attribute: level, id, length, data, checksum (not
    /// checked: Outlook writes wrong ones, and readers ignore them).
    fn attribute(&mut self) -> Option<Attribute<'a>> {
        let _level = self.take(1)?;
        let id = self.u32()?;
        let len = usize::try_from(self.u32()?).ok()?;
        let data = self.take(len)?;
        let _checksum = self.take(2);
        Some(Attribute {
            id: (id & 0xffff) as u16,
            data,
        })
    }
}

/// Reads the MAPI properties of an attachment (`attAttachment`) into
/// `file`: as many as can be read (a damaged list keeps the ones before).
fn read_properties<'a>(data: &'a [u8], file: &mut Partial<'a>, codepage: u32) {
    let mut r = Reader(data);
    let Some(count) = r.u32() else {
        return;
    };
    for _ in 0..count {
        if read_property(&mut r, file, codepage).is_none() {
            return;
        }
    }
}

/// One MAPI property (MS-OXTNEF 2.1.3.5): type, id, the name of a named
/// property, and its value or values; `None` when the list ends early.
fn read_property<'a>(r: &mut Reader<'a>, file: &mut Partial<'a>, codepage: u32) -> Option<()> {
    let kind = r.u16()?;
    let id = r.u16()?;
    if id >= 0x8000 {
        // A named property: its GUID, and a number or a UTF-16 name.
        r.take(16)?;
        match r.u32()? {
            0 => {
                r.u32()?;
            }
            _ => {
                let len = usize::try_from(r.u32()?).ok()?;
                r.padded(len)?;
            }
        }
    }
    let base = kind & !MV_FLAG;
    let variable = matches!(base, PT_STRING8 | PT_UNICODE | PT_BINARY | PT_OBJECT);
    // (Variable-length values always come with a count; fixed ones only
    // when multi-valued.)
    let count = if variable || kind & MV_FLAG != 0 {
        r.u32()?
    } else {
        1
    };
    for _ in 0..count {
        if variable {
            let len = usize::try_from(r.u32()?).ok()?;
            let value = r.padded(len)?;
            take_value(file, id, base, value, codepage);
        } else {
            r.take(fixed_size(base)?)?;
        }
    }
    Some(())
}

/// The size of a fixed-length MAPI value as TNEF writes it (2-byte ones
/// padded to 4); `None` for a type this reader does not know, whose size
/// cannot be told (the rest of the list is left).
fn fixed_size(kind: u16) -> Option<usize> {
    match kind {
        0x0001 => Some(0),                                     // PT_NULL
        0x0002 | 0x0003 | 0x0004 | 0x000a | 0x000b => Some(4), // short, long, float, error, boolean
        0x0005..=0x0007 | 0x0014 | 0x0040 => Some(8), // double, currency, apptime, i8, systime
        0x0048 => Some(16),                           // PT_CLSID
        _ => None,
    }
}

/// Keeps a value of the attachment's properties that names or holds it.
fn take_value<'a>(file: &mut Partial<'a>, id: u16, kind: u16, value: &'a [u8], codepage: u32) {
    let text = || match kind {
        PT_UNICODE => Some(utf16(value)),
        PT_STRING8 => Some(string8(value, codepage)),
        _ => None,
    };
    match id {
        PR_ATTACH_LONG_FILENAME => file.long_name = text(),
        PR_ATTACH_FILENAME => file.short_name = text(),
        PR_DISPLAY_NAME => file.display_name = text(),
        PR_ATTACH_MIME_TAG => file.mime_tag = text(),
        PR_ATTACH_CONTENT_ID => file.content_id = text(),
        PR_ATTACH_DATA if file.data.is_none() => {
            // An embedded object starts with its interface's GUID.
            let bytes = match kind {
                PT_OBJECT => value.get(16..).unwrap_or_default(),
                _ => value,
            };
            file.data = Some(Cow::Borrowed(bytes));
        }
        _ => {}
    }
}

/// The MIME type of a file taken out of a TNEF stream that names none,
/// by its name's extension (the files customers send most); otherwise
/// `application/octet-stream`.
pub(crate) fn content_type_of(name: &str) -> &'static str {
    let Some((_, extension)) = name.rsplit_once('.') else {
        return "application/octet-stream";
    };
    const TYPES: [(&str, &str); 16] = [
        ("pdf", "application/pdf"),
        ("jpg", "image/jpeg"),
        ("jpeg", "image/jpeg"),
        ("png", "image/png"),
        ("gif", "image/gif"),
        ("txt", "text/plain"),
        ("htm", "text/html"),
        ("html", "text/html"),
        ("csv", "text/csv"),
        ("zip", "application/zip"),
        ("doc", "application/msword"),
        ("xls", "application/vnd.ms-excel"),
        (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("eml", "message/rfc822"),
        ("rtf", "application/rtf"),
    ];
    TYPES
        .iter()
        .find(|(e, _)| extension.eq_ignore_ascii_case(e))
        .map_or("application/octet-stream", |(_, t)| t)
}

/// A UTF-16LE string without its trailing NULs.
fn utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| {
            u16::from_le_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .collect();
    String::from_utf16_lossy(&units)
        .trim_end_matches('\0')
        .to_string()
}

/// An 8-bit string in the Windows code page `codepage` (windows-1252 when
/// it names none we know), without its trailing NULs.
fn string8(bytes: &[u8], codepage: u32) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let bytes = bytes.get(..end).unwrap_or_default();
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_string();
    }
    let label = match codepage {
        1250..=1258 | 874 => format!("windows-{codepage}"),
        65001 => "utf-8".to_string(),
        _ => "windows-1252".to_string(),
    };
    match mail_parser::decoders::charsets::map::charset_decoder(label.as_bytes()) {
        Some(decode) => decode(bytes),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A TNEF stream built from `(id, data)` attributes (the level and the
    /// checksum as Outlook writes them).
    pub(crate) fn stream(attributes: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&[0x01, 0x00]);
        for (id, data) in attributes {
            let level = if matches!((id & 0xffff) as u16, 0x9002 | 0x8010 | 0x800f | 0x9005) {
                2
            } else {
                1
            };
            out.push(level);
            out.extend_from_slice(&id.to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(data);
            let sum = data.iter().fold(0u16, |s, &b| s.wrapping_add(u16::from(b)));
            out.extend_from_slice(&sum.to_le_bytes());
        }
        out
    }

    /// A MAPI property list of variable-length values `(type, id, value)`.
    pub(crate) fn properties(values: &[(u16, u16, Vec<u8>)]) -> Vec<u8> {
        let mut out = (values.len() as u32).to_le_bytes().to_vec();
        for (kind, id, value) in values {
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&id.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
            out.extend_from_slice(value);
            out.resize(out.len() + (4 - value.len() % 4) % 4, 0);
        }
        out
    }

    pub(crate) fn unicode(s: &str) -> Vec<u8> {
        s.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    }

    const REND: u32 = 0x0006_9002;
    const TITLE: u32 = 0x0001_8010;
    const DATA: u32 = 0x0006_800f;
    const ATTACHMENT: u32 = 0x0006_9005;

    #[test]
    fn files_come_with_their_titles() {
        let tnef = stream(&[
            (0x0006_9007, vec![0xe2, 0x04, 0, 0, 0, 0, 0, 0]), // code page 1250
            (REND, vec![0; 14]),
            (TITLE, b"invoice.pdf\0".to_vec()),
            (DATA, b"%PDF-1.4".to_vec()),
            (REND, vec![0; 14]),
            (TITLE, b"zam\xf3wienie \xb3\xb9ka.txt\0".to_vec()),
            (DATA, b"hello".to_vec()),
            // An 8-bit long file name in the MAPI properties: the same
            // code page.
            (REND, vec![0; 14]),
            (TITLE, b"FAKTUR~1.TXT\0".to_vec()),
            (DATA, b"f".to_vec()),
            (
                ATTACHMENT,
                properties(&[(
                    PT_STRING8,
                    PR_ATTACH_LONG_FILENAME,
                    b"faktura \xb3\xb9ka.txt\0".to_vec(),
                )]),
            ),
        ]);
        let got = files(&tnef).unwrap_or_default();
        let got: Vec<_> = got
            .iter()
            .map(|f| (f.name.as_deref(), &f.content[..]))
            .collect();
        assert_eq!(
            got,
            [
                (Some("invoice.pdf"), &b"%PDF-1.4"[..]),
                (Some("zamówienie łąka.txt"), &b"hello"[..]),
                (Some("faktura łąka.txt"), &b"f"[..])
            ]
        );
    }

    #[test]
    fn properties_give_the_long_name_type_id_and_bytes() {
        // Newer Outlook: the bytes and names only in the MAPI properties.
        let props = properties(&[
            (
                PT_UNICODE,
                PR_ATTACH_LONG_FILENAME,
                unicode("Zdjęcie lampy 2025.jpeg"),
            ),
            (PT_STRING8, PR_ATTACH_FILENAME, b"ZDJCIE~1.JPG\0".to_vec()),
            (PT_STRING8, PR_ATTACH_MIME_TAG, b"image/jpeg\0".to_vec()),
            (
                PT_STRING8,
                PR_ATTACH_CONTENT_ID,
                b"image001.jpg@01D\0".to_vec(),
            ),
            (PT_BINARY, PR_ATTACH_DATA, vec![0xff, 0xd8, 0xff]),
        ]);
        let tnef = stream(&[
            (REND, vec![0; 14]),
            (TITLE, b"ZDJCIE~1.JPG\0".to_vec()),
            (ATTACHMENT, props),
        ]);
        let got = files(&tnef).unwrap_or_default();
        assert_eq!(
            got,
            [TnefFile {
                name: Some("Zdjęcie lampy 2025.jpeg".into()),
                content_type: Some("image/jpeg".into()),
                content_id: Some("image001.jpg@01D".into()),
                content: Cow::Borrowed(&[0xff, 0xd8, 0xff][..]),
            }]
        );
        // An embedded object's bytes follow its interface GUID.
        let mut object = vec![7; 16];
        object.extend_from_slice(b"msg");
        let props = properties(&[(PT_OBJECT, PR_ATTACH_DATA, object)]);
        let tnef = stream(&[(REND, vec![0; 14]), (ATTACHMENT, props)]);
        let got = files(&tnef).unwrap_or_default();
        assert_eq!(got.first().map(|f| &f.content[..]), Some(&b"msg"[..]));
        assert_eq!(got.first().and_then(|f| f.name.clone()), None);
    }

    #[test]
    fn fixed_and_named_properties_are_stepped_over() {
        let mut props = 3u32.to_le_bytes().to_vec();
        // PT_LONG 0x0E20 (attach size).
        props.extend_from_slice(&[0x03, 0x00, 0x20, 0x0e, 5, 0, 0, 0]);
        // A named PT_STRING8 property with a UTF-16 name.
        props.extend_from_slice(&[0x1e, 0x00, 0x01, 0x80]);
        props.extend_from_slice(&[9; 16]);
        props.extend_from_slice(&1u32.to_le_bytes());
        let name = unicode("x");
        props.extend_from_slice(&(name.len() as u32).to_le_bytes());
        props.extend_from_slice(&name);
        props.extend_from_slice(&1u32.to_le_bytes());
        props.extend_from_slice(&3u32.to_le_bytes());
        props.extend_from_slice(b"ab\0\0");
        // Then the long file name.
        let long = b"report.xlsx\0";
        props.extend_from_slice(&[0x1e, 0x00, 0x07, 0x37]);
        props.extend_from_slice(&1u32.to_le_bytes());
        props.extend_from_slice(&(long.len() as u32).to_le_bytes());
        props.extend_from_slice(long);
        let tnef = stream(&[
            (REND, vec![0; 14]),
            (DATA, b"xl".to_vec()),
            (ATTACHMENT, props),
        ]);
        let got = files(&tnef).unwrap_or_default();
        assert_eq!(
            got.first().and_then(|f| f.name.clone()).as_deref(),
            Some("report.xlsx")
        );
    }

    #[test]
    fn not_tnef_or_no_file_is_none_and_damage_keeps_what_came_before() {
        assert!(files(b"").is_none());
        assert!(files(b"%PDF-1.4").is_none());
        // An RTF-only stream (no attachment).
        assert!(files(&stream(&[(0x0006_9003, vec![0; 8])])).is_none());
        let tnef = stream(&[
            (REND, vec![0; 14]),
            (TITLE, b"a.txt\0".to_vec()),
            (DATA, b"a".to_vec()),
            (REND, vec![0; 14]),
            (TITLE, b"b.txt\0".to_vec()),
            (DATA, b"bbbb".to_vec()),
        ]);
        // Cut inside the second file's data: the first file stays.
        let cut = tnef.get(..tnef.len() - 5).unwrap_or_default();
        let names: Vec<_> = files(cut)
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(names, [Some("a.txt".to_string())]);
        // A property count far beyond the list.
        let mut props = u32::MAX.to_le_bytes().to_vec();
        props.extend_from_slice(&[0x03, 0x00, 0x20, 0x0e, 5, 0, 0, 0]);
        let tnef = stream(&[
            (REND, vec![0; 14]),
            (DATA, b"x".to_vec()),
            (ATTACHMENT, props),
        ]);
        assert_eq!(files(&tnef).map(|f| f.len()), Some(1));
    }

    #[test]
    fn a_stream_of_too_many_files_is_kept_whole() {
        let file = [(REND, vec![0; 14]), (DATA, b"x".to_vec())];
        let many: Vec<_> = file.iter().cloned().cycle().take(2 * MAX_FILES).collect();
        assert_eq!(files(&stream(&many)).map(|f| f.len()), Some(MAX_FILES));
        let more: Vec<_> = file
            .iter()
            .cloned()
            .cycle()
            .take(2 * MAX_FILES + 2)
            .collect();
        assert!(files(&stream(&more)).is_none());
    }

    #[test]
    fn labels() {
        assert!(is_tnef("application/ms-tnef", "x"));
        assert!(is_tnef("Application/VND.MS-TNEF", ""));
        assert!(is_tnef("application/octet-stream", "WINMAIL.DAT"));
        assert!(!is_tnef("application/octet-stream", "data.dat"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// Any bytes after the signature: no panic, and every file's bytes
        /// are a stretch of the input.
        #[test]
        fn any_stream_is_read_without_panic(tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let mut data = SIGNATURE.to_vec();
            data.extend_from_slice(&tail);
            for f in files(&data).unwrap_or_default() {
                proptest::prop_assert!(f.content.len() <= data.len());
            }
        }

        /// Streams of well-formed attributes in any order and any cut.
        #[test]
        fn any_cut_of_a_stream_is_read_without_panic(
            parts in proptest::collection::vec(proptest::sample::select(vec![0usize, 1, 2, 3, 4]), 0..12),
            cut in 0usize..400,
        ) {
            let attributes: Vec<(u32, Vec<u8>)> = parts.iter().map(|p| match p {
                0 => (REND, vec![0; 14]),
                1 => (TITLE, b"a.txt\0".to_vec()),
                2 => (DATA, b"data".to_vec()),
                3 => (ATTACHMENT, properties(&[(PT_UNICODE, PR_ATTACH_LONG_FILENAME, unicode("long.txt"))])),
                _ => (ATTACHMENT, properties(&[(PT_BINARY, PR_ATTACH_DATA, b"xyz".to_vec())])),
            }).collect();
            let data = stream(&attributes);
            let data = data.get(..cut.min(data.len())).unwrap_or_default();
            let _ = files(data);
        }
    }
}
