"""pythonCore support: the inputTable and queryMeta a coreProc sees, and what it returns."""
from .errors import ValidationError


class InputTable(object):
    """The service's input: getParam(name) gives the value of an inputKey (typed as declared)."""

    def __init__(self, params, args=None):
        self._params = dict(params)
        self.args = dict(args or {})  # the raw request arguments: name -> list of strings

    def getParam(self, name, default=None):
        return self._params.get(name, default)

    def getParamDict(self):
        return dict(self._params)

    def setParam(self, name, value):
        self._params[name] = value

    @property
    def rows(self):
        return [dict(self._params)]


class QueryMeta(dict):
    """What DaCHS's queryMeta carries that RD code reads: the format and the row limit."""

    def __init__(self, fmt="votable", limit=None, user=None):
        dict.__init__(self, format=fmt, dbLimit=limit, user=user)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)


class CoreResult(object):
    pass


def run_core(func, core, service, input_table, query_meta):
    """Calls a coreProc and normalises its answer: ("data", mime, bytes) or
    ("table", [column names], [row tuples])."""
    res = func(core, service, input_table, query_meta)
    if res is None:
        return ("table", [c.name for c in getattr(core.outputTable, "columns", [])], [])
    if isinstance(res, tuple) and len(res) == 2 and isinstance(res[0], str):
        mime, data = res
        if isinstance(data, str):
            data = data.encode("utf-8")
        elif not isinstance(data, (bytes, bytearray)):
            data = bytes(data)
        return ("data", mime, bytes(data))
    rows = getattr(res, "rows", res)
    tdef = getattr(res, "tableDef", None) or getattr(core, "outputTable", None)
    names = [c.name for c in tdef.columns] if tdef is not None and tdef.columns else None
    out = []
    for r in rows:
        if isinstance(r, dict):
            if names is None:
                names = list(r.keys())
            out.append(tuple(r.get(n) for n in names))
        elif isinstance(r, (tuple, list)):
            out.append(tuple(r))
        else:
            raise ValidationError("a coreProc returned a row of type %s (dicts or tuples expected)" % type(r).__name__)
    return ("table", names or [], out)


class Core(object):
    """The `self` of a coreProc: outputTable, inputTable definition, the RD."""

    def __init__(self, rd, output_table, input_keys):
        self.rd = rd
        self.outputTable = output_table
        self.inputTable = output_table
        self.inputKeys = input_keys
