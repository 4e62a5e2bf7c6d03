//! The canonical vocabularies shipped in `vocab/*.yaml` (our own curation, facts only), compiled in.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::EnrichError;

#[derive(Debug, Clone, Deserialize)]
pub struct DatasetEntry {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub modality: Option<String>,
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub homepage: Option<String>,
    #[serde(default)]
    pub license: Option<String>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub loose_aliases: Vec<String>,
    #[serde(default)]
    pub configs: Vec<String>,
    #[serde(default)]
    pub splits: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TaskEntry {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub modality: Option<String>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MetricEntry {
    pub id: String,
    pub name: String,
    pub higher_is_better: bool,
    /// Reported either as a fraction (0–1) or a percentage (0–100).
    #[serde(default)]
    pub fraction: bool,
    /// Only reported as 0–100 (BLEU).
    #[serde(default)]
    pub percent_only: bool,
    /// Error rates can exceed 100 %.
    #[serde(default)]
    pub unbounded_above: bool,
    /// Valid interval on the natural scale; `null` for an open end.
    #[serde(default)]
    pub range: Option<(Option<f64>, Option<f64>)>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LicenseEntry {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub spdx: Option<String>,
    pub class: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ArchitectureEntry {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct DatasetFile {
    datasets: Vec<DatasetEntry>,
    #[serde(default)]
    combinations: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    placeholders: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct TaskFile {
    tasks: Vec<TaskEntry>,
}

#[derive(Debug, Clone, Deserialize)]
struct MetricFile {
    #[serde(default)]
    prefixes: Vec<String>,
    #[serde(default)]
    placeholders: Vec<String>,
    metrics: Vec<MetricEntry>,
}

#[derive(Debug, Clone, Deserialize)]
struct LicenseFile {
    classes: BTreeMap<String, u8>,
    licenses: Vec<LicenseEntry>,
}

#[derive(Debug, Clone, Deserialize)]
struct ArchitectureFile {
    #[serde(default)]
    placeholders: Vec<String>,
    architectures: Vec<ArchitectureEntry>,
}

/// All vocabularies.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub datasets: Vec<DatasetEntry>,
    /// Raw name → several canonical dataset ids.
    pub combinations: BTreeMap<String, Vec<String>>,
    /// Raw names that denote no particular dataset.
    pub placeholders: Vec<String>,
    pub tasks: Vec<TaskEntry>,
    pub metrics: Vec<MetricEntry>,
    /// Prefixes stripped from metric names before matching (`eval_`, `train-`).
    pub metric_prefixes: Vec<String>,
    /// Training-log fields that are not metrics (`epoch`, `eval_runtime`).
    pub metric_placeholders: Vec<String>,
    pub licenses: Vec<LicenseEntry>,
    /// License class → rank (higher allows more).
    pub license_classes: BTreeMap<String, u8>,
    pub architectures: Vec<ArchitectureEntry>,
    pub architecture_placeholders: Vec<String>,
}

fn parse<T: serde::de::DeserializeOwned>(file: &'static str, text: &str) -> Result<T, EnrichError> {
    serde_saphyr::from_str(text).map_err(|e| EnrichError::Vocabulary {
        file,
        message: e.to_string(),
    })
}

impl Vocabulary {
    /// The vocabularies compiled into this build.
    pub fn builtin() -> Result<Vocabulary, EnrichError> {
        let datasets: DatasetFile = parse("datasets.yaml", include_str!("../vocab/datasets.yaml"))?;
        let tasks: TaskFile = parse("tasks.yaml", include_str!("../vocab/tasks.yaml"))?;
        let metrics: MetricFile = parse("metrics.yaml", include_str!("../vocab/metrics.yaml"))?;
        let licenses: LicenseFile = parse("licenses.yaml", include_str!("../vocab/licenses.yaml"))?;
        let architectures: ArchitectureFile = parse("architectures.yaml", include_str!("../vocab/architectures.yaml"))?;
        Ok(Vocabulary {
            datasets: datasets.datasets,
            combinations: datasets.combinations,
            placeholders: datasets.placeholders,
            tasks: tasks.tasks,
            metrics: metrics.metrics,
            metric_prefixes: metrics.prefixes,
            metric_placeholders: metrics.placeholders,
            licenses: licenses.licenses,
            license_classes: licenses.classes,
            architectures: architectures.architectures,
            architecture_placeholders: architectures.placeholders,
        })
    }

    pub fn license(&self, id: &str) -> Option<&LicenseEntry> {
        self.licenses.iter().find(|l| l.id == id)
    }

    pub fn metric(&self, id: &str) -> Option<&MetricEntry> {
        self.metrics.iter().find(|m| m.id == id)
    }

    /// The rank of a license class (higher allows more); unknown classes rank lowest.
    pub fn class_rank(&self, class: &str) -> u8 {
        self.license_classes.get(class).copied().unwrap_or(0)
    }
}
