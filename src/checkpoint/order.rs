//! PyTorch `state_dict()` order, reconstructed from tensor names.
//!
//! A safetensors header is a JSON object, and PyTorch's writer lays tensors
//! out by dtype and then by name, so the file does not say in which order the
//! module registered them. For the names an `nn.Sequential` (possibly nested)
//! produces, the order can be rebuilt from the names alone:
//!
//! - a module's own tensors come before those of its children;
//! - children with numeric names (`0`, `1`, …, `10`) in numeric order, then
//!   named children alphabetically;
//! - a module's own tensors in the order PyTorch's built-in layers register
//!   them: `weight`, `bias`, `running_mean`, `running_var`,
//!   `num_batches_tracked`, then any other name alphabetically.

use std::cmp::Ordering;

/// One dot-separated component of a tensor name, as a sort key.
///
/// The variant order is the order of the sort: a module's own tensors
/// (`Leaf`) before its numbered children before its named children.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Segment<'a> {
    Leaf {
        rank: u8,
        name: &'a str,
    },
    // Digits compared by (length without leading zeros, digits, spelling), so
    // any number of digits compares numerically without overflow.
    Index {
        len: usize,
        digits: &'a str,
        spelling: &'a str,
    },
    Child(&'a str),
}

fn leaf_rank(name: &str) -> u8 {
    match name {
        "weight" => 0,
        "bias" => 1,
        "running_mean" => 2,
        "running_var" => 3,
        "num_batches_tracked" => 4,
        _ => 5,
    }
}

fn segments(name: &str) -> impl Iterator<Item = Segment<'_>> {
    let last = name.split('.').count() - 1;
    name.split('.').enumerate().map(move |(i, part)| {
        if i == last {
            Segment::Leaf {
                rank: leaf_rank(part),
                name: part,
            }
        } else if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            let digits = part.trim_start_matches('0');
            Segment::Index {
                len: digits.len(),
                digits,
                spelling: part,
            }
        } else {
            Segment::Child(part)
        }
    })
}

/// Compares two tensor names in PyTorch `state_dict()` order (see the module
/// docs). A total order: equal only for equal names.
pub(crate) fn state_dict_cmp(a: &str, b: &str) -> Ordering {
    segments(a).cmp(segments(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        v.sort_by(|a, b| state_dict_cmp(a, b));
        v
    }

    #[test]
    fn sequential_with_batchnorm_in_registration_order() {
        let names = [
            "1.num_batches_tracked",
            "0.bias",
            "0.weight",
            "1.bias",
            "1.running_mean",
            "1.running_var",
            "1.weight",
            "3.bias",
            "3.weight",
        ];
        assert_eq!(
            sorted(&names),
            [
                "0.weight",
                "0.bias",
                "1.weight",
                "1.bias",
                "1.running_mean",
                "1.running_var",
                "1.num_batches_tracked",
                "3.weight",
                "3.bias",
            ]
        );
    }

    #[test]
    fn indices_compare_numerically() {
        assert_eq!(
            sorted(&[
                "10.weight",
                "2.weight",
                "1.weight",
                "100000000000000000000000.bias"
            ]),
            [
                "1.weight",
                "2.weight",
                "10.weight",
                "100000000000000000000000.bias"
            ]
        );
    }

    #[test]
    fn own_tensors_before_children_and_total_order() {
        assert_eq!(
            sorted(&[
                "0.1.weight",
                "0.weight",
                "0.a.bias",
                "0.0.bias",
                "x",
                "0.zeta"
            ]),
            [
                "x",
                "0.weight",
                "0.zeta",
                "0.0.bias",
                "0.1.weight",
                "0.a.bias"
            ]
        );
        // Different spellings of the same number stay distinct and ordered.
        assert_eq!(state_dict_cmp("01.weight", "1.weight"), Ordering::Less);
        assert_eq!(state_dict_cmp("1.weight", "1.weight"), Ordering::Equal);
        assert_ne!(state_dict_cmp("", "."), Ordering::Equal);
    }
}
