//! The inference-query language: labels joined by `&` (and), `|` (or), `~` (not) and
//! parentheses, in any nesting (CNF, DNF or neither).
//!
//! A query is parsed once into an [`Expr`] tree over *distinct* labels: a label written twice is
//! one predicate, answered by one model. The tree then evaluates the two quantities the optimiser
//! needs: a plan's accuracy from per-predicate accuracies, and under short-circuit evaluation the
//! probability that the query's truth value is still open once some predicates are known.

use std::fmt;

/// Longest query text accepted; a query is a formula, not a document.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;
/// Deepest nesting of parentheses and `~` accepted, so hostile input cannot exhaust the stack.
pub const MAX_DEPTH: usize = 128;
/// Most distinct labels in one query: predicate sets are 64-bit masks.
pub const MAX_LABELS: usize = 64;

/// A parsed formula. `Label(i)` is the i-th distinct label of its [`Query`].
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Label(usize),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
}

/// A parsed inference query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub text: String,
    /// Distinct labels in order of first appearance.
    pub labels: Vec<String>,
    pub root: Expr,
    /// Whether some label occurs more than once (then the short-circuit probabilities treat the
    /// occurrences as independent; see docs/OPTIMIZER.md).
    pub repeats_labels: bool,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} at position {position}")]
pub struct ParseError {
    /// Byte offset into the query text.
    pub position: usize,
    pub message: String,
}

impl ParseError {
    /// The query with a caret under the position, for terminal output.
    pub fn pointer(&self, text: &str) -> String {
        let column = text
            .get(..self.position.min(text.len()))
            .map_or(0, |prefix| prefix.chars().count());
        format!("{text}\n{}^", " ".repeat(column))
    }
}

impl Query {
    pub fn parse(text: &str) -> Result<Query, ParseError> {
        if text.len() > MAX_QUERY_BYTES {
            return Err(ParseError {
                position: MAX_QUERY_BYTES,
                message: format!("query longer than {MAX_QUERY_BYTES} bytes"),
            });
        }
        let mut parser = Parser {
            text,
            pos: 0,
            depth: 0,
            labels: Vec::new(),
            occurrences: 0,
        };
        parser.skip_space();
        if parser.pos == text.len() {
            return Err(parser.error("expected a label, `~` or `(`; the query is empty"));
        }
        let root = parser.or()?;
        parser.skip_space();
        if parser.pos < text.len() {
            return Err(parser.error("expected `&`, `|` or the end of the query"));
        }
        let repeats_labels = parser.occurrences > parser.labels.len();
        Ok(Query {
            text: text.to_string(),
            labels: parser.labels,
            root,
            repeats_labels,
        })
    }

    /// The query's accuracy given each predicate's accuracy: AND multiplies, OR is
    /// `a + b - a*b`, NOT keeps its operand's accuracy.
    pub fn accuracy(&self, predicate_accuracy: &[f64]) -> f64 {
        accuracy(&self.root, predicate_accuracy)
    }

    /// Probability that the query's value is still undetermined when the predicates in `known`
    /// (a bit mask over labels) have been evaluated, each label `i` being true with probability
    /// `selectivity[i]`, independently.
    pub fn undetermined(&self, known: u64, selectivity: &[f64]) -> f64 {
        let (is_true, is_false) = settled(&self.root, known, selectivity);
        let open = 1.0 - is_true - is_false;
        // Rounding leaves ~1e-16 when everything is known; that is zero.
        if open < 1e-12 {
            0.0
        } else {
            open
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, items: &[Expr], op: &str| -> fmt::Result {
            write!(f, "(")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, " {op} ")?;
                }
                write!(f, "{item}")?;
            }
            write!(f, ")")
        };
        match self {
            Expr::Label(i) => write!(f, "#{i}"),
            Expr::And(items) => join(f, items, "&"),
            Expr::Or(items) => join(f, items, "|"),
            Expr::Not(inner) => write!(f, "~{inner}"),
        }
    }
}

fn accuracy(expr: &Expr, acc: &[f64]) -> f64 {
    match expr {
        Expr::Label(i) => acc[*i],
        Expr::And(items) => items.iter().map(|e| accuracy(e, acc)).product(),
        Expr::Or(items) => 1.0 - items.iter().map(|e| 1.0 - accuracy(e, acc)).product::<f64>(),
        Expr::Not(inner) => accuracy(inner, acc),
    }
}

/// (P(known true), P(known false)) of a sub-formula.
fn settled(expr: &Expr, known: u64, selectivity: &[f64]) -> (f64, f64) {
    match expr {
        Expr::Label(i) if known & (1 << i) != 0 => (selectivity[*i], 1.0 - selectivity[*i]),
        Expr::Label(_) => (0.0, 0.0),
        Expr::And(items) => {
            let (mut all_true, mut none_false) = (1.0, 1.0);
            for item in items {
                let (t, f) = settled(item, known, selectivity);
                all_true *= t;
                none_false *= 1.0 - f;
            }
            (all_true, 1.0 - none_false)
        }
        Expr::Or(items) => {
            let (mut none_true, mut all_false) = (1.0, 1.0);
            for item in items {
                let (t, f) = settled(item, known, selectivity);
                none_true *= 1.0 - t;
                all_false *= f;
            }
            (1.0 - none_true, all_false)
        }
        Expr::Not(inner) => {
            let (t, f) = settled(inner, known, selectivity);
            (f, t)
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
    labels: Vec<String>,
    occurrences: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> ParseError {
        ParseError {
            position: self.pos,
            message: message.to_string(),
        }
    }

    fn skip_space(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.text[self.pos..].chars().next()
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut items = vec![self.and()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(flatten(items, false))
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut items = vec![self.not()?];
        while self.peek() == Some('&') {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(flatten(items, true))
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let expr = if self.peek() == Some('~') {
            self.pos += 1;
            match self.not()? {
                Expr::Not(inner) => *inner,
                other => Expr::Not(Box::new(other)),
            }
        } else {
            self.atom()?
        };
        self.depth -= 1;
        Ok(expr)
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(&format!("nesting deeper than {MAX_DEPTH}")));
        }
        Ok(())
    }

    fn atom(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Some('(') => {
                let open = self.pos;
                self.pos += 1;
                let inner = self.or()?;
                if self.peek() != Some(')') {
                    return Err(ParseError {
                        position: self.pos,
                        message: format!("expected `)` to close the `(` opened at position {open},"),
                    });
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(c) if is_label_char(c) => self.label(),
            Some(')') => Err(self.error("expected a label, `~` or `(` before `)`")),
            Some(c) => Err(self.error(&format!("expected a label, `~` or `(`, found `{c}`"))),
            None => Err(self.error("expected a label, `~` or `(`, found the end of the query")),
        }
    }

    fn label(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        let rest = &self.text[start..];
        let len = rest.find(|c: char| !is_label_char(c)).unwrap_or(rest.len());
        self.pos += len;
        let name = &rest[..len];
        self.occurrences += 1;
        if let Some(index) = self.labels.iter().position(|l| l == name) {
            return Ok(Expr::Label(index));
        }
        if self.labels.len() == MAX_LABELS {
            return Err(ParseError {
                position: start,
                message: format!("more than {MAX_LABELS} distinct labels"),
            });
        }
        self.labels.push(name.to_string());
        Ok(Expr::Label(self.labels.len() - 1))
    }
}

fn is_label_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/')
}

/// One operand stays itself; nested operators of the same kind merge (both are associative).
fn flatten(items: Vec<Expr>, is_and: bool) -> Expr {
    if items.len() == 1 {
        return items.into_iter().next().unwrap_or(Expr::And(Vec::new()));
    }
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Expr::And(inner) if is_and => flat.extend(inner),
            Expr::Or(inner) if !is_and => flat.extend(inner),
            other => flat.push(other),
        }
    }
    if is_and {
        Expr::And(flat)
    } else {
        Expr::Or(flat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let q = Query::parse("a | b & ~c").unwrap();
        assert_eq!(q.labels, ["a", "b", "c"]);
        assert_eq!(q.root.to_string(), "(#0 | (#1 & ~#2))");
        let q = Query::parse("(bottle | tv) & chair").unwrap();
        assert_eq!(q.root.to_string(), "((#0 | #1) & #2)");
    }

    #[test]
    fn repeated_labels_are_one_predicate() {
        let q = Query::parse("(a & b) | (a & c)").unwrap();
        assert_eq!(q.labels, ["a", "b", "c"]);
        assert!(q.repeats_labels);
        assert!(!Query::parse("a & b").unwrap().repeats_labels);
    }

    #[test]
    fn nested_operators_of_one_kind_merge_and_double_negation_cancels() {
        let q = Query::parse("a & (b & (c & d))").unwrap();
        assert_eq!(q.root.to_string(), "(#0 & #1 & #2 & #3)");
        assert_eq!(Query::parse("~~a").unwrap().root, Expr::Label(0));
    }

    #[test]
    fn accuracy_follows_the_documented_algebra() {
        let q = Query::parse("(a | b) & ~c").unwrap();
        let acc = q.accuracy(&[0.5, 0.4, 0.9]);
        assert!((acc - (0.5 + 0.4 - 0.2) * 0.9).abs() < 1e-12);
    }

    #[test]
    fn undetermined_probability_under_short_circuit() {
        let q = Query::parse("a & b").unwrap();
        let s = [0.3, 0.6];
        assert_eq!(q.undetermined(0, &s), 1.0);
        // Knowing `a` settles the query whenever `a` is false.
        assert!((q.undetermined(0b01, &s) - 0.3).abs() < 1e-12);
        assert!((q.undetermined(0b10, &s) - 0.6).abs() < 1e-12);
        assert_eq!(q.undetermined(0b11, &s), 0.0);
        let q = Query::parse("~a | b").unwrap();
        // `~a` is true (settling the OR) when `a` is false.
        assert!((q.undetermined(0b01, &s) - 0.3).abs() < 1e-12);
    }

    #[test]
    fn errors_point_at_the_problem() {
        let cases = [
            ("", 0, "empty"),
            ("a &", 3, "end of the query"),
            ("a & & b", 4, "found `&`"),
            ("(a | b", 6, "close the `(` opened at position 0"),
            ("a b", 2, "expected `&`, `|`"),
            ("a | )", 4, "before `)`"),
            ("a ; drop", 2, "expected `&`, `|`"),
        ];
        for (text, position, needle) in cases {
            let err = Query::parse(text).unwrap_err();
            assert_eq!(err.position, position, "{text}: {err}");
            assert!(err.message.contains(needle), "{text}: {err}");
        }
        let err = Query::parse("a & $").unwrap_err();
        assert_eq!(err.pointer("a & $"), "a & $\n    ^");
    }

    #[test]
    fn hostile_input_is_bounded() {
        let deep = format!("{}a{}", "(".repeat(5_000), ")".repeat(5_000));
        assert!(Query::parse(&deep).unwrap_err().message.contains("nesting"));
        let negations = format!("{}a", "~".repeat(10_000));
        assert!(Query::parse(&negations).unwrap_err().message.contains("nesting"));
        let long = "a & ".repeat(10_000) + "a";
        assert!(Query::parse(&long).unwrap_err().message.contains("longer"));
        let many: Vec<String> = (0..65).map(|i| format!("l{i}")).collect();
        assert!(Query::parse(&many.join(" | "))
            .unwrap_err()
            .message
            .contains("distinct"));
    }
}
