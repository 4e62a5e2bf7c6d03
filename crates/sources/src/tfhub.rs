//! `tfhub`: tfhub.dev markdown docs and the tag taxonomies in `tags/*.yaml`.
//!
//! A doc starts with `# <Kind> <handle>` (Module, Placeholder, Collection, Lite, Tfjs, Coral,
//! Publisher); metadata follows as `<!-- key: value -->` lines, where keys such as `dataset` or
//! `task` may repeat. Deployment variants point at their model with `parent-model`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use macaroni_format::{
    id, Architecture, Dataset, License, Model, Provenance, Publisher, Record, Relation, RelationKind, Task,
};
use regex::Regex;
use serde_json::Value;

use crate::markdown;
use crate::{Document, ReadContext, ReadOutput, WarningKind};

static METADATA_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<!--\s*([\w-]+)\s*:\s*(.*?)\s*-->").unwrap_or_else(|e| panic!("{e}")));

const ZOO: &str = "tfhub";

/// Tag taxonomies that map onto an entity kind; the others (language, colab, ...) do not.
const TAXONOMIES: [&str; 4] = ["task", "dataset", "license", "network_architecture"];

pub(crate) fn accepts(path: &Path) -> bool {
    let in_examples = path.iter().any(|c| c == "examples");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let is_tag_file = path.parent().and_then(|p| p.file_name()).is_some_and(|n| n == "tags");
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let tag_with_entity_kind = is_tag_file && ext == "yaml" && TAXONOMIES.contains(&stem);
    !in_examples && (ext == "md" || tag_with_entity_kind)
}

pub(crate) fn read(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    if doc.file_name().ends_with(".yaml") {
        read_tag_file(doc, text, ctx, out);
        return;
    }
    let Some((kind, handle)) = header(text) else {
        out.warn(
            doc,
            WarningKind::NoRecords,
            "first line is not `# <Kind> <handle>`; not a tfhub.dev doc",
        );
        return;
    };
    let metadata = metadata(text);
    let prov = ctx.provenance(ZOO, doc);
    let body = text.split_once('\n').map_or("", |(_, rest)| rest);
    match kind.as_str() {
        "publisher" => publisher(handle, body, &prov, out),
        "module" | "placeholder" | "collection" | "lite" | "tfjs" | "coral" => {
            model(&kind, handle, body, &metadata, &prov, doc, out)
        }
        other => out.warn(doc, WarningKind::NoRecords, format!("unknown document kind `{other}`")),
    }
}

/// `# Module google/imagenet/resnet_v2_50/classification/5` → ("module", handle).
fn header(text: &str) -> Option<(String, &str)> {
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    let rest = first.trim().strip_prefix("# ")?;
    let (kind, handle) = rest.trim().split_once(' ')?;
    let handle = handle.trim();
    (!handle.is_empty() && !handle.contains(' ')).then(|| (kind.to_lowercase(), handle))
}

fn metadata(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for caps in METADATA_LINE.captures_iter(text) {
        let value = caps[2].trim().to_string();
        if !value.is_empty() {
            map.entry(caps[1].to_lowercase()).or_default().push(value);
        }
    }
    map
}

fn model(
    kind: &str,
    handle: &str,
    body: &str,
    metadata: &BTreeMap<String, Vec<String>>,
    prov: &Provenance,
    doc: &Document,
    out: &mut ReadOutput,
) {
    let model_id = id::tfhub_model(&variant_handle(kind, handle));
    let first = |key: &str| metadata.get(key).and_then(|v| v.first()).cloned();
    let all = |key: &str| metadata.get(key).cloned().unwrap_or_default();
    let (family, version) = split_version(handle);
    let fine_tunable = match first("fine-tunable").as_deref() {
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            out.warn(
                doc,
                WarningKind::BadValue,
                format!("fine-tunable is `{other}`, not true/false"),
            );
            None
        }
        None => None,
    };
    let mut extra = BTreeMap::new();
    for key in ["colab", "demo", "interactive-visualizer"] {
        if let Some(values) = metadata.get(key) {
            extra.insert(key.to_string(), Value::from(values.clone()));
        }
    }
    out.records.push(Record::Model(Model {
        id: model_id.clone(),
        provenance: prov.clone(),
        name: Some(family.rsplit('/').next().unwrap_or(family).to_string()),
        zoo: Some(ZOO.into()),
        url: Some(format!("https://tfhub.dev/{handle}")),
        description: body
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("<!--"))
            .map(str::to_string),
        card_text: Some(body.trim().to_string()).filter(|t| !t.is_empty()),
        license: first("license"),
        languages: all("language"),
        task: first("task"),
        architecture: first("network-architecture"),
        format: first("format"),
        variant: Some(kind.to_string()),
        fine_tunable,
        revision: version.map(str::to_string),
        asset_path: first("asset-path"),
        extra,
        ..Model::default()
    }));

    let relate = |out: &mut ReadOutput, kind: RelationKind, object: String, raw: &str| {
        let relation = Relation::new(&model_id, kind, &object, prov.clone()).with_attribute("raw", raw);
        out.records.push(Record::Relation(relation));
    };
    for dataset in all("dataset") {
        relate(out, RelationKind::TrainedOn, id::dataset(&dataset), &dataset);
    }
    for task in all("task") {
        relate(out, RelationKind::ImplementsTask, id::task(&task), &task);
    }
    for arch in all("network-architecture") {
        relate(out, RelationKind::UsesArchitecture, id::architecture(&arch), &arch);
    }
    for license in all("license") {
        relate(out, RelationKind::LicensedUnder, id::license(&license), &license);
    }
    for parent in all("parent-model") {
        relate(out, RelationKind::DerivedFrom, id::tfhub_model(&parent), &parent);
    }
    if version.is_some() {
        relate(out, RelationKind::VersionOf, id::tfhub_model(family), family);
    }
    if let Some(publisher) = handle.split('/').next() {
        relate(out, RelationKind::PublishedBy, id::publisher(ZOO, publisher), publisher);
    }
}

/// The handle a variant doc is known by. Older docs give variants their own handle
/// (`google/lite-model/.../1`); newer ones repeat the model's handle and tell the variant only by
/// their folder (`.../lite/1.md`), so the variant kind is appended to keep the two apart.
fn variant_handle(kind: &str, handle: &str) -> String {
    let is_variant = matches!(kind, "lite" | "tfjs" | "coral");
    let marked = handle
        .split('/')
        .any(|part| part == kind || part.starts_with(&format!("{kind}-model")));
    if is_variant && !marked {
        format!("{handle}/{kind}")
    } else {
        handle.to_string()
    }
}

/// `google/imagenet/resnet_v2_50/classification/5` → (`google/.../classification`, Some("5")).
fn split_version(handle: &str) -> (&str, Option<&str>) {
    match handle.rsplit_once('/') {
        Some((family, version)) if !version.is_empty() && version.chars().all(|c| c.is_ascii_digit()) => {
            (family, Some(version))
        }
        _ => (handle, None),
    }
}

fn publisher(handle: &str, body: &str, prov: &Provenance, out: &mut ReadOutput) {
    let name = body.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or(handle);
    let url = body.lines().find_map(|l| {
        l.trim()
            .strip_prefix("## [")
            .and_then(|r| r.split_once("]("))
            .map(|(_, u)| u.trim_end_matches(')'))
    });
    out.records.push(Record::Publisher(Publisher {
        id: id::publisher(ZOO, handle),
        provenance: prov.clone(),
        name: Some(name.to_string()),
        url: url.map(str::to_string),
        description: markdown::first_paragraph(&markdown::sections(body)),
        ..Publisher::default()
    }));
}

/// `tags/<taxonomy>.yaml`: `values: [{id, display_name, url?, domains?}]`.
fn read_tag_file(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    let taxonomy = doc.file_name().trim_end_matches(".yaml");
    let Some(parsed) = out.yaml(doc, text, "tag file") else {
        return;
    };
    let Some(values) = parsed.get("values").and_then(Value::as_array) else {
        out.warn(doc, WarningKind::NoRecords, "no `values` list");
        return;
    };
    let prov = ctx.provenance(ZOO, doc);
    for value in values {
        let Some(raw_id) = value.get("id").and_then(Value::as_str) else {
            out.warn(doc, WarningKind::BadValue, format!("tag without an id: {value}"));
            continue;
        };
        let name = value.get("display_name").and_then(Value::as_str).map(str::to_string);
        let provenance = prov.clone();
        let record = match taxonomy {
            "task" => Record::Task(Task {
                id: id::task(raw_id),
                provenance,
                name,
                modality: value.pointer("/domains/0").and_then(Value::as_str).map(str::to_string),
                ..Task::default()
            }),
            "dataset" => Record::Dataset(Dataset {
                id: id::dataset(raw_id),
                provenance,
                name,
                ..Dataset::default()
            }),
            "license" => Record::License(License {
                id: id::license(raw_id),
                provenance,
                name,
                url: value.get("url").and_then(Value::as_str).map(str::to_string),
                ..License::default()
            }),
            "network_architecture" => Record::Architecture(Architecture {
                id: id::architecture(raw_id),
                provenance,
                name,
                ..Architecture::default()
            }),
            _ => {
                out.warn(
                    doc,
                    WarningKind::NoRecords,
                    format!("tag taxonomy `{taxonomy}` has no entity kind"),
                );
                return;
            }
        };
        out.records.push(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_version() {
        let (kind, handle) = header("# Lite monatis/german-mbmelgan/lite/1\nx").unwrap();
        assert_eq!((kind.as_str(), handle), ("lite", "monatis/german-mbmelgan/lite/1"));
        assert_eq!(split_version(handle), ("monatis/german-mbmelgan/lite", Some("1")));
        assert_eq!(split_version("google/x"), ("google/x", None));
    }

    #[test]
    fn variants_that_repeat_the_model_handle_get_their_own_id() {
        assert_eq!(
            variant_handle("lite", "google/aiy/vision/classifier/birds_V1/1"),
            "google/aiy/vision/classifier/birds_V1/1/lite"
        );
        assert_eq!(
            variant_handle("lite", "google/lite-model/imagenet/mobilenet_v2/1"),
            "google/lite-model/imagenet/mobilenet_v2/1"
        );
        assert_eq!(
            variant_handle("tfjs", "monatis/german-mbmelgan/tfjs/1"),
            "monatis/german-mbmelgan/tfjs/1"
        );
        assert_eq!(variant_handle("module", "google/x/1"), "google/x/1");
    }

    #[test]
    fn repeated_keys_are_all_kept() {
        let meta = metadata("<!-- dataset: a -->\n<!-- dataset: b -->\n<!--task:x-->");
        assert_eq!(meta["dataset"], vec!["a", "b"]);
        assert_eq!(meta["task"], vec!["x"]);
    }
}
