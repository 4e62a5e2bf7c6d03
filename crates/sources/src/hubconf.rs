//! `pytorch-hubconf`: a PyTorch Hub model repository's `hubconf.py`, the file `torch.hub.list`
//! reads. Its public callables are the repository's entrypoints: top-level `def`s and names
//! imported with `from … import …`, except those starting with `_`. A `def`'s docstring gives
//! the entrypoint's description; `dependencies = [...]` the packages it needs.
//!
//! Files are named by their raw URL (`<host>/<owner>/<repo>/<ref>/hubconf.py`) or a checkout path
//! `<owner>/<repo>/hubconf.py`. Python is scanned line by line, not executed or fully parsed:
//! conditional definitions and names built at run time are out of reach.

use std::path::Path;

use macaroni_format::{id, Model, Record, Relation, RelationKind};
use serde_json::Value;

use crate::{Document, ReadContext, ReadOutput, WarningKind};

pub(crate) fn accepts(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "hubconf.py")
}

/// (owner/repo, git ref) of a hubconf file.
fn repository(doc: &Document) -> Option<(String, Option<String>)> {
    if let Some(rest) = doc.uri.split_once("://").map(|(_, r)| r) {
        let parts: Vec<&str> = rest.split('/').collect();
        // host, owner, repo, ref..., hubconf.py
        if parts.len() >= 5 {
            let git_ref = parts[3..parts.len() - 1].join("/");
            return Some((format!("{}/{}", parts[1], parts[2]), Some(git_ref)));
        }
        return None;
    }
    let path: Vec<&str> = doc.relative_path.iter().filter_map(|c| c.to_str()).collect();
    match path.as_slice() {
        [.., owner, repo, _file] => Some((format!("{owner}/{repo}"), None)),
        _ => None,
    }
}

pub(crate) fn read(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    let Some((repo, git_ref)) = repository(doc) else {
        out.warn(
            doc,
            WarningKind::MissingField,
            "cannot tell the repository from the file's name",
        );
        return;
    };
    let entrypoints = entrypoints(text);
    if entrypoints.is_empty() {
        out.warn(doc, WarningKind::NoRecords, "no public callable in hubconf.py");
        return;
    }
    let prov = ctx.provenance("pytorch-hub", doc);
    let dependencies = dependencies(text);
    for (name, docstring) in entrypoints {
        let model_id = id::pytorch_hub_model(&repo, &name);
        let mut model = Model {
            id: model_id.clone(),
            provenance: prov.clone(),
            name: Some(name),
            zoo: Some("pytorch-hub".into()),
            url: Some(format!("https://github.com/{repo}")),
            description: docstring,
            library: Some("pytorch".into()),
            revision: git_ref.clone(),
            ..Model::default()
        };
        if !dependencies.is_empty() {
            model
                .extra
                .insert("dependencies".into(), Value::from(dependencies.clone()));
        }
        out.records.push(Record::Model(model));
        let built_with = Relation::new(
            &model_id,
            RelationKind::BuiltWith,
            &id::library("pytorch"),
            prov.clone(),
        );
        out.records.push(Record::Relation(built_with));
    }
}

/// Public top-level callables, each with the first paragraph of its docstring when it has one.
fn entrypoints(text: &str) -> Vec<(String, Option<String>)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found: Vec<(String, Option<String>)> = Vec::new();
    let add = |name: &str, doc: Option<String>, found: &mut Vec<(String, Option<String>)>| {
        if !name.starts_with('_') && !found.iter().any(|(n, _)| n == name) {
            found.push((name.to_string(), doc));
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(rest) = line.strip_prefix("def ") {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            // The signature may span lines; the body starts after the line ending in `:`.
            let mut end = i;
            while end < lines.len() && !lines[end].trim_end().ends_with(':') {
                end += 1;
            }
            add(&name, docstring(&lines[(end + 1).min(lines.len())..]), &mut found);
            i = end + 1;
            continue;
        }
        if let Some(rest) = line.strip_prefix("from ") {
            if let Some((_, names)) = rest.split_once(" import ") {
                let mut names = names.trim().trim_start_matches('(').to_string();
                // A parenthesised import list may continue over several lines.
                let mut j = i;
                while names.contains('(') || (line.contains('(') && !lines[j].contains(')')) {
                    j += 1;
                    let Some(next) = lines.get(j) else { break };
                    names.push(',');
                    names.push_str(next);
                }
                for imported in names.split(',') {
                    let imported = imported.trim().trim_end_matches(')').trim();
                    let bound = imported.rsplit(" as ").next().unwrap_or(imported).trim();
                    if !bound.is_empty() && bound != "*" && bound.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        add(bound, None, &mut found);
                    }
                }
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// The first paragraph of a docstring opening the body lines.
fn docstring(body: &[&str]) -> Option<String> {
    let first = body.iter().find(|l| !l.trim().is_empty())?.trim();
    let quote = ["\"\"\"", "'''"].into_iter().find(|q| first.starts_with(q))?;
    let mut text = String::new();
    let opening = &first[3..];
    for line in std::iter::once(opening).chain(body.iter().skip_while(|l| l.trim() != first).skip(1).copied()) {
        let (content, closed) = match line.find(quote) {
            Some(at) => (&line[..at], true),
            None => (line, false),
        };
        let content = content.trim();
        if content.is_empty() && !text.is_empty() {
            break; // end of the first paragraph
        }
        if !content.is_empty() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(content);
        }
        if closed {
            break;
        }
    }
    (!text.is_empty()).then_some(text)
}

/// `dependencies = ['torch', 'scipy']`.
fn dependencies(text: &str) -> Vec<String> {
    let Some(line) = text.lines().find(|l| l.trim_start().starts_with("dependencies")) else {
        return Vec::new();
    };
    let Some((_, list)) = line.split_once('=') else {
        return Vec::new();
    };
    list.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|d| d.trim().trim_matches(['\'', '"']).to_string())
        .filter(|d| !d.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Written for this test in the shape of real hubconf.py files.
    const HUBCONF: &str = r#"dependencies = ['torch', 'torchvision']

from mypkg.models.resnet import resnet18, resnet50 as big_resnet
from mypkg.models import (
    tiny_net,
    _private_helper,
)
import os


def _loader(name):
    return name


def detector(pretrained=False,
             num_classes=91, **kwargs):
    """Object detector trained on COCO 2017.

    Args:
        pretrained (bool): load weights
    """
    return _loader("detector")


def segmenter(**kwargs):
    '''Semantic segmentation, 21 VOC classes.'''
    return None
"#;

    #[test]
    fn public_callables_become_entrypoints_with_their_docstrings() {
        let found = entrypoints(HUBCONF);
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["resnet18", "big_resnet", "tiny_net", "detector", "segmenter"]);
        let doc_of = |n: &str| found.iter().find(|(name, _)| name == n).and_then(|(_, d)| d.clone());
        assert_eq!(
            doc_of("detector").as_deref(),
            Some("Object detector trained on COCO 2017.")
        );
        assert_eq!(
            doc_of("segmenter").as_deref(),
            Some("Semantic segmentation, 21 VOC classes.")
        );
        assert_eq!(dependencies(HUBCONF), ["torch", "torchvision"]);
    }

    #[test]
    fn the_repository_and_ref_come_from_the_raw_url() {
        let doc = Document {
            uri: "https://raw.githubusercontent.com/acme/vision/v1.2/hubconf.py".into(),
            relative_path: "acme/vision/hubconf.py".into(),
            bytes: HUBCONF.as_bytes().to_vec(),
        };
        let ctx = ReadContext {
            observed_at: "2026-11-27T00:00:00Z".into(),
            label_taxonomy: None,
        };
        let mut out = ReadOutput::default();
        read(&doc, HUBCONF, &ctx, &mut out);
        let models: Vec<&Model> = (out.records.iter())
            .filter_map(|r| match r {
                Record::Model(m) => Some(m),
                _ => None,
            })
            .collect();
        assert_eq!(models.len(), 5);
        assert_eq!(models[3].id, "pytorch-hub:acme/vision/detector");
        assert_eq!(models[3].revision.as_deref(), Some("v1.2"));
        assert_eq!(models[3].extra["dependencies"][1], "torchvision");
    }
}
