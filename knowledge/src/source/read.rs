//! A source file's bytes to text: UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's
//! "Unicode text"), and for CSV/TSV only a Windows-1252 fallback, the encoding spreadsheets on
//! Windows still save "CSV" in.

use super::{Format, SourceError, SourceFile};

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// The text of `file`, decoded.
pub(crate) fn text(file: &SourceFile, format: Format) -> Result<String, SourceError> {
    let bytes = std::fs::read(&file.path).map_err(|source| SourceError::Unreadable {
        path: file.path.clone(),
        source,
    })?;
    let text = decode(&bytes, matches!(format, Format::Csv | Format::Tsv)).ok_or_else(|| {
        SourceError::NotUtf8 {
            file: file.name.clone(),
        }
    })?;
    // One line ending everywhere: the same file saved on Windows must hash the same.
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text
    })
}

/// Decodes `bytes`, or `None` when they are not text in an encoding we accept.
pub(crate) fn decode(bytes: &[u8], allow_windows_1252: bool) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return String::from_utf8(rest.to_vec()).ok();
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, u16::from_be_bytes);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Some(text.to_string());
    }
    // A NUL byte means binary (or UTF-16 without BOM): guessing further would produce garbage.
    if allow_windows_1252 && !bytes.contains(&0) {
        return Some(bytes.iter().map(|&byte| windows_1252(byte)).collect());
    }
    None
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| unit([pair[0], pair[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// Windows-1252 is Latin-1 except for 0x80..=0x9F, where it has typographic punctuation and €.
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_is_dropped() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFsku,name", false).as_deref(),
            Some("sku,name")
        );
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("añ€".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&bytes, false).as_deref(), Some("añ€"));
    }

    #[test]
    fn windows_1252_is_accepted_only_where_allowed() {
        let bytes = b"Caf\xe9 \x80 5";
        assert_eq!(decode(bytes, true).as_deref(), Some("Café € 5"));
        assert_eq!(decode(bytes, false), None);
        assert_eq!(decode(b"\x00\x01\xff", true), None);
    }
}
