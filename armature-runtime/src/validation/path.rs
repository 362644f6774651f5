use std::fmt::{self, Write};

/// Where a value sits inside the value being validated, as a chain of stack
/// frames: building it costs nothing, and it becomes a `String` only when a
/// rule fails ([`FieldPath::render`]).
#[derive(Clone, Copy, Debug)]
pub enum FieldPath<'a> {
    /// The value itself.
    Root,
    /// A named field of the parent.
    Field(&'a FieldPath<'a>, &'static str),
    /// An item of a collection.
    Index(&'a FieldPath<'a>, usize),
}

impl<'a> FieldPath<'a> {
    /// A child path naming a field.
    pub fn field(&'a self, name: &'static str) -> FieldPath<'a> {
        FieldPath::Field(self, name)
    }

    /// A child path naming an item.
    pub fn index(&'a self, index: usize) -> FieldPath<'a> {
        FieldPath::Index(self, index)
    }

    /// The path as the client would write it: `address.zip`, `tags[3]`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Infallible: writing to a String.
        let _ = self.write_to(&mut out);
        out
    }

    fn write_to(&self, out: &mut String) -> fmt::Result {
        match self {
            FieldPath::Root => Ok(()),
            FieldPath::Field(parent, name) => {
                parent.write_to(out)?;
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
                Ok(())
            }
            FieldPath::Index(parent, index) => {
                parent.write_to(out)?;
                write!(out, "[{index}]")
            }
        }
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_fields_and_indices() {
        let root = FieldPath::Root;
        let tags = root.field("tags");
        let third = tags.index(3);
        let name = third.field("name");
        assert_eq!(name.render(), "tags[3].name");
        assert_eq!(root.index(0).render(), "[0]");
        assert_eq!(root.render(), "");
    }
}
