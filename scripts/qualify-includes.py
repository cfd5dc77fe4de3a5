#!/usr/bin/env python3
"""Rewrites every project include to the root-qualified form.

    #include "model/Model.h"        (core/ as an include root)   -> "core/model/Model.h"
    #include "lab/QuantizePanel.h"  (ui/ as an include root)     -> "ui/lab/QuantizePanel.h"
    #include "Conv2D.h"             (the including file's folder) -> "core/runtime/.../Conv2D.h"

An include is resolved the way the compiler does for that file: first the including file's
own folder, then the include roots its target has (see ROOTS), in order. Includes that resolve
to no file of the tree (system headers in quotes, flatc's generated headers, moc files) are left
alone, and so are includes already written from the repository root, so a second run changes
nothing. Only the `#include "..."` lines change; comments and code stay byte for byte.

Usage: scripts/qualify-includes.py [--check] [REPO]   (REPO defaults to this script's checkout)
  --check   change nothing; list the includes that would change and exit 1 if there are any.
"""

import os
import re
import sys

FOLDERS = ("core", "ui", "app", "tests", "bench", "fuzz")
EXTENSIONS = (".h", ".hpp", ".cpp", ".cc")
INCLUDE = re.compile(r'^(\s*#\s*include\s*)"([^"]+)"(.*)$')

# The include roots of each part of the tree, in the order the build gives them (its own
# target's folders first). Paths are relative to the repository root.
ROOTS = [
    ("core/", ["core"]),
    ("ui/", ["ui", "core"]),
    ("app/gui/", ["ui", "core"]),
    ("app/cli/", ["app/cli", "core"]),
    ("tests/core/", ["tests/support", "core"]),
    ("tests/cli/", ["tests/support", "app/cli", "core"]),
    ("tests/ui/", ["tests/support", "ui", "core"]),
    ("tests/support/", ["tests/support", "core"]),
    ("bench/", ["ui", "core"]),
    ("fuzz/", ["tests/support", "core"]),
]


def roots_for(rel_path):
    for prefix, roots in ROOTS:
        if rel_path.startswith(prefix):
            return roots
    return ["core"]


def resolve(repo, rel_file, target):
    """The repository-relative path the include names, or None when it is not a tree file."""
    if target.split("/", 1)[0] in FOLDERS and os.path.isfile(os.path.join(repo, target)):
        return target  # already root-qualified
    candidates = [os.path.dirname(rel_file)] + roots_for(rel_file)
    for folder in candidates:
        path = os.path.normpath(os.path.join(folder, target))
        if path.startswith(".."):
            continue
        if os.path.isfile(os.path.join(repo, path)):
            return path.replace(os.sep, "/")
    return None


def rewrite(repo, rel_file, text):
    changes = []
    out = []
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        body = line.rstrip("\r\n")
        m = INCLUDE.match(body)
        if m:
            qualified = resolve(repo, rel_file, m.group(2))
            if qualified and qualified != m.group(2):
                changes.append((number, m.group(2), qualified))
                line = f'{m.group(1)}"{qualified}"{m.group(3)}' + line[len(body):]
        out.append(line)
    return "".join(out), changes


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    repo = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    total = 0
    files = 0
    for folder in FOLDERS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(repo, folder)):
            dirnames[:] = sorted(d for d in dirnames if d != "build")
            for name in sorted(filenames):
                if not name.endswith(EXTENSIONS):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, repo).replace(os.sep, "/")
                with open(path, encoding="utf-8", newline="") as f:
                    text = f.read()
                new_text, changes = rewrite(repo, rel, text)
                if not changes:
                    continue
                files += 1
                total += len(changes)
                if check:
                    for number, old, new in changes:
                        print(f'{rel}:{number}: "{old}" -> "{new}"')
                else:
                    with open(path, "w", encoding="utf-8", newline="") as f:
                        f.write(new_text)
    verb = "would change" if check else "changed"
    print(f"{verb} {total} includes in {files} files", file=sys.stderr)
    return 1 if check and total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
