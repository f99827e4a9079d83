//! Rebuilds the crate when a migration is added. `sqlx::migrate!` embeds `migrations/` at
//! compile time, and Cargo reruns a macro only when a file it already knows changes: a new
//! migration would otherwise be missing from the binary, silently. sqlx recommends this.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
