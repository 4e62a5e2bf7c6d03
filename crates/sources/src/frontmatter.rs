//! YAML front matter: locating the `---` block the way the Hub does, and parsing YAML leniently.

use serde_json::Value;

/// A markdown file split into its YAML block (if any) and the markdown after it.
pub(crate) struct Split<'a> {
    pub yaml: Option<&'a str>,
    pub body: &'a str,
    /// The block was opened but only closed by a `---` glued to the end of a text line.
    pub glued_close: bool,
}

/// Finds a front-matter block: optional blank lines, a `---` line, YAML, and a closing `---`
/// line. Text before the opening `---` means there is no front matter (as on the Hub).
pub(crate) fn split(text: &str) -> Split<'_> {
    let no_block = Split {
        yaml: None,
        body: text,
        glued_close: false,
    };
    let trimmed = text.trim_start();
    let Some(after_open) = trimmed.strip_prefix("---") else {
        return no_block;
    };
    let Some(after_open) = after_open.trim_start_matches([' ', '\t']).strip_prefix('\n') else {
        return no_block;
    };
    let mut offset = 0;
    for line in after_open.split_inclusive('\n') {
        let content = line.trim_end();
        if content == "---" {
            let body = &after_open[offset + line.len()..];
            return Split {
                yaml: Some(&after_open[..offset]),
                body,
                glued_close: false,
            };
        }
        offset += line.len();
    }
    // No clean closing line: accept a `---` glued to the end of a line, as some templates have.
    let mut offset = 0;
    for line in after_open.split_inclusive('\n') {
        if let Some(before) = line.trim_end().strip_suffix("---") {
            let yaml_end = offset + before.len();
            return Split {
                yaml: Some(&after_open[..yaml_end]),
                body: &after_open[offset + line.len()..],
                glued_close: true,
            };
        }
        offset += line.len();
    }
    no_block
}

/// Result of parsing YAML: the value, and whether a duplicate key had to be resolved.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub value: Value,
    pub duplicate_key: Option<String>,
    /// Where a number too large for a float (`1e400`) or a NaN stood; each became null.
    pub non_finite: Vec<String>,
}

/// Parses YAML into JSON values. `no`, `yes`, `on`, `off` stay strings (YAML 1.2 booleans only),
/// so `language: no` remains Norwegian. Duplicate keys keep the last value, as PyYAML and the
/// Hub do, and are reported.
pub(crate) fn parse_yaml(yaml: &str) -> Result<Parsed, String> {
    // A bare token such as `hash: 1432e562` is an out-of-range float to YAML 1.2; it becomes
    // null instead of failing the whole file.
    let strict = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        strict_booleans: true,
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::AsString,
    };
    match serde_saphyr::from_str_with_options::<Value>(yaml, strict) {
        Ok(value) => Ok(Parsed::of(value, None)),
        Err(err) if err.to_string().to_lowercase().contains("duplicate") => {
            let lenient = serde_saphyr::options! {
                duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
                strict_booleans: true,
                non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::AsString,
            };
            serde_saphyr::from_str_with_options::<Value>(yaml, lenient)
                .map(|value| Parsed::of(value, Some(first_line(&err.to_string()))))
                .map_err(|e| first_line(&e.to_string()))
        }
        Err(err) => Err(first_line(&err.to_string())),
    }
}

impl Parsed {
    /// A parsed value whose non-finite numbers (written by the parser as `.inf`, `-.inf`,
    /// `.nan`) become null, each place noted so that the reader can say so.
    fn of(mut value: Value, duplicate_key: Option<String>) -> Parsed {
        let mut non_finite = Vec::new();
        null_non_finite(&mut value, String::new(), &mut non_finite);
        Parsed {
            value,
            duplicate_key,
            non_finite,
        }
    }
}

fn null_non_finite(value: &mut Value, path: String, found: &mut Vec<String>) {
    match value {
        Value::String(s) if matches!(s.as_str(), ".inf" | "-.inf" | ".nan") => {
            *value = Value::Null;
            found.push(if path.is_empty() { "the document".into() } else { path });
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                null_non_finite(item, format!("{path}[{i}]"), found);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                null_non_finite(item, at, found);
            }
        }
        _ => {}
    }
}

/// Errors from the YAML crate span several lines with a source excerpt; a warning needs one.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

/// True when a YAML block is a template placeholder rather than metadata.
pub(crate) fn looks_like_template(yaml: &str) -> bool {
    yaml.contains("{{") || yaml.contains("{%") || yaml.trim() == "{card_data}"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_block_after_blank_lines() {
        let s = split("\n\n---\nlicense: mit\n---\n# Title\n");
        assert_eq!(s.yaml, Some("license: mit\n"));
        assert_eq!(s.body, "# Title\n");
    }

    #[test]
    fn text_before_the_block_means_no_front_matter() {
        let s = split("Intro\n---\nlicense: mit\n---\n");
        assert!(s.yaml.is_none());
    }

    #[test]
    fn glued_closing_marker_is_accepted_and_flagged() {
        let s = split("---\nlicense: mit\n{% endif %}---\n\n# T\n");
        assert!(s.glued_close);
        assert_eq!(s.yaml, Some("license: mit\n{% endif %}"));
    }

    #[test]
    fn norwegian_stays_a_language_and_duplicates_keep_last() {
        let parsed = parse_yaml("language: no\nlicense: a\nlicense: b\n").unwrap();
        assert_eq!(parsed.value["language"], "no");
        assert_eq!(parsed.value["license"], "b");
        assert!(parsed.duplicate_key.is_some());
    }

    #[test]
    fn overflowing_number_becomes_null_not_an_error() {
        let parsed = parse_yaml("hash: 1432e562\nname: x\nresults:\n- {value: 1e400}\n").unwrap();
        assert_eq!(parsed.value["hash"], serde_json::Value::Null);
        assert_eq!(parsed.value["name"], "x");
        assert_eq!(parsed.value["results"][0]["value"], serde_json::Value::Null);
        assert_eq!(
            parsed.non_finite,
            vec!["hash".to_string(), "results[0].value".to_string()]
        );
    }

    #[test]
    fn syntax_error_is_one_line() {
        let err = parse_yaml("a: %x\n").unwrap_err();
        assert!(!err.contains('\n'));
    }
}
