//! A polite HTTP client: one global request rate, retries with exponential backoff and jitter on
//! 5xx and network errors, `Retry-After` / `RateLimit` honoured on 429, timeouts, a cap on body
//! size, compressed responses, conditional requests, and redirects followed only within the
//! hosts the crawl was configured for.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::CrawlError;

/// How hard the crawler may push a server.
#[derive(Debug, Clone)]
pub struct Politeness {
    /// Least time between two requests (a global rate limit).
    pub min_interval: Duration,
    /// Tries per request, the first included.
    pub max_attempts: u32,
    /// First backoff; doubled per retry, with ±50 % jitter.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Longest wait a `Retry-After` may impose before the request is given up.
    pub max_retry_after: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    pub max_body_bytes: u64,
}

impl Default for Politeness {
    fn default() -> Politeness {
        Politeness {
            min_interval: Duration::from_millis(100),
            max_attempts: 6,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
            timeout: Duration::from_secs(30),
            max_body_bytes: 16 * 1024 * 1024,
        }
    }
}

/// What a GET returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        /// The `rel="next"` target of a `Link` header.
        next: Option<String>,
    },
    /// 304: the resource still has the ETag we sent.
    NotModified,
    NotFound,
}

/// Counters for the crawl's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Traffic {
    pub requests: u64,
    pub retries: u64,
    pub bytes: u64,
}

pub struct Fetcher {
    agent: ureq::Agent,
    /// Hosts (`host[:port]`) requests and redirects may go to.
    hosts: Vec<String>,
    token: Option<String>,
    politeness: Politeness,
    last_request: Mutex<Option<Instant>>,
    traffic: Mutex<Traffic>,
    jitter: Mutex<u64>,
}

/// Redirects followed per request.
const MAX_REDIRECTS: usize = 5;

impl Fetcher {
    /// Also allows requests and redirects to `host` (`host[:port]`); the token is still sent to
    /// the endpoint's host only.
    pub fn allow_host(&mut self, host: &str) {
        self.hosts.push(host.to_ascii_lowercase());
    }

    /// A client for `endpoint`'s host; `token` is sent as a bearer token to that host only.
    pub fn new(endpoint: &str, token: Option<String>, politeness: Politeness) -> Result<Fetcher, CrawlError> {
        let host = host_of(endpoint).ok_or_else(|| CrawlError::BadUrl(endpoint.to_string()))?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(politeness.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!(
                "macaroni/",
                env!("CARGO_PKG_VERSION"),
                " (model metadata crawler)"
            ))
            .build()
            .into();
        Ok(Fetcher {
            agent,
            hosts: vec![host],
            token,
            politeness,
            last_request: Mutex::new(None),
            traffic: Mutex::new(Traffic::default()),
            jitter: Mutex::new(0x9E37_79B9_7F4A_7C15 ^ u64::from(std::process::id())),
        })
    }

    pub fn traffic(&self) -> Traffic {
        self.traffic.lock().map(|t| *t).unwrap_or_default()
    }

    /// GETs `url`, retrying what is worth retrying, sending `If-None-Match` when an ETag is known.
    pub fn get(&self, url: &str, etag: Option<&str>) -> Result<Fetched, CrawlError> {
        let mut url = url.to_string();
        let mut redirects = 0;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let host = host_of(&url).ok_or_else(|| CrawlError::BadUrl(url.clone()))?;
            if !self.hosts.contains(&host) {
                return Err(CrawlError::OffHost { url });
            }
            self.wait_turn();
            let outcome = self.once(&url, &host, etag);
            let retry_in = match outcome {
                Attempt::Done(fetched) => return Ok(fetched),
                Attempt::Redirect(location) => {
                    redirects += 1;
                    if redirects > MAX_REDIRECTS {
                        return Err(CrawlError::TooManyRedirects { url });
                    }
                    url = resolve(&url, &location);
                    attempt -= 1;
                    continue;
                }
                Attempt::Fatal(err) => return Err(err),
                Attempt::Retry { after, reason } => {
                    if attempt >= self.politeness.max_attempts {
                        return Err(CrawlError::GaveUp {
                            url,
                            attempts: attempt,
                            reason,
                        });
                    }
                    after.unwrap_or_else(|| self.backoff(attempt))
                }
            };
            if retry_in > self.politeness.max_retry_after {
                return Err(CrawlError::GaveUp {
                    url,
                    attempts: attempt,
                    reason: format!("the server asks to wait {retry_in:?}"),
                });
            }
            if let Ok(mut t) = self.traffic.lock() {
                t.retries += 1;
            }
            std::thread::sleep(retry_in);
        }
    }

    fn once(&self, url: &str, host: &str, etag: Option<&str>) -> Attempt {
        let mut request = self.agent.get(url);
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        if let (Some(token), true) = (&self.token, self.hosts.first().is_some_and(|h| h == host)) {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        if let Ok(mut t) = self.traffic.lock() {
            t.requests += 1;
        }
        let mut response = match request.call() {
            Ok(response) => response,
            Err(err) => return Attempt::retry(None, format!("network: {err}")),
        };
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        match status {
            200..=299 => {
                let (etag, next) = (header("etag"), header("link").and_then(|l| next_link(&l)));
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(self.politeness.max_body_bytes)
                    .read_to_vec();
                match body {
                    Ok(bytes) => {
                        if let Ok(mut t) = self.traffic.lock() {
                            t.bytes += bytes.len() as u64;
                        }
                        Attempt::Done(Fetched::Body { bytes, etag, next })
                    }
                    Err(ureq::Error::BodyExceedsLimit(limit)) => Attempt::Fatal(CrawlError::TooLarge {
                        url: url.to_string(),
                        limit,
                    }),
                    Err(err) => Attempt::retry(None, format!("reading the body: {err}")),
                }
            }
            304 => Attempt::Done(Fetched::NotModified),
            404 | 410 => Attempt::Done(Fetched::NotFound),
            301 | 302 | 303 | 307 | 308 => match header("location") {
                Some(location) => Attempt::Redirect(location),
                None => Attempt::Fatal(CrawlError::Status {
                    url: url.to_string(),
                    status,
                }),
            },
            429 => {
                let wait = header("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .or_else(|| header("ratelimit").and_then(|v| rate_limit_reset(&v)))
                    .map(Duration::from_secs);
                Attempt::retry(wait, "429 Too Many Requests".into())
            }
            500..=599 => Attempt::retry(None, format!("HTTP {status}")),
            _ => Attempt::Fatal(CrawlError::Status {
                url: url.to_string(),
                status,
            }),
        }
    }

    /// Sleeps until the global rate limit allows the next request.
    fn wait_turn(&self) {
        let Ok(mut last) = self.last_request.lock() else { return };
        if let Some(previous) = *last {
            let due = previous + self.politeness.min_interval;
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        *last = Some(Instant::now());
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let doubled = self.politeness.backoff_base.saturating_mul(1 << (attempt - 1).min(16));
        let capped = doubled.min(self.politeness.backoff_max);
        // Jitter in [0.5, 1.5) so that many clients do not retry in step.
        let unit = self.jitter.lock().map_or(0.5, |mut state| {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            (*state >> 11) as f64 / (1u64 << 53) as f64
        });
        capped.mul_f64(0.5 + unit)
    }
}

enum Attempt {
    Done(Fetched),
    Redirect(String),
    Retry { after: Option<Duration>, reason: String },
    Fatal(CrawlError),
}

impl Attempt {
    fn retry(after: Option<Duration>, reason: String) -> Attempt {
        Attempt::Retry { after, reason }
    }
}

/// `host[:port]` of an http(s) URL.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// A `Location` resolved against the URL it came from (absolute, or absolute-path).
fn resolve(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_string();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    format!("{}{}", &base[..host_end], location)
}

/// The `rel="next"` URL of a `Link` header: `<url>; rel="next", <url>; rel="prev"`.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().eq_ignore_ascii_case("rel=\"next\"") || p.trim().eq_ignore_ascii_case("rel=next"));
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| target.to_string())
    })
}

/// Seconds until the window resets, from an IETF `RateLimit` header (`limit=100, remaining=0,
/// reset=30` or `"policy";r=0;t=30`).
fn rate_limit_reset(header: &str) -> Option<u64> {
    header.split([',', ';']).find_map(|item| {
        let (key, value) = item.trim().split_once('=')?;
        matches!(key.trim(), "reset" | "t").then(|| value.trim().trim_matches('"').parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_give_the_next_page() {
        let header = r#"<https://huggingface.co/api/models?cursor=abc&limit=2>; rel="next""#;
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://huggingface.co/api/models?cursor=abc&limit=2")
        );
        let both = r#"<http://h/p1>; rel="prev", <http://h/p3>; rel="next""#;
        assert_eq!(next_link(both).as_deref(), Some("http://h/p3"));
        assert_eq!(next_link(r#"<http://h/p1>; rel="prev""#), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn hosts_and_redirect_targets() {
        assert_eq!(
            host_of("https://HuggingFace.co/api/models?x=1").as_deref(),
            Some("huggingface.co")
        );
        assert_eq!(host_of("http://127.0.0.1:8080/a").as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(host_of("ftp://x"), None);
        assert_eq!(resolve("http://h:1/a/b?c", "/x/y"), "http://h:1/x/y");
        assert_eq!(resolve("http://h/a", "https://cdn/z"), "https://cdn/z");
    }

    #[test]
    fn rate_limit_headers_say_when_to_come_back() {
        assert_eq!(rate_limit_reset("limit=100, remaining=0, reset=30"), Some(30));
        assert_eq!(rate_limit_reset(r#""api";r=0;t=12"#), Some(12));
        assert_eq!(rate_limit_reset("limit=5"), None);
    }
}
