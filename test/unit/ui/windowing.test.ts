// The virtualised mistakes list's windowing math (webview/windowing.ts, DOM-free): the rows rendered for a scroll
// offset, the scroll that shows a row, and where the navigation keys move in the whole list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyTarget, pageRows, scrollToShow, visibleRange } from '../../../webview/windowing';

const win = (scrollTop: number, count = 15_000, viewport = 600, rowHeight = 60, overscan = 10) =>
  visibleRange({ scrollTop, viewport, rowHeight, count, overscan });

test('visibleRange: the rows in view plus the overscan, clamped to the list', () => {
  // At the top: rows 0..9 are visible (600 / 60), 10 more below, none above.
  assert.deepEqual(win(0), { start: 0, end: 20 });
  // Scrolled to row 100 exactly: 90..119.
  assert.deepEqual(win(6000), { start: 90, end: 120 });
  // Half a row in: row 100 is partly hidden at the top, row 110 partly shown at the bottom.
  assert.deepEqual(win(6030), { start: 90, end: 121 });
  // At the bottom of 15,000 rows: the last row is rendered, nothing past it.
  const bottom = win(15_000 * 60 - 600);
  assert.deepEqual(bottom, { start: 14_980, end: 15_000 });
  // Whatever the offset, the rendered rows stay few: the viewport's rows plus twice the overscan, plus one.
  for (const top of [0, 123, 59_999, 450_000, 899_400]) {
    const { start, end } = win(top);
    assert.ok(end - start <= 31, `${top}: ${start}..${end}`);
    assert.ok(start <= Math.floor(top / 60) && end >= Math.min(15_000, Math.ceil((top + 600) / 60)), `${top} covers the view`);
  }
});

test('visibleRange: short, empty and over-scrolled lists', () => {
  assert.deepEqual(win(0, 3), { start: 0, end: 3 });
  assert.deepEqual(win(0, 0), { start: 0, end: 0 });
  // Scrolled past the end (the list shrank under a filter): still shows the last rows, not an empty window.
  assert.deepEqual(win(1_000_000, 50), { start: 39, end: 50 });
  assert.deepEqual(win(-40, 50), { start: 0, end: 20 });
  // No height yet (a hidden tab): at least the first row and the overscan.
  assert.deepEqual(visibleRange({ scrollTop: 0, viewport: 0, rowHeight: 60, count: 100, overscan: 5 }), { start: 0, end: 6 });
});

test('scrollToShow scrolls as little as needed, and not at all for a row in view', () => {
  assert.equal(scrollToShow(5, 0, 600, 60), 0); // in view
  assert.equal(scrollToShow(10, 0, 600, 60), 60); // just below: its bottom at the viewport's bottom
  assert.equal(scrollToShow(14_999, 0, 600, 60), 15_000 * 60 - 600); // End
  assert.equal(scrollToShow(3, 6000, 600, 60), 180); // above: its top at the viewport's top
  assert.equal(scrollToShow(0, 6000, 600, 60), 0); // Home
});

test('keyTarget moves through the whole list: arrows, Home/End, PageUp/PageDown, clamped', () => {
  const page = pageRows(600, 60);
  assert.equal(page, 10);
  assert.equal(pageRows(30, 60), 1);
  assert.equal(keyTarget('ArrowDown', 0, 15_000, page), 1);
  assert.equal(keyTarget('ArrowUp', 0, 15_000, page), 0);
  assert.equal(keyTarget('ArrowDown', 14_999, 15_000, page), 14_999);
  assert.equal(keyTarget('End', 3, 15_000, page), 14_999);
  assert.equal(keyTarget('Home', 14_000, 15_000, page), 0);
  assert.equal(keyTarget('PageDown', 5, 15_000, page), 15);
  assert.equal(keyTarget('PageDown', 14_995, 15_000, page), 14_999);
  assert.equal(keyTarget('PageUp', 5, 15_000, page), 0);
  assert.equal(keyTarget('PageUp', 200, 15_000, page), 190);
  assert.equal(keyTarget('Enter', 2, 15_000, page), undefined);
  assert.equal(keyTarget('ArrowDown', 0, 0, page), undefined);
});
