//! Output formats shared by the subcommands.
//!
//! Text meant for a terminal goes through [`terminal`] (the `say!` and `esay!` macros, the
//! tables): card prose, file and folder names come from strangers, and an escape sequence in
//! them must not clear the screen, retitle the window or hide a link. JSON and CSV stay exact.

use std::borrow::Cow;

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// `println!` for text a person reads: control characters shown as escapes.
macro_rules! say {
    ($($arg:tt)*) => { println!("{}", $crate::output::terminal(&format!($($arg)*))) };
}

/// `eprintln!` for warnings and hints: control characters shown as escapes.
macro_rules! esay {
    ($($arg:tt)*) => { eprintln!("{}", $crate::output::terminal(&format!($($arg)*))) };
}

/// Whether a character would steer a terminal or reorder what it shows: C0 controls but
/// newline, DEL, C1 controls, and the bidirectional overrides and isolates.
fn steers_terminal(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text with every character that could steer a terminal written as a visible escape (`\u{1b}`).
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(steers_terminal) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if steers_terminal(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A table with a header, laid out for the terminal width; cells are made safe for it.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    for row in rows {
        table.add_row(row.iter().map(|cell| terminal(cell).into_owned()).collect::<Vec<_>>());
    }
    table
}

/// Writes rows as CSV to standard output.
pub fn print_csv(header: &[&str], rows: &[Vec<String>]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row)?;
    }
    writer.flush()?;
    Ok(())
}

/// A JSON value as one line of plain text for a table cell.
pub fn cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Shortens long text for a table cell (counting characters, not bytes).
pub fn short(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > max {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_sent() {
        let hostile = "title\u{1b}]0;pwned\u{7}\u{1b}[2J \u{1b}]8;;http://x\u{1b}\\link\u{202e}cba\u{9b}K\r\nnext";
        let safe = terminal(hostile);
        assert!(!safe.chars().any(|c| c.is_control() && c != '\n'), "{safe:?}");
        assert!(
            safe.contains("\\u{1b}]0;pwned") && safe.contains("\\u{202e}cba") && safe.ends_with("\nnext"),
            "{safe}"
        );
        assert!(matches!(terminal("plain text, ünïcode ✓\nline two"), Cow::Borrowed(_)));
        assert_eq!(short("a  b\tc d", 3), "a b…");
        assert_eq!(short("日本語テキスト", 3), "日本語…");
    }
}
