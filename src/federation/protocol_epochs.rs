//! Friends-only posts' epoch keys (PROTOCOL.md §10): where the sealed files
//! live and which file holds a recipient's copy. Pure, like the rest of
//! `protocol`.

/// Folder of sealed friends-only posts and epoch keys.
pub const PRIVATE_DIR: &str = "federation/private/";

/// Recipients per epoch-key file: a friend trial-decrypts at most this many
/// age stanzas, however many friends the author has.
pub const EPOCH_BUCKET: usize = 64;

/// How many files an epoch key is split into: the smallest count, from
/// `ceil(recipients / 64)` up, that puts at most 64 recipients in every file
/// (the hash does not spread them evenly). Some files may stay empty.
pub fn epoch_buckets(recipients: &[String]) -> u16 {
    // Hash once; each candidate count only takes remainders.
    let hashes: Vec<u32> = recipients.iter().map(|r| bucket_hash(r)).collect();
    let fits = |n: u16| {
        let mut load = vec![0usize; n as usize];
        hashes.iter().all(|h| {
            let b = &mut load[(h % u32::from(n)) as usize];
            *b += 1;
            *b <= EPOCH_BUCKET
        })
    };
    let first = recipients
        .len()
        .div_ceil(EPOCH_BUCKET)
        .clamp(1, u16::MAX as usize) as u16;
    (first..u16::MAX).find(|&n| fits(n)).unwrap_or(u16::MAX)
}

/// The file holding `recipient`'s copy of an epoch key: the first four bytes
/// of SHA-256 of the recipient string (`age1…`), big-endian, modulo `buckets`.
pub fn bucket_of(recipient: &str, buckets: u16) -> u16 {
    (bucket_hash(recipient) % u32::from(buckets.max(1))) as u16
}

fn bucket_hash(recipient: &str) -> u32 {
    use sha2::Digest as _;
    let h = sha2::Sha256::digest(recipient.as_bytes());
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

pub fn epoch_file(epoch: u32, bucket: u16) -> String {
    format!("epoch-{epoch}/{bucket}.age")
}
