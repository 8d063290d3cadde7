// The virtualised list of the mistakes browser: the whole filtered list is known (light rows), only the rows in view
// plus an overscan are in the DOM, absolutely placed in a box of the full list's height (so the scrollbar is the whole
// list's). A listbox: the arrow keys, Home/End and PageUp/PageDown move through the whole list, scrolling it; Enter
// calls onEnter. The selected row stays rendered wherever the list is scrolled (it holds the focus and the tab stop).
import { h } from './elements';
import { keyTarget, pageRows, scrollToShow, visibleRange } from './windowing';

/** Height of a row including the gap below it, px (the CSS gives .list .mistake this height less GAP_PX). */
export const ROW_PX = 60;
const GAP_PX = 6;
const OVERSCAN = 10;

export interface VirtualList {
  el: HTMLElement;
  /** Selects row i: scrolls it into view, renders it, focuses it when `focus`, and calls onSelect. */
  select(i: number, focus: boolean): void;
  /** The element of row i when it is rendered. */
  rowEl(i: number): HTMLElement | null;
}

export interface ListOptions {
  count: number;
  label: string;
  selected: number;
  render(i: number): HTMLElement;
  onSelect(i: number): void;
  onEnter(): void;
}

export function virtualList(o: ListOptions): VirtualList {
  const box = h('div', { class: 'rows', 'data-count': o.count });
  box.style.height = `${o.count * ROW_PX}px`;
  const list = h('div', { class: 'list', role: 'listbox', 'aria-label': o.label }, box);
  const shown = new Map<number, HTMLElement>();
  let selected = o.selected;
  // Hidden (another tab): no height yet; assume a typical one until the ResizeObserver reports the real one.
  const viewport = () => list.clientHeight || Math.round(window.innerHeight * 0.7) || 600;

  const make = (i: number): HTMLElement => {
    const el = o.render(i);
    el.style.top = `${i * ROW_PX}px`;
    el.style.height = `${ROW_PX - GAP_PX}px`;
    el.setAttribute('aria-posinset', String(i + 1));
    el.setAttribute('aria-setsize', String(o.count));
    el.addEventListener('focus', () => {
      if (selected !== i) select(i, false);
    });
    el.addEventListener('click', () => el.focus());
    return el;
  };

  const mark = (i: number, el: HTMLElement) => {
    el.setAttribute('aria-selected', String(i === selected));
    el.tabIndex = i === selected ? 0 : -1;
  };

  function paint(): void {
    const { start, end } = visibleRange({ scrollTop: list.scrollTop, viewport: viewport(), rowHeight: ROW_PX, count: o.count, overscan: OVERSCAN });
    const want: number[] = [];
    for (let i = start; i < end; i++) want.push(i);
    if (selected >= 0 && selected < o.count && (selected < start || selected >= end)) {
      want.push(selected);
      want.sort((a, b) => a - b);
    }
    const keep = new Set(want);
    for (const [i, el] of shown) {
      if (!keep.has(i)) {
        el.remove();
        shown.delete(i);
      }
    }
    // Insert the new rows in index order without moving the kept ones (moving the focused row would blur it).
    let cursor: Element | null = box.firstElementChild;
    for (const i of want) {
      const have = shown.get(i);
      if (have) {
        mark(i, have);
        cursor = have.nextElementSibling;
        continue;
      }
      const el = make(i);
      mark(i, el);
      shown.set(i, el);
      box.insertBefore(el, cursor);
    }
  }

  function select(i: number, focus: boolean): void {
    if (i < 0 || i >= o.count) return;
    selected = i;
    const top = scrollToShow(i, list.scrollTop, viewport(), ROW_PX);
    if (top !== list.scrollTop) list.scrollTop = top;
    paint();
    o.onSelect(i);
    if (focus) shown.get(i)?.focus({ preventScroll: true });
  }

  let frame = 0;
  list.addEventListener('scroll', () => {
    if (!frame) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        paint();
      });
    }
  });
  new ResizeObserver(() => paint()).observe(list);
  list.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      o.onEnter();
      return;
    }
    const to = keyTarget(e.key, selected, o.count, pageRows(viewport(), ROW_PX));
    if (to === undefined) return;
    e.preventDefault();
    select(to, true);
  });
  paint();
  return { el: list, select, rowEl: (i) => shown.get(i) ?? null };
}
