//! The search language's syntax: tokens → a typed query (see docs/QUERY.md for the grammar).

use macaroni_format::RelationKind;

use crate::lex::{lex, Spanned, Token};
use crate::ParseError;

/// Longest query text and deepest nesting accepted: far beyond any real query, small enough that
/// a hostile one costs nothing.
pub const MAX_QUERY_CHARS: usize = 64 * 1024;
pub const MAX_DEPTH: usize = 64;
pub const MAX_TERMS: usize = 256;
/// Steps of one lineage chain (`fine_tuned_from>quantized_from` is two).
pub const MAX_LINEAGE_STEPS: usize = 16;
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Term(Term),
}

/// Fields compared by name (`task:image-classification`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Task,
    Dataset,
    Eval,
    License,
    Library,
    Arch,
    Publisher,
    Zoo,
    Language,
    Tag,
    Label,
    Id,
}

impl Field {
    const NAMES: [(&'static str, Field); 12] = [
        ("task", Field::Task),
        ("dataset", Field::Dataset),
        ("eval", Field::Eval),
        ("license", Field::License),
        ("library", Field::Library),
        ("arch", Field::Arch),
        ("publisher", Field::Publisher),
        ("zoo", Field::Zoo),
        ("language", Field::Language),
        ("tag", Field::Tag),
        ("label", Field::Label),
        ("id", Field::Id),
    ];

    fn parse(name: &str) -> Option<Field> {
        Field::NAMES.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }
}

/// Fields compared as numbers or dates (`params<30M`, `created>2023-01-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberField {
    Params,
    Size,
    Downloads,
    Likes,
    Created,
    Modified,
}

impl NumberField {
    fn parse(name: &str) -> Option<NumberField> {
        Some(match name {
            "params" | "parameters" => NumberField::Params,
            "size" => NumberField::Size,
            "downloads" => NumberField::Downloads,
            "likes" => NumberField::Likes,
            "created" => NumberField::Created,
            "modified" => NumberField::Modified,
            _ => return None,
        })
    }

    pub fn column(self) -> &'static str {
        match self {
            NumberField::Params => "m.parameters",
            NumberField::Size => "m.size_bytes",
            NumberField::Downloads => "m.downloads",
            NumberField::Likes => "m.likes",
            NumberField::Created => "m.created_at",
            NumberField::Modified => "m.last_modified",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    pub fn sql(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "=",
            Op::Ne => "!=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    Number(f64),
    /// An ISO date or time, compared as text.
    Date(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Descendants,
    Ancestors,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Field {
        field: Field,
        value: String,
    },
    Compare {
        field: NumberField,
        op: Op,
        bound: Bound,
    },
    /// `metric@dataset op value`.
    Eval {
        metric: String,
        dataset: String,
        op: Op,
        value: f64,
        percent: bool,
    },
    /// Models reached from `root` through `steps` (each step: one or more hops of its relations).
    Lineage {
        direction: Direction,
        root: String,
        steps: Vec<Vec<RelationKind>>,
        depth: u32,
    },
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Number(NumberField),
    Name,
    Relevance,
    Eval { metric: String, dataset: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    pub key: SortKey,
    /// `None`: the key's natural order (largest numbers first, names A–Z, best metric first).
    pub descending: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub expr: Option<Expr>,
    pub sort: Option<Sort>,
    pub limit: usize,
}

impl Query {
    /// Text every result must contain: the words and phrases ANDed at the top of the query. When
    /// there are some, the ranked full-text match can drive the whole query.
    pub fn required_text(&self) -> Vec<String> {
        match &self.expr {
            Some(Expr::Term(Term::Text(text))) => vec![text.clone()],
            Some(Expr::And(items)) => items
                .iter()
                .filter_map(|e| match e {
                    Expr::Term(Term::Text(text)) => Some(text.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The expression without the top-level text that [`Query::required_text`] took out.
    pub fn without_required_text(&self) -> Option<Expr> {
        match &self.expr {
            Some(Expr::Term(Term::Text(_))) => None,
            Some(Expr::And(items)) => {
                let mut rest: Vec<Expr> = items
                    .iter()
                    .filter(|e| !matches!(e, Expr::Term(Term::Text(_))))
                    .cloned()
                    .collect();
                match rest.len() {
                    0 => None,
                    1 => rest.pop(),
                    _ => Some(Expr::And(rest)),
                }
            }
            other => other.clone(),
        }
    }

    /// The full-text words and phrases outside any NOT, for ranking.
    pub fn ranking_text(&self) -> Vec<String> {
        fn collect(expr: &Expr, out: &mut Vec<String>) {
            match expr {
                Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| collect(e, out)),
                Expr::Not(_) => {}
                Expr::Term(Term::Text(text)) => out.push(text.clone()),
                Expr::Term(_) => {}
            }
        }
        let mut out = Vec::new();
        if let Some(expr) = &self.expr {
            collect(expr, &mut out);
        }
        out
    }
}

pub fn parse(text: &str) -> Result<Query, ParseError> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ParseError {
            at: MAX_QUERY_CHARS,
            message: format!("query longer than {MAX_QUERY_CHARS} characters"),
        });
    }
    let tokens = lex(text)?;
    let mut parser = Parser {
        tokens,
        next: 0,
        depth: 0,
        terms: 0,
        sort: None,
        sort_at: None,
        limit: None,
        end: text.chars().count(),
    };
    let expr = parser.or_expr()?;
    if let Some(extra) = parser.tokens.get(parser.next) {
        return Err(ParseError {
            at: extra.at,
            message: "expected an operator or the end of the query, found `)`".into(),
        });
    }
    let query = Query {
        expr,
        sort: parser.sort,
        limit: parser.limit.unwrap_or(DEFAULT_LIMIT),
    };
    if let (Some(at), true) = (
        parser.sort_at,
        query.sort.as_ref().is_some_and(|s| s.key == SortKey::Relevance),
    ) {
        if query.ranking_text().is_empty() {
            return Err(ParseError {
                at,
                message: "sort:relevance ranks words of the query, and this query has none".into(),
            });
        }
    }
    Ok(query)
}

struct Parser {
    tokens: Vec<Spanned>,
    next: usize,
    depth: usize,
    terms: usize,
    sort: Option<Sort>,
    /// Where the `sort:` term was written.
    sort_at: Option<usize>,
    limit: Option<usize>,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|t| &t.token)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.next).map_or(self.end, |t| t.at)
    }

    fn or_expr(&mut self) -> Result<Option<Expr>, ParseError> {
        let mut items = Vec::new();
        loop {
            if let Some(e) = self.and_expr()? {
                items.push(e);
            } else if !items.is_empty() || self.peek() == Some(&Token::Or) {
                return Err(ParseError {
                    at: self.at(),
                    message: "expected a term after `OR`".into(),
                });
            }
            if self.peek() == Some(&Token::Or) {
                self.next += 1;
                continue;
            }
            break;
        }
        Ok(match items.len() {
            0 => None,
            1 => items.pop(),
            _ => Some(Expr::Or(items)),
        })
    }

    fn and_expr(&mut self) -> Result<Option<Expr>, ParseError> {
        let mut items = Vec::new();
        loop {
            match self.peek() {
                None | Some(Token::Close) | Some(Token::Or) => break,
                Some(Token::And) => {
                    let at = self.at();
                    self.next += 1;
                    if matches!(
                        self.peek(),
                        None | Some(Token::Close) | Some(Token::Or) | Some(Token::And)
                    ) {
                        return Err(ParseError {
                            at,
                            message: "expected a term after `AND`".into(),
                        });
                    }
                }
                _ => {
                    if let Some(e) = self.unary()? {
                        items.push(e);
                    }
                }
            }
        }
        Ok(match items.len() {
            0 => None,
            1 => items.pop(),
            _ => Some(Expr::And(items)),
        })
    }

    fn unary(&mut self) -> Result<Option<Expr>, ParseError> {
        let at = self.at();
        match self.peek() {
            Some(Token::Not) => {
                // A run of NOTs is read in a loop, not by recursion (10,000 of them overflowed
                // the stack), and cancels in pairs.
                let mut negations = 0usize;
                while matches!(self.peek(), Some(Token::Not)) {
                    self.next += 1;
                    negations += 1;
                }
                let inner = self.unary()?.ok_or_else(|| ParseError {
                    at,
                    message: "expected a term after `NOT`".into(),
                })?;
                Ok(Some(if negations % 2 == 1 {
                    Expr::Not(Box::new(inner))
                } else {
                    inner
                }))
            }
            Some(Token::Word(w)) if w.len() > 1 && w.starts_with('-') => {
                let word = w[1..].to_string();
                self.next += 1;
                let term = self.term(&word, at + 1)?;
                Ok(term.map(|t| Expr::Not(Box::new(Expr::Term(t)))))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Option<Expr>, ParseError> {
        let Some(spanned) = self.tokens.get(self.next).cloned() else {
            return Ok(None);
        };
        self.next += 1;
        match spanned.token {
            Token::Open => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(ParseError {
                        at: spanned.at,
                        message: format!("parentheses nested deeper than {MAX_DEPTH}"),
                    });
                }
                let inner = self.or_expr()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(ParseError {
                        at: self.at(),
                        message: "expected `)`".into(),
                    });
                }
                self.next += 1;
                self.depth -= 1;
                inner.map(Some).ok_or_else(|| ParseError {
                    at: spanned.at,
                    message: "empty parentheses".into(),
                })
            }
            Token::Close => Err(ParseError {
                at: spanned.at,
                message: "unexpected `)`".into(),
            }),
            Token::Phrase(text) => self.count(Term::Text(text), spanned.at).map(|t| Some(Expr::Term(t))),
            Token::Word(word) => Ok(self.term(&word, spanned.at)?.map(Expr::Term)),
            Token::Call(name, args) => {
                let term = lineage(&name, &args, spanned.at)?;
                self.count(term, spanned.at).map(|t| Some(Expr::Term(t)))
            }
            Token::And | Token::Or | Token::Not => Err(ParseError {
                at: spanned.at,
                message: "expected a term, found an operator".into(),
            }),
        }
    }

    fn count(&mut self, term: Term, at: usize) -> Result<Term, ParseError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(ParseError {
                at,
                message: format!("more than {MAX_TERMS} terms"),
            });
        }
        Ok(term)
    }

    /// A word: a modifier (returns `None`), a comparison, a field filter or full text.
    fn term(&mut self, word: &str, at: usize) -> Result<Option<Term>, ParseError> {
        if let Some(value) = word.strip_prefix("sort:") {
            self.sort = Some(sort(value, at + 5)?);
            self.sort_at = Some(at);
            return Ok(None);
        }
        if let Some(value) = word.strip_prefix("limit:") {
            let limit: usize = value.parse().map_err(|_| ParseError {
                at: at + 6,
                message: "expected a number after `limit:`".into(),
            })?;
            if limit == 0 || limit > MAX_LIMIT {
                return Err(ParseError {
                    at: at + 6,
                    message: format!("limit must be between 1 and {MAX_LIMIT}"),
                });
            }
            self.limit = Some(limit);
            return Ok(None);
        }
        let term = comparison(word, at)?.map_or_else(|| field_or_text(word, at), Ok)?;
        self.count(term, at).map(Some)
    }
}

/// Splits `name<op>value` at the first comparison operator.
fn split_op(word: &str) -> Option<(&str, Op, &str)> {
    let at = word.find(['<', '>', '=', '!'])?;
    let (name, rest) = word.split_at(at);
    let (op, len) = match rest.get(..2) {
        Some("<=") => (Op::Le, 2),
        Some(">=") => (Op::Ge, 2),
        Some("!=") => (Op::Ne, 2),
        _ => match rest.get(..1)? {
            "<" => (Op::Lt, 1),
            ">" => (Op::Gt, 1),
            "=" => (Op::Eq, 1),
            _ => return None,
        },
    };
    Some((name, op, &rest[len..]))
}

fn comparison(word: &str, at: usize) -> Result<Option<Term>, ParseError> {
    let Some((name, op, value)) = split_op(word) else {
        return Ok(None);
    };
    // Positions count characters, as the lexer does: a word may hold multi-byte text.
    let value_at = at + word.chars().count() - value.chars().count();
    if value.is_empty() {
        return Err(ParseError {
            at: value_at,
            message: format!("expected a value after `{}`", op.sql()),
        });
    }
    if let Some((metric, dataset)) = name.split_once('@') {
        if metric.is_empty() || dataset.is_empty() {
            return Err(ParseError {
                at,
                message: "expected `metric@dataset`, e.g. `top1@imagenet-1k>=80`".into(),
            });
        }
        let percent = value.ends_with('%');
        let number = value
            .trim_end_matches('%')
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite());
        let value = number.ok_or_else(|| ParseError {
            at: value_at,
            message: format!("expected a number, found `{value}`"),
        })?;
        return Ok(Some(Term::Eval {
            metric: metric.to_string(),
            dataset: dataset.to_string(),
            op,
            value,
            percent,
        }));
    }
    let Some(field) = NumberField::parse(name) else {
        return Err(ParseError {
            at,
            message: format!("`{name}` cannot be compared; expected params, size, downloads, likes, created, modified or metric@dataset"),
        });
    };
    let bound = match field {
        NumberField::Created | NumberField::Modified => Bound::Date(date(value, value_at)?),
        NumberField::Size => Bound::Number(with_unit(
            value,
            value_at,
            &[("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12), ("b", 1.0)],
        )?),
        _ => Bound::Number(with_unit(
            value,
            value_at,
            &[("k", 1e3), ("m", 1e6), ("b", 1e9), ("t", 1e12)],
        )?),
    };
    Ok(Some(Term::Compare { field, op, bound }))
}

/// `30M`, `2GB`, `1000`: a number with an optional unit from `units` (longest suffix first).
fn with_unit(value: &str, at: usize, units: &[(&str, f64)]) -> Result<f64, ParseError> {
    let lower = value.to_lowercase();
    let (digits, scale) = units
        .iter()
        .find_map(|(unit, scale)| lower.strip_suffix(unit).map(|d| (d.to_string(), *scale)))
        .unwrap_or((lower.clone(), 1.0));
    digits
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v * scale)
        .ok_or_else(|| ParseError {
            at,
            message: format!("expected a number such as 30M or 2GB, found `{value}`"),
        })
}

/// `2023`, `2023-01`, `2023-01-31`, or a full RFC 3339 time.
fn date(value: &str, at: usize) -> Result<String, ParseError> {
    // Characters, not bytes: the value is user text and may hold any letter.
    let ok = value.len() <= 40
        && value.chars().count() >= 4
        && value.chars().take(4).all(|c| c.is_ascii_digit())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "-:.+".contains(c));
    if ok {
        Ok(value.to_string())
    } else {
        Err(ParseError {
            at,
            message: format!("expected a date such as 2023-01-31, found `{value}`"),
        })
    }
}

fn field_or_text(word: &str, at: usize) -> Result<Term, ParseError> {
    let Some((name, value)) = word.split_once(':') else {
        return Ok(Term::Text(word.to_string()));
    };
    let Some(field) = Field::parse(name) else {
        let names: Vec<&str> = Field::NAMES.iter().map(|(n, _)| *n).collect();
        return Err(ParseError {
            at,
            message: format!(
                "unknown field `{name}`; expected one of {}, or quote the text",
                names.join(", ")
            ),
        });
    };
    if value.is_empty() {
        return Err(ParseError {
            at: at + name.chars().count() + 1,
            message: format!("expected a value after `{name}:`"),
        });
    }
    Ok(Term::Field {
        field,
        value: value.to_string(),
    })
}

fn sort(value: &str, at: usize) -> Result<Sort, ParseError> {
    let (key, descending) = match value.rsplit_once(':') {
        Some((key, "asc")) => (key, Some(false)),
        Some((key, "desc")) => (key, Some(true)),
        _ => (value, None),
    };
    let key = if let Some((metric, dataset)) = key.split_once('@') {
        SortKey::Eval {
            metric: metric.to_string(),
            dataset: dataset.to_string(),
        }
    } else if key == "name" {
        SortKey::Name
    } else if key == "relevance" {
        SortKey::Relevance
    } else if let Some(field) = NumberField::parse(key) {
        SortKey::Number(field)
    } else {
        return Err(ParseError {
            at,
            message: format!("cannot sort by `{key}`; expected params, size, downloads, likes, created, modified, name, relevance or metric@dataset"),
        });
    };
    Ok(Sort { key, descending })
}

/// `descendant-of(id)`, `descendant-of(id, fine_tuned_from>quantized_from, 3)`.
fn lineage(name: &str, args: &[String], at: usize) -> Result<Term, ParseError> {
    let direction = if name == "ancestor-of" {
        Direction::Ancestors
    } else {
        Direction::Descendants
    };
    let Some(root) = args.first() else {
        return Err(ParseError {
            at,
            message: format!("`{name}(` needs a model id, e.g. {name}(hf:meta-llama/Llama-2-7b-hf)"),
        });
    };
    let mut steps = Vec::new();
    let mut depth = 10;
    for arg in &args[1..] {
        if let Ok(n) = arg.parse::<u32>() {
            if !(1..=50).contains(&n) {
                return Err(ParseError {
                    at,
                    message: "lineage depth must be between 1 and 50".into(),
                });
            }
            depth = n;
            continue;
        }
        for step in arg.split('>') {
            let step = step.trim();
            let kinds = if step == "any" {
                RelationKind::ALL.into_iter().filter(|k| k.is_lineage()).collect()
            } else {
                let kinds: Option<Vec<RelationKind>> = step
                    .split('|')
                    .map(|k| RelationKind::parse(k.trim()).filter(|k| k.is_lineage()))
                    .collect();
                kinds.ok_or_else(|| ParseError {
                    at,
                    message: format!("`{step}` is not a lineage relation; expected fine_tuned_from, adapter_of, quantized_from, merged_from, distilled_from, derived_from or any"),
                })?
            };
            steps.push(kinds);
            if steps.len() > MAX_LINEAGE_STEPS {
                return Err(ParseError {
                    at,
                    message: format!("a lineage chain has at most {MAX_LINEAGE_STEPS} steps"),
                });
            }
        }
    }
    if steps.is_empty() {
        steps.push(RelationKind::ALL.into_iter().filter(|k| k.is_lineage()).collect());
    }
    Ok(Term::Lineage {
        direction,
        root: root.clone(),
        steps,
        depth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_implicit_and_and_negation() {
        let q = parse("task:image-classification (dataset:imagenet-1k OR dataset:coco) -zoo:timm limit:5").unwrap();
        assert_eq!(q.limit, 5);
        let Some(Expr::And(items)) = q.expr else {
            panic!("{:?}", q.expr)
        };
        assert_eq!(items.len(), 3);
        assert!(matches!(items[1], Expr::Or(_)));
        assert!(matches!(items[2], Expr::Not(_)));
    }

    #[test]
    fn comparisons_with_units_and_evaluations() {
        let q = parse("params<30M size<=2GB top1@imagenet-1k>=80 created>2023-01-01").unwrap();
        let Some(Expr::And(items)) = q.expr else { panic!() };
        assert_eq!(
            items[0],
            Expr::Term(Term::Compare {
                field: NumberField::Params,
                op: Op::Lt,
                bound: Bound::Number(30e6)
            })
        );
        assert_eq!(
            items[1],
            Expr::Term(Term::Compare {
                field: NumberField::Size,
                op: Op::Le,
                bound: Bound::Number(2e9)
            })
        );
        assert!(
            matches!(&items[2], Expr::Term(Term::Eval { metric, dataset, op: Op::Ge, value, .. }) if metric == "top1" && dataset == "imagenet-1k" && *value == 80.0)
        );
    }

    #[test]
    fn lineage_chains() {
        let q = parse("descendant-of(hf:meta-llama/Llama-2-7b-hf, fine_tuned_from>quantized_from, 3)").unwrap();
        let Some(Expr::Term(Term::Lineage { steps, depth, .. })) = q.expr else {
            panic!()
        };
        assert_eq!(
            steps,
            vec![vec![RelationKind::FineTunedFrom], vec![RelationKind::QuantizedFrom]]
        );
        assert_eq!(depth, 3);
    }

    #[test]
    fn errors_point_at_the_problem() {
        let err = parse("task:x AND (zoo:timm").unwrap_err();
        assert_eq!((err.at, err.message.as_str()), (20, "expected `)`"));
        let err = parse("colour:red").unwrap_err();
        assert_eq!(err.at, 0);
        assert!(err.message.contains("unknown field `colour`"));
        let err = parse("params<lots").unwrap_err();
        assert_eq!(err.at, 7);
        assert_eq!(parse("a OR").unwrap_err().message, "expected a term after `OR`");
        assert_eq!(parse("\"open").unwrap_err().at, 0);
        assert!(parse(&"(".repeat(100)).unwrap_err().message.contains("nested deeper"));
    }

    #[test]
    fn runs_of_not_are_read_without_recursion_and_cancel_in_pairs() {
        let even = parse(&format!("{}bert", "NOT ".repeat(10_000))).unwrap();
        assert_eq!(even.expr, parse("bert").unwrap().expr);
        let odd = parse(&format!("{}bert", "NOT ".repeat(10_001))).unwrap();
        assert_eq!(odd.expr, parse("NOT bert").unwrap().expr);
        assert!(parse("NOT NOT").is_err());
    }

    #[test]
    fn relevance_without_words_and_long_lineage_chains_are_positioned_errors() {
        let err = parse("zoo:timm sort:relevance").unwrap_err();
        assert_eq!(err.at, 9, "{err:?}");
        assert!(parse("bert sort:relevance").is_ok());
        let chain = vec!["fine_tuned_from"; MAX_LINEAGE_STEPS + 1].join(">");
        let err = parse(&format!("descendant-of(hf:a/b, {chain})")).unwrap_err();
        assert!(err.message.contains("at most"), "{err:?}");
        let chain = vec!["fine_tuned_from"; MAX_LINEAGE_STEPS].join(">");
        assert!(parse(&format!("descendant-of(hf:a/b, {chain})")).is_ok());
    }

    #[test]
    fn a_control_character_is_a_positioned_error() {
        // Found by the search fuzz target: a NUL inside a word ended FTS5's quoted string.
        let err = parse("bert classifier\0so2").unwrap_err();
        assert_eq!(err.at, 15);
        assert!(
            parse("bert\tclassifier\n").is_ok(),
            "whitespace controls separate words"
        );
    }

    #[test]
    fn positions_inside_a_word_count_characters_not_bytes() {
        // Found by the search fuzz target: multi-byte text before `>` put the error past the end.
        let text = "\u{202e}\u{202e}f1@squad_v2>---";
        let err = parse(text).unwrap_err();
        assert_eq!(err.at, 14, "{err:?}");
        assert!(err.at <= text.chars().count());
        let err = parse("task:").unwrap_err();
        assert_eq!(err.at, 5, "{err:?}");
    }
}
