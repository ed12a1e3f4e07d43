//! Namespace controller: a Namespace that is not being deleted is `Active` (the API
//! server sets the phase on create; this repairs one written without it).

use serde_json::json;

use super::super::meta;
use super::super::store::Store;
use super::{API_SERVER, kind, write};

pub(crate) fn reconcile(store: &mut Store) {
    let Some(kind) = kind("", "namespaces") else {
        return;
    };
    for namespace in store.list(&kind.storage_key(), None) {
        if meta::is_terminating(&namespace) || namespace["status"]["phase"] == "Active" {
            continue;
        }
        let mut new = (*namespace).clone();
        new["status"] = json!({"phase": "Active"});
        write(store, kind, &namespace, new, API_SERVER, true);
    }
}
