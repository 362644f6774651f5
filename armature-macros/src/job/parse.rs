//! `#[job(…)]` + its function -> the model.

use proc_macro2::TokenStream;
use syn::ItemFn;

use super::model::{Backoff, Job, OPTIONS};
use crate::internals::options::{self, Attr, BoolAttr};
use crate::internals::ty::is_named;
use crate::internals::{Ctxt, sig};

pub fn job(cx: &Ctxt, args: TokenStream, item: ItemFn) -> Job {
    let mut krate = Attr::none(cx, options::CRATE);
    let mut cpu = BoolAttr::none(cx, "cpu_intensive");
    let mut queue = Attr::none(cx, "queue");
    let mut retries = Attr::none(cx, "retries");
    let mut backoff = Attr::none(cx, "backoff");
    let mut timeout = Attr::none(cx, "timeout");
    let mut batch = Attr::none(cx, "batch");
    options::parse(cx, args, |meta| {
        let path = meta.path.clone();
        let result = if path.is_ident("cpu_intensive") {
            cpu.set_true(&path);
            Ok(())
        } else if path.is_ident("queue") {
            options::string(&meta).and_then(|lit| {
                if lit.value().is_empty() {
                    return Err(syn::Error::new_spanned(
                        &lit,
                        "`queue` names a queue: `queue = \"email\"`",
                    ));
                }
                queue.set(&path, lit.value());
                Ok(())
            })
        } else if path.is_ident("retries") {
            options::int::<u32>(&meta).map(|n| retries.set(&path, n))
        } else if path.is_ident("backoff") {
            options::string(&meta).and_then(|lit| {
                let kind = match lit.value().as_str() {
                    "exponential" => Backoff::Exponential,
                    "fixed" => Backoff::Fixed,
                    other => {
                        return Err(syn::Error::new_spanned(
                            &lit,
                            format!(
                                "unknown backoff `{other}`: write \"exponential\" or \"fixed\""
                            ),
                        ));
                    }
                };
                backoff.set(&path, kind);
                Ok(())
            })
        } else if path.is_ident("timeout") {
            options::duration(&meta).and_then(|ms| {
                if ms == 0 {
                    return Err(syn::Error::new_spanned(
                        &path,
                        "`timeout` must be at least 1 ms",
                    ));
                }
                timeout.set(&path, ms);
                Ok(())
            })
        } else if path.is_ident("batch") {
            options::int::<usize>(&meta).and_then(|n| {
                if n == 0 {
                    return Err(syn::Error::new_spanned(&path, "`batch` must be at least 1"));
                }
                batch.set(&path, n);
                Ok(())
            })
        } else if path.is_ident(options::CRATE) {
            options::crate_path(&meta).map(|p| krate.set(&path, p))
        } else {
            return options::unknown(cx, &meta, "`#[job]` option", OPTIONS);
        };
        // A bad value is one error; the options after it are still read.
        if let Err(e) = result {
            cx.push(e);
        }
        Ok(())
    });
    let cpu_intensive = cpu.get();
    let sig = &item.sig;
    if cpu_intensive {
        if let Some(token) = &sig.asyncness {
            cx.error_spanned_by(
                token,
                "a `cpu_intensive` job runs on the compute pool, where nothing awaits: write a plain `fn`",
            );
        }
    } else if sig.asyncness.is_none() {
        cx.error_spanned_by(
            sig.fn_token,
            "a synchronous job runs on the compute pool: mark it `#[job(cpu_intensive)]`, or make it an `async fn`",
        );
    }
    sig::require_not_generic(
        cx,
        sig,
        "a job cannot be generic: its payload type names its queue",
    );
    if let (_, Some(r)) = sig::receiver(sig) {
        cx.error_spanned_by(r, "a job is a free function, not a method");
    }
    let params: Vec<&syn::Type> = sig::param_types(sig).collect();
    let shape = "a job takes its payload, and optionally the `JobContext`: `fn(payload: P)` or `async fn(payload: P, ctx: JobContext)`";
    let (payload, takes_context) = match params.as_slice() {
        [p] => (Some((*p).clone()), false),
        [p, ctx] if is_named(ctx, "JobContext") => (Some((*p).clone()), true),
        [_, other] => {
            cx.error_spanned_by(other, shape);
            (None, false)
        }
        _ => {
            cx.error_spanned_by(&sig.ident, shape);
            (None, false)
        }
    };
    if sig::output(sig).is_none() {
        cx.error_spanned_by(
            &sig.ident,
            "a job returns `Result<(), JobError>`: its error decides retries",
        );
    }
    Job {
        krate: krate.get().unwrap_or_else(|| syn::parse_quote!(::armature)),
        name: sig.ident.clone(),
        queue: queue.get().unwrap_or_else(|| sig.ident.to_string()),
        cpu_intensive,
        retries: retries.get().unwrap_or(3),
        backoff: backoff.get().unwrap_or(Backoff::Exponential),
        timeout_ms: timeout.get(),
        batch: batch.get(),
        payload,
        takes_context,
        item,
    }
}
