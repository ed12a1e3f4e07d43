//! The kubeconfig the fleet writes: per cluster a `cluster` entry
//! (`server: https://127.0.0.1:<port>` with the fleet CA as `certificate-authority-data`),
//! two users (admin and read-only bearer tokens)
//! and two contexts (`<name>` and `<name>-readonly`, namespace `default`); the current
//! context is the first cluster. Cluster labels ride along as a context extension
//! named `fleetdeck.dev/cluster` so fleetdeck can group clusters by env / region.

use std::path::Path;

use base64::Engine;
use serde_json::{Value, json};

use super::error::SimError;

/// Name of the kubeconfig context extension carrying a simulated cluster's name and
/// labels: `{"name": "prod-eu", "labels": {"env": "prod", "region": "eu"}}`.
pub const LABELS_EXTENSION: &str = "fleetdeck.dev/cluster";

/// One cluster's entry in the kubeconfig.
pub(crate) struct KubeconfigCluster<'a> {
    pub name: &'a str,
    pub server: String,
    pub admin_token: &'a str,
    pub read_only_token: &'a str,
    pub labels: &'a std::collections::BTreeMap<String, String>,
}

pub(crate) fn read_only_context(cluster: &str) -> String {
    format!("{cluster}-readonly")
}

pub(crate) fn build(clusters: &[KubeconfigCluster<'_>], ca_pem: &str) -> Value {
    let ca_data = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    let mut cluster_entries = Vec::new();
    let mut users = Vec::new();
    let mut contexts = Vec::new();
    for cluster in clusters {
        let extension = json!([{"name": LABELS_EXTENSION,
            "extension": {"name": cluster.name, "labels": cluster.labels}}]);
        cluster_entries.push(json!({"name": cluster.name, "cluster": {
            "server": cluster.server, "certificate-authority-data": ca_data}}));
        let admin_user = format!("{}-admin", cluster.name);
        let read_only_user = read_only_context(cluster.name);
        users.push(json!({"name": admin_user, "user": {"token": cluster.admin_token}}));
        users.push(json!({"name": read_only_user, "user": {"token": cluster.read_only_token}}));
        contexts.push(json!({"name": cluster.name, "context": {
            "cluster": cluster.name, "user": admin_user, "namespace": "default",
            "extensions": extension}}));
        contexts.push(json!({"name": read_only_context(cluster.name), "context": {
            "cluster": cluster.name, "user": read_only_user, "namespace": "default",
            "extensions": extension}}));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "current-context": clusters.first().map(|c| c.name).unwrap_or_default(),
        "clusters": cluster_entries,
        "users": users,
        "contexts": contexts,
    })
}

/// Write the kubeconfig as YAML, owner-readable only (it holds tokens), atomically
/// (temp file in the same directory, then rename).
pub(crate) fn write(path: &Path, config: &Value) -> Result<(), SimError> {
    let text = serde_saphyr::to_string(config).map_err(|source| SimError::SerializeKubeconfig {
        path: path.to_path_buf(),
        source,
    })?;
    let io_error = |source| SimError::WriteKubeconfig {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_error)?;
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kubeconfig".into());
    let temp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp).map_err(io_error)?;
        file.write_all(text.as_bytes()).map_err(io_error)?;
        file.sync_all().map_err(io_error)?;
    }
    std::fs::rename(&temp, path).map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn contexts_per_cluster_and_current_is_first() {
        let labels = BTreeMap::from([("env".to_string(), "prod".to_string())]);
        let clusters = [
            KubeconfigCluster {
                name: "hub",
                server: "https://127.0.0.1:1".into(),
                admin_token: "a",
                read_only_token: "r",
                labels: &labels,
            },
            KubeconfigCluster {
                name: "dev",
                server: "https://127.0.0.1:2".into(),
                admin_token: "b",
                read_only_token: "s",
                labels: &labels,
            },
        ];
        let config = build(&clusters, "PEM");
        assert_eq!(config["current-context"], "hub");
        assert_eq!(config["contexts"].as_array().expect("contexts").len(), 4);
        assert_eq!(config["contexts"][1]["name"], "hub-readonly");
        assert_eq!(
            config["contexts"][0]["context"]["extensions"][0]["extension"]["labels"]["env"],
            "prod"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/kubeconfig");
        write(&path, &config).expect("write");
        let parsed = kube::config::Kubeconfig::read_from(&path).expect("kube-rs reads it");
        assert_eq!(parsed.current_context.as_deref(), Some("hub"));
        assert_eq!(parsed.clusters.len(), 2);
        let ca = parsed.clusters[0]
            .cluster
            .as_ref()
            .and_then(|c| c.certificate_authority_data.clone());
        assert_eq!(ca.as_deref(), Some("UEVN"));
    }
}
