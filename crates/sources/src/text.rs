//! Turning bytes into text the readers can rely on: no BOM, `\n` line ends, valid UTF-8.

use crate::{Document, Warning, WarningKind};

/// Decodes a document. Invalid UTF-8 is replaced (with a warning) rather than rejected, so that a
/// card with one bad byte still yields its metadata.
pub(crate) fn decode(doc: &Document, warnings: &mut Vec<Warning>) -> String {
    let bytes = doc.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&doc.bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(err) => {
            warnings.push(Warning {
                file: doc.uri.clone(),
                kind: WarningKind::InvalidUtf8,
                message: format!(
                    "invalid UTF-8 at byte {}; decoded with replacement characters",
                    err.valid_up_to()
                ),
            });
            String::from_utf8_lossy(bytes).into_owned()
        }
    };
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    }
}
