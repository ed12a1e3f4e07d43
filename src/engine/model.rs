//! Argo CD compatible resource types (argoproj.io/v1alpha1): Application,
//! ApplicationSet and AppProject, and the catalog of them found in a repo.
