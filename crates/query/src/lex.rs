//! Tokens of the search language, each with its character position for error messages.

use crate::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    /// A bare word: a field filter, a comparison, a modifier or a full-text word.
    Word(String),
    /// A "quoted phrase" for full text.
    Phrase(String),
    /// `name(arg, arg, ...)`: a lineage function.
    Call(String, Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spanned {
    pub token: Token,
    /// Character offset of the token's first character.
    pub at: usize,
}

/// Functions whose arguments are read raw (ids contain `:` and `/`).
pub(crate) const FUNCTIONS: [&str; 2] = ["descendant-of", "ancestor-of"];

pub(crate) fn lex(text: &str) -> Result<Vec<Spanned>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    // A control character is in no field, word or phrase (a NUL ended an FTS5 string early).
    if let Some(at) = chars.iter().position(|c| c.is_control() && !c.is_whitespace()) {
        return Err(ParseError {
            at,
            message: format!(
                "a control character ({}) cannot be part of a query",
                chars[at].escape_unicode()
            ),
        });
    }
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let at = i;
        match c {
            '(' => {
                tokens.push(Spanned { token: Token::Open, at });
                i += 1;
            }
            ')' => {
                tokens.push(Spanned {
                    token: Token::Close,
                    at,
                });
                i += 1;
            }
            '"' => {
                let end = (i + 1..chars.len())
                    .find(|&j| chars[j] == '"')
                    .ok_or_else(|| ParseError {
                        at,
                        message: "unclosed quote: expected a closing `\"`".into(),
                    })?;
                let phrase: String = chars[i + 1..end].iter().collect();
                tokens.push(Spanned {
                    token: Token::Phrase(phrase),
                    at,
                });
                i = end + 1;
            }
            _ => {
                let end = (i..chars.len())
                    .find(|&j| chars[j].is_whitespace() || chars[j] == '(' || chars[j] == ')')
                    .unwrap_or(chars.len());
                let word: String = chars[i..end].iter().collect();
                i = end;
                if i < chars.len() && chars[i] == '(' && FUNCTIONS.contains(&word.as_str()) {
                    let close = (i + 1..chars.len())
                        .find(|&j| chars[j] == ')')
                        .ok_or_else(|| ParseError {
                            at: i,
                            message: format!("`{word}(` is not closed: expected `)`"),
                        })?;
                    let inside: String = chars[i + 1..close].iter().collect();
                    let args = inside
                        .split(',')
                        .map(|a| a.trim().to_string())
                        .filter(|a| !a.is_empty())
                        .collect();
                    tokens.push(Spanned {
                        token: Token::Call(word, args),
                        at,
                    });
                    i = close + 1;
                    continue;
                }
                let token = match word.as_str() {
                    "AND" | "&&" => Token::And,
                    "OR" | "||" => Token::Or,
                    "NOT" => Token::Not,
                    _ => Token::Word(word),
                };
                tokens.push(Spanned { token, at });
            }
        }
    }
    Ok(tokens)
}
