//! (being written: see issue #8)
