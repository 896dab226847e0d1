// Where rendered lines start, in the chapters of a refolio EPUB, as a
// browser lays them out on a narrow screen:
//
//   node lines.js PUPPETEER_CORE_DIR CHROMIUM BOOK.epub... [--width N]... [--dump]
//   node lines.js PUPPETEER_CORE_DIR CHROMIUM BOOK.epub --shots OUT_DIR
//
// Reads each EPUB (a small zip reader below: stored and deflated entries),
// serves its files from 127.0.0.1 on a port the system picks, and opens
// each chapter (`chapter-*.xhtml`, as application/xhtml+xml, with the
// book's stylesheet.css) in headless Chromium at each width (default 320
// px; viewport height 640). Every non-blank character of the body is
// measured with Range.getClientRects; a character starts a new line when
// it stands left of the previous one and lower (its vertical middle below
// the previous one's bottom), or in another block. For each line the
// script keeps its text (markers, the text of a <sup>, in brackets: `000[4]
// cubic`), its text without markers, and what its first character is.
//
// Prints one JSON object:
//   { "results": [ { "book", "width", "file", "lines", "blocks",
//                    "bad": [ { "kind", "line", "prev" } ] } ] }
// (--dump adds each result's lines as "text"), where a bad start is
//   - "digit-group": a line that starts with exactly three digits while the
//     previous line of the same block ends with a token of 1-3 digits, both
//     read without markers (a broken `250 000`);
//   - "marker-group": a line whose first character is in the second or a
//     later citation link of a `<sup>` that holds several (a broken `4 7`).
//
// With --shots OUT_DIR it measures nothing and writes PNG screenshots of
// the first chapter instead: chapter-360.png and chapter-1100.png (the
// whole page), chapter-360-01.png, -02.png … (the page at 360 px, one
// 640 px screen each), and at 360 px numbers-360.png (the first paragraph or item
// holding a no-break space between digits) and references-360.png (the
// start of the references list).
//
// Chromium runs headless with a fresh profile, removed at the end.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { launchChromium } = require('../support/chromium.js');
const zlib = require('zlib');

// The entries of a zip archive: name -> Buffer.
function unzip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip archive');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = new Map();
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    if (method === 0) files.set(name, Buffer.from(data));
    else if (method === 8) files.set(name, zlib.inflateRawSync(data));
    else throw new Error(`${name}: compression method ${method}`);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

// Runs in the page: the lines of the body and the bad starts among them.
function measure(dump) {
  const doc = document;
  const isBlock = (el) => {
    const d = getComputedStyle(el).display;
    return !(d === 'inline' || d === 'contents' || d.startsWith('inline-'));
  };
  const blockOf = (node) => {
    let el = node.parentElement;
    while (el && el !== doc.body && !isBlock(el)) el = el.parentElement;
    return el;
  };
  // The position of the link holding `node` in a <sup> with several links.
  const markerIndex = (node) => {
    const a = node.parentElement && node.parentElement.closest('a');
    const sup = a && a.closest('sup');
    if (!sup) return -1;
    const links = Array.from(sup.querySelectorAll('a'));
    return links.length > 1 ? links.indexOf(a) : -1;
  };
  const chars = [];
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  const range = doc.createRange();
  let gap = false;
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const text = t.data;
    const block = blockOf(t);
    const marker = markerIndex(t);
    const sup = !!(t.parentElement && t.parentElement.closest('sup'));
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (/\s/.test(c)) { gap = true; continue; }
      range.setStart(t, i);
      range.setEnd(t, i + 1);
      const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
      if (rects.length === 0) continue;
      const r = rects[0];
      chars.push({ c, gap, block, marker, sup, left: r.left, right: r.right, top: r.top, bottom: r.bottom });
      gap = false;
    }
  }
  const lines = [];
  let line = null;
  let prev = null;
  for (const ch of chars) {
    const mid = (ch.top + ch.bottom) / 2;
    const fresh = !prev || ch.block !== prev.block
      || (ch.left < prev.left && mid > prev.bottom && ch.top > prev.top);
    if (fresh) {
      line = { text: '', plain: '', block: ch.block, first: ch };
      lines.push(line);
    } else {
      if (prev.sup && !ch.sup) line.text += ']';
      if (ch.gap) line.text += ' ';
    }
    if (ch.sup && (fresh || !prev.sup)) line.text += '[';
    line.text += ch.c;
    // The text without markers: a marker ends a word (`412 000[4]`).
    if (ch.sup) {
      if (!/ $/.test(line.plain)) line.plain += ' ';
    } else {
      if (ch.gap && !fresh && !/ $/.test(line.plain)) line.plain += ' ';
      line.plain += ch.c;
    }
    prev = ch;
  }
  for (const l of lines) {
    if (/\[[^\]]*$/.test(l.text)) l.text += ']';
    l.plain = l.plain.trim();
  }
  const bad = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i];
    const p = lines[i - 1];
    if (l.block === p.block && /^\d{3}(?!\d)/.test(l.plain) && /(^|\s)\d{1,3}$/.test(p.plain)) {
      bad.push({ kind: 'digit-group', line: l.text, prev: p.text });
    }
    if (l.first.marker > 0) {
      bad.push({ kind: 'marker-group', line: l.text, prev: p.text });
    }
  }
  const out = { lines: lines.length, blocks: new Set(lines.map((l) => l.block)).size, bad };
  if (dump) out.text = lines.map((l) => l.text);
  return out;
}

// Runs in the page: the box of the first block holding digit groups
// joined by a no-break space, and of the references list's start.
function boxes() {
  const box = (el) => {
    if (!el) return null;
    el.scrollIntoView();
    const r = el.getBoundingClientRect();
    return { x: 0, y: r.top + window.scrollY, width: document.documentElement.clientWidth, height: r.height };
  };
  const blocks = Array.from(document.querySelectorAll('p, li'));
  const numbers = blocks.find((el) => /\d\u00a0\d{3}/.test(el.textContent) && !el.closest('section.references, #references'));
  const refs = document.getElementById('references') || document.querySelector('section.references');
  return { numbers: box(numbers), references: box(refs) };
}

async function main() {
  const args = process.argv.slice(2);
  const [puppeteerDir, chromium] = args;
  const epubs = [];
  const widths = [];
  let shots = null;
  let dump = false;
  for (let i = 2; i < args.length; i++) {
    if (args[i] === '--width' && args[i + 1]) widths.push(Number(args[++i]));
    else if (args[i] === '--shots' && args[i + 1]) shots = args[++i];
    else if (args[i] === '--dump') dump = true;
    else if (!args[i].startsWith('--')) epubs.push(args[i]);
    else usage();
  }
  if (!chromium || epubs.length === 0 || widths.some((w) => !(w > 0))) usage();
  if (shots && epubs.length !== 1) usage();
  if (widths.length === 0) widths.push(320);
  // Each book's files under /N/, N its position on the command line.
  const books = epubs.map((epub, n) => {
    const files = unzip(fs.readFileSync(epub));
    const chapters = Array.from(files.keys())
      .filter((f) => /(^|\/)chapter-[^/]*\.xhtml$/.test(f))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (chapters.length === 0) throw new Error(`${epub}: no chapter-*.xhtml`);
    return { epub, files, chapters: chapters.map((c) => `${n}/${c}`) };
  });

  const TYPES = { '.xhtml': 'application/xhtml+xml', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg' };
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    const m = /^\/(\d+)\/(.*)$/.exec(url);
    const book = m && books[Number(m[1])];
    const body = book && book.files.get(m[2]);
    if (!body) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(m[2])] || 'application/octet-stream' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}/`;
  const { browser, close } = await launchChromium(puppeteerDir, chromium, 'refolio-lines-', ['--hide-scrollbars']);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const open = async (file, width) => {
      await page.setViewport({ width, height: 640 });
      await page.goto(base + file, { waitUntil: 'load' });
      await page.evaluate(() => document.fonts.ready.then(() => true));
    };
    const chapters = books[0].chapters;
    if (shots) {
      fs.mkdirSync(shots, { recursive: true });
      const written = [];
      const shot = async (name, opts) => {
        const file = path.join(shots, name);
        await page.screenshot({ path: file, ...opts });
        written.push(file);
      };
      for (const width of [360, 1100]) {
        await open(chapters[0], width);
        await shot(`chapter-${width}.png`, { fullPage: true });
      }
      // The chapter at 360 px screen by screen (640 px high), as on a phone.
      await open(chapters[0], 360);
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      for (let y = 0, n = 1; y < height; y += 640, n++) {
        const clip = { x: 0, y, width: 360, height: Math.min(640, height - y) };
        await shot(`chapter-360-${String(n).padStart(2, '0')}.png`, { clip, captureBeyondViewport: true });
      }
      await open(chapters[0], 360);
      const b = await page.evaluate(boxes);
      for (const [name, box] of [['numbers', b.numbers], ['references', b.references]]) {
        if (!box) continue;
        const clip = { x: 0, y: Math.max(0, box.y - 8), width: 360, height: Math.min(640, box.height + 16) };
        await shot(`${name}-360.png`, { clip, captureBeyondViewport: true });
      }
      process.stdout.write(JSON.stringify({ screenshots: written, pageErrors: errors }) + '\n');
      return;
    }
    const results = [];
    for (const book of books) {
      for (const width of widths) {
        for (const file of book.chapters) {
          await open(file, width);
          const r = await page.evaluate(measure, dump);
          results.push({ book: book.epub, width, file: file.replace(/^\d+\//, ''), ...r });
        }
      }
    }
    process.stdout.write(JSON.stringify({ results, pageErrors: errors }) + '\n');
  } finally {
    await close();
    server.close();
  }
}

function usage() {
  console.error('usage: node lines.js PUPPETEER_CORE_DIR CHROMIUM BOOK.epub... [--width N]... [--dump]\n       node lines.js PUPPETEER_CORE_DIR CHROMIUM BOOK.epub --shots OUT_DIR');
  process.exit(2);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
