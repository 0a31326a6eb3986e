//! A small seeded pseudo-random generator owned by the crate.
//!
//! Every random choice in saddlescope (synthetic data, shuffles, splits,
//! mini-batches, random directions) goes through [`Rng`], so that a seed gives
//! the same bits on every run and every version of every dependency: the
//! generator is written out here instead of borrowed from `rand`, whose
//! streams may change between releases.
//!
//! The generator is xoshiro256** (Blackman & Vigna, "Scrambled linear
//! pseudorandom number generators", ACM TOMS 47(4), 2021), seeded through
//! SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
//! generators", OOPSLA 2014) as its authors recommend. Normals come from
//! Marsaglia's polar method, which needs only `ln` and `sqrt`.
//!
//! Integer draws, uniforms and shuffles are bit-identical on every platform.
//! Normal draws go through `f64::ln`, which the platform's libm computes; it
//! is correctly rounded in practice on the usual targets, but the standard
//! library does not promise that.

/// SplitMix64 step: advances `state` and returns the next output.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded xoshiro256** generator with uniform, normal and shuffling draws.
///
/// The same seed gives the same sequence on every run. Use
/// [`Rng::with_stream`] to derive independent generators from one seed, e.g.
/// one per data set component or per parallel task, so that results do not
/// depend on the order in which the tasks run.
///
/// (Crate-internal, so its examples live in the unit tests below.)
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rng {
    s: [u64; 4],
    /// The second normal of the last polar-method pair, if not yet used.
    spare_normal: Option<f64>,
}

impl Rng {
    /// A generator for `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        // SplitMix64 is a bijection of its counter, so four consecutive
        // outputs are never all zero (the one state xoshiro must avoid).
        Rng {
            s,
            spare_normal: None,
        }
    }

    /// The generator for sub-stream `stream` of `seed`: different streams of
    /// one seed are unrelated sequences, and `with_stream(seed, 0)` differs
    /// from `new(seed)`.
    pub(crate) fn with_stream(seed: u64, stream: u64) -> Rng {
        // Mix the stream number through SplitMix64 before combining, so that
        // nearby (seed, stream) pairs do not give nearby states.
        let mut st = stream ^ 0x5DEE_CE66_D1CE_4E5B;
        let key = splitmix64(&mut st);
        let mut sd = seed;
        let seed_mixed = splitmix64(&mut sd);
        Rng::new(seed_mixed ^ key.rotate_left(17))
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform draw from [0, 1) with 53 random bits (every multiple of
    /// 2⁻⁵³ in the interval is equally likely).
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform draw from [`low`, `high`).
    pub(crate) fn uniform_in(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// A uniform integer in `0..n`, without modulo bias (Lemire's method,
    /// "Fast random integer generation in an interval", ACM TOMACS 29(1),
    /// 2019).
    ///
    /// # Panics
    ///
    /// If `n` is zero.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below(0): the range is empty");
        let n = n as u64;
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as usize
    }

    /// A standard normal draw, N(0, 1).
    pub(crate) fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        // Marsaglia's polar method: a uniform point in the unit disc gives
        // two independent normals.
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let factor = (-2.0 * s.ln() / s).sqrt();
                self.spare_normal = Some(v * factor);
                return u * factor;
            }
        }
    }

    /// A normal draw with mean `mean` and standard deviation `std`.
    pub(crate) fn normal_with(&mut self, mean: f64, std: f64) -> f64 {
        mean + std * self.normal()
    }

    /// Shuffles `items` in place (Fisher–Yates, Durstenfeld's version): every
    /// permutation is equally likely.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// A uniformly random permutation of `0..n`.
    pub(crate) fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        self.shuffle(&mut p);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_outputs() {
        // Reference values of splitmix64.c with seed 1234567.
        let mut s = 1_234_567u64;
        let got: Vec<u64> = (0..5).map(|_| splitmix64(&mut s)).collect();
        assert_eq!(
            got,
            [
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423,
                4_593_380_528_125_082_431,
                16_408_922_859_458_223_821,
            ]
        );
    }

    #[test]
    fn xoshiro256starstar_matches_the_reference_step() {
        // State [1, 2, 3, 4] as in the reference implementation's test
        // vectors: outputs 11520, 0, 1509978240, 1215971899390074240.
        let mut rng = Rng {
            s: [1, 2, 3, 4],
            spare_normal: None,
        };
        let got: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
        assert_eq!(got, [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240]);
    }

    #[test]
    fn same_seed_same_stream_different_seed_different_stream() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut r = Rng::new(8);
            (0..8).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(Rng::with_stream(7, 0), Rng::new(7));
        assert_ne!(Rng::with_stream(7, 0), Rng::with_stream(7, 1));
        assert_eq!(Rng::with_stream(7, 3), Rng::with_stream(7, 3));
    }

    #[test]
    fn uniform_is_in_the_unit_interval_with_mean_one_half() {
        let mut r = Rng::new(1);
        let n = 100_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let u = r.uniform();
            assert!((0.0..1.0).contains(&u));
            sum += u;
        }
        let mean = sum / n as f64;
        // Standard error 1/sqrt(12 n) ≈ 0.0009.
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
        let x = r.uniform_in(-3.0, 3.0);
        assert!((-3.0..3.0).contains(&x));
    }

    #[test]
    fn below_is_in_range_and_roughly_uniform() {
        let mut r = Rng::new(2);
        let mut counts = [0usize; 6];
        for _ in 0..60_000 {
            counts[r.below(6)] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
        assert_eq!(r.below(1), 0);
    }

    #[test]
    fn normal_has_mean_zero_and_variance_one() {
        let mut r = Rng::new(3);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
        let within_one = xs.iter().filter(|x| x.abs() < 1.0).count() as f64 / n as f64;
        assert!((within_one - 0.6827).abs() < 0.01, "{within_one}");
        let y = r.normal_with(10.0, 0.0);
        assert_eq!(y, 10.0);
    }

    #[test]
    fn shuffle_is_a_permutation_and_reproducible() {
        let p = Rng::new(4).permutation(100);
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(p, sorted);
        assert_eq!(p, Rng::new(4).permutation(100));
        let mut empty: [u8; 0] = [];
        Rng::new(4).shuffle(&mut empty);
        let mut one = [9];
        Rng::new(4).shuffle(&mut one);
        assert_eq!(one, [9]);
    }

    #[test]
    fn shuffle_makes_every_permutation_of_three_about_equally_often() {
        let mut r = Rng::new(5);
        let mut counts = std::collections::HashMap::new();
        for _ in 0..60_000 {
            let mut a = [0, 1, 2];
            r.shuffle(&mut a);
            *counts.entry(a).or_insert(0usize) += 1;
        }
        assert_eq!(counts.len(), 6);
        for (&perm, &c) in &counts {
            assert!((9_400..10_600).contains(&c), "{perm:?}: {c}");
        }
    }
}
