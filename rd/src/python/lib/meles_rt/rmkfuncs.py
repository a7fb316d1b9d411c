"""The namespace rowmaker expressions and procedures see (DaCHS's rmkfuncs and friends).

The rowmaker helpers (hmsToDeg, parseISODT, dateTimeToMJD, ...) are Meles's native ones,
called through _meles, so the Python path computes exactly what the native expression
compiler computes.  Helpers that take Python callables, or need the site's configuration,
are written here.
"""
import datetime
import math
import os
import re
import sys
import time
import urllib.parse
import urllib.request

import _meles

from . import errors

NAMESPACE = {}


def _native(name):
    return _meles.helper(name)


for _name in ("hmsToDeg", "dmsToDeg", "degToHms", "degToDms", "hoursToHms", "fracHoursToDeg", "parseAngle",
              "parseInt", "parseFloat", "parseUnicode", "parseBooleanLiteral", "identity", "killBlanks",
              "scale", "computeMean", "requireValue", "parseTimestamp", "parseDate", "parseTime", "parseISODT",
              "parseDefaultDate", "parseDefaultTime", "parseDefaultDatetime", "jdnToDateTime",
              "mjdToDateTime", "bYearToDateTime", "jYearToDateTime", "dateTimeToJdn", "dateTimeToMJD",
              "dateTimeToJYear", "dateTimeToBYear", "toMJD", "makeTimestamp", "TTtoTAI", "TAItoTT",
              "lastSourceElements", "getFileStem"):
    NAMESPACE[_name] = _native(_name)


class _Undefined:
    def __repr__(self):
        return "<Undefined>"


Undefined = _Undefined()


def parseWithNull(literal, baseParser, nullLiteral=Undefined, default=None, checker=None):
    """baseParser(literal), or default when literal is the null literal (or None/empty)."""
    if checker is not None:
        if checker(literal):
            return default
    if isinstance(literal, str):
        literal = literal.strip()
    if literal is None or (nullLiteral is not Undefined and literal == nullLiteral) or literal == "":
        return default
    return baseParser(literal)


def _config(section, key, default=None):
    v = _meles.config(section, key)
    return default if v is None else v


def server_url():
    return (_config("web", "serverURL") or "http://localhost:8080").rstrip("/")


def makeAbsoluteURL(path, canonical=False):
    """An absolute URL for a server-relative path (URLs stay as they are)."""
    path = str(path)
    if re.match(r"[a-z+.-]+://", path):
        return path
    return server_url() + "/" + path.lstrip("/")


def makeSitePath(path):
    return "/" + str(path).lstrip("/")


def quoteProductKey(key):
    return urllib.parse.quote(str(key), safe="/")


def makeProductLink(key, withHost=True, useHost=None):
    url = "getproduct/" + quoteProductKey(key)
    if withHost:
        return (useHost.rstrip("/") + "/" + url) if useHost else makeAbsoluteURL(url)
    return "/" + url


def _inputs_dir():
    return _config("general", "inputsDir") or "/var/gavo/inputs"


def getInputsRelativePath(path, liberalChars=True):
    path = os.path.abspath(str(path))
    base = os.path.abspath(_inputs_dir())
    if path.startswith(base + "/"):
        return path[len(base) + 1:]
    raise errors.ValidationError("%s is not below the inputs directory %s" % (path, base))


def getRelativePath(path, root, liberalChars=True):
    return os.path.relpath(os.path.abspath(str(path)), os.path.abspath(str(root)))


def getStandardPubDID(path):
    """ivo://<authority>/~?<accref> for a path below the inputs directory (or an accref)."""
    accref = str(path)
    if accref.startswith("/"):
        accref = getInputsRelativePath(accref)
    return "ivo://%s/~?%s" % (_config("ivoa", "authority") or "x-unregistered", accref)


def getAccrefFromStandardPubDID(pubdid, authBase=None):
    prefix = "ivo://%s/~?" % (_config("ivoa", "authority") or "x-unregistered")
    if not str(pubdid).startswith(prefix):
        raise errors.ValidationError("%s is not a standard pubDID of this site" % pubdid)
    return str(pubdid)[len(prefix):]


def getDatalinkMetaLink(dlSvc, pubDID):
    svc = dlSvc if isinstance(dlSvc, str) else getattr(dlSvc, "url", str(dlSvc))
    return makeAbsoluteURL(svc.rstrip("/") + "/dlmeta?ID=" + urllib.parse.quote(str(pubDID), safe=""))


def getFlatName(accref):
    return re.sub(r"[^\w.-]", "_", str(accref))


def makeIAUId(prefix, long, lat, longSec=1, latSec=1):
    """'PREFIX JHHMMSS.s+DDMMSS' style designations (truncated, as the IAU wants)."""
    h = (long % 360) / 15.0
    hh = int(h)
    mm = int((h - hh) * 60)
    ss = (h - hh - mm / 60.0) * 3600
    sign = "+" if lat >= 0 else "-"
    d = abs(lat)
    dd = int(d)
    dm = int((d - dd) * 60)
    ds = (d - dd - dm / 60.0) * 3600
    return "%s J%02d%02d%02d%s%02d%02d%02d" % (prefix, hh, mm, int(ss), sign, dd, dm, int(ds))


def iterSimpleText(f):
    """Non-empty lines of f that are not comments (#)."""
    for line in f:
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def loadPythonModule(fqName, relativeTo=None):
    """Imports a module from a file path (without .py); returns (module, spec)."""
    import importlib.util
    path = fqName if fqName.endswith(".py") else fqName + ".py"
    if relativeTo and not os.path.isabs(path):
        path = os.path.join(relativeTo, path)
    name = "meles_user_" + re.sub(r"\W", "_", os.path.abspath(path))
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        raise ImportError("cannot load Python module from %s" % path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod, spec


def getQueryMeta():
    return None


def getWCSAxis(header, axisIndex, forSpectrum=False):
    """The astropy WCS of axis axisIndex of a FITS header (DaCHS returns its own axis object)."""
    from astropy.wcs import WCS
    return WCS(header).sub([axisIndex])


def addCartesian(result, alpha, delta):
    ra, dec = math.radians(alpha), math.radians(delta)
    result["c_x"] = math.cos(dec) * math.cos(ra)
    result["c_y"] = math.cos(dec) * math.sin(ra)
    result["c_z"] = math.sin(dec)


def combinePMs(result, pma, pmd):
    if pma is None or pmd is None:
        result["pm_total"], result["pm_posang"] = None, None
    else:
        result["pm_total"] = math.sqrt(pma ** 2 + pmd ** 2)
        result["pm_posang"] = math.degrees(math.atan2(pma, pmd))


def _lazy_base():
    from gavo import base, utils, stc
    from gavo.utils import pgsphere
    return base, utils, stc, pgsphere


def _fill():
    base, utils, stc, pgsphere = _lazy_base()
    from gavo import svcs, rscdef, rsc
    try:
        import numpy
    except ImportError:  # numpy is a run dependency, but RD code without it should still work
        numpy = None
    NAMESPACE.update({
        "parseWithNull": parseWithNull,
        "makeAbsoluteURL": makeAbsoluteURL,
        "makeSitePath": makeSitePath,
        "quoteProductKey": quoteProductKey,
        "makeProductLink": makeProductLink,
        "getInputsRelativePath": getInputsRelativePath,
        "getRelativePath": getRelativePath,
        "getStandardPubDID": getStandardPubDID,
        "getAccrefFromStandardPubDID": getAccrefFromStandardPubDID,
        "getDatalinkMetaLink": getDatalinkMetaLink,
        "getFlatName": getFlatName,
        "makeIAUId": makeIAUId,
        "iterSimpleText": iterSimpleText,
        "loadPythonModule": loadPythonModule,
        "getQueryMeta": getQueryMeta,
        "getWCSAxis": getWCSAxis,
        "addCartesian": addCartesian,
        "combinePMs": combinePMs,
        "IgnoreThisRow": errors.IgnoreThisRow,
        "ValidationError": errors.ValidationError,
        "base": base,
        "utils": utils,
        "svcs": svcs,
        "rscdef": rscdef,
        "rsc": rsc,
        "stc": stc,
        "coords": stc,
        "pgsphere": pgsphere,
        "math": math,
        "os": os,
        "re": re,
        "sys": sys,
        "time": time,
        "datetime": datetime,
        "urllib": urllib,
        "numpy": numpy,
        "NaN": float("nan"),
        "DEG": math.pi / 180,
        "DEG_MAS": 1 / 3600000.,
        "DEG_ARCSEC": 1 / 3600.,
        "JD_MJD": 2400000.5,
        "Undefined": Undefined,
    })


_fill()
