//! No input makes `load` (or `generate`, on what `load` accepts) panic.
//!
//! Feeds deterministic pseudo-random mutations of the real spec files (byte flips,
//! replacements with YAML-significant bytes, truncations, insertions, deletions and splices)
//! to `load`, together with the unmutated service file. Every diagnostic must point into
//! a file that was given, at a line that exists.
//!
//! A failing iteration is written to `$CARGO_TARGET_TMPDIR/no_panic/` for a closer look.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use dingtalk_codegen::{Diagnostic, Source, generate, load};

const ITERATIONS: u64 = 2_000;
const SEED: u64 = 0x5eed_d1e6_7a1c;
/// `generate` runs on every this many accepted inputs.
const GENERATE_EVERY: u32 = 5;

/// Knuth's MMIX linear congruential generator; the high bits are the usable ones.
struct Lcg(u64);

impl Lcg {
    fn new(seed: u64) -> Self {
        let mut lcg = Lcg(seed);
        lcg.next();
        lcg
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Bytes that mean something to YAML, to JSON or to UTF-8 decoding.
const SIGNIFICANT: &[u8] = b":-[]{}&*!|>'\"#%@`,? \t\n\r0189.~\\\xff\xc3\xa9\xe4";

const SNIPPETS: &[&str] = &[
    "&a ",
    "*a",
    "!!str ",
    "\n---\n",
    "\n...\n",
    ": ",
    "- ",
    "[[[[[[[[",
    "]]]]",
    "{",
    "}",
    "|\n",
    ">-\n",
    "\"",
    "'",
    "\\u0000",
    "99999999999999999999",
    "-9223372036854775808",
    "1e999",
    ".nan",
    "list<list<",
    "type: ",
    "name: type\n",
    "  - name: x\n    type: X\n",
    "required: true\n",
    "default: true\n",
    "\u{feff}",
    "\t",
    "é",
];

/// Applies 1 to 4 random mutations; returns what was done, for the failure message.
fn mutate(bytes: &mut Vec<u8>, rng: &mut Lcg) -> Vec<String> {
    let mut done = Vec::new();
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len();
        match rng.below(7) {
            0 if len > 0 => {
                let at = rng.below(len);
                let bit = 1u8 << rng.below(8);
                bytes[at] ^= bit;
                done.push(format!("flip bit {bit:#04x} at {at}"));
            }
            1 if len > 0 => {
                let at = rng.below(len);
                let b = SIGNIFICANT[rng.below(SIGNIFICANT.len())];
                bytes[at] = b;
                done.push(format!("set byte {at} to {b:#04x}"));
            }
            2 if len > 0 => {
                let at = rng.below(len);
                bytes.truncate(at);
                done.push(format!("truncate at {at}"));
            }
            3 => {
                let at = rng.below(len + 1);
                let snippet = SNIPPETS[rng.below(SNIPPETS.len())];
                bytes.splice(at..at, snippet.bytes());
                done.push(format!("insert {snippet:?} at {at}"));
            }
            4 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(64)).min(len);
                bytes.drain(at..end);
                done.push(format!("delete {at}..{end}"));
            }
            5 if len > 0 => {
                // Copy a line-sized slice of the file to another place (duplicates keys, lists, blocks).
                let from = rng.below(len);
                let end = (from + 1 + rng.below(200)).min(len);
                let chunk = bytes[from..end].to_vec();
                let at = rng.below(len + 1);
                bytes.splice(at..at, chunk);
                done.push(format!("copy {from}..{end} to {at}"));
            }
            _ if len > 0 => {
                let at = rng.below(len);
                let b = rng.next() as u8;
                bytes.insert(at, b);
                done.push(format!("insert byte {b:#04x} at {at}"));
            }
            _ => {
                bytes.push(b'\n');
                done.push("append a newline".to_owned());
            }
        }
    }
    done
}

/// A diagnostic must name a given file (or the spec as a whole) and a line of it.
fn check_location(d: &Diagnostic, sources: &[Source]) -> Result<(), String> {
    if d.loc.line == 0 || d.loc.column == 0 {
        return Err(format!("lines and columns count from 1: {d}"));
    }
    let Some(source) = sources.iter().find(|s| s.path == d.loc.path) else {
        return if d.loc.path == "spec" { Ok(()) } else { Err(format!("names a file that was not given: {d}")) };
    };
    // Lines as YAML counts them (a line break is CR LF, LF or a lone CR); an error at the end
    // of the input may point just past the last line.
    let breaks = source
        .bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && source.bytes.get(i + 1) != Some(&b'\n')));
    let lines = breaks.count() + 2;
    if d.loc.line > lines {
        return Err(format!("line {} is past the end of the file ({lines} lines): {d}", d.loc.line));
    }
    Ok(())
}

#[test]
fn real_spec_loads_and_generates() {
    let sources = common::real_spec();
    assert!(sources.len() >= 4, "spec/ holds the service and at least three operations");
    match load(&sources) {
        Ok(spec) => assert!(!generate(&spec).is_empty()),
        Err(diags) => panic!("spec/ must load cleanly:\n{}", common::show(&diags)),
    }
}

#[test]
fn mutated_specs_never_panic() {
    let originals = common::real_spec();
    // The service files (`service.yaml`, `service_api.yaml`): every operation names one of them.
    let services: Vec<usize> = (0..originals.len())
        .filter(|&i| !originals[i].path.trim_start_matches("spec/").contains('/'))
        .filter(|&i| originals[i].path.ends_with(".yaml"))
        .collect();
    assert!(services.len() >= 2, "spec/ has both services");
    let smallest_operation = (0..originals.len())
        .filter(|&i| !services.contains(&i) && !originals[i].path.ends_with("types.yaml"))
        .min_by_key(|&i| originals[i].bytes.len())
        .expect("spec/ has operations");
    let mut failures = Vec::new();
    let (mut accepted, mut refused) = (0u32, 0u32);
    for iteration in 0..ITERATIONS {
        let mut rng = Lcg::new(SEED ^ iteration.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        // The mutated file with the service files and its group's shared types (for a service,
        // the smallest operation): loading the whole spec every time would make the test slow
        // in a test build.
        let target = rng.below(originals.len());
        let mut sources: Vec<Source> =
            services.iter().filter(|&&i| i != target).map(|&i| originals[i].clone()).collect();
        if services.contains(&target) {
            sources.push(originals[smallest_operation].clone());
        } else if let Some((group, _)) = originals[target].path.rsplit_once('/') {
            let types = format!("{group}/types.yaml");
            sources.extend(originals.iter().filter(|s| s.path == types && s.path != originals[target].path).cloned());
        }
        sources.push(originals[target].clone());
        let target = sources.len() - 1;
        let steps = mutate(&mut sources[target].bytes, &mut rng);
        // `Ok(true)`: accepted and generated; `Ok(false)`: refused; `Err`: a bad location.
        let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<bool, String> {
            match load(&sources) {
                Ok(spec) => {
                    // Generating is slow in a test build (formatting); every few accepted inputs is enough.
                    if accepted % GENERATE_EVERY == 0 {
                        let files = generate(&spec);
                        assert!(files.iter().all(|f| f.contents.starts_with("// @generated")));
                    }
                    Ok(true)
                }
                Err(diags) => {
                    assert!(!diags.is_empty(), "an error carries at least one diagnostic");
                    diags.iter().try_for_each(|d| check_location(d, &sources))?;
                    Ok(false)
                }
            }
        }));
        let problem = match outcome {
            Ok(Ok(true)) => {
                accepted += 1;
                None
            }
            Ok(Ok(false)) => {
                refused += 1;
                None
            }
            Ok(Err(bad_location)) => Some(bad_location),
            Err(panic) => Some(format!(
                "panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)")
            )),
        };
        if let Some(problem) = problem {
            let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no_panic");
            let saved = dir.join(format!("{iteration}.yaml"));
            let _ = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&saved, &sources[target].bytes));
            failures.push(format!(
                "iteration {iteration}: {} after {}: {problem} (input saved to {})",
                sources[target].path,
                steps.join(", "),
                saved.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {ITERATIONS} mutated inputs failed:\n{}", failures.len(), failures.join("\n"));
    // Both paths are exercised: most mutations break the spec, some leave it valid.
    assert!(refused > ITERATIONS as u32 / 2, "only {refused} mutated inputs were refused");
    assert!(accepted > 0, "no mutated input was accepted; the mutations are too destructive to test `generate`");
}
