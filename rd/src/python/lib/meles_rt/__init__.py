"""Meles's Python side of RD code (called from rd/src/python, not by RD authors).

RD code written for DaCHS is compiled here into functions whose line numbers are those of
the RD file, so that tracebacks and syntax errors name the RD and its line.  The names that
code sees come from rmkfuncs (the rowmaker namespace) and the gavo package next to this one.
"""
import ast
import re
import sys

import _meles

from .errors import (DatabaseError, ValidationError, IgnoreThisRow,  # noqa: F401 (used by C++)
                     SkipThis)

AT_PATTERN = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")


def replace_at(src, dict_name):
    """@name -> dict_name["name"], as DaCHS does in rowmaker and procedure code."""
    if not dict_name or "@" not in src:
        return src
    return AT_PATTERN.sub(lambda m: '%s["%s"]' % (dict_name, m.group(1)), src)


def _shift_syntax_error(ex, filename, delta):
    if isinstance(ex, SyntaxError) and ex.lineno is not None and (ex.filename in (None, filename, "<unknown>")):
        ex.lineno += delta
        ex.filename = filename
        if getattr(ex, "end_lineno", None) is not None:
            ex.end_lineno += delta
    return ex


def parse_at(src, filename, first_line, mode="exec"):
    """ast of src whose line 1 is RD line first_line."""
    try:
        tree = ast.parse(src, filename, mode)
    except SyntaxError as ex:
        raise _shift_syntax_error(ex, filename, first_line - 1)
    ast.increment_lineno(tree, first_line - 1)
    return tree


def indent(src, prefix="    "):
    return "\n".join((prefix + l) if l.strip() else l for l in src.split("\n"))


def parse_function(name, args, body, filename, first_line, preamble=()):
    """A FunctionDef `def name(args): <preamble statements> <body>` with RD line numbers.

    preamble: list of ast statements (late parameter bindings) put before the body."""
    src = "def %s(%s):\n%s\n" % (name, args, indent(body) if body.strip() else "    pass")
    try:
        tree = ast.parse(src, filename, "exec")
    except SyntaxError as ex:
        raise _shift_syntax_error(ex, filename, first_line - 2)
    ast.increment_lineno(tree, first_line - 2)
    fdef = tree.body[0]
    if fdef.lineno < 1:
        ast.increment_lineno(tree, 1 - fdef.lineno)
    fdef.body[0:0] = list(preamble)
    return tree


def check(code, filename, first_line, shape, dict_name=""):
    """Raises SyntaxError (with RD lines) if code does not compile as shape."""
    code = replace_at(code, dict_name)
    if shape == "expression":
        tree = parse_at(code.strip(), filename, first_line, "eval")
        compile(tree, filename, "eval")
    elif shape == "function":
        tree = parse_function("_meles_check", "*args, **kwargs", code, filename, first_line)
        compile(tree, filename, "exec")
    else:
        tree = parse_at(code, filename, first_line)
        compile(tree, filename, "exec")


def make_expression(source, filename, first_line, namespace):
    """A function f(vars) evaluating the rowmaker expression source."""
    src = replace_at(source.strip(), "vars")
    tree = parse_at(src, filename, first_line, "eval")
    lam = ast.Expression(body=ast.Lambda(
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg="vars")], vararg=None, kwonlyargs=[],
                           kw_defaults=[], kwarg=None, defaults=[]),
        body=tree.body))
    ast.copy_location(lam.body, tree.body)
    ast.fix_missing_locations(lam)
    return eval(compile(lam, filename, "eval"), namespace)


def _assign(key, expr, filename, line, dict_name):
    """ast statement `key = expr` at RD line `line`."""
    src = replace_at(expr.strip(), dict_name)
    value = parse_at(src, filename, line, "eval").body
    stmt = ast.Assign(targets=[ast.Name(id=key, ctx=ast.Store())], value=value)
    ast.copy_location(stmt, value)
    ast.fix_missing_locations(stmt)
    return stmt


def _imports(spec):
    out = []
    for item in spec:
        item = item.strip()
        if not item:
            continue
        parts = item.split(".")
        if len(parts) > 1:
            out.append("from %s import %s" % (".".join(parts[:-1]), parts[-1]))
        else:
            out.append("import " + item)
    return "\n".join(out)


def make_proc(spec, namespace):
    """Compiles a procedure application.

    spec: {name, args, code, file, line, at, setups: [{imports, code, file, line}],
           pars: [{key, expr, late, file, line}]} (pars with their effective values: the
    application's bind, else the procDef's default).  Early parameters and the setup code run
    now in a copy of namespace, as DaCHS does; late ones run per call inside the function."""
    ns = dict(namespace)
    at = spec.get("at") or ""
    for p in spec["pars"]:
        if p["late"]:
            continue
        if p["expr"] is None:
            raise ValidationError("parameter %s of %s has no value" % (p["key"], spec["name"]))
        tree = ast.Module(body=[_assign(p["key"], p["expr"], p["file"], p["line"], "")], type_ignores=[])
        exec(compile(tree, p["file"], "exec"), ns)
    for s in spec["setups"]:
        imp = _imports(s.get("imports") or [])
        if imp:
            exec(compile(imp, s["file"], "exec"), ns)
        if s.get("code"):
            exec(compile(parse_at(s["code"], s["file"], s["line"]), s["file"], "exec"), ns)
    preamble = [_assign(p["key"], p["expr"], p["file"], p["line"], at)
                for p in spec["pars"] if p["late"] and p["expr"] is not None]
    body = replace_at(spec.get("code") or "", at)
    tree = parse_function(spec["name"], spec["args"], body, spec["file"], spec["line"], preamble)
    exec(compile(tree, spec["file"], "exec"), ns)
    return ns[spec["name"]]


def run_statements(code, filename, first_line, namespace):
    """Runs a block of statements (python scripts, job setup) in namespace."""
    exec(compile(parse_at(code, filename, first_line), filename, "exec"), namespace)


def make_generator(code, filename, first_line, args, namespace):
    """def f(args): code -- for LOOP codeItems and similar bodies."""
    tree = parse_function("_meles_items", args, code, filename, first_line)
    ns = dict(namespace)
    exec(compile(tree, filename, "exec"), ns)
    return ns["_meles_items"]


from . import rmkfuncs  # noqa: E402
from .rdobjects import (make_rd, make_table, make_column, ParseContext,  # noqa: E402,F401
                        TargetTable, ExecDef)
from .cores import InputTable, CoreResult, run_core  # noqa: E402,F401


def rowmaker_namespace(rd, table):
    """Globals for a rowmaker's expressions and applies."""
    ns = dict(rmkfuncs.NAMESPACE)
    ns["rd"] = ns["rd_"] = rd
    ns["targetTable"] = table
    if table is not None:
        ns["tableDef_"] = table.tableDef
    return ns


def proc_namespace(rd, **more):
    """Globals for other procedures (grammars, cores, jobs, scripts)."""
    ns = dict(rmkfuncs.NAMESPACE)
    ns["rd"] = rd
    ns.update(more)
    return ns


def loop_items(gen, context):
    """Runs a LOOP codeItems generator; returns its rows as dicts of strings."""
    out = []
    for row in gen(context):
        if not isinstance(row, dict):
            raise TypeError("LOOP codeItems must yield dicts, not %s" % type(row).__name__)
        out.append({str(k): ("" if v is None else str(v)) for k, v in row.items()})
    return out


def iterate(gen_or_iterable):
    return iter(gen_or_iterable)


def version():
    return sys.version


# -- grammars --------------------------------------------------------------------------

class Grammar(object):
    """The `grammar` of row iterators: the element's attributes as properties, the RD."""

    def __init__(self, name, props, rd):
        self.name_ = name
        self.rd = rd
        self.parent = None
        self.dataPack = None
        for k, v in props.items():
            if k not in ("module", "id"):
                setattr(self, k, v)
        self._props = dict(props)

    def getProperty(self, name, default=None):
        return self._props.get(name, default)


def grammar_object(name, props, rd):
    return Grammar(name, props, rd)


class RowIteratorSelf(object):
    """`self` of embeddedGrammar iterators and pargetters, `rowIter` of rowfilters."""

    def __init__(self, sourceToken, grammar=None):
        self.sourceToken = sourceToken
        self.grammar = grammar
        self.sourceRow = None
        self.recNo = 0

    def getParameters(self):
        return {}

    def getLocator(self):
        return str(self.sourceToken)


def row_iterator_object(token):
    return RowIteratorSelf(token)


def embedded_rows(iterator, pargetter, token, grammar):
    me = RowIteratorSelf(token, grammar)
    if pargetter is not None:
        pars = pargetter(me)
        me.getParameters = lambda: pars
    rows = iterator(me)
    if rows is None:
        raise TypeError("the embeddedGrammar iterator must yield rows (it returned None)")
    return iter(rows)


def load_custom_grammar(path, grammar):
    mod, _ = rmkfuncs.loadPythonModule(path)
    if not hasattr(mod, "RowIterator"):
        raise AttributeError("customGrammar module %s defines no RowIterator" % path)
    if hasattr(mod, "makeDataPack"):
        grammar.dataPack = mod.makeDataPack(grammar)
    return mod


def custom_rows(mod, token, grammar):
    it = mod.RowIterator(grammar, token)
    return iter(it._iterRows() if hasattr(it, "_iterRows") else it)


def source_fields(fn, token, rowiter):
    res = fn(token, rowiter)
    return dict(res or {})


def apply_filters(filters, row, rowIter):
    rows = [row]
    for f in filters:
        out = []
        for r in rows:
            produced = f(r, rowIter)
            if produced is None:
                raise TypeError("a rowfilter must be a generator (yield row); it returned None")
            for x in produced:
                out.append(x)
        rows = out
    return rows


def unknown_names(source):
    """Names a rowmaker expression reads that neither the rowmaker namespace, the builtins nor
    the expression itself (lambda arguments, comprehension variables) define."""
    import builtins
    tree = ast.parse(replace_at(source.strip(), "vars"), "<expression>", "eval")
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    known = set(rmkfuncs.NAMESPACE) | set(dir(builtins)) | {"vars", "rd", "rd_", "targetTable", "tableDef_", "result"}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id not in known and node.id not in bound and node.id not in out:
                out.append(node.id)
    return out
