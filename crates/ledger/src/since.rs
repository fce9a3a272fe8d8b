use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan, Zoned};

use crate::{Error, Result};

/// Reads the start of a reporting period, as `distiq stats --since` takes it:
///
/// - `7d`: today and the six days before it, from local midnight (`1d` is
///   today); `2w` is `14d`;
/// - `12h`: exactly twelve hours before `now`;
/// - `2026-11-01`: local midnight starting that date;
/// - `2026-11-01T09:00:00Z`: that instant.
pub fn parse_since(text: &str, now: &Zoned) -> Result<Timestamp> {
    let s = text.trim();
    let invalid = || Error::InvalidSince(text.to_owned());
    if let Some((n, unit)) = count_and_unit(s) {
        if n == 0 {
            return Err(invalid());
        }
        return match unit {
            'h' => {
                let back = SignedDuration::from_hours(n);
                now.timestamp().checked_sub(back).map_err(|_| invalid())
            }
            'd' | 'w' => {
                let days = if unit == 'w' {
                    n.checked_mul(7).ok_or_else(invalid)?
                } else {
                    n
                };
                let first = now
                    .date()
                    .checked_sub((days - 1).days())
                    .map_err(|_| invalid())?;
                Ok(first.to_zoned(now.time_zone().clone())?.timestamp())
            }
            _ => Err(invalid()),
        };
    }
    if let Ok(date) = s.parse::<Date>() {
        return Ok(date.to_zoned(now.time_zone().clone())?.timestamp());
    }
    s.parse::<Timestamp>().map_err(|_| invalid())
}

/// `"7d"` → `(7, 'd')`.
fn count_and_unit(s: &str) -> Option<(i64, char)> {
    let unit = s.chars().last()?;
    let digits = &s[..s.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paris time, spelled as a POSIX rule so the test needs no tzdb.
    fn now() -> Zoned {
        let paris = jiff::tz::TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        at("2026-11-24T14:30:00Z").to_zoned(paris)
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn days_count_back_from_local_midnight_including_today() {
        assert_eq!(
            parse_since("1d", &now()).unwrap(),
            at("2026-11-23T23:00:00Z")
        );
        assert_eq!(
            parse_since("7d", &now()).unwrap(),
            at("2026-11-17T23:00:00Z")
        );
        assert_eq!(
            parse_since("2w", &now()).unwrap(),
            at("2026-11-10T23:00:00Z")
        );
    }

    #[test]
    fn hours_are_exact_and_dates_start_at_local_midnight() {
        assert_eq!(
            parse_since("12h", &now()).unwrap(),
            at("2026-11-24T02:30:00Z")
        );
        // The last Sunday of October is a DST change in Paris: midnight is
        // still +02:00 on the 25th.
        assert_eq!(
            parse_since("2026-10-25", &now()).unwrap(),
            at("2026-10-24T22:00:00Z")
        );
        assert_eq!(
            parse_since("2026-11-01T09:00:00Z", &now()).unwrap(),
            at("2026-11-01T09:00:00Z")
        );
    }

    #[test]
    fn nonsense_is_refused_with_the_accepted_forms() {
        for bad in ["", "0d", "d", "7y", "-3d", "last week", "2026-13-01", "7ä"] {
            let err = parse_since(bad, &now()).unwrap_err();
            assert!(err.to_string().contains("`7d`"), "{bad}: {err}");
        }
    }
}
