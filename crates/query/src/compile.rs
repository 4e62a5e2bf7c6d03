//! Typed query → one parameterised SQL statement over the store's tables and views. User text only
//! ever reaches SQLite as a bound parameter; the SQL text is built from fixed fragments.

use macaroni_enrich::{Enricher, Resolution, Resolver};
use macaroni_format::{id, RelationKind};
use macaroni_store::SqlValue;

use crate::parse::{Bound, Direction, Expr, Field, NumberField, Op, Query, SortKey, Term};

/// SQL text with its parameters in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

/// What the compiler may ask the repository, to choose a plan: the store answers with bounded,
/// indexed look-ups. [`NoCatalog`] answers without a store, and the SQL stays correct, only slower.
pub trait Catalog {
    /// The ids stored for these canonical ids: themselves and every raw id resolved to them.
    fn expand(&self, ids: &[String]) -> Vec<String>;
    /// Whether at least `holders` models hold this relation to one of these objects.
    fn held_by_at_least(&self, relation: RelationKind, objects: &[String], holders: usize) -> bool;
}

/// No repository to ask: ids are taken as given and every filter drives the query.
pub struct NoCatalog;

impl Catalog for NoCatalog {
    fn expand(&self, ids: &[String]) -> Vec<String> {
        ids.to_vec()
    }
    fn held_by_at_least(&self, _: RelationKind, _: &[String], _: usize) -> bool {
        false
    }
}

struct Builder<'a> {
    enricher: &'a Enricher,
    catalog: &'a dyn Catalog,
    /// The result is ordered by an indexed model column: broad filters are then cheaper checked
    /// row by row in that order (stopping at the limit) than collected and sorted.
    ordered_scan: bool,
    /// Rows the query returns: a scan in index order stops after about
    /// `limit × models ÷ holders` rows, so what counts as broad grows with it.
    limit: usize,
    params: Vec<SqlValue>,
}

/// A filter held by at least this many models, and by at least this many times the limit, is
/// checked row by row: the ordered scan then reads at most a fortieth of the models, while
/// collecting and sorting the holders would touch thousands of rows. Measured on the 1M-model
/// benchmark repository (BENCHMARKS.md), where the 4,616 image classifiers with ImageNet results
/// take 2.6 s to return by scan with `limit:10000` and 72 ms with `limit:50`.
const BROAD_HOLDERS: usize = 2_000;
const BROAD_PER_RESULT_ROW: usize = 40;

impl Builder<'_> {
    fn param(&mut self, value: SqlValue) -> &'static str {
        self.params.push(value);
        "?"
    }

    fn text(&mut self, value: &str) -> &'static str {
        self.param(SqlValue::Text(value.to_string()))
    }

    /// `?, ?, ?` for a list of texts.
    fn list(&mut self, values: &[String]) -> String {
        values.iter().map(|v| self.text(v)).collect::<Vec<_>>().join(", ")
    }
}

/// The raw id and the canonical ids a name resolves to, so that links written before and after
/// enrichment both match.
fn ids(resolver: &Resolver, namespace: &str, raw: &str) -> Vec<String> {
    let mut out = vec![format!("{namespace}:{}", id::slug(raw))];
    if let Resolution::Canonical { ids, .. } = resolver.resolve(raw) {
        out.extend(ids.into_iter().map(|c| format!("{namespace}:{c}")));
    }
    out.sort();
    out.dedup();
    out
}

/// The zoos whose readers name publishers (`publisher:<zoo>/<name>`).
const PUBLISHER_ZOOS: [&str; 6] = ["hf", "tfhub", "pytorch-hub", "timm", "mmpretrain", "onnx"];

pub fn compile(query: &Query, enricher: &Enricher) -> Compiled {
    compile_with(query, enricher, &NoCatalog)
}

/// Compiles with a catalog of the repository, which lets the plan fit the data.
pub fn compile_with(query: &Query, enricher: &Enricher, catalog: &dyn Catalog) -> Compiled {
    let ordered_scan = match &query.sort {
        None => query.ranking_text().is_empty(),
        Some(sort) => matches!(sort.key, SortKey::Number(_)),
    };
    compile_planned(query, enricher, catalog, ordered_scan, None, Order::Sorted)
}

/// Whether the compiled query sorts its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Sorted,
    /// Any `limit` matches: for counting and facets, where sorting (or walking an index in
    /// order to avoid sorting) is work for nothing.
    Unordered,
}

/// A conjunction with a relation term (`task:`, `license:`, `publisher:`, ...) and no required
/// text: its relation's index drives, walked in index order and stopped at `cap`, each holder
/// checked against the other terms. Otherwise SQLite would first collect every holder of the
/// relation (hundreds of thousands for a broad task) before the count could stop.
fn relation_driven_match_set(
    query: &Query,
    enricher: &Enricher,
    catalog: &dyn Catalog,
    cap: usize,
) -> Option<Compiled> {
    if !query.required_text().is_empty() {
        return None;
    }
    let items: Vec<&Expr> = match query.expr.as_ref()? {
        Expr::And(items) => items.iter().collect(),
        other => vec![other],
    };
    let (driver, relation, objects) = items.iter().enumerate().find_map(|(i, e)| match e {
        Expr::Term(Term::Field { field, value }) => relation_target(*field, value, enricher).map(|(r, o)| (i, r, o)),
        _ => None,
    })?;
    let mut b = Builder {
        enricher,
        catalog,
        ordered_scan: true,
        limit: cap,
        params: Vec::new(),
    };
    let list = b.list(&objects);
    // CROSS JOIN keeps the relation index as the outer loop.
    let mut sql = format!(
        "SELECT DISTINCT m.id FROM relations r CROSS JOIN models m ON m.id = r.subject WHERE r.object IN ({list}) AND r.relation = '{}'",
        relation.as_str()
    );
    for (i, item) in items.iter().enumerate() {
        if i != driver {
            let condition = expression(item, &mut b);
            sql.push_str(&format!(" AND {condition}"));
        }
    }
    sql.push_str(&format!(" LIMIT {cap}"));
    Some(Compiled { sql, params: b.params })
}

/// The models a query matches, at most `cap` of them, in no particular order (the first column
/// is the model id). What `COUNT(*)` and facet counts run over.
pub fn compile_match_set(query: &Query, enricher: &Enricher, catalog: &dyn Catalog, cap: usize) -> Compiled {
    if let Some(driven) = relation_driven_match_set(query, enricher, catalog, cap) {
        return driven;
    }
    let mut unsorted = query.clone();
    unsorted.sort = None;
    unsorted.limit = cap;
    compile_planned(&unsorted, enricher, catalog, false, None, Order::Unordered)
}

/// The query as one condition on a row `m` of `models`, to filter the models of another table
/// exactly (no cap, unlike a match set); `None` when the query states no condition. Its sort and
/// limit are ignored.
pub fn compile_condition(query: &Query, enricher: &Enricher, catalog: &dyn Catalog) -> Option<Compiled> {
    let mut b = Builder {
        enricher,
        catalog,
        // Rows are tested one by one, as in an ordered scan: a relation many models hold is
        // looked up per row rather than listed whole first.
        ordered_scan: true,
        limit: query.limit,
        params: Vec::new(),
    };
    let sql = expression(query.expr.as_ref()?, &mut b);
    Some(Compiled { sql, params: b.params })
}

/// Sorting by `metric@dataset` computes every candidate's best value, which is slow when tens of
/// thousands of models qualify. The index on evaluation values can instead name a floor: the value
/// of about the `k`-th best evaluation. [`with_floor`] then narrows the query to models that reach
/// it, which gives exactly the same first rows whenever at least `limit` models remain (every model
/// left out is worse than all of them); the caller falls back to the full query otherwise.
///
/// Returns the SQL of one row and one column (the floor, on the metric's reporting scale, or NULL
/// when fewer than `k` evaluations exist), or `None` when the shortcut does not apply: full text,
/// an order other than best first, or a fraction metric where lower is better.
pub fn sort_floor_probe(query: &Query, enricher: &Enricher, catalog: &dyn Catalog, k: usize) -> Option<Compiled> {
    let sort = query.sort.as_ref()?;
    let SortKey::Eval { metric, dataset } = &sort.key else {
        return None;
    };
    let higher_better = enricher.higher_is_better(metric);
    let fraction = metric_fraction(enricher, metric);
    if !query.ranking_text().is_empty() || sort.descending.is_some_and(|d| d != higher_better) {
        return None;
    }
    if fraction && !higher_better {
        return None;
    }
    let mut b = Builder {
        enricher,
        catalog,
        ordered_scan: false,
        limit: query.limit,
        params: Vec::new(),
    };
    let direction = if higher_better { "DESC" } else { "ASC" };
    // Expanded once: the catalog look-ups are shared by both streams.
    let dataset_ids = catalog.expand(&ids(&enricher.datasets, "dataset", dataset));
    let metric_ids = catalog.expand(&ids(&enricher.metrics, "metric", metric));
    let stream = |range: &str, scale: &str, b: &mut Builder| {
        // Parameters bind in the order they appear in the text: datasets, then metrics.
        let datasets = b.list(&dataset_ids);
        let metrics = b.list(&metric_ids);
        format!(
            "SELECT * FROM (SELECT e.numeric_value{scale} AS v FROM evaluations e WHERE e.dataset_id IN ({datasets}) AND e.metric_id IN ({metrics}) AND {range} ORDER BY e.numeric_value {direction} LIMIT 1 OFFSET {})",
            k.saturating_sub(1)
        )
    };
    // Percentages above 1 and fractions up to 1 are each in value order in the index; the larger
    // of their k-th values leaves at least k evaluations at or above the floor.
    let sql = if fraction {
        let percents = stream("e.numeric_value > 1.0", "", &mut b);
        let fractions = stream("e.numeric_value BETWEEN -1.0 AND 1.0", " * 100.0", &mut b);
        format!("SELECT MAX(v) FROM ({percents} UNION ALL {fractions})")
    } else {
        stream("e.numeric_value IS NOT NULL", "", &mut b)
    };
    Some(Compiled { sql, params: b.params })
}

/// The query narrowed to models whose best value for the sort metric reaches `floor` (see
/// [`sort_floor_probe`]), compiled so that broad filters are checked per candidate.
pub fn compile_with_floor(query: &Query, floor: f64, enricher: &Enricher, catalog: &dyn Catalog) -> Option<Compiled> {
    let SortKey::Eval { metric, dataset } = &query.sort.as_ref()?.key else {
        return None;
    };
    let op = if enricher.higher_is_better(metric) {
        Op::Ge
    } else {
        Op::Le
    };
    let reaches = Expr::Term(Term::Eval {
        metric: metric.clone(),
        dataset: dataset.clone(),
        op,
        value: floor,
        percent: true,
    });
    let expr = match &query.expr {
        Some(Expr::And(items)) => Expr::And(items.iter().cloned().chain([reaches]).collect()),
        Some(other) => Expr::And(vec![other.clone(), reaches]),
        None => reaches,
    };
    let narrowed = Query {
        expr: Some(expr),
        ..query.clone()
    };
    Some(compile_planned(&narrowed, enricher, catalog, true, None, Order::Sorted))
}

/// Full text that every result must contain, ranked by relevance: FTS5 scores every match, and
/// joining tens of thousands of matches to `models` before sorting costs more than the scoring.
/// This form keeps only the `depth` best-ranked matching entities (ties by id) before the join.
/// It is exact whenever it returns `limit` rows (every model outside the prefix ranks lower); when
/// it returns fewer, the caller runs the full query. `None` when the query is not of that shape.
pub fn compile_text_prefix(
    query: &Query,
    enricher: &Enricher,
    catalog: &dyn Catalog,
    depth: usize,
) -> Option<Compiled> {
    let relevance = query.sort.as_ref().is_none_or(|s| matches!(s.key, SortKey::Relevance));
    if query.required_text().is_empty() || !relevance {
        return None;
    }
    Some(compile_planned(
        query,
        enricher,
        catalog,
        false,
        Some(depth),
        Order::Sorted,
    ))
}

/// `text_prefix`: keep only that many best-ranked matches of the required text (see
/// [`compile_text_prefix`]).
fn compile_planned(
    query: &Query,
    enricher: &Enricher,
    catalog: &dyn Catalog,
    ordered_scan: bool,
    text_prefix: Option<usize>,
    order: Order,
) -> Compiled {
    let mut b = Builder {
        enricher,
        catalog,
        ordered_scan,
        limit: query.limit,
        params: Vec::new(),
    };
    let ranking = query.ranking_text();
    let (sort_column, order_clause) = order_by(query, &ranking, &mut b);
    // A match set needs the ids only, which an index holds: no row of `models` is read for it.
    let mut sql = match order {
        Order::Unordered => String::from("SELECT m.id"),
        Order::Sorted => String::from("SELECT m.id, m.name, m.zoo, m.task, m.license, m.parameters, m.downloads"),
    };
    if let (Some(column), Order::Sorted) = (&sort_column, order) {
        sql.push_str(&format!(", {column} AS sort_value"));
    }
    let required = query.required_text();
    let expr = if required.is_empty() {
        sql.push_str(" FROM models m");
        if !ranking.is_empty() {
            let terms: Vec<String> = ranking.iter().map(|t| fts_phrase(t)).collect();
            let param = b.text(&terms.join(" OR "));
            sql.push_str(&format!(
                " LEFT JOIN (SELECT e.id AS id, bm25(search, 10.0, 3.0, 1.0) AS rank FROM search JOIN entities e ON e.rowid = search.rowid WHERE search MATCH {param}) ranked ON ranked.id = m.id"
            ));
        }
        query.expr.clone()
    } else {
        // Text every result must contain: the ranked match drives, the other terms filter.
        let terms: Vec<String> = required.iter().map(|t| fts_phrase(t)).collect();
        let param = b.text(&terms.join(" AND "));
        let prefix = text_prefix.map_or(String::new(), |depth| format!(" ORDER BY rank, e.id LIMIT {depth}"));
        sql.push_str(&format!(
            " FROM (SELECT e.id AS id, bm25(search, 10.0, 3.0, 1.0) AS rank FROM search JOIN entities e ON e.rowid = search.rowid WHERE search MATCH {param}{prefix}) ranked JOIN models m ON m.id = ranked.id"
        ));
        query.without_required_text()
    };
    if let Some(expr) = &expr {
        let condition = expression(expr, &mut b);
        sql.push_str(&format!(" WHERE {condition}"));
    }
    if order == Order::Unordered {
        sql.push_str(&format!(" LIMIT {}", query.limit));
        return Compiled { sql, params: b.params };
    }
    // Every order ends on the id, for a stable result; the numeric orders name it already.
    let tie = if order_clause.contains("m.id") { "" } else { ", m.id" };
    sql.push_str(&format!(" ORDER BY {order_clause}{tie} LIMIT {}", query.limit));
    Compiled { sql, params: b.params }
}

fn text_match(b: &mut Builder, fts_query: &str) -> String {
    let param = b.text(fts_query);
    format!("m.id IN (SELECT e.id FROM search JOIN entities e ON e.rowid = search.rowid WHERE search MATCH {param})")
}

/// FTS5 sees every user word as one quoted string: its operators cannot be injected.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// `parts` joined by `op` as a balanced tree of parentheses. SQLite nests `a OR b OR c ...`
/// one level per operator and refuses more than its expression depth (256 OR'd words failed);
/// halves nest only log2(n) deep. Parameters keep their order: the parts are not reordered.
fn balanced(parts: &[String], op: &str) -> String {
    match parts {
        [] => "1".into(),
        [one] => format!("({one})"),
        _ => {
            let (left, right) = parts.split_at(parts.len() / 2);
            format!("({} {op} {})", balanced(left, op), balanced(right, op))
        }
    }
}

fn expression(expr: &Expr, b: &mut Builder) -> String {
    match expr {
        Expr::And(items) => {
            // Words ANDed together are one FTS5 query: one index walk instead of one per word.
            let words: Vec<&str> = items
                .iter()
                .filter_map(|e| match e {
                    Expr::Term(Term::Text(t)) => Some(t.as_str()),
                    _ => None,
                })
                .collect();
            let mut parts: Vec<String> = Vec::new();
            if words.len() > 1 {
                let query = words.iter().map(|w| fts_phrase(w)).collect::<Vec<_>>().join(" AND ");
                parts.push(text_match(b, &query));
            }
            for item in items {
                if words.len() > 1 && matches!(item, Expr::Term(Term::Text(_))) {
                    continue;
                }
                parts.push(expression(item, b));
            }
            balanced(&parts, "AND")
        }
        Expr::Or(items) => {
            let parts: Vec<String> = items.iter().map(|e| expression(e, b)).collect();
            balanced(&parts, "OR")
        }
        Expr::Not(inner) => format!("NOT {}", expression(inner, b)),
        Expr::Term(term) => self::term(term, b),
    }
}

/// Models with a relation to one of `objects`: driven from the relations index, not a scan of
/// every model.
fn related(b: &mut Builder, relation: RelationKind, objects: &[String]) -> String {
    let holders = BROAD_HOLDERS.max(b.limit.saturating_mul(BROAD_PER_RESULT_ROW));
    let broad = b.ordered_scan && b.catalog.held_by_at_least(relation, objects, holders);
    let list = b.list(objects);
    if broad {
        format!(
            "EXISTS (SELECT 1 FROM relations r WHERE r.subject = m.id AND r.relation = '{}' AND r.object IN ({list}))",
            relation.as_str()
        )
    } else {
        format!(
            "m.id IN (SELECT r.subject FROM relations r WHERE r.object IN ({list}) AND r.relation = '{}')",
            relation.as_str()
        )
    }
}

fn term(term: &Term, b: &mut Builder) -> String {
    match term {
        Term::Field { field, value } => field_condition(*field, value, b),
        Term::Compare { field, op, bound } => {
            let param = match bound {
                Bound::Number(n) if *field != NumberField::Created && *field != NumberField::Modified => {
                    b.param(SqlValue::Real(*n))
                }
                Bound::Number(n) => b.param(SqlValue::Text(n.to_string())),
                Bound::Date(d) => b.text(d),
            };
            format!("{} {} {param}", field.column(), op.sql())
        }
        Term::Eval {
            metric,
            dataset,
            op,
            value,
            percent,
        } => evaluation(metric, dataset, *op, *value, *percent, b),
        Term::Lineage {
            direction,
            root,
            steps,
            depth,
        } => lineage(*direction, root, steps, *depth, b),
        Term::Text(text) => text_match(b, &fts_phrase(text)),
    }
}

/// The relation and objects a field term means when it is a pure relation test (task, dataset,
/// eval, license, publisher); `None` for the fields that also look at model columns.
fn relation_target(field: Field, value: &str, enricher: &Enricher) -> Option<(RelationKind, Vec<String>)> {
    Some(match field {
        Field::Task => (RelationKind::ImplementsTask, ids(&enricher.tasks, "task", value)),
        Field::Dataset => (RelationKind::TrainedOn, ids(&enricher.datasets, "dataset", value)),
        Field::Eval => (RelationKind::EvaluatedOn, ids(&enricher.datasets, "dataset", value)),
        Field::License => {
            let class_members: Vec<String> = enricher
                .vocabulary
                .licenses
                .iter()
                .filter(|l| l.class == value.to_lowercase())
                .map(|l| id::license(&l.id))
                .collect();
            let licenses = if class_members.is_empty() {
                ids(&enricher.licenses, "license", value)
            } else {
                class_members
            };
            (RelationKind::LicensedUnder, licenses)
        }
        Field::Publisher => {
            // Publisher ids are `publisher:<zoo>/<name>`: naming every zoo keeps this an index
            // lookup. Names are tried as written and in lower case (Hub organisations keep case).
            let mut publishers = Vec::new();
            for zoo in PUBLISHER_ZOOS {
                for name in [value.to_string(), value.to_lowercase(), id::slug(value)] {
                    publishers.push(id::publisher(zoo, &name));
                }
            }
            publishers.sort();
            publishers.dedup();
            (RelationKind::PublishedBy, publishers)
        }
        _ => return None,
    })
}

fn field_condition(field: Field, value: &str, b: &mut Builder) -> String {
    let enricher = b.enricher;
    match field {
        Field::Library => {
            let raw = b.text(value);
            let link = related(b, RelationKind::BuiltWith, &[id::library(value)]);
            format!("(lower(m.library) = lower({raw}) OR {link})")
        }
        Field::Arch => {
            let raw = b.text(value);
            let link = related(
                b,
                RelationKind::UsesArchitecture,
                &ids(&enricher.architectures, "arch", value),
            );
            format!("(lower(m.architecture) = lower({raw}) OR {link})")
        }
        Field::Zoo => format!("m.zoo = {}", b.text(value)),
        Field::Language => format!(
            "EXISTS (SELECT 1 FROM json_each(m.languages) j WHERE lower(j.value) = lower({}))",
            b.text(value)
        ),
        Field::Tag => format!(
            "EXISTS (SELECT 1 FROM json_each(m.tags) j WHERE lower(j.value) = lower({}))",
            b.text(value)
        ),
        Field::Label => {
            let name = b.text(&id::slug(value));
            format!(
                "EXISTS (SELECT 1 FROM relations r WHERE r.subject = m.id AND r.relation = 'can_predict' AND substr(r.object, instr(r.object, '/') + 1) = {name})"
            )
        }
        Field::Id => format!("m.id = {}", b.text(value)),
        // Task, dataset, eval, license and publisher: one relation test each.
        _ => match relation_target(field, value, enricher) {
            Some((relation, objects)) => related(b, relation, &objects),
            None => "0".into(),
        },
    }
}

/// The value of an evaluation on the metric's reporting scale: fractions are compared as
/// percentages so that `acc@x>=80` and `acc@x>=0.8` mean the same. A value written with `%`
/// (`"0.98%"`, stored as JSON text ending in `%"`) is a percentage whatever its size.
fn scaled_value(fraction: bool) -> &'static str {
    if fraction {
        "(CASE WHEN substr(e.value, -2) = '%\"' THEN e.numeric_value WHEN abs(e.numeric_value) <= 1.0 THEN e.numeric_value * 100.0 ELSE e.numeric_value END)"
    } else {
        "e.numeric_value"
    }
}

fn metric_fraction(enricher: &Enricher, metric: &str) -> bool {
    enricher.metric_entry(metric).is_some_and(|m| m.fraction)
}

fn evaluation(metric: &str, dataset: &str, op: Op, value: f64, percent: bool, b: &mut Builder) -> String {
    let enricher = b.enricher;
    let fraction = metric_fraction(enricher, metric);
    let threshold = if fraction && !percent && value.abs() <= 1.0 {
        value * 100.0
    } else {
        value
    };
    let (metric_ids, dataset_ids) = (
        ids(&enricher.metrics, "metric", metric),
        ids(&enricher.datasets, "dataset", dataset),
    );
    let datasets = id_set(b, &dataset_ids);
    let metrics = id_set(b, &metric_ids);
    let envelope = if fraction {
        stored_value_envelope(op, threshold, b)
    } else {
        String::new()
    };
    let bound = b.param(SqlValue::Real(threshold));
    format!(
        "m.id IN (SELECT e.model_id FROM evaluations e WHERE e.dataset_id IN ({datasets}) AND e.metric_id IN ({metrics}){envelope} AND {} {} {bound})",
        scaled_value(fraction),
        op.sql()
    )
}

/// For a fraction metric the comparison is on the percent scale, which no index holds. The stored
/// value can pass it only as a percentage beyond the threshold or as a fraction (at most 1 in size)
/// beyond a hundredth of it, so those two ranges of the value index bound the rows read; the exact
/// comparison then runs on those alone. Empty for `=`/`!=`, which need no speed-up of this kind.
fn stored_value_envelope(op: Op, threshold: f64, b: &mut Builder) -> String {
    let (percent, fraction) = (SqlValue::Real(threshold), SqlValue::Real(threshold / 100.0));
    match op {
        Op::Gt | Op::Ge => {
            let (p, f) = (b.param(percent), b.param(fraction));
            format!(" AND (e.numeric_value >= {p} OR e.numeric_value BETWEEN {f} AND 1.0)")
        }
        Op::Lt | Op::Le => {
            let (p, f) = (b.param(percent), b.param(fraction));
            format!(" AND (e.numeric_value <= {p} OR e.numeric_value BETWEEN -1.0 AND {f})")
        }
        Op::Eq | Op::Ne => String::new(),
    }
}

/// A set of ids with the raw ids enrichment resolved to them, as a subquery.
fn id_set(b: &mut Builder, names: &[String]) -> String {
    let ids = b.catalog.expand(names);
    b.list(&ids)
}

/// The models reached from `root` by each step in turn (a step: one or more hops of its
/// relations), within `depth` hops per step. UNION keeps each (model, depth) once, so cycles in
/// bad data end at the depth bound.
fn lineage(direction: Direction, root: &str, steps: &[Vec<RelationKind>], depth: u32, b: &mut Builder) -> String {
    // Any lineage relation, any number of hops up to `depth`: one range of the closure table.
    let any_lineage =
        |kinds: &Vec<RelationKind>| RelationKind::ALL.iter().all(|k| !k.is_lineage() || kinds.contains(k));
    if let [kinds] = steps {
        if any_lineage(kinds) {
            let root = b.text(root);
            let (wanted, given) = match direction {
                Direction::Descendants => ("descendant", "ancestor"),
                Direction::Ancestors => ("ancestor", "descendant"),
            };
            return format!(
                "m.id IN (SELECT {wanted} FROM lineage_closure WHERE {given} = {root} AND depth <= {depth})"
            );
        }
    }
    let (from, to) = match direction {
        Direction::Descendants => ("subject", "object"),
        Direction::Ancestors => ("object", "subject"),
    };
    let root = b.text(root);
    let mut ctes = Vec::new();
    for (i, kinds) in steps.iter().enumerate() {
        let name = format!("step{i}");
        let seed = if i == 0 {
            format!("SELECT {root}, 0")
        } else {
            format!("SELECT id, 0 FROM step{} WHERE depth > 0", i - 1)
        };
        let relations = kinds
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        ctes.push(format!(
            "{name}(id, depth) AS ({seed} UNION SELECT r.{from}, {name}.depth + 1 FROM relations r JOIN {name} ON r.{to} = {name}.id WHERE r.relation IN ({relations}) AND {name}.depth < {depth})"
        ));
    }
    format!(
        "m.id IN (WITH RECURSIVE {} SELECT id FROM step{} WHERE depth > 0)",
        ctes.join(", "),
        steps.len() - 1
    )
}

/// The ORDER BY clause, and the column shown as `sort_value` when there is one.
fn order_by(query: &Query, ranking: &[String], b: &mut Builder) -> (Option<String>, String) {
    let natural_desc = |desc: Option<bool>, default: bool| if desc.unwrap_or(default) { "DESC" } else { "ASC" };
    let Some(sort) = &query.sort else {
        return if ranking.is_empty() {
            (None, "m.downloads DESC, m.id DESC".to_string())
        } else {
            (None, "ranked.rank IS NULL, ranked.rank, m.id".to_string())
        };
    };
    match &sort.key {
        SortKey::Relevance => (None, "ranked.rank IS NULL, ranked.rank, m.id".to_string()),
        SortKey::Name => (None, format!("m.name {}", natural_desc(sort.descending, false))),
        SortKey::Number(field) => {
            // Ties broken by id in the same direction, so that an index on (column, id) serves the
            // whole order. NULLs sort first ascending and last descending.
            let column = field.column().to_string();
            let direction = natural_desc(sort.descending, true);
            (Some(column.clone()), format!("{column} {direction}, m.id {direction}"))
        }
        SortKey::Eval { metric, dataset } => {
            let enricher = b.enricher;
            let fraction = metric_fraction(enricher, metric);
            let higher_better = enricher.higher_is_better(metric);
            let metrics = id_set(b, &ids(&enricher.metrics, "metric", metric));
            let datasets = id_set(b, &ids(&enricher.datasets, "dataset", dataset));
            let best = if higher_better { "MAX" } else { "MIN" };
            // One model's evaluations are few: read them through the model index. The unary `+`
            // keeps SQLite (without ANALYZE statistics) from scanning the far larger
            // (dataset, metric) range once per model instead.
            let column = format!(
                "(SELECT {best}({}) FROM evaluations e WHERE e.model_id = m.id AND +e.metric_id IN ({metrics}) AND +e.dataset_id IN ({datasets}))",
                scaled_value(fraction)
            );
            let order = format!(
                "sort_value IS NULL, sort_value {}, m.id",
                natural_desc(sort.descending, higher_better)
            );
            (Some(column), order)
        }
    }
}

/// Each listed model's best value of `metric` on `dataset` (on the metric's reporting scale):
/// rows `(model_id, value)`.
pub fn best_values(
    enricher: &Enricher,
    catalog: &dyn Catalog,
    metric: &str,
    dataset: &str,
    models: &[String],
) -> Compiled {
    let mut b = Builder {
        enricher,
        catalog,
        ordered_scan: false,
        limit: models.len(),
        params: Vec::new(),
    };
    let fraction = metric_fraction(enricher, metric);
    let higher_better = enricher.higher_is_better(metric);
    let model_list = b.list(models);
    let metrics = id_set(&mut b, &ids(&enricher.metrics, "metric", metric));
    let datasets = id_set(&mut b, &ids(&enricher.datasets, "dataset", dataset));
    let sql = format!(
        "SELECT e.model_id, {}({}) FROM evaluations e WHERE e.model_id IN ({model_list}) AND e.metric_id IN ({metrics}) AND e.dataset_id IN ({datasets}) AND e.numeric_value IS NOT NULL GROUP BY e.model_id",
        if higher_better { "MAX" } else { "MIN" },
        scaled_value(fraction)
    );
    Compiled { sql, params: b.params }
}
