// Browser copy-paste: `document.body.innerText` of local HTML pages, as
// Chromium renders them (what select-all + copy in the browser gives).
//
//   node innertext.js PUPPETEER_CORE_DIR CHROMIUM JOBS.json
//
// JOBS.json is [[page.html, out.txt], ...]. One browser serves all pages.
// Chromium runs headless with networking off (the pages are local files)
// and a fresh profile in a temporary directory, removed at the end.
'use strict';
const fs = require('fs');
const path = require('path');
const { launchChromium } = require('../support/chromium.js');

async function main() {
  const [puppeteerDir, chromium, jobsFile] = process.argv.slice(2);
  if (!jobsFile) {
    console.error('usage: node innertext.js PUPPETEER_CORE_DIR CHROMIUM JOBS.json');
    process.exit(2);
  }
  const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
  const { browser, close } = await launchChromium(puppeteerDir, chromium, 'refolio-chromium-', []);
  try {
    const page = await browser.newPage();
    for (const [html, out] of jobs) {
      await page.goto('file://' + path.resolve(html), { waitUntil: 'load' });
      const text = await page.evaluate(() => document.body.innerText);
      fs.writeFileSync(out, text.endsWith('\n') ? text : text + '\n');
    }
  } finally {
    await close();
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
