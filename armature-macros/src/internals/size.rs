//! Byte sizes as users write them in attributes (`body_limit = "10 MiB"`),
//! shared by every option that takes one (route body limits, multipart
//! limits).

/// `10_485_760`, `"10 MiB"`, `"512KB"` -> bytes.
pub fn parse(text: &str) -> Result<usize, String> {
    let text = text.trim().replace('_', "");
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: usize = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size: write bytes, or e.g. \"10 MiB\""))?;
    let factor: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "kib" => 1 << 10,
        "mb" => 1_000_000,
        "mib" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit `{other}`: use B, KB, KiB, MB, MiB, GB or GiB"
            ));
        }
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse("10 MiB").unwrap(), 10 << 20);
        assert_eq!(parse("512KB").unwrap(), 512_000);
        assert_eq!(parse("1_024").unwrap(), 1024);
        assert!(parse("ten").is_err());
        assert!(parse("1 parsec").is_err());
    }
}
