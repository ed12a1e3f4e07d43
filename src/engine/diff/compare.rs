//! The comparison itself: desired fields as a subset of live.
//!
//! Walking the normalised desired object alongside the live one, a field is
//! drift when live lacks it or holds a different value; fields only live
//! has are API defaults or other managers' fields and are not drift —
//! unless fleetdeck owns them (a field removed from Git). The walk also
//! builds a *live view*: live pruned to what desired sets (plus removed
//! fields we own), with desired's spelling wherever the values are equal
//! (`1` for `1000m`, desired's list order), so a text diff of desired
//! against the view shows exactly the drift.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::field_set::{Element, FieldSet};
use super::int_or_string::{int_or_string_equal, numbers_equal};
use super::normalize::is_dropped;
use super::path::{FieldPath, Segment};
use super::quantity::{is_quantity_path, quantities_equal};
use super::removed_fields::owned_subset;
use crate::engine::conventions::merge_keys::{
    KeyField, ListStrategy, describe_key, item_key, list_strategy,
};

/// What a comparison found.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Paths of the fields that differ, in desired's order, then fields
    /// removed from Git.
    pub drifted_paths: Vec<String>,
    /// Live pruned to the fields that matter (see the module docs); `None`
    /// when nothing drifted.
    pub live_view: Option<Value>,
}

/// Compares normalised `desired` against `live` (normalised, or as read:
/// the fields normalisation drops are skipped); `owned` is what fleetdeck's
/// last apply set (from the live object's `managedFields`).
///
/// Most resources are in sync, so a first pass only looks for drift; the
/// live view is built (by a second pass) only when there is some.
pub fn compare(desired: &Value, live: &Value, owned: Option<&FieldSet>) -> Comparison {
    let mut probe = Walker::new(false);
    probe.walk(desired, live, owned);
    if probe.drifted.is_empty() {
        return Comparison {
            drifted_paths: Vec::new(),
            live_view: None,
        };
    }
    let mut walker = Walker::new(true);
    let live_view = walker.walk(desired, live, owned);
    Comparison {
        drifted_paths: walker.drifted,
        live_view: Some(live_view),
    }
}

/// A zero value (`null`, `false`, `0`, `""`, `[]`, `{}`): the API server
/// omits these for most fields, so desired's zero equals live's absence.
pub fn is_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(flag) => !flag,
        Value::Number(number) => number.as_f64() == Some(0.0),
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
    }
}

/// Live's value of a field; `null` counts as absent.
fn live_field<'a>(live: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    live.get(name).filter(|value| !value.is_null())
}

struct Walker<'a> {
    path: FieldPath<'a>,
    drifted: Vec<String>,
    /// Off while building the view of a list already reported as a whole.
    recording: bool,
    /// Whether to build the live view (else only drift is looked for).
    view: bool,
}

impl<'a> Walker<'a> {
    fn new(view: bool) -> Self {
        Walker {
            path: FieldPath::default(),
            drifted: Vec::new(),
            recording: true,
            view,
        }
    }

    fn drift(&mut self) {
        if self.recording {
            self.drifted.push(self.path.to_string());
        }
    }

    /// `value` when building the view, a cheap placeholder otherwise.
    fn keep(&self, value: impl FnOnce() -> Value) -> Value {
        if self.view { value() } else { Value::Null }
    }

    fn walk(&mut self, desired: &'a Value, live: &'a Value, owned: Option<&FieldSet>) -> Value {
        match (desired, live) {
            (Value::Object(desired), Value::Object(live)) => {
                Value::Object(self.walk_object(desired, live, owned))
            }
            (Value::Array(desired), Value::Array(live)) => {
                Value::Array(self.walk_list(desired, live, owned))
            }
            _ if self.scalars_equal(desired, live) => self.keep(|| desired.clone()),
            _ => {
                self.drift();
                self.keep(|| live.clone())
            }
        }
    }

    fn scalars_equal(&self, desired: &Value, live: &Value) -> bool {
        match (desired, live) {
            (Value::Number(a), Value::Number(b)) => numbers_equal(a, b),
            _ => {
                desired == live
                    || int_or_string_equal(desired, live)
                    || (is_quantity_path(&self.path) && quantities_equal(desired, live))
            }
        }
    }

    fn walk_object(
        &mut self,
        desired: &'a Map<String, Value>,
        live: &'a Map<String, Value>,
        owned: Option<&FieldSet>,
    ) -> Map<String, Value> {
        let mut view = Map::new();
        for (name, desired_value) in desired {
            self.path.push(Segment::Field(name));
            match live_field(live, name) {
                Some(live_value) => {
                    let child_owned = owned.and_then(|set| set.field(name));
                    let child = self.walk(desired_value, live_value, child_owned);
                    if self.view {
                        view.insert(name.clone(), child);
                    }
                }
                None if is_zero(desired_value) => {
                    if self.view {
                        view.insert(name.clone(), desired_value.clone());
                    }
                }
                None => self.drift(),
            }
            self.path.pop();
        }
        let Some(owned) = owned else {
            return view;
        };
        // Usually fleetdeck owns exactly what desired still sets: then no
        // live field can be a removed one, and live (often much larger:
        // status, defaults) need not be scanned.
        let removes_nothing = owned.children.iter().all(|(element, _)| match element {
            Element::Field(name) => desired.contains_key(name),
            _ => true,
        });
        if removes_nothing {
            return view;
        }
        for (name, live_value) in live {
            if desired.contains_key(name) || is_dropped(&self.path, name) {
                continue;
            }
            let Some(child_owned) = owned.field(name) else {
                continue;
            };
            self.path.push(Segment::Field(name));
            let removed = owned_subset(&mut self.path, live_value, child_owned);
            if !is_zero(&removed) {
                self.drift();
            }
            self.path.pop();
            if is_zero(&removed) {
                continue;
            }
            if self.view {
                view.insert(name.clone(), removed);
            }
        }
        view
    }

    /// The keys identifying the items of a keyed list: the built-in table's
    /// list map keys, else those the live object's `managedFields` use.
    fn list_key(&self, desired: &[Value], owned: Option<&FieldSet>) -> Option<Vec<KeyField>> {
        let field = self.path.last_field()?;
        let key = match list_strategy(field, desired) {
            ListStrategy::Map(key) => Some(key.list_map_keys.to_vec()),
            ListStrategy::Set | ListStrategy::Atomic => None,
        }
        .or_else(|| {
            owned
                .and_then(FieldSet::key_names)
                .map(|names| names.into_iter().map(KeyField::named).collect())
        })?;
        desired
            .iter()
            .all(|item| item_key(item, &key).is_some())
            .then_some(key)
    }

    /// A set of scalars per the table (a list of maps under a set's name is
    /// not one, and is compared as before).
    fn is_set(&self, desired: &[Value], live: &[Value]) -> bool {
        self.path
            .last_field()
            .is_some_and(|field| list_strategy(field, desired) == ListStrategy::Set)
            && desired
                .iter()
                .chain(live)
                .all(|item| !item.is_object() && !item.is_array())
    }

    fn walk_list(
        &mut self,
        desired: &'a [Value],
        live: &'a [Value],
        owned: Option<&FieldSet>,
    ) -> Vec<Value> {
        if self.is_set(desired, live) {
            return self.walk_set_list(desired, live, owned);
        }
        match self.list_key(desired, owned) {
            Some(key) => self.walk_keyed_list(desired, live, owned, &key),
            None => self.walk_atomic_list(desired, live),
        }
    }

    /// Sets of scalars (`finalizers`): order and values others added (a
    /// controller's finalizer) are not drift; a missing value is, and so is
    /// a live value fleetdeck owns that desired no longer has.
    fn walk_set_list(
        &mut self,
        desired: &'a [Value],
        live: &'a [Value],
        owned: Option<&FieldSet>,
    ) -> Vec<Value> {
        let mut view = Vec::new();
        for desired_item in desired {
            let found = live
                .iter()
                .any(|live_item| self.scalars_equal(desired_item, live_item));
            if found {
                if self.view {
                    view.push(desired_item.clone());
                }
            } else {
                self.path.push(Segment::Key(set_item_text(desired_item)));
                self.drift();
                self.path.pop();
            }
        }
        let Some(owned) = owned else {
            return view;
        };
        for (index, live_item) in live.iter().enumerate() {
            let wanted = desired
                .iter()
                .any(|desired_item| self.scalars_equal(desired_item, live_item));
            if wanted || owned.item(live_item, index).is_none() {
                continue;
            }
            self.path.push(Segment::Key(set_item_text(live_item)));
            self.drift();
            self.path.pop();
            if self.view {
                view.push(live_item.clone());
            }
        }
        view
    }

    /// Items matched by merge key: order and live-only items are not drift,
    /// except live-only items fleetdeck owns.
    fn walk_keyed_list(
        &mut self,
        desired: &'a [Value],
        live: &'a [Value],
        owned: Option<&FieldSet>,
        key: &[KeyField],
    ) -> Vec<Value> {
        let live_keys: Vec<Option<Vec<Cow<'_, str>>>> =
            live.iter().map(|item| item_key(item, key)).collect();
        let mut used = vec![false; live.len()];
        let mut view = Vec::new();
        for desired_item in desired {
            let values = item_key(desired_item, key).unwrap_or_default();
            self.path.push(Segment::Key(describe_key(key, &values)));
            let found = (0..live.len())
                .find(|&index| !used[index] && live_keys[index].as_ref() == Some(&values));
            match found {
                Some(index) => {
                    used[index] = true;
                    let item_owned = owned.and_then(|set| set.item(&live[index], index));
                    let item = self.walk(desired_item, &live[index], item_owned);
                    if self.view {
                        view.push(item);
                    }
                }
                None => self.drift(),
            }
            self.path.pop();
        }
        let Some(owned) = owned else {
            return view;
        };
        for (index, live_item) in live.iter().enumerate() {
            if used[index] {
                continue;
            }
            let Some(item_owned) = owned.item(live_item, index) else {
                continue;
            };
            let segment = match &live_keys[index] {
                Some(values) => Segment::Key(describe_key(key, values)),
                None => Segment::Index(index),
            };
            self.path.push(segment);
            let removed = owned_subset(&mut self.path, live_item, item_owned);
            if !is_zero(&removed) {
                self.drift();
            }
            self.path.pop();
            if is_zero(&removed) {
                continue;
            }
            if self.view {
                view.push(removed);
            }
        }
        view
    }

    /// Lists without merge keys are values: same length, same items in the
    /// same order (each item compared as a subset).
    fn walk_atomic_list(&mut self, desired: &'a [Value], live: &'a [Value]) -> Vec<Value> {
        let same_length = desired.len() == live.len();
        if !same_length {
            self.drift();
            if !self.view {
                return Vec::new();
            }
        }
        let recording = self.recording;
        self.recording = recording && same_length;
        let mut view = Vec::new();
        for (index, live_item) in live.iter().enumerate() {
            let item = match desired.get(index) {
                Some(desired_item) => {
                    self.path.push(Segment::Index(index));
                    let item = self.walk(desired_item, live_item, None);
                    self.path.pop();
                    item
                }
                None => self.keep(|| live_item.clone()),
            };
            if self.view {
                view.push(item);
            }
        }
        self.recording = recording;
        view
    }
}

/// A set item in a path: strings as themselves
/// (`metadata.finalizers[kubernetes.io/pvc-protection]`).
fn set_item_text(item: &Value) -> String {
    match item {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn drifted(desired: Value, live: Value) -> Vec<String> {
        compare(&desired, &live, None).drifted_paths
    }

    fn full_view(desired: &Value, live: &Value) -> Value {
        Walker::new(true).walk(desired, live, None)
    }

    #[test]
    fn live_only_fields_are_not_drift() {
        let desired = json!({"spec": {"replicas": 2}});
        let live = json!({"spec": {"replicas": 2, "revisionHistoryLimit": 10}});
        let result = compare(&desired, &live, None);
        assert!(result.drifted_paths.is_empty());
        assert_eq!(result.live_view, None);
        assert_eq!(full_view(&desired, &live), desired);
    }

    #[test]
    fn changed_and_missing_fields_are_drift() {
        assert_eq!(
            drifted(
                json!({"spec": {"replicas": 3, "paused": true}}),
                json!({"spec": {"replicas": 2}})
            ),
            vec!["spec.replicas", "spec.paused"]
        );
    }

    #[test]
    fn zero_values_equal_absence() {
        assert!(
            drifted(
                json!({"spec": {"hostNetwork": false, "env": [], "resources": {}}}),
                json!({"spec": {}})
            )
            .is_empty()
        );
    }

    #[test]
    fn quantities_only_where_quantities_live() {
        assert!(
            drifted(
                json!({"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}),
                json!({"resources": {"limits": {"cpu": "1000m", "memory": "1024Mi"}}})
            )
            .is_empty()
        );
        assert_eq!(
            drifted(
                json!({"data": {"v": "1.10"}}),
                json!({"data": {"v": "1.1"}})
            ),
            vec!["data.v"]
        );
    }

    #[test]
    fn keyed_lists_ignore_order_and_extra_items() {
        let desired =
            json!({"containers": [{"name": "b", "image": "b:1"}, {"name": "a", "image": "a:1"}]});
        let live = json!({"containers": [
            {"name": "a", "image": "a:1"}, {"name": "istio-proxy", "image": "p"},
            {"name": "b", "image": "b:1", "imagePullPolicy": "IfNotPresent"}
        ]});
        let result = compare(&desired, &live, None);
        assert!(
            result.drifted_paths.is_empty(),
            "{:?}",
            result.drifted_paths
        );
        assert_eq!(result.live_view, None);
        assert_eq!(full_view(&desired, &live), desired);
        assert_eq!(
            drifted(
                desired,
                json!({"containers": [{"name": "a", "image": "a:2"}]})
            ),
            vec!["containers[name=b]", "containers[name=a].image"]
        );
    }

    #[test]
    fn atomic_lists_compare_by_position() {
        assert_eq!(
            drifted(json!({"args": ["a", "b"]}), json!({"args": ["b", "a"]})),
            vec!["args[0]", "args[1]"]
        );
        assert_eq!(
            drifted(json!({"args": ["a"]}), json!({"args": ["a", "b"]})),
            vec!["args"]
        );
    }

    #[test]
    fn owned_fields_missing_from_desired_are_drift() {
        let owned = FieldSet::parse(&json!({"f:spec": {
            "f:replicas": {},
            "f:paused": {},
            "f:containers": {
                "k:{\"name\":\"app\"}": {".": {}, "f:name": {}},
                "k:{\"name\":\"old\"}": {".": {}, "f:name": {}, "f:image": {}}
            }
        }}))
        .unwrap();
        let desired = json!({"spec": {"replicas": 1, "containers": [{"name": "app"}]}});
        let live = json!({"spec": {"replicas": 1, "paused": true, "containers": [
            {"name": "app"}, {"name": "old", "image": "o", "tty": false}, {"name": "other"}
        ]}});
        let result = compare(&desired, &live, Some(&owned));
        assert_eq!(
            result.drifted_paths,
            vec!["spec.containers[name=old]", "spec.paused"]
        );
        assert_eq!(
            result.live_view.unwrap(),
            json!({"spec": {"replicas": 1, "containers": [
                {"name": "app"}, {"name": "old", "image": "o"}
            ], "paused": true}})
        );
    }

    /// Finalizers are a set: a controller's finalizer and another order
    /// are not drift (they were, compared by position); a missing one is,
    /// and so is one fleetdeck applied and Git dropped.
    #[test]
    fn finalizers_compare_as_a_set() {
        let desired = json!({"metadata": {"finalizers": ["example.com/a", "example.com/b"]}});
        let live = json!({"metadata": {"finalizers": [
            "kubernetes.io/pvc-protection", "example.com/b", "example.com/a"
        ]}});
        let result = compare(&desired, &live, None);
        assert!(
            result.drifted_paths.is_empty(),
            "{:?}",
            result.drifted_paths
        );
        assert_eq!(
            drifted(
                desired.clone(),
                json!({"metadata": {"finalizers": ["example.com/a"]}})
            ),
            vec!["metadata.finalizers[example.com/b]"]
        );
        let owned = FieldSet::parse(&json!({"f:metadata": {"f:finalizers": {
            "v:\"example.com/a\"": {}, "v:\"example.com/old\"": {}
        }}}))
        .unwrap();
        let live = json!({"metadata": {"finalizers": [
            "example.com/old", "example.com/a", "kubernetes.io/pvc-protection"
        ]}});
        let desired = json!({"metadata": {"finalizers": ["example.com/a"]}});
        let result = compare(&desired, &live, Some(&owned));
        assert_eq!(
            result.drifted_paths,
            vec!["metadata.finalizers[example.com/old]"]
        );
        assert_eq!(
            result.live_view,
            Some(json!({"metadata": {"finalizers": ["example.com/a", "example.com/old"]}}))
        );
    }

    /// The diff keyed `readinessGates` by `conditionType`; the API makes the
    /// list atomic, so another order is drift.
    #[test]
    fn readiness_gates_compare_by_position() {
        assert_eq!(
            drifted(
                json!({"readinessGates": [{"conditionType": "a"}, {"conditionType": "b"}]}),
                json!({"readinessGates": [{"conditionType": "b"}, {"conditionType": "a"}]})
            ),
            vec![
                "readinessGates[0].conditionType",
                "readinessGates[1].conditionType"
            ]
        );
    }

    /// Two spread constraints on one topology key differ by
    /// `whenUnsatisfiable`, and are matched on both keys.
    #[test]
    fn topology_spread_constraints_match_on_both_keys() {
        let desired = json!({"topologySpreadConstraints": [
            {"topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 2},
            {"topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule", "maxSkew": 1}
        ]});
        let live = json!({"topologySpreadConstraints": [
            {"topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule", "maxSkew": 1},
            {"topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 3}
        ]});
        assert_eq!(
            drifted(desired, live),
            vec![
                "topologySpreadConstraints[topologyKey=zone,whenUnsatisfiable=ScheduleAnyway].maxSkew"
            ]
        );
    }

    /// Service accounts' `secrets` and webhook configurations' `webhooks`
    /// are keyed by name: order and items added by others are not drift.
    #[test]
    fn secrets_and_webhooks_are_keyed_by_name() {
        for field in ["secrets", "webhooks"] {
            let desired = json!({field: [{"name": "a"}, {"name": "b"}]});
            let live = json!({field: [{"name": "token"}, {"name": "b"}, {"name": "a"}]});
            assert!(drifted(desired, live).is_empty(), "{field}");
        }
    }
}
