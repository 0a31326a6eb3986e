//! The reverse-mode tape: one per thread and per scalar type.
//!
//! Each operation on a [`Var`](super::Var) appends a node holding the
//! indices of its (at most two) operands and the local partial derivatives
//! with respect to them, *in the scalar type T*. With T = f64 the reverse
//! sweep yields the gradient; with T = `Dual64` whose tangents carry a
//! direction v, the partials themselves carry their directional derivatives
//! and the same sweep yields g + ε·Hv (forward-over-reverse); with
//! T = `DualSVec64<K>` it yields K Hessian columns at once.
//!
//! Sweeps nest like a stack: a sweep records above the nodes already on the
//! tape and truncates back when it ends, so buffers are reused and an
//! objective may itself call a driver.

use std::cell::RefCell;
use std::thread::LocalKey;

use num_dual::{Dual64, DualSVec64};

use super::Scalar;

/// Operand index of a constant: constants are never recorded.
pub(crate) const CONSTANT: u32 = u32::MAX;

/// One recorded operation: operand indices and local partials.
#[derive(Clone, Copy)]
pub(crate) struct Node<T> {
    pub(crate) operands: [u32; 2],
    pub(crate) partials: [T; 2],
}

/// The nodes of one thread's sweeps and the adjoint buffer, both reused.
pub struct Tape<T> {
    nodes: Vec<Node<T>>,
    adjoints: Vec<T>,
}

impl<T: Scalar> Tape<T> {
    const fn new() -> Self {
        Tape {
            nodes: Vec::new(),
            adjoints: Vec::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Appends a node and returns its index.
    #[inline]
    pub(crate) fn push(&mut self, operands: [u32; 2], partials: [T; 2]) -> u32 {
        let index = self.nodes.len();
        // 4 billion nodes would need hundreds of GiB; memory runs out first.
        assert!(index < CONSTANT as usize, "saddlescope tape overflow");
        self.nodes.push(Node { operands, partials });
        index as u32
    }

    /// Drops every node from `base` on, keeping the capacity.
    pub(crate) fn truncate(&mut self, base: usize) {
        self.nodes.truncate(base);
    }

    /// Propagates the adjoint 1 of node `output` back to every node at or
    /// above `base`, and returns the adjoints of nodes `base..base + n`.
    pub(crate) fn reverse(&mut self, base: usize, output: u32, n: usize) -> Vec<T> {
        let output = output as usize;
        let len = self.nodes.len();
        self.adjoints.clear();
        self.adjoints.resize(len - base, T::zero());
        self.adjoints[output - base] = T::one();
        for i in (base..=output).rev() {
            let a = self.adjoints[i - base];
            let node = self.nodes[i];
            for (&op, &d) in node.operands.iter().zip(&node.partials) {
                // Operands below `base` belong to an enclosing sweep: constants here.
                if op != CONSTANT && op as usize >= base {
                    self.adjoints[op as usize - base] += a * d;
                }
            }
        }
        self.adjoints[..n].to_vec()
    }
}

/// Scalars that have a reverse-mode tape: `f64`, `Dual64` and
/// `DualSVec64<K>` for K in {1, 2, 4, 8, 16}.
///
/// This trait is sealed: it names the thread-local tape of each type, and
/// a thread-local cannot be generic.
pub trait TapeScalar: Scalar + sealed::Sealed {}

impl<T: Scalar + sealed::Sealed> TapeScalar for T {}

pub(crate) mod sealed {
    use super::*;

    pub trait Sealed: Sized + 'static {
        #[doc(hidden)]
        fn tape() -> &'static LocalKey<RefCell<Tape<Self>>>;
    }
}

macro_rules! tape_scalar {
    ($($name:ident: $t:ty),* $(,)?) => {$(
        thread_local! {
            static $name: RefCell<Tape<$t>> = const { RefCell::new(Tape::new()) };
        }
        impl sealed::Sealed for $t {
            #[inline]
            fn tape() -> &'static LocalKey<RefCell<Tape<Self>>> {
                &$name
            }
        }
    )*};
}

tape_scalar!(
    TAPE_F64: f64,
    TAPE_DUAL: Dual64,
    TAPE_LANES_1: DualSVec64<1>,
    TAPE_LANES_2: DualSVec64<2>,
    TAPE_LANES_4: DualSVec64<4>,
    TAPE_LANES_8: DualSVec64<8>,
    TAPE_LANES_16: DualSVec64<16>,
);

/// Runs `f` with this thread's tape for T.
#[inline]
pub(crate) fn with_tape<T: TapeScalar, R>(f: impl FnOnce(&mut Tape<T>) -> R) -> R {
    T::tape().with(|t| f(&mut t.borrow_mut()))
}

/// Truncates the tape back to where a sweep started, also on unwinding.
pub(crate) struct SweepGuard<T: TapeScalar> {
    pub(crate) base: usize,
    _marker: std::marker::PhantomData<T>,
}

impl<T: TapeScalar> SweepGuard<T> {
    pub(crate) fn begin() -> Self {
        SweepGuard {
            base: with_tape::<T, _>(|t| t.len()),
            _marker: std::marker::PhantomData,
        }
    }
}

impl<T: TapeScalar> Drop for SweepGuard<T> {
    fn drop(&mut self) {
        let base = self.base;
        // The thread-local may already be gone during thread teardown.
        let _ = T::tape().try_with(|t| {
            if let Ok(mut t) = t.try_borrow_mut() {
                t.truncate(base);
            }
        });
    }
}
