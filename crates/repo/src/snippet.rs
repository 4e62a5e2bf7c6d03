//! Snippets: a few words around where a full-text hit's words occur in its description or card,
//! so that a results page shows why the model matched.
//!
//! The full-text index is contentless (the text lives in the facts, the index holds only tokens),
//! so SQLite's `snippet()` cannot be used; the words are found again here, in the stored text,
//! the way the index's `unicode61` tokenizer splits it: runs of letters and digits, compared
//! without case.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A stretch of snippet text; `hit` marks a word of the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SnippetPart {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hit: bool,
}

/// Words shown before the first hit and in all.
const BEFORE: usize = 8;
const WORDS: usize = 30;
/// Characters of a text searched at most: a hit further in is not shown.
const SCAN: usize = 100_000;

/// One word of a text, with the spacing and punctuation that follow it.
struct Word {
    word: String,
    tail: String,
}

/// Splits text into words (runs of alphanumerics) each followed by what separates it from the
/// next, whitespace collapsed; text before the first word is dropped.
fn words(text: &str) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    let mut in_word = false;
    for c in text.chars().take(SCAN) {
        if c.is_alphanumeric() {
            match out.last_mut() {
                Some(w) if in_word => w.word.push(c),
                _ => out.push(Word {
                    word: c.to_string(),
                    tail: String::new(),
                }),
            }
            in_word = true;
        } else {
            in_word = false;
            if let Some(w) = out.last_mut() {
                let c = if c.is_whitespace() { ' ' } else { c };
                if !(c == ' ' && w.tail.ends_with(' ')) {
                    w.tail.push(c);
                }
            }
        }
    }
    // Runs of markup between words (table rules `|:---:|`, rows of `#`) say nothing in a snippet.
    for w in &mut out {
        if w.tail.chars().filter(|c| !c.is_whitespace()).count() > 3 {
            w.tail = " … ".into();
        }
    }
    out
}

/// The query's words, lower case, as the tokenizer would split them.
pub(crate) fn query_words(terms: &[String]) -> Vec<String> {
    let mut out: Vec<String> = terms
        .iter()
        .flat_map(|t| words(t).into_iter().map(|w| w.word.to_lowercase()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The snippet of the first of `texts` that holds one of `wanted` (lower-case words), or `None`.
pub(crate) fn snippet<'a>(texts: impl IntoIterator<Item = &'a str>, wanted: &[String]) -> Option<Vec<SnippetPart>> {
    if wanted.is_empty() {
        return None;
    }
    texts
        .into_iter()
        .find_map(|text| around_first_hit(&words(text), wanted))
}

fn around_first_hit(words: &[Word], wanted: &[String]) -> Option<Vec<SnippetPart>> {
    let is_hit = |w: &Word| wanted.contains(&w.word.to_lowercase());
    let first = words.iter().position(is_hit)?;
    let start = first.saturating_sub(BEFORE);
    let end = (start + WORDS).min(words.len());
    let mut parts: Vec<SnippetPart> = Vec::new();
    if start > 0 {
        parts.push(SnippetPart {
            text: "… ".into(),
            hit: false,
        });
    }
    for (i, w) in words[start..end].iter().enumerate() {
        let hit = is_hit(w);
        // The last word shown keeps no trailing punctuation when more follows.
        let tail = if start + i + 1 == end && end < words.len() {
            " …"
        } else {
            w.tail.as_str()
        };
        if hit {
            parts.push(SnippetPart {
                text: w.word.clone(),
                hit: true,
            });
            parts.push(SnippetPart {
                text: tail.to_string(),
                hit: false,
            });
        } else {
            match parts.last_mut() {
                Some(p) if !p.hit => {
                    p.text.push_str(&w.word);
                    p.text.push_str(tail);
                }
                _ => parts.push(SnippetPart {
                    text: format!("{}{tail}", w.word),
                    hit: false,
                }),
            }
        }
    }
    parts.retain(|p| !p.text.is_empty());
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(parts: &[SnippetPart]) -> String {
        parts
            .iter()
            .map(|p| if p.hit { format!("[{}]", p.text) } else { p.text.clone() })
            .collect()
    }

    #[test]
    fn marks_the_words_of_the_query_without_case_and_cuts_around_the_first() {
        let wanted = query_words(&["Question answering".into()]);
        let text = "A model. It was fine-tuned for extractive question\nanswering on SQuAD; answering is fast.";
        let parts = snippet([text], &wanted).unwrap();
        assert_eq!(
            shown(&parts),
            "A model. It was fine-tuned for extractive [question] [answering] on SQuAD; [answering] is fast."
        );
        let long: String = (0..100).map(|i| format!("w{i} ")).collect::<String>() + "needle here";
        let parts = snippet([long.as_str()], &query_words(&["NEEDLE".into()])).unwrap();
        let text = shown(&parts);
        assert!(text.starts_with("… w92 ") && text.contains("[needle] here"), "{text}");
    }

    #[test]
    fn the_first_text_holding_a_word_is_used_and_none_when_none_does() {
        let wanted = query_words(&["bert".into()]);
        let parts = snippet(["no such word", "Fine-tuned BERT — base, uncased"], &wanted).unwrap();
        assert_eq!(shown(&parts), "Fine-tuned [BERT] — base, uncased");
        assert!(snippet(["nothing"], &wanted).is_none());
        assert!(snippet(["bert"], &[]).is_none());
        let table = "| Task | SST-2 |\n|:----:|:-----:|\n| 87.6 | 91.9 |";
        assert_eq!(
            shown(&snippet([table], &query_words(&["sst".into()])).unwrap()),
            "Task | [SST]-2 … 87.6 | 91.9 |"
        );
    }

    #[test]
    fn multi_byte_text_is_cut_at_words_not_bytes() {
        let wanted = query_words(&["日本語".into()]);
        let parts = snippet(["モデル: 日本語 の テキスト 分類 ✓ émoji 🙂"], &wanted).unwrap();
        assert_eq!(shown(&parts), "モデル: [日本語] の テキスト 分類 ✓ émoji 🙂");
    }
}
