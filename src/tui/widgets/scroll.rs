//! [`Scroll`]: a cursor over a list and the first row shown, shared by the
//! list-shaped widgets (clusters, history, ApplicationSets, the tree).

use std::ops::Range;

/// Rows a page moves when the core has not told the viewport yet.
const DEFAULT_PAGE: usize = 10;

/// A cursor and a scroll offset over a list of `len` rows.
///
/// Transitions keep `offset` so the cursor stays inside the last known
/// `viewport` (the view only moves when the cursor would leave it);
/// [`Scroll::window`] re-checks against the real height at render time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    /// The selected row.
    pub cursor: usize,
    /// The first row shown.
    pub offset: usize,
    /// Rows shown by the last layout; 0 when unknown.
    pub viewport: usize,
}

impl Scroll {
    /// Records how many rows the view shows (see the module docs of
    /// `widgets`), keeping the cursor inside them.
    pub fn set_viewport(&mut self, rows: usize) {
        self.viewport = rows;
        self.follow_cursor();
    }

    /// Pulls the cursor back inside a list that shrank.
    pub fn clamp(&mut self, len: usize) {
        self.cursor = self.cursor.min(len.saturating_sub(1));
        self.offset = self.offset.min(self.cursor);
        self.follow_cursor();
    }

    pub fn up(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
        self.follow_cursor();
    }

    pub fn down(&mut self, len: usize) {
        self.select(self.cursor.saturating_add(1), len);
    }

    pub fn page_up(&mut self) {
        self.cursor = self.cursor.saturating_sub(self.page());
        self.follow_cursor();
    }

    pub fn page_down(&mut self, len: usize) {
        self.select(self.cursor.saturating_add(self.page()), len);
    }

    pub fn top(&mut self) {
        self.cursor = 0;
        self.follow_cursor();
    }

    pub fn bottom(&mut self, len: usize) {
        self.select(usize::MAX, len);
    }

    /// Moves the cursor to `index`, or to the last row if it is past the end.
    pub fn select(&mut self, index: usize, len: usize) {
        self.cursor = index.min(len.saturating_sub(1));
        self.follow_cursor();
    }

    /// The rows to draw in `height` rows of a `len`-row list: starts at
    /// `offset`, moved just enough to show the cursor, and never leaves
    /// blank rows at the bottom while earlier rows are hidden.
    pub fn window(&self, len: usize, height: usize) -> Range<usize> {
        if len == 0 || height == 0 {
            return 0..0;
        }
        let cursor = self.cursor.min(len - 1);
        let mut start = self.offset.min(len.saturating_sub(height));
        if cursor < start {
            start = cursor;
        } else if cursor >= start + height {
            start = cursor + 1 - height;
        }
        start..len.min(start + height)
    }

    /// The cursor's row as drawn (clamped to the list).
    pub fn selected(&self, len: usize) -> Option<usize> {
        (len > 0).then(|| self.cursor.min(len - 1))
    }

    fn page(&self) -> usize {
        if self.viewport == 0 {
            DEFAULT_PAGE
        } else {
            self.viewport
        }
    }

    fn follow_cursor(&mut self) {
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.viewport > 0 && self.cursor >= self.offset + self.viewport {
            self.offset = self.cursor + 1 - self.viewport;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_only_moves_when_the_cursor_would_leave_it() {
        let mut scroll = Scroll::default();
        scroll.set_viewport(3);
        for _ in 0..4 {
            scroll.down(10);
        }
        assert_eq!((scroll.cursor, scroll.offset), (4, 2));
        scroll.up();
        assert_eq!((scroll.cursor, scroll.offset), (3, 2), "view steady");
        scroll.up();
        scroll.up();
        assert_eq!((scroll.cursor, scroll.offset), (1, 1));
        assert_eq!(scroll.window(10, 3), 1..4);
    }

    #[test]
    fn moves_stop_at_the_ends_and_pages_use_the_viewport() {
        let mut scroll = Scroll::default();
        scroll.up();
        assert_eq!(scroll.cursor, 0);
        scroll.page_down(25);
        assert_eq!(
            scroll.cursor, 10,
            "default page before the viewport is known"
        );
        scroll.set_viewport(4);
        scroll.page_down(25);
        assert_eq!(scroll.cursor, 14);
        scroll.bottom(25);
        assert_eq!((scroll.cursor, scroll.offset), (24, 21));
        scroll.down(25);
        assert_eq!(scroll.cursor, 24);
        scroll.page_up();
        assert_eq!(scroll.cursor, 20);
        scroll.top();
        assert_eq!((scroll.cursor, scroll.offset), (0, 0));
        scroll.down(0);
        assert_eq!(scroll.cursor, 0, "an empty list keeps the cursor at 0");
    }

    #[test]
    fn window_keeps_the_cursor_visible_whatever_the_state_says() {
        let scroll = Scroll {
            cursor: 30,
            offset: 0,
            viewport: 0,
        };
        assert_eq!(scroll.window(50, 10), 21..31);
        let shrunk = Scroll {
            cursor: 3,
            offset: 40,
            viewport: 10,
        };
        assert_eq!(shrunk.window(12, 10), 2..12, "no blank rows at the bottom");
        assert_eq!(shrunk.window(0, 10), 0..0);
        assert_eq!(shrunk.selected(0), None);
        assert_eq!(shrunk.selected(2), Some(1));
    }

    #[test]
    fn clamp_follows_a_shrinking_list() {
        let mut scroll = Scroll {
            cursor: 9,
            offset: 7,
            viewport: 3,
        };
        scroll.clamp(5);
        assert_eq!((scroll.cursor, scroll.offset), (4, 4));
        scroll.clamp(0);
        assert_eq!((scroll.cursor, scroll.offset), (0, 0));
    }
}
