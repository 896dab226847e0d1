"""Multi-use notes: a WordPress-footnote-plugin style page made from a corpus truth.

The corpus articles cite every note once. Footnote plugins let an author cite
one note several times: the list entry then carries one back-link per
citation. `make(truth)` rewrites the truth's citations deterministically so
that every third citation re-cites the reference cited just before it, drops
the references no longer cited, renumbers by first occurrence, and returns
(html, new_truth). The new truth has the corpus schema (see
../shared/corpus/README.md), so score.py reads it unchanged.

The page is shaped as a WordPress theme shapes a post: an <article> with the
title in an h1 and the text in a div (without <article>, trafilatura drops
the notes list as boilerplate). The text: the blocks (paragraphs, h2..h6
headings, lists, figures, block quotes), each citation as
`<sup><a href="#fn-N" id="fnref-N-K">N</a></sup>` (K = the K-th citation of
note N), then `<h2>Notes</h2><ol class="wp-block-footnotes">` whose
`<li id="fn-N">` ends with one back-link `<a href="#fnref-N-K">↩︎</a>` per
citation, separated by spaces.

Standard library only; nothing of the corpus is stored in the repository.
"""
import copy
import html

EVERY = 3          # every EVERY-th citation re-cites the one before it
BACK = '\u21a9\ufe0e'  # ↩︎, the back-link text pandoc and WordPress use


def recite(truth):
    """The truth's citations in reading order, rewritten: a list of
    (block index, offset, old number, new number) before renumbering."""
    seq = []
    for i, b in enumerate(truth['blocks']):
        for o, n in sorted(b['cites']):
            seq.append([i, o, n, n])
    for k in range(1, len(seq)):
        same_place = seq[k][:2] == seq[k - 1][:2]
        if (k + 1) % EVERY == 0 and not same_place:
            seq[k][3] = seq[k - 1][3]
    return seq


def make(truth):
    """-> (html page, new truth dict) for one corpus truth dict."""
    seq = recite(truth)
    new_no = {}                       # old reference number -> new, by first use
    for _, _, _, n in seq:
        new_no.setdefault(n, len(new_no) + 1)
    refs = {r['n']: r for r in truth['references']}
    t = copy.deepcopy(truth)
    for b in t['blocks']:
        b['cites'] = []
    uses = {}                         # new number -> citations so far
    marks = {}                        # (block, offset) -> [(new n, k), ...]
    for i, o, _, n in seq:
        m = new_no[n]
        uses[m] = uses.get(m, 0) + 1
        t['blocks'][i]['cites'].append([o, m])
        marks.setdefault((i, o), []).append((m, uses[m]))
    t['references'] = [{'n': m, 'text': refs[old]['text'], 'occurrences': uses[m]}
                       for old, m in sorted(new_no.items(), key=lambda x: x[1])]
    t['multiuse'] = 'every %dth citation re-cites the previous reference' % EVERY
    doc = page(t, marks)
    if doc.count('<sup>') != len(seq):   # a citation inside alt text has no place
        raise ValueError('%s: %d of %d citations placed' % (t.get('name'), doc.count('<sup>'), len(seq)))
    return doc, t


def sup(m, k):
    return '<sup><a href="#fn-%d" id="fnref-%d-%d">%d</a></sup>' % (m, m, k, m)


def inline(text, start, marks, block):
    """text (the slice of block `block`'s text that starts at `start`) as
    HTML with the citations that fall inside it; line breaks become <br />."""
    out, pos = [], 0
    for (i, o), ms in sorted(marks.items()):
        rel = o - start
        if i != block or not 0 <= rel <= len(text):
            continue
        out.append(html.escape(text[pos:rel], quote=False))
        out.extend(sup(m, k) for m, k in ms)
        pos = rel
    out.append(html.escape(text[pos:], quote=False))
    return ''.join(out).replace('\n', '<br />\n')


def page(t, marks):
    title = html.escape(t['title'], quote=False)
    body = []
    for i, b in enumerate(t['blocks']):
        k, text = b['kind'], b['text']
        if k == 'heading':
            lv = min(max(int(b.get('level', 2)), 2), 6)
            body.append('<h%d>%s</h%d>' % (lv, inline(text, 0, marks, i), lv))
        elif k == 'paragraph':
            body.append('<p>%s</p>' % inline(text, 0, marks, i))
        elif k == 'quote':
            body.append('<blockquote>\n<p>%s</p>\n</blockquote>' % inline(text, 0, marks, i))
        elif k in ('bullet_list', 'ordered_list'):
            tag = 'ul' if k == 'bullet_list' else 'ol'
            start = b.get('start')
            attr = ' start="%d"' % start if tag == 'ol' and start not in (None, 1) else ''
            items, off = [], 0
            for item in b['items']:
                items.append('<li>%s</li>' % inline(item, off, marks, i))
                off += len(item) + 1
            body.append('<%s%s>\n%s\n</%s>' % (tag, attr, '\n'.join(items), tag))
        elif k == 'figure':
            alt, cap = b.get('alt', ''), b.get('caption', '')
            fig = ['<figure>', '<img src="figure.png" alt="%s" />' % html.escape(alt)]
            if cap:
                off = len(alt) + 1 if alt else 0
                fig.append('<figcaption>%s</figcaption>' % inline(cap, off, marks, i))
            fig.append('</figure>')
            body.append('\n'.join(fig))
        else:
            raise ValueError('unknown block kind %r' % k)
    notes = []
    for r in t['references']:
        m = r['n']
        back = ' '.join('<a href="#fnref-%d-%d">%s</a>' % (m, k, BACK)
                        for k in range(1, r['occurrences'] + 1))
        notes.append('<li id="fn-%d">%s %s</li>' % (m, html.escape(r['text'], quote=False), back))
    body.append('<h2>Notes</h2>\n<ol class="wp-block-footnotes">\n%s\n</ol>' % '\n'.join(notes))
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n<title>%s</title>\n'
            '</head>\n<body>\n<article class="post">\n<header class="entry-header">\n'
            '<h1 class="entry-title">%s</h1>\n</header>\n<div class="entry-content">\n%s\n</div>\n'
            '</article>\n</body>\n</html>\n') % (title, title, '\n'.join(body))
