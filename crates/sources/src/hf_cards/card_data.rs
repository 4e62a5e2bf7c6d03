//! The card-data mapping (front matter, or `cardData` of the Hub API) → model attributes,
//! relations, evaluations and a training run.

use macaroni_format::{id, Method, Model, Paper, Provenance, Publisher, Record, Relation, RelationKind, TrainingRun};
use serde_json::{Map, Value};

use super::model_index;
use crate::{Document, ReadOutput, WarningKind};

/// Keys mapped onto typed fields or records; every other key is kept in `Model::extra`.
const MAPPED_KEYS: [&str; 17] = [
    "license",
    "licence",
    "license_name",
    "license_link",
    "language",
    "languages",
    "tags",
    "datasets",
    "pipeline_tag",
    "library_name",
    "base_model",
    "base_model_relation",
    "model-index",
    "model_index",
    "co2_eq_emissions",
    "model_name",
    "thumbnail",
];

pub(crate) fn read_card_data(
    model: &mut Model,
    data: &Map<String, Value>,
    prov: &Provenance,
    doc: &Document,
    out: &mut ReadOutput,
) {
    let model_id = model.id.clone();
    let licenses = data
        .get("license")
        .or_else(|| data.get("licence"))
        .map(string_list)
        .unwrap_or_default();
    model.license = licenses.first().cloned().or(model.license.take());
    model.license_name = data
        .get("license_name")
        .and_then(scalar_string)
        .or(model.license_name.take());
    model.license_link = data
        .get("license_link")
        .and_then(scalar_string)
        .or(model.license_link.take());
    for license in &licenses {
        relate(
            out,
            &model_id,
            RelationKind::LicensedUnder,
            &id::license(license),
            prov,
            license,
        );
    }

    let languages = data
        .get("language")
        .or_else(|| data.get("languages"))
        .map(language_list)
        .unwrap_or_default();
    if !languages.is_empty() {
        model.languages = languages;
    }
    let tags = data.get("tags").map(string_list).unwrap_or_default();
    if model.tags.is_empty() {
        model.tags = tags;
    }
    for dataset in data.get("datasets").map(dataset_names).unwrap_or_default() {
        relate(
            out,
            &model_id,
            RelationKind::TrainedOn,
            &id::dataset(&dataset),
            prov,
            &dataset,
        );
    }
    if let Some(task) = data.get("pipeline_tag").and_then(scalar_string) {
        relate(
            out,
            &model_id,
            RelationKind::ImplementsTask,
            &id::task(&task),
            prov,
            &task,
        );
        model.task = Some(task);
    }
    if let Some(library) = data.get("library_name").and_then(scalar_string) {
        relate(
            out,
            &model_id,
            RelationKind::BuiltWith,
            &id::library(&library),
            prov,
            &library,
        );
        model.library = Some(library);
    }
    base_models(&model_id, data, prov, doc, out);
    arxiv_tags(&model_id, &model.tags, prov, out);
    model_index::read(&model_id, data, prov, doc, out);
    emissions(&model_id, data, prov, doc, out);

    for (key, value) in data {
        if !MAPPED_KEYS.contains(&key.as_str()) {
            model.extra.insert(key.clone(), value.clone());
        }
    }
}

/// `published_by` for a repository `<org>/<name>`, with the publisher entity.
pub(crate) fn publisher_records(repo_id: &str, model_id: &str, prov: &Provenance, out: &mut ReadOutput) {
    let Some((org, _)) = repo_id.split_once('/') else {
        return;
    };
    let publisher_id = id::publisher("hf", org);
    let evidence = prov.with_method(
        Method::Declared,
        1.0,
        Some(format!("repository namespace of {repo_id}")),
    );
    out.records.push(Record::Publisher(Publisher {
        id: publisher_id.clone(),
        provenance: evidence.clone(),
        name: Some(org.to_string()),
        url: Some(format!("https://huggingface.co/{org}")),
        ..Publisher::default()
    }));
    out.records.push(Record::Relation(Relation::new(
        model_id,
        RelationKind::PublishedBy,
        &publisher_id,
        evidence,
    )));
}

fn relate(out: &mut ReadOutput, subject: &str, kind: RelationKind, object: &str, prov: &Provenance, raw: &str) {
    if object.ends_with(':') {
        return; // the raw name slugged to nothing
    }
    let relation = Relation::new(subject, kind, object, prov.clone()).with_attribute("raw", raw);
    out.records.push(Record::Relation(relation));
}

/// `base_model` (a string or a list) with `base_model_relation`. When the relation is not
/// declared, it is inferred the way the Hub does: several bases make a merge, an adapter library
/// or quantisation tags say so, and otherwise it is a fine-tune.
fn base_models(model_id: &str, data: &Map<String, Value>, prov: &Provenance, doc: &Document, out: &mut ReadOutput) {
    let bases = data.get("base_model").map(string_list).unwrap_or_default();
    if bases.is_empty() {
        return;
    }
    let declared = data
        .get("base_model_relation")
        .and_then(Value::as_str)
        .and_then(RelationKind::from_hf_base_model_relation);
    let (kind, provenance) = match declared {
        Some(kind) => (kind, prov.clone()),
        None => {
            let (kind, reason) = infer_base_relation(data, bases.len());
            (kind, prov.with_method(Method::Inferred, 0.7, Some(reason)))
        }
    };
    for base in bases {
        if base.starts_with(['.', '/', '~']) || base.contains('\\') {
            out.warn(
                doc,
                WarningKind::BadValue,
                format!("base_model `{base}` is a local path, not a Hub id; skipped"),
            );
            continue;
        }
        let relation =
            Relation::new(model_id, kind, &id::hf_model(&base), provenance.clone()).with_attribute("raw", base);
        out.records.push(Record::Relation(relation));
    }
}

fn infer_base_relation(data: &Map<String, Value>, base_count: usize) -> (RelationKind, String) {
    let tags: Vec<String> = data.get("tags").map(string_list).unwrap_or_default();
    let has_tag = |needles: &[&str]| tags.iter().any(|t| needles.contains(&t.to_lowercase().as_str()));
    let library = data.get("library_name").and_then(Value::as_str).unwrap_or("");
    if base_count > 1 || has_tag(&["merge", "mergekit"]) {
        (
            RelationKind::MergedFrom,
            "several base_model entries or a merge tag".into(),
        )
    } else if library == "peft" || has_tag(&["lora", "peft", "adapter"]) {
        (
            RelationKind::AdapterOf,
            "base_model with library peft or a LoRA/adapter tag".into(),
        )
    } else if data.contains_key("quantized_by") || has_tag(&["gguf", "gptq", "awq", "quantized", "exl2"]) {
        (
            RelationKind::QuantizedFrom,
            "base_model with quantized_by or a quantisation tag".into(),
        )
    } else {
        (
            RelationKind::FineTunedFrom,
            "base_model without base_model_relation".into(),
        )
    }
}

fn arxiv_tags(model_id: &str, tags: &[String], prov: &Provenance, out: &mut ReadOutput) {
    for arxiv in tags.iter().filter_map(|t| t.strip_prefix("arxiv:")) {
        push_paper(out, model_id, arxiv, prov.clone());
    }
}

/// A paper known by its arXiv id, and the `described_in` edge to it.
pub(crate) fn push_paper(out: &mut ReadOutput, model_id: &str, arxiv: &str, prov: Provenance) {
    let paper_id = id::arxiv_paper(arxiv);
    out.records.push(Record::Paper(Paper {
        id: paper_id.clone(),
        provenance: prov.clone(),
        arxiv: Some(arxiv.to_string()),
        url: Some(format!("https://arxiv.org/abs/{arxiv}")),
        ..Paper::default()
    }));
    out.records.push(Record::Relation(Relation::new(
        model_id,
        RelationKind::DescribedIn,
        &paper_id,
        prov,
    )));
}

/// `co2_eq_emissions`: a number of grams, or a mapping with emissions, source, training_type,
/// geographical_location and hardware_used.
fn emissions(model_id: &str, data: &Map<String, Value>, prov: &Provenance, doc: &Document, out: &mut ReadOutput) {
    let Some(value) = data.get("co2_eq_emissions") else {
        return;
    };
    let mut run = TrainingRun {
        id: id::training_run(model_id),
        provenance: prov.clone(),
        model: Some(model_id.to_string()),
        ..TrainingRun::default()
    };
    match value {
        Value::Object(map) => {
            run.emissions_grams = map.get("emissions").and_then(number);
            run.emissions_source = map.get("source").and_then(scalar_string);
            run.training_type = map.get("training_type").and_then(scalar_string);
            run.geographical_location = map.get("geographical_location").and_then(scalar_string);
            run.hardware = map.get("hardware_used").and_then(scalar_string);
        }
        other => match number(other) {
            Some(grams) => run.emissions_grams = Some(grams),
            None => {
                out.warn(
                    doc,
                    WarningKind::BadValue,
                    format!("co2_eq_emissions is not a number: {other}"),
                );
                return;
            }
        },
    }
    out.records.push(Record::TrainingRun(run));
}

/// A string, or a list of strings (numbers are written out; nested values are skipped).
pub(crate) fn string_list(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(scalar_string).collect(),
        other => scalar_string(other).into_iter().collect(),
    }
}

/// Languages, where `"en, de"` in one string means two languages.
fn language_list(value: &Value) -> Vec<String> {
    string_list(value)
        .iter()
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `datasets` as a list, a string, or (ModelScope style) a mapping of split → names.
fn dataset_names(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => map.values().flat_map(string_list).collect(),
        other => string_list(other),
    }
}

pub(crate) fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_number(s),
        _ => None,
    }
}

/// Reads the leading number of a value written as text: `"8.53%"` → 8.53, `"71.2 ± 0.3"` → 71.2,
/// `"96,25"` → 96.25.
pub fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim().trim_start_matches('+');
    if let Ok(value) = text.parse::<f64>() {
        return value.is_finite().then_some(value);
    }
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || c == ',' || (i == 0 && c == '-') || c == 'e' || c == 'E'))
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let candidate = text[..end].trim_end_matches(['e', 'E']);
    let candidate = if candidate.matches(',').count() == 1 && !candidate.contains('.') {
        candidate.replace(',', ".")
    } else {
        candidate.replace(',', "")
    };
    candidate.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_written_as_text() {
        assert_eq!(parse_number("8.53%"), Some(8.53));
        assert_eq!(parse_number("71.2 ± 0.3"), Some(71.2));
        assert_eq!(parse_number("96,25"), Some(96.25));
        assert_eq!(parse_number("1e-05"), Some(1e-05));
        assert_eq!(parse_number("n/a"), None);
        assert_eq!(parse_number("-0.5"), Some(-0.5));
    }
}
