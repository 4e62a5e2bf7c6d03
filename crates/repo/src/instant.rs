//! Points in time given by users (`--as-of`, `?as_of=`): parsed, never compared as text.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use crate::{RepoError, Result};

/// An instant in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(DateTime<Utc>);

impl Instant {
    /// RFC 3339 (`2026-01-31T12:00:00Z`, `2026-01-31T12:00:00.250+01:00`) or a plain date
    /// (`2026-01-31`, the start of that day in UTC). Anything else is a usage error.
    pub fn parse(text: &str) -> Result<Instant> {
        let trimmed = text.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(trimmed) {
            return Ok(Instant(at.with_timezone(&Utc)));
        }
        if let Some(midnight) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
        {
            return Ok(Instant(midnight.and_utc()));
        }
        Err(RepoError::usage(format!(
            "`{text}` is not a time: give RFC 3339 (2026-01-31T12:00:00Z) or a date (2026-01-31)"
        )))
    }

    /// The form facts are stamped with: RFC 3339, UTC, milliseconds.
    pub fn to_rfc3339(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_offsets_become_utc_instants() {
        assert_eq!(
            Instant::parse("2026-12-03T16:04:01+01:00").unwrap().to_rfc3339(),
            "2026-12-03T15:04:01.000Z"
        );
        assert_eq!(
            Instant::parse("2026-01-31").unwrap().to_rfc3339(),
            "2026-01-31T00:00:00.000Z"
        );
        assert!(Instant::parse("2026-12-03T15:04:01Z").unwrap() < Instant::parse("2026-12-03T15:04:01.652Z").unwrap());
        for bad in ["yesterday", "", "2026-13-01", "2026-01-31 25:00"] {
            assert!(matches!(Instant::parse(bad), Err(RepoError::Usage { .. })), "{bad}");
        }
    }
}
