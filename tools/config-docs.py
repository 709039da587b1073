#!/usr/bin/env python3
"""Keep the settings in the docs what newsd's settings table says.

    tools/config-docs.py NEWSD --check   exit 1, naming each difference, when the docs differ
    tools/config-docs.py NEWSD --write   rewrite them from the table

docs/configuration.md: each table between a line `<!-- newsd --help-config=markdown -->` and the
next `<!-- end -->` is the matching table of `newsd --help-config=markdown` (global settings,
then the per-source ones).  man/newsd.conf.5: the heading of each setting (the `.BR` line after
`.TP`) is its line of `newsd --help-config=man`, in the table's order; the prose under it is
written by hand.
"""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKDOWN = os.path.join(ROOT, "docs", "configuration.md")
MAN = os.path.join(ROOT, "man", "newsd.conf.5")
BEGIN = "<!-- newsd --help-config=markdown -->"
END = "<!-- end -->"


def help_config(newsd, fmt):
    return subprocess.run([newsd, "--help-config=" + fmt], check=True, capture_output=True,
                          text=True).stdout


def markdown_doc(newsd, text):
    """text with its marked tables replaced by the generated ones."""
    tables = [t.strip("\n") for t in help_config(newsd, "markdown").split("\n\n") if t.strip()]
    lines, out, k, i = text.split("\n"), [], 0, 0
    while i < len(lines):
        out.append(lines[i])
        if lines[i].strip() == BEGIN:
            if k >= len(tables):
                raise SystemExit("%s: more marked tables than newsd has" % MARKDOWN)
            out.extend(tables[k].split("\n"))
            k += 1
            while i < len(lines) and lines[i].strip() != END:
                i += 1
            if i == len(lines):
                raise SystemExit("%s: %s without %s" % (MARKDOWN, BEGIN, END))
            out.append(lines[i])
        i += 1
    if k != len(tables):
        raise SystemExit("%s: %d marked tables, newsd has %d" % (MARKDOWN, k, len(tables)))
    return "\n".join(out)


def setting_name(line):
    m = re.match(r'\.BR "?([A-Za-z0-9_.]+)"?(?: |$)', line)
    return m.group(1) if m else None


def man_doc(newsd, text):
    """text with the heading of each setting replaced by the generated one."""
    wanted = [l for l in help_config(newsd, "man").split("\n") if l.strip()]
    lines = text.split("\n")
    at = 0
    for heading in wanted:
        name = setting_name(heading)
        while at < len(lines) and not (lines[at - 1] == ".TP" and setting_name(lines[at]) == name):
            at += 1
        if at == len(lines):
            raise SystemExit("%s: no heading for %s (after the previous setting's)" % (MAN, name))
        lines[at] = heading
        at += 1
    return "\n".join(lines)


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("--check", "--write"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    newsd, write = sys.argv[1], sys.argv[2] == "--write"
    differ = 0
    for path, make in ((MARKDOWN, markdown_doc), (MAN, man_doc)):
        with open(path) as f:
            old = f.read()
        new = make(newsd, old)
        if new == old:
            continue
        if write:
            with open(path, "w") as f:
                f.write(new)
            print("rewrote %s" % os.path.relpath(path, ROOT))
            continue
        differ = 1
        for a, b in zip(old.split("\n"), new.split("\n")):
            if a != b:
                print("%s: %r\n  newsd --help-config: %r" % (os.path.relpath(path, ROOT), a, b))
    if differ:
        print("the docs differ from newsd's settings table: tools/config-docs.py NEWSD --write",
              file=sys.stderr)
    return differ


if __name__ == "__main__":
    sys.exit(main())
