//! Arbitrary bytes as a delivery from the hub's ingress: intake, decoding and routing must
//! never panic and must keep their invariants (see `handover_fuzz::envelope`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handover_fuzz::envelope::check(data));
