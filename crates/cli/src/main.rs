//! `macaroni`: the command line over the format, the readers and the store.
//!
//! Each subcommand is a thin shell: it parses arguments, calls the facade (`macaroni-repo`), and
//! prints its typed result. Exit codes: 0 success, 1 error, 2 usage error (a malformed query or
//! SQL statement, a bad option), 3 `plan` found no plan that satisfies its constraint,
//! 4 `--strict` and warnings were recorded, 5 the requested id does not exist.

#[macro_use]
mod output;
mod bench;
mod bench_plan;
mod bench_query;
mod crawl;
mod demo;
mod enrich;
mod ingest;
mod inspect;
mod plan;
mod query;
mod rng;
mod serve;
mod transfer;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use output::Format;

#[derive(Parser)]
#[command(
    name = "macaroni",
    version,
    about = "One queryable repository of machine-learning model metadata.",
    after_help = "Examples:\n  macaroni quickstart\n  macaroni ingest hf-cards ../shared/data/hf-model-cards\n  macaroni ingest tfhub ../shared/data/tfhub.dev\n  macaroni show hf:deepset/roberta-base-squad2\n  macaroni stats --format json\n  macaroni export --format jsonl > bundle.jsonl"
)]
struct Cli {
    /// SQLite database file (created by writing commands when missing; read commands need it to exist).
    #[arg(long, global = true, default_value = "macaroni.db", env = "MACARONI_DB")]
    db: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read metadata files with one reader and store them.
    #[command(
        after_help = "Readers: hf-cards, hf-api, hf-config, hf-datasets, hf-dataset-cards, tfhub, pytorch-hub, pytorch-hubconf, timm, model-index, onnx, zoo-matrix, label-stats.\n\nExamples:\n  macaroni ingest hf-cards ../shared/data/hf-model-cards\n  macaroni ingest timm ../shared/data/timm/results\n  macaroni ingest model-index ../shared/data/mmpretrain ../shared/data/timm/hfdocs --strict\n  macaroni ingest zoo-matrix ../shared/data/zlizy-optimizer/model_stats_ap.csv --taxonomy coco\n  macaroni ingest label-stats ../shared/data/zlizy-optimizer/coco_selectivity.csv --taxonomy coco"
    )]
    Ingest {
        /// The reader: hf-cards, hf-api, hf-config, hf-datasets, hf-dataset-cards, tfhub, pytorch-hub, pytorch-hubconf, timm, model-index, onnx, zoo-matrix or label-stats.
        reader: String,
        /// Files or folders to read (folders are walked).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Exit with code 4 when any file produced a warning.
        #[arg(long)]
        strict: bool,
        /// Files per transaction.
        #[arg(long, default_value_t = 500)]
        batch: usize,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Do not run enrichment after reading.
        #[arg(long)]
        no_enrich: bool,
        /// The label set the columns of a zoo-matrix or label-stats file name (coco, voc, ...).
        #[arg(long)]
        taxonomy: Option<String>,
        /// Parse every file, also those whose bytes and reader are unchanged since the last ingest
        /// (which are otherwise skipped).
        #[arg(long)]
        reparse: bool,
    },
    /// Fetch zoo metadata from live services: incremental, polite, resumable.
    #[command(subcommand)]
    Crawl(CrawlCommand),
    /// Link raw names to canonical datasets, tasks, metrics, licenses and architectures; infer lineage.
    #[command(
        after_help = "Runs after every ingest too (unless --no-enrich); running it again changes nothing.

Examples:
  macaroni enrich
  macaroni enrich --report
  macaroni enrich --format json"
    )]
    Enrich {
        /// List the names no rule resolved, most used first.
        #[arg(long)]
        report: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Completeness per zoo and the contradictions found (license, value range, unknown datasets,
    /// missing base models, lineage cycles).
    #[command(after_help = "Examples:
  macaroni quality
  macaroni quality --format json > quality.json")]
    Quality {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Flags shown per check in the table.
        #[arg(long, default_value_t = 5)]
        limit: usize,
    },
    /// Search models with the query language (docs/QUERY.md).
    #[command(
        after_help = "Examples:\n  macaroni search 'task:image-classification dataset:imagenet-1k top1@imagenet-1k>=80 params<30M license:permissive'\n  macaroni search 'descendant-of(hf:meta-llama/Llama-2-7b-hf, fine_tuned_from>quantized_from, 3)'\n  macaroni search '\"question answering\" OR task:question-answering sort:downloads limit:10' --format json\n\nA malformed query exits with code 2 and points at the problem."
    )]
    Search {
        query: String,
        /// Results to show (1–10,000); default the query's `limit:`, else 50.
        #[arg(long)]
        limit: Option<usize>,
        /// Results to skip: the next page starts where the last one ended.
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Stop a query that runs longer than this.
        #[arg(long, default_value_t = 5000)]
        timeout_ms: u64,
    },
    /// Run a read-only SQL query over the documented tables and views (docs/STORE.md).
    #[command(
        after_help = "Writes, ATTACH, PRAGMA and extensions are refused.\n\nExamples:\n  macaroni sql 'SELECT zoo, COUNT(*) AS models FROM models GROUP BY zoo'\n  macaroni sql 'SELECT * FROM evaluation_scores WHERE dataset_id = \"dataset:imagenet-1k\" LIMIT 5' --format json"
    )]
    Sql {
        query: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, default_value_t = 10_000)]
        max_rows: usize,
        #[arg(long, default_value_t = 5000)]
        timeout_ms: u64,
    },
    /// Ancestors (--up) or descendants (--down, the default) of a model, as a DAG.
    #[command(
        after_help = "Examples:\n  macaroni lineage hf:meta-llama/Llama-2-7b-hf\n  macaroni lineage hf:TheBloke/Llama-2-7B-Chat-GPTQ --up\n  macaroni lineage hf:meta-llama/Llama-2-7b-hf --relation quantized_from --format dot | dot -Tsvg > lineage.svg\n  macaroni lineage hf:TheBloke/Llama-2-7B-Chat-GPTQ --common-with hf:TheBloke/Llama-2-7B-Chat-GGUF"
    )]
    Lineage {
        id: String,
        /// Print the ancestors this model shares with another, nearest first (text/json/csv).
        #[arg(long, value_name = "ID", conflicts_with_all = ["up", "down"])]
        common_with: Option<String>,
        /// Walk towards the base models.
        #[arg(long, conflicts_with = "down")]
        up: bool,
        /// Walk towards the derivatives (the default).
        #[arg(long)]
        down: bool,
        /// Only follow this relation (repeatable): fine_tuned_from, adapter_of, quantized_from, merged_from, distilled_from, derived_from.
        #[arg(long = "relation")]
        relations: Vec<String>,
        #[arg(long, default_value_t = 10)]
        depth: u32,
        #[arg(long, value_enum, default_value_t = query::LineageFormat::Text)]
        format: query::LineageFormat,
    },
    /// Compare models on the benchmarks they share, with size, license and measured throughput.
    #[command(
        after_help = "Examples:\n  macaroni compare timm:resnet50.a1_in1k timm:convnext_tiny.fb_in1k timm:deit_small_patch16_224.fb_in1k\n  macaroni compare hf:a/b hf:c/d --all --format json"
    )]
    Compare {
        #[arg(required = true, num_args = 2..)]
        ids: Vec<String>,
        /// Show every benchmark, not only those two or more models share.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The Pareto front of a search's models on two or three objectives.
    #[command(
        after_help = "Objectives: params, size, downloads, likes, or metric@dataset.\n\nExamples:\n  macaroni select 'task:image-classification' --maximize top1@imagenet-1k --minimize params\n  macaroni select 'task:question-answering' --maximize f1@squad_v2 --minimize params --maximize downloads"
    )]
    Select {
        query: String,
        #[arg(long)]
        maximize: Vec<String>,
        #[arg(long)]
        minimize: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Choose and order the models that answer an inference query's predicates (docs/OPTIMIZER.md).
    #[command(
        after_help = "The query joins labels with & (and), | (or), ~ (not) and parentheses. Models, per-label accuracies and
costs come from `can_predict` relations and cost measurements (macaroni ingest zoo-matrix); selectivities
for --order from label statistics (macaroni ingest label-stats).

Exit codes: 0 a plan was found, 2 the query or options are wrong, 3 no plan satisfies the constraint.

Examples:
  macaroni plan '(bottle | tv) & chair' --max-cost 150
  macaroni plan '(person | car) & (cup | bowl)' --min-accuracy 0.6 --order --format json
  macaroni plan 'bottle | (cup & bowl) | (person & chair)' --pareto"
    )]
    Plan {
        query: String,
        /// Maximise accuracy among plans costing at most this.
        #[arg(long, conflicts_with_all = ["min_accuracy", "pareto"])]
        max_cost: Option<f64>,
        /// Minimise cost among plans at least this accurate (0..1).
        #[arg(long, conflicts_with = "pareto")]
        min_accuracy: Option<f64>,
        /// Charge models under short-circuit evaluation in the best execution order.
        #[arg(long)]
        order: bool,
        /// Print the Pareto front of plans on accuracy and cost instead of one plan.
        #[arg(long)]
        pareto: bool,
        /// Label taxonomy of the query's labels (needed when the repository holds several).
        #[arg(long)]
        taxonomy: Option<String>,
        /// Label statistics to take selectivities from: a data instance id or its dataset name.
        #[arg(long)]
        label_stats: Option<String>,
        /// Stop the exact search after this long and report the remaining gap.
        #[arg(long, default_value_t = 10_000)]
        time_limit_ms: u64,
        /// Optimality tolerance: stop improving once no plan can be better by more than this
        /// fraction (0 proves the exact optimum).
        #[arg(long, default_value_t = macaroni_optimize::exact::DEFAULT_RELATIVE_GAP)]
        relative_gap: f64,
        #[arg(long, value_enum, default_value_t = plan::PlanFormat::Text)]
        format: plan::PlanFormat,
    },
    /// Show one entity: its merged attributes, sources, relations, evaluations and costs.
    #[command(
        after_help = "Examples:\n  macaroni show hf:google-bert/bert-base-uncased\n  macaroni show timm:resnet50.a1_in1k --format json\n  macaroni show hf:acme/tiny --history\n  macaroni show hf:acme/tiny --as-of 2026-01-31T00:00:00Z"
    )]
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Also list every version of every attribute.
        #[arg(long)]
        history: bool,
        /// Show the entity as it stood at this RFC 3339 time.
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Counts of entities per kind, relations per type, models per zoo, and history size.
    Stats {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write every current statement as JSON Lines (one record per line).
    #[command(
        after_help = "Examples:\n  macaroni export --format jsonl > bundle.jsonl\n  macaroni export --kind evaluation --output evals.jsonl"
    )]
    Export {
        /// Only `jsonl` is supported.
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// Only records of this kind (model, dataset, evaluation, relation, ...).
        #[arg(long)]
        kind: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Read a JSON Lines bundle written by `export` into the database.
    #[command(
        after_help = "By default an import adds and updates what the bundle states and closes nothing, so a
partial bundle (an `export --kind model`, a file cut short) cannot remove what the repository holds.
With --replace each source in the bundle ends up saying exactly what the bundle says; a bundle
that states no record of a kind the repository holds from one of its sources is refused (exit 2).

Examples:
  macaroni export --output all.jsonl && macaroni --db copy.db import all.jsonl
  macaroni import corrections.jsonl
  macaroni import all.jsonl --replace"
    )]
    Import {
        bundle: PathBuf,
        /// Make each source in the bundle say exactly what the bundle says (closes the rest).
        #[arg(long)]
        replace: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Build a database from the demo zoo shipped with Macaroni and say what to try next.
    Quickstart,
    /// Serve the repository over HTTP: the JSON API (/api/v1, OpenAPI at /api/v1/openapi.json) and
    /// the Hugging Face Hub's read API (/api/models, /api/datasets, model cards).
    #[command(
        after_help = "Reads only: the database must exist (it is never created or changed). An ingest or crawl may
write to it meanwhile. Stops cleanly on Ctrl-C or SIGTERM. Access logs go to standard error
(RUST_LOG=info, the default; RUST_LOG=warn to quiet them).

Examples:
  macaroni serve
  macaroni serve --bind 0.0.0.0:8080 --db /data/macaroni.db
  curl 'http://127.0.0.1:8080/api/v1/search?q=task:image-classification+sort:downloads&limit=5'
  python -c \"from huggingface_hub import HfApi; print([m.id for m in HfApi(endpoint='http://127.0.0.1:8080').list_models(limit=5)])\""
    )]
    Serve {
        /// Address and port to listen on (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: std::net::SocketAddr,
        /// Deadline of one database read, in milliseconds.
        #[arg(long, default_value_t = 5000)]
        timeout_ms: u64,
        /// Database reads running at once.
        #[arg(long, default_value_t = 8)]
        connections: usize,
        /// Write access logs as JSON lines (for log collectors) instead of text.
        #[arg(long)]
        log_json: bool,
        /// Items per page of a Hub listing that gives no `limit` (pages follow the Link header).
        #[arg(long, default_value_t = macaroni_repo::hub::DEFAULT_PAGE)]
        hub_page_size: usize,
        /// Read every request from the database, even one asked a moment ago (no answer cache).
        #[arg(long)]
        no_cache: bool,
    },
    /// Print the JSON Schema of a Macaroni record.
    Schema,
    /// Measure ingest throughput, peak memory and database size.
    #[command(
        after_help = "Examples:\n  macaroni bench ingest --shared ../shared/data\n  macaroni bench ingest --synthetic 100000"
    )]
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum CrawlCommand {
    /// List models from the Hub's /api/models (cursor pagination), fetch their cards, store page by page.
    #[command(
        after_help = "A crawl killed at any moment continues where it stopped when run again with the same options;
models whose commit sha did not change are skipped, and cards are asked for with If-None-Match.
HF_TOKEN, when set, is sent to the endpoint's host. The Hub limits requests per 5-minute window
(anonymous: 500 API calls and 3,000 file downloads per IP; more with a token) and answers 429 with
Retry-After, which the crawler honours.

Examples:
  macaroni crawl huggingface --limit 1000 --sort downloads --with-cards
  macaroni crawl huggingface --author google --with-cards --concurrency 4
  macaroni crawl huggingface --filter text-classification --limit 200 --dry-run
  macaroni crawl huggingface --datasets --limit 500 --with-cards
  HF_ENDPOINT=http://127.0.0.1:8080 macaroni crawl huggingface --with-cards"
    )]
    Huggingface {
        /// Stop after this many models of the listing.
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long)]
        author: Option<String>,
        /// Only models with this tag (a task, library or language tag).
        #[arg(long)]
        filter: Option<String>,
        /// Listing order, descending: downloads or lastModified.
        #[arg(long, value_parser = ["downloads", "lastModified", "likes", "createdAt"])]
        sort: Option<String>,
        /// Also fetch each model's README.md (the model card).
        #[arg(long)]
        with_cards: bool,
        /// Also fetch each model's config.json (architecture, layers, hidden size, vocabulary, ...).
        #[arg(long)]
        with_config: bool,
        /// Crawl datasets (/api/datasets, dataset cards) instead of models.
        #[arg(long)]
        datasets: bool,
        /// Card downloads in flight at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Requests per second at most, across all threads.
        #[arg(long, default_value_t = 8.0)]
        rate: f64,
        /// Models per listing page.
        #[arg(long, default_value_t = 100)]
        page_size: usize,
        #[arg(long, env = "HF_ENDPOINT", default_value = "https://huggingface.co")]
        endpoint: String,
        /// List and fetch, store nothing.
        #[arg(long)]
        dry_run: bool,
        /// Ignore the checkpoint and list from the first page.
        #[arg(long)]
        restart: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Read tensorflow/tfhub.dev: a .tar.gz URL of the repository, or a local checkout.
    #[command(after_help = "Examples:
  macaroni crawl tfhub https://codeload.github.com/tensorflow/tfhub.dev/tar.gz/refs/heads/master
  macaroni crawl tfhub ../tfhub.dev")]
    Tfhub {
        source: String,
        /// Another host the download may be redirected to (github.com archive links go to codeload.github.com).
        #[arg(long)]
        allow_host: Vec<String>,
    },
    /// Read pytorch/hub: a .tar.gz URL of the repository, or a local checkout.
    #[command(after_help = "Examples:
  macaroni crawl pytorch-hub https://codeload.github.com/pytorch/hub/tar.gz/refs/heads/master
  macaroni crawl pytorch-hub ../hub --with-hubconf")]
    PytorchHub {
        source: String,
        #[arg(long)]
        allow_host: Vec<String>,
        /// Also fetch each model repository's hubconf.py (its entrypoints and their docstrings).
        #[arg(long)]
        with_hubconf: bool,
        /// Where hubconf.py files are fetched from: <endpoint>/<owner>/<repo>/<ref>/hubconf.py.
        #[arg(long, default_value = macaroni_crawl::pytorch_hub::RAW_GITHUB)]
        hubconf_endpoint: String,
    },
}

fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            esay!("error: {err:#}");
            ExitCode::from(exit_code(&err))
        }
    }
}

/// Exit codes as the README lists them: 2 for a request to fix (a malformed query or SQL, SQL
/// that would write, a bad option value), 3 when no inference plan satisfies the constraint, 5 for an id that names
/// nothing, 1 for every other failure.
fn exit_code(err: &anyhow::Error) -> u8 {
    match err
        .chain()
        .find_map(|cause| cause.downcast_ref::<macaroni_repo::RepoError>())
    {
        Some(macaroni_repo::RepoError::Usage { .. } | macaroni_repo::RepoError::Denied(_)) => 2,
        Some(macaroni_repo::RepoError::NoPlan(_)) => 3,
        Some(macaroni_repo::RepoError::NotFound { .. }) => 5,
        _ => 1,
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Ingest {
            reader,
            paths,
            strict,
            batch,
            format,
            no_enrich,
            taxonomy,
            reparse,
        } => ingest::run(
            &cli.db,
            &reader,
            &paths,
            ingest::Options {
                strict,
                batch,
                format,
                enrich: !no_enrich,
                label_taxonomy: taxonomy,
                reparse,
            },
        ),
        Command::Crawl(CrawlCommand::Huggingface {
            limit,
            author,
            filter,
            sort,
            with_cards,
            with_config,
            datasets,
            concurrency,
            rate,
            page_size,
            endpoint,
            dry_run,
            restart,
            format,
        }) => crawl::huggingface(
            &cli.db,
            crawl::HfRequest {
                options: macaroni_crawl::HfOptions {
                    endpoint,
                    limit,
                    author,
                    filter,
                    sort,
                    with_cards,
                    with_config,
                    datasets,
                    concurrency,
                    page_size,
                    dry_run,
                    observed_at: macaroni_repo::now(),
                },
                rate,
                restart,
                format,
            },
        ),
        Command::Crawl(CrawlCommand::Tfhub { source, allow_host }) => {
            crawl::repository(&cli.db, macaroni_sources::ReaderKind::Tfhub, &source, &allow_host, None)
        }
        Command::Crawl(CrawlCommand::PytorchHub {
            source,
            allow_host,
            with_hubconf,
            hubconf_endpoint,
        }) => crawl::repository(
            &cli.db,
            macaroni_sources::ReaderKind::PytorchHub,
            &source,
            &allow_host,
            with_hubconf.then_some(hubconf_endpoint.as_str()),
        ),
        Command::Enrich { report, format } => enrich::enrich(&cli.db, report, format),
        Command::Search {
            query,
            limit,
            offset,
            format,
            timeout_ms,
        } => query::search(
            &cli.db,
            macaroni_repo::SearchRequest { query, offset, limit },
            format,
            query::timeout(timeout_ms),
        ),
        Command::Sql {
            query,
            format,
            max_rows,
            timeout_ms,
        } => query::sql(&cli.db, &query, format, max_rows, query::timeout(timeout_ms)),
        Command::Compare { ids, all, format } => query::compare(&cli.db, &ids, all, format),
        Command::Select {
            query,
            maximize,
            minimize,
            format,
        } => query::select(&cli.db, &query, &maximize, &minimize, format),
        Command::Lineage {
            id,
            common_with,
            up,
            down: _,
            relations,
            depth,
            format,
        } => match common_with {
            Some(other) => query::common_ancestors(&cli.db, [&id, &other], &relations, depth, format),
            None => query::lineage(&cli.db, &id, up, &relations, depth, format),
        },
        Command::Plan {
            query,
            max_cost,
            min_accuracy,
            order,
            pareto,
            taxonomy,
            label_stats,
            time_limit_ms,
            relative_gap,
            format,
        } => plan::run(
            &cli.db,
            macaroni_repo::plan::PlanRequest {
                query,
                max_cost,
                min_accuracy,
                ordered: order,
                pareto,
                taxonomy,
                label_stats,
                time_limit: Duration::from_millis(time_limit_ms),
                relative_gap,
            },
            format,
        ),
        Command::Quality { format, limit } => enrich::quality(&cli.db, format, limit),
        Command::Show {
            id,
            format,
            history,
            as_of,
        } => inspect::show(&cli.db, &id, format, history, as_of.as_deref()),
        Command::Stats { format } => inspect::stats(&cli.db, format),
        Command::Export { format, kind, output } => {
            transfer::export(&cli.db, &format, kind.as_deref(), output.as_deref())
        }
        Command::Import {
            bundle,
            replace,
            format,
        } => transfer::import(&cli.db, &bundle, replace, format),
        Command::Quickstart => demo::quickstart(&cli.db),
        Command::Serve {
            bind,
            timeout_ms,
            connections,
            log_json,
            hub_page_size,
            no_cache,
        } => serve::run(
            &cli.db,
            serve::ServeRequest {
                bind,
                query_timeout: Duration::from_millis(timeout_ms.max(1)),
                connections,
                log_json,
                hub_page_size,
                cache: !no_cache,
            },
        ),
        Command::Schema => {
            println!("{}", serde_json::to_string_pretty(&macaroni_format::json_schema())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { what } => bench::run(&cli.db, what),
    }
}

/// `macaroni export | head` should stop quietly, as other Unix tools do, instead of failing on
/// the closed pipe: Rust ignores SIGPIPE by default, so restore the default action.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists; setting the
    // disposition of SIGPIPE to its default has no other effect on this process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
