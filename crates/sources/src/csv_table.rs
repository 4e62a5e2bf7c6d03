//! CSV files as a header and rows of trimmed cells, each row with its line number. A malformed
//! header ends the file with a warning; a malformed row is a warning and is skipped.

use crate::{Document, ReadOutput, WarningKind, MAX_ROWS_PER_FILE};

pub(crate) struct CsvTable {
    pub header: Vec<String>,
    /// (line number, cells): as many cells as the header has columns.
    pub rows: Vec<(usize, Vec<String>)>,
}

impl CsvTable {
    pub(crate) fn parse(doc: &Document, text: &str, out: &mut ReadOutput) -> Option<CsvTable> {
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
        let header: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
            Err(err) => {
                out.warn(doc, WarningKind::ParseError, format!("CSV header: {err}"));
                return None;
            }
        };
        let mut rows = Vec::new();
        for (index, row) in reader.records().enumerate() {
            if rows.len() == MAX_ROWS_PER_FILE {
                out.warn(
                    doc,
                    WarningKind::Truncated,
                    format!(
                        "more than {MAX_ROWS_PER_FILE} rows; the rows from line {} on were skipped",
                        index + 2
                    ),
                );
                break;
            }
            match row {
                Ok(row) => rows.push((index + 2, row.iter().map(|c| c.trim().to_string()).collect())),
                Err(err) => out.warn(doc, WarningKind::ParseError, format!("line {}: {err}", index + 2)),
            }
        }
        Some(CsvTable { header, rows })
    }
}
