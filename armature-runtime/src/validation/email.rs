//! The HTML standard's "valid e-mail address", checked byte by byte without
//! allocating:
//!
//! ```text
//! local  = 1*( ALPHA / DIGIT / "." / "!#$%&'*+/=?^_`{|}~-" )
//! label  = let-dig [ *61( ALPHA / DIGIT / "-" ) let-dig ]
//! email  = local "@" label *( "." label )
//! ```
//! (<https://html.spec.whatwg.org/multipage/input.html#valid-e-mail-address>).
//! One `@` exactly, so `a@b@c` is rejected.

const MAX_LABEL: usize = 63;

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-.".contains(&b)
}

/// Whether `s` is a valid e-mail address per the HTML standard.
///
/// ```
/// use armature_runtime::validation::is_email;
/// assert!(is_email("ada@example.com"));
/// assert!(!is_email("a@b@c"));
/// ```
pub fn is_email(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(at) = bytes.iter().position(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    !local.is_empty() && local.iter().all(|&b| is_local_byte(b)) && is_domain(domain)
}

fn is_domain(domain: &[u8]) -> bool {
    !domain.is_empty() && domain.split(|&b| b == b'.').all(is_label)
}

fn is_label(label: &[u8]) -> bool {
    match label {
        [] => false,
        [first, .., last] if label.len() > MAX_LABEL || *first == b'-' || *last == b'-' => false,
        _ => label
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_the_html_spec_accepts() {
        for ok in [
            "a@b",
            "ada@example.com",
            "first.last+tag@sub.example.co.uk",
            "x!#$%&'*+/=?^_`{|}~-@a-b.c",
            ".leading.dot.is.fine.in.html@x.y",
            "user@123.example",
            &format!("u@{}.com", "a".repeat(63)),
        ] {
            assert!(is_email(ok), "{ok}");
        }
    }

    #[test]
    fn rejects_the_rest() {
        for bad in [
            "",
            "@",
            "a@",
            "@b",
            "a@b@c",
            "a b@c.d",
            "a@b..c",
            "a@.b",
            "a@b.",
            "a@-b.c",
            "a@b-.c",
            "a@b_c.d",
            "a@b c",
            "é@x.y",
            "a@exämple.com",
            "\"quoted\"@x.y",
            "a@[127.0.0.1]",
            &format!("u@{}.com", "a".repeat(64)),
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_needs_exactly_one_at(s in "\\PC{0,40}") {
            if is_email(&s) {
                proptest::prop_assert_eq!(s.matches('@').count(), 1);
            }
        }
    }
}
