//! Versioned migrations. `PRAGMA user_version` holds the number of migrations applied; each one
//! runs in the same transaction as the version bump, so a database is never half-migrated.

use rusqlite::Connection;

use crate::StoreError;

/// Migration `i` brings the schema from version `i` to `i + 1`. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: history-keeping fact store and the typed tables derived from it.
    r#"
    -- A document facts were read from (a file path or URL), stored once.
    CREATE TABLE sources (
        id  INTEGER PRIMARY KEY,
        uri TEXT NOT NULL UNIQUE
    );

    -- What one source says about one entity (or relation) with one method. Closed (valid_to set)
    -- when the source stops saying it.
    CREATE TABLE statements (
        id              INTEGER PRIMARY KEY,
        entity_id       TEXT NOT NULL,
        kind            TEXT NOT NULL,
        source_zoo      TEXT NOT NULL,
        source_id       INTEGER NOT NULL REFERENCES sources(id),
        source_revision TEXT,
        method          TEXT NOT NULL,
        confidence      REAL NOT NULL,
        evidence        TEXT,
        observed_at     TEXT NOT NULL,
        valid_from      TEXT NOT NULL,
        valid_to        TEXT
    );
    CREATE INDEX statements_current_by_source ON statements(source_id) WHERE valid_to IS NULL;
    CREATE INDEX statements_by_entity ON statements(entity_id);

    -- One attribute value of a statement, versioned: a changed value closes the old row.
    CREATE TABLE facts (
        id           INTEGER PRIMARY KEY,
        statement_id INTEGER NOT NULL REFERENCES statements(id),
        field        TEXT NOT NULL,
        value        TEXT NOT NULL,      -- JSON
        valid_from   TEXT,               -- NULL: since its statement's valid_from
        valid_to     TEXT
    );
    CREATE INDEX facts_by_statement ON facts(statement_id, field);

    -- Derived, current view: one row per entity (merged attributes are rebuilt from facts on demand).
    CREATE TABLE entities (
        id         TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        name       TEXT,
        sources    INTEGER NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX entities_by_kind ON entities(kind);

    CREATE TABLE models (
        id            TEXT PRIMARY KEY,
        name          TEXT,
        zoo           TEXT,
        task          TEXT,
        library       TEXT,
        architecture  TEXT,
        license       TEXT,
        parameters    INTEGER,
        size_bytes    INTEGER,
        downloads     INTEGER,
        likes         INTEGER,
        created_at    TEXT,
        last_modified TEXT,
        revision      TEXT,
        url           TEXT,
        description   TEXT,
        languages     TEXT,             -- JSON array
        tags          TEXT              -- JSON array
    );
    CREATE INDEX models_by_zoo ON models(zoo);
    CREATE INDEX models_by_task ON models(task);
    CREATE INDEX models_by_license ON models(license);
    CREATE INDEX models_by_parameters ON models(parameters, id);
    CREATE INDEX models_by_downloads ON models(downloads, id);
    CREATE INDEX models_by_likes ON models(likes, id);
    CREATE INDEX models_by_created ON models(created_at, id);

    CREATE TABLE datasets (
        id          TEXT PRIMARY KEY,
        name        TEXT,
        license     TEXT,
        modality    TEXT,
        homepage    TEXT,
        description TEXT
    );

    CREATE TABLE evaluations (
        id             TEXT PRIMARY KEY,
        model_id       TEXT NOT NULL,
        task_type      TEXT,
        task_name      TEXT,
        dataset_id     TEXT,
        dataset_name   TEXT,
        dataset_type   TEXT,
        dataset_config TEXT,
        dataset_split  TEXT,
        metric_type    TEXT,
        metric_name    TEXT,
        metric_id      TEXT,             -- metric:<slug of type or name>, joinable with same_as
        value          TEXT,             -- JSON, as the source wrote it
        numeric_value  REAL,
        verified       INTEGER,
        method         TEXT NOT NULL,
        source_uri     TEXT NOT NULL
    );
    CREATE INDEX evaluations_by_model ON evaluations(model_id);
    CREATE INDEX evaluations_by_dataset_metric ON evaluations(dataset_id, metric_id, numeric_value);

    CREATE TABLE relations (
        id         TEXT PRIMARY KEY,
        subject    TEXT NOT NULL,
        relation   TEXT NOT NULL,
        object     TEXT NOT NULL,
        attributes TEXT,                 -- JSON
        method     TEXT NOT NULL,
        confidence REAL NOT NULL,
        source_uri TEXT NOT NULL
    );
    CREATE INDEX relations_by_subject ON relations(subject, relation);
    CREATE INDEX relations_by_object ON relations(object, relation);

    CREATE TABLE cost_measurements (
        id           TEXT PRIMARY KEY,
        model_id     TEXT NOT NULL,
        phase        TEXT,
        hardware     TEXT,
        precision    TEXT,
        framework    TEXT,
        batch_size   INTEGER,
        image_size   INTEGER,
        throughput   REAL,
        step_time_ms REAL,
        latency_ms   REAL,
        memory_mb    REAL,
        gmacs        REAL,
        flops        REAL,
        cost         REAL
    );
    CREATE INDEX cost_measurements_by_model ON cost_measurements(model_id);

    CREATE TABLE training_runs (
        id                 TEXT PRIMARY KEY,
        model_id           TEXT,
        hardware           TEXT,
        emissions_grams    REAL,
        hyperparameters    TEXT,         -- JSON
        framework_versions TEXT          -- JSON
    );
    CREATE INDEX training_runs_by_model ON training_runs(model_id);

    -- Lineage edges only: child --relation--> parent.
    CREATE VIEW lineage_edges AS
        SELECT subject AS child, relation, object AS parent, method, confidence, source_uri
        FROM relations
        WHERE relation IN ('fine_tuned_from', 'adapter_of', 'quantized_from', 'merged_from', 'distilled_from',
                           'derived_from');

    -- Raw vocabulary ids and the canonical ids enrichment resolved them to.
    CREATE VIEW canonical_ids AS
        SELECT subject AS raw_id, object AS canonical_id, confidence
        FROM relations
        WHERE relation = 'same_as' AND source_uri = 'enrich:links';

    -- Evaluations with dataset and metric resolved to canonical ids where enrichment could.
    CREATE VIEW evaluation_scores AS
        SELECT e.id, e.model_id,
               COALESCE((SELECT c.canonical_id FROM canonical_ids c WHERE c.raw_id = e.dataset_id
                         ORDER BY c.confidence DESC LIMIT 1), e.dataset_id) AS dataset_id,
               COALESCE((SELECT c.canonical_id FROM canonical_ids c WHERE c.raw_id = e.metric_id
                         ORDER BY c.confidence DESC LIMIT 1), e.metric_id) AS metric_id,
               e.dataset_config, e.dataset_split, e.task_type, e.value, e.numeric_value, e.verified, e.method,
               e.source_uri
        FROM evaluations e;

    -- Full text over names, descriptions and card text; rowid = entities.rowid. Contentless: the
    -- text already lives in facts, the index only needs the tokens.
    CREATE VIRTUAL TABLE search USING fts5(
        name, description, body,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    "#,
    // 2: relation indexes that also hold the other end, so lineage walks and relation filters are
    // answered from the index alone (at 1M models: 10k descendants 160 -> 100 ms, task + dataset
    // 70 -> 30 ms; BENCHMARKS.md).
    r#"
    DROP INDEX relations_by_subject;
    DROP INDEX relations_by_object;
    CREATE INDEX relations_by_subject ON relations(subject, relation, object);
    CREATE INDEX relations_by_object ON relations(object, relation, subject);
    "#,
    // 3: crawl state, so a crawl resumes where it stopped and skips what has not changed. Written
    // in the same transaction as the records a page of the crawl produced.
    r#"
    CREATE TABLE crawl_checkpoints (
        crawl      TEXT PRIMARY KEY,     -- e.g. `huggingface:https://huggingface.co?author=google`
        next_url   TEXT,                 -- the page to fetch next; NULL once the listing is done
        updated_at TEXT NOT NULL
    );
    CREATE TABLE crawl_items (
        source        TEXT NOT NULL,     -- `huggingface`
        item          TEXT NOT NULL,     -- the zoo's id, e.g. `google-bert/bert-base-uncased`
        sha           TEXT,
        last_modified TEXT,
        card_etag     TEXT,
        fetched_at    TEXT NOT NULL,
        PRIMARY KEY (source, item)
    );
    "#,
    // 4: the transitive closure of lineage (any lineage relation, fewest hops), so that all the
    // descendants or ancestors of a model are one index range instead of a recursive walk (10k
    // descendants at 1M models: ~120 ms walking). Maintained by every write (module `closure`).
    r#"
    CREATE TABLE lineage_closure (
        ancestor   TEXT NOT NULL,
        descendant TEXT NOT NULL,
        depth      INTEGER NOT NULL,     -- fewest lineage hops from descendant up to ancestor
        PRIMARY KEY (ancestor, descendant)
    ) WITHOUT ROWID;
    CREATE INDEX lineage_closure_by_descendant ON lineage_closure(descendant, ancestor, depth);
    INSERT INTO lineage_closure (ancestor, descendant, depth)
    WITH RECURSIVE up(descendant, ancestor, depth) AS (
        SELECT subject, object, 1 FROM relations
        WHERE relation IN ('fine_tuned_from', 'adapter_of', 'quantized_from', 'merged_from', 'distilled_from', 'derived_from')
        UNION
        SELECT up.descendant, r.object, up.depth + 1 FROM up JOIN relations r ON r.subject = up.ancestor
        WHERE r.relation IN ('fine_tuned_from', 'adapter_of', 'quantized_from', 'merged_from', 'distilled_from', 'derived_from')
          AND up.depth < 64
    )
    SELECT ancestor, descendant, MIN(depth) FROM up GROUP BY ancestor, descendant;
    "#,
    // 5: the dataset-and-metric index also holds the model, config and split, so that a
    // leaderboard and a metric filter (`top1@imagenet-1k>=80`) are answered from the index alone
    // instead of one table read per evaluation (4,616 ImageNet results at 1M models: 19 -> 3 ms;
    // rebuilding the index for 636,347 evaluations took 1.3 s).
    r#"
    DROP INDEX evaluations_by_dataset_metric;
    CREATE INDEX evaluations_by_dataset_metric
        ON evaluations(dataset_id, metric_id, numeric_value, model_id, dataset_config, dataset_split);
    "#,
    // 6: the fingerprint of the file each source's current statements were read from, so that an
    // ingest skips a file whose bytes, path and reader are those it read last time instead of
    // parsing and diffing it again (module `files`). A source written any other way (an import,
    // a file read with warnings) has no row and is always read again.
    r#"
    CREATE TABLE source_files (
        source_id   INTEGER PRIMARY KEY REFERENCES sources(id),
        fingerprint BLOB NOT NULL         -- SHA-256 of reader, version, relative path and bytes
    );
    "#,
];

/// Number of migrations this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Checks, without changing anything, that an open file is a Macaroni database this program can
/// read as it is: SQLite, with our schema, at this program's version.
pub(crate) fn check_readable(conn: &Connection, path: &std::path::Path) -> Result<(), StoreError> {
    let foreign = |reason: String| StoreError::Foreign {
        path: path.to_path_buf(),
        reason,
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|err| foreign(err.to_string()))?;
    let has_entities: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'entities')",
            [],
            |row| row.get(0),
        )
        .map_err(|err| foreign(err.to_string()))?;
    match version {
        0 => Err(foreign("it holds no Macaroni schema".into())),
        _ if !has_entities => Err(foreign(format!(
            "it has schema version {version} but no Macaroni tables"
        ))),
        v if v > SCHEMA_VERSION => Err(StoreError::NewerSchema {
            found: v,
            supported: SCHEMA_VERSION,
        }),
        v if v < SCHEMA_VERSION => Err(StoreError::OlderSchema {
            found: v,
            supported: SCHEMA_VERSION,
        }),
        _ => Ok(()),
    }
}

/// Applies the migrations the file lacks, each in its own transaction. The version is read
/// again after taking the write lock (IMMEDIATE), so two programs opening a new file at once
/// do not both create the schema: the second waits, then finds it done.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        let Some(sql) = MIGRATIONS.get(current as usize) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", current + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_columns(conn: &Connection, index: &str) -> Vec<String> {
        let mut statement = conn.prepare(&format!("PRAGMA index_info({index})")).unwrap();
        let columns = statement.query_map([], |row| row.get::<_, String>(2)).unwrap();
        columns.collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn a_version_one_database_migrates_to_covering_relation_indexes_and_keeps_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO relations (id, subject, relation, object, method, confidence, source_uri)
             VALUES ('rel:a|fine_tuned_from|b', 'a', 'fine_tuned_from', 'b', 'declared', 1.0, 'test')",
            [],
        )
        .unwrap();
        assert_eq!(index_columns(&conn, "relations_by_object"), ["object", "relation"]);
        migrate(&mut conn).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        assert_eq!(
            index_columns(&conn, "relations_by_object"),
            ["object", "relation", "subject"]
        );
        assert_eq!(
            index_columns(&conn, "relations_by_subject"),
            ["subject", "relation", "object"]
        );
        let children: i64 = conn
            .query_row("SELECT COUNT(*) FROM relations WHERE object = 'b'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(children, 1);
    }
}
