//! Arbitrary bytes as a spec file: `load` must return (diagnostics or a spec), never panic,
//! hang or exhaust memory; a spec it accepts must generate.
#![no_main]

use libfuzzer_sys::fuzz_target;

const SERVICE: &[u8] = include_bytes!("../../spec/service.yaml");

fuzz_target!(|data: &[u8]| {
    let sources = [
        dingtalk_codegen::Source::new("spec/service.yaml", SERVICE),
        dingtalk_codegen::Source::new("spec/fuzz.yaml", data),
    ];
    if let Ok(spec) = dingtalk_codegen::load(&sources) {
        let _ = dingtalk_codegen::generate(&spec);
    }
});
