//! Symbol coding of a group of pages, DjVu-style cross-coding in JBIG2 terms: the pages'
//! connected components are clustered by similarity (`classify`), in order of
//! appearance; the member closest to the others is the cluster's dictionary symbol, and every
//! other member is an instance of it, exact or coded as a refinement of it (T.88 6.4.11).
//! Dictionary symbols are generic regions, or, when close to an earlier one, refinements of it in
//! a second dictionary (SDREFAGG 1, 6.5.8.2.2). Derived symbols, refined once from a prototype in
//! a third dictionary, are members whose own pixels recur exactly (their members become exact
//! instances of them) and centres of large clusters (members are refined from the closest of
//! the prototype and its centres). Components too large to be glyphs (rules, boxes, pictures) are
//! a generic region.
//!
//! Symbols that later pages of the group use too (equal prototypes, or references to refine
//! from) are coded once, in global segments (page association 0: a PDF's /JBIG2Globals, or
//! ahead of the group's first page in a `.jb2` file, T.88 7.3.2 and Annex D); the rest in
//! dictionaries of their own page. A page's text region refers to the dictionaries that hold its
//! symbols.
//!
//! The text region and the generic region are both drawn with OR, so a page is exactly the union
//! of what they hold: no glyph is ever replaced by another; a refined instance codes its own
//! pixels.
//!
//! Measured on the corpus's 39 bilevel pages one at a time (the smaller of this and one generic
//! region, per page): 0.773 of the generic coding in total (0.785 with every speck a symbol,
//! 0.814 without centres either, 0.823 without
//! derived symbols either, 0.833 with the first member of each cluster as its symbol too, 0.846
//! without the refined dictionary either).

use std::collections::HashMap;

use rayon::prelude::*;

use super::classify::{
    MEMBER_SHARE, Member, PROTOTYPE_SHARE, Prototypes, best_offset, best_offset_within,
    best_reference, mismatch, recentre,
};
use super::components::{Component, components};
use super::generic::{self, GenericParams, Template};
use super::refine::{RefineParams, RefineTemplate};
use super::segments::{PageSegment, kind, stream_size, whole_page_region};
use super::symbols::{SymbolCoding, encode_dictionary};
use super::text::{Instance, TextLayout, encode_region};
use crate::bitmap::Bitmap;
use crate::error::Result;
use crate::options::Limits;

/// Components larger than this in either direction (about 0.85 inch at 300 dpi) are not symbols:
/// rules, boxes, logos, pictures stay in the generic region (at 128, 0.08% larger in total).
const MAX_SYMBOL_SIDE: u32 = 256;

/// Components with at most this many black pixels (dots, specks, the dots of a halftone) are
/// left in the generic region when they cost less there (`specks_pay_as_symbols`): in the
/// page's contexts their pixels take a few bits, as symbol instances each costs a position and
/// a symbol ID (about two bytes), unless they recur in a regular pattern (a form's leader dots).
/// Measured on the corpus (total bytes over the 39 pages): 1,551,503 with every speck a symbol;
/// every speck of at most 10 black pixels in the generic region 1,536,306, of 24 1,528,963, 32
/// 1,527,894, 36 1,528,202, 60 1,532,148 (halftones -9%, magazine pages -5%, text pages a few
/// tens of bytes either way); but the software-rendered tax form's leader dots then cost 19% more
/// (56,534 to 67,125 bytes over its 8 pages alone). Chosen per page as
/// `specks_pay_as_symbols` reckons: 1,527,942 on the corpus, the tax form as before (bound 24:
/// 1,529,188; 48: 1,529,348). Only specks in dense areas (32 in a 64-pixel square) to the generic
/// region: 1,535,250; specks whose pixels recur kept as symbols: 1,546,525.
pub const MAX_SPECK_INK: u64 = 32;

/// Bottom-left corners (a line's letters share a baseline) in strips of one row: measured on the
/// corpus against top-left corners (0.6% larger) and strips of 4 and 8 rows (0.04% and 0.2%).
/// Strips of 2 rows are 0.04% smaller on the corpus's scans but 3% larger on the
/// software-rendered tax form, whose baselines are exact (46,276 bytes against 44,896).
const LAYOUT: TextLayout = TextLayout {
    strips: 1,
    bottom_left: true,
};

/// Refinement of the text regions' instances: template 0 with its AT pixels
/// moved, A1 two rows up on the coded bitmap and A2 three rows up on the reference (vertical
/// strokes). Measured on the corpus against the nominal ones (-1, -1) and (-1, -1): A1 at (0,
/// -2) and A2 at (-1, 1), a pixel the template has already, 0.25% smaller in total (A2 at (1, -1)
/// the same, at (0, 2) or (2, 0) 0.06% and 0.04% larger; A1 at (-2, 0), (2, -1) or (-2, -1) 0.2%
/// larger than at (0, -2)); then, with the later changes, A2 at (0, -3) 1,520,697 bytes against
/// 1,521,665 at (-1, 1) ((0, -2) 1,521,146, (0, -4) 1,523,076, (-1, -2) 1,522,824, (1, -2)
/// 1,522,969, (-2, 0) 1,522,206; A1 at (1, -2) or (-1, -2) 0.1% larger).
const REFINE_PARAMS: RefineParams = RefineParams {
    template: RefineTemplate::T0,
    at: [(0, -2), (0, -3)],
    tpgron: false,
};

/// Refinement in the dictionaries (prototypes refined from an earlier prototype, derived symbols
/// from their prototype or an earlier derived symbol): template 1, whose ten pixels suit the few
/// pixels of each symbol better than template 0's thirteen. Measured on the corpus against
/// [`REFINE_PARAMS`]: 1,520,697 to 1,519,512 bytes in total for the derived symbols, then to
/// 1,518,744 for the refined prototypes too.
const DICTIONARY_REFINE_PARAMS: RefineParams = RefineParams {
    template: RefineTemplate::T1,
    at: [(-1, -1), (-1, -1)],
    tpgron: false,
};

/// Dictionary symbols are generic regions of template 1 (twelve context pixels and an AT pixel):
/// on the corpus 0.2% smaller in total than the page's template 0 with its moved AT pixels
/// (template 0 nominal: 0.17%, template 2: 0.12%); small bitmaps learn fewer contexts sooner.
/// The AT pixel three rows up and one to the right, where vertical strokes show, rather than
/// the nominal (3, -1): 1,522,864 to 1,521,665 bytes in total ((0, -3) 1,522,073, (-1, -3)
/// 1,521,816, (2, -3) 1,522,718, (0, -4) 1,522,508, (-2, -2) 1,522,130, (3, -2) 1,522,570).
/// TPGDON is off in dictionaries.
const DICTIONARY_PARAMS: GenericParams = GenericParams {
    template: Template::T1,
    at: [(1, -3), (0, 0), (0, 0), (0, 0)],
    tpgdon: false,
};

/// Bytes that sharing costs besides its segments, reckoned in deciding whether to share: in a
/// PDF, the /JBIG2Globals stream object and the pages' references to it (about 60 bytes, and 30 a
/// page).
pub const SHARING_COST: usize = 120;

/// The symbol coding of a group of pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSegments {
    /// The segments the group's pages share (page association 0), in order; their `refers_to`
    /// index this list.
    pub globals: Vec<PageSegment>,
    /// Each page's segments after its page information, or `None` for a page without a
    /// glyph-sized component. Their `refers_to` index the global segments, then the page's own
    /// earlier segments.
    pub pages: Vec<Option<Vec<PageSegment>>>,
}

/// The page's segments after its page information: a symbol dictionary, a text region and, if
/// anything is left, a generic region coded with `residue_params`; or `None` when the page has
/// no glyph-sized component.
pub fn encode_page(
    page: &Bitmap,
    residue_params: &GenericParams,
    limits: &Limits,
) -> Result<Option<Vec<PageSegment>>> {
    let group = encode_group(&[page], residue_params, limits)?;
    debug_assert!(group.globals.is_empty());
    Ok(group.pages.into_iter().next().flatten())
}

/// The three dictionaries a page's symbols can be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dictionary {
    /// Shared by the group, coded as generic regions.
    Shared = 0,
    /// The page's own, coded as generic regions.
    PageBase = 1,
    /// The page's own, refined from a shared symbol or one of the page's base.
    PageRefined = 2,
}

/// A page's components: clusters of similar glyphs, in order of first appearance, each with its
/// prototype, the member closest to the others; and the rest of the page, what is too large to
/// be a glyph, and the specks when they cost less there (residue coded with `residue_params`).
fn cluster_page(
    page: &Bitmap,
    residue_params: &GenericParams,
    limits: &Limits,
) -> Result<(Vec<Bitmap>, Vec<Vec<Member>>, Bitmap)> {
    let mut prototypes = Prototypes::default();
    let mut clusters: Vec<Vec<Member>> = Vec::new();
    let mut residue = Bitmap::new(page.width(), page.height(), limits)?;
    let found = components(page, limits)?;
    let is_speck = |c: &Component| c.bitmap.count_ink() <= MAX_SPECK_INK;
    let specks: Vec<&Component> = found.iter().filter(|c| is_speck(c)).collect();
    let specks_as_symbols = specks_pay_as_symbols(page, &specks, residue_params, limits)?;
    for component in found {
        let to_residue = component.bitmap.width() > MAX_SYMBOL_SIDE
            || component.bitmap.height() > MAX_SYMBOL_SIDE
            || (!specks_as_symbols && is_speck(&component));
        let Component { x, y, bitmap } = component;
        if to_residue {
            super::decode::compose(
                &mut residue,
                &bitmap,
                x.into(),
                y.into(),
                super::decode::Combination::Or,
            );
            continue;
        }
        match best_reference(&bitmap, &prototypes, MEMBER_SHARE) {
            Some((id, offset)) => {
                let exact = offset == (0, 0) && prototypes.bitmaps[id] == bitmap;
                let own = (!exact).then_some((bitmap, offset));
                clusters[id].push(Member { x, y, own });
            }
            None => {
                prototypes.push(bitmap);
                let own = None;
                clusters.push(vec![Member { x, y, own }]);
            }
        }
    }
    // Each cluster's own work: on as many threads as there are, the same result.
    let mut prototypes = prototypes.bitmaps;
    prototypes
        .par_iter_mut()
        .zip(clusters.par_iter_mut())
        .for_each(|(proto, cluster)| recentre(proto, cluster));
    Ok((prototypes, clusters, residue))
}

/// Whether the page's `specks` cost less as symbols than in the generic region, reckoned on
/// the specks alone: each distinct one a dictionary symbol and every speck an exact instance,
/// against the specks as a generic region coded with `residue_params`.
fn specks_pay_as_symbols(
    page: &Bitmap,
    specks: &[&Component],
    residue_params: &GenericParams,
    limits: &Limits,
) -> Result<bool> {
    if specks.is_empty() {
        return Ok(true);
    }
    let mut alone = Bitmap::new(page.width(), page.height(), limits)?;
    let mut distinct: HashMap<&Bitmap, usize> = HashMap::new();
    let mut instances = Vec::with_capacity(specks.len());
    for c in specks {
        super::decode::compose(
            &mut alone,
            &c.bitmap,
            c.x.into(),
            c.y.into(),
            super::decode::Combination::Or,
        );
        let next = distinct.len();
        let id = *distinct.entry(&c.bitmap).or_insert(next);
        instances.push(Instance {
            id,
            x: c.x.into(),
            y: c.y.into(),
            refined: None,
            reference_offset: (0, 0),
        });
    }
    let generic = generic::encode(&alone, residue_params).len();
    let mut order: Vec<(&Bitmap, usize)> = distinct.into_iter().collect();
    order.sort_by_key(|&(b, id)| (b.height(), b.width(), id));
    let mut position = vec![0; order.len()];
    for (i, &(_, id)) in order.iter().enumerate() {
        position[id] = i;
    }
    for instance in &mut instances {
        instance.id = position[instance.id];
    }
    let symbols: Vec<&Bitmap> = order.iter().map(|&(b, _)| b).collect();
    let dictionary = generic_dictionary(&symbols)?.data.len();
    let text = encode_region(&instances, &symbols, None, LAYOUT)?.len();
    Ok(dictionary + text < generic)
}

/// A page clustered on its own: its size, its prototypes and their clusters.
struct ClusteredPage {
    size: (u32, u32),
    prototypes: Vec<Bitmap>,
    clusters: Vec<Vec<Member>>,
}

/// What a page's prototypes may take from the earlier pages of its group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sharing {
    /// Nothing: each page is coded as it would be alone.
    None,
    /// A prototype equal to an earlier page's unrefined one is that one, shared.
    Equal,
    /// As `Equal`, and one with no close prototype on its own page is refined from the closest
    /// of the earlier pages' unrefined prototypes, shared.
    Refined,
}

/// How a group's prototypes are coded: each a page's prototype, by page and index, with the
/// clusters coded as instances of it, the earlier prototype it is refined from, and whether it
/// is shared.
#[derive(Default)]
struct Plan {
    /// (page, index in the page's prototypes).
    prototype: Vec<(usize, usize)>,
    /// The page clusters, by (page, index), whose members are instances of it.
    clusters: Vec<Vec<(usize, usize)>>,
    /// The unrefined prototype of the plan it is refined from, and its offset.
    refined_from: Vec<Option<(usize, (i64, i64))>>,
    shared: Vec<bool>,
}

impl Plan {
    /// Plans the group's coding. Each page's prototypes are refined from the page's earlier
    /// unrefined ones where close enough, as for a page alone, and take from the earlier pages
    /// what `sharing` allows; a prototype taken over or refined from is shared.
    fn new(pages: &[ClusteredPage], sharing: Sharing) -> Plan {
        let mut plan = Plan::default();
        // The earlier pages' unrefined prototypes, and which of the plan's each is; and the
        // same by bitmap.
        let mut earlier = Prototypes::default();
        let mut earlier_of: Vec<usize> = Vec::new();
        let mut equal: HashMap<&Bitmap, usize> = HashMap::new();
        for (q, page) in pages.iter().enumerate() {
            // The page's unrefined prototypes so far, and which of the plan's each is.
            let mut base = Prototypes::default();
            let mut base_of: Vec<usize> = Vec::new();
            for (i, prototype) in page.prototypes.iter().enumerate() {
                if sharing != Sharing::None
                    && let Some(&r) = equal.get(prototype)
                {
                    plan.shared[r] = true;
                    plan.clusters[r].push((q, i));
                    continue;
                }
                let id = plan.prototype.len();
                let mut reference = best_reference(prototype, &base, PROTOTYPE_SHARE)
                    .map(|(b, offset)| (base_of[b], offset));
                if reference.is_none() && sharing == Sharing::Refined {
                    reference = best_reference(prototype, &earlier, PROTOTYPE_SHARE)
                        .map(|(b, offset)| (earlier_of[b], offset));
                    if let Some((r, _)) = reference {
                        plan.shared[r] = true;
                    }
                }
                if reference.is_none() {
                    base.push(prototype.clone());
                    base_of.push(id);
                }
                plan.prototype.push((q, i));
                plan.clusters.push(vec![(q, i)]);
                plan.refined_from.push(reference);
                plan.shared.push(false);
            }
            for (bitmap, p) in base.bitmaps.into_iter().zip(base_of) {
                equal
                    .entry(&page.prototypes[plan.prototype[p].1])
                    .or_insert(p);
                earlier.push(bitmap);
                earlier_of.push(p);
            }
        }
        plan
    }
}

impl GroupSegments {
    /// What the shared segments cost: their bytes and [`SHARING_COST`], or nothing when there
    /// are none.
    pub fn shared_cost(&self) -> usize {
        if self.globals.is_empty() {
            0
        } else {
            SHARING_COST + stream_size(&self.globals)
        }
    }
}

/// Codes the group's pages: a shared dictionary, a page's own dictionaries and text region, and
/// generic residue regions coded with `residue_params`.
///
/// Each page is clustered on its own, exactly as a page alone would be, so that glyphs of one
/// page are never coded against a cluster formed on another and a page's exact instances stay
/// exact. The group is then coded each way `Sharing` allows, and the smallest kept: never
/// larger than its pages alone.
///
/// Measured on the corpus's four multi-page documents and on seven 300 dpi pages cut in halves
/// (two pages of one scan, one font): equal prototypes shared save 24% on a software-rendered
/// form, 12% on a document of rotated copies of one page, nothing on the halves; refining from
/// the earlier pages saves 0.4% more on the halves. Merging a page's clusters into an earlier
/// page's close ones (its instances refined against that prototype) never paid: it turns exact
/// instances into refined ones. Clustering the group's components together, as one page,
/// coded the 8-page CCITT fax 0.7% larger than its pages alone.
pub fn encode_group(
    pages: &[&Bitmap],
    residue_params: &GenericParams,
    limits: &Limits,
) -> Result<GroupSegments> {
    // Pages are clustered each on its own, so on as many threads as there are (and the first
    // failure, by page, named).
    let (clustered, residues): (Vec<ClusteredPage>, Vec<Option<PageSegment>>) = pages
        .par_iter()
        .map(|page| {
            let (prototypes, clusters, residue) = cluster_page(page, residue_params, limits)?;
            let residue = (residue.count_ink() > 0).then(|| {
                let (w, h) = (residue.width(), residue.height());
                let coded = generic::encode(&residue, residue_params);
                PageSegment::generic_region(w, h, residue_params, &coded)
            });
            let size = (page.width(), page.height());
            let page = ClusteredPage {
                size,
                prototypes,
                clusters,
            };
            Ok((page, residue))
        })
        .collect::<Vec<Result<_>>>()
        .into_iter()
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .unzip();
    let size = |g: &GroupSegments| {
        g.shared_cost()
            + g.pages
                .iter()
                .flatten()
                .map(|p| stream_size(p))
                .sum::<usize>()
    };
    // Every way at once; the first of the smallest kept.
    let codings = [Sharing::None, Sharing::Equal, Sharing::Refined]
        .into_par_iter()
        .map(|sharing| {
            let plan = Plan::new(&clustered, sharing);
            (sharing == Sharing::None || plan.shared.contains(&true))
                .then(|| code(&clustered, &plan, &residues))
                .transpose()
        })
        .collect::<Vec<Result<_>>>()
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let best = codings
        .into_iter()
        .flatten()
        .min_by_key(size)
        .expect("the group is coded without sharing");
    Ok(best)
}

/// Codes the group's `pages` as `plan` says, with their `residues`.
fn code(
    pages: &[ClusteredPage],
    plan: &Plan,
    residues: &[Option<PageSegment>],
) -> Result<GroupSegments> {
    let count = plan.prototype.len();
    let bitmap_of = |p: usize| {
        let (page, i) = plan.prototype[p];
        &pages[page].prototypes[i]
    };
    let page_of = |p: usize| plan.prototype[p].0;
    let dictionary_of = |p: usize| match (plan.shared[p], plan.refined_from[p]) {
        (true, _) => Dictionary::Shared,
        (false, None) => Dictionary::PageBase,
        (false, Some(_)) => Dictionary::PageRefined,
    };
    // Each dictionary's symbols in height classes (7.4.2.1.6 wants them by height).
    let in_dictionary = |d: Dictionary, page: Option<usize>| -> Vec<usize> {
        let mut list: Vec<usize> = (0..count)
            .filter(|&p| dictionary_of(p) == d && page.is_none_or(|q| page_of(p) == q))
            .collect();
        list.sort_by_key(|&p| (bitmap_of(p).height(), bitmap_of(p).width()));
        list
    };
    // A prototype's place among its dictionary's new symbols.
    let mut position = vec![0; count];
    let mut contents: [Vec<usize>; 3] = Default::default();
    contents[0] = placed(in_dictionary(Dictionary::Shared, None), &mut position);
    let bitmaps = |list: &[usize]| -> Vec<&Bitmap> { list.iter().map(|&p| bitmap_of(p)).collect() };

    let mut globals = Vec::new();
    // Where each dictionary's segment is, in the list of globals then page segments.
    let mut segment_of: [Option<usize>; 3] = [None; 3];
    if !contents[0].is_empty() {
        segment_of[0] = Some(globals.len());
        globals.push(generic_dictionary(&bitmaps(&contents[0]))?);
    }
    // The prototypes with instances on each page.
    let mut on_page = vec![Vec::new(); pages.len()];
    for (p, clusters) in plan.clusters.iter().enumerate() {
        for &(q, _) in clusters {
            on_page[q].push(p);
        }
    }

    let mut coded_pages = Vec::with_capacity(pages.len());
    for (page_index, (on_page, residue)) in on_page.iter().zip(residues).enumerate() {
        if on_page.is_empty() {
            coded_pages.push(None);
            continue;
        }
        let page = Some(page_index);
        for d in [Dictionary::PageBase, Dictionary::PageRefined] {
            contents[d as usize] = placed(in_dictionary(d, page), &mut position);
        }
        let mut segments = Vec::new();
        segment_of[1] = None;
        segment_of[2] = None;
        if !contents[1].is_empty() {
            segment_of[1] = Some(globals.len() + segments.len());
            segments.push(generic_dictionary(&bitmaps(&contents[1]))?);
        }
        if !contents[2].is_empty() {
            // The input symbols: the dictionaries it refines from, shared then the page's.
            let mut used = [false; 3];
            for &p in &contents[2] {
                let (b, _) = plan.refined_from[p].expect("refined prototypes have a base");
                used[dictionary_of(b) as usize] = true;
            }
            let (input, start, refers_to) = referred(&used, &contents, &segment_of, bitmaps);
            let refs: Vec<(usize, (i64, i64))> = contents[2]
                .iter()
                .map(|&p| {
                    let (b, offset) = plan.refined_from[p].expect("refined prototypes have a base");
                    (start[dictionary_of(b) as usize] + position[b], offset)
                })
                .collect();
            segment_of[2] = Some(globals.len() + segments.len());
            segments.push(refined_dictionary(
                &input,
                &bitmaps(&contents[2]),
                &refs,
                &DICTIONARY_REFINE_PARAMS,
                refers_to,
            )?);
        }

        // The page clusters coded as instances of prototype `p`, which equals each one's own
        // prototype.
        let members = |p: usize| {
            plan.clusters[p]
                .iter()
                .filter(|c| c.0 == page_index)
                .flat_map(|&(q, i)| &pages[q].clusters[i])
        };
        // The page's text region, and before it the dictionary of `derived` symbols if any;
        // segment numbers from `first`.
        let text_segments = |derived: &Derived<'_>, first: usize| -> Result<Vec<PageSegment>> {
            let mut text = Vec::new();
            // The dictionary of derived symbols, refined from the prototypes in the others.
            let mut derived_segment = None;
            if !derived.symbols.is_empty() {
                let mut used = [false; 3];
                for &(p, _, _) in &derived.symbols {
                    used[dictionary_of(p) as usize] = true;
                }
                let (input, start, refers_to) = referred(&used, &contents, &segment_of, bitmaps);
                let refs: Vec<(usize, (i64, i64))> = derived
                    .references(bitmap_of)
                    .into_iter()
                    .zip(&derived.order)
                    .map(|(reference, &d)| match reference {
                        Some((earlier, offset)) => (input.len() + earlier, offset),
                        None => {
                            let (p, _, offset) = derived.symbols[d];
                            (start[dictionary_of(p) as usize] + position[p], offset)
                        }
                    })
                    .collect();
                let new: Vec<&Bitmap> = derived.bitmaps().collect();
                derived_segment = Some(first + text.len());
                text.push(refined_dictionary(
                    &input,
                    &new,
                    &refs,
                    &DICTIONARY_REFINE_PARAMS,
                    refers_to,
                )?);
            }

            // The text region's symbols: the dictionaries holding the page's instances, in order,
            // then the derived symbols.
            let mut used = [false; 3];
            for &p in on_page {
                used[dictionary_of(p) as usize] = true;
            }
            let (mut symbols, start, mut refers_to) =
                referred(&used, &contents, &segment_of, bitmaps);
            let derived_start = symbols.len();
            if let Some(segment) = derived_segment {
                symbols.extend(derived.bitmaps());
                refers_to.push(segment);
            }
            // Each member's reference looked for on as many threads as there are, in order.
            let on_page_members: Vec<(usize, &Member)> = on_page
                .iter()
                .flat_map(|&p| members(p).map(move |m| (p, m)))
                .collect();
            let instances: Vec<Instance> = on_page_members
                .par_iter()
                .map(|&(p, m)| {
                    let own = m.own.as_ref();
                    let (id, refined, reference_offset) =
                        match derived.reference_of(p, m, bitmap_of(p)) {
                            Reference::Exact(d) => {
                                (derived_start + derived.position[d], None, (0, 0))
                            }
                            Reference::Refined(d, offset) => (
                                derived_start + derived.position[d],
                                own.map(|r| &r.0),
                                offset,
                            ),
                            Reference::Prototype => (
                                start[dictionary_of(p) as usize] + position[p],
                                own.map(|r| &r.0),
                                own.map_or((0, 0), |r| r.1),
                            ),
                        };
                    Instance {
                        id,
                        x: m.x.into(),
                        y: m.y.into(),
                        refined,
                        reference_offset,
                    }
                })
                .collect();
            let refine = instances
                .iter()
                .any(|i| i.refined.is_some())
                .then_some(&REFINE_PARAMS);
            let (w, h) = pages[page_index].size;
            let mut region = whole_page_region(w, h);
            region.extend(encode_region(&instances, &symbols, refine, LAYOUT)?);
            text.push(PageSegment {
                kind: kind::IMMEDIATE_LOSSLESS_TEXT_REGION,
                refers_to,
                data: region,
            });
            Ok(text)
        };
        // With derived symbols, or without where they do not pay: coded both ways when there
        // are few of them for the instances (DERIVED_SHARE).
        let derived = Derived::of_page(on_page, members, bitmap_of);
        let first = globals.len() + segments.len();
        let instances: usize = on_page.iter().map(|&p| members(p).count()).sum();
        let text =
            if !derived.symbols.is_empty() && derived.symbols.len() * DERIVED_SHARE < instances {
                let (text, plain) = rayon::join(
                    || text_segments(&derived, first),
                    || text_segments(&Derived::default(), first),
                );
                let (text, plain) = (text?, plain?);
                if stream_size(&plain) <= stream_size(&text) {
                    plain
                } else {
                    text
                }
            } else {
                text_segments(&derived, first)?
            };
        segments.extend(text);
        segments.extend(residue.iter().cloned());
        coded_pages.push(Some(segments));
    }
    Ok(GroupSegments {
        globals,
        pages: coded_pages,
    })
}

/// The symbols of the dictionaries marked `used`, in order, where each dictionary's start among
/// them, and their segments.
fn referred<'a>(
    used: &[bool; 3],
    contents: &[Vec<usize>; 3],
    segment_of: &[Option<usize>; 3],
    bitmaps: impl Fn(&[usize]) -> Vec<&'a Bitmap>,
) -> (Vec<&'a Bitmap>, [usize; 3], Vec<usize>) {
    let mut symbols = Vec::new();
    let mut start = [0; 3];
    let mut refers_to = Vec::new();
    for d in (0..3).filter(|&d| used[d]) {
        start[d] = symbols.len();
        symbols.extend(bitmaps(&contents[d]));
        refers_to.push(segment_of[d].expect("a used dictionary is coded"));
    }
    (symbols, start, refers_to)
}

/// A page's derived symbols, each refined once from a prototype in a dictionary of its own:
/// members' pixels that differ from their prototype's but recur, the same at the same offset, in
/// other members of the cluster (those members are then exact instances of it; on the corpus's
/// scans a tenth of the refined members repeat another's pixels exactly); and, in large
/// clusters, centres: members that many others are closer to than to the prototype, which those
/// others are then refined from (the cross-coding of DjVu's JB2, against the nearest of a few
/// glyphs rather than every earlier one).
#[derive(Default)]
struct Derived<'a> {
    /// (prototype, pixels, the prototype's offset in them), in the order found.
    symbols: Vec<(usize, &'a Bitmap, (i64, i64))>,
    index: HashMap<(usize, &'a Bitmap, (i64, i64)), usize>,
    /// The symbols in the dictionary's order (by height and width, for its height classes),
    /// and each one's place in it.
    order: Vec<usize>,
    position: Vec<usize>,
    /// Each prototype's derived symbols.
    by_prototype: HashMap<usize, Vec<usize>>,
}

/// A page's text region is coded without its derived symbols too, the smaller kept, only when
/// they number less than a this-th of its instances: with more they have always paid on the
/// corpus (by 0.1 to 40% of the text region), with fewer they may not (up to 2.5% larger on the
/// CCITT fax pages, 166 bytes on the harmoniam title page), and coding the region once saves a
/// sixth of the time. (Corpus: 1,527,942 bytes coding both always, 1,528,001 with this.)
const DERIVED_SHARE: usize = 8;

/// What a member of a cluster is coded against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reference {
    /// Its prototype: itself when it has no pixels of its own, else refined from it.
    Prototype,
    /// A derived symbol it equals.
    Exact(usize),
    /// A derived symbol it is refined from, at that offset.
    Refined(usize, (i64, i64)),
}

/// Centres are looked for in clusters with at least [`MIN_REFINED`] refined members, among the
/// first [`CANDIDATES`] distinct ones, their worth measured on the first [`SAMPLE`] members as
/// the differing pixels they save; at most [`MAX_CENTRES`] a cluster, each reckoned to cost its
/// own difference from the closest symbol so far (prototype, derived symbol or centre: derived
/// symbols are refined from an earlier one of their prototype where that is closer, see
/// `Derived::references`) and [`PENALTY`] pixels. A member and a candidate are
/// compared aligned as both are on the prototype, not at the best of nine alignments. Measured
/// on the corpus (total bytes; feyn's symbol coding time): nine alignments, 32 candidates on 96
/// members, 16 centres, 1,559,261 (80 ms); 128 on 384, 1,550,164 (137 ms); one alignment, 32 on
/// 96, 1,562,083 (63 ms); 128 on 384, 1,552,726 (74 ms); 256 on 768 and 32 centres, 1,551,503
/// (81 ms). Before the looser clusters, a penalty of 8 rather than 16 and 8 centres rather than
/// 4 were each 0.5% smaller, 16 centres at 4 then 0.03%. After the specks left for the generic
/// region (1,528,001): derived symbols refined from an earlier derived one where closer,
/// 1,525,384; centres' cost reckoned from the closest symbol rather than the prototype,
/// 1,525,225; and then a penalty of 8 pixels, 1,522,864 (4: 1,525,225; 6: 1,523,706; 10:
/// 1,523,163; 12: 1,523,384; 16: 1,524,845), at the same speed.
const MIN_REFINED: usize = 4;
const CANDIDATES: usize = 256;
const SAMPLE: usize = 768;
const MAX_CENTRES: usize = 32;
const PENALTY: u32 = 8;

impl<'a> Derived<'a> {
    /// The derived symbols of the prototypes `on_page`, whose members `members` gives.
    fn of_page<I>(
        on_page: &[usize],
        members: impl Fn(usize) -> I + Sync,
        prototype_of: impl Fn(usize) -> &'a Bitmap + Sync,
    ) -> Self
    where
        I: Iterator<Item = &'a Member>,
    {
        let mut derived = Derived::default();
        let own = |p: usize| members(p).filter_map(|m| m.own.as_ref());
        // Recurring pixels.
        let mut count: HashMap<(usize, &Bitmap, (i64, i64)), usize> = HashMap::new();
        for &p in on_page {
            for (bitmap, offset) in own(p) {
                *count.entry((p, bitmap, *offset)).or_default() += 1;
            }
        }
        for &p in on_page {
            for (bitmap, offset) in own(p) {
                let key = (p, bitmap, *offset);
                if count[&key] >= 2 {
                    derived.add(key);
                }
            }
        }
        // Each cluster's centres are chosen against its own symbols only: on as many threads as
        // there are, added in order.
        let centres: Vec<Vec<(&Bitmap, (i64, i64))>> = on_page
            .par_iter()
            .map(|&p| {
                let refined: Vec<(&Bitmap, (i64, i64))> = own(p)
                    .filter(|(b, o)| !derived.index.contains_key(&(p, b, *o)))
                    .map(|(b, o)| (b, *o))
                    .take(SAMPLE)
                    .collect();
                if refined.len() >= MIN_REFINED {
                    derived.centres(p, prototype_of(p), &refined)
                } else {
                    Vec::new()
                }
            })
            .collect();
        for (&p, chosen) in on_page.iter().zip(centres) {
            for (bitmap, offset) in chosen {
                derived.add((p, bitmap, offset));
            }
        }
        for (d, &(p, _, _)) in derived.symbols.iter().enumerate() {
            derived.by_prototype.entry(p).or_default().push(d);
        }
        let symbols = &derived.symbols;
        derived.order = (0..symbols.len()).collect();
        derived
            .order
            .sort_by_key(|&d| (symbols[d].1.height(), symbols[d].1.width()));
        derived.position = vec![0; symbols.len()];
        for (i, &d) in derived.order.iter().enumerate() {
            derived.position[d] = i;
        }
        derived
    }

    /// What each symbol, in the dictionary's order, is refined from: `None` for its prototype,
    /// or an earlier derived symbol of the same prototype closer to it (its place in the
    /// dictionary, and its offset in the symbol).
    fn references<'b>(
        &self,
        prototype_of: impl Fn(usize) -> &'b Bitmap,
    ) -> Vec<Option<(usize, (i64, i64))>> {
        let mut references = Vec::with_capacity(self.order.len());
        for (i, &d) in self.order.iter().enumerate() {
            let (p, bitmap, offset) = self.symbols[d];
            let mut best = (mismatch(bitmap, prototype_of(p), offset, u32::MAX), None);
            for (j, &e) in self.order[..i].iter().enumerate() {
                let (q, earlier, _) = self.symbols[e];
                if q == p {
                    let (m, at) = best_offset_within(bitmap, earlier, best.0);
                    if m < best.0 {
                        best = (m, Some((j, at)));
                    }
                }
            }
            references.push(best.1);
        }
        references
    }

    /// The symbols' pixels in the dictionary's order.
    fn bitmaps(&self) -> impl Iterator<Item = &'a Bitmap> + '_ {
        self.order.iter().map(|&d| self.symbols[d].1)
    }

    /// Adds a derived symbol, unless it is one already.
    fn add(&mut self, key: (usize, &'a Bitmap, (i64, i64))) {
        if !self.index.contains_key(&key) {
            self.index.insert(key, self.symbols.len());
            self.symbols.push(key);
        }
    }

    /// Chooses centres for the cluster of `prototype` (`p`) among its `refined` members,
    /// greedily: each time the candidate that saves the most differing pixels over its cost,
    /// while one saves anything. The centres, in the order chosen, with their offsets.
    fn centres(
        &self,
        p: usize,
        prototype: &Bitmap,
        refined: &[(&'a Bitmap, (i64, i64))],
    ) -> Vec<(&'a Bitmap, (i64, i64))> {
        let mut candidates: Vec<(&'a Bitmap, (i64, i64))> = Vec::new();
        let mut candidate_member: Vec<usize> = Vec::new();
        for (k, &(b, o)) in refined.iter().enumerate() {
            if candidates.len() < CANDIDATES && !candidates.iter().any(|c| c.0 == b) {
                candidates.push((b, o));
                candidate_member.push(k);
            }
        }
        // Each member's differing pixels from the closest symbol so far.
        let mut current: Vec<u32> = refined
            .iter()
            .map(|(b, o)| mismatch(b, prototype, *o, u32::MAX))
            .collect();
        for &(q, symbol, _) in &self.symbols {
            if q == p {
                for (now, (b, _)) in current.iter_mut().zip(refined) {
                    *now = best_offset_within(b, symbol, *now).0;
                }
            }
        }
        // A member against a candidate aligned as both are on the prototype (one alignment, not
        // the nine the chosen ones are tried at); distances past a member's present one save
        // nothing, and are not counted out.
        let distance: Vec<Vec<u32>> = candidates
            .par_iter()
            .map(|&(c, oc)| {
                refined
                    .iter()
                    .zip(&current)
                    .map(|(&(b, ob), &now)| {
                        let offset = (ob.0 - oc.0, ob.1 - oc.1);
                        mismatch(b, c, offset, now).min(now)
                    })
                    .collect()
            })
            .collect();
        let mut chosen = vec![false; candidates.len()];
        let mut centres = Vec::new();
        for _ in 0..MAX_CENTRES {
            let gain = |c: usize| -> i64 {
                let saved: u32 = current
                    .iter()
                    .zip(&distance[c])
                    .map(|(&now, &d)| now.saturating_sub(d))
                    .sum();
                // Its own refinement, from the closest symbol so far (as dictionary symbols
                // are refined from an earlier one of theirs where closer: `references`).
                i64::from(saved) - i64::from(current[candidate_member[c]] + PENALTY)
            };
            let best = (0..candidates.len())
                .filter(|&c| !chosen[c])
                .max_by_key(|&c| (gain(c), std::cmp::Reverse(c)));
            let Some(best) = best.filter(|&c| gain(c) > 0) else {
                break;
            };
            chosen[best] = true;
            for (now, &d) in current.iter_mut().zip(&distance[best]) {
                *now = (*now).min(d);
            }
            centres.push(candidates[best]);
        }
        centres
    }

    /// How member `m` of prototype `p` is coded: an exact instance of a derived symbol, or
    /// refined from the closest of the prototype and its derived symbols.
    fn reference_of(&self, p: usize, m: &'a Member, prototype: &Bitmap) -> Reference {
        let Some((bitmap, offset)) = m.own.as_ref() else {
            return Reference::Prototype;
        };
        if let Some(&d) = self.index.get(&(p, bitmap, *offset)) {
            return Reference::Exact(d);
        }
        let Some(derived) = self.by_prototype.get(&p) else {
            return Reference::Prototype;
        };
        let mut best = (best_offset(bitmap, prototype).0, Reference::Prototype);
        for &d in derived {
            let (m, at) = best_offset_within(bitmap, self.symbols[d].1, best.0);
            if m < best.0 {
                best = (m, Reference::Refined(d, at));
            }
        }
        best.1
    }
}

/// Notes each prototype's place in `list`, a dictionary's new symbols, and gives the list back.
fn placed(list: Vec<usize>, position: &mut [usize]) -> Vec<usize> {
    for (i, &p) in list.iter().enumerate() {
        position[p] = i;
    }
    list
}

/// A symbol dictionary segment of `symbols` coded as generic regions, all exported.
fn generic_dictionary(symbols: &[&Bitmap]) -> Result<PageSegment> {
    let coding = SymbolCoding::Generic(DICTIONARY_PARAMS);
    Ok(PageSegment {
        kind: kind::SYMBOL_DICTIONARY,
        refers_to: Vec::new(),
        data: encode_dictionary(&[], symbols, &coding, &vec![true; symbols.len()])?,
    })
}

/// A symbol dictionary segment of `new` symbols, each refined from one of `input` (the symbols
/// of the dictionaries at `refers_to`) as `refs` says; only the new symbols are exported.
fn refined_dictionary(
    input: &[&Bitmap],
    new: &[&Bitmap],
    refs: &[(usize, (i64, i64))],
    params: &RefineParams,
    refers_to: Vec<usize>,
) -> Result<PageSegment> {
    let coding = SymbolCoding::Refined(*params, refs);
    let mut export = vec![false; input.len()];
    export.resize(input.len() + new.len(), true);
    Ok(PageSegment {
        kind: kind::SYMBOL_DICTIONARY,
        refers_to,
        data: encode_dictionary(input, new, &coding, &export)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_symbols_are_refined_from_a_closer_earlier_one() {
        let limits = Limits::default();
        // A box outline; a variant with two pixels more inside; a variant of that with a third.
        let mut prototype = Bitmap::new(10, 12, &limits).unwrap();
        for i in 0..10 {
            prototype.set(i, 0, true);
            prototype.set(i, 11, true);
        }
        for j in 0..12 {
            prototype.set(0, j, true);
            prototype.set(9, j, true);
        }
        let mut first = prototype.clone();
        first.set(3, 3, true);
        first.set(4, 3, true);
        let mut second = first.clone();
        second.set(5, 3, true);
        let mut derived = Derived::default();
        derived.add((0, &first, (0, 0)));
        derived.add((0, &second, (0, 0)));
        derived.order = vec![0, 1];
        // The first from the prototype (2 pixels differ), the second from the first (1, against
        // 3 from the prototype).
        assert_eq!(
            derived.references(|_| &prototype),
            vec![None, Some((0, (0, 0)))]
        );
        // In the other order, each can only refer to what is before it.
        derived.order = vec![1, 0];
        assert_eq!(
            derived.references(|_| &prototype),
            vec![None, Some((0, (0, 0)))]
        );
    }
}
