//! A client's file name made safe to store: a name, never a path.

/// The most bytes of a stored name (ext4, XFS, APFS, NTFS all cap at 255).
pub(crate) const MAX_NAME_BYTES: usize = 255;

/// Reduces a client's file name to a name safe on Linux, macOS and
/// Windows, or `None` when nothing usable is left:
///
/// - only the last segment after `/` or `\` (`../../etc/passwd` ->
///   `passwd`, `C:\Users\me\a.pdf` -> `a.pdf`);
/// - NUL, C0 and C1 control characters, DEL and the Unicode bidi controls
///   (which make `exe.txt` display as `txt.exe`) are removed;
/// - `< > : " | ? *` (reserved on Windows) become `_`;
/// - leading dots and spaces, trailing dots and spaces go (no hidden
///   `.htaccess`, no Windows-trimmed aliases); `.` and `..` leave nothing;
/// - Windows device names (`CON`, `nul.txt`, `COM1`, …) are refused;
/// - the result is cut to 255 bytes on a UTF-8 boundary, keeping the
///   extension when it is short.
///
/// ```
/// use armature_runtime::form::sanitize_file_name;
///
/// assert_eq!(sanitize_file_name("../../etc/passwd").as_deref(), Some("passwd"));
/// assert_eq!(sanitize_file_name(r"C:\fakepath\cv.pdf").as_deref(), Some("cv.pdf"));
/// assert_eq!(sanitize_file_name(".."), None);
/// assert_eq!(sanitize_file_name("CON.txt"), None);
/// ```
pub fn sanitize(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = base
        .chars()
        .filter(|&c| !is_invisible_control(c))
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    if trimmed.is_empty() || is_windows_device(trimmed) {
        return None;
    }
    Some(truncate(trimmed, MAX_NAME_BYTES))
}

fn is_invisible_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `CON`, `PRN`, `AUX`, `NUL`, `COM0`-`COM9`, `LPT0`-`LPT9` (and the
/// superscript-digit forms), with any extension, in any case.
fn is_windows_device(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).trim_end();
    let upper = stem.to_ascii_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => {
            let Some(n) = upper
                .strip_prefix("COM")
                .or_else(|| upper.strip_prefix("LPT"))
            else {
                return false;
            };
            let mut digits = n.chars();
            matches!(
                (digits.next(), digits.next()),
                (Some('0'..='9' | '¹' | '²' | '³'), None)
            )
        }
    }
}

/// Cuts `name` to `max` bytes on a char boundary; an extension of up to
/// 16 bytes survives the cut.
pub(crate) fn truncate(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let ext = name
        .rfind('.')
        .map(|dot| &name[dot..])
        .filter(|ext| ext.len() <= 16 && ext.len() < max);
    let ext = ext.unwrap_or("");
    let mut cut = max - ext.len();
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", &name[..cut])
}

/// `name` with `-n` before its extension: `a.tar.gz` -> `a-2.tar.gz`,
/// still within 255 bytes.
pub(crate) fn with_suffix(name: &str, n: u32) -> String {
    let dot = name.find('.').filter(|&d| d > 0).unwrap_or(name.len());
    let (stem, ext) = name.split_at(dot);
    let suffix = format!("-{n}");
    let stem = truncate(
        stem,
        MAX_NAME_BYTES
            .saturating_sub(suffix.len() + ext.len())
            .max(1),
    );
    truncate(&format!("{stem}{suffix}{ext}"), MAX_NAME_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_base_names() {
        for (raw, want) in [
            ("../../etc/passwd", "passwd"),
            ("/etc/passwd", "passwd"),
            (r"..\..\windows\win.ini", "win.ini"),
            (r"C:\Users\me\My Report.pdf", "My Report.pdf"),
            ("a/b\\c.txt", "c.txt"),
            ("plain.txt", "plain.txt"),
            ("résumé €.pdf", "résumé €.pdf"),
        ] {
            assert_eq!(sanitize(raw).as_deref(), Some(want), "{raw:?}");
        }
    }

    #[test]
    fn nothing_usable_is_none() {
        for raw in [
            "", ".", "..", "../", "a/..", " . ", "\0", "\u{202E}", "....",
        ] {
            assert_eq!(sanitize(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn controls_and_bidi_are_removed() {
        assert_eq!(
            sanitize("a\0b\r\nc\u{1b}[31m.txt").as_deref(),
            Some("abc[31m.txt")
        );
        assert_eq!(sanitize("a\u{85}\u{9f}b").as_deref(), Some("ab"));
        assert_eq!(
            sanitize("invoice\u{202E}fdp.exe").as_deref(),
            Some("invoicefdp.exe")
        );
        assert_eq!(sanitize("x\u{2066}y\u{2069}z").as_deref(), Some("xyz"));
    }

    #[test]
    fn windows_rules() {
        for raw in [
            "CON",
            "con.txt",
            "Nul",
            "COM1.log",
            "lpt9",
            "aux.tar.gz",
            "COM¹",
        ] {
            assert_eq!(sanitize(raw), None, "{raw:?}");
        }
        for raw in ["CONSOLE.txt", "COM10", "nullable", "lpt"] {
            assert!(sanitize(raw).is_some(), "{raw:?}");
        }
        assert_eq!(
            sanitize("a<b>:c|d?*.txt").as_deref(),
            Some("a_b__c_d__.txt")
        );
        assert_eq!(sanitize(".htaccess").as_deref(), Some("htaccess"));
        assert_eq!(sanitize("trailing. . ").as_deref(), Some("trailing"));
    }

    #[test]
    fn long_names_are_cut_on_a_char_boundary_keeping_the_extension() {
        let long = "é".repeat(200) + ".jpeg";
        let cut = sanitize(&long).unwrap();
        assert!(cut.len() <= MAX_NAME_BYTES);
        assert!(cut.ends_with(".jpeg"));
        assert!(cut.starts_with("éé"));
        let suffixed = with_suffix(&cut, 12);
        assert!(suffixed.len() <= MAX_NAME_BYTES);
        assert!(suffixed.ends_with("-12.jpeg"), "{suffixed}");
    }

    #[test]
    fn suffix_goes_before_the_extension() {
        assert_eq!(with_suffix("a.tar.gz", 2), "a-2.tar.gz");
        assert_eq!(with_suffix("noext", 1), "noext-1");
    }
}
