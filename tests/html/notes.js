// The notes of refolio's standalone HTML (`-t html`), followed both ways in
// headless Chromium, as a reader clicks them:
//
//   node notes.js PUPPETEER_CORE_DIR CHROMIUM PAGE.html SHOTS_DIR [WIDTH]...
//
// For each width (default 390 and 1280 px; viewport height 800) the page is
// opened from a file: URL with JavaScript disabled (the page must work
// without scripts), the first citation link (`a[role=doc-noteref]`) is
// clicked, and the script records the URL's fragment, whether the element
// it names is a `doc-footnote` note and whether that note is on screen;
// then the note's back-link to that citation (`a[role=doc-backlink]`
// whose href is the citation's id) is clicked and the same is recorded for
// the citation. Screenshots of the screen after each click go to
// SHOTS_DIR/note-WIDTH.png and SHOTS_DIR/back-WIDTH.png.
//
// Prints one JSON object: { "results": [ { "width", "cite", "note": {
// "hash", "role", "visible" }, "back": { "hash", "visible" } } ] }.
'use strict';
const path = require('path');
const { launchChromium } = require('../support/chromium.js');

async function state(page, sel) {
  return page.evaluate((sel) => {
    const id = decodeURIComponent(location.hash.slice(1));
    const el = document.getElementById(id);
    if (!el) return { hash: location.hash, role: null, visible: false };
    const r = el.getBoundingClientRect();
    const visible = r.bottom > 0 && r.top < window.innerHeight && r.height > 0;
    return { hash: location.hash, role: el.getAttribute('role'), visible };
  }, sel);
}

async function main() {
  const [puppeteerDir, chromium, file, shots, ...w] = process.argv.slice(2);
  const widths = w.length ? w.map(Number) : [390, 1280];
  const { browser, close } = await launchChromium(puppeteerDir, chromium, 'refolio-html-', []);
  const results = [];
  try {
    for (const width of widths) {
      const page = await browser.newPage();
      await page.setJavaScriptEnabled(false);
      await page.setViewport({ width, height: 800 });
      await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
      const cite = await page.$eval('a[role~="doc-noteref"][id]', (a) => a.id);
      await page.click('#' + cite);
      await new Promise((r) => setTimeout(r, 150));
      const note = await state(page);
      await page.screenshot({ path: path.join(shots, `note-${width}.png`) });
      await page.click(`[role~="doc-footnote"] a[role~="doc-backlink"][href="#${cite}"]`);
      await new Promise((r) => setTimeout(r, 150));
      const back = await state(page);
      await page.screenshot({ path: path.join(shots, `back-${width}.png`) });
      results.push({ width, cite, note, back });
      await page.close();
    }
  } finally {
    await close();
  }
  process.stdout.write(JSON.stringify({ results }) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
