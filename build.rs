//! How the command-line program is linked; the library and the C API's shared object are left as
//! cargo builds them.
//!
//! - As a position-dependent executable: its start then applies no relocations to some 600 KB of
//!   tables and vtables (about half a millisecond a run, which is a good part of a small page's
//!   time).
//! - With GCC's unwinder linked in statically (`libgcc_eh.a`, as `-static-libgcc` and Rust's own
//!   `crt-static` builds do) rather than loading `libgcc_s.so.1`: loading it and running its
//!   constructor (which asks the CPU its features, a trap to the hypervisor per question on a
//!   virtual machine) cost 0.25-0.4 ms a run on the machine of BENCHMARKS.md. Rust's standard
//!   library asks the linker for `-lgcc_s`; a directory searched first, holding `libgcc_eh.a` under
//!   the name `libgcc_s.a`, answers it with the static archive. Where the C compiler has no
//!   `libgcc_eh.a` (another C library, say) the program links as cargo would.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-link-arg-bins=-no-pie");
    let gnu_linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if gnu_linux && let Some(dir) = static_unwinder_dir() {
        println!("cargo:rustc-link-arg-bins=-L{}", dir.display());
    }
}

/// A directory in `OUT_DIR` where `-lgcc_s` finds the C compiler's `libgcc_eh.a`, or `None` when
/// the compiler has none.
fn static_unwinder_dir() -> Option<PathBuf> {
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let output = Command::new(compiler)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()?;
    // The compiler prints the bare name back when it has no such file.
    let archive = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    if !output.status.success() || !archive.is_absolute() || !archive.is_file() {
        return None;
    }
    let dir = Path::new(&std::env::var_os("OUT_DIR")?).join("static-unwinder");
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::copy(&archive, dir.join("libgcc_s.a")).ok()?;
    Some(dir)
}
