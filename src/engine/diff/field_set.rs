//! Server-side apply field sets (`managedFields[].fieldsV1`): which fields a
//! field manager owns.
//!
//! The format is a tree of JSON objects whose keys are `f:<field>` (a map
//! key), `k:<json object>` (a list item by its key fields), `v:<json>` (a
//! set item by value), `i:<index>` (an atomic list item by position) and
//! `.` (the node itself is owned). A node without children is owned whole.

use serde_json::{Map, Value};

use super::int_or_string::int_or_string_equal;

/// One step of a field set.
#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    Field(String),
    Key(Map<String, Value>),
    Value(Value),
    Index(usize),
}

/// A node of a field set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSet {
    pub children: Vec<(Element, FieldSet)>,
    /// `.` was present: the node itself (e.g. a list item) is owned.
    pub owns_self: bool,
}

impl FieldSet {
    /// Parses a `fieldsV1` tree; the error is a fixed reason (never the
    /// offending text, which could hold a value).
    pub fn parse(fields: &Value) -> Result<FieldSet, &'static str> {
        let Value::Object(map) = fields else {
            return Err("a field set node is not a JSON object");
        };
        let mut set = FieldSet {
            children: Vec::with_capacity(map.len()),
            owns_self: false,
        };
        for (name, child) in map {
            if name == "." {
                set.owns_self = true;
                continue;
            }
            let element = parse_element(name)?;
            set.children.push((element, FieldSet::parse(child)?));
        }
        Ok(set)
    }

    /// Whether the whole value at this node is owned (no finer breakdown).
    pub fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }

    pub fn field(&self, name: &str) -> Option<&FieldSet> {
        self.children
            .iter()
            .find_map(|(element, set)| match element {
                Element::Field(field) if field == name => Some(set),
                _ => None,
            })
    }

    /// The node owning list item `item` at `position`.
    pub fn item(&self, item: &Value, position: usize) -> Option<&FieldSet> {
        self.children
            .iter()
            .find_map(|(element, set)| element_matches(element, item, position).then_some(set))
    }

    /// The key field names of the list, when its items are owned by key.
    pub fn key_names(&self) -> Option<Vec<String>> {
        self.children.iter().find_map(|(element, _)| match element {
            Element::Key(key) => Some(key.keys().cloned().collect()),
            _ => None,
        })
    }

    /// Adds what `other` owns (a manager may have several entries).
    pub fn merge(&mut self, other: FieldSet) {
        self.owns_self |= other.owns_self;
        for (element, set) in other.children {
            match self.children.iter_mut().find(|(mine, _)| *mine == element) {
                Some((_, mine)) => mine.merge(set),
                None => self.children.push((element, set)),
            }
        }
    }
}

fn parse_element(name: &str) -> Result<Element, &'static str> {
    let (prefix, rest) = name
        .split_once(':')
        .ok_or("a field set key has no `f:`, `k:`, `v:` or `i:` prefix")?;
    match prefix {
        "f" => Ok(Element::Field(rest.to_string())),
        "k" => match serde_json::from_str(rest) {
            Ok(Value::Object(key)) => Ok(Element::Key(key)),
            _ => Err("a `k:` element is not a JSON object"),
        },
        "v" => serde_json::from_str(rest)
            .map(Element::Value)
            .map_err(|_| "a `v:` element is not JSON"),
        "i" => rest
            .parse()
            .map(Element::Index)
            .map_err(|_| "an `i:` element is not an index"),
        _ => Err("a field set key has an unknown prefix"),
    }
}

fn loosely_equal(a: &Value, b: &Value) -> bool {
    a == b || int_or_string_equal(a, b)
}

fn element_matches(element: &Element, item: &Value, position: usize) -> bool {
    match element {
        Element::Key(key) => key.iter().all(|(field, expected)| {
            item.get(field)
                .is_some_and(|actual| loosely_equal(actual, expected))
        }),
        Element::Value(expected) => loosely_equal(item, expected),
        Element::Index(index) => *index == position,
        Element::Field(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_fields_keys_values_and_self() {
        let set = FieldSet::parse(&json!({
            "f:spec": {"f:containers": {
                "k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:name": {}}
            }, "f:finalizers": {"v:\"a\"": {}}}
        }))
        .unwrap();
        let containers = set.field("spec").unwrap().field("containers").unwrap();
        let app = containers
            .item(&json!({"name": "app", "image": "x"}), 3)
            .unwrap();
        assert!(app.owns_self);
        assert!(app.field("image").unwrap().is_leaf());
        assert!(containers.item(&json!({"name": "sidecar"}), 0).is_none());
        assert_eq!(containers.key_names(), Some(vec!["name".to_string()]));
        let finalizers = set.field("spec").unwrap().field("finalizers").unwrap();
        assert!(finalizers.item(&json!("a"), 0).is_some());
    }

    #[test]
    fn key_values_match_ints_written_as_strings() {
        let ports = FieldSet::parse(&json!({
            "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}}
        }))
        .unwrap();
        assert!(
            ports
                .item(&json!({"containerPort": 80, "protocol": "TCP"}), 0)
                .is_some()
        );
        assert!(
            ports
                .item(&json!({"containerPort": 81, "protocol": "TCP"}), 0)
                .is_none()
        );
    }

    #[test]
    fn rejects_malformed_trees() {
        assert!(FieldSet::parse(&json!("x")).is_err());
        assert!(FieldSet::parse(&json!({"spec": {}})).is_err());
        assert!(FieldSet::parse(&json!({"k:[1]": {}})).is_err());
        assert!(FieldSet::parse(&json!({"i:x": {}})).is_err());
    }

    #[test]
    fn merges_entries() {
        let mut a = FieldSet::parse(&json!({"f:spec": {"f:replicas": {}}})).unwrap();
        let b = FieldSet::parse(&json!({"f:spec": {"f:paused": {}}})).unwrap();
        a.merge(b);
        let spec = a.field("spec").unwrap();
        assert!(spec.field("replicas").is_some() && spec.field("paused").is_some());
    }
}
