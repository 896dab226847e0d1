#!/usr/bin/env python3
"""Render the corpus as web pages and flatten them with the tools people use.

    flatten.py --corpus ../shared/corpus --out DIR [--tools w3m,lynx,...]
    flatten.py --check      # exit 3 and name what is missing

For each corpus/raw/NAME.md that has corpus/NAME.truth.json the page is
rendered as corpus/render/README.md says (prep.py, then
`pandoc -s -f markdown-smart --lua-filter typo.lua`) into DIR/html/NAME.html.
For each seed-style article (corpus/NAME.txt with its truth) multiuse.py makes
a page whose notes are cited several times, into DIR/multiuse-html/, with its
own truth. Every page is then flattened by every tool:

  browser       Chromium's document.body.innerText (innertext.js, puppeteer-core;
                one headless browser for all pages)
  w3m           w3m -dump -T text/html -I UTF-8 -O UTF-8   (80 columns)
  lynx          lynx -dump -nolist -assume_charset=utf-8 -display_charset=utf-8
  html2text     html2text.HTML2Text() with its defaults = the CLI's
                (body width 78, Markdown emphasis, inline [links](url))
  trafilatura   trafilatura.extract(output_format='txt', include_comments=False),
                otherwise defaults (they keep the notes); the page title, which
                txt output leaves out unless the h1 is inside the <article>,
                is put on the first line
  pandoc-plain  pandoc -f html -t plain   (its default wrap: 72 columns)

into DIR/<tool>/NAME.txt and DIR/multiuse-<tool>/NAME.txt, each beside the
truth it is scored against (NAME.truth.json). COLUMNS and LINES are removed
from the tools' environment so the widths do not depend on the terminal.

Needs python3 with html2text and trafilatura, w3m, lynx, pandoc, node,
chromium and puppeteer-core (scripts/install-validators.sh installs them all;
the module is looked up in $REFOLIO_PUPPETEER_CORE, else in the installer's
tools folder). Nothing of the corpus is stored in the repository.
"""
import argparse
import concurrent.futures as cf
import html
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import multiuse  # noqa: E402

TOOLS = ('browser', 'w3m', 'lynx', 'html2text', 'trafilatura', 'pandoc-plain')
PUPPETEER_VERSION = '24.43.1'   # as scripts/install-validators.sh installs it

# Tools run as one process per page: argv for an HTML file.
COMMANDS = {
    'w3m': lambda f: ['w3m', '-dump', '-T', 'text/html', '-I', 'UTF-8', '-O', 'UTF-8', '-cols', '80', f],
    'lynx': lambda f: ['lynx', '-dump', '-nolist', '-assume_charset=utf-8', '-display_charset=utf-8', f],
    'pandoc-plain': lambda f: ['pandoc', '-f', 'html', '-t', 'plain', f],
}
ENV = {k: v for k, v in os.environ.items() if k not in ('COLUMNS', 'LINES')}
ENV.setdefault('LANG', 'C.UTF-8')


def puppeteer_dir():
    """puppeteer-core's module folder: $REFOLIO_PUPPETEER_CORE, else where the
    installer puts it ($REFOLIO_TOOLS_DIR or ~/.cache/refolio-tools)."""
    if os.environ.get('REFOLIO_PUPPETEER_CORE'):
        return Path(os.environ['REFOLIO_PUPPETEER_CORE'])
    tools = os.environ.get('REFOLIO_TOOLS_DIR') or os.path.join(os.path.expanduser('~'), '.cache', 'refolio-tools')
    return Path(tools) / ('puppeteer-core-' + PUPPETEER_VERSION) / 'node_modules' / 'puppeteer-core'


def chromium():
    return os.environ.get('PUPPETEER_EXECUTABLE_PATH') or shutil.which('chromium')


def missing(tools):
    """What `tools` need and this machine lacks, as readable strings."""
    need = {'pandoc'}                     # the corpus is rendered with pandoc
    for t in tools:
        need |= {'browser': {'node', 'chromium', 'puppeteer-core'}, 'w3m': {'w3m'}, 'lynx': {'lynx'},
                 'html2text': {'py:html2text'}, 'trafilatura': {'py:trafilatura'},
                 'pandoc-plain': {'pandoc'}}[t]
    out = []
    for n in sorted(need):
        if n.startswith('py:'):
            if importlib.util.find_spec(n[3:]) is None:
                out.append('python3 module %s' % n[3:])
        elif n == 'chromium':
            if not chromium():
                out.append('chromium')
        elif n == 'puppeteer-core':
            if not (puppeteer_dir() / 'package.json').is_file():
                out.append('puppeteer-core (%s)' % puppeteer_dir())
        elif not shutil.which(n):
            out.append(n)
    return out


def run(argv):
    """stdout of argv; an exception naming it if it fails."""
    p = subprocess.run(argv, capture_output=True, env=ENV)
    if p.returncode != 0:
        raise RuntimeError('%s exited %d: %s' % (' '.join(map(str, argv)), p.returncode,
                                                 p.stderr.decode('utf-8', 'replace')[-2000:]))
    return p.stdout


def render(corpus, name, work, out):
    """corpus/raw/NAME.md -> out (the page the site shows), via render/."""
    rd = corpus / 'render'
    md = work / (name + '.md')
    run([sys.executable, str(rd / 'prep.py'), str(corpus / 'raw' / (name + '.md')),
         str(corpus / (name + '.truth.json')), str(md)])
    run(['pandoc', '-s', '-f', 'markdown-smart', '--lua-filter', str(rd / 'typo.lua'), str(md), '-o', str(out)])


def page_title(doc):
    m = re.search(r'<title>(.*?)</title>', doc, re.S)
    return html.unescape(re.sub(r'\s+', ' ', m.group(1))).strip() if m else ''


def py_flatten(tool, doc):
    """html2text or trafilatura, as libraries (imported once)."""
    if tool == 'html2text':
        import html2text
        return html2text.HTML2Text().handle(doc)
    import trafilatura
    logging.getLogger('trafilatura').setLevel(logging.ERROR)
    body = trafilatura.extract(doc, output_format='txt', include_comments=False) or ''
    title = page_title(doc)
    if body.split('\n', 1)[0].strip() != title:    # kept when the h1 is in the <article>
        body = title + '\n' + body
    return body + '\n'


def as_rendered(truth):
    """The truth as the rendered page numbers it: pandoc makes one note per
    citation ("a note cited k times becomes k notes"), numbered in reading
    order, so a reference cited k times is k references of one citation
    each. Identity for an article whose references are each cited once in
    order."""
    texts = {r['n']: r['text'] for r in truth['references']}
    refs, k = [], 0
    for b in truth['blocks']:
        cites = []
        for off, num in sorted(b['cites']):
            k += 1
            cites.append([off, k])
            refs.append({'n': k, 'text': texts.get(num, ''), 'occurrences': 1})
        b['cites'] = cites
    truth['references'] = refs
    return truth


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--corpus', type=Path, default=HERE.parents[2] / 'shared' / 'corpus')
    ap.add_argument('--out', type=Path)
    ap.add_argument('--tools', default=','.join(TOOLS), help='comma-separated subset of ' + ', '.join(TOOLS))
    ap.add_argument('--check', action='store_true', help='only report missing tools (exit 3 if any)')
    a = ap.parse_args(argv)
    tools = [t for t in a.tools.split(',') if t]
    bad = [t for t in tools if t not in TOOLS]
    if bad:
        ap.error('unknown tool(s): %s' % ', '.join(bad))
    lack = missing(tools)
    if lack:
        print('missing: ' + ', '.join(lack), file=sys.stderr)
        return 3
    if a.check:
        return 0
    if not a.out:
        ap.error('--out DIR is required')
    t0 = time.time()
    corpus = a.corpus.resolve()
    names = sorted(p.stem for p in (corpus / 'raw').glob('*.md') if (corpus / (p.stem + '.truth.json')).is_file())
    seeds = sorted(n for n in names if (corpus / (n + '.txt')).is_file())
    if not names:
        sys.exit('no raw/*.md with a truth file in %s' % corpus)
    out = a.out.resolve()
    for fam in ('', 'multiuse-'):
        for t in ['html'] + tools:
            d = out / (fam + t)
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
    pages = []             # (variant dir prefix, name, html path, truth json text)
    with tempfile.TemporaryDirectory(prefix='refolio-flatten-') as tmp, \
            cf.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        work = Path(tmp)
        rendered = {n: pool.submit(render, corpus, n, work, out / 'html' / (n + '.html')) for n in names}
        for n in seeds:
            doc, truth = multiuse.make(json.loads((corpus / (n + '.truth.json')).read_text(encoding='utf-8')))
            (out / 'multiuse-html' / (n + '.html')).write_text(doc, encoding='utf-8')
            pages.append(('multiuse-', n, out / 'multiuse-html' / (n + '.html'),
                          json.dumps(truth, ensure_ascii=False, indent=1)))
        for n, f in rendered.items():
            f.result()
            truth = as_rendered(json.loads((corpus / (n + '.truth.json')).read_text(encoding='utf-8')))
            pages.append(('', n, out / 'html' / (n + '.html'), json.dumps(truth, ensure_ascii=False, indent=1)))
        pages.sort()
        for fam, n, _, truth in pages:
            for t in tools:
                (out / (fam + t) / (n + '.truth.json')).write_text(truth, encoding='utf-8')
        txt = lambda fam, t, n: out / (fam + t) / (n + '.txt')  # noqa: E731
        browser = None
        if 'browser' in tools:
            jobs = work / 'innertext-jobs.json'
            jobs.write_text(json.dumps([[str(p), str(txt(fam, 'browser', n))] for fam, n, p, _ in pages]))
            browser = subprocess.Popen(['node', str(HERE / 'innertext.js'), str(puppeteer_dir()), chromium(),
                                        str(jobs)], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        done = [pool.submit(lambda t=t, fam=fam, n=n, p=p: txt(fam, t, n).write_bytes(run(COMMANDS[t](str(p)))))
                for fam, n, p, _ in pages for t in tools if t in COMMANDS]
        for fam, n, p, _ in pages:          # the Python tools share this thread
            doc = p.read_text(encoding='utf-8')
            for t in tools:
                if t in ('html2text', 'trafilatura'):
                    txt(fam, t, n).write_text(py_flatten(t, doc), encoding='utf-8')
        for f in done:
            f.result()
        if browser:
            so, se = browser.communicate()
            if browser.returncode != 0:
                raise RuntimeError('innertext.js exited %d: %s' % (browser.returncode, se.decode('utf-8', 'replace')))
    print('flatten.py: %d pages (%d rendered, %d multi-use) x %d tools in %.1f s -> %s' % (
        len(pages), len(names), len(seeds), len(tools), time.time() - t0, out), file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
