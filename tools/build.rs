//! Rebuilds the crate when a migration is added: `sqlx::migrate!` embeds the `migrations/`
//! folder at compile time, and the compiler does not watch folders by itself.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
