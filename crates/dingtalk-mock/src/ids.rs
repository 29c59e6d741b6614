//! Random identifiers the fake server hands out: tokens, object keys, request ids.

use rand::Rng as _;

/// `len` random lowercase letters and digits.
pub(crate) fn random_id(len: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())])).collect()
}

/// A request id like the real server's: 12 lowercase letters and digits.
pub(crate) fn request_id() -> String {
    random_id(12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_look_real() {
        let id = request_id();
        assert_eq!(id.len(), 12);
        assert!(id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    }
}
