"""Exception classes RD code raises and catches (DaCHS's names, re-exported by gavo.base)."""


class Error(Exception):
    """Base of the errors RD code may raise on purpose (DaCHS's base.Error)."""

    def __init__(self, msg="", hint=None, **kwargs):
        Exception.__init__(self, msg)
        self.msg = msg
        self.hint = hint
        for k, v in kwargs.items():
            setattr(self, k, v)

    def __str__(self):
        return str(self.msg)


class StructureError(Error):
    pass


class LiteralParseError(StructureError):
    def __init__(self, attName="", literal="", pos=None, hint=None):
        StructureError.__init__(self, "'%s' is not a valid value for %s" % (literal, attName), hint=hint)
        self.attName, self.literal, self.pos = attName, literal, pos


class NotFoundError(Error):
    def __init__(self, lookedFor="", what="", within="", hint=None):
        Error.__init__(self, "%s %r could not be located in %s" % (what, lookedFor, within), hint=hint)
        self.lookedFor, self.what, self.within = lookedFor, what, within


class ValidationError(Error):
    def __init__(self, msg="", colName=None, row=None, hint=None):
        Error.__init__(self, msg, hint=hint)
        self.colName, self.row = colName, row


class DataError(Error):
    pass


class SourceParseError(Error):
    def __init__(self, msg="", offending=None, location=None, source=None, hint=None):
        Error.__init__(self, msg, hint=hint)
        self.offending, self.location, self.source = offending, location, source

    def __str__(self):
        where = ""
        if self.source or self.location:
            where = " (%s%s)" % (self.source or "", (":" + str(self.location)) if self.location else "")
        return str(self.msg) + where


class ReportableError(Error):
    pass


class DatabaseError(Error):
    """A database statement failed; .sqlstate holds PostgreSQL's code."""

    def __init__(self, msg="", sqlstate=""):
        Error.__init__(self, msg)
        self.sqlstate = sqlstate
        self.pgcode = sqlstate


class ExecutiveAction(Exception):
    """Not an error: control flow (DaCHS's base.ExecutiveAction)."""


class IgnoreThisRow(ExecutiveAction):
    """Raised in rowmaker code: the row is left out."""


class SkipThis(ExecutiveAction):
    pass


# Service errors (gavo.svcs).
class UnknownURI(Error):
    status = 404


class ForbiddenURI(Error):
    status = 403


class Authenticate(Error):
    status = 401


class BadMethod(Error):
    status = 405


class WebRedirect(ExecutiveAction):
    status = 301

    def __init__(self, dest="", *args, **kwargs):
        ExecutiveAction.__init__(self, dest)
        self.dest = dest


class SeeOther(WebRedirect):
    status = 303


class Found(WebRedirect):
    status = 302
