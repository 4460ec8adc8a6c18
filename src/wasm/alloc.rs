//! The module's allocator: talc (smaller and faster than Rust's default dlmalloc in wasm), fed by a
//! source that grows the wasm memory geometrically.
//!
//! Growing by exactly what one allocation needs, as talc's own wasm source does, grows a large world's
//! memory page by page — thousands of `memory.grow` calls, each of which makes V8 re-scan its heap (a
//! 100,000-project world took 11 s to compile instead of 3). Growing by a quarter of the current size
//! (at least what is needed) takes a few dozen steps for the same memory.

use core::alloc::Layout;
use core::arch::wasm32::{memory_grow, memory_size};
use core::ptr::NonNull;

use talc::base::binning::Binning;
use talc::base::{Talc, CHUNK_UNIT};
use talc::cell::TalcSyncCell;
use talc::wasm::WasmBinning;

const PAGE_SIZE: usize = 64 * 1024;

/// Extends one heap at the end of the wasm memory, growing it geometrically.
#[derive(Debug)]
pub struct GrowGeometrically {
    end: Option<NonNull<u8>>,
}

// SAFETY: `acquire` hands talc only memory just obtained from `memory.grow`, which nothing else uses,
// and allocates nothing itself.
unsafe impl talc::source::Source for GrowGeometrically {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        // More than talc's chunk for `layout` needs (size, tail, rounding, claim overhead, alignment).
        let needed = layout.size() + layout.align() + 4 * CHUNK_UNIT;
        let needed_pages = needed.div_ceil(PAGE_SIZE);
        let pages = needed_pages.max(memory_size::<0>() / 4);
        let previous_end = match memory_grow::<0>(pages) {
            usize::MAX => match memory_grow::<0>(needed_pages) {
                usize::MAX => return Err(()),
                end => (end, needed_pages),
            },
            end => (end, pages),
        };
        let base = (previous_end.0 * PAGE_SIZE) as *mut u8;
        let size = previous_end.1 * PAGE_SIZE;
        let end = base.wrapping_add(size);
        if let Some(old_end) = talc.source.end.take() {
            if old_end.as_ptr() == base {
                // SAFETY: the new pages directly follow the heap talc already manages.
                talc.source.end = Some(unsafe { talc.extend(old_end, end) });
                return Ok(());
            }
        }
        // SAFETY: fresh pages from memory.grow, not used by anything else.
        talc.source.end = unsafe { talc.claim(base, size) };
        Ok(())
    }
}

#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static ALLOCATOR: TalcSyncCell<GrowGeometrically, WasmBinning> =
    TalcSyncCell::new_wasm(GrowGeometrically { end: None });
