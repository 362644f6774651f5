// `crate = "…"` lets a library re-export armature under another path.
mod reexport {
    pub use armature as inner;
}

use armature::Validate;

#[derive(Validate)]
#[validate(crate = "reexport::inner")]
struct Form {
    #[validate(length(max = 2))]
    name: String,
}

fn main() {
    assert!(Form { name: "abc".into() }.validate().is_err());
}
