//! What a comparison needs to know about the Application: its name (for
//! tracking ids), its destination namespace (for namespaced objects
//! written without one), its `ignoreDifferences`, and how to tell
//! namespaced kinds from cluster-scoped ones.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::engine::conventions::scope::{BuiltinScopes, ResourceScope};
use crate::engine::model::application::Application;
use crate::engine::model::ignore_differences::ResourceIgnoreDifferences;

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompareOptions {
    /// The Application's name, as written in tracking ids.
    pub app_name: String,
    /// `spec.destination.namespace`; empty for none.
    pub destination_namespace: String,
    pub ignore_differences: Vec<ResourceIgnoreDifferences>,
    /// Asked first for a kind's scope (discovery, later); the app's own
    /// CRDs and the built-in table answer when it does not know.
    #[serde(skip)]
    pub scope: Arc<dyn ResourceScope>,
}

impl CompareOptions {
    pub fn new(app_name: impl Into<String>, destination_namespace: impl Into<String>) -> Self {
        CompareOptions {
            app_name: app_name.into(),
            destination_namespace: destination_namespace.into(),
            ignore_differences: Vec::new(),
            scope: Arc::new(BuiltinScopes),
        }
    }

    /// Options read from an Application.
    pub fn for_application(app: &Application) -> Self {
        CompareOptions::new(&app.metadata.name, &app.spec.destination.namespace)
            .with_ignore_differences(app.spec.ignore_differences.clone())
    }

    pub fn with_ignore_differences(mut self, rules: Vec<ResourceIgnoreDifferences>) -> Self {
        self.ignore_differences = rules;
        self
    }

    pub fn with_scope(mut self, scope: Arc<dyn ResourceScope>) -> Self {
        self.scope = scope;
        self
    }
}

impl fmt::Debug for CompareOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompareOptions")
            .field("app_name", &self.app_name)
            .field("destination_namespace", &self.destination_namespace)
            .field("ignore_differences", &self.ignore_differences)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::application::ApplicationSpec;
    use crate::engine::model::destination::Destination;

    #[test]
    fn reads_name_namespace_and_rules_from_the_application() {
        let rule = ResourceIgnoreDifferences {
            group: "apps".into(),
            kind: "Deployment".into(),
            json_pointers: vec!["/spec/replicas".into()],
            ..ResourceIgnoreDifferences::default()
        };
        let app = Application::new(
            "shop",
            ApplicationSpec {
                destination: Destination {
                    namespace: "web".into(),
                    ..Destination::default()
                },
                ignore_differences: vec![rule.clone()],
                ..ApplicationSpec::default()
            },
        );
        let options = CompareOptions::for_application(&app);
        assert_eq!(options.app_name, "shop");
        assert_eq!(options.destination_namespace, "web");
        assert_eq!(options.ignore_differences, vec![rule]);
        assert!(format!("{options:?}").contains("shop"));
        let json = serde_json::to_value(&options).unwrap();
        assert_eq!(json["destinationNamespace"], "web");
    }
}
