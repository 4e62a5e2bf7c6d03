//! Resolvers: a raw name as some zoo wrote it → a canonical vocabulary id, with the rule used and a
//! confidence. A name no rule matches stays unresolved; nothing is guessed.

use std::collections::{BTreeMap, HashMap, HashSet};

use macaroni_format::id::slug;

/// What a resolver says about a raw name.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// One or more canonical ids (several for combined names such as "wikipedia-and-bookscorpus").
    Canonical {
        ids: Vec<String>,
        rule: &'static str,
        confidence: f64,
    },
    /// A name that denotes no particular thing ("multiple", "imagefolder").
    Placeholder,
    Unresolved,
}

impl Resolution {
    pub fn ids(&self) -> &[String] {
        match self {
            Resolution::Canonical { ids, .. } => ids,
            _ => &[],
        }
    }
}

/// Matching keys: the slug, and the slug without separators ("ImageNet 1k" = "imagenet1k").
fn compact(key: &str) -> String {
    key.chars().filter(char::is_ascii_alphanumeric).collect()
}

#[derive(Debug, Default, Clone)]
pub struct Resolver {
    exact: HashMap<String, (String, &'static str, f64)>,
    compact: HashMap<String, (String, f64)>,
    combinations: HashMap<String, Vec<String>>,
    placeholders: HashSet<String>,
    /// Prefixes stripped before a second attempt (`eval_`).
    prefixes: Vec<String>,
    /// Keys claimed by two different ids: a vocabulary error, reported by [`Resolver::conflicts`].
    conflicts: Vec<(String, String, String)>,
}

impl Resolver {
    /// Adds a canonical entry with its exact aliases and its ambiguous ("loose") aliases.
    pub fn add(&mut self, id: &str, aliases: &[String], loose_aliases: &[String]) {
        self.insert(id, id, "id", 1.0);
        for alias in aliases {
            self.insert(alias, id, "alias", 0.98);
        }
        for alias in loose_aliases {
            self.insert(alias, id, "loose-alias", 0.8);
        }
    }

    fn insert(&mut self, raw: &str, id: &str, rule: &'static str, confidence: f64) {
        let key = slug(raw);
        if key.is_empty() {
            return;
        }
        match self.exact.get(&key) {
            Some((existing, _, _)) if existing != id => {
                self.conflicts.push((key.clone(), existing.clone(), id.to_string()));
            }
            Some(_) => {}
            None => {
                self.exact.insert(key.clone(), (id.to_string(), rule, confidence));
                self.compact
                    .entry(compact(&key))
                    .or_insert((id.to_string(), confidence));
            }
        }
    }

    pub fn add_combinations(&mut self, combinations: &BTreeMap<String, Vec<String>>) {
        for (raw, ids) in combinations {
            self.combinations.insert(slug(raw), ids.clone());
        }
    }

    pub fn add_placeholders(&mut self, placeholders: &[String]) {
        self.placeholders.extend(placeholders.iter().map(|p| slug(p)));
    }

    pub fn add_prefixes(&mut self, prefixes: &[String]) {
        self.prefixes.extend(prefixes.iter().map(|p| p.to_lowercase()));
    }

    pub fn conflicts(&self) -> &[(String, String, String)] {
        &self.conflicts
    }

    pub fn resolve(&self, raw: &str) -> Resolution {
        self.resolve_at_depth(raw, 0)
    }

    fn resolve_at_depth(&self, raw: &str, depth: u8) -> Resolution {
        let key = slug(raw);
        if key.is_empty() || self.placeholders.contains(&key) {
            return Resolution::Placeholder;
        }
        if let Some(ids) = self.combinations.get(&key) {
            return canonical(ids.clone(), "combination", 0.95);
        }
        if let Some((id, rule, confidence)) = self.exact.get(&key) {
            return canonical(vec![id.clone()], rule, *confidence);
        }
        if let Some((id, confidence)) = self.compact.get(&compact(&key)) {
            return canonical(vec![id.clone()], "compact", confidence * 0.95);
        }
        if depth > 1 {
            return Resolution::Unresolved;
        }
        let lower = raw.trim().to_lowercase();
        if let Some(rest) = self.prefixes.iter().find_map(|p| lower.strip_prefix(p.as_str())) {
            return match self.resolve_at_depth(rest, depth + 1) {
                found @ Resolution::Canonical { .. } => relabel(found, "prefix", 0.95),
                other => other,
            };
        }
        // `org/name` on the Hub: the name alone.
        if let Some((_, name)) = raw.trim().rsplit_once('/') {
            if let found @ Resolution::Canonical { .. } = self.resolve_at_depth(name, depth + 1) {
                return relabel(found, "hub-namespace", 0.95);
            }
        }
        // A release suffix: `common_voice_11_0`, `squad-v2` is an alias, `coco-2017` too.
        if let Some(stem) = strip_version(&key) {
            if let found @ Resolution::Canonical { .. } = self.resolve_at_depth(stem, depth + 1) {
                return relabel(found, "version-suffix", 0.9);
            }
        }
        Resolution::Unresolved
    }
}

fn canonical(ids: Vec<String>, rule: &'static str, confidence: f64) -> Resolution {
    Resolution::Canonical { ids, rule, confidence }
}

fn relabel(found: Resolution, rule: &'static str, factor: f64) -> Resolution {
    match found {
        Resolution::Canonical { ids, confidence, .. } => canonical(ids, rule, confidence * factor),
        other => other,
    }
}

/// `common_voice_11_0` → `common_voice`, `fleurs-v2` → `fleurs`; needs a separator before the version.
fn strip_version(key: &str) -> Option<&str> {
    let trimmed = key.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '_' || c == '-');
    let trimmed = trimmed
        .strip_suffix("-v")
        .or_else(|| trimmed.strip_suffix("_v"))
        .unwrap_or(trimmed);
    let rest = &key[trimmed.len()..];
    let has_separator = rest.starts_with(['-', '_', '.']) || key[..trimmed.len()].ends_with(['-', '_']);
    (trimmed.len() >= 3 && trimmed.len() < key.len() && has_separator && rest.chars().any(|c| c.is_ascii_digit()))
        .then_some(trimmed.trim_end_matches(['-', '_']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver() -> Resolver {
        let mut r = Resolver::default();
        r.add(
            "imagenet-1k",
            &["ILSVRC/imagenet-1k".into(), "imagenet-ilsvrc-2012-cls".into()],
            &["imagenet".into()],
        );
        r.add("common_voice", &["common-voice".into()], &[]);
        r.add("wikipedia", &[], &[]);
        r.add("bookcorpus", &["bookscorpus".into()], &[]);
        r.add_combinations(
            &[(
                "wikipedia-and-bookscorpus".to_string(),
                vec!["wikipedia".into(), "bookcorpus".into()],
            )]
            .into(),
        );
        r.add_placeholders(&["multiple".into()]);
        r
    }

    #[test]
    fn rules_in_order() {
        let r = resolver();
        let rule = |raw: &str| match r.resolve(raw) {
            Resolution::Canonical { ids, rule, .. } => format!("{} {rule}", ids.join("+")),
            other => format!("{other:?}"),
        };
        assert_eq!(rule("imagenet-1k"), "imagenet-1k id");
        assert_eq!(rule("ImageNet"), "imagenet-1k loose-alias");
        assert_eq!(rule("Imagenet 1K"), "imagenet-1k id");
        assert_eq!(rule("ImageNet1K"), "imagenet-1k compact");
        assert_eq!(
            rule("mozilla-foundation/common_voice_11_0"),
            "common_voice hub-namespace"
        );
        assert_eq!(rule("common_voice_13_0"), "common_voice version-suffix");
        assert_eq!(rule("wikipedia-and-bookscorpus"), "wikipedia+bookcorpus combination");
        assert_eq!(rule("multiple"), "Placeholder");
        assert_eq!(rule("my-private-corpus"), "Unresolved");
    }

    #[test]
    fn version_suffix_needs_a_separator() {
        assert_eq!(strip_version("common_voice_11_0"), Some("common_voice"));
        assert_eq!(strip_version("fleurs-v2"), Some("fleurs"));
        assert_eq!(strip_version("wmt14"), None);
        assert_eq!(strip_version("cifar-10"), Some("cifar"));
    }
}
