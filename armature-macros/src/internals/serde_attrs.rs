//! Reading attributes that belong to other derives (serde).

use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr};

use super::case::RenameRule;
use super::options::skip_value;

/// The serde attributes that change the name a client sends.
#[derive(Default)]
pub struct SerdeNames {
    pub rename: Option<String>,
    pub rename_all: Option<RenameRule>,
    /// On an enum: the rule for every variant's fields.
    pub rename_all_fields: Option<RenameRule>,
    pub flatten: bool,
}

/// Reads `#[serde(rename = …, rename_all = …, flatten)]`, including the
/// `rename(deserialize = …)` form (validation sees deserialized input).
/// Anything else in `serde(…)` is serde's business and is skipped; serde's
/// own derive reports its mistakes.
pub fn serde_names(attrs: &[Attribute]) -> SerdeNames {
    let mut names = SerdeNames::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string);
            match key.as_deref() {
                Some("rename") => names.rename = directional(&meta)?,
                Some("rename_all") => {
                    names.rename_all = directional(&meta)?.and_then(|r| RenameRule::from_serde(&r));
                }
                Some("rename_all_fields") => {
                    names.rename_all_fields =
                        directional(&meta)?.and_then(|r| RenameRule::from_serde(&r));
                }
                Some("flatten") => names.flatten = true,
                _ => skip_value(&meta)?,
            }
            Ok(())
        });
    }
    names
}

/// `key = "v"` or `key(deserialize = "v", serialize = "…")` -> the deserialize name.
fn directional(meta: &ParseNestedMeta) -> syn::Result<Option<String>> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(Some(meta.value()?.parse::<LitStr>()?.value()));
    }
    let mut found = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("deserialize") {
            found = Some(inner.value()?.parse::<LitStr>()?.value());
        } else {
            skip_value(&inner)?;
        }
        Ok(())
    })?;
    Ok(found)
}
