// The windowing math of the virtualised mistakes list, DOM-free (unit-tested in node): which rows a scroll offset
// puts in view, where to scroll so a row shows, and where a navigation key moves in the whole list.

export interface WindowInput {
  /** The list's scrollTop, px. */
  scrollTop: number;
  /** The list's visible height, px. */
  viewport: number;
  /** Height of one row, px (every row has it). */
  rowHeight: number;
  /** Rows in the whole list. */
  count: number;
  /** Rows rendered beyond the visible ones, above and below. */
  overscan: number;
}

/** The rows to render: [start, end), the visible ones plus the overscan, clamped to the list. */
export function visibleRange({ scrollTop, viewport, rowHeight, count, overscan }: WindowInput): { start: number; end: number } {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.min(count - 1, Math.floor(top / rowHeight));
  const last = Math.min(count, Math.ceil((top + Math.max(0, viewport)) / rowHeight));
  return { start: Math.max(0, first - overscan), end: Math.min(count, Math.max(last, first + 1) + overscan) };
}

/** The scrollTop that shows row `index` whole, moving as little as possible (unchanged when it already shows). */
export function scrollToShow(index: number, scrollTop: number, viewport: number, rowHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewport) return Math.max(0, bottom - viewport);
  return scrollTop;
}

/** Rows one page (PageUp/PageDown) moves: the rows that fit in the viewport, at least 1. */
export function pageRows(viewport: number, rowHeight: number): number {
  return rowHeight > 0 ? Math.max(1, Math.floor(viewport / rowHeight)) : 1;
}

/** Where a key moves the selection from row `at` in a list of `count` rows; undefined for other keys. */
export function keyTarget(key: string, at: number, count: number, page: number): number | undefined {
  if (count <= 0) return undefined;
  const clamp = (i: number) => Math.max(0, Math.min(count - 1, i));
  switch (key) {
    case 'ArrowDown':
      return clamp(at + 1);
    case 'ArrowUp':
      return clamp(at - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    case 'PageDown':
      return clamp(at + page);
    case 'PageUp':
      return clamp(at - page);
    default:
      return undefined;
  }
}
