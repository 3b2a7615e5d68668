//! Release builds of the server lay out the functions it runs at start-up side by side
//! (`src/startup.order`, written by `make startup-order`): the kernel maps machine code in
//! windows around each page touched, and scattered, that start-up code kept 16 MB of the binary
//! resident at idle instead of 3 (see tools/startup_order.py).

fn main() {
    println!("cargo:rerun-if-changed=src/startup.order");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    // rustc links with its bundled lld on x86_64 Linux, which reads the order file; another
    // linker would refuse the option.
    let lld = std::env::var("TARGET").is_ok_and(|t| t == "x86_64-unknown-linux-gnu");
    if release && lld {
        let order = concat!(env!("CARGO_MANIFEST_DIR"), "/src/startup.order");
        println!("cargo:rustc-link-arg-bin=gatehouse=-Wl,--symbol-ordering-file={order}");
        // Functions named in the file but gone from the code are no reason to fail a build.
        println!("cargo:rustc-link-arg-bin=gatehouse=-Wl,--no-warn-symbol-ordering");
    }
}
