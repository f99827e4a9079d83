//! The committed register of processing (`docs/register-of-processing.md`) is what the shipped
//! `config/` files generate. `UPDATE_REGISTER=1 cargo test -p hub` rewrites it (and still
//! fails, so that a stale tree is never green by accident).

use std::path::{Path, PathBuf};

use hub::Settings;
use hub::http::register::{Format, generate, render};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn committed_register_of_processing_is_fresh() {
    // The files alone, as `Settings::load` reads them but without HUB__* variables from
    // whoever runs the test. The register needs neither the database nor the contact point's
    // key, but the settings do.
    let dir = repo_root().join("config");
    let settings: Settings = [
        "hub.toml",
        "agencies.toml",
        "statutes.toml",
        "calendars.toml",
    ]
    .into_iter()
    .fold(config::Config::builder(), |builder, file| {
        builder.add_source(config::File::from(dir.join(file)))
    })
    .set_override("database.url", "postgres://unused")
    .and_then(|b| b.set_override("hub.contact_point_key", "unused"))
    .and_then(|b| b.build())
    .and_then(config::Config::try_deserialize)
    .expect("the shipped configuration loads");
    let policy = settings.policy().expect("the shipped statutes are valid");
    // No generation time: the file changes only when what it is generated from changes.
    let register = generate(&settings, &policy, &settings.directory(), None);
    let text = render(&register, Format::Markdown);

    let path = repo_root().join("docs/register-of-processing.md");
    let fresh = std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str());
    let update = std::env::var_os("UPDATE_REGISTER").is_some();
    if !fresh && update {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    assert!(
        fresh,
        "docs/register-of-processing.md is stale: run `UPDATE_REGISTER=1 cargo test -p hub` \
         and commit the result{}",
        if update { " (rewritten now)" } else { "" }
    );
}
