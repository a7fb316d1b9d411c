"""gavo.utils for RD code."""
import functools
import math
import re
import urllib.request

from meles_rt.errors import (Error, StructureError, LiteralParseError, NotFoundError,  # noqa: F401
                             ValidationError, DataError, SourceParseError, ReportableError)
from meles_rt.rmkfuncs import NAMESPACE as _NS, iterSimpleText, loadPythonModule  # noqa: F401
from . import pgsphere  # noqa: F401

DEG = math.pi / 180
DEG_MAS = 1 / 3600000.
DEG_ARCSEC = 1 / 3600.

for _n in ("parseISODT", "parseDefaultDatetime", "hmsToDeg", "dmsToDeg", "degToHms", "degToDms",
           "dateTimeToMJD", "dateTimeToJdn", "mjdToDateTime", "jdnToDateTime", "killBlanks"):
    globals()[_n] = _NS[_n]


def formatISODT(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if dt.tzinfo is None else "")


def fixIndentation(code, newIndent, governingLine=0):
    lines = code.split("\n")
    nonblank = [l for l in lines if l.strip()]
    if not nonblank:
        return ""
    ind = min(len(l) - len(l.lstrip()) for l in nonblank)
    return "\n".join(newIndent + l[ind:] if l.strip() else "" for l in lines)


def ensureExpression(expr, name="<expression>"):
    compile(expr, name, "eval")


def memoized(func):
    return functools.lru_cache(maxsize=None)(func)


def urlopenRemote(url, data=None, creds=(None, None), timeout=100):
    return urllib.request.urlopen(url, data, timeout=timeout)


def makeEllipsis(s, maxLen=60, ellChars="..."):
    s = str(s)
    return s if len(s) <= maxLen else s[:maxLen - len(ellChars)] + ellChars


identifierPattern = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


def __getattr__(name):
    # utils.pyfits is astropy.io.fits, loaded only when asked for.
    if name == "pyfits":
        from astropy.io import fits
        return fits
    raise AttributeError("module 'gavo.utils' (Meles) has no attribute %r" % name)


def parseAssignments(assignments):
    """'a:b, c' -> {"a": "b", "c": "c"}: pairs of source and destination names."""
    out = {}
    for item in str(assignments).split(","):
        item = item.strip()
        if not item:
            continue
        if ":" in item:
            src, dest = (s.strip() for s in item.split(":", 1))
        else:
            src = dest = item
        if not identifierPattern.match(src) or not dest:
            raise StructureError("bad assignment %r (want name or name:name)" % item)
        out[src] = dest
    return out


class NameMap(object):
    """A map read from a text file of lines `<target><TAB><source keys>`: each of the
    blank-separated source keys (quoted-printable, so =20 is a blank) maps to target.
    Lines starting with # are comments."""

    def __init__(self, src, missingOk=False):
        import quopri
        self.namesDict = {}
        try:
            f = open(src, encoding="utf-8")
        except OSError:
            if missingOk:
                return
            raise
        with f:
            for lineNo, line in enumerate(f, 1):
                if not line.strip() or line.startswith("#"):
                    continue
                if "\t" not in line:
                    raise LiteralParseError("name map line", line.strip(),
                                            hint="%s:%d has no tab between target and sources" % (src, lineNo))
                target, sources = line.rstrip("\n").split("\t", 1)
                for key in sources.split():
                    self.namesDict[quopri.decodestring(key.encode("utf-8")).decode("utf-8")] = target.strip()

    def resolve(self, name):
        return self.namesDict[name]
