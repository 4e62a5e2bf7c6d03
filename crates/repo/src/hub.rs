//! The Hugging Face Hub's view of the repository, so that `huggingface_hub` and other Hub
//! clients read Macaroni unchanged: `/api/models` listings and documents, datasets, and model
//! cards as `README.md` files.
//!
//! Ids: a Hub model keeps its repository id (`hf:google-bert/bert-base-uncased` is
//! `google-bert/bert-base-uncased`). A model of another zoo appears under the namespace
//! `macaroni.<id namespace>` with the `/` of its key written `__`, because Hub ids have one
//! slash at most: `timm:resnet50.a1_in1k` is `macaroni.timm/resnet50.a1_in1k`,
//! `tfhub:google/imagenet/x/5` is `macaroni.tfhub/google__imagenet__x__5`. (A dot cannot
//! start a Hub user name, so these never collide with a real organisation.) Datasets read from
//! the Hub keep their repository id; others are `macaroni.dataset/<slug>`.
//!
//! Listings are the search language underneath: `pipeline_tag` is `task:`, `library` is
//! `library:`, `author` is `publisher:`, `filter` is `tag:` (or `dataset:`/`license:` for
//! those prefixes), `search` is full text, `sort` a numeric sort; so a listing returns what
//! `macaroni search` returns for the same question.

use std::collections::BTreeMap;

use macaroni_format::{Record, RelationKind};
use macaroni_query::parse::{Expr, Field, NumberField, Query, Sort, SortKey, Term, MAX_LIMIT};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::search::texts;
use crate::{Repo, RepoError, Result};

/// Hub namespace prefix of models and datasets from outside the Hub.
const OWN_NAMESPACE: &str = "macaroni.";
/// The Hub's own page size when a listing names no limit.
pub const DEFAULT_PAGE: usize = 1_000;

/// What a Hub listing asks for (the Hub's query parameters).
#[derive(Debug, Clone, Default)]
pub struct HubListRequest {
    pub search: Option<String>,
    pub author: Option<String>,
    pub filter: Vec<String>,
    pub pipeline_tag: Option<String>,
    pub library: Option<String>,
    /// downloads, likes, lastModified, createdAt (the Hub's names; snake_case accepted).
    pub sort: Option<String>,
    /// -1 (descending, the Hub's default) or 1.
    pub direction: Option<i32>,
    pub limit: Option<usize>,
    /// The page's start, as carried by the `cursor` of the `Link` header.
    pub offset: usize,
    /// Include `cardData` (the Hub's `full=true` or `cardData=true`).
    pub card_data: bool,
    /// Items per page when `limit` is not given (the Hub's is 1,000).
    pub page_size: Option<usize>,
}

/// A file of a repository, as the Hub lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sibling {
    pub rfilename: String,
}

/// A model in the Hub's JSON shape.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HubModel {
    /// The Hub repository id (see the module doc for other zoos).
    pub id: String,
    #[serde(rename = "modelId")]
    pub model_id: String,
    pub author: Option<String>,
    /// The commit the metadata was read at, or a stable digest of the id where the zoo has none.
    pub sha: String,
    #[serde(rename = "lastModified", skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    #[serde(rename = "createdAt", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    pub private: bool,
    pub gated: bool,
    pub disabled: bool,
    pub downloads: u64,
    pub likes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub library_name: Option<String>,
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_tag: Option<String>,
    #[serde(rename = "cardData", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub card_data: Option<Map<String, Value>>,
    pub siblings: Vec<Sibling>,
    /// The Macaroni id of the model.
    pub macaroni_id: String,
}

/// A dataset in the Hub's JSON shape.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HubDataset {
    pub id: String,
    pub author: Option<String>,
    pub sha: String,
    pub private: bool,
    pub gated: bool,
    pub disabled: bool,
    pub downloads: u64,
    pub likes: u64,
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "cardData", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub card_data: Option<Map<String, Value>>,
    pub siblings: Vec<Sibling>,
    pub macaroni_id: String,
}

/// One page of a Hub listing and the offset of the next.
#[derive(Debug, Clone)]
pub struct HubPage<T> {
    pub items: Vec<T>,
    pub next_offset: Option<usize>,
}

/// A model card as the file `README.md`: YAML front matter (the card data) and the card text.
#[derive(Debug, Clone)]
pub struct CardFile {
    pub text: String,
    /// The commit id the Hub client files it under.
    pub commit: String,
    /// Content digest, for `ETag`.
    pub etag: String,
}

/// The Hub id of a Macaroni model id.
pub fn hub_model_id(id: &str) -> String {
    match id.split_once(':') {
        Some(("hf", repo)) => repo.to_string(),
        Some((namespace, key)) => format!("{OWN_NAMESPACE}{namespace}/{}", key.replace('/', "__")),
        None => format!("{OWN_NAMESPACE}id/{id}"),
    }
}

/// The Macaroni ids a Hub model id may stand for, most likely first.
pub fn model_ids_of(hub_id: &str) -> Vec<String> {
    if let Some(rest) = hub_id.strip_prefix(OWN_NAMESPACE) {
        if let Some((namespace, key)) = rest.split_once('/') {
            let mut ids = vec![format!("{namespace}:{}", key.replace("__", "/"))];
            if key.contains("__") {
                ids.push(format!("{namespace}:{key}"));
            }
            return ids;
        }
    }
    vec![macaroni_format::id::hf_model(hub_id)]
}

/// The Hub id of a dataset record.
fn hub_dataset_id(record: &Record) -> String {
    let id = record.id();
    let name = match record {
        Record::Dataset(d) if d.provenance.source.zoo == "huggingface" => d.name.clone(),
        _ => None,
    };
    match name {
        Some(repo) if repo.matches('/').count() <= 1 && !repo.contains(' ') => repo,
        _ => format!("{OWN_NAMESPACE}dataset/{}", id.trim_start_matches("dataset:")),
    }
}

fn dataset_ids_of(hub_id: &str) -> Vec<String> {
    match hub_id
        .strip_prefix(OWN_NAMESPACE)
        .and_then(|r| r.strip_prefix("dataset/"))
    {
        Some(slug) => vec![format!("dataset:{slug}")],
        None => vec![macaroni_format::id::dataset(hub_id)],
    }
}

/// A time as the Hub writes it (`2024-01-31T12:00:00.000Z`), when it can be read as one.
fn hub_time(text: Option<&str>) -> Option<String> {
    text.and_then(|t| crate::Instant::parse(t).ok())
        .map(crate::Instant::to_rfc3339)
}

fn digest(text: &str) -> String {
    let hash = Sha256::digest(text.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// A 40-hex commit id: the stored revision when it is one, else a digest of `seed`.
fn commit_of(revision: Option<&str>, seed: &str) -> String {
    match revision {
        Some(r) if r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit()) => r.to_ascii_lowercase(),
        _ => digest(seed).chars().take(40).collect(),
    }
}

impl HubListRequest {
    /// Items on this page: `limit` when given, else the page size.
    fn page_len(&self) -> usize {
        (self.limit)
            .unwrap_or(self.page_size.unwrap_or(DEFAULT_PAGE))
            .clamp(1, MAX_LIMIT)
    }

    /// The listing as a search-language query (see the module doc).
    pub fn to_query(&self) -> Result<Query> {
        let mut terms = Vec::new();
        let field = |field, value: &str| {
            Expr::Term(Term::Field {
                field,
                value: value.to_string(),
            })
        };
        if let Some(text) = self.search.as_deref().filter(|t| !t.trim().is_empty()) {
            terms.push(Expr::Term(Term::Text(text.trim().to_string())));
        }
        if let Some(author) = &self.author {
            terms.push(field(Field::Publisher, author));
        }
        if let Some(task) = &self.pipeline_tag {
            terms.push(field(Field::Task, task));
        }
        if let Some(library) = &self.library {
            terms.push(field(Field::Library, library));
        }
        for filter in &self.filter {
            terms.push(match filter.split_once(':') {
                Some(("dataset", d)) => field(Field::Dataset, d),
                Some(("license", l)) => field(Field::License, l),
                Some(("language", l)) => field(Field::Language, l),
                _ => field(Field::Tag, filter),
            });
        }
        let sort = match self.sort.as_deref() {
            None => None,
            Some(name) => Some(Sort {
                key: SortKey::Number(match name {
                    "downloads" => NumberField::Downloads,
                    "likes" => NumberField::Likes,
                    "lastModified" | "last_modified" => NumberField::Modified,
                    "createdAt" | "created_at" => NumberField::Created,
                    other => {
                        return Err(RepoError::usage(format!(
                            "unknown sort `{other}`; use downloads, likes, lastModified or createdAt"
                        )))
                    }
                }),
                descending: Some(self.direction.unwrap_or(-1) < 0),
            }),
        };
        let expr = match terms.len() {
            0 => None,
            1 => terms.pop(),
            _ => Some(Expr::And(terms)),
        };
        Ok(Query { expr, sort, limit: 1 })
    }
}

impl Repo {
    /// `GET /api/models`: one page of the listing.
    pub fn hub_models(&self, request: &HubListRequest) -> Result<HubPage<HubModel>> {
        let mut query = request.to_query()?;
        let limit = request.page_len();
        if request.offset >= MAX_LIMIT {
            return Ok(HubPage {
                items: Vec::new(),
                next_offset: None,
            });
        }
        let limit = limit.min(MAX_LIMIT - request.offset);
        query.limit = request.offset + limit + 1;
        let (hits, more) = self.page_of(&query, request.offset, limit)?;
        let mut items = Vec::with_capacity(hits.len());
        for hit in hits {
            if let Some(model) = self.hub_model_of(&hit.id, request.card_data)? {
                items.push(model);
            }
        }
        Ok(HubPage {
            items,
            next_offset: (more && request.offset + limit < MAX_LIMIT).then_some(request.offset + limit),
        })
    }

    /// `GET /api/models/{repo_id}`.
    pub fn hub_model(&self, hub_id: &str) -> Result<HubModel> {
        let id = self.model_id_for_hub(hub_id)?;
        self.hub_model_of(&id, true)?.ok_or_else(|| self.not_found(&id))
    }

    /// The Macaroni id of a Hub model id, or `NotFound` with suggestions in Hub ids.
    pub fn model_id_for_hub(&self, hub_id: &str) -> Result<String> {
        let candidates = model_ids_of(hub_id);
        for id in &candidates {
            if self.exists(id)? {
                return Ok(id.clone());
            }
        }
        let suggestions = crate::suggest::nearest_ids(&self.query, &candidates[0], self.limits);
        Err(RepoError::NotFound {
            id: hub_id.to_string(),
            suggestions: suggestions.iter().map(|s| hub_model_id(s)).collect(),
        })
    }

    fn hub_model_of(&self, id: &str, with_card_data: bool) -> Result<Option<HubModel>> {
        let Some(Record::Model(model)) = self.store.merged(id)? else {
            return Ok(None);
        };
        let hub_id = hub_model_id(id);
        let card_data = if with_card_data {
            Some(self.card_data(&model)?)
        } else {
            None
        };
        let mut tags = model.tags.clone();
        tags.extend(model.languages.iter().cloned());
        tags.extend(model.library.iter().cloned());
        tags.extend(model.task.iter().cloned());
        tags.extend(model.license.iter().map(|l| format!("license:{l}")));
        let mut seen = std::collections::BTreeSet::new();
        tags.retain(|t| seen.insert(t.clone()));
        Ok(Some(HubModel {
            model_id: hub_id.clone(),
            author: hub_id.split_once('/').map(|(owner, _)| owner.to_string()),
            sha: commit_of(model.revision.as_deref(), id),
            last_modified: hub_time(model.last_modified.as_deref()),
            created_at: hub_time(model.created_at.as_deref()),
            private: false,
            gated: false,
            disabled: false,
            downloads: model.downloads.unwrap_or(0),
            likes: model.likes.unwrap_or(0),
            library_name: model.library.clone(),
            tags,
            pipeline_tag: model.task.clone(),
            card_data,
            siblings: if model.card_text.is_some() {
                vec![Sibling {
                    rfilename: "README.md".into(),
                }]
            } else {
                Vec::new()
            },
            macaroni_id: id.to_string(),
            id: hub_id,
        }))
    }

    /// The card's metadata block, as the Hub's `cardData`: what the merged record and its
    /// relations say, under the Hub's field names.
    fn card_data(&self, model: &macaroni_format::Model) -> Result<Map<String, Value>> {
        let mut data = Map::new();
        let mut put = |key: &str, value: Value| {
            if !value.is_null() && value != json!([]) {
                data.insert(key.to_string(), value);
            }
        };
        put("license", json!(model.license));
        put("license_name", json!(model.license_name));
        put("license_link", json!(model.license_link));
        put("language", json!(model.languages));
        put("tags", json!(model.tags));
        put("library_name", json!(model.library));
        put("pipeline_tag", json!(model.task));
        let mut by_relation: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let sql = "SELECT relation, object FROM relations WHERE subject = ?1 ORDER BY relation, object";
        for row in self
            .query
            .query(sql, &texts(std::slice::from_ref(&model.id)), self.limits)?
            .rows
        {
            if let (Some(relation), Some(object)) = (row[0].as_str(), row[1].as_str()) {
                let kind = RelationKind::parse(relation);
                let key = match kind {
                    Some(k) if k.is_lineage() => "base_model",
                    Some(RelationKind::TrainedOn) => "datasets",
                    _ => continue,
                };
                let value = if key == "base_model" {
                    hub_model_id(object)
                } else {
                    object.trim_start_matches("dataset:").to_string()
                };
                by_relation.entry(key).or_default().push(value);
            }
        }
        for (key, mut values) in by_relation {
            values.dedup();
            put(key, json!(values));
        }
        Ok(data)
    }

    /// `GET /{repo_id}/resolve/{revision}/README.md`: the card as a file.
    pub fn hub_model_card(&self, hub_id: &str) -> Result<CardFile> {
        let id = self.model_id_for_hub(hub_id)?;
        let Some(Record::Model(model)) = self.store.merged(&id)? else {
            return Err(self.not_found(&id));
        };
        let Some(body) = model.card_text.as_deref() else {
            return Err(RepoError::NotFound {
                id: format!("{hub_id}/README.md"),
                suggestions: Vec::new(),
            });
        };
        let data = self.card_data(&model)?;
        // JSON is YAML too (a flow mapping), so the front matter needs no YAML writer.
        let front = serde_json::to_string_pretty(&data).map_err(|e| crate::search::stored(e.to_string()))?;
        let text = format!("---\n{front}\n---\n\n{body}");
        Ok(CardFile {
            commit: commit_of(model.revision.as_deref(), &id),
            etag: digest(&text),
            text,
        })
    }

    /// `GET /api/datasets`: datasets whose id or name contains `search`, by id.
    pub fn hub_datasets(&self, request: &HubListRequest) -> Result<HubPage<HubDataset>> {
        let limit = request.page_len();
        let pattern = format!("%{}%", request.search.clone().unwrap_or_default().to_lowercase());
        let author = request.author.as_ref().map(|a| format!("{}/%", a.to_lowercase()));
        let sql = "SELECT id FROM datasets WHERE (lower(id) LIKE ?1 OR lower(name) LIKE ?1)
                   AND (?2 IS NULL OR lower(name) LIKE ?2) ORDER BY id LIMIT ?3 OFFSET ?4";
        let params = vec![
            macaroni_store::SqlValue::Text(pattern),
            author.map_or(macaroni_store::SqlValue::Null, macaroni_store::SqlValue::Text),
            macaroni_store::SqlValue::Integer(limit as i64 + 1),
            macaroni_store::SqlValue::Integer(request.offset as i64),
        ];
        let rows = self.query.query(sql, &params, self.limits)?;
        let more = rows.rows.len() > limit;
        let mut items = Vec::new();
        for row in rows.rows.iter().take(limit) {
            if let Some(dataset) = row[0].as_str().map(|id| self.hub_dataset_of(id)).transpose()?.flatten() {
                items.push(dataset);
            }
        }
        Ok(HubPage {
            items,
            next_offset: more.then_some(request.offset + limit),
        })
    }

    /// `GET /api/datasets/{repo_id}`.
    pub fn hub_dataset(&self, hub_id: &str) -> Result<HubDataset> {
        let candidates = dataset_ids_of(hub_id);
        for id in &candidates {
            if let Some(dataset) = self.hub_dataset_of(id)? {
                return Ok(dataset);
            }
        }
        Err(self.not_found(&candidates[0]))
    }

    fn hub_dataset_of(&self, id: &str) -> Result<Option<HubDataset>> {
        let Some(record @ Record::Dataset(_)) = self.store.merged(id)? else {
            return Ok(None);
        };
        let hub_id = hub_dataset_id(&record);
        let Record::Dataset(d) = record else {
            return Ok(None);
        };
        let mut data = Map::new();
        if let Some(license) = &d.license {
            data.insert("license".into(), json!(license));
        }
        if !d.languages.is_empty() {
            data.insert("language".into(), json!(d.languages));
        }
        let tasks: Vec<&str> = d.tasks.iter().map(|t| t.trim_start_matches("task:")).collect();
        if !tasks.is_empty() {
            data.insert("task_categories".into(), json!(tasks));
        }
        if let Some(name) = &d.name {
            data.insert("pretty_name".into(), json!(name));
        }
        let mut tags: Vec<String> = tasks.iter().map(|t| format!("task_categories:{t}")).collect();
        tags.extend(d.languages.iter().map(|l| format!("language:{l}")));
        tags.extend(d.license.iter().map(|l| format!("license:{l}")));
        Ok(Some(HubDataset {
            author: hub_id.split_once('/').map(|(owner, _)| owner.to_string()),
            sha: commit_of(None, id),
            private: false,
            gated: false,
            disabled: false,
            downloads: 0,
            likes: 0,
            tags,
            description: d.description.clone(),
            card_data: Some(data),
            siblings: if d.card_text.is_some() {
                vec![Sibling {
                    rfilename: "README.md".into(),
                }]
            } else {
                Vec::new()
            },
            macaroni_id: id.to_string(),
            id: hub_id,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_ids_round_trip() {
        for id in [
            "hf:google-bert/bert-base-uncased",
            "hf:gpt2",
            "timm:resnet50.a1_in1k",
            "tfhub:google/imagenet/mobilenet_v2_100_224/classification/5",
            "pytorch-hub:pytorch/vision/resnet50",
        ] {
            let hub = hub_model_id(id);
            assert!(hub.matches('/').count() <= 1, "{hub}");
            assert_eq!(model_ids_of(&hub)[0], id);
        }
        assert_eq!(hub_model_id("timm:resnet50.a1_in1k"), "macaroni.timm/resnet50.a1_in1k");
    }

    #[test]
    fn listing_parameters_become_the_search_language() {
        let request = HubListRequest {
            pipeline_tag: Some("text-classification".into()),
            filter: vec!["license:mit".into(), "pytorch".into()],
            sort: Some("downloads".into()),
            ..HubListRequest::default()
        };
        let query = request.to_query().unwrap();
        let expected =
            macaroni_query::parse("task:text-classification license:mit tag:pytorch sort:downloads:desc").unwrap();
        assert_eq!(query.expr, expected.expr);
        assert_eq!(query.sort, expected.sort);
        let bad = HubListRequest {
            sort: Some("stars".into()),
            ..HubListRequest::default()
        };
        assert!(matches!(bad.to_query(), Err(RepoError::Usage { .. })));
    }
}
