//! `macaroni bench ingest`: ingest throughput (files/s, MB/s), peak memory and database size, on
//! the real files in `../shared/data` or on a generated corpus of synthetic model cards.
//!
//! Figures go to BENCHMARKS.md by hand, with the command that produced them; nothing here asserts
//! a time.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;
use macaroni_sources::{collect_files, read_document, Document, ReaderKind};
use macaroni_store::Change;

use macaroni_repo::{IngestReport, Writer};

use crate::ingest::ingest_documents;
use crate::output;
use crate::rng::Rng;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// The optimiser on the real COCO queries of the ICWE 2023 code over model_stats_ap.csv, at
    /// several budgets and accuracy targets: the exact plan next to the greedy one.
    ///
    /// Example: macaroni bench plan-coco --shared ../shared/data
    PlanCoco {
        /// The `data` folder of ../shared.
        #[arg(long)]
        shared: PathBuf,
        #[arg(long, default_value_t = 10_000)]
        time_limit_ms: u64,
    },
    /// Time the inference-query optimiser on synthetic zoos shaped like the ICWE 2023 setup,
    /// next to the paper's Gurobi times when ../shared/data is given.
    ///
    /// Example: macaroni bench plan --shared ../shared/data --models 1600 --tasks 80
    Plan {
        /// Models per zoo (repeatable).
        #[arg(long, default_values_t = [200, 400, 800, 1600])]
        models: Vec<usize>,
        /// Tasks (labels) per zoo (repeatable).
        #[arg(long, default_values_t = [20, 40, 80])]
        tasks: Vec<usize>,
        #[arg(long, default_value_t = 200)]
        queries: usize,
        #[arg(long, value_enum, default_value_t = crate::bench_plan::Distribution::Uniform)]
        distribution: crate::bench_plan::Distribution,
        /// How many tasks one model answers.
        #[arg(long, value_enum, default_value_t = crate::bench_plan::Sharing::Coco)]
        sharing: crate::bench_plan::Sharing,
        /// Stop one query's exact search after this long (it is then reported unproven).
        #[arg(long, default_value_t = 2000)]
        time_limit_ms: u64,
        #[arg(long, default_value_t = 2023)]
        seed: u64,
        /// The `data` folder of ../shared, for the paper's times in run_summary.csv.
        #[arg(long)]
        shared: Option<PathBuf>,
        /// Print every query's search (nodes, time, bounds, plans) to standard error.
        #[arg(long)]
        per_query: bool,
    },
    /// Latency of a fixed query workload on a synthetic repository (generated at --db when missing).
    ///
    /// Generating 1,000,000 models takes about 10 minutes and 8 GB of disk on 2 cores; later runs on the
    /// same file only time the queries. Example: macaroni --db /tmp/bq1m.db bench query --runs 10
    Query {
        /// Models in the synthetic repository.
        #[arg(long, default_value_t = 1_000_000)]
        models: usize,
        /// Runs of each query.
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Ingest into a fresh database, then ingest the same input again (the idempotent pass).
    Ingest {
        /// Folder holding the real zoo files (the `data` folder of ../shared).
        #[arg(long, conflicts_with = "synthetic")]
        shared: Option<PathBuf>,
        /// Generate this many synthetic HF model cards instead.
        #[arg(long)]
        synthetic: Option<usize>,
        /// Files per transaction.
        #[arg(long, default_value_t = 500)]
        batch: usize,
    },
}

pub fn run(db: &Path, command: BenchCommand) -> anyhow::Result<ExitCode> {
    let (shared, synthetic, batch) = match command {
        BenchCommand::Query { models, runs } => return crate::bench_query::run(db, models, runs),
        BenchCommand::PlanCoco { shared, time_limit_ms } => {
            return crate::bench_plan::run_coco(&shared, std::time::Duration::from_millis(time_limit_ms))
        }
        BenchCommand::Plan {
            models,
            tasks,
            queries,
            distribution,
            sharing,
            time_limit_ms,
            seed,
            shared,
            per_query,
        } => {
            return crate::bench_plan::run(crate::bench_plan::PlanBench {
                models,
                tasks,
                queries,
                distribution,
                sharing,
                time_limit: std::time::Duration::from_millis(time_limit_ms),
                seed,
                shared,
                per_query,
            })
        }
        BenchCommand::Ingest {
            shared,
            synthetic,
            batch,
        } => (shared, synthetic, batch),
    };
    if db.exists() {
        bail!(
            "{} exists; the benchmark needs a fresh database path (pass --db)",
            db.display()
        );
    }
    let mut store = Writer::open_write(db)?;
    let mut rows = Vec::new();
    match (shared, synthetic) {
        (Some(shared), _) => {
            for (reader, folders) in macaroni_sources::SHARED_DATA_LAYOUT {
                let paths: Vec<PathBuf> = folders.iter().map(|f| shared.join(f)).collect();
                for pass in PASSES {
                    store.reparse_all(pass == "reparse");
                    let (files, _) = collect_files(reader, &paths);
                    let total = files.len() as u64;
                    let docs = files.into_iter().map(|(root, path)| read_document(&root, &path));
                    let report = ingest_documents(&mut store, reader, None, docs, total, batch, true)?;
                    rows.push(row(reader.name(), pass, &report));
                }
            }
        }
        (None, Some(count)) => {
            for pass in PASSES {
                store.reparse_all(pass == "reparse");
                let docs = (0..count).map(|i| Ok(synthetic_card(i)));
                let report = ingest_documents(&mut store, ReaderKind::HfCards, None, docs, count as u64, batch, true)?;
                rows.push(row("synthetic hf-cards", pass, &report));
            }
        }
        (None, None) => bail!("pass --shared DIR or --synthetic N"),
    }
    drop(store);
    let header = [
        "input",
        "pass",
        "files",
        "MB",
        "records",
        "skipped",
        "added",
        "unchanged",
        "seconds",
        "files/s",
        "records/s",
        "MB/s",
    ];
    say!("{}", output::table(&header, rows));
    let db_size = std::fs::metadata(db).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(db.with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    say!(
        "database: {:.1} MB; peak resident memory: {}",
        db_size as f64 / 1e6,
        peak_memory().unwrap_or_else(|| "unknown".into())
    );
    Ok(ExitCode::SUCCESS)
}

/// A new database, the same files again (skipped by their fingerprints), and the same files
/// parsed and diffed again (`ingest --reparse`).
const PASSES: [&str; 3] = ["first", "again", "reparse"];

fn row(input: &str, pass: &str, report: &IngestReport) -> Vec<String> {
    let seconds = report.elapsed.as_secs_f64().max(1e-9);
    let mb = report.bytes as f64 / 1e6;
    vec![
        input.to_string(),
        pass.to_string(),
        report.files.to_string(),
        format!("{mb:.2}"),
        report.records.to_string(),
        report.unchanged_files.to_string(),
        report.summary.total(Change::Added).to_string(),
        report.summary.total(Change::Unchanged).to_string(),
        format!("{seconds:.2}"),
        format!("{:.0}", report.files as f64 / seconds),
        format!("{:.0}", report.records as f64 / seconds),
        format!("{:.2}", mb / seconds),
    ]
}

/// VmHWM of this process (Linux), e.g. "85.3 MB".
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MB", kb / 1024.0))
}

const LICENSES: [&str; 8] = [
    "apache-2.0",
    "apache-2.0",
    "mit",
    "mit",
    "cc-by-4.0",
    "other",
    "llama2",
    "cc-by-nc-4.0",
];
const TASKS: [&str; 8] = [
    "text-classification",
    "token-classification",
    "question-answering",
    "text-generation",
    "automatic-speech-recognition",
    "image-classification",
    "summarization",
    "translation",
];
const DATASETS: [&str; 10] = [
    "imdb",
    "glue",
    "squad",
    "squad_v2",
    "conll2003",
    "common_voice",
    "imagenet-1k",
    "cnn_dailymail",
    "wikiann",
    "emotion",
];
const METRICS: [&str; 5] = ["accuracy", "f1", "precision", "recall", "wer"];
const BASES: [&str; 6] = [
    "distilbert-base-uncased",
    "bert-base-cased",
    "roberta-base",
    "google/vit-base-patch16-224-in21k",
    "facebook/wav2vec2-base",
    "t5-small",
];

/// A Trainer-style card shaped like the real ones: front matter with license, tags, datasets,
/// base_model and a model-index, then the generated body with hyperparameters, a results table
/// and framework versions. About 3–5 kB, like the median real card.
pub fn synthetic_card(index: usize) -> Document {
    let mut rng = Rng(index as u64 ^ 0x5eed);
    let task = rng.pick(&TASKS);
    let dataset = rng.pick(&DATASETS);
    let base = if index > 10 && rng.unit() < 0.3 {
        format!("user{}/model-{}", (index / 7) % 5000, index / 2)
    } else {
        rng.pick(&BASES).to_string()
    };
    let org = format!("user{}", index % 5000);
    let name = format!(
        "{}-finetuned-{dataset}-{index}",
        base.rsplit('/').next().unwrap_or("model")
    );
    let mut metrics = String::new();
    let mut listed = String::new();
    for metric in METRICS.iter().take(1 + (rng.next() % 4) as usize) {
        let value = 0.5 + rng.unit() * 0.49;
        metrics.push_str(&format!(
            "    - name: {metric}\n      type: {metric}\n      value: {value:.4}\n"
        ));
        listed.push_str(&format!(
            "- {}: {value:.4}\n",
            metric[..1].to_uppercase() + &metric[1..]
        ));
    }
    let mut results = String::from(
        "| Training Loss | Epoch | Step | Validation Loss | Accuracy |\n|:---:|:---:|:---:|:---:|:---:|\n",
    );
    let epochs = 1 + rng.next() % 5;
    for epoch in 1..=epochs {
        results.push_str(&format!(
            "| {:.4} | {epoch}.0 | {} | {:.4} | {:.4} |\n",
            1.0 / epoch as f64,
            epoch * 500,
            0.8 / epoch as f64,
            0.7 + rng.unit() * 0.29
        ));
    }
    let text = format!(
        "---\nlicense: {license}\ntags:\n- generated_from_trainer\ndatasets:\n- {dataset}\nbase_model: {base}\nmodel-index:\n- name: {name}\n  results:\n  - task:\n      name: {task}\n      type: {task}\n    dataset:\n      name: {dataset}\n      type: {dataset}\n      config: default\n      split: validation\n    metrics:\n{metrics}---\n\n<!-- This model card has been generated automatically according to the information the Trainer had access to. -->\n\n# {name}\n\nThis model is a fine-tuned version of [{base}](https://huggingface.co/{base}) on the {dataset} dataset.\nIt achieves the following results on the evaluation set:\n- Loss: 0.{loss:04}\n{listed}\n## Model description\n\nMore information needed\n\n## Intended uses & limitations\n\nMore information needed\n\n## Training and evaluation data\n\nMore information needed\n\n## Training procedure\n\n### Training hyperparameters\n\nThe following hyperparameters were used during training:\n- learning_rate: {lr}e-05\n- train_batch_size: {batch}\n- eval_batch_size: {batch}\n- seed: 42\n- optimizer: Adam with betas=(0.9,0.999) and epsilon=1e-08\n- lr_scheduler_type: linear\n- num_epochs: {epochs}\n\n### Training results\n\n{results}\n\n### Framework versions\n\n- Transformers 4.{tv}.0\n- Pytorch 1.{pv}.0+cu117\n- Datasets 2.{dv}.0\n- Tokenizers 0.13.2\n",
        license = rng.pick(&LICENSES),
        loss = rng.next() % 10000,
        lr = 1 + rng.next() % 5,
        batch = [8, 16, 32, 64][(rng.next() % 4) as usize],
        tv = 20 + rng.next() % 20,
        pv = 10 + rng.next() % 4,
        dv = rng.next() % 15,
    );
    let relative = PathBuf::from(format!("{org}/{name}/README.md"));
    Document::from_bytes(
        &format!("synthetic:{org}/{name}/README.md"),
        &relative,
        text.into_bytes(),
    )
}
