// foliate-js (Foliate 3's engine), as a reader uses it, on a refolio EPUB in
// headless Chromium:
//
//   node popup.js PUPPETEER_CORE_DIR CHROMIUM FOLIATE_JS_DIR BOOK.epub CITE_ID [SHOT.png]
//
// Opens BOOK.epub in a <foliate-view> (360 x 640), goes to the chapter,
// clicks the citation link with id CITE_ID, lets foliate-js's
// FootnoteHandler pop the note up, then clicks the note's back-link to
// CITE_ID inside the pop-up. A link the FootnoteHandler does not take is
// followed in the main view (what a reader does with a link in a pop-up).
// Prints one JSON object: the pop-up's type and text, whether the back-link
// opened another pop-up, and whether the citation was on screen before and
// after the back-link. With SHOT.png it also saves a screenshot of the
// page (the chapter with the pop-up over it) once the pop-up has rendered
// (scripts/screenshots.sh).
//
// The files are served from 127.0.0.1 on a port the system picks (ES
// modules do not load from file://); Chromium runs headless with a fresh
// profile, removed at the end.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { launchChromium } = require('../support/chromium.js');

const PAGE = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>foliate-js harness</title>
<style>
  html, body { margin: 0; }
  #main { display: block; width: 360px; height: 640px; }
  #popup { position: absolute; left: 9px; top: 330px; width: 340px; height: 300px;
           background: #fff; outline: 1px solid #999; box-shadow: 0 2px 12px #0006; }
  #popup foliate-view { display: block; width: 340px; height: 300px; }
</style></head>
<body><foliate-view id="main"></foliate-view><div id="popup"></div>
<script type="module">
import './foliate/view.js'
import { FootnoteHandler } from './foliate/footnotes.js'

const once = (target, name) => new Promise(resolve =>
    target.addEventListener(name, e => resolve(e), { once: true }))
const timeout = (ms, what) => new Promise((_, reject) =>
    setTimeout(() => reject(new Error('timed out: ' + what)), ms))

window.run = async citeId => {
    const out = { popups: 0 }
    const view = document.getElementById('main')
    const blob = await (await fetch('/book.epub')).blob()
    await view.open(new File([blob], 'book.epub', { type: 'application/epub+zip' }))
    const index = view.book.sections.findIndex(s => /chapter-1\\.xhtml$/.test(s.id))
    await view.goTo(index)
    const doc = () => view.renderer.getContents()[0].doc
    const visible = () => {
        const cite = doc().getElementById(citeId)
        const range = view.lastLocation?.range
        return !!(cite && range && range.intersectsNode(cite))
    }

    const handler = new FootnoteHandler()
    handler.addEventListener('before-render', e =>
        document.getElementById('popup').replaceChildren(e.detail.view))
    const rendered = () => once(handler, 'render')
    view.addEventListener('link', e => {
        const p = handler.handle(view.book, e)
        if (p) out.popups++
        p?.catch(err => { out.error = String(err) })
    })

    // 1. The citation link pops its note up.
    const cite = doc().getElementById(citeId)
    if (!cite) throw new Error('no ' + citeId)
    out.citeHref = cite.getAttribute('href')
    const first = rendered()
    cite.click()
    const { detail } = await Promise.race([first, timeout(10000, 'the pop-up')])
    out.type = detail.type
    out.hidden = detail.hidden
    const popupDoc = detail.view.renderer.getContents()[0].doc
    out.popupText = popupDoc.body.textContent
    if (window.harnessShot) {
        // The chapter at the citation, the pop-up over it.
        await view.goTo(view.book.sections[index].id + '#' + citeId)
        await new Promise(r => setTimeout(r, 300))
        await window.harnessShot()
    }

    // 2. Leave the citation's page: show the end of the chapter.
    await view.goTo(view.book.sections[index].id + '#references')
    await new Promise(r => setTimeout(r, 300))
    out.citeVisibleBefore = visible()

    // 3. The back-link in the pop-up returns to the citation.
    const back = popupDoc.querySelector('a[href$="#' + citeId + '"]')
    if (!back) throw new Error('no back-link to ' + citeId + ' in the pop-up')
    out.backlinkType = back.getAttributeNS('http://www.idpf.org/2007/ops', 'type')
    const followed = new Promise(resolve => detail.view.addEventListener('link', e => {
        const p = handler.handle(view.book, e)
        if (p) { out.popups++; resolve(false); return }
        e.preventDefault()
        view.goTo(e.detail.href).then(() => resolve(true))
    }, { once: true }))
    back.click()
    out.backlinkFollowed = await Promise.race([followed, timeout(10000, 'the back-link')])
    await new Promise(r => setTimeout(r, 300))
    out.citeVisibleAfter = visible()
    return out
}
window.harnessReady = true
</script></body></html>`;

const TYPES = { '.js': 'text/javascript', '.epub': 'application/epub+zip' };

async function main() {
  const [puppeteerDir, chromium, foliateDir, epub, citeId, shot] = process.argv.slice(2);
  if (!citeId) {
    console.error('usage: node popup.js PUPPETEER_CORE_DIR CHROMIUM FOLIATE_JS_DIR BOOK.epub CITE_ID [SHOT.png]');
    process.exit(2);
  }
  const root = path.resolve(foliateDir);
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    let body = null;
    let file = null;
    if (url === '/' || url === '/index.html') body = PAGE;
    else if (url === '/book.epub') file = path.resolve(epub);
    else if (url.startsWith('/foliate/')) {
      file = path.resolve(root, '.' + url.slice('/foliate'.length));
      if (!file.startsWith(root + path.sep)) file = null;
    }
    if (body === null && (file === null || !fs.existsSync(file))) {
      res.writeHead(404);
      res.end();
      return;
    }
    const type = body !== null ? 'text/html; charset=utf-8'
      : TYPES[path.extname(file)] || 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type });
    res.end(body !== null ? body : fs.readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const { browser, close } = await launchChromium(puppeteerDir, chromium, 'refolio-foliate-', []);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setViewport({ width: 360, height: 640 });
    if (shot) await page.exposeFunction('harnessShot', () => page.screenshot({ path: shot }).then(() => true));
    await page.goto(`http://127.0.0.1:${port}/index.html`, { waitUntil: 'load' });
    await page.waitForFunction('window.harnessReady === true', { timeout: 10000 });
    const out = await page.evaluate((id) => window.run(id), citeId);
    out.pageErrors = errors;
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    await close();
    server.close();
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
