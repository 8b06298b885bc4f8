// Measures one page as a reader sees it; run by tests/test_screens.py in Chromium.
// Returns what does not fit its column, text cut with an ellipsis, and text below 4.5:1 contrast (WCAG 2 formula).
() => {
  const parse = (c) => {
    const m = c && c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const channel = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const ratio = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const chain = (el) => { const out = []; for (let e = el; e; e = e.parentElement) out.push(e); return out.reverse(); };
  const background = (el) => {
    let bg = [255, 255, 255, 1];
    for (const e of chain(el)) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) bg = over(c, bg);
    }
    return bg;
  };
  const opacity = (el) => chain(el).reduce((o, e) => o * Number(getComputedStyle(e).opacity || 1), 1);
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility === "visible" && el.closest("[hidden], .vg-tooltip") === null;
  };
  const result = { wide: [], cut: [], contrast: [], scroll: document.documentElement.scrollWidth - document.documentElement.clientWidth };
  for (const el of document.querySelectorAll(".bd-article .chart-interactive svg.marks, .bd-article table")) {
    if (!visible(el)) continue;
    const column = (el.closest(".cell_output, .output, section, .bd-article") || document.body).getBoundingClientRect();
    const box = el.getBoundingClientRect();
    if (box.left < column.left - 1 || box.right > column.right + 1)
      result.wide.push(`${el.tagName} ${Math.round(box.width)} px in a ${Math.round(column.width)} px column`);
  }
  for (const t of document.querySelectorAll("svg text")) if (t.textContent.includes("…")) result.cut.push(t.textContent);
  for (const svg of document.querySelectorAll(".chart-interactive svg.marks")) {
    const frame = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll("text")) {
      const r = t.getBoundingClientRect();
      if (r.width > 0 && (r.left < frame.left - 1 || r.right > frame.right + 1)) result.cut.push(`${t.textContent} (runs out of its chart)`);
    }
  }
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el) || ["SCRIPT", "STYLE", "NOSCRIPT", "OPTION"].includes(el.tagName)) continue;
    if (el.closest(":disabled, [aria-disabled=true]")) continue;
    const style = getComputedStyle(el);
    const svg = el instanceof SVGElement;
    const fg = parse(svg ? style.fill : style.color);
    if (!fg) continue;
    const bg = background(el);
    const alpha = fg[3] * opacity(el);
    if (alpha === 0) continue;
    const shown = over([fg[0], fg[1], fg[2], alpha], bg);
    const r = ratio(shown, bg);
    if (r < 4.5) result.contrast.push(`${r.toFixed(2)}:1 ${el.tagName.toLowerCase()}.${String(el.className.baseVal ?? el.className).split(" ")[0]} "${el.textContent.trim().slice(0, 40)}" (${style.color} on rgb(${bg.slice(0, 3).map(Math.round)}))`);
  }
  return result;
}
