//! Stable hashing: deterministic selection (a profile's sampling percentage, random compliance selection) and the
//! profile index's long keys. The hashes are FNV-1a 64, fixed forever, so that the same consignment is selected the
//! same way on every machine and in every release.

/// FNV-1a, 64 bits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub(crate) fn finish(self) -> u64 {
        // A final avalanche so that nearby inputs spread over the whole range.
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    }
}

/// Returns a number in `0..10_000` (basis points) fixed by the parts.
pub(crate) fn basis_points(parts: &[&[u8]]) -> u32 {
    let mut hash = Fnv::new();
    for part in parts {
        hash.write(part);
        hash.write(&[0xff]);
    }
    (hash.finish() % 10_000) as u32
}

/// Returns whether a consignment falls in a `percent` share chosen by `key` (e.g. a profile id).
pub(crate) fn selected(reference: &str, key: &str, percent: f64) -> bool {
    percent >= 100.0 || Sampling::of(reference).selected(key, percent)
}

/// [`selected`] for one consignment and many keys: the reference is hashed once, and each key continues from
/// that state (the hash reads the reference first).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sampling(Fnv);

impl Sampling {
    /// Returns the sampling of the consignment whose reference is `reference`.
    pub(crate) fn of(reference: &str) -> Sampling {
        let mut hash = Fnv::new();
        hash.write(reference.as_bytes());
        hash.write(&[0xff]);
        Sampling(hash)
    }

    /// Returns whether the consignment falls in a `percent` share chosen by `key`: the same answer as
    /// [`selected`], from the same [`basis_points`].
    pub(crate) fn selected(self, key: &str, percent: f64) -> bool {
        if percent >= 100.0 {
            return true;
        }
        let mut hash = self.0;
        hash.write(key.as_bytes());
        hash.write(&[0xff]);
        f64::from((hash.finish() % 10_000) as u32) < percent * 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::{Sampling, basis_points};

    #[test]
    fn sampling_a_consignment_answers_as_its_basis_points_do() {
        for reference in ["", "BENCH000000001", "MSKU1234565", "Ünïcode"] {
            for key in ["", "GEN-00001", "UNDERVAL-PV-001"] {
                let points = basis_points(&[reference.as_bytes(), key.as_bytes()]);
                for percent in [0.0, 0.01, 12.5, 25.0, 50.0, 99.99, 100.0, 150.0] {
                    let expected = percent >= 100.0 || f64::from(points) < percent * 100.0;
                    assert_eq!(Sampling::of(reference).selected(key, percent), expected, "{reference} {key} {percent}");
                }
            }
        }
    }
}
