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

/// Edit distance over chars where swapping two neighbours counts as one
/// edit (optimal string alignment): `emial` is one typo away from `email`.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
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
        assert_eq!(distance("emial", "email"), 1);
    }
}
