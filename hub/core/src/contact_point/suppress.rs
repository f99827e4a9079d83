//! Secondary suppression: no hidden count can be worked out from a sum the view publishes.
//!
//! Counts from 1 to 4 are hidden ([`Count::Suppressed`]). A table with totals would still give such
//! a count away by subtraction: a row of 10 and <5 with a total of 13 says the hidden cell is
//! 3. So a view records every count it publishes on a [`Sheet`], with every sum a reader can
//! form from them: a row and its total, a column and the total by stage, a whole and the part
//! behind a rate (with the rest, which the rate gives away too). Then, as long as some sum
//! hides exactly one of its members, one more of its members is withheld
//! ([`Count::Withheld`]): the smallest non-zero part still shown, or the total when no part
//! is left. Parts go first, so the totals readers use most stay visible.
//!
//! What this guarantees: every sum hides none or at least two of its members, so no hidden
//! count follows from any one sum. That is the usual minimum for published tables; it is not
//! an audit against a reader who solves all the sums of a view at once as a system of
//! equations, and it does not look across views except where a view puts the sums of another
//! on its own sheet (see `hub::contact_point::case_tables`).

use super::{Count, Rate, SUPPRESS_UNDER};

/// A count on a [`Sheet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell(usize);

/// The counts of one view and the sums among them, before suppression.
#[derive(Debug, Default)]
pub struct Sheet {
    values: Vec<i64>,
    /// Each sum: its total, then its parts.
    sums: Vec<Vec<Cell>>,
}

/// A whole split in a part and the rest, as behind a rate.
#[derive(Debug, Clone, Copy)]
pub struct Split {
    /// The whole, e.g. open cases.
    pub whole: Cell,
    /// The part, e.g. those with a consent in force.
    pub part: Cell,
    /// The rest, which the page does not show but a reader gets from the other two.
    pub rest: Cell,
}

impl Sheet {
    /// A count.
    pub fn cell(&mut self, value: i64) -> Cell {
        self.values.push(value);
        Cell(self.values.len() - 1)
    }

    /// A new count that is the sum of `parts`.
    pub fn total_of(&mut self, parts: &[Cell]) -> Cell {
        let total = self.cell(parts.iter().map(|p| self.values[p.0]).sum());
        self.sums.push(
            std::iter::once(total)
                .chain(parts.iter().copied())
                .collect(),
        );
        total
    }

    /// Records that `total` is the sum of `parts`. (A sum recorded wrongly only withholds
    /// more; debug builds stop on it, as it means the view built its sheet wrong.)
    pub fn sum(&mut self, total: Cell, parts: &[Cell]) {
        let added: i64 = parts.iter().map(|p| self.values[p.0]).sum();
        debug_assert_eq!(
            self.values[total.0], added,
            "a sum on the suppression sheet does not add up"
        );
        self.sums.push(
            std::iter::once(total)
                .chain(parts.iter().copied())
                .collect(),
        );
    }

    /// `part` of `whole`, with the rest as a count of its own.
    pub fn split(&mut self, whole: i64, part: i64) -> Split {
        let part = self.cell(part);
        let rest = self.cell(whole - self.values[part.0]);
        let whole = self.total_of(&[part, rest]);
        Split { whole, part, rest }
    }

    /// [`Sheet::suppress`], for figures of the present: every count shown is also rounded to
    /// a base of 5 ([`crate::periods::rounded`]), and a rate is worked out from the rounded
    /// counts, so one case more or less never moves a figure by exactly one.
    pub fn suppress_rounded(self) -> Published {
        Published {
            round: true,
            ..self.suppress()
        }
    }

    /// Hides the small counts, then withholds until every sum hides none or two or more.
    pub fn suppress(self) -> Published {
        let mut hidden: Vec<Option<Count>> = self
            .values
            .iter()
            .map(|&n| {
                (1..SUPPRESS_UNDER)
                    .contains(&n)
                    .then_some(Count::Suppressed)
            })
            .collect();
        // Each pass withholds at least one more count or ends, so this ends.
        loop {
            let mut changed = false;
            for sum in &self.sums {
                let hiding = sum.iter().filter(|c| hidden[c.0].is_some()).count();
                if hiding != 1 {
                    continue;
                }
                let (total, parts) = (sum[0], &sum[1..]);
                let shown = |c: &&Cell| hidden[c.0].is_none();
                let partner = parts
                    .iter()
                    .filter(shown)
                    .filter(|c| self.values[c.0] > 0)
                    .min_by_key(|c| self.values[c.0])
                    .or(Some(&total).filter(shown))
                    .or_else(|| parts.iter().find(shown));
                if let Some(partner) = partner {
                    hidden[partner.0] = Some(Count::Withheld);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        Published {
            values: self.values,
            hidden,
            round: false,
        }
    }
}

/// The counts of a sheet as the view may publish them.
#[derive(Debug)]
pub struct Published {
    values: Vec<i64>,
    hidden: Vec<Option<Count>>,
    /// Whether shown counts are rounded to a base of 5.
    round: bool,
}

impl Published {
    /// The count as shown.
    pub fn count(&self, cell: Cell) -> Count {
        self.hidden[cell.0].unwrap_or_else(|| Count::Exact(self.value(cell)))
    }

    /// The value as it may be shown: exact, or rounded for figures of the present.
    fn value(&self, cell: Cell) -> i64 {
        let n = self.values[cell.0];
        if self.round {
            crate::periods::rounded(n).unwrap_or(n)
        } else {
            n
        }
    }

    /// The share of a split: shown only when its whole, part and rest all are.
    pub fn rate(&self, split: Split) -> Rate {
        let all_shown = [split.whole, split.part, split.rest]
            .iter()
            .all(|c| self.hidden[c.0].is_none());
        if all_shown {
            Rate::of(self.value(split.part), self.value(split.whole))
        } else {
            Rate::Suppressed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of `rows` with row totals, column totals and a grand total.
    fn table(sheet: &mut Sheet, rows: &[Vec<i64>]) -> (Vec<Vec<Cell>>, Vec<Cell>, Vec<Cell>) {
        let cells: Vec<Vec<Cell>> = rows
            .iter()
            .map(|r| r.iter().map(|&n| sheet.cell(n)).collect())
            .collect();
        let row_totals: Vec<Cell> = cells.iter().map(|r| sheet.total_of(r)).collect();
        let columns = rows.first().map_or(0, Vec::len);
        let column_totals: Vec<Cell> = (0..columns)
            .map(|c| {
                let column: Vec<Cell> = cells.iter().map(|r| r[c]).collect();
                sheet.total_of(&column)
            })
            .collect();
        let grand = sheet.total_of(&column_totals);
        sheet.sum(grand, &row_totals);
        (cells, row_totals, column_totals)
    }

    /// Every sum of `sheet` hides none or at least two members, in `published`.
    fn no_sum_gives_one_away(sums: &[Vec<Cell>], published: &Published) {
        for sum in sums {
            let hiding = sum
                .iter()
                .filter(|c| published.count(**c).exact().is_none())
                .count();
            assert_ne!(
                hiding, 1,
                "a sum hides one member: {sum:?} in {published:?}"
            );
        }
    }

    #[test]
    fn a_small_cell_next_to_its_total_takes_another_cell_with_it() {
        let mut sheet = Sheet::default();
        let ten = sheet.cell(10);
        let three = sheet.cell(3);
        let twenty = sheet.cell(20);
        let total = sheet.total_of(&[ten, three, twenty]);
        let published = sheet.suppress();
        assert_eq!(published.count(three), Count::Suppressed);
        assert_eq!(
            published.count(ten),
            Count::Withheld,
            "the smallest other part"
        );
        assert_eq!(published.count(twenty), Count::Exact(20));
        assert_eq!(published.count(total), Count::Exact(33));
    }

    #[test]
    fn zeros_are_not_partners_and_the_total_goes_when_no_part_is_left() {
        let mut sheet = Sheet::default();
        let zero = sheet.cell(0);
        let three = sheet.cell(3);
        let total = sheet.total_of(&[zero, three]);
        let published = sheet.suppress();
        assert_eq!(published.count(zero), Count::Exact(0));
        // The total is 3 itself: small, so hidden without any withholding.
        assert_eq!(published.count(total), Count::Suppressed);

        let mut sheet = Sheet::default();
        let small = sheet.cell(2);
        let inner = sheet.total_of(&[small]);
        let other = sheet.cell(9);
        let outer = sheet.total_of(&[inner, other]);
        let published = sheet.suppress();
        assert_eq!(published.count(inner), Count::Suppressed);
        assert_eq!(published.count(other), Count::Withheld);
        assert_eq!(published.count(outer), Count::Exact(11));
    }

    #[test]
    fn nothing_is_withheld_where_nothing_is_small() {
        let mut sheet = Sheet::default();
        let (cells, _, _) = table(&mut sheet, &[vec![5, 0, 12], vec![7, 9, 0]]);
        let published = sheet.suppress();
        assert_eq!(published.count(cells[0][1]), Count::Exact(0));
        assert!(
            published.hidden.iter().all(Option::is_none),
            "{published:?}"
        );
    }

    #[test]
    fn withholding_follows_from_a_row_into_its_column_and_the_totals() {
        // 3 takes 8 with it in its row and 9 in its column; 8 takes 6 in its column; the
        // middle row then hides two (9 and 6) and the totals can all stay.
        let mut sheet = Sheet::default();
        let (cells, row_totals, column_totals) = table(
            &mut sheet,
            &[vec![3, 8, 20], vec![9, 6, 7], vec![30, 40, 50]],
        );
        let sums = sheet.sums.clone();
        let published = sheet.suppress();
        no_sum_gives_one_away(&sums, &published);
        assert_eq!(published.count(cells[0][0]), Count::Suppressed);
        assert_eq!(published.count(cells[0][1]), Count::Withheld);
        let grand = column_totals.iter().chain(&row_totals);
        assert!(
            grand.clone().all(|c| published.count(*c).exact().is_some()),
            "the totals stay: {published:?}"
        );
    }

    #[test]
    fn every_sum_of_many_tables_hides_none_or_two_or_more() {
        // A fixed pseudo-random walk over table shapes and values, many of them small.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        let mut withheld = 0;
        for _ in 0..500 {
            let (r, c) = (1 + next(5) as usize, 1 + next(6) as usize);
            let rows: Vec<Vec<i64>> = (0..r)
                .map(|_| {
                    (0..c)
                        .map(|_| match next(4) {
                            0 => 0,
                            1 => 1 + next(4) as i64,
                            _ => 5 + next(40) as i64,
                        })
                        .collect()
                })
                .collect();
            let mut sheet = Sheet::default();
            table(&mut sheet, &rows);
            let sums = sheet.sums.clone();
            let values = sheet.values.clone();
            let published = sheet.suppress();
            no_sum_gives_one_away(&sums, &published);
            for (i, &n) in values.iter().enumerate() {
                let shown = published.count(Cell(i));
                match shown {
                    Count::Exact(m) => assert_eq!(m, n),
                    Count::Suppressed => assert!((1..5).contains(&n)),
                    Count::Withheld => {
                        assert!(
                            n == 0 || n >= 5,
                            "a small count is Suppressed, not Withheld"
                        );
                        withheld += 1;
                    }
                }
            }
        }
        assert!(withheld > 100, "the walk exercised withholding: {withheld}");
    }

    #[test]
    fn a_rate_goes_with_any_of_its_three_counts() {
        let mut sheet = Sheet::default();
        let fine = sheet.split(40, 30);
        let small_rest = sheet.split(40, 37);
        let published = sheet.suppress();
        assert_eq!(published.rate(fine), Rate::Percent(75.0));
        assert_eq!(published.count(small_rest.rest), Count::Suppressed);
        assert_eq!(published.rate(small_rest), Rate::Suppressed);
        assert_eq!(
            published.count(small_rest.part),
            Count::Withheld,
            "37 of 40 would give the 3 away"
        );
        assert_eq!(published.count(small_rest.whole), Count::Exact(40));
    }
}
