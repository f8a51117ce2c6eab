//! Classification of glyphs for coding, never for substitution: which earlier glyph a glyph is
//! close enough to be coded against (T.88 6.4.11 refinement), and which member of a cluster
//! represents it best. A glyph joins a cluster when its size is within 2 pixels of the
//! prototype's and at most a seventh of its pixels differ, centres aligned to within a pixel.
//! Measured on the corpus: with each member refined from its prototype a twelfth was best
//! (looser, a fifth or a third, and tighter, a sixteenth or a thirtieth, coded larger); since
//! members are refined from the closest of the prototype and the cluster's centres (see
//! `symbol_coding`), an eighth is 0.5% smaller than a twelfth in total (against an eighth: a
//! sixth 0.1% larger, a seventh 0.04% smaller, a ninth and a tenth 0.05% and 0.2% larger).

use std::collections::HashMap;

use crate::bitmap::{Bitmap, bits_at};
use crate::simd::{Kernels, NarrowGlyphs};

/// Glyphs are compared (to join a cluster, or to refine one prototype from another) only when
/// their sizes differ by at most this much.
const MAX_SIZE_DIFFERENCE: u32 = 2;

/// A component joins a cluster when at most this share of its pixels differ from the prototype's
/// (1/7; measured: see the module's notes).
pub(super) const MEMBER_SHARE: u32 = 7;

/// A prototype is refined from an earlier, unrefined one when at most this share of its pixels
/// differ (1/8; measured: 1/2, 1/4, 1/6 and 1/10 coded larger; with members within a seventh,
/// 1/12 is 0.05% smaller on the corpus's pages one at a time, but the halves of a page then no
/// longer gain from sharing a dictionary).
pub(super) const PROTOTYPE_SHARE: u32 = 8;

/// Offsets tried around the centred alignment, the centre first.
const NEIGHBOURHOOD: [(i64, i64); 9] = [
    (0, 0),
    (-1, 0),
    (1, 0),
    (0, -1),
    (0, 1),
    (-1, -1),
    (1, -1),
    (-1, 1),
    (1, 1),
];

/// A member of a cluster: where it goes on its page and, unless it equals the prototype, its own
/// pixels and the prototype's offset within them.
pub(super) struct Member {
    /// The column of its left edge.
    pub x: u32,
    /// The row of its top edge.
    pub y: u32,
    /// Its pixels and the prototype's offset in them, unless it equals the prototype.
    pub own: Option<(Bitmap, (i64, i64))>,
}

/// How many pixels differ between `target` and `reference` with the reference's top-left
/// corner at (`dx`, `dy`) in the target, over the target's box; stops counting past `limit`.
pub(super) fn mismatch(
    target: &Bitmap,
    reference: &Bitmap,
    (dx, dy): (i64, i64),
    limit: u32,
) -> u32 {
    if let Some(glyphs) = narrow(target, reference).filter(|_| dx.abs() < 64) {
        return Kernels::current().narrow_mismatch(&glyphs, (dx, dy), limit);
    }
    let mut count = 0;
    for y in 0..target.height() {
        let ry = i64::from(y) - dy;
        let here = target.row(y);
        let mask_last = crate::bitmap::last_word_mask(target.width());
        for (w, &t) in here.iter().enumerate() {
            let r = if ry < 0 || ry >= i64::from(reference.height()) {
                0
            } else {
                bits_at(reference.row(ry as u32), w as i64 * 64 - dx)
            };
            let r = if w + 1 == here.len() {
                r & mask_last
            } else {
                r
            };
            count += (t ^ r).count_ones();
        }
        if count > limit {
            return count;
        }
    }
    count
}

/// The glyphs' rows when both are one word a row (most are), for [`Kernels::narrow_mismatch`].
fn narrow<'a>(target: &'a Bitmap, reference: &'a Bitmap) -> Option<NarrowGlyphs<'a>> {
    (target.width() <= 64 && reference.width() <= 64).then(|| NarrowGlyphs {
        target: target.words(),
        reference: reference.words(),
        mask: crate::bitmap::last_word_mask(target.width()),
    })
}

/// The differing pixels of `target` and `reference` at the nine offsets around `centre`, in
/// [`NEIGHBOURHOOD`]'s order, each exact up to `limit` (past it, some count above `limit`).
fn mismatches(target: &Bitmap, reference: &Bitmap, centre: (i64, i64), limit: u32) -> [u32; 9] {
    if let Some(glyphs) = narrow(target, reference).filter(|_| centre.0.abs() < 63) {
        let counts = Kernels::current().narrow_mismatches(&glyphs, centre, limit);
        NEIGHBOURHOOD.map(|(ox, oy)| counts[((oy + 1) * 3 + ox + 1) as usize])
    } else {
        NEIGHBOURHOOD
            .map(|(ox, oy)| mismatch(target, reference, (centre.0 + ox, centre.1 + oy), limit))
    }
}

/// The prototypes found so far: bitmaps, black pixel counts, and indices by size.
#[derive(Default)]
pub(super) struct Prototypes {
    /// The bitmaps, by index.
    pub bitmaps: Vec<Bitmap>,
    ink: Vec<u32>,
    by_size: HashMap<(u32, u32), Vec<usize>>,
}

impl Prototypes {
    /// Adds one after the others.
    pub fn push(&mut self, bitmap: Bitmap) {
        self.by_size
            .entry((bitmap.width(), bitmap.height()))
            .or_default()
            .push(self.bitmaps.len());
        self.ink.push(bitmap.count_ink() as u32);
        self.bitmaps.push(bitmap);
    }
}

/// The prototype closest to `target` (by size within [`MAX_SIZE_DIFFERENCE`], then by differing
/// pixels, centres aligned to within a pixel), if at most a `share`-th of the pixels differ:
/// its index and its offset in the target.
pub(super) fn best_reference(
    target: &Bitmap,
    prototypes: &Prototypes,
    share: u32,
) -> Option<(usize, (i64, i64))> {
    let (w, h) = (target.width(), target.height());
    let ink = target.count_ink() as u32;
    // At most a `share`-th of the pixels may differ.
    let limit = (w * h / share).max(2);
    let mut best: Option<(u32, usize, (i64, i64))> = None;
    for sw in w.saturating_sub(MAX_SIZE_DIFFERENCE)..=w + MAX_SIZE_DIFFERENCE {
        for sh in h.saturating_sub(MAX_SIZE_DIFFERENCE)..=h + MAX_SIZE_DIFFERENCE {
            for &id in prototypes.by_size.get(&(sw, sh)).into_iter().flatten() {
                // Bitmaps whose black pixel counts differ by more than the bound differ in more
                // pixels than that (near enough: the reference's pixels outside the target's box
                // are not counted); skipping one only changes which reference is chosen.
                if ink.abs_diff(prototypes.ink[id]) > best.map_or(limit, |b| b.0) {
                    continue;
                }
                let centre = (
                    (i64::from(w) - i64::from(sw)).div_euclid(2),
                    (i64::from(h) - i64::from(sh)).div_euclid(2),
                );
                // The centred place and its eight neighbours: scans shift edges by a pixel.
                let bound = best.map_or(limit, |b| b.0);
                let counts = mismatches(target, &prototypes.bitmaps[id], centre, bound);
                for ((ox, oy), m) in NEIGHBOURHOOD.into_iter().zip(counts) {
                    let offset = (centre.0 + ox, centre.1 + oy);
                    let bound = best.map_or(limit, |b| b.0);
                    if m <= bound && best.is_none_or(|b| m < b.0) {
                        best = Some((m, id, offset));
                    }
                }
            }
        }
    }
    best.map(|(_, id, offset)| (id, offset))
}

/// The fewest differing pixels between `target` and `reference` over the alignments around their
/// centres, and that alignment.
pub(super) fn best_offset(target: &Bitmap, reference: &Bitmap) -> (u32, (i64, i64)) {
    best_offset_within(target, reference, u32::MAX)
}

/// Like [`best_offset`], counting no further than `limit`: `limit` (and the centred alignment)
/// when every alignment differs in at least that many pixels.
pub(super) fn best_offset_within(
    target: &Bitmap,
    reference: &Bitmap,
    limit: u32,
) -> (u32, (i64, i64)) {
    let centre = (
        (i64::from(target.width()) - i64::from(reference.width())).div_euclid(2),
        (i64::from(target.height()) - i64::from(reference.height())).div_euclid(2),
    );
    let mut best = (limit, centre);
    let counts = mismatches(target, reference, centre, limit);
    for ((ox, oy), m) in NEIGHBOURHOOD.into_iter().zip(counts) {
        let offset = (centre.0 + ox, centre.1 + oy);
        if m < best.0 {
            best = (m, offset);
        }
    }
    best
}

/// Makes the cluster's dictionary symbol the member closest to the others (among the first 16,
/// against the first 32), rather than the first seen, which may be a noisy one; every member is
/// then an exact instance of it or a refinement of it. Measured on the corpus: 1.1% smaller in
/// total for 47% more symbol coding time (6 against 12: 0.65% for 17%).
pub(super) fn recentre(prototype: &mut Bitmap, cluster: &mut [Member]) {
    const CANDIDATES: usize = 16;
    const SAMPLE: usize = 32;
    if cluster.len() < 3 {
        return;
    }
    let bitmap_of = |m: &Member| -> Bitmap {
        m.own
            .as_ref()
            .map_or_else(|| prototype.clone(), |r| r.0.clone())
    };
    let bitmaps: Vec<Bitmap> = cluster
        .iter()
        .take(SAMPLE.max(CANDIDATES))
        .map(bitmap_of)
        .collect();
    let score = |c: &Bitmap| -> u64 {
        bitmaps
            .iter()
            .take(SAMPLE)
            .map(|b| u64::from(best_offset(b, c).0))
            .sum()
    };
    let (best, _) = bitmaps
        .iter()
        .take(CANDIDATES)
        .enumerate()
        .map(|(i, c)| (i, score(c)))
        .min_by_key(|&(i, s)| (s, i))
        .expect("a cluster has members");
    if best == 0 {
        return;
    }
    let centre = bitmaps[best].clone();
    let all: Vec<Bitmap> = cluster.iter().map(bitmap_of).collect();
    for (member, bitmap) in cluster.iter_mut().zip(all) {
        member.own = if bitmap == centre {
            None
        } else {
            let (_, offset) = best_offset(&bitmap, &centre);
            Some((bitmap, offset))
        };
    }
    *prototype = centre;
}
