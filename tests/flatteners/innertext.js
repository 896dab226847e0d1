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
const os = require('os');
const path = require('path');

async function main() {
  const [puppeteerDir, chromium, jobsFile] = process.argv.slice(2);
  if (!jobsFile) {
    console.error('usage: node innertext.js PUPPETEER_CORE_DIR CHROMIUM JOBS.json');
    process.exit(2);
  }
  const puppeteer = require(path.resolve(puppeteerDir));
  const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'refolio-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: chromium,
    ignoreDefaultArgs: true,
    pipe: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      `--user-data-dir=${profile}`, 'about:blank',
    ],
  });
  try {
    const page = await browser.newPage();
    for (const [html, out] of jobs) {
      await page.goto('file://' + path.resolve(html), { waitUntil: 'load' });
      const text = await page.evaluate(() => document.body.innerText);
      fs.writeFileSync(out, text.endsWith('\n') ? text : text + '\n');
    }
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
