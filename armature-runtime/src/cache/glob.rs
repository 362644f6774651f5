//! Redis's glob patterns (`*`, `?`, `[abc]`, `[^a-z]`, `\x`), for the
//! memory backend's `delete_matching`.

/// `literal` as a pattern matching exactly itself: every character with a
/// meaning in a glob gets a backslash (Redis's `MATCH` and [`matches`] alike).
pub fn escape(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len() + 4);
    for c in literal.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn matches(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| matches(rest, &text[i..])),
        Some((b'?', rest)) => !text.is_empty() && matches(rest, &text[1..]),
        Some((b'[', rest)) => {
            let Some((&c, text_rest)) = text.split_first() else {
                return false;
            };
            let (negate, mut class) = match rest.split_first() {
                Some((b'^', r)) => (true, r),
                _ => (false, rest),
            };
            let mut hit = false;
            loop {
                match class {
                    [] => return false,
                    [b']', after @ ..] => {
                        class = after;
                        break;
                    }
                    [b'\\', x, after @ ..] => {
                        hit |= *x == c;
                        class = after;
                    }
                    [lo, b'-', hi, after @ ..] if *hi != b']' => {
                        hit |= (*lo.min(hi)..=*lo.max(hi)).contains(&c);
                        class = after;
                    }
                    [x, after @ ..] => {
                        hit |= *x == c;
                        class = after;
                    }
                }
            }
            hit != negate && matches(class, text_rest)
        }
        Some((b'\\', [x, rest @ ..])) => text.first() == Some(x) && matches(rest, &text[1..]),
        Some((p, rest)) => text.first() == Some(p) && matches(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::{escape, matches};

    #[test]
    fn redis_globs() {
        let m = |p: &str, t: &str| matches(p.as_bytes(), t.as_bytes());
        assert!(m("session:*", "session:42"));
        assert!(!m("session:*", "user:42"));
        assert!(m("h?llo", "hello") && !m("h?llo", "hllo"));
        assert!(m("h[ae]llo", "hallo") && !m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo") && !m("h[^e]llo", "hello"));
        assert!(m("h[a-c]llo", "hbllo") && !m("h[a-c]llo", "hdllo"));
        assert!(m("a\\*b", "a*b") && !m("a\\*b", "axb"));
        assert!(m("*", ""));
    }

    #[test]
    fn an_escaped_literal_matches_only_itself() {
        for literal in ["cache[v2]:", "a*b", "q?", "back\\slash", "[^x]", "plain"] {
            let pattern = escape(literal);
            assert!(matches(pattern.as_bytes(), literal.as_bytes()), "{literal}");
            let with_star = format!("{pattern}*");
            assert!(matches(
                with_star.as_bytes(),
                format!("{literal}rest").as_bytes()
            ));
        }
        assert!(!matches(escape("cache[v2]:").as_bytes(), b"cachev:"));
        assert!(!matches(escape("a*b").as_bytes(), b"axxb"));
        assert!(!matches(escape("q?").as_bytes(), b"qx"));
    }
}
