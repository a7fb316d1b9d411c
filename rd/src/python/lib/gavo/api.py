"""gavo.api for RD code: the usual names of base, utils, rscdef and svcs, plus tables."""
from gavo.base import *  # noqa: F401,F403
from gavo.base import (getConfig, getTableConn, getUntrustedConn, getWritableAdminConn,  # noqa: F401
                       getMetaText, resolveCrossId, ui, NotGiven, caches)
from gavo.utils import pgsphere, DEG  # noqa: F401
from gavo.svcs import *  # noqa: F401,F403
from gavo.rscdef import getStandardPubDID, getAccrefFromStandardPubDID  # noqa: F401
from meles_rt.rmkfuncs import NAMESPACE as _NS
from meles_rt.errors import *  # noqa: F401,F403

for _n, _v in _NS.items():
    if _n[:1].isalpha() and _n not in ("base", "utils", "os", "re", "sys", "math", "time", "datetime",
                                        "urllib", "numpy", "rd", "rd_"):
        globals().setdefault(_n, _v)


def getRD(rdId, **kwargs):
    return caches.getRD(rdId)


from gavo.rsc import Table, TableForDef  # noqa: E402,F401


_VOT_TYPES = {
    "smallint": ("short", None), "integer": ("int", None), "bigint": ("long", None),
    "real": ("float", None), "double precision": ("double", None), "float": ("double", None),
    "boolean": ("boolean", None), "text": ("char", "*"), "unicode": ("unicodeChar", "*"),
    "char": ("char", None), "timestamp": ("char", "*"), "date": ("char", "*"),
    "spoint": ("double", "2"), "scircle": ("double", "3"), "spoly": ("double", "*"),
}


def _esc(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _cell(v):
    if v is None:
        return ""
    if hasattr(v, "asDALI"):
        return " ".join(repr(x) for x in v.asDALI())
    if isinstance(v, float):
        return "" if v != v else repr(v)
    if isinstance(v, bool):
        return "T" if v else "F"
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return " ".join(_cell(x) for x in v)
    return str(v)


def getAsVOTable(table, **kwargs):
    """The table as a VOTable 1.4 document (TABLEDATA), bytes."""
    tdef = table.tableDef
    cols = list(tdef.columns) if tdef is not None else []
    if not cols and table.rows:
        from meles_rt.rdobjects import Column
        cols = [Column({"name": k, "type": "text"}) for k in table.rows[0]]
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">',
           '<RESOURCE type="results">', '<TABLE name="%s">' % _esc(getattr(tdef, "id", "result") or "result")]
    for c in cols:
        dt, size = _VOT_TYPES.get((c.type or "text").split("[")[0].strip(), ("char", "*"))
        attrs = 'name="%s" datatype="%s"' % (_esc(c.name), dt)
        if size or "[" in (c.type or ""):
            attrs += ' arraysize="%s"' % (size or "*")
        if c.unit:
            attrs += ' unit="%s"' % _esc(c.unit)
        if c.ucd:
            attrs += ' ucd="%s"' % _esc(c.ucd)
        out.append("<FIELD %s>%s</FIELD>" % (attrs, ("<DESCRIPTION>%s</DESCRIPTION>" % _esc(c.description))
                                             if c.description else ""))
    out.append("<DATA><TABLEDATA>")
    for r in table.rows:
        out.append("<TR>" + "".join("<TD>%s</TD>" % _esc(_cell(r.get(c.name))) for c in cols) + "</TR>")
    out.append("</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>")
    return "\n".join(out).encode("utf-8")
