//! The routing core does no I/O: tokio, lapin and sqlx are nowhere in its dependency graph.
//!
//! The graph is read from the workspace's `Cargo.lock`, walked from `hub-core`. The lock file
//! lists a package's normal, build and dev-dependencies alike, so this is stricter than what
//! the library links: a dev-dependency that brought tokio in would fail it too.

use std::collections::VecDeque;

/// The package the walk starts from (`name` in `hub/core/Cargo.toml`).
const ROOT: &str = "hub-core";

/// Crates that do I/O and have no place in the routing core.
fn forbidden(name: &str) -> bool {
    matches!(name, "tokio" | "lapin" | "sqlx") || name.starts_with("sqlx-")
}

/// A `[[package]]` of a lock file.
struct Package {
    name: String,
    version: String,
    /// As the lock file writes them: `name`, `name version` or `name version (source)`.
    dependencies: Vec<String>,
}

impl Package {
    fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }

    /// Whether a dependency as the lock file writes it names this package. The source, where
    /// given, is not compared: were one version to come from two sources, the walk follows
    /// both, which can only find more.
    fn is(&self, dependency: &str) -> bool {
        let mut parts = dependency.split(' ');
        parts.next() == Some(self.name.as_str())
            && parts.next().is_none_or(|version| version == self.version)
    }
}

fn packages(lock: &str) -> Result<Vec<Package>, String> {
    let lock: toml::Table = lock.parse().map_err(|e| format!("not a lock file: {e}"))?;
    let Some(packages) = lock.get("package").and_then(toml::Value::as_array) else {
        return Err("no [[package]] in the lock file".to_owned());
    };
    let text = |package: &toml::Value, key: &str| -> Result<String, String> {
        package
            .get(key)
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("a package without a {key}: {package}"))
    };
    packages
        .iter()
        .map(|package| {
            let dependencies = match package.get("dependencies") {
                None => Vec::new(),
                Some(list) => list
                    .as_array()
                    .ok_or_else(|| format!("dependencies not a list: {package}"))?
                    .iter()
                    .map(|d| d.as_str().map(str::to_owned))
                    .collect::<Option<_>>()
                    .ok_or_else(|| format!("a dependency not a string: {package}"))?,
            };
            Ok(Package {
                name: text(package, "name")?,
                version: text(package, "version")?,
                dependencies,
            })
        })
        .collect()
}

/// The shortest path from `root` to a forbidden package, each step as `name version`, or none
/// when `root` reaches none. An error when the lock file cannot be read or has no `root`.
fn forbidden_path(lock: &str, root: &str) -> Result<Option<Vec<String>>, String> {
    let packages = packages(lock)?;
    let start = packages
        .iter()
        .position(|p| p.name == root)
        .ok_or_else(|| format!("no package {root} in the lock file"))?;
    // Breadth first, each package once, remembering where it was reached from.
    let mut reached_from: Vec<Option<Option<usize>>> = vec![None; packages.len()];
    reached_from[start] = Some(None);
    let mut queue = VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        if forbidden(&packages[at].name) {
            let mut path = vec![packages[at].label()];
            let mut step = at;
            while let Some(Some(from)) = reached_from[step] {
                path.push(packages[from].label());
                step = from;
            }
            path.reverse();
            return Ok(Some(path));
        }
        for dependency in &packages[at].dependencies {
            let mut found = false;
            for (next, package) in packages.iter().enumerate() {
                if package.is(dependency) {
                    found = true;
                    if reached_from[next].is_none() {
                        reached_from[next] = Some(Some(at));
                        queue.push_back(next);
                    }
                }
            }
            if !found {
                return Err(format!(
                    "{} depends on {dependency}, which the lock file does not list",
                    packages[at].label()
                ));
            }
        }
    }
    Ok(None)
}

#[test]
fn hub_core_depends_on_no_tokio_lapin_or_sqlx() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
    let lock = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let found = forbidden_path(&lock, ROOT).unwrap_or_else(|e| panic!("{path}: {e}"));
    if let Some(path) = found {
        panic!(
            "{ROOT} must do no I/O, but depends on {}",
            path.join(" -> ")
        );
    }
}

/// A lock file of a few packages: hub-core reaches sqlx-core through schemas, with two
/// versions of one crate and each form a lock file writes a dependency in; lapin is listed
/// but nothing of hub-core's depends on it.
const SMALL_LOCK: &str = r#"
version = 4

[[package]]
name = "hub-core"
version = "0.1.0"
dependencies = [
 "schemas",
 "sha2 0.10.9",
]

[[package]]
name = "schemas"
version = "0.1.0"
dependencies = [
 "sha2 0.11.1 (registry+https://github.com/rust-lang/crates.io-index)",
]

[[package]]
name = "sha2"
version = "0.10.9"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "sha2"
version = "0.11.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "sqlx-core",
]

[[package]]
name = "sqlx-core"
version = "0.9.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "tokio",
]

[[package]]
name = "tokio"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "lapin"
version = "4.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "tokio",
]
"#;

#[test]
fn the_walk_names_the_path_to_a_forbidden_crate() {
    assert_eq!(
        forbidden_path(SMALL_LOCK, "hub-core").unwrap(),
        Some(vec![
            "hub-core 0.1.0".to_owned(),
            "schemas 0.1.0".to_owned(),
            "sha2 0.11.1".to_owned(),
            "sqlx-core 0.9.0".to_owned(),
        ])
    );
}

#[test]
fn a_forbidden_crate_the_root_does_not_reach_is_no_failure() {
    let without_sqlx = SMALL_LOCK.replace(" \"sqlx-core\",\n", "");
    assert_eq!(forbidden_path(&without_sqlx, "hub-core").unwrap(), None);
}

#[test]
fn a_lock_file_without_the_root_or_with_a_dangling_dependency_is_an_error() {
    assert!(forbidden_path(SMALL_LOCK, "hub").is_err());
    let dangling = SMALL_LOCK.replace("\"sha2 0.10.9\"", "\"sha2 0.10.8\"");
    assert!(forbidden_path(&dangling, "hub-core").is_err());
}
