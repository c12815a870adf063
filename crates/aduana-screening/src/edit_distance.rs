//! The edit distance the matcher compares spellings with: Damerau (optimal string alignment), a substitution of
//! two confusable characters ("0" and "o") costing half an edit.
//!
//! Every cost is a whole or half edit, so the distance is counted in half edits with integers (exact, and cheaper
//! than floating point) and returned as `f32`, which holds such values exactly: the result is the same number as a
//! computation in `f32` gives, bit for bit (the tests hold it to one).

use crate::rules::NameRules;

/// Rows up to this length live on the stack.
const STACK_ROW: usize = 33;

/// Returns the distance between `a` and `b` in edits. Three rolling rows; stops early and returns a value above
/// `budget` as soon as two consecutive rows exceed it.
pub(crate) fn edit_distance(a: &[u8], b: &[u8], budget: f32, rules: &NameRules) -> f32 {
    let m = b.len();
    let mut stack = [0_u32; 3 * STACK_ROW];
    let mut heap = Vec::new();
    let rows: &mut [u32] = if m < STACK_ROW {
        &mut stack[..3 * (m + 1)]
    } else {
        heap.resize(3 * (m + 1), 0);
        &mut heap
    };
    let (mut before, rest) = rows.split_at_mut(m + 1);
    let (mut previous, mut current) = rest.split_at_mut(m + 1);
    for (j, cell) in (0_u32..).zip(previous.iter_mut()) {
        *cell = 2 * j;
    }
    let edits = |halves: u32| halves as f32 * 0.5;
    let mut previous_min = 0;
    for (i, row) in (1_u32..).zip(0..a.len()) {
        let here = a[row];
        let back = row.checked_sub(1).map(|r| a[r]);
        current[0] = 2 * i;
        let mut row_min = current[0];
        // The cells to the left and diagonally up-left of the one computed, carried along instead of indexed.
        let (mut left, mut diagonal) = (current[0], previous[0]);
        let cells = current[1..].iter_mut().zip(&previous[1..]).zip(b);
        for (j, ((cell, &up), &there)) in cells.enumerate() {
            let cost = if here == there {
                0
            } else if rules.confusable(here, there) {
                1
            } else {
                2
            };
            let mut best = (up + 2).min(left + 2).min(diagonal + cost);
            // A transposition: `j` is the index of `there` in `b`, so `b[j - 1]` and `before[j - 1]` are the
            // letter and the cell two columns back in the one-based numbering of the rows.
            if j > 0 && back == Some(there) && here == b[j - 1] {
                best = best.min(before[j - 1] + 2);
            }
            *cell = best;
            row_min = row_min.min(best);
            left = best;
            diagonal = up;
        }
        if edits(row_min) > budget && edits(previous_min) > budget {
            return edits(row_min).max(budget + 1.0);
        }
        previous_min = row_min;
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    edits(previous[m])
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::edit_distance;
    use crate::rules::NameRules;

    /// The distance as the matcher first computed it, in `f32` throughout.
    fn reference(a: &[u8], b: &[u8], budget: f32, rules: &NameRules) -> f32 {
        let m = b.len();
        let mut rows = vec![0.0_f32; 3 * (m + 1)];
        let (mut before, rest) = rows.split_at_mut(m + 1);
        let (mut previous, mut current) = rest.split_at_mut(m + 1);
        for (j, cell) in previous.iter_mut().enumerate() {
            *cell = j as f32;
        }
        for i in 1..=a.len() {
            current[0] = i as f32;
            for j in 1..=m {
                let cost = if a[i - 1] == b[j - 1] {
                    0.0
                } else if rules.confusable(a[i - 1], b[j - 1]) {
                    0.5
                } else {
                    1.0
                };
                let mut best = (previous[j] + 1.0).min(current[j - 1] + 1.0).min(previous[j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(before[j - 2] + 1.0);
                }
                current[j] = best;
            }
            let row_min = current.iter().copied().fold(f32::INFINITY, f32::min);
            let previous_min = previous.iter().copied().fold(f32::INFINITY, f32::min);
            if row_min > budget && previous_min > budget {
                return row_min.max(budget + 1.0);
            }
            std::mem::swap(&mut before, &mut previous);
            std::mem::swap(&mut previous, &mut current);
        }
        previous[m]
    }

    #[test]
    fn distance_is_the_floating_point_computation_bit_for_bit() {
        let rules = NameRules::builtin();
        // Few letters, so that transpositions, repeats and confusable pairs ("0"/"o", "1"/"l") are frequent.
        let alphabet = b"aeiolnrs01";
        let mut rng = StdRng::seed_from_u64(10);
        for case in 0..200_000 {
            let word = |rng: &mut StdRng| -> Vec<u8> {
                let length = if case % 100 == 0 { rng.gen_range(30..45) } else { rng.gen_range(0..12) };
                (0..length).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect()
            };
            let (a, b) = (word(&mut rng), word(&mut rng));
            let budget = [0.0, 0.5, 1.0, 2.0, 2.4, 3.6, 100.0][case % 7];
            let (fast, slow) = (edit_distance(&a, &b, budget, &rules), reference(&a, &b, budget, &rules));
            assert_eq!(
                fast.to_bits(),
                slow.to_bits(),
                "`{}` against `{}`, budget {budget}: {fast} != {slow}",
                String::from_utf8_lossy(&a),
                String::from_utf8_lossy(&b)
            );
        }
    }

    #[test]
    fn confusable_letters_cost_half_an_edit() {
        let rules = NameRules::builtin();
        assert_eq!(edit_distance(b"putin", b"putin", 3.0, &rules), 0.0);
        assert_eq!(edit_distance(b"putin", b"puitn", 3.0, &rules), 1.0);
        assert_eq!(edit_distance(b"olga", b"0lga", 3.0, &rules), 0.5);
        assert_eq!(edit_distance(b"", b"abc", 3.0, &rules), 3.0);
    }
}
