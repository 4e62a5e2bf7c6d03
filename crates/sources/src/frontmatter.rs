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
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
    };
    match serde_saphyr::from_str_with_options::<Value>(yaml, strict) {
        Ok(value) => Ok(Parsed {
            value,
            duplicate_key: None,
        }),
        Err(err) if err.to_string().to_lowercase().contains("duplicate") => {
            let lenient = serde_saphyr::options! {
                duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
                strict_booleans: true,
                non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
            };
            serde_saphyr::from_str_with_options::<Value>(yaml, lenient)
                .map(|value| Parsed {
                    value,
                    duplicate_key: Some(first_line(&err.to_string())),
                })
                .map_err(|e| first_line(&e.to_string()))
        }
        Err(err) => Err(first_line(&err.to_string())),
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
        let parsed = parse_yaml("hash: 1432e562\nname: x\n").unwrap();
        assert_eq!(parsed.value["hash"], serde_json::Value::Null);
        assert_eq!(parsed.value["name"], "x");
    }

    #[test]
    fn syntax_error_is_one_line() {
        let err = parse_yaml("a: %x\n").unwrap_err();
        assert!(!err.contains('\n'));
    }
}
