//! Route path literals: checked at compile time so a typo is an error at
//! the attribute, not a panic when the router is built.

/// The parameter names of a route path, or what is wrong with it.
pub fn params(path: &str) -> Result<Vec<String>, String> {
    if !path.is_empty() && !path.starts_with('/') {
        return Err(format!("a route path starts with `/`: write \"/{path}\""));
    }
    let mut names = Vec::new();
    let mut rest = path;
    let mut offset = 0;
    while let Some(open) = rest.find(['{', '}']) {
        let at = offset + open;
        if rest.as_bytes()[open] == b'}' {
            return Err(format!("unmatched `}}` at byte {at} of \"{path}\""));
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("unclosed `{{` at byte {at} of \"{path}\""));
        };
        let inner = &after[..close];
        if inner.contains('{') {
            return Err(format!("unclosed `{{` at byte {at} of \"{path}\""));
        }
        let (catch_all, name) = match inner.strip_prefix('*') {
            Some(name) => (true, name),
            None => (false, inner),
        };
        if !is_ident(name) {
            return Err(format!(
                "path parameter `{{{inner}}}` in \"{path}\" must be named by an identifier, like `{{id}}`"
            ));
        }
        if names.iter().any(|n| n == name) {
            return Err(format!(
                "path parameter `{name}` appears twice in \"{path}\""
            ));
        }
        let consumed = open + 1 + close + 1;
        if catch_all && consumed != rest.len() {
            return Err(format!(
                "the catch-all `{{*{name}}}` must end the path \"{path}\""
            ));
        }
        let segment_start = rest[..open].rfind('/').is_some_and(|i| i + 1 == open);
        let segment_end = rest[consumed..].is_empty() || rest[consumed..].starts_with('/');
        if catch_all && !segment_start {
            return Err(format!(
                "the catch-all `{{*{name}}}` must be a whole segment in \"{path}\""
            ));
        }
        if !(segment_start && segment_end) && catch_all {
            return Err(format!(
                "the catch-all `{{*{name}}}` must be a whole segment in \"{path}\""
            ));
        }
        names.push(name.to_owned());
        offset += consumed;
        rest = &rest[consumed..];
    }
    Ok(names)
}

/// A controller prefix joined with a route path: `/users` + `/` = `/users`.
pub fn full_path(prefix: &str, path: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    let full = match path.trim_start_matches('/') {
        "" => prefix.to_owned(),
        rest => format!("{prefix}/{rest}"),
    };
    if full.is_empty() {
        "/".to_owned()
    } else {
        full
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_names_params() {
        assert_eq!(params("/").unwrap(), Vec::<String>::new());
        assert_eq!(params("").unwrap(), Vec::<String>::new());
        assert_eq!(params("/users/{id}").unwrap(), ["id"]);
        assert_eq!(params("/o/{org}/r/{repo}").unwrap(), ["org", "repo"]);
        assert_eq!(params("/files/{*rest}").unwrap(), ["rest"]);
    }

    #[test]
    fn rejects_malformed_paths() {
        for (bad, why) in [
            ("/users/{id", "unclosed `{` at byte 7"),
            ("/users/id}", "unmatched `}` at byte 9"),
            ("/users/{1d}", "identifier"),
            ("/users/{}", "identifier"),
            ("/users/{a-b}", "identifier"),
            ("/f/{*rest}/x", "must end the path"),
            ("/f/x{*rest}", "whole segment"),
            ("/a/{x}/{x}", "twice"),
            ("users", "starts with `/`"),
        ] {
            let e = params(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn joins_prefixes() {
        assert_eq!(full_path("/users", "/"), "/users");
        assert_eq!(full_path("/users/", "/{id}"), "/users/{id}");
        assert_eq!(full_path("", "/"), "/");
        assert_eq!(full_path("/", "about"), "/about");
    }
}
