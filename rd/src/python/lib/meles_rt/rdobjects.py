"""Read-only Python views of RD structures for RD code: rd, tables, columns, services.

The C++ side describes an element as plain dicts; the classes here give them DaCHS's
attribute and method names (rd.getAbsPath, rd.getById, table.getQName, table.columns,
column.name ...).  RD objects accept new attributes, which is how on-loaded execute jobs
leave functions for later code (rd.parseIdentifier = ...); they live as long as the loaded
RD does.
"""
import os

from .errors import NotFoundError, StructureError

# Set by the C++ side: RD_LOADER(rd_id) -> description dict of that RD.
RD_LOADER = None


class MetaMixin(object):
    def getMeta(self, key, default=None, propagate=True, raiseOnFail=False, **kwargs):
        vals = self._desc.get("meta", {}).get(key)
        if vals:
            return MetaValue(vals)
        rd = getattr(self, "rd", None)
        if propagate and rd is not None and rd is not self:
            return rd.getMeta(key, default, propagate)
        if raiseOnFail:
            raise NotFoundError(key, "meta item", getattr(self, "id", "element"))
        return default

    def setMeta(self, key, value):
        self._desc.setdefault("meta", {})[key] = [str(value)]
        self.__dict__.setdefault("_changed", []).append((str(key), str(value)))

    def addMeta(self, key, value):
        self._desc.setdefault("meta", {}).setdefault(key, []).append(str(value))
        self.__dict__.setdefault("_changed", []).append((str(key), str(value)))

    def changed_meta(self):
        return list(self.__dict__.get("_changed", []))


class MetaValue(object):
    def __init__(self, values):
        self.values = list(values)

    def __str__(self):
        return self.values[0] if self.values else ""

    def getContent(self, targetFormat="text", macroPackage=None):
        return str(self)

    def __iter__(self):
        return iter(self.values)

    def __eq__(self, other):
        return str(self) == str(other)


class Column(object):
    def __init__(self, desc, table=None):
        self._desc = desc
        self.parent = table
        for k in ("name", "type", "unit", "ucd", "description", "tablehead", "utype", "xtype"):
            setattr(self, k, desc.get(k) or ("" if k != "xtype" else None))
        self.key = self.name
        self.verbLevel = desc.get("verbLevel", 20)
        self.required = desc.get("required", False)
        self.value = desc.get("value")

    def getQName(self):
        return self.name

    def __repr__(self):
        return "<Column %s>" % self.name


class Index(object):
    def __init__(self, desc):
        self.name = desc.get("name", "")
        self.kind = desc.get("kind", "")
        self.method = desc.get("method", "")
        self.columns = list(desc.get("columns", []))


class TableDef(MetaMixin):
    def __init__(self, desc, rd=None):
        self._desc = desc
        self.rd = rd
        self.id = desc["id"]
        self.onDisk = desc.get("onDisk", False)
        self.adql = desc.get("adql", False)
        self.columns = [Column(c, self) for c in desc.get("columns", [])]
        self.params = [Column(c, self) for c in desc.get("params", [])]
        self.indices = [Index(i) for i in desc.get("indices", [])]
        self.properties = dict(desc.get("properties", {}))

    def getProperty(self, name, default=None):
        return self.properties.get(name, default)

    def setProperty(self, name, value):
        self.properties[name] = value

    def getFullId(self):
        rd = self.rd
        return "%s#%s" % (rd.sourceId, self.id) if rd is not None else self.id

    def getQName(self):
        return self._desc.get("qname") or self.id

    def getColumnByName(self, name):
        for c in self.columns:
            if c.name.lower() == str(name).lower():
                return c
        raise NotFoundError(name, "column", "table %s" % self.id)

    def getByName(self, name):
        for c in self.columns + self.params:
            if c.name.lower() == str(name).lower():
                return c
        raise NotFoundError(name, "column or param", "table %s" % self.id)

    def getParam(self, name, default=None):
        for p in self.params:
            if p.name == name:
                return p.value
        return default

    def __iter__(self):
        return iter(self.columns)

    def __contains__(self, name):
        return any(c.name.lower() == str(name).lower() for c in self.columns)

    def __repr__(self):
        return "<TableDef %s>" % self.getQName()


class Element(MetaMixin):
    """A data element, service or other RD child known by id."""

    def __init__(self, desc, rd=None):
        self._desc = desc
        self.rd = rd
        self.id = desc.get("id")
        for k, v in desc.items():
            if k not in ("meta",) and not hasattr(self, k):
                setattr(self, k, v)

    def __repr__(self):
        return "<%s %s>" % (self._desc.get("kind", "element"), self.id)


class RD(MetaMixin):
    def __init__(self, desc):
        self._desc = desc
        self.rd = self
        self.sourceId = desc["sourceId"]
        self.schema = desc.get("schema", "")
        self.resdir = desc.get("resdir", "")
        self.srcPath = desc.get("file", "")
        self.tables = [TableDef(t, self) for t in desc.get("tables", [])]
        self.dds = [Element(dict(d, kind="data"), self) for d in desc.get("data", [])]
        self.services = [Element(dict(s, kind="service"), self) for s in desc.get("services", [])]
        self.executes = [Element(dict(x, kind="execute"), self) for x in desc.get("executes", [])]
        self._byId = {}
        for group in (self.tables, self.dds, self.services, self.executes):
            for el in group:
                if el.id:
                    self._byId.setdefault(el.id, el)

    def getAbsPath(self, relPath):
        return os.path.join(self.resdir, relPath)

    def getById(self, id, forceType=None):
        if "." in id and id not in self._byId:
            tid, col = id.split(".", 1)
            t = self._byId.get(tid)
            if isinstance(t, TableDef):
                return t.getByName(col)
        try:
            return self._byId[id]
        except KeyError:
            raise NotFoundError(id, "element", "RD %s" % self.sourceId)

    def getTableDefById(self, id):
        el = self.getById(id)
        if not isinstance(el, TableDef):
            raise StructureError("%s in %s is not a table" % (id, self.sourceId))
        return el

    def expand(self, text):
        return text

    def __repr__(self):
        return "<RD %s>" % self.sourceId


def make_rd(desc):
    return RD(desc)


def make_table(desc, rd=None):
    return TableDef(desc, rd)


def make_column(desc):
    return Column(desc)


_loaded = {}


def load_rd(rd_id):
    """The RD object of another RD (base.caches.getRD)."""
    if RD_LOADER is None:
        raise NotFoundError(rd_id, "RD", "this context (no RD store)")
    return RD_LOADER(str(rd_id))


def resolve(ref, rd=None):
    """rd#id, rd#table.column or (with rd) id."""
    ref = str(ref)
    if "#" in ref:
        rd_id, local = ref.split("#", 1)
        target = load_rd(rd_id) if rd_id else rd
    else:
        target, local = rd, ref
        if target is None:
            return load_rd(ref)
    if target is None:
        raise NotFoundError(ref, "element", "this context")
    return target.getById(local)


class ParseContext(object):
    """`context` of LOOP codeItems: resolveId gives tables, columns and other elements."""

    def __init__(self, resolver, rd_id):
        self._resolver = resolver
        self.rdId = rd_id

    def resolveId(self, ref, instance=None, forceType=None):
        desc = self._resolver(str(ref))
        if desc is None:
            raise NotFoundError(ref, "element", "RD %s" % self.rdId)
        kind = desc.get("kind")
        if kind == "table":
            return TableDef(desc)
        if kind == "column":
            return Column(desc)
        return Element(desc)

    def getById(self, ref, forceType=None):
        return self.resolveId(ref)


class TargetTable(object):
    """The table a rowmaker fills (targetTable) or a script works on (table)."""

    def __init__(self, tableDef, connection=None, qname=None):
        self.tableDef = tableDef
        self.connection = connection
        self._qname = qname
        self._params = {}
        self.rows = []

    def getQName(self):
        return self._qname or (self.tableDef.getQName() if self.tableDef else "")

    def setParam(self, name, value):
        self._params[name] = value

    def getParam(self, name, default=None):
        if name in self._params:
            return self._params[name]
        return self.tableDef.getParam(name, default) if self.tableDef else default

    def setMeta(self, key, value):
        if self.tableDef is not None:
            self.tableDef.setMeta(key, value)

    def getMeta(self, key, default=None, **kwargs):
        return self.tableDef.getMeta(key, default) if self.tableDef else default

    def query(self, sql, args=None):
        if self.connection is None:
            raise StructureError("this table has no database connection here")
        return self.connection.query(sql, args)

    def runScript(self, *args):
        pass


class ExecDef(object):
    """The execDef argument of execute jobs."""

    def __init__(self, desc, rd=None):
        self.id = desc.get("id")
        self.title = desc.get("title")
        self.rd = rd
        self._desc = desc

    def spawn(self, cmdline):
        import subprocess
        from . import rmkfuncs
        r = subprocess.run(cmdline, capture_output=True, text=True, cwd=self.rd.resdir if self.rd else None)
        rmkfuncs._meles.notify("info" if r.returncode == 0 else "warning",
                               "execute %s: %s exited with %d%s" % (self.title or self.id, cmdline[0], r.returncode,
                                                                   (": " + (r.stdout + r.stderr).strip()[-2000:])
                                                                   if (r.stdout or r.stderr) else ""))
        return r.returncode

    def spawnPython(self, pythonFile):
        import sys
        path = pythonFile
        if self.rd is not None and not os.path.isabs(path):
            path = self.rd.getAbsPath(path)
        exe = os.path.join(sys.base_prefix, "bin", "python3")
        return self.spawn([exe, path])
