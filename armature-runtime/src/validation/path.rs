use std::borrow::Cow;
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
    /// A top-level field (the common failure) borrows its static name;
    /// deeper paths allocate once, at their exact size.
    pub fn render(&self) -> Cow<'static, str> {
        match self {
            FieldPath::Root => Cow::Borrowed(""),
            FieldPath::Field(FieldPath::Root, name) => Cow::Borrowed(name),
            _ => {
                let mut out = String::with_capacity(self.rendered_len());
                // Infallible: writing to a String.
                let _ = self.write_to(&mut out);
                Cow::Owned(out)
            }
        }
    }

    fn rendered_len(&self) -> usize {
        match self {
            FieldPath::Root => 0,
            FieldPath::Field(parent, name) => {
                let dot = usize::from(!matches!(parent, FieldPath::Root));
                parent.rendered_len() + dot + name.len()
            }
            FieldPath::Index(parent, index) => {
                parent.rendered_len() + 2 + index.checked_ilog10().unwrap_or(0) as usize + 1
            }
        }
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
        assert_eq!(name.render().capacity_hint(), name.render().len());
        assert_eq!(root.index(0).render(), "[0]");
        assert_eq!(root.render(), "");
        assert!(matches!(
            root.field("email").render(),
            Cow::Borrowed("email")
        ));
        let big = root.field("items");
        let big = big.index(1234);
        assert_eq!(big.render(), "items[1234]");
        assert_eq!(big.rendered_len(), "items[1234]".len());
    }

    trait CapacityHint {
        fn capacity_hint(&self) -> usize;
    }

    impl CapacityHint for Cow<'_, str> {
        fn capacity_hint(&self) -> usize {
            match self {
                Cow::Owned(s) => s.capacity(),
                Cow::Borrowed(s) => s.len(),
            }
        }
    }
}
