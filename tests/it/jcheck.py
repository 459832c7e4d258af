#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""jcheck: assert facts about a JSON document (the tests' one JSON checker).

  jcheck.py FILE [--arg NAME VALUE]... EXPR...    every EXPR must be true
  jcheck.py FILE --get EXPR                       print EXPR's value
  jcheck.py FILE --lines EXPR...                  each line of FILE is a JSON
                                                  document (d); EXPR on every one
  jcheck.py FILE --subset EXPECTED.json           EXPECTED is contained in FILE

FILE "-" is stdin.  EXPR is a Python expression over the document `d` in
which a jq-like path reads a field: `.devices[0].reasons` is
d["devices"][0]["reasons"], `.iommu.enabled` d["iommu"]["enabled"], `x.bdf`
x["bdf"] (a method call `x.split()` stays one).  Helpers: by(LIST, KEY)
maps each element by its KEY field; codes(LIST) is the "code" of each.
  jcheck.py c.json '.ok' '[r.code for r in .reasons] == ["iommu-off"]'
  jcheck.py status.json 'by(.devices, "bdf")["0000:18:00.0"].state == "done"'
On a false EXPR it names it and the values of both sides of a comparison,
exits 1.  --subset: every key of an EXPECTED object must be in FILE's with a
contained value; lists must have the same length, element by element.
"""
import ast
import io
import json
import keyword
import sys
import tokenize


def translate(expr):
    """The jq-like paths of EXPR as Python subscripts of d."""
    toks = list(tokenize.generate_tokens(io.StringIO(expr).readline))
    out = []
    prev = None  # the previous significant token
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if t.type == tokenize.OP and t.string == ".":
            after = toks[i + 2] if i + 2 < len(toks) else None
            on_value = prev is not None and (
                (prev.type == tokenize.NAME and not keyword.iskeyword(prev.string))
                or (prev.type == tokenize.OP and prev.string in (")", "]"))
                or prev.type == tokenize.STRING)
            if nxt is not None and nxt.type == tokenize.NAME:
                method = after is not None and after.type == tokenize.OP and after.string == "("
                if on_value and method:
                    out += [(tokenize.OP, "."), (tokenize.NAME, nxt.string)]
                elif on_value:
                    out += [(tokenize.OP, "["), (tokenize.STRING, repr(nxt.string)), (tokenize.OP, "]")]
                else:
                    out += [(tokenize.NAME, "d"), (tokenize.OP, "["), (tokenize.STRING, repr(nxt.string)),
                            (tokenize.OP, "]")]
                prev = tokenize.TokenInfo(tokenize.OP, "]", (0, 0), (0, 0), "")
                i += 2
                continue
            if not on_value:  # "." alone: the document
                out.append((tokenize.NAME, "d"))
                prev = tokenize.TokenInfo(tokenize.NAME, "d", (0, 0), (0, 0), "")
                i += 1
                continue
        if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT,
                          tokenize.DEDENT, tokenize.COMMENT):
            prev = t
        out.append((t.type, t.string))
        i += 1
    return tokenize.untokenize(out).strip()


def by(items, key):
    return {x[key]: x for x in items}


def codes(items):
    return [x["code"] for x in items]


def short(v):
    s = json.dumps(v) if not isinstance(v, (set, tuple)) else repr(v)
    return s if len(s) <= 400 else s[:400] + "..."


def check(doc, expr, env):
    py = translate(expr)
    scope = dict(env, d=doc, by=by, codes=codes, json=json)
    try:
        ok = eval(py, scope)
    except Exception as e:  # a missing key or a wrong type is a failure too
        return "%s: %s: %s" % (expr, type(e).__name__, e)
    if ok:
        return None
    msg = "false: " + expr
    node = ast.parse(py, mode="eval").body
    if isinstance(node, ast.Compare) and len(node.comparators) == 1:
        try:
            left = eval(compile(ast.Expression(node.left), "<l>", "eval"), scope)
            right = eval(compile(ast.Expression(node.comparators[0]), "<r>", "eval"), scope)
            msg += "\n  left:  %s\n  right: %s" % (short(left), short(right))
        except Exception:
            pass
    return msg


def contained(want, got, path="."):
    """Where WANT is not in GOT (None if it is)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return "%s: expected an object, got %s" % (path, short(got))
        for k, v in want.items():
            if k not in got:
                return "%s: no key %s" % (path, k)
            r = contained(v, got[k], path.rstrip(".") + "." + k)
            if r:
                return r
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return "%s: expected %d elements, got %s" % (path, len(want), short(got))
        for n, (w, g) in enumerate(zip(want, got)):
            r = contained(w, g, "%s[%d]" % (path, n))
            if r:
                return r
        return None
    if want != got or type(want) is not type(got):
        return "%s: expected %s, got %s" % (path, short(want), short(got))
    return None


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    name = argv[1]
    text = sys.stdin.read() if name == "-" else open(name).read()
    args = argv[2:]
    env, exprs, mode = {}, [], "assert"
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--arg":
            env[args[i + 1]] = args[i + 2]
            i += 3
            continue
        if a in ("--get", "--lines", "--subset"):
            mode = a[2:]
        else:
            exprs.append(a)
        i += 1
    try:
        docs = [json.loads(l) for l in text.splitlines() if l.strip()] if mode == "lines" else [json.loads(text)]
    except ValueError as e:
        print("jcheck: %s: not JSON: %s" % (name, e), file=sys.stderr)
        return 1
    if mode == "get":
        v = eval(translate(exprs[0]), dict(env, d=docs[0], by=by, codes=codes, json=json))
        if isinstance(v, (list, tuple)):
            for x in v:
                print(x)
        else:
            print(v if isinstance(v, str) else json.dumps(v))
        return 0
    if mode == "subset":
        r = contained(json.load(open(exprs[0])), docs[0])
        if r:
            print("jcheck: %s does not contain %s: %s" % (name, exprs[0], r), file=sys.stderr)
            return 1
        return 0
    bad = 0
    for doc in docs:
        for e in exprs:
            r = check(doc, e, env)
            if r:
                print("jcheck: %s: %s" % (name, r), file=sys.stderr)
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
