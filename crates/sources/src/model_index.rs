//! `model-index`: Papers-with-Code style metafiles (`Collections` + `Models` with `Metadata` and
//! `Results`), as used by OpenMMLab's mmpretrain (`metafile.yml`) and by timm's docs pages, which
//! carry the same YAML inside an HTML comment that starts with `Type: model-index`.

use std::collections::BTreeMap;
use std::path::Path;

use macaroni_format::{
    id, Architecture, CostMeasurement, DatasetRef, Evaluation, MetricRef, Model, Paper, Provenance, Record, Relation,
    RelationKind, TaskRef, TrainingRun,
};
use serde_json::{Map, Value};

use crate::hf_cards::{parse_number, string_list_of as string_list};
use crate::{Document, ReadContext, ReadOutput, WarningKind};

/// Metadata keys that are hyperparameters of the training run.
const HYPERPARAMETER_KEYS: [&str; 12] = [
    "Epochs",
    "Batch Size",
    "LR",
    "Momentum",
    "Weight Decay",
    "Dropout",
    "Label Smoothing",
    "RMSProp Decay",
    "BatchNorm Momentum",
    "LR Gamma",
    "LR Step Size",
    "Warmup Steps",
];

pub(crate) fn accepts(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(ext.as_str(), "yml" | "yaml" | "md" | "mdx")
}

pub(crate) fn read(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    let is_markdown = matches!(doc.file_name().rsplit('.').next(), Some("md" | "mdx"));
    let yaml = if is_markdown {
        match embedded_model_index(text) {
            Some(yaml) => yaml,
            None => {
                out.warn(doc, WarningKind::NoRecords, "no `<!-- Type: model-index ... -->` block");
                return;
            }
        }
    } else {
        text
    };
    let Some(root) = out.yaml(doc, yaml, "model-index") else {
        return;
    };
    let Some(root) = root.as_object() else {
        out.warn(doc, WarningKind::NotAMapping, "model-index is not a mapping");
        return;
    };
    if root.contains_key("Import") && !root.contains_key("Models") {
        out.warn(
            doc,
            WarningKind::NoRecords,
            "an index of other metafiles (`Import`), no models of its own",
        );
        return;
    }
    let codebase = codebase(doc, root, is_markdown);
    let prov = ctx.provenance(&codebase, doc);
    let collections = collections(root, &prov, out);
    match root.get("Models") {
        Some(Value::Array(models)) => {
            for (index, model) in models.iter().enumerate() {
                match model.as_object() {
                    Some(model) => read_model(model, index, &codebase, &collections, &prov, doc, out),
                    None => out.warn(doc, WarningKind::BadValue, format!("Models[{index}] is not a mapping")),
                }
            }
        }
        _ => out.warn(doc, WarningKind::NoRecords, "no `Models` list"),
    }
}

/// The YAML inside `<!--\nType: model-index ... -->`.
fn embedded_model_index(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        let after = &rest[start + 4..];
        let end = after.find("-->")?;
        let block = &after[..end];
        if block.trim_start().starts_with("Type: model-index") {
            return Some(block);
        }
        rest = &after[end + 3..];
    }
    None
}

/// Which codebase the metafile describes, to namespace its model ids.
fn codebase(doc: &Document, root: &Map<String, Value>, is_markdown: bool) -> String {
    // Where the file lives says most: mmpretrain's own metafiles link timm's repository for the
    // models they converted from it ("Converted From"), and must still count as mmpretrain.
    // mmpretrain absorbed mmclassification and mmselfsup; their metafiles still link the old names.
    let mmpretrain_marks = ["mmpretrain", "mmclassification", "mmselfsup", "mmcls"];
    let path = Path::new(&doc.uri);
    if path
        .iter()
        .any(|c| c.to_str().is_some_and(|c| mmpretrain_marks.contains(&c)))
    {
        return "mmpretrain".into();
    }
    if is_markdown && doc.relative_path.iter().chain(path.iter()).any(|c| c == "hfdocs") {
        return "timm".into();
    }
    let text = serde_json::to_string(root).unwrap_or_default();
    let links = |m: &str| text.contains(&format!("open-mmlab/{m}")) || text.contains(&format!("openmmlab.com/{m}"));
    if mmpretrain_marks.iter().any(|m| links(m)) {
        return "mmpretrain".into();
    }
    if text.contains("pytorch-image-models") {
        return "timm".into();
    }
    if let Some(repo) = text
        .split("github.com/open-mmlab/")
        .nth(1)
        .and_then(|r| r.split('/').next())
    {
        return repo.to_string();
    }
    if is_markdown {
        "timm".into()
    } else {
        "model-index".into()
    }
}

/// A collection (model family): its architecture, paper and shared training metadata.
struct Collection {
    architecture_id: String,
    paper_id: Option<String>,
    metadata: Map<String, Value>,
}

fn collections(root: &Map<String, Value>, prov: &Provenance, out: &mut ReadOutput) -> BTreeMap<String, Collection> {
    let mut found = BTreeMap::new();
    for collection in root.get("Collections").and_then(Value::as_array).into_iter().flatten() {
        let Some(name) = collection.get("Name").and_then(Value::as_str) else {
            continue;
        };
        let architecture_id = id::architecture(name);
        out.records.push(Record::Architecture(Architecture {
            id: architecture_id.clone(),
            provenance: prov.clone(),
            name: Some(name.to_string()),
            family: Some(name.to_string()),
        }));
        let paper_id = collection.get("Paper").and_then(|p| paper(p, prov, out));
        let metadata = collection
            .get("Metadata")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        found.insert(
            name.to_string(),
            Collection {
                architecture_id,
                paper_id,
                metadata,
            },
        );
    }
    found
}

/// A `Paper` given as `{URL, Title}` or as a bare URL string; returns the paper id.
fn paper(value: &Value, prov: &Provenance, out: &mut ReadOutput) -> Option<String> {
    let (url, title) = match value {
        Value::String(url) => (Some(url.clone()), None),
        Value::Object(map) => (
            map.get("URL").and_then(Value::as_str).map(str::to_string),
            map.get("Title").and_then(Value::as_str).map(str::to_string),
        ),
        _ => return None,
    };
    let arxiv = url.as_deref().and_then(arxiv_id);
    let paper_id = match (&arxiv, &title, &url) {
        (Some(a), _, _) => id::arxiv_paper(a),
        (None, Some(t), _) => id::paper(t),
        (None, None, Some(u)) => id::paper(u),
        _ => return None,
    };
    out.records.push(Record::Paper(Paper {
        id: paper_id.clone(),
        provenance: prov.clone(),
        title,
        url,
        arxiv,
        ..Paper::default()
    }));
    Some(paper_id)
}

fn arxiv_id(url: &str) -> Option<String> {
    let rest = url.split("arxiv.org/").nth(1)?;
    let id = rest
        .trim_start_matches("abs/")
        .trim_start_matches("pdf/")
        .trim_end_matches(".pdf");
    let id: String = id.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    (id.len() >= 9).then_some(id)
}

#[allow(clippy::too_many_arguments)]
fn read_model(
    entry: &Map<String, Value>,
    index: usize,
    codebase: &str,
    collections: &BTreeMap<String, Collection>,
    prov: &Provenance,
    doc: &Document,
    out: &mut ReadOutput,
) {
    let Some(name) = entry.get("Name").and_then(Value::as_str) else {
        out.warn(doc, WarningKind::BadValue, format!("Models[{index}] has no Name"));
        return;
    };
    let model_id = id::model_index_model(codebase, name);
    let metadata = entry
        .get("Metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let collection = entry
        .get("In Collection")
        .and_then(Value::as_str)
        .and_then(|c| collections.get(c));
    let meta = |key: &str| metadata_value(&metadata, collection, key);

    let mut extra: BTreeMap<String, Value> = BTreeMap::new();
    for key in ["Weights", "Config", "Code", "Converted From", "README"] {
        if let Some(value) = entry.get(key) {
            extra.insert(key.to_lowercase().replace(' ', "_"), value.clone());
        }
    }
    for (key, value) in &metadata {
        if !HYPERPARAMETER_KEYS.contains(&key.as_str()) {
            extra.insert(key.clone(), value.clone());
        }
    }
    let flops = meta("FLOPs").and_then(crate::hf_cards::number_of);
    let results = entry
        .get("Results")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let first_task = results
        .iter()
        .find_map(|r| r.get("Task").and_then(Value::as_str))
        .map(str::to_string);
    out.records.push(Record::Model(Model {
        id: model_id.clone(),
        provenance: prov.clone(),
        name: Some(name.to_string()),
        zoo: Some(codebase.to_string()),
        task: first_task,
        library: Some(codebase.to_string()),
        architecture: entry.get("In Collection").and_then(Value::as_str).map(str::to_string),
        parameters: meta("Parameters")
            .and_then(crate::hf_cards::number_of)
            .map(|p| p as u64),
        size_bytes: meta("File Size").and_then(crate::hf_cards::number_of).map(|s| s as u64),
        image_size: meta("Image Size")
            .and_then(crate::hf_cards::number_of)
            .map(|s| s as u32),
        extra,
        ..Model::default()
    }));
    if let Some(flops) = flops {
        out.records.push(Record::CostMeasurement(CostMeasurement {
            id: id::cost_measurement(&model_id, "flops"),
            provenance: prov.clone(),
            model: model_id.clone(),
            phase: Some("infer".into()),
            flops: Some(flops),
            ..CostMeasurement::default()
        }));
    }
    let relate = |out: &mut ReadOutput, kind: RelationKind, object: &str| {
        out.records
            .push(Record::Relation(Relation::new(&model_id, kind, object, prov.clone())));
    };
    if let Some(collection) = collection {
        relate(out, RelationKind::UsesArchitecture, &collection.architecture_id);
        if let Some(paper_id) = &collection.paper_id {
            relate(out, RelationKind::DescribedIn, paper_id);
        }
    }
    let training_data: Vec<String> = meta("Training Data").map(string_list).unwrap_or_default();
    for dataset in &training_data {
        relate(out, RelationKind::TrainedOn, &id::dataset(dataset));
    }
    training_run(&model_id, &training_data, &metadata, collection, prov, out);
    for (r, result) in results.iter().enumerate() {
        read_result(&model_id, result, r, index, prov, doc, out);
    }
}

/// A model's metadata value, falling back to its collection's.
fn metadata_value<'a>(
    metadata: &'a Map<String, Value>,
    collection: Option<&'a Collection>,
    key: &str,
) -> Option<&'a Value> {
    metadata
        .get(key)
        .or_else(|| collection.and_then(|c| c.metadata.get(key)))
}

fn training_run(
    model_id: &str,
    datasets: &[String],
    metadata: &Map<String, Value>,
    collection: Option<&Collection>,
    prov: &Provenance,
    out: &mut ReadOutput,
) {
    let meta = |key: &str| metadata_value(metadata, collection, key);
    let hyperparameters: BTreeMap<String, Value> = HYPERPARAMETER_KEYS
        .iter()
        .filter_map(|k| meta(k).map(|v| (k.to_string(), v.clone())))
        .collect();
    let techniques = meta("Training Techniques").map(string_list).unwrap_or_default();
    let hardware = meta("Training Resources").and_then(Value::as_str).map(str::to_string);
    let duration = meta("Training Time").and_then(Value::as_str).map(str::to_string);
    if hyperparameters.is_empty() && techniques.is_empty() && hardware.is_none() && datasets.is_empty() {
        return;
    }
    let mut extra = BTreeMap::new();
    if !techniques.is_empty() {
        extra.insert("techniques".to_string(), Value::from(techniques));
    }
    out.records.push(Record::TrainingRun(TrainingRun {
        id: id::training_run(model_id),
        provenance: prov.clone(),
        model: Some(model_id.to_string()),
        datasets: datasets.to_vec(),
        hyperparameters,
        hardware,
        duration,
        extra,
        ..TrainingRun::default()
    }));
}

fn read_result(
    model_id: &str,
    result: &Value,
    r: usize,
    model_index: usize,
    prov: &Provenance,
    doc: &Document,
    out: &mut ReadOutput,
) {
    let at = format!("Models[{model_index}].Results[{r}]");
    let task = result.get("Task").and_then(Value::as_str).map(str::to_string);
    let dataset = result.get("Dataset").and_then(Value::as_str).map(str::to_string);
    let Some(metrics) = result.get("Metrics").and_then(Value::as_object) else {
        out.warn(
            doc,
            WarningKind::InvalidModelIndex,
            format!("{at} has no Metrics mapping"),
        );
        return;
    };
    if let Some(task) = &task {
        out.records.push(Record::Relation(Relation::new(
            model_id,
            RelationKind::ImplementsTask,
            &id::task(task),
            prov.clone(),
        )));
    }
    if let Some(dataset) = &dataset {
        out.records.push(Record::Relation(Relation::new(
            model_id,
            RelationKind::EvaluatedOn,
            &id::dataset(dataset),
            prov.clone(),
        )));
    }
    for (metric, value) in metrics {
        let metric_type = id::slug(metric);
        out.records.push(Record::Evaluation(Evaluation {
            id: id::evaluation(
                model_id,
                &[task.as_deref(), dataset.as_deref(), None, None, Some(&metric_type)],
            ),
            provenance: Provenance {
                evidence: Some(format!("{at}.Metrics.{metric}")),
                ..prov.clone()
            },
            model: model_id.to_string(),
            task: TaskRef {
                task_type: task.as_deref().map(id::slug),
                name: task.clone(),
            },
            dataset: DatasetRef {
                id: dataset.as_deref().map(id::dataset),
                name: dataset.clone(),
                ..DatasetRef::default()
            },
            metric: MetricRef {
                metric_type: Some(metric_type),
                name: Some(metric.clone()),
                ..MetricRef::default()
            },
            value: value.clone(),
            numeric_value: match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => parse_number(s),
                _ => None,
            },
            ..Evaluation::default()
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_embedded_block_and_arxiv_ids() {
        let mdx = "# X\n<!-- a comment -->\n<!--\nType: model-index\nModels:\n- Name: a\n-->\n";
        assert!(embedded_model_index(mdx).unwrap().contains("Name: a"));
        assert_eq!(
            arxiv_id("https://arxiv.org/abs/1707.01629v2").as_deref(),
            Some("1707.01629")
        );
        assert_eq!(
            arxiv_id("https://arxiv.org/pdf/2010.11929.pdf").as_deref(),
            Some("2010.11929")
        );
        assert_eq!(arxiv_id("https://paperswithcode.com/paper/x"), None);
    }
}
