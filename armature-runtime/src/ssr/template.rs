//! `TemplateRenderer`: minijinja templates loaded once from a folder.
//!
//! minijinja renders a 5 KB page at 39-57k pages/s on one core here;
//! compiled templates (askama) reach 175k+, but need the templates at
//! build time and a Rust type per page. Armature offers the runtime engine
//! only: layouts and includes from a folder, editable without rebuilding.

use std::collections::HashMap;
use std::path::Path;

use futures::future::BoxFuture;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde_json::Value;

use super::Renderer;
use super::error::{RenderError, RenderErrorKind};

/// Renders routes with minijinja templates. Autoescape is on for every
/// template but `.txt` and `.json` ones; an undefined variable is an error
/// (a missing prop fails loudly instead of rendering empty). One instance
/// is shared by every request.
///
/// A route finds its template through [`TemplateRenderer::route`], or by
/// default: `/` -> `index.html`, `/about` -> `about.html`, else
/// `about/index.html`.
///
/// ```
/// use armature_runtime::ssr::TemplateRenderer;
///
/// let renderer = TemplateRenderer::new()
///     .template("layout.html", "<title>{{ title }}</title>{% block body %}{% endblock %}")
///     .unwrap()
///     .template("index.html", r#"{% extends "layout.html" %}{% block body %}Hi {{ name }}{% endblock %}"#)
///     .unwrap();
/// let html = renderer.render_now("/", serde_json::json!({"title": "Home", "name": "<Ada>"})).unwrap();
/// assert_eq!(html, "<title>Home</title>Hi &lt;Ada&gt;");
/// ```
pub struct TemplateRenderer {
    env: Environment<'static>,
    routes: HashMap<String, String>,
}

impl std::fmt::Debug for TemplateRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateRenderer")
            .field(
                "templates",
                &self.env.templates().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("routes", &self.routes)
            .finish()
    }
}

impl Default for TemplateRenderer {
    fn default() -> Self {
        Self::new()
    }
}

fn template_error(e: &minijinja::Error, route: Option<&str>) -> RenderError {
    // An error inside an include or a parent template arrives wrapped:
    // name the innermost template, where the mistake is.
    let mut e = e;
    while let Some(inner) =
        std::error::Error::source(e).and_then(|s| s.downcast_ref::<minijinja::Error>())
    {
        e = inner;
    }
    let at = match (e.name(), e.line()) {
        (Some(name), Some(line)) => format!("template `{name}` line {line}"),
        (Some(name), None) => format!("template `{name}`"),
        _ => "template".to_owned(),
    };
    let route = route.map(|r| format!("route `{r}`: ")).unwrap_or_default();
    let detail = e.detail().map(|d| format!(" ({d})")).unwrap_or_default();
    RenderError::new(
        RenderErrorKind::Template,
        format!("{route}{at}: {}{detail}", e.kind()),
    )
}

impl TemplateRenderer {
    /// A renderer with no templates.
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".txt") || name.ends_with(".json") {
                AutoEscape::None
            } else {
                AutoEscape::Html
            }
        });
        Self {
            env,
            routes: HashMap::new(),
        }
    }

    /// Loads every file under `dir` as a template named by its path
    /// relative to `dir` (`/`-separated: `layouts/base.html`). A syntax
    /// error names the file and line.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, RenderError> {
        let mut renderer = Self::new();
        let root = dir.as_ref();
        let mut stack = vec![root.to_owned()];
        let io = |what: &Path, e: std::io::Error| {
            RenderError::new(
                RenderErrorKind::Startup,
                format!("cannot read templates at {}: {e}", what.display()),
            )
        };
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).map_err(|e| io(&dir, e))? {
                let path = entry.map_err(|e| io(&dir, e))?.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path
                    .strip_prefix(root)
                    .expect("under the root")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let source = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
                renderer = renderer.template(name, source)?;
            }
        }
        Ok(renderer)
    }

    /// Adds one template.
    pub fn template(
        mut self,
        name: impl Into<String>,
        source: impl Into<String>,
    ) -> Result<Self, RenderError> {
        self.env
            .add_template_owned(name.into(), source.into())
            .map_err(|e| template_error(&e, None))?;
        Ok(self)
    }

    /// Renders `route` with `template` (instead of the default mapping).
    pub fn route(mut self, route: impl Into<String>, template: impl Into<String>) -> Self {
        self.routes.insert(route.into(), template.into());
        self
    }

    /// The template `route` renders with, if there is one.
    pub fn template_for(&self, route: &str) -> Option<String> {
        if let Some(name) = self.routes.get(route) {
            return Some(name.clone());
        }
        let path = route.trim_matches('/');
        let candidates = if path.is_empty() {
            vec!["index.html".to_owned()]
        } else {
            vec![format!("{path}.html"), format!("{path}/index.html")]
        };
        candidates
            .into_iter()
            .find(|name| self.env.get_template(name).is_ok())
    }

    /// Renders synchronously (what [`Renderer::render`] does; templates
    /// never wait on I/O).
    pub fn render_now(&self, route: &str, props: Value) -> Result<String, RenderError> {
        let name = self.template_for(route).ok_or_else(|| {
            RenderError::new(
                RenderErrorKind::NotFound,
                format!("no template for route `{route}`"),
            )
        })?;
        let template = self
            .env
            .get_template(&name)
            .map_err(|e| template_error(&e, Some(route)))?;
        template
            .render(minijinja::Value::from(minijinja::value::Serde(&props)))
            .map_err(|e| template_error(&e, Some(route)))
    }
}

impl Renderer for TemplateRenderer {
    fn render<'a>(
        &'a self,
        route: &'a str,
        props: Value,
    ) -> BoxFuture<'a, Result<String, RenderError>> {
        Box::pin(std::future::ready(self.render_now(route, props)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn renderer() -> TemplateRenderer {
        TemplateRenderer::new()
            .template("base.html", "<h1>{{ title }}</h1>\n{% block body %}{% endblock %}")
            .unwrap()
            .template("index.html", "{% extends \"base.html\" %}{% block body %}{% include \"part.html\" %}{% endblock %}")
            .unwrap()
            .template("part.html", "<p>{{ text }}</p>")
            .unwrap()
            .template("docs/index.html", "docs")
            .unwrap()
            .template("about.html", "about {{ who }}")
            .unwrap()
    }

    #[test]
    fn layouts_includes_and_autoescape() {
        let html = renderer()
            .render_now("/", json!({"title": "T", "text": "<script>x</script>"}))
            .unwrap();
        assert_eq!(
            html,
            "<h1>T</h1>\n<p>&lt;script&gt;x&lt;&#x2f;script&gt;</p>"
        );
    }

    #[test]
    fn default_and_explicit_route_mapping() {
        let r = renderer().route("/team", "about.html");
        assert_eq!(r.template_for("/"), Some("index.html".into()));
        assert_eq!(r.template_for("/about"), Some("about.html".into()));
        assert_eq!(r.template_for("/docs"), Some("docs/index.html".into()));
        assert_eq!(r.template_for("/docs/"), Some("docs/index.html".into()));
        assert_eq!(r.template_for("/team"), Some("about.html".into()));
        assert_eq!(r.template_for("/nope"), None);
        assert_eq!(
            r.render_now("/nope", json!({})).unwrap_err().kind(),
            RenderErrorKind::NotFound
        );
    }

    #[test]
    fn errors_name_the_route_the_template_and_the_line() {
        let err = renderer()
            .render_now("/", json!({"title": "T"}))
            .unwrap_err();
        assert_eq!(err.kind(), RenderErrorKind::Template);
        let msg = err.message();
        assert!(msg.contains("route `/`"), "{msg}");
        assert!(msg.contains("template `part.html` line 1"), "{msg}");
        let syntax = TemplateRenderer::new()
            .template("bad.html", "line one\n{% if %}")
            .unwrap_err();
        assert!(
            syntax.message().contains("template `bad.html` line 2"),
            "{syntax}"
        );
    }
}
