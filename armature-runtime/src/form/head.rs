//! A part's header block: its lines, its `Content-Disposition` (RFC 7578,
//! with RFC 5987's `filename*`) and what browsers really send.

use http::{HeaderMap, HeaderName, HeaderValue, header};

use super::limits::{FormError, FormLimits};
use super::names;

/// The head of one part: who it is and what it carries.
#[derive(Debug, Clone)]
pub struct PartHead {
    index: usize,
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    headers: HeaderMap,
}

impl PartHead {
    /// The part's position in the body, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The form field's name (`name=` of its `Content-Disposition`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file name exactly as the client sent it (after `filename*`
    /// decoding): metadata, never a path. `Some("")` is a file input left
    /// empty. See [`PartHead::safe_file_name`].
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The file name reduced to something safe to store (see
    /// [`sanitize_file_name`](super::sanitize_file_name)); `None` for a
    /// text field or a name with nothing usable left.
    pub fn safe_file_name(&self) -> Option<String> {
        names::sanitize(self.file_name.as_deref()?)
    }

    /// Whether the part is a file (its `Content-Disposition` has a file name).
    pub fn is_file(&self) -> bool {
        self.file_name.is_some()
    }

    /// The part's `Content-Type`, if it sent one (browsers omit it on text fields).
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Every header of the part, duplicates kept.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A label for error messages: `part 3 (\`avatar\`)`.
    pub(crate) fn label(&self) -> String {
        format!("part {} (`{}`)", self.index, self.name)
    }
}

/// Parses the header block of part `index` (the bytes between the
/// boundary's CRLF and the blank line, without either).
pub(crate) fn parse(
    block: &[u8],
    index: usize,
    limits: &FormLimits,
) -> Result<PartHead, FormError> {
    let mut headers = HeaderMap::new();
    let mut count = 0;
    let mut rest = (!block.is_empty()).then_some(block);
    while let Some(text) = rest {
        // A bare CR or LF left inside a line fails `HeaderValue` below.
        let line = match memchr::memmem::find(text, b"\r\n") {
            Some(end) => {
                rest = Some(&text[end + 2..]);
                &text[..end]
            }
            None => {
                rest = None;
                text
            }
        };
        count += 1;
        if count > limits.max_headers_per_part {
            return Err(FormError::limit(
                "max_headers_per_part",
                format!(
                    "part {index} has more than {} header lines (max_headers_per_part)",
                    limits.max_headers_per_part
                ),
            ));
        }
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            return Err(FormError::malformed(format!(
                "part {index}: folded header lines are not allowed in multipart/form-data"
            )));
        }
        let colon = memchr::memchr(b':', line).ok_or_else(|| {
            FormError::malformed(format!("part {index}: a header line has no `:`"))
        })?;
        let name = HeaderName::from_bytes(&line[..colon])
            .map_err(|_| FormError::malformed(format!("part {index}: invalid header name")))?;
        let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii()).map_err(|_| {
            FormError::malformed(format!("part {index}: invalid value of header `{name}`"))
        })?;
        headers.append(name, value);
    }

    let mut dispositions = headers.get_all(header::CONTENT_DISPOSITION).iter();
    let disposition = match (dispositions.next(), dispositions.next()) {
        (Some(one), None) => one,
        (None, _) => {
            return Err(FormError::malformed(format!(
                "part {index} has no Content-Disposition header"
            )));
        }
        (Some(_), Some(_)) => {
            return Err(FormError::malformed(format!(
                "part {index} has more than one Content-Disposition header"
            )));
        }
    };
    let Disposition { name, file_name } = disposition_params(disposition.as_bytes())
        .map_err(|why| FormError::malformed(format!("part {index}: Content-Disposition {why}")))?;
    let name = name.ok_or_else(|| {
        FormError::malformed(format!("part {index}: Content-Disposition has no `name`"))
    })?;
    if name.len() > limits.max_field_name_bytes {
        return Err(FormError::limit(
            "max_field_name_bytes",
            format!(
                "part {index}: the field name is longer than {} bytes (max_field_name_bytes)",
                limits.max_field_name_bytes
            ),
        ));
    }
    let content_type = match headers.get(header::CONTENT_TYPE) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| {
                    FormError::malformed(format!("part {index}: Content-Type is not ASCII"))
                })?
                .to_owned(),
        ),
    };
    Ok(PartHead {
        index,
        name,
        file_name,
        content_type,
        headers,
    })
}

#[derive(Debug, Default, PartialEq)]
struct Disposition {
    name: Option<String>,
    file_name: Option<String>,
}

/// `form-data; name="a"; filename="b"; filename*=UTF-8''c`. `filename*`
/// wins over `filename`. Inside quotes only `\"` and `\\` are escapes:
/// old Internet Explorer sends `C:\Users\me\a.txt` unescaped, and
/// treating every backslash as an escape would glue the path into one
/// name instead of letting the sanitizer take its last segment.
fn disposition_params(value: &[u8]) -> Result<Disposition, String> {
    let mut rest = value;
    let kind = take_token(&mut rest);
    if !kind.eq_ignore_ascii_case(b"form-data") {
        return Err(format!(
            "is `{}`, not `form-data`",
            String::from_utf8_lossy(kind)
        ));
    }
    let mut name = None;
    let mut file_name = None;
    let mut file_name_ext = None;
    loop {
        rest = rest.trim_ascii_start();
        match rest.split_first() {
            None => break,
            Some((b';', after)) => rest = after.trim_ascii_start(),
            Some(_) => return Err("has text where `;` was expected".into()),
        }
        if rest.is_empty() {
            break;
        }
        let key = take_token(&mut rest).to_ascii_lowercase();
        rest = rest.trim_ascii_start();
        rest = rest
            .strip_prefix(b"=")
            .ok_or_else(|| format!("parameter `{}` has no value", String::from_utf8_lossy(&key)))?
            .trim_ascii_start();
        let raw = if rest.first() == Some(&b'"') {
            take_quoted(&mut rest)?
        } else {
            take_token(&mut rest).to_vec()
        };
        let slot = match key.as_slice() {
            b"name" => &mut name,
            b"filename" => &mut file_name,
            b"filename*" => &mut file_name_ext,
            // Unknown parameters are allowed and ignored (RFC 7578 §4.2).
            _ => continue,
        };
        if slot.is_some() {
            return Err(format!(
                "repeats the `{}` parameter",
                String::from_utf8_lossy(&key)
            ));
        }
        *slot = Some(raw);
    }
    let name = name
        .map(|n| String::from_utf8(n).map_err(|_| "has a `name` that is not UTF-8".to_owned()))
        .transpose()?;
    let file_name = match (file_name_ext, file_name) {
        (Some(ext), _) => Some(decode_ext_value(&ext)?),
        // Browsers send UTF-8 names raw; anything else is kept lossily,
        // since it is metadata, not a key.
        (None, Some(plain)) => Some(String::from_utf8_lossy(&plain).into_owned()),
        (None, None) => None,
    };
    Ok(Disposition { name, file_name })
}

fn take_token<'a>(rest: &mut &'a [u8]) -> &'a [u8] {
    let end = rest
        .iter()
        .position(|b| matches!(b, b';' | b'=' | b' ' | b'\t'))
        .unwrap_or(rest.len());
    let (token, after) = rest.split_at(end);
    *rest = after;
    token
}

fn take_quoted(rest: &mut &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut i = 1;
    while i < rest.len() {
        match rest[i] {
            b'"' => {
                *rest = &rest[i + 1..];
                return Ok(out);
            }
            b'\\' if matches!(rest.get(i + 1), Some(b'"' | b'\\')) => {
                out.push(rest[i + 1]);
                i += 2;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Err("has an unterminated quoted string".into())
}

/// RFC 5987 `charset'language'percent-encoded`: UTF-8 and ISO-8859-1.
fn decode_ext_value(raw: &[u8]) -> Result<String, String> {
    let bad = || "has a malformed `filename*`".to_owned();
    let mut fields = raw.splitn(3, |&b| b == b'\'');
    let (charset, _language, encoded) = (
        fields.next().ok_or_else(bad)?,
        fields.next().ok_or_else(bad)?,
        fields.next().ok_or_else(bad)?,
    );
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut i = 0;
    while i < encoded.len() {
        if encoded[i] == b'%' {
            let hex = encoded.get(i + 1..i + 3).ok_or_else(bad)?;
            let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
            bytes.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            bytes.push(encoded[i]);
            i += 1;
        }
    }
    if charset.eq_ignore_ascii_case(b"utf-8") {
        String::from_utf8(bytes).map_err(|_| "has a `filename*` that is not UTF-8".to_owned())
    } else if charset.eq_ignore_ascii_case(b"iso-8859-1") {
        Ok(bytes.iter().map(|&b| char::from(b)).collect())
    } else {
        Err(format!(
            "has a `filename*` in the unsupported charset `{}`",
            String::from_utf8_lossy(charset)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(v: &str) -> Result<Disposition, String> {
        disposition_params(v.as_bytes())
    }

    fn named(name: &str, file: Option<&str>) -> Disposition {
        Disposition {
            name: Some(name.into()),
            file_name: file.map(Into::into),
        }
    }

    #[test]
    fn plain_quoted_and_token_values() {
        assert_eq!(params(r#"form-data; name="a""#), Ok(named("a", None)));
        assert_eq!(params("form-data; name=a"), Ok(named("a", None)));
        assert_eq!(
            params(r#"Form-Data ; name = "a b" ; filename="c.txt""#),
            Ok(named("a b", Some("c.txt")))
        );
        assert_eq!(params(r#"form-data; name="a";"#), Ok(named("a", None)));
    }

    #[test]
    fn filename_star_wins_and_decodes() {
        assert_eq!(
            params(
                r#"form-data; name="f"; filename="x.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt"#
            ),
            Ok(named("f", Some("€ rates.txt")))
        );
        assert_eq!(
            params("form-data; name=f; filename*=iso-8859-1'en'%A3.txt"),
            Ok(named("f", Some("£.txt")))
        );
        assert!(params("form-data; name=f; filename*=UTF-8''%ZZ").is_err());
        assert!(params("form-data; name=f; filename*=koi8-r''a").is_err());
    }

    #[test]
    fn windows_paths_keep_their_backslashes() {
        assert_eq!(
            params(r#"form-data; name="f"; filename="C:\Users\me\report.pdf""#),
            Ok(named("f", Some(r"C:\Users\me\report.pdf")))
        );
        assert_eq!(
            params(r#"form-data; name="f"; filename="say \"hi\".txt""#),
            Ok(named("f", Some(r#"say "hi".txt"#)))
        );
    }

    #[test]
    fn empty_file_input_and_raw_utf8() {
        assert_eq!(
            params(r#"form-data; name="f"; filename="""#),
            Ok(named("f", Some("")))
        );
        assert_eq!(
            params("form-data; name=\"f\"; filename=\"résumé.pdf\""),
            Ok(named("f", Some("résumé.pdf")))
        );
    }

    #[test]
    fn malformed_dispositions() {
        assert!(params("attachment; name=a").is_err());
        assert!(params(r#"form-data; name="a"#).is_err());
        assert!(params("form-data; name").is_err());
        assert!(params("form-data; name=a; name=b").is_err());
        assert!(params("form-data name=a").is_err());
    }

    fn head(block: &str) -> Result<PartHead, FormError> {
        parse(block.as_bytes(), 0, &FormLimits::default())
    }

    #[test]
    fn header_block_rules() {
        let h = head("Content-Disposition: form-data; name=\"a\"\r\nContent-Type: text/csv\r\nX-A: 1\r\nX-A: 2\r\n__proto__: x")
            .unwrap();
        assert_eq!(h.name(), "a");
        assert_eq!(h.content_type(), Some("text/csv"));
        assert_eq!(h.headers().get_all("x-a").iter().count(), 2);
        assert_eq!(h.headers()["__proto__"], "x");
        assert!(head("").is_err(), "no disposition");
        assert!(
            head(
                "Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b"
            )
            .unwrap_err()
            .message()
            .contains("more than one")
        );
        assert!(head("Content-Disposition: form-data; name=a\r\n folded").is_err());
        assert!(head("Content-Disposition: form-data; name=a\r\nno colon").is_err());
        let many = "X: y\r\n".repeat(32) + "Content-Disposition: form-data; name=a";
        assert_eq!(
            head(&many).unwrap_err().kind(),
            super::super::FormErrorKind::Limit("max_headers_per_part")
        );
        let long = format!("Content-Disposition: form-data; name={}", "n".repeat(257));
        assert_eq!(
            head(&long).unwrap_err().kind(),
            super::super::FormErrorKind::Limit("max_field_name_bytes")
        );
    }
}
