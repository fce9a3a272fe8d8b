use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Usage;

/// An amount of US dollars, held as integer micro-dollars.
///
/// Costs are summed over thousands of calls; integers keep the sum exact
/// where floats would drift.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// Nothing.
    pub const ZERO: Money = Money(0);

    /// An amount in micro-dollars (1 USD = 1,000,000).
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// The amount in micro-dollars.
    pub const fn micros(self) -> i64 {
        self.0
    }

    /// Converts a dollar amount given as a float (from a config file or a
    /// flag), rounded to the nearest micro-dollar. Not for arithmetic.
    pub fn from_usd_f64(usd: f64) -> Self {
        // Config values are small (prices, budgets); the cast cannot overflow
        // for any amount a person would write.
        #[allow(clippy::cast_possible_truncation)]
        Self((usd * 1_000_000.0).round() as i64)
    }

    /// The amount as a float, for display ratios only.
    pub fn as_usd_f64(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }

    /// `self - other`, never below zero.
    pub fn saturating_sub(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0).max(0))
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        *self = *self + rhs;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0.saturating_sub(rhs.0))
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl fmt::Display for Money {
    /// `$0.045`, `$1.50`, `-$0.000001`: at least two decimals, at most six.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / 1_000_000;
        let frac = format!("{:06}", abs % 1_000_000);
        let trimmed = frac.trim_end_matches('0');
        let frac = if trimmed.len() < 2 {
            &frac[..2]
        } else {
            trimmed
        };
        write!(f, "{sign}${whole}.{frac}")
    }
}

/// A dollar amount that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a dollar amount; write it like `0.50` or `$2`")]
pub struct ParseMoneyError(String);

impl FromStr for Money {
    type Err = ParseMoneyError;

    /// Reads `1.5`, `$1.50`, `0.000001` exactly (no float on the way).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseMoneyError(s.to_owned());
        let t = s.trim();
        let t = t.strip_prefix('$').unwrap_or(t);
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
            || frac.len() > 6
        {
            return Err(err());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| err())?
        };
        let frac: i64 = format!("{frac:0<6}").parse().map_err(|_| err())?;
        whole
            .checked_mul(1_000_000)
            .and_then(|w| w.checked_add(frac))
            .map(Money)
            .ok_or_else(err)
    }
}

/// What a model charges, in micro-dollars per million tokens, for each kind
/// of token. `$3 / MTok` is `3_000_000`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Price {
    /// Uncached input tokens.
    pub input: i64,
    /// Output tokens, reasoning included.
    pub output: i64,
    /// Input tokens read from the provider's prompt cache.
    pub cached_input: i64,
    /// Input tokens written to the provider's prompt cache.
    pub cache_write: i64,
}

impl Price {
    /// A price from dollars per million tokens, as price pages list them.
    pub fn per_mtok_usd(input: f64, output: f64, cached_input: f64, cache_write: f64) -> Self {
        Self {
            input: Money::from_usd_f64(input).micros(),
            output: Money::from_usd_f64(output).micros(),
            cached_input: Money::from_usd_f64(cached_input).micros(),
            cache_write: Money::from_usd_f64(cache_write).micros(),
        }
    }

    /// What `usage` costs at this price, each kind of token at its own rate,
    /// rounded once to the nearest micro-dollar.
    pub fn cost(&self, usage: &Usage) -> Money {
        let pico = i128::from(usage.input_tokens) * i128::from(self.input)
            + i128::from(usage.output_tokens) * i128::from(self.output)
            + i128::from(usage.cache_read_tokens) * i128::from(self.cached_input)
            + i128::from(usage.cache_write_tokens) * i128::from(self.cache_write);
        Money(round_div(pico, 1_000_000))
    }

    /// What `usage` would cost at this price with no prompt-cache discount:
    /// every input token billed at the full input rate. The baseline that
    /// savings are measured against.
    pub fn undiscounted_cost(&self, usage: &Usage) -> Money {
        let input = usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens;
        let pico = i128::from(input) * i128::from(self.input)
            + i128::from(usage.output_tokens) * i128::from(self.output);
        Money(round_div(pico, 1_000_000))
    }
}

fn round_div(n: i128, d: i128) -> i64 {
    let q = (n + d / 2).div_euclid(d);
    i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_token_is_billed_at_its_own_rate() {
        let p = Price::per_mtok_usd(3.0, 15.0, 0.30, 3.75);
        let u = Usage {
            input_tokens: 1_000_000,
            output_tokens: 1_000_000,
            cache_read_tokens: 1_000_000,
            cache_write_tokens: 1_000_000,
            reasoning_tokens: 500_000,
        };
        assert_eq!(p.cost(&u), "22.05".parse().unwrap());
        assert_eq!(p.undiscounted_cost(&u), "24".parse().unwrap());
    }

    #[test]
    fn sums_of_many_small_costs_are_exact() {
        let p = Price::per_mtok_usd(0.10, 0.40, 0.025, 0.0);
        let one = p.cost(&Usage {
            input_tokens: 10_000,
            ..Usage::default()
        });
        assert_eq!(one, Money::from_micros(1_000));
        let total: Money = std::iter::repeat_n(one, 100_000).sum();
        assert_eq!(total, "100".parse().unwrap());
    }

    #[test]
    fn money_reads_and_prints_dollars() {
        assert_eq!(
            "$1.5".parse::<Money>().unwrap(),
            Money::from_micros(1_500_000)
        );
        assert_eq!(".25".parse::<Money>().unwrap(), Money::from_micros(250_000));
        assert!("1.0000001".parse::<Money>().is_err());
        assert!("ten".parse::<Money>().is_err());
        assert!("-1".parse::<Money>().is_err());
        assert_eq!(Money::from_micros(45_000).to_string(), "$0.045");
        assert_eq!(Money::from_micros(1_500_000).to_string(), "$1.50");
        assert_eq!(Money::from_micros(1).to_string(), "$0.000001");
        assert_eq!(Money::from_micros(-20_000).to_string(), "-$0.02");
    }
}
