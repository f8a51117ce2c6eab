//! Links the command-line program as a position-dependent executable: its start then applies no
//! relocations to some 600 KB of tables and vtables (about half a millisecond a run, which is a
//! good part of a small page's time). The library keeps position-independent code for the C API.

fn main() {
    println!("cargo:rustc-link-arg-bins=-no-pie");
}
