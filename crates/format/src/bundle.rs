//! JSON Lines bundles: one record per line, the exchange format of a whole repository.

use std::io::{BufRead, Write};

use crate::Record;

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("line {line}: {source}")]
    Parse {
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("line {line}, byte {column}: not UTF-8")]
    Utf8 { line: usize, column: usize },
    #[error("reading bundle: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing record {id}: {source}")]
    Serialize {
        id: String,
        #[source]
        source: serde_json::Error,
    },
}

/// Writes each record as one compact JSON object per line.
pub fn write_bundle<'a, W: Write>(
    out: &mut W,
    records: impl IntoIterator<Item = &'a Record>,
) -> Result<usize, BundleError> {
    let mut count = 0;
    for record in records {
        serde_json::to_writer(&mut *out, record).map_err(|source| BundleError::Serialize {
            id: record.id().to_string(),
            source,
        })?;
        out.write_all(b"\n")?;
        count += 1;
    }
    Ok(count)
}

/// Reads a bundle; blank lines are skipped, a malformed line (bad JSON, or bytes that are not
/// UTF-8) is an error naming its number.
pub fn read_bundle<R: BufRead>(input: R) -> Result<Vec<Record>, BundleError> {
    let mut records = Vec::new();
    for (index, line) in input.split(b'\n').enumerate() {
        let bytes = line?;
        let line = std::str::from_utf8(&bytes).map_err(|err| BundleError::Utf8 {
            line: index + 1,
            column: err.valid_up_to() + 1,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(line).map_err(|source| BundleError::Parse {
            line: index + 1,
            source,
        })?;
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;

    fn sample_records() -> Vec<Record> {
        let prov = Provenance::declared("huggingface", "cards/a/README.md", "2026-01-01T00:00:00Z");
        let model = Model {
            id: id::hf_model("a/b"),
            provenance: prov.clone(),
            name: Some("b".into()),
            languages: vec!["no".into()],
            parameters: Some(110_000_000),
            ..Default::default()
        };
        let eval = Evaluation {
            id: id::evaluation("hf:a/b", &[Some("qa"), Some("squad"), Some("f1")]),
            provenance: prov.clone(),
            model: "hf:a/b".into(),
            task: TaskRef {
                task_type: Some("question-answering".into()),
                name: None,
            },
            dataset: DatasetRef {
                config: Some(serde_json::json!("plain_text")),
                split: Some(serde_json::json!("None")),
                ..Default::default()
            },
            value: serde_json::json!("8.53%"),
            numeric_value: Some(8.53),
            ..Default::default()
        };
        let relation = Relation::new("hf:a/b", RelationKind::FineTunedFrom, "hf:c", prov).with_attribute("raw", "c");
        vec![
            Record::Model(model),
            Record::Evaluation(eval),
            Record::Relation(relation),
        ]
    }

    #[test]
    fn bundle_round_trip_is_lossless() {
        let records = sample_records();
        let mut buf = Vec::new();
        write_bundle(&mut buf, &records).unwrap();
        let back = read_bundle(buf.as_slice()).unwrap();
        assert_eq!(back, records);
    }

    #[test]
    fn attributes_and_parts_round_trip() {
        for record in sample_records() {
            let rebuilt =
                Record::from_parts(record.kind(), record.id(), record.provenance(), record.attributes()).unwrap();
            assert_eq!(rebuilt, record);
        }
    }

    #[test]
    fn malformed_line_is_named() {
        let err = read_bundle("\n{\"kind\":\"model\"}\n".as_bytes()).unwrap_err();
        assert!(err.to_string().starts_with("line 2:"), "{err}");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_an_error_naming_their_line() {
        // Found by the bundle fuzz target: the error was "stream did not contain valid UTF-8".
        let mut bundle = Vec::new();
        write_bundle(&mut bundle, &sample_records()).unwrap();
        bundle.extend_from_slice(b"{\"kind\": \"model\", \"id\": \"hf:x\xff\"}\n");
        match read_bundle(bundle.as_slice()) {
            Err(BundleError::Utf8 { line, column }) => {
                assert_eq!(line, sample_records().len() + 1);
                assert_eq!(column, 30);
            }
            other => panic!("{other:?}"),
        }
    }
}
