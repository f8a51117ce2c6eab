//! How the command-line program is linked; the library and the C API's shared object are left as
//! cargo builds them.
//!
//! - As a position-dependent executable: its start then applies no relocations to some 600 KB of
//!   tables and vtables (about half a millisecond a run, which is a good part of a small page's
//!   time).
//! - Statically, with the C library and GCC's unwinder in it (the archives `libc.a`, `libm.a`
//!   and the rest, and `libgcc_eh.a`, as Rust's own `crt-static` builds link them), rather than
//!   having the dynamic loader find, map and relocate `libc.so.6`, `libm.so.6` and
//!   `libgcc_s.so.1` at every start (whose constructors, besides, ask the CPU its features, a
//!   trap to the hypervisor per question on a virtual machine): 0.25-0.4 ms a run for the
//!   unwinder, another 0.2 ms for the C library, on the machine of BENCHMARKS.md. `crt-static`
//!   itself cannot be had for the program alone (it would drop the C API's shared object), so:
//!   Rust's standard library asks the linker for `-lc`, `-lm`, `-lgcc_s` and so on; a directory
//!   searched first, holding each archive under the name asked for (`libgcc_eh.a` as
//!   `libgcc_s.a`), answers them with the archives, and `-static` has the C compiler start the
//!   program as a static one. Where the C compiler lacks an archive of the C library, only the
//!   unwinder is linked in; where it lacks `libgcc_eh.a` too (another C library, say), the
//!   program links as cargo would.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The libraries Rust's standard library asks for on GNU/Linux, each with the archive that
/// answers it: the unwinder first, then the C library's parts.
const ARCHIVES: [(&str, &str); 7] = [
    ("gcc_s", "libgcc_eh.a"),
    ("c", "libc.a"),
    ("m", "libm.a"),
    ("pthread", "libpthread.a"),
    ("rt", "librt.a"),
    ("dl", "libdl.a"),
    ("util", "libutil.a"),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-link-arg-bins=-no-pie");
    let gnu_linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if !gnu_linux {
        return;
    }
    let found: Vec<(&str, PathBuf)> = ARCHIVES
        .iter()
        .map_while(|&(library, archive)| Some((library, compiler_file(archive)?)))
        .collect();
    let Some(dir) = std::env::var_os("OUT_DIR").map(|out| Path::new(&out).join("static-libs"))
    else {
        return;
    };
    let (offered, fully_static) = if found.len() == ARCHIVES.len() {
        (&found[..], true)
    } else {
        (&found[..found.len().min(1)], false)
    };
    if offered.is_empty() || offer(&dir, offered).is_err() {
        return;
    }
    println!("cargo:rustc-link-arg-bins=-L{}", dir.display());
    if fully_static {
        println!("cargo:rustc-link-arg-bins=-static");
    }
}

/// Where the C compiler finds `name`, if it has it.
fn compiler_file(name: &str) -> Option<PathBuf> {
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let output = Command::new(compiler)
        .arg(format!("-print-file-name={name}"))
        .output()
        .ok()?;
    // The compiler prints the bare name back when it has no such file.
    let path = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    (output.status.success() && path.is_absolute() && path.is_file()).then_some(path)
}

/// Fills `dir` (made anew) with each archive under the name `-l` asks for.
fn offer(dir: &Path, archives: &[(&str, PathBuf)]) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    for (library, archive) in archives {
        std::fs::copy(archive, dir.join(format!("lib{library}.a")))?;
    }
    Ok(())
}
