//! Stable, readable ids.
//!
//! An id is `<namespace>:<key>`. Zoo artefacts keep the zoo's own key so that a person can
//! recognise them (`hf:google-bert/bert-base-uncased`, `timm:resnet50.a1_in1k`); vocabulary
//! entities (datasets, licenses, tasks, ...) use a slug of their raw name until enrichment maps
//! them to canonical ids.

/// Lower-cases `raw` and keeps `[a-z0-9._+]`; every other run of characters becomes one `-`.
pub fn slug(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_dash = false;
    for ch in raw.trim().chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '+') {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(ch);
        } else if ch.is_alphanumeric() {
            // Keep non-ASCII letters (dataset names in other scripts) rather than dropping them.
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(ch);
        } else {
            pending_dash = true;
        }
    }
    out
}

fn namespaced(namespace: &str, raw: &str) -> String {
    format!("{namespace}:{}", slug(raw))
}

/// A Hugging Face repository: `hf:<org>/<name>` (or `hf:<name>` for legacy root models).
pub fn hf_model(repo_id: &str) -> String {
    format!("hf:{}", repo_id.trim().trim_matches('/'))
}

/// A TF Hub handle without the `https://tfhub.dev/` prefix: `tfhub:google/imagenet/.../5`.
pub fn tfhub_model(handle: &str) -> String {
    format!("tfhub:{}", handle.trim().trim_matches('/'))
}

/// A PyTorch Hub entrypoint: `pytorch-hub:<owner>/<repo>/<entrypoint>`.
pub fn pytorch_hub_model(repo: &str, entrypoint: &str) -> String {
    format!("pytorch-hub:{}/{}", repo.trim().trim_matches('/'), entrypoint.trim())
}

/// A timm model name with its pretrained tag: `timm:resnet50.a1_in1k`.
pub fn timm_model(name: &str) -> String {
    format!("timm:{}", name.trim())
}

/// A model described by a Papers-with-Code `model-index` metafile of a given codebase.
pub fn model_index_model(codebase: &str, name: &str) -> String {
    format!("{}:{}", slug(codebase), name.trim())
}

pub fn dataset(raw: &str) -> String {
    namespaced("dataset", raw)
}

pub fn data_instance(dataset_id: &str, config: Option<&str>, split: Option<&str>) -> String {
    let key = dataset_id.strip_prefix("dataset:").unwrap_or(dataset_id);
    let mut id = format!("instance:{key}");
    for part in [config, split].into_iter().flatten() {
        id.push('/');
        id.push_str(&slug(part));
    }
    id
}

pub fn task(raw: &str) -> String {
    namespaced("task", raw)
}

pub fn metric(raw: &str) -> String {
    namespaced("metric", raw)
}

pub fn license(raw: &str) -> String {
    namespaced("license", raw)
}

pub fn library(raw: &str) -> String {
    namespaced("library", raw)
}

pub fn architecture(raw: &str) -> String {
    namespaced("arch", raw)
}

pub fn label(taxonomy: &str, raw: &str) -> String {
    format!("label:{}/{}", slug(taxonomy), slug(raw))
}

/// A publisher within a zoo: `publisher:hf/google`, `publisher:tfhub/deepmind`.
pub fn publisher(zoo: &str, name: &str) -> String {
    format!("publisher:{}/{}", slug(zoo), name.trim())
}

pub fn arxiv_paper(arxiv_id: &str) -> String {
    format!("paper:arxiv:{}", arxiv_id.trim())
}

pub fn doi_paper(doi: &str) -> String {
    format!("paper:doi:{}", doi.trim().to_lowercase())
}

/// A paper known only by its URL or title.
pub fn paper(raw: &str) -> String {
    namespaced("paper", raw)
}

pub fn training_run(model_id: &str) -> String {
    format!("run:{model_id}")
}

pub fn cost_measurement(model_id: &str, setting: &str) -> String {
    format!("cost:{model_id}@{}", slug(setting))
}

/// An evaluation id from the model and what makes the measurement distinct (task, dataset,
/// config, split, metric). The value is not part of the id, so a changed value versions the
/// same evaluation rather than creating a new one.
pub fn evaluation(model_id: &str, distinguishing: &[Option<&str>]) -> String {
    let parts: Vec<String> = distinguishing.iter().map(|p| p.map(slug).unwrap_or_default()).collect();
    let mut key = parts.join("/");
    while key.ends_with('/') {
        key.pop();
    }
    format!("eval:{model_id}#{key}")
}

pub fn relation(subject: &str, relation: &str, object: &str) -> String {
    format!("rel:{subject}|{relation}|{object}")
}

/// The namespace of an id (`hf`, `dataset`, `eval`, ...).
pub fn namespace(id: &str) -> &str {
    id.split_once(':').map(|(ns, _)| ns).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_collapses_punctuation_and_keeps_dots() {
        assert_eq!(slug("  ImageNet-1k "), "imagenet-1k");
        assert_eq!(slug("Apache 2.0"), "apache-2.0");
        assert_eq!(slug("imagenet (ILSVRC 2012)"), "imagenet-ilsvrc-2012");
        assert_eq!(slug("---"), "");
    }

    #[test]
    fn ids_are_readable() {
        assert_eq!(
            hf_model("google-bert/bert-base-uncased"),
            "hf:google-bert/bert-base-uncased"
        );
        assert_eq!(dataset("ImageNet-1k"), "dataset:imagenet-1k");
        assert_eq!(
            evaluation(
                "hf:a/b",
                &[
                    Some("question-answering"),
                    Some("squad_v2"),
                    None,
                    Some("validation"),
                    Some("f1")
                ]
            ),
            "eval:hf:a/b#question-answering/squad_v2//validation/f1"
        );
        assert_eq!(
            data_instance("dataset:glue", Some("mrpc"), Some("test")),
            "instance:glue/mrpc/test"
        );
    }
}
