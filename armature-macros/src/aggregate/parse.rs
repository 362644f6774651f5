//! `#[aggregate(…)]` + its function -> the model.

use proc_macro2::TokenStream;
use syn::ItemFn;

use super::analyze;
use super::model::{Aggregate, OPTIONS};
use crate::internals::Ctxt;
use crate::internals::options::{self, Attr};
use crate::internals::sig;

pub fn aggregate(cx: &Ctxt, args: TokenStream, item: ItemFn) -> Aggregate {
    let mut krate = Attr::none(cx, options::CRATE);
    let mut sequential = Attr::with_hint(
        cx,
        "sequential(…)",
        "list every name in one `sequential(a, b)`",
    );
    options::parse(cx, args, |meta| {
        if meta.path.is_ident("sequential") {
            let names = options::names(
                cx,
                &meta,
                "`sequential()` names the values whose uses keep their order: `sequential(db)`",
            )?;
            sequential.set(&meta.path, names);
        } else if meta.path.is_ident(options::CRATE) {
            krate.set(&meta.path, options::crate_path(&meta)?);
        } else {
            options::unknown(cx, &meta, "`#[aggregate]` option", OPTIONS)?;
        }
        Ok(())
    });
    let is_async = sig::require_async(
        cx,
        &item.sig,
        "`#[aggregate]` goes on an `async fn`: it joins the function's awaits",
    );
    let segments = if is_async {
        analyze::segments(&item, &sequential.get().unwrap_or_default())
    } else {
        Vec::new()
    };
    Aggregate {
        krate: krate.get().unwrap_or_else(|| syn::parse_quote!(::armature)),
        segments,
        item,
    }
}
