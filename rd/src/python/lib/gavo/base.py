"""gavo.base for RD code: configuration, notifications, database connections, errors."""
import _meles

from meles_rt.errors import (Error, StructureError, LiteralParseError, NotFoundError,  # noqa: F401
                             ValidationError, DataError, SourceParseError, ReportableError,
                             DatabaseError, ExecutiveAction, IgnoreThisRow, SkipThis)
from meles_rt import sql as _sql
from meles_rt.rmkfuncs import Undefined, makeAbsoluteURL, makeSitePath  # noqa: F401
from meles_rt.rmkfuncs import NAMESPACE as _NS

DBError = DatabaseError
BadCode = StructureError
RDNotFound = NotFoundError


class _NotGiven:
    def __repr__(self):
        return "<NotGiven>"

    def __bool__(self):
        return False


NotGiven = _NotGiven()

parseBooleanLiteral = _NS["parseBooleanLiteral"]
parseInt = _NS["parseInt"]
parseFloat = _NS["parseFloat"]


def _typed(v):
    if v is None:
        return None
    s = v.strip()
    if s.lstrip("-").isdigit():
        return int(s)
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    return v


def getConfig(section, key=None, default=None):
    """getConfig("web", "serverURL"), getConfig("inputsDir") (the [general] section)."""
    if key is None:
        section, key = "general", section
    v = _meles.config(section, key)
    return default if v is None else _typed(v)


def setConfig(section, key, value):
    raise StructureError("RD code cannot change the configuration in Meles")


class _UI:
    def notifyInfo(self, msg, *args, **kwargs):
        _meles.notify("info", str(msg))

    def notifyWarning(self, msg, *args, **kwargs):
        _meles.notify("warning", str(msg))

    def notifyError(self, msg, *args, **kwargs):
        _meles.notify("error", str(msg))

    def notifyDebug(self, msg, *args, **kwargs):
        _meles.notify("debug", str(msg))

    def notifyNewSource(self, source):
        _meles.notify("debug", "new source %s" % source)

    def notifySourceFinished(self, *args):
        pass

    def notifyExceptionMutation(self, newExc=None):
        pass

    def logOldExc(self, exc):
        return exc


ui = _UI()


def getTableConn():
    """A read-only connection (DaCHS: the trusted table connection)."""
    return _sql.Connection.open("ro")


def getUntrustedConn():
    return _sql.Connection.open("ro")


def getWritableAdminConn():
    return _sql.Connection.open("admin")


def getAdminConn():
    return _sql.Connection.open("admin")


def getDBConnection(profile="trustedquery", autocommitted=False):
    return _sql.Connection.open("admin" if profile in ("admin", "feed") else "ro")


def getMetaText(obj, key, default=None, **kwargs):
    try:
        v = obj.getMeta(key, default=None)
    except Exception:
        v = None
    return default if v is None else str(v)


def resolveCrossId(ref, forceType=None, **kwargs):
    from meles_rt import rdobjects
    return rdobjects.resolve(ref)


def resolveId(ctx, ref, **kwargs):
    return resolveCrossId(ref)


class caches:
    @staticmethod
    def getRD(rdId, **kwargs):
        from meles_rt import rdobjects
        return rdobjects.load_rd(rdId)


def makeStruct(cls, **kwargs):
    raise StructureError("makeStruct is not supported by Meles (RD structures are built from the XML)")
