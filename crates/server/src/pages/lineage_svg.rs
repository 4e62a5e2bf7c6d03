//! The lineage of one model drawn as SVG: ancestors in rows above it, descendants in rows below,
//! one row per hop; line style by relation; rows wider than [`MAX_PER_ROW`] end in a "+N more"
//! node; every model a link to its page. All text is escaped: ids come from zoo files.

use std::collections::BTreeMap;
use std::fmt::Write;

use macaroni_query::LineageResult;

/// Models drawn per row; the rest are counted.
const MAX_PER_ROW: usize = 8;
const NODE_W: f64 = 190.0;
const NODE_H: f64 = 30.0;
const GAP_X: f64 = 16.0;
const ROW_H: f64 = 70.0;
/// Characters of an id shown in a node (the full id is in its tooltip and link).
const LABEL_CHARS: usize = 26;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn dash(relation: &str) -> &'static str {
    match relation {
        "fine_tuned_from" => "",
        "quantized_from" => "6 3",
        "adapter_of" => "2 3",
        "merged_from" => "10 3 2 3",
        "distilled_from" => "1 5",
        _ => "4 4",
    }
}

/// Models per row: negative rows are ancestors, positive descendants, 0 the model itself.
fn rows(root: &str, up: &LineageResult, down: &LineageResult) -> BTreeMap<i32, Vec<String>> {
    let mut rows: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    rows.entry(0).or_default().push(root.to_string());
    for (result, sign) in [(up, -1), (down, 1)] {
        for edge in &result.edges {
            let row = rows.entry(sign * edge.depth as i32).or_default();
            if !row.contains(&edge.id) {
                row.push(edge.id.clone());
            }
        }
    }
    rows
}

pub fn draw(root: &str, up: &LineageResult, down: &LineageResult) -> String {
    let rows = rows(root, up, down);
    let widest = rows.values().map(|r| r.len().min(MAX_PER_ROW + 1)).max().unwrap_or(1);
    let width = widest as f64 * (NODE_W + GAP_X) + GAP_X;
    let top = *rows.keys().next().unwrap_or(&0);
    let height = rows.len() as f64 * ROW_H + 10.0;
    // Where each drawn model sits (centre of its box).
    let mut at: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    let mut nodes = String::new();
    for (row, ids) in &rows {
        let y = (row - top) as f64 * ROW_H + 10.0;
        let shown = ids.len().min(MAX_PER_ROW);
        let boxes = shown + usize::from(ids.len() > MAX_PER_ROW);
        let left = (width - boxes as f64 * (NODE_W + GAP_X) + GAP_X) / 2.0;
        for (i, id) in ids.iter().take(shown).enumerate() {
            let x = left + i as f64 * (NODE_W + GAP_X);
            at.insert(id, (x + NODE_W / 2.0, y + NODE_H / 2.0));
            let label: String = id.chars().take(LABEL_CHARS).collect();
            let label = if id.chars().count() > LABEL_CHARS {
                format!("{label}…")
            } else {
                label
            };
            let class = if *row == 0 { "node root" } else { "node" };
            let href = super::entity_href(id);
            let _ = write!(
                nodes,
                r#"<a href="{}"><g class="{class}"><title>{}</title><rect x="{x:.0}" y="{y:.0}" width="{NODE_W}" height="{NODE_H}" rx="5"/><text x="{:.0}" y="{:.0}">{}</text></g></a>"#,
                escape(&href),
                escape(id),
                x + NODE_W / 2.0,
                y + NODE_H / 2.0 + 4.0,
                escape(&label)
            );
        }
        if ids.len() > MAX_PER_ROW {
            let x = left + shown as f64 * (NODE_W + GAP_X);
            let _ = write!(
                nodes,
                r#"<g class="node more"><rect x="{x:.0}" y="{y:.0}" width="{NODE_W}" height="{NODE_H}" rx="5"/><text x="{:.0}" y="{:.0}">+{} more</text></g>"#,
                x + NODE_W / 2.0,
                y + NODE_H / 2.0 + 4.0,
                ids.len() - shown
            );
        }
    }
    let mut lines = String::new();
    for edge in up.edges.iter().chain(&down.edges) {
        if let (Some(a), Some(b)) = (at.get(edge.id.as_str()), at.get(edge.from.as_str())) {
            let _ = write!(
                lines,
                r#"<line x1="{:.0}" y1="{:.0}" x2="{:.0}" y2="{:.0}" stroke-dasharray="{}"><title>{}</title></line>"#,
                a.0,
                a.1,
                b.0,
                b.1,
                dash(&edge.relation),
                escape(&edge.relation)
            );
        }
    }
    let legend = "fine_tuned_from solid · quantized_from dashed · adapter_of dotted · merged_from dash-dot · distilled_from sparse dots";
    format!(
        r#"<svg class="lineage" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-label="lineage of {}"><g class="edges">{lines}</g>{nodes}</svg><p class="legend">{legend}</p>"#,
        escape(root)
    )
}
