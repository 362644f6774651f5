//! Durations as users write them in attributes (`timeout = "30s"`).

/// `"500ms"`, `"30s"`, `"2m"`, `"1h"`, `"1m30s"` -> milliseconds.
pub fn parse(text: &str) -> Result<u64, String> {
    let bad =
        || format!("`{text}` is not a duration: write e.g. \"500ms\", \"30s\", \"2m\" or \"1h\"");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor = match rest[..unit_len].trim() {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => return Err(bad()),
        };
        total = number
            .checked_mul(factor)
            .and_then(|n| total.checked_add(n))
            .ok_or_else(|| format!("`{text}` is too long"))?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse("30s"), Ok(30_000));
        assert_eq!(parse("500ms"), Ok(500));
        assert_eq!(parse("2m"), Ok(120_000));
        assert_eq!(parse("1m30s"), Ok(90_000));
        assert_eq!(parse("1h"), Ok(3_600_000));
        for bad in ["", "30", "s", "3 parsecs", "1.5s", "-1s"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
