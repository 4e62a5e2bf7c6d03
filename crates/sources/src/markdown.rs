//! Markdown structure the readers need: the title, sections with their list items and tables.
//! pulldown-cmark never fails on input, so broken markdown just yields less structure.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

#[derive(Debug, Default, Clone)]
pub(crate) struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Section {
    pub level: u8,
    pub title: String,
    /// Plain text of the section's paragraphs, one per line.
    pub text: String,
    pub items: Vec<String>,
    pub tables: Vec<Table>,
}

/// Splits markdown into sections at every heading. Content before the first heading goes into a
/// section with level 0 and an empty title.
pub(crate) fn sections(markdown: &str) -> Vec<Section> {
    let mut sections = vec![Section::default()];
    let mut heading: Option<(u8, String)> = None;
    let mut item: Option<String> = None;
    let mut cell: Option<String> = None;
    let mut row: Vec<String> = Vec::new();
    let mut in_head = false;
    let mut in_paragraph = false;
    let mut in_code = false;

    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        let current = sections.len() - 1;
        match event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((heading_level(level), String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, title)) = heading.take() {
                    sections.push(Section {
                        level,
                        title: title.trim().to_string(),
                        ..Section::default()
                    });
                }
            }
            Event::Start(Tag::Item) => item = Some(String::new()),
            Event::End(TagEnd::Item) => {
                if let Some(text) = item.take() {
                    sections[current].items.push(text.trim().to_string());
                }
            }
            Event::Start(Tag::Table(_)) => sections[current].tables.push(Table::default()),
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                if let Some(table) = sections[current].tables.last_mut() {
                    table.header = std::mem::take(&mut row);
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => row.push(cell.take().unwrap_or_default().trim().to_string()),
            Event::End(TagEnd::TableRow) if !in_head => {
                if let Some(table) = sections[current].tables.last_mut() {
                    table.rows.push(std::mem::take(&mut row));
                }
            }
            Event::Start(Tag::Paragraph) => in_paragraph = true,
            Event::End(TagEnd::Paragraph) => {
                in_paragraph = false;
                if item.is_none() {
                    sections[current].text.push('\n');
                }
            }
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(text) | Event::Code(text) => {
                if in_code {
                    continue;
                }
                if let Some((_, title)) = heading.as_mut() {
                    title.push_str(&text);
                } else if let Some(cell) = cell.as_mut() {
                    cell.push_str(&text);
                } else if let Some(item) = item.as_mut() {
                    item.push_str(&text);
                } else if in_paragraph {
                    sections[current].text.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(item) = item.as_mut() {
                    item.push(' ');
                } else if in_paragraph {
                    sections[current].text.push(' ');
                }
            }
            _ => {}
        }
    }
    sections
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The first level-1 heading, if any.
pub(crate) fn title(sections: &[Section]) -> Option<&str> {
    sections
        .iter()
        .find(|s| s.level == 1 && !s.title.is_empty())
        .map(|s| s.title.as_str())
}

/// The first section whose title contains `needle` (case-insensitive).
pub(crate) fn find<'a>(sections: &'a [Section], needle: &str) -> Option<&'a Section> {
    let needle = needle.to_lowercase();
    sections.iter().find(|s| s.title.to_lowercase().contains(&needle))
}

/// The first non-empty paragraph line after the title: a short description.
pub(crate) fn first_paragraph(sections: &[Section]) -> Option<String> {
    sections
        .iter()
        .flat_map(|s| s.text.lines())
        .map(str::trim)
        .find(|line| line.len() > 20)
        .map(|line| truncate(line, 500))
}

pub(crate) fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_items_and_tables_per_section() {
        let md = "# T\n\nIntro text here that is long enough.\n\n### Training hyperparameters\n\n- learning_rate: 2e-05\n- seed: 42\n\n### Training results\n\n| Epoch | Loss |\n|:-:|:-:|\n| 1.0 | 0.5 |\n";
        let s = sections(md);
        assert_eq!(title(&s), Some("T"));
        let hp = find(&s, "hyperparameters").unwrap();
        assert_eq!(hp.items, vec!["learning_rate: 2e-05", "seed: 42"]);
        let results = find(&s, "training results").unwrap();
        assert_eq!(results.tables[0].header, vec!["Epoch", "Loss"]);
        assert_eq!(results.tables[0].rows, vec![vec!["1.0", "0.5"]]);
        assert_eq!(
            first_paragraph(&s).as_deref(),
            Some("Intro text here that is long enough.")
        );
    }
}
