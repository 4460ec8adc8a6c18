//! The module's allocator: talc (smaller and faster than Rust's default dlmalloc in wasm), fed by a
//! source that grows the wasm memory geometrically.
//!
//! Growing by exactly what one allocation needs, as talc's own wasm source does, grows a large world's
//! memory page by page — thousands of `memory.grow` calls, each of which makes V8 re-scan its heap (a
//! 100,000-project world took 11 s to compile instead of 3). Growing by a quarter of the current size
//! (at least what is needed) takes a few dozen steps for the same memory.
//!
//! Running out of memory must not trap (a trap mid-call leaves the instance half-updated, and one
//! instance serves every caller of an isolate or a tab). So every call first makes sure the memory it
//! will need can be had ([`reserve`]: a coded error before anything starts), and an allocation that fails
//! anyway throws a coded JS error instead of Rust's abort.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32::{memory_grow, memory_size};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::prelude::wasm_bindgen;

use crate::Error;

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

/// Talc, with failures made coded errors.
struct Allocator(TalcSyncCell<GrowGeometrically, WasmBinning>);

#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static ALLOCATOR: Allocator = Allocator(TalcSyncCell::new_wasm(GrowGeometrically { end: None }));

/// Set while [`reserve`] asks for memory it can do without: its failure is an answer, not an error.
static FALLIBLE: AtomicBool = AtomicBool::new(false);

#[wasm_bindgen(module = "/src/wasm/errors.js")]
extern "C" {
    /// Throws `Error { code: "invalid_input", message }`: unwinds the call without running Rust's
    /// destructors, so what the call had allocated is lost, but the allocator itself is consistent (it
    /// returned null) and the instance answers the next call.
    #[wasm_bindgen(js_name = throwInvalidInput)]
    fn throw_invalid_input(message: &str);
}

const OUT_OF_MEMORY: &str =
    "out of memory: the module's WebAssembly memory cannot grow any further \
     (free the GitlabPolicy objects no longer used, or give the runtime more memory)";

/// What a null from talc means.
fn failed(pointer: *mut u8) -> *mut u8 {
    if pointer.is_null() && !FALLIBLE.load(Ordering::Relaxed) {
        throw_invalid_input(OUT_OF_MEMORY);
    }
    pointer
}

// SAFETY: every call is forwarded to talc unchanged; only a null result is acted on.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        failed(self.0.alloc(layout))
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        failed(self.0.alloc_zeroed(layout))
    }
    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        self.0.dealloc(pointer, layout)
    }
    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        failed(self.0.realloc(pointer, layout, new_size))
    }
}

/// Memory every call may use beyond what its input's size says (the answer, the trace, small tables).
pub const HEADROOM: usize = 1 << 20;

/// Makes sure `bytes` can be allocated, growing the memory now if need be, or says that it cannot:
/// the block is freed at once and the call's allocations are carved from it. Asked before a call
/// starts, so that running out of memory refuses the call rather than stopping it half-way.
pub fn reserve(bytes: usize) -> Result<(), Error> {
    FALLIBLE.store(true, Ordering::Relaxed);
    let reserved = Vec::<u8>::new().try_reserve_exact(bytes.saturating_add(HEADROOM));
    FALLIBLE.store(false, Ordering::Relaxed);
    reserved.map_err(|_| Error::invalid("", OUT_OF_MEMORY))
}
