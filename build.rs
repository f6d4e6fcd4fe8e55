//! Builds the C shim behind the variadic `ei_x_format` family.

fn main() {
    println!("cargo:rerun-if-changed=csrc/format_shim.c");
    cc::Build::new()
        .file("csrc/format_shim.c")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile("ei_format_shim");
}
