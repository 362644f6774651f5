//! An absolute URL with a scheme and a host, checked without allocating.
//!
//! `url::Url::parse` allocates the serialized URL on every call, which made
//! two URL fields ~45% of a whole form's validation in the baseline crates.
//! This check accepts a subset of what the WHATWG URL parser accepts (the
//! "valid URL string" writing rules, with a host required): every string it
//! accepts parses with the WHATWG parser and has a host — a property test
//! holds it to that against the `url` crate.
//!
//! Internationalized hosts (non-ASCII, or an `xn--` label) need IDNA
//! mapping and punycode checks; for those rare inputs the `url` crate
//! decides, so the common case stays allocation-free and the hard case exact.
//!
//! ```text
//! url       = scheme ":" "//" [ userinfo "@" ] host [ ":" port ] tail
//! scheme    = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
//! host      = "[" IPv6 "]" / IPv4 / domain     ; a numeric last label means IPv4
//! tail      = [ "/" path ] [ "?" query ] [ "#" fragment ]   ; no spaces or controls,
//!                                                           ; "%" must be followed by 2 hex digits
//! ```

use std::net::{Ipv4Addr, Ipv6Addr};

/// Whether `s` is an absolute URL with a scheme and a host.
///
/// ```
/// use armature_runtime::validation::is_url;
/// assert!(is_url("https://example.com/a?b#c"));
/// assert!(!is_url("example.com"));
/// assert!(!is_url("mailto:ada@example.com")); // no host
/// ```
pub fn is_url(s: &str) -> bool {
    match check(s) {
        Verdict::Valid => true,
        Verdict::Invalid => false,
        Verdict::NeedsIdna => url::Url::parse(s).is_ok_and(|u| u.host().is_some()),
    }
}

enum Verdict {
    Valid,
    Invalid,
    NeedsIdna,
}

impl From<bool> for Verdict {
    fn from(ok: bool) -> Self {
        if ok { Verdict::Valid } else { Verdict::Invalid }
    }
}

fn check(s: &str) -> Verdict {
    let bytes = s.as_bytes();
    let Some(colon) = bytes.iter().position(|&b| b == b':') else {
        return Verdict::Invalid;
    };
    let (scheme, rest) = (&bytes[..colon], &bytes[colon + 1..]);
    if !is_scheme(scheme) {
        return Verdict::Invalid;
    }
    let Some(after) = rest.strip_prefix(b"//") else {
        return Verdict::Invalid;
    };
    let auth_end = after
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(after.len());
    let (authority, tail) = after.split_at(auth_end);
    if !is_tail(tail) {
        return Verdict::Invalid;
    }
    check_authority(authority, scheme.eq_ignore_ascii_case(b"file"))
}

fn is_scheme(scheme: &[u8]) -> bool {
    match scheme.split_first() {
        Some((first, rest)) => {
            first.is_ascii_alphabetic()
                && rest
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        }
        None => false,
    }
}

fn check_authority(authority: &[u8], file: bool) -> Verdict {
    let mut ats = authority.iter().enumerate().filter(|(_, b)| **b == b'@');
    let host_port = match (ats.next(), ats.next()) {
        (None, _) => authority,
        // `file:` URLs have no credentials (nor a port, below).
        (Some((at, _)), None) if !file => {
            if !is_userinfo(&authority[..at]) {
                return Verdict::Invalid;
            }
            &authority[at + 1..]
        }
        _ => return Verdict::Invalid,
    };
    let (host, port) = if let Some(inner) = host_port.strip_prefix(b"[") {
        let Some(close) = inner.iter().position(|&b| b == b']') else {
            return Verdict::Invalid;
        };
        let port = match &inner[close + 1..] {
            [] => None,
            [b':', port @ ..] => Some(port),
            _ => return Verdict::Invalid,
        };
        if !is_ipv6(&inner[..close]) {
            return Verdict::Invalid;
        }
        (None, port)
    } else {
        match host_port.iter().position(|&b| b == b':') {
            Some(c) => (Some(&host_port[..c]), Some(&host_port[c + 1..])),
            None => (Some(host_port), None),
        }
    };
    if let Some(port) = port
        && (file || !is_port(port))
    {
        return Verdict::Invalid;
    }
    match host {
        None => Verdict::Valid,
        // The WHATWG parser turns `file://localhost/` into an empty host.
        Some(host) if file && host.eq_ignore_ascii_case(b"localhost") => Verdict::Invalid,
        Some(host) => check_host(host),
    }
}

fn is_ipv6(inner: &[u8]) -> bool {
    std::str::from_utf8(inner).is_ok_and(|s| s.parse::<Ipv6Addr>().is_ok())
}

fn is_port(port: &[u8]) -> bool {
    // Empty is allowed (`http://a:/`); the value must fit 16 bits.
    port.len() <= 5
        && port.iter().all(u8::is_ascii_digit)
        && port.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')) <= 65_535
}

fn is_userinfo(userinfo: &[u8]) -> bool {
    all_escaped(userinfo, |b| {
        b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:".contains(&b)
    })
}

fn check_host(host: &[u8]) -> Verdict {
    let trimmed = host.strip_suffix(b".").unwrap_or(host);
    if trimmed.is_empty() {
        return Verdict::Invalid;
    }
    let last = trimmed.rsplit(|&b| b == b'.').next().unwrap_or(trimmed);
    let numeric =
        last.iter().all(u8::is_ascii_digit) || last.starts_with(b"0x") || last.starts_with(b"0X");
    if numeric {
        // The WHATWG parser reads such a host as IPv4; accept only the
        // unambiguous dotted-quad form.
        return std::str::from_utf8(host)
            .is_ok_and(|s| s.parse::<Ipv4Addr>().is_ok())
            .into();
    }
    let mut idna = false;
    for label in trimmed.split(|&b| b == b'.') {
        if label.is_empty() {
            return Verdict::Invalid;
        }
        idna |= label.len() >= 4 && label[..4].eq_ignore_ascii_case(b"xn--");
        for &b in label {
            if b >= 0x80 {
                idna = true;
            } else if !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return Verdict::Invalid;
            }
        }
    }
    if idna {
        Verdict::NeedsIdna
    } else {
        Verdict::Valid
    }
}

fn is_tail(tail: &[u8]) -> bool {
    let mut fragments = 0;
    all_escaped(tail, |b| {
        if b == b'#' {
            fragments += 1;
            return fragments == 1;
        }
        // Non-ASCII bytes belong to valid UTF-8 (the input is a `str`).
        b >= 0x80 || (b.is_ascii_graphic() && !b"\"<>\\^`{|}[]".contains(&b))
    })
}

/// Every byte passes `ok`, or is a `%` followed by two hex digits.
fn all_escaped(bytes: &[u8], mut ok: impl FnMut(u8) -> bool) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            match bytes.get(i + 1..i + 3) {
                Some([h, l]) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => i += 3,
                _ => return false,
            }
        } else if ok(b) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_urls_with_a_host() {
        for ok in [
            "http://a",
            "https://example.com",
            "https://example.com.",
            "HTTPS://EXAMPLE.COM/Path",
            "https://user:pa%20ss@example.com:8443/a/b?c=d&e#frag",
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://[2001:db8::1]:80",
            "ftp://files.example.org/pub",
            "git+ssh://git@host/repo.git",
            "http://a:/",
            "https://bücher.example/",
            "https://xn--bcher-kva.example/",
            "https://my_host.internal/",
            "https://example.com/ünïcode?q=é",
            "postgres://db:5432/app",
        ] {
            assert!(is_url(ok), "{ok}");
            let parsed = url::Url::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(parsed.host().is_some(), "{ok}");
        }
    }

    #[test]
    fn rejects_the_rest() {
        for bad in [
            "",
            "example.com",
            "//example.com",
            "http:example.com",
            "http:/example.com",
            "http://",
            "http:///path",
            "mailto:ada@example.com",
            "1http://a",
            "ht tp://a",
            "http://a b",
            "http://a/b c",
            " http://a",
            "http://a\n",
            "http://a:99999/",
            "http://a:8o/",
            "http://[::1",
            "http://[zz]/",
            "http://1.2.3.999/",
            "http://0x7f.1/",
            "http://a@b@c/",
            "http://a..b/",
            "http://a/%zz",
            "http://a/<script>",
            "http://a/#x#y",
            "http://exa\\mple.com/",
            "file://localhost/etc/passwd",
            "file:///etc/passwd",
            "file://user@host/x",
            "file://host:21/x",
            "http://xn--a/",
            "http://ex\u{7}ample/",
        ] {
            assert!(!is_url(bad), "{bad:?}");
        }
    }

    fn url_like() -> impl Strategy<Value = String> {
        let scheme = prop_oneof![
            "http",
            "https",
            "ftp",
            "ws",
            "file",
            "git+ssh",
            "[a-zA-Z][a-z0-9+.-]{0,5}",
            "[a-z0-9:]{0,3}"
        ];
        let sep = prop_oneof!["://", ":", ":/", "//", "://"];
        let userinfo = prop_oneof!["", "[a-z:%0-9@]{1,6}@"];
        let host = prop_oneof![
            "[a-z0-9._-]{0,12}",
            "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,4}\\.[0-9x]{1,3}",
            "\\[[0-9a-f:.]{0,14}\\]",
            "localhost",
            "[ -~]{0,8}",
        ];
        let port = prop_oneof!["", ":[0-9]{0,6}", ":[a-z]{1,2}"];
        let tail = prop_oneof!["", "/[ -~]{0,12}", "\\?[a-z=&%0-9]{0,8}", "#[ -~]{0,6}"];
        (scheme, sep, userinfo, host, port, tail)
            .prop_map(|(a, b, c, d, e, f)| format!("{a}{b}{c}{d}{e}{f}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        /// Whatever we accept, the WHATWG parser accepts and finds a host in.
        #[test]
        fn accepted_urls_parse_with_a_host(s in url_like()) {
            if is_url(&s) {
                let parsed = url::Url::parse(&s);
                prop_assert!(parsed.is_ok(), "{s:?}: {parsed:?}");
                prop_assert!(parsed.unwrap().host().is_some(), "{s:?}");
            }
        }

        /// Internationalized hosts, where the fast path defers to IDNA.
        #[test]
        fn accepted_idn_urls_parse_with_a_host(s in "(https?|ftp)://[a-zäöüß0-9x.-]{1,12}(/[a-z]{0,3})?") {
            if is_url(&s) {
                prop_assert!(url::Url::parse(&s).is_ok_and(|u| u.host().is_some()), "{s:?}");
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,60}") {
            let _ = is_url(&s);
        }
    }
}
