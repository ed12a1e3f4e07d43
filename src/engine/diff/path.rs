//! Readable paths to fields inside an object, as reported in
//! `drifted_paths`: `spec.template.spec.containers[name=app].image`,
//! `spec.args[0]`, `metadata.annotations["example.com/owner"]`.

use std::fmt;

/// One step into an object (map keys borrowed from the objects walked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    /// A map key.
    Field(&'a str),
    /// A list item found by its merge key, rendered `name=app` (several
    /// key fields are comma separated).
    Key(String),
    /// A list item found by position (lists without merge keys).
    Index(usize),
}

/// A path from the object root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath<'a>(pub Vec<Segment<'a>>);

impl<'a> FieldPath<'a> {
    pub fn push(&mut self, segment: Segment<'a>) {
        self.0.push(segment);
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    /// The name of the innermost map key, if the path ends in one.
    pub fn last_field(&self) -> Option<&'a str> {
        match self.0.last() {
            Some(Segment::Field(name)) => Some(*name),
            _ => None,
        }
    }

    /// The map key holding the innermost one (`limits` in
    /// `resources.limits.cpu`).
    pub fn parent_field(&self) -> Option<&'a str> {
        let len = self.0.len();
        match len.checked_sub(2).map(|index| &self.0[index]) {
            Some(Segment::Field(name)) => Some(*name),
            _ => None,
        }
    }
}

fn is_plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Field(name) if is_plain(name) => {
                    if index > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(name)?;
                }
                Segment::Field(name) => write!(f, "[{name:?}]")?,
                Segment::Key(key) => write!(f, "[{key}]")?,
                Segment::Index(position) => write!(f, "[{position}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_fields_keys_and_indexes() {
        let path = FieldPath(vec![
            Segment::Field("spec"),
            Segment::Field("containers"),
            Segment::Key("name=app".into()),
            Segment::Field("args"),
            Segment::Index(0),
        ]);
        assert_eq!(path.to_string(), "spec.containers[name=app].args[0]");
        let annotation = FieldPath(vec![
            Segment::Field("metadata"),
            Segment::Field("annotations"),
            Segment::Field("example.com/owner"),
        ]);
        assert_eq!(
            annotation.to_string(),
            "metadata.annotations[\"example.com/owner\"]"
        );
        assert_eq!(annotation.parent_field(), Some("annotations"));
        assert_eq!(annotation.last_field(), Some("example.com/owner"));
    }
}
