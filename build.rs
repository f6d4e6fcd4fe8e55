//! Builds the C shim behind the variadic `ei_x_format` family, and gives the
//! shared library its soname.

fn main() {
    println!("cargo:rerun-if-changed=csrc/format_shim.c");
    cc::Build::new()
        .file("csrc/format_shim.c")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile("ei_format_shim");
    set_soname();
}

/// `libei.so` carries the soname `libei.so.<SOVERSION>`, where SOVERSION
/// keeps the version components that Cargo's semver rules treat as
/// compatible-or-not: `MAJOR` from 1.0 on, `0.MINOR` before (0.1.x and 0.2.x
/// may differ in ABI), `0.0.PATCH` for 0.0.x. This is cargo-c's default rule.
/// The top-level CMakeLists.txt computes the same name (EI_RS_SONAME) for the
/// build-tree symlink and `cmake --install`; test `install_tree` checks they
/// agree.
fn set_soname() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let elf = matches!(
        os.as_str(),
        "linux" | "freebsd" | "dragonfly" | "netbsd" | "openbsd" | "illumos" | "solaris" | "hurd"
    );
    if !elf {
        return;
    }
    let component = |name: &str| -> u64 {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} is not a number"))
    };
    let (major, minor, patch) = (
        component("CARGO_PKG_VERSION_MAJOR"),
        component("CARGO_PKG_VERSION_MINOR"),
        component("CARGO_PKG_VERSION_PATCH"),
    );
    let soversion = match (major, minor) {
        (0, 0) => format!("0.0.{patch}"),
        (0, minor) => format!("0.{minor}"),
        (major, _) => major.to_string(),
    };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libei.so.{soversion}");
}
