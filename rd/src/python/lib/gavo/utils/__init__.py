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
