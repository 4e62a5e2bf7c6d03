//! The relaxation that bounds a branch-and-bound node: dynamic programming over the formula tree
//! with Pareto frontiers of (price, accuracy).
//!
//! Each predicate chooses a model on its own and pays a *price* for it; a sub-formula's frontier
//! lists the best accuracy it reaches for each total price, and AND / OR nodes combine their
//! children's frontiers (accuracy is monotone in every child, so only Pareto points matter).
//! When no model answers two open predicates and every price is the model's cost, this is the
//! exact optimum; when models are shared, prices are cost shares whose sum never exceeds the
//! cost, so the frontier is optimistic and bounds the true optimum from the right side. Either
//! way, the plan behind a frontier point is a real plan, worth evaluating as an incumbent.

use crate::expr::Expr;

/// Frontiers longer than this are thinned to optimistic buckets: still a valid bound, no longer
/// exact.
const MAX_POINTS: usize = 1000;

/// One way to answer a predicate in the relaxation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Choice {
    pub price: f64,
    pub accuracy: f64,
    pub model: usize,
}

#[derive(Debug, Clone, Copy)]
struct Point {
    price: f64,
    accuracy: f64,
    /// Leaf: the option index; join: the left point.
    left: u32,
    /// Join: the right point.
    right: u32,
}

enum Node {
    Leaf {
        predicate: usize,
        options: Vec<Choice>,
        points: Vec<Point>,
    },
    Join {
        left: Box<Node>,
        right: Box<Node>,
        points: Vec<Point>,
    },
}

impl Node {
    fn points(&self) -> &[Point] {
        match self {
            Node::Leaf { points, .. } | Node::Join { points, .. } => points,
        }
    }
}

/// The solved relaxation of one node.
pub(crate) struct Relaxed {
    root: Node,
}

/// Solves the relaxation of `expr`; `options(p)` gives predicate p's choices. Points pricier
/// than `cap` are dropped (nothing dearer is of interest).
pub(crate) fn solve(expr: &Expr, options: &mut dyn FnMut(usize) -> Vec<Choice>, cap: f64) -> Relaxed {
    Relaxed {
        root: build(expr, options, cap),
    }
}

fn build(expr: &Expr, options: &mut dyn FnMut(usize) -> Vec<Choice>, cap: f64) -> Node {
    match expr {
        Expr::Label(p) => {
            let options = options(*p);
            let points = (options.iter().enumerate())
                .filter(|(_, o)| o.price <= cap)
                .map(|(i, o)| Point {
                    price: o.price,
                    accuracy: o.accuracy,
                    left: i as u32,
                    right: 0,
                })
                .collect();
            Node::Leaf {
                predicate: *p,
                points: pareto(points),
                options,
            }
        }
        Expr::Not(inner) => build(inner, options, cap),
        Expr::And(items) | Expr::Or(items) => {
            let is_and = matches!(expr, Expr::And(_));
            let mut node = build(&items[0], options, cap);
            for item in &items[1..] {
                let right = build(item, options, cap);
                let points = join(node.points(), right.points(), is_and, cap);
                node = Node::Join {
                    left: Box::new(node),
                    right: Box::new(right),
                    points,
                };
            }
            node
        }
    }
}

/// Both inputs are frontiers (price and accuracy increasing), and AND / OR are increasing in
/// each side, so `left` shifted by one right point is already sorted: the join is a k-way merge
/// of those runs by price, keeping each point more accurate than all cheaper ones.
fn join(left: &[Point], right: &[Point], is_and: bool, cap: f64) -> Vec<Point> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    #[derive(PartialEq)]
    struct Head(f64, u32, u32);
    impl Eq for Head {}
    impl PartialOrd for Head {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Head {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            self.0
                .total_cmp(&other.0)
                .then(self.2.cmp(&other.2))
                .then(self.1.cmp(&other.1))
        }
    }

    let combine = |a: f64, b: f64| if is_and { a * b } else { a + b - a * b };
    let mut heads: BinaryHeap<Reverse<Head>> = (right.iter().enumerate())
        .filter(|(_, r)| left.first().is_some_and(|l| l.price + r.price <= cap))
        .map(|(j, r)| Reverse(Head(left[0].price + r.price, 0, j as u32)))
        .collect();
    let mut out: Vec<Point> = Vec::new();
    while let Some(Reverse(Head(price, i, j))) = heads.pop() {
        let (a, b) = (left[i as usize], right[j as usize]);
        let accuracy = combine(a.accuracy, b.accuracy);
        let best_so_far = out.last().map_or(-1.0, |last| last.accuracy);
        let mut next = i as usize + 1;
        if accuracy > best_so_far {
            match out.last_mut() {
                // Same price: keep the more accurate.
                Some(last) if last.price == price => {
                    *last = Point {
                        price,
                        accuracy,
                        left: i,
                        right: j,
                    }
                }
                _ => out.push(Point {
                    price,
                    accuracy,
                    left: i,
                    right: j,
                }),
            }
        } else {
            // Dominated: skip this run ahead to its first point that can still beat the frontier.
            next += left[next..].partition_point(|l| combine(l.accuracy, b.accuracy) <= best_so_far);
        }
        if next < left.len() && left[next].price + b.price <= cap {
            heads.push(Reverse(Head(left[next].price + b.price, next as u32, j)));
        }
    }
    let kept = out;
    thin(kept)
}

/// Keeps the points no other point beats on both price and accuracy, cheapest first; thins
/// long frontiers into buckets that take the lowest price and the highest accuracy of their
/// members (optimistic, so bounds stay valid).
fn pareto(mut points: Vec<Point>) -> Vec<Point> {
    points.sort_by(|a, b| a.price.total_cmp(&b.price).then(b.accuracy.total_cmp(&a.accuracy)));
    let mut kept: Vec<Point> = Vec::with_capacity(points.len());
    for p in points {
        if kept.last().is_none_or(|last| p.accuracy > last.accuracy) {
            kept.push(p);
        }
    }
    thin(kept)
}

fn thin(kept: Vec<Point>) -> Vec<Point> {
    if kept.len() <= MAX_POINTS {
        return kept;
    }
    let per_bucket = kept.len().div_ceil(MAX_POINTS);
    kept.chunks(per_bucket)
        .map(|bucket| {
            let best = bucket[bucket.len() - 1];
            Point {
                price: bucket[0].price,
                ..best
            }
        })
        .collect()
}

impl Relaxed {
    /// The most accurate point within `cap`: (price, accuracy, index).
    pub fn best_within(&self, cap: f64) -> Option<(f64, f64, usize)> {
        let points = self.root.points();
        let at = points.partition_point(|p| p.price <= cap);
        at.checked_sub(1).map(|i| (points[i].price, points[i].accuracy, i))
    }

    /// The cheapest point reaching `target` accuracy: (price, accuracy, index).
    pub fn cheapest_reaching(&self, target: f64) -> Option<(f64, f64, usize)> {
        let points = self.root.points();
        let at = points.partition_point(|p| p.accuracy < target);
        points.get(at).map(|p| (p.price, p.accuracy, at))
    }

    /// Writes the model each leaf chose for root point `index` into `choice` (a label that
    /// occurs twice keeps its first leaf's choice).
    pub fn assignment(&self, index: usize, choice: &mut [usize], written: &mut u64) {
        fill(&self.root, index, choice, written);
    }
}

fn fill(node: &Node, index: usize, choice: &mut [usize], written: &mut u64) {
    match node {
        Node::Leaf {
            predicate,
            options,
            points,
        } => {
            if *written & (1 << predicate) == 0 {
                choice[*predicate] = options[points[index].left as usize].model;
                *written |= 1 << predicate;
            }
        }
        Node::Join { left, right, points } => {
            let point = points[index];
            fill(left, point.left as usize, choice, written);
            fill(right, point.right as usize, choice, written);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Query;

    #[test]
    fn without_sharing_the_frontier_is_the_true_tradeoff() {
        let q = Query::parse("(a | b) & c").unwrap();
        let table = [
            vec![(1.0, 0.5, 0), (3.0, 0.9, 1)],
            vec![(2.0, 0.6, 2)],
            vec![(1.0, 0.7, 3), (4.0, 0.99, 4)],
        ];
        let mut options = |p: usize| {
            (table[p].iter())
                .map(|&(price, accuracy, model)| Choice { price, accuracy, model })
                .collect()
        };
        let relaxed = solve(&q.root, &mut options, f64::INFINITY);
        // Within 4: a=0.5 (1) + b=0.6 (2) + c=0.7 (1) = 0.8 * 0.7 = 0.56; a=0.9 (3) + c=0.7 (1) is
        // not possible because b must be answered too (2): 3 + 2 + 1 = 6 > 4.
        let (price, accuracy, index) = relaxed.best_within(4.0).unwrap();
        assert_eq!(price, 4.0);
        assert!((accuracy - 0.56).abs() < 1e-12);
        let mut choice = vec![usize::MAX; 3];
        let mut written = 0;
        relaxed.assignment(index, &mut choice, &mut written);
        assert_eq!(choice, [0, 2, 3]);
        let (price, _, _) = relaxed.cheapest_reaching(0.9).unwrap();
        // 0.9 needs c = 0.99 (4) and a | b >= 0.909: a=0.9 with b=0.6 gives 0.96 (3 + 2).
        assert_eq!(price, 9.0);
        assert!(relaxed.cheapest_reaching(0.999).is_none());
    }
}
