//! An Application's `spec.source.kustomize`, applied as Argo CD applies it:
//! Argo runs `kustomize edit` (set nameprefix / namesuffix / namespace /
//! image / replicas, add label / annotation / component) on the
//! kustomization before building, and appends `patches`. The same edits
//! are made here on the parsed top-level kustomization.

use super::KustomizeError;
use super::images::split;
use super::kustomization::{Image, Kustomization, Patch, Replica, Selector};
use crate::engine::model::SourceKustomize;
use crate::engine::model::source_kustomize::KustomizePatch;
use crate::engine::source::RepoPath;

/// Where errors about the overrides point.
const FIELD: &str = "spec.source.kustomize";

/// Edits `kustomization` (read from `file`) with the Application's overrides.
pub fn apply_overrides(
    file: &RepoPath,
    kustomization: &mut Kustomization,
    overrides: &SourceKustomize,
) -> Result<(), KustomizeError> {
    let invalid = |field: &str, message: String| {
        KustomizeError::invalid(file, format!("{FIELD}.{field}"), message)
    };
    if let Some(field) = overrides.extra.keys().next() {
        return Err(KustomizeError::UnsupportedField {
            file: file.clone(),
            field: format!("{FIELD}.{field}"),
        });
    }
    if !overrides.name_prefix.is_empty() {
        kustomization.name_prefix = overrides.name_prefix.clone();
    }
    if !overrides.name_suffix.is_empty() {
        kustomization.name_suffix = overrides.name_suffix.clone();
    }
    if !overrides.namespace.is_empty() {
        kustomization.namespace = overrides.namespace.clone();
    }
    for (index, text) in overrides.images.iter().enumerate() {
        let image = parse_image(text).ok_or_else(|| {
            invalid(
                &format!("images[{index}]"),
                format!("invalid image '{text}'"),
            )
        })?;
        match kustomization
            .images
            .iter_mut()
            .find(|known| known.name == image.name)
        {
            Some(known) => *known = image,
            None => kustomization.images.push(image),
        }
    }
    for (key, value) in &overrides.common_labels {
        if !overrides.force_common_labels && kustomization.common_labels.contains_key(key) {
            return Err(invalid(
                "commonLabels",
                format!("label '{key}' already in the kustomization (set forceCommonLabels)"),
            ));
        }
        kustomization
            .common_labels
            .insert(key.clone(), value.clone());
    }
    for (key, value) in &overrides.common_annotations {
        if !overrides.force_common_annotations && kustomization.common_annotations.contains_key(key)
        {
            return Err(invalid(
                "commonAnnotations",
                format!(
                    "annotation '{key}' already in the kustomization (set forceCommonAnnotations)"
                ),
            ));
        }
        kustomization
            .common_annotations
            .insert(key.clone(), value.clone());
    }
    for replica in &overrides.replicas {
        let replica = Replica {
            name: replica.name.clone(),
            count: replica.count.clone(),
        };
        match kustomization
            .replicas
            .iter_mut()
            .find(|known| known.name == replica.name)
        {
            Some(known) => *known = replica,
            None => kustomization.replicas.push(replica),
        }
    }
    for (index, patch) in overrides.patches.iter().enumerate() {
        kustomization
            .patches
            .push(
                convert_patch(patch).map_err(|field| KustomizeError::UnsupportedField {
                    file: file.clone(),
                    field: format!("{FIELD}.patches[{index}].{field}"),
                })?,
            );
    }
    for component in &overrides.components {
        if !kustomization.components.contains(component) {
            kustomization.components.push(component.clone());
        }
    }
    Ok(())
}

fn convert_patch(patch: &KustomizePatch) -> Result<Patch, String> {
    if let Some(field) = patch.extra.keys().next() {
        return Err(field.clone());
    }
    Ok(Patch {
        path: patch.path.clone(),
        patch: patch.patch.clone(),
        target: patch.target.as_ref().map(|target| Selector {
            group: target.group.clone(),
            version: target.version.clone(),
            kind: target.kind.clone(),
            name: target.name.clone(),
            namespace: target.namespace.clone(),
            label_selector: target.label_selector.clone(),
            annotation_selector: target.annotation_selector.clone(),
        }),
        options: patch.options.clone(),
    })
}

/// `kustomize edit set image` syntax: `name=new[:tag][@digest]` or
/// `name[:tag][@digest]`.
fn parse_image(text: &str) -> Option<Image> {
    let (name, reference) = match text.split_once('=') {
        Some((name, reference)) => (name, reference),
        None => {
            let (name, _, _) = split(text);
            (name, text)
        }
    };
    if name.is_empty() || reference.is_empty() {
        return None;
    }
    let (new_name, tag, digest) = split(reference);
    Some(Image {
        name: name.to_string(),
        new_name: if new_name == name {
            String::new()
        } else {
            new_name.to_string()
        },
        new_tag: tag.to_string(),
        digest: digest.to_string(),
        ..Image::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_arguments() {
        let image = parse_image("nginx=registry.example/nginx:1.27").unwrap();
        assert_eq!(image.name, "nginx");
        assert_eq!(image.new_name, "registry.example/nginx");
        assert_eq!(image.new_tag, "1.27");
        let image = parse_image("nginx:1.27").unwrap();
        assert_eq!(
            (image.new_name.as_str(), image.new_tag.as_str()),
            ("", "1.27")
        );
        let image = parse_image("app@sha256:abc").unwrap();
        assert_eq!(image.digest, "sha256:abc");
        assert!(parse_image("=x").is_none());
    }
}
