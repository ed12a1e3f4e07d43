//! `images`: new names, tags and digests for container images, matched by
//! image name in every `containers` / `initContainers` list of an object
//! (kustomize walks the whole object, so custom resources embedding pod
//! specs are covered too).

use serde_json::Value;

use super::kustomization::Image;
use super::resource::Resource;

/// Applies every image override to every resource.
pub fn set_images(resources: &mut [Resource], images: &[Image]) {
    if images.is_empty() {
        return;
    }
    for resource in resources {
        walk(&mut resource.object, images);
    }
}

fn walk(value: &mut Value, images: &[Image]) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if (key == "containers" || key == "initContainers")
                    && let Value::Array(containers) = child
                {
                    for container in containers.iter_mut() {
                        if let Some(Value::String(image)) = container.get_mut("image") {
                            for rule in images {
                                if let Some(updated) = apply(image, rule) {
                                    *image = updated;
                                }
                            }
                        }
                    }
                }
                walk(child, images);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, images);
            }
        }
        _ => {}
    }
}

/// The new image reference, when `rule` names this image.
fn apply(image: &str, rule: &Image) -> Option<String> {
    let (name, tag, digest) = split(image);
    if name != rule.name {
        return None;
    }
    let mut name = name.to_string();
    let mut tag = tag.to_string();
    let mut digest = digest.to_string();
    if !rule.new_name.is_empty() {
        name = rule.new_name.clone();
    }
    match (rule.new_tag.is_empty(), rule.digest.is_empty()) {
        (false, false) => {
            tag = rule.new_tag.clone();
            digest = rule.digest.clone();
        }
        (false, true) => {
            tag = rule.new_tag.clone();
            digest.clear();
        }
        (true, false) => {
            digest = rule.digest.clone();
            tag.clear();
        }
        (true, true) => {}
    }
    tag.push_str(&rule.tag_suffix);
    if !tag.is_empty() {
        name = format!("{name}:{tag}");
    }
    if !digest.is_empty() {
        name = format!("{name}@{digest}");
    }
    Some(name)
}

/// `registry:5000/app:1.0@sha256:...` → (`registry:5000/app`, `1.0`,
/// `sha256:...`). A `:` before the first `/` is a registry port.
pub fn split(image: &str) -> (&str, &str, &str) {
    let offset = image.find('/').filter(|&at| at > 0).unwrap_or(0);
    let search = &image[offset..];
    let at = search.find('@').map(|index| index + offset);
    let colon = search.find(':').map(|index| index + offset);
    match (colon, at) {
        (None, None) => (image, "", ""),
        (Some(colon), Some(at)) if colon < at => {
            (&image[..colon], &image[colon + 1..at], &image[at + 1..])
        }
        (_, Some(at)) => (&image[..at], "", &image[at + 1..]),
        (Some(colon), None) => (&image[..colon], &image[colon + 1..], ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_references() {
        assert_eq!(split("nginx"), ("nginx", "", ""));
        assert_eq!(split("nginx:1.27"), ("nginx", "1.27", ""));
        assert_eq!(split("reg:5000/app"), ("reg:5000/app", "", ""));
        assert_eq!(split("reg:5000/app:2"), ("reg:5000/app", "2", ""));
        assert_eq!(split("app@sha256:ab"), ("app", "", "sha256:ab"));
        assert_eq!(split("app:1@sha256:ab"), ("app", "1", "sha256:ab"));
    }

    #[test]
    fn overrides_tag_digest_and_name() {
        let rule = |new_name: &str, new_tag: &str, digest: &str| Image {
            name: "nginx".into(),
            new_name: new_name.into(),
            new_tag: new_tag.into(),
            digest: digest.into(),
            ..Image::default()
        };
        assert_eq!(apply("nginx:1", &rule("", "2", "")).unwrap(), "nginx:2");
        assert_eq!(
            apply("nginx:1", &rule("reg/nginx", "", "")).unwrap(),
            "reg/nginx:1"
        );
        assert_eq!(
            apply("nginx:1", &rule("", "", "sha256:x")).unwrap(),
            "nginx@sha256:x"
        );
        assert_eq!(apply("nginx-extra:1", &rule("", "2", "")), None);
        let suffixed = Image {
            tag_suffix: "-debug".into(),
            ..rule("", "2", "")
        };
        assert_eq!(apply("nginx:1", &suffixed).unwrap(), "nginx:2-debug");
        let suffixed = Image {
            tag_suffix: "-debug".into(),
            ..rule("", "", "")
        };
        assert_eq!(apply("nginx:1", &suffixed).unwrap(), "nginx:1-debug");
    }
}
