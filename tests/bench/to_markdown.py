#!/usr/bin/env python3
"""Write the pandoc-Markdown equivalent of a refolio JSON document.

    python3 to_markdown.py ARTICLE.json > ARTICLE.md

Citations become footnote references `[^N]` and the reference list becomes
footnote definitions, so pandoc has the same content and the same linking
work to do as refolio: a fair whole-program comparison. Only the Python
standard library is used.
"""
import json
import sys


def inlines(items):
    out = []
    for i in items:
        k = i["kind"]
        if k == "text":
            out.append(i["text"].replace("\\", "\\\\").replace("[", "\\[").replace("*", "\\*"))
        elif k == "cite":
            out.append(f"[^{i['n']}]")
        elif k == "link":
            out.append(f"<{i['url']}>")
    return "".join(out)


def block(b, depth=0):
    k = b["kind"]
    if k == "paragraph":
        return inlines(b["inlines"])
    if k == "quote":
        return "> " + inlines(b["inlines"])
    if k == "rule":
        return "* * *"
    if k == "figure":
        alt = inlines(b["alt"])
        cap = inlines(b["caption"]) if b.get("caption") else alt
        return f"![{cap}](figure.png \"{alt.replace(chr(34), '')}\")"
    if k == "list":
        return "\n".join(list_lines(b, 0))
    raise ValueError(k)


def list_lines(lst, depth):
    lines = []
    for n, item in enumerate(lst["items"], start=lst.get("start", 1)):
        marker = f"{n}." if lst["ordered"] else "-"
        lines.append("    " * depth + f"{marker} {inlines(item['inlines'])}")
        for child in item["children"]:
            lines.extend(list_lines(child, depth + 1))
    return lines


def main():
    doc = json.load(open(sys.argv[1], encoding="utf-8"))["document"]
    parts = [f"---\ntitle: \"{doc['title']['text'].replace(chr(34), '')}\"\nlang: {doc['meta']['lang']}\n---"]
    if doc.get("lead_figure"):
        parts.append(block(dict(doc["lead_figure"], kind="figure")))
    parts += [block(b) for b in doc["blocks"]]
    for s in doc["sections"]:
        parts.append("## " + inlines(s["heading"]["inlines"]))
        parts += [block(b) for b in s["blocks"]]
    for r in doc["references"]:
        parts.append(f"[^{r['n']}]: {r['raw']}")
    sys.stdout.write("\n\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
