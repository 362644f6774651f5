//! Driving the callbacks (`advance`) and the final pipeline type.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::model::{Entry, Item, State};

/// Moves `tower(…)` members to `done`; invokes the next middleware's
/// callback, or resolves once every member reported.
pub fn advance(mut state: State) -> TokenStream {
    while let Some(item) = state.todo.first().cloned() {
        match item {
            Item::Tower(expr) => {
                state.todo.remove(0);
                state.done.push(Entry::Tower(expr));
            }
            Item::Middleware(path) => {
                state.todo.remove(0);
                state.current = Some(path.clone());
                let tokens = state_tokens(&state);
                return quote!(#path! { { #tokens } });
            }
        }
    }
    super::resolve(state)
}

fn state_tokens(state: &State) -> TokenStream {
    let State {
        krate,
        todo,
        done,
        current,
    } = state;
    let todo = todo.iter().map(|item| match item {
        Item::Middleware(path) => quote!(#path),
        Item::Tower(expr) => quote!(tower(#expr)),
    });
    let done = done.iter().map(|entry| match entry {
        Entry::Tower(expr) => quote!(tower(#expr)),
        Entry::Middleware { path, meta } => {
            let (name, kind, after, needs) = (&meta.name, &meta.kind, &meta.after, &meta.needs);
            let provides = &meta.provides;
            quote!(mw [#path] { name = #name kind = #kind after = [#(#after),*] provides = [#provides] needs = [#(#needs),*] })
        }
    });
    let current = current.iter();
    quote! {
        krate = [#krate] todo = [#(#todo),*] done = [#(#done),*] current = [#(#current)*]
    }
}

/// The pipeline value: a struct holding the around members, whose
/// `Pipeline::run` is the around chain, then each stage, then `inner`.
pub fn pipeline(state: &State, stages: &[u32]) -> TokenStream {
    let krate = &state.krate;
    let a = quote!(#krate::__private);
    let entries = &state.done;
    let around: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].is_around())
        .collect();
    let generics: Vec<_> = (0..around.len())
        .map(|k| format_ident!("__A{}", k))
        .collect();
    let values = around.iter().map(|&i| match &entries[i] {
        Entry::Tower(expr) => quote!(#a::middleware::TowerLayer::new(#expr)),
        Entry::Middleware { path, .. } => quote!(#path {}),
    });
    let max = stages.iter().copied().max().unwrap_or(0);
    let stage_code = (1..=max).map(|s| {
        let members: Vec<(usize, &syn::Path)> = entries
            .iter()
            .enumerate()
            .filter(|(i, _)| stages[*i] == s && !entries[*i].is_around())
            .filter_map(|(i, e)| match e {
                Entry::Middleware { path, .. } => Some((i, path)),
                Entry::Tower(_) => None,
            })
            .collect();
        let slots: Vec<_> = members.iter().map(|(i, _)| format_ident!("__slot{}", i)).collect();
        let paths: Vec<_> = members.iter().map(|(_, p)| *p).collect();
        let run = if members.len() == 1 {
            let (slot, path) = (&slots[0], paths[0]);
            quote! {
                if let ::core::result::Result::Err(rejection) =
                    #a::middleware::member::<#path>(__ctx.head(), &mut #slot).await
                {
                    return rejection;
                }
            }
        } else {
            let futures: Vec<_> = members.iter().map(|(i, _)| format_ident!("__member{}", i)).collect();
            quote! {
                let __head = __ctx.head();
                #(let #futures = ::core::pin::pin!(#a::middleware::member::<#paths>(__head, &mut #slots));)*
                if let ::core::result::Result::Err(rejection) =
                    #a::middleware::run_stage(&mut [#(#futures as #a::middleware::Member<'_>),*]).await
                {
                    return rejection;
                }
            }
        };
        quote! {
            #(let mut #slots = ::core::option::Option::None;)*
            { #run }
            #(#a::middleware::provide::<#paths>(&mut __ctx, #slots);)*
        }
    });
    let core = quote! {
        move |mut __ctx: #a::middleware::Request| async move {
            #(#stage_code)*
            inner(__ctx).await
        }
    };
    let body = if around.is_empty() {
        quote!((#core)(req))
    } else {
        // Innermost first: the last declared around member calls the stages.
        let mut next = quote!(#a::middleware::Next::new(#core));
        for k in (1..around.len()).rev() {
            let field = syn::Index::from(k);
            next = quote! {{
                let __this = ::std::sync::Arc::clone(self);
                let __next = #next;
                #a::middleware::Next::new(move |__req| async move {
                    #a::middleware::Around::call(&__this.#field, __req, __next).await
                })
            }};
        }
        quote! {
            let __this = ::std::sync::Arc::clone(self);
            let __next = #next;
            async move { #a::middleware::Around::call(&__this.0, req, __next).await }
        }
    };
    let steps = entries.iter().enumerate().map(|(i, entry)| {
        let stage = stages[i];
        match entry {
            Entry::Middleware { path, .. } if !entry.is_around() => quote! {
                #a::middleware::Step {
                    name: <#path as #a::middleware::Middleware>::NAME,
                    stage: #stage,
                    provides: <#path as #a::middleware::Middleware>::PROVIDES,
                    needs: <#path as #a::middleware::Middleware>::NEEDS,
                    states: <#path as #a::middleware::Middleware>::STATES,
                    handler: false,
                }
            },
            _ => {
                let field = syn::Index::from(around.iter().position(|&j| j == i).unwrap_or(0));
                quote! {
                    #a::middleware::Step {
                        name: #a::middleware::Around::name(&self.#field),
                        stage: 0,
                        provides: ::core::option::Option::None,
                        needs: &[],
                        states: &[],
                        handler: false,
                    }
                }
            }
        }
    });
    quote! {{
        #[allow(non_camel_case_types)]
        struct __ArmaturePipeline<#(#generics),*>(#(#generics),*);

        impl<#(#generics: #a::middleware::Around),*> #a::middleware::Pipeline for __ArmaturePipeline<#(#generics),*> {
            #[allow(unused_mut, clippy::let_unit_value)]
            fn run<__F, __Fut>(
                self: &::std::sync::Arc<Self>,
                req: #a::middleware::Request,
                inner: __F,
            ) -> impl ::core::future::Future<Output = #a::http::Response> + ::core::marker::Send + 'static
            where
                __F: ::core::ops::FnOnce(#a::middleware::Request) -> __Fut + ::core::marker::Send + 'static,
                __Fut: ::core::future::Future<Output = #a::http::Response> + ::core::marker::Send + 'static,
            {
                #body
            }

            fn steps(&self) -> ::std::vec::Vec<#a::middleware::Step> {
                ::std::vec![#(#steps),*]
            }
        }

        __ArmaturePipeline(#(#values),*)
    }}
}
