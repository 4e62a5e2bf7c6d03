//! PyTorch Hub model repositories' `hubconf.py`, fetched from a raw-file host
//! (`https://raw.githubusercontent.com/<owner>/<repo>/<ref>/hubconf.py`): the repositories the hub's
//! pages name, at the ref their `torch.hub.load` snippets pin, else `main`, then `master`.

use macaroni_sources::Document;

use crate::http::{Fetched, Fetcher};

/// The raw-file host of GitHub.
pub const RAW_GITHUB: &str = "https://raw.githubusercontent.com";

/// The hubconf.py of each `(owner/repo, ref)`, and the repositories without one (with why).
pub fn hubconf_documents(
    fetcher: &Fetcher,
    endpoint: &str,
    repositories: &[(String, Option<String>)],
) -> (Vec<Document>, Vec<(String, String)>) {
    let mut documents = Vec::new();
    let mut missing = Vec::new();
    for (repo, git_ref) in repositories {
        let refs: Vec<&str> = match git_ref {
            Some(r) => vec![r.as_str()],
            None => vec!["main", "master"],
        };
        let mut found = None;
        let mut reason = String::from("no hubconf.py");
        for r in refs {
            let url = format!("{}/{repo}/{r}/hubconf.py", endpoint.trim_end_matches('/'));
            match fetcher.get(&url, None) {
                Ok(Fetched::Body { bytes, .. }) => {
                    found = Some(Document {
                        uri: url,
                        relative_path: format!("{repo}/hubconf.py").into(),
                        bytes,
                    });
                    break;
                }
                Ok(_) => {}
                Err(err) => reason = err.to_string(),
            }
        }
        match found {
            Some(doc) => documents.push(doc),
            None => missing.push((repo.clone(), reason)),
        }
    }
    (documents, missing)
}
