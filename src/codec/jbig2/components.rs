//! Connected components of a page: 8-connected sets of black pixels, found from each row's runs
//! (taken a word at a time as changing elements) joined with a union-find.

use crate::bitmap::Bitmap;
use crate::codec::ccitt::changes::find_changes;
use crate::error::Result;
use crate::options::Limits;

/// A run of black pixels `x0 .. x1` on row `y`.
#[derive(Clone, Copy, Debug)]
struct Run {
    y: u32,
    x0: u32,
    x1: u32,
}

/// One connected component: its bounding box on the page and its own pixels (those of other
/// components inside the box are not set).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    /// Left edge on the page.
    pub x: u32,
    /// Top edge on the page.
    pub y: u32,
    /// The component's pixels, its bounding box in size.
    pub bitmap: Bitmap,
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The 8-connected components of `page`, in the order of their first pixel (top to bottom, then
/// left to right). Their pixels together are exactly the page's black pixels.
pub fn components(page: &Bitmap, limits: &Limits) -> Result<Vec<Component>> {
    let mut runs: Vec<Run> = Vec::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut changes = Vec::new();
    let mut previous = 0..0;
    for y in 0..page.height() {
        changes.clear();
        find_changes(page.row(y), page.width(), &mut changes);
        if changes.len() % 2 == 1 {
            changes.push(page.width());
        }
        let start = runs.len();
        let mut above = previous.start;
        for pair in changes.chunks_exact(2) {
            let (x0, x1) = (pair[0], pair[1]);
            let me = runs.len();
            runs.push(Run { y, x0, x1 });
            parent.push(me);
            // Runs above that touch this one, diagonals included: they end after x0 - 1 and
            // start before x1 + 1.
            while above < previous.end && runs[above].x1 < x0 {
                above += 1;
            }
            let mut k = above;
            while k < previous.end && runs[k].x0 <= x1 {
                let (a, b) = (find(&mut parent, k), find(&mut parent, me));
                if a != b {
                    // The older root stays the root, so labels follow first pixels.
                    parent[a.max(b)] = a.min(b);
                }
                k += 1;
            }
            // The last run above may touch the next run here too.
            above = k.saturating_sub(1).max(previous.start);
        }
        previous = start..runs.len();
    }
    // Bounding boxes by root, in order of the roots (the first run of each component).
    let mut index_of_root = vec![usize::MAX; runs.len()];
    let mut boxes: Vec<(u32, u32, u32, u32)> = Vec::new();
    let mut root_of = Vec::with_capacity(runs.len());
    for (i, &run) in runs.iter().enumerate() {
        let r = find(&mut parent, i);
        if index_of_root[r] == usize::MAX {
            index_of_root[r] = boxes.len();
            boxes.push((u32::MAX, u32::MAX, 0, 0));
        }
        let c = index_of_root[r];
        root_of.push(c);
        let b = &mut boxes[c];
        *b = (
            b.0.min(run.x0),
            b.1.min(run.y),
            b.2.max(run.x1),
            b.3.max(run.y + 1),
        );
    }
    let mut out: Vec<Component> = boxes
        .iter()
        .map(|&(x0, y0, x1, y1)| {
            Ok(Component {
                x: x0,
                y: y0,
                bitmap: Bitmap::new(x1 - x0, y1 - y0, limits)?,
            })
        })
        .collect::<Result<_>>()?;
    for (run, &c) in runs.iter().zip(&root_of) {
        let comp = &mut out[c];
        let row = comp.bitmap.row_mut(run.y - comp.y);
        crate::codec::ccitt::changes::fill_span(row, run.x0 - comp.x, run.x1 - comp.x);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_cover_the_page_exactly_and_join_diagonals() {
        let limits = Limits::default();
        let mut page = Bitmap::new(140, 40, &limits).unwrap();
        // A diagonal line (one component), a ring around a dot (two), a long bar across words.
        for i in 0..20 {
            page.set(5 + i, 5 + i, true);
        }
        for x in 40..50 {
            page.set(x, 10, true);
            page.set(x, 19, true);
        }
        for y in 10..20 {
            page.set(40, y, true);
            page.set(49, y, true);
        }
        page.set(45, 15, true);
        for x in 60..135 {
            page.set(x, 30, true);
        }
        let comps = components(&page, &limits).unwrap();
        assert_eq!(comps.len(), 4);
        let mut back = Bitmap::new(140, 40, &limits).unwrap();
        for c in &comps {
            for y in 0..c.bitmap.height() {
                for x in 0..c.bitmap.width() {
                    if c.bitmap.get(x, y) {
                        assert!(!back.get(c.x + x, c.y + y), "pixel in two components");
                        back.set(c.x + x, c.y + y, true);
                    }
                }
            }
        }
        assert_eq!(back, page);
        assert_eq!(
            (comps[0].x, comps[0].y, comps[0].bitmap.width()),
            (5, 5, 20)
        );
    }
}
