//! Structured consent records, withdrawals and flows through the consent engine, against a
//! reference evaluation and its invariants (see `handover_fuzz::consent`).
#![no_main]

libfuzzer_sys::fuzz_target!(|case: handover_fuzz::consent::Case| {
    handover_fuzz::consent::check(&case);
});
