//! "did you mean …" for misspelt names.

/// The closest of `candidates` to `input`, if it is close enough to be a typo.
pub fn closest<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (distance(input, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(input.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `head` (what is wrong with `input`), a suggestion and the valid names.
pub fn unknown(head: &str, input: &str, candidates: &[&str]) -> String {
    let list = candidates
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match closest(input, candidates) {
        Some(best) => format!("{head}; did you mean `{best}`?\nvalid: {list}"),
        None => format!("{head}\nvalid: {list}"),
    }
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let rules = ["email", "url", "length", "range", "must_match"];
        assert_eq!(closest("emial", &rules), Some("email"));
        assert_eq!(closest("lenght", &rules), Some("length"));
        assert_eq!(closest("mustmatch", &rules), Some("must_match"));
        assert_eq!(closest("zzz", &rules), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
