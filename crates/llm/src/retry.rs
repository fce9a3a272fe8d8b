use std::time::Duration;

use reqwest::header::HeaderMap;

/// When and how long to retry, as data (not loops sprinkled through the
/// providers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included. 1 means no retry.
    pub max_attempts: u32,
    /// The wait before the first retry; doubled each time.
    pub initial_delay: Duration,
    /// The longest computed wait.
    pub max_delay: Duration,
    /// The longest `Retry-After` distiq honours; a longer one fails at once
    /// with a clear error rather than hanging the user's terminal.
    pub max_retry_after: Duration,
    /// The HTTP statuses worth retrying: rate limits, server errors,
    /// Anthropic's 529 "overloaded".
    pub retry_statuses: Vec<u16>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
            retry_statuses: vec![408, 409, 429, 500, 502, 503, 504, 529],
        }
    }
}

impl RetryPolicy {
    /// Whether a status is retried.
    pub fn retries_status(&self, status: u16) -> bool {
        self.retry_statuses.contains(&status)
    }

    /// The wait before attempt `next_attempt` (2 for the first retry), from
    /// the exponential schedule with jitter, unless the server said how long
    /// to wait.
    pub fn delay(&self, next_attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after;
        }
        let exp = next_attempt.saturating_sub(2).min(16);
        let base = self
            .initial_delay
            .saturating_mul(1 << exp)
            .min(self.max_delay);
        // Up to 25% jitter so that parallel clients do not retry in lockstep.
        let jitter_permille =
            u64::from(jiff::Timestamp::now().subsec_nanosecond().unsigned_abs() % 250);
        let jitter = base.mul_f64(jitter_permille as f64 / 1000.0);
        base.saturating_add(jitter).min(self.max_delay.max(base))
    }
}

/// Reads the server's requested wait: `retry-after-ms` (OpenAI), then
/// `Retry-After` in seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) =
        header_str(headers, "retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let v = header_str(headers, "retry-after")?.trim().to_owned();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    // An HTTP date (RFC 9110 IMF-fixdate): wait until then.
    let when = jiff::fmt::rfc2822::parse(&v).ok()?.timestamp();
    let now = jiff::Timestamp::now();
    let wait = now.until(when).ok()?.get_milliseconds();
    Some(Duration::from_millis(u64::try_from(wait).unwrap_or(0)))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_in_seconds_milliseconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", "250".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        let d2 = p.delay(2, None);
        let d3 = p.delay(3, None);
        assert!(
            d2 >= Duration::from_millis(100) && d2 <= Duration::from_millis(125),
            "{d2:?}"
        );
        assert!(
            d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(250),
            "{d3:?}"
        );
        assert_eq!(p.delay(9, None), Duration::from_millis(350));
        assert_eq!(
            p.delay(2, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
    }
}
