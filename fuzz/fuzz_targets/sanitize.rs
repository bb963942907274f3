#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    microsocial_fuzz::sanitize(data);
});
