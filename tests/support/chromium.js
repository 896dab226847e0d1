// Debian's Chromium, headless, driven by puppeteer-core, for the Node
// harnesses of the tests (tests/foliate/*.js, tests/flatteners/innertext.js):
// a fresh profile in a temporary directory, no network chatter, no browser
// download.
//
//   const { browser, close } = await launchChromium(PUPPETEER_CORE_DIR, CHROMIUM, 'refolio-x-', []);
//   try { … } finally { await close(); }
//
// `close` shuts the browser and removes the profile.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

async function launchChromium(puppeteerDir, chromium, prefix, extraArgs) {
  const puppeteer = require(path.resolve(puppeteerDir));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  let browser;
  try {
    browser = await puppeteer.launch({
      executablePath: chromium,
      ignoreDefaultArgs: true,
      pipe: true,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
        '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', ...extraArgs,
        `--user-data-dir=${profile}`, 'about:blank',
      ],
    });
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const close = async () => {
    try {
      await browser.close();
    } finally {
      fs.rmSync(profile, { recursive: true, force: true });
    }
  };
  return { browser, close };
}

module.exports = { launchChromium };
