use proc_macro2::{Group, Span, TokenStream, TokenTree};

/// `tokens` with every token at `span`: a path like `::armature::__private::f`
/// must point at the user's token as a whole, or rustc reports the bound it
/// fails a second time at the derive.
pub fn respan(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut group = Group::new(g.delimiter(), respan(&g.stream(), span));
                group.set_span(span);
                tt = group.into();
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}
