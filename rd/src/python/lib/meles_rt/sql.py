"""Database connections for RD code, with the interface DaCHS code expects.

Parameters are interpolated on the client side as psycopg2 does (%(name)s and %s; tuples
become (a, b, c) for IN, lists ARRAY[...]), results come back as Python values by column
type (pg_sphere values as gavo.utils.pgsphere objects).  The import's own connection (given
to python scripts as table.connection) cannot be committed or closed by RD code: an import
is one transaction.
"""
import datetime
import re

import _meles

from .errors import DatabaseError, Error


def quote(value):
    """An SQL literal for value."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "'NaN'::double precision"
        if value in (float("inf"), float("-inf")):
            return "'%sInfinity'::double precision" % ("-" if value < 0 else "")
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "'\\x%s'::bytea" % bytes(value).hex()
    if isinstance(value, datetime.datetime):
        return "'%s'::timestamp" % value.isoformat()
    if isinstance(value, datetime.date):
        return "'%s'::date" % value.isoformat()
    if isinstance(value, datetime.time):
        return "'%s'::time" % value.isoformat()
    if isinstance(value, datetime.timedelta):
        return "'%s seconds'::interval" % value.total_seconds()
    if isinstance(value, (tuple, frozenset, set)):
        if not value:
            return "(NULL)"
        return "(" + ", ".join(quote(v) for v in value) + ")"
    if isinstance(value, list):
        return "ARRAY[" + ", ".join(quote(v) for v in value) + "]"
    if hasattr(value, "asPgSphere"):
        return "'" + value.asPgSphere() + "'"
    if hasattr(value, "tolist"):
        return quote(value.tolist())
    return quote(str(value))


_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")


def interpolate(sql, params):
    if params is None:
        return sql
    if isinstance(params, dict):
        def repl(m):
            if m.group(0) == "%%":
                return "%"
            if m.group(1) is None:
                raise DatabaseError("positional placeholder %s with a dict of parameters")
            if m.group(1) not in params:
                raise DatabaseError("no value for parameter %s" % m.group(1))
            return quote(params[m.group(1)])
        return _PLACEHOLDER.sub(repl, sql)
    seq = list(params)
    it = iter(seq)

    def repl(m):
        if m.group(0) == "%%":
            return "%"
        if m.group(1) is not None:
            raise DatabaseError("named placeholder %%(%s)s with positional parameters" % m.group(1))
        try:
            return quote(next(it))
        except StopIteration:
            raise DatabaseError("not enough parameters for the query")
    return _PLACEHOLDER.sub(repl, sql)


def _ts(text):
    t = text.replace(" ", "T", 1)
    if t.endswith("+00") or t.endswith("-00"):
        t = t[:-3]
    t = re.sub(r"[+-]\d\d(:\d\d)?$", "", t)
    try:
        return datetime.datetime.fromisoformat(t)
    except ValueError:
        return text


def _interval(text):
    m = re.match(r"(?:(-?\d+) days? ?)?(?:(-)?(\d+):(\d+):(\d+(?:\.\d+)?))?$", text.strip())
    if not m:
        return text
    days = int(m.group(1) or 0)
    secs = 0.0
    if m.group(3):
        secs = int(m.group(3)) * 3600 + int(m.group(4)) * 60 + float(m.group(5))
        if m.group(2):
            secs = -secs
    return datetime.timedelta(days=days, seconds=secs)


def _array(text, conv):
    inner = text.strip()[1:-1]
    if not inner:
        return []
    out = []
    for item in re.findall(r'"((?:[^"\\]|\\.)*)"|([^,]+)', inner):
        raw = item[0] if item[0] or not item[1] else item[1]
        raw = raw.strip()
        out.append(None if raw == "NULL" and not item[0] else conv(raw.replace('\\"', '"').replace("\\\\", "\\")))
    return out


def _bool(t):
    return t == "t"


def _float(t):
    return float(t)


_CONVERTERS = {
    16: _bool, 20: int, 21: int, 23: int, 26: int, 700: _float, 701: _float, 1700: _float,
    1082: datetime.date.fromisoformat, 1114: _ts, 1184: _ts, 1083: datetime.time.fromisoformat,
    1186: _interval, 17: lambda t: bytes.fromhex(t[2:]) if t.startswith("\\x") else t.encode(),
    1000: lambda t: _array(t, _bool), 1005: lambda t: _array(t, int), 1007: lambda t: _array(t, int),
    1016: lambda t: _array(t, int), 1021: lambda t: _array(t, _float), 1022: lambda t: _array(t, _float),
    1009: lambda t: _array(t, str), 1015: lambda t: _array(t, str), 1231: lambda t: _array(t, _float),
}


class Connection(object):
    """A database connection (DaCHS's querier interface, plus a psycopg2-like cursor)."""

    def __init__(self, handle, owned=True):
        self._h = handle
        self._owned = owned
        self._types = {}

    @classmethod
    def open(cls, role):
        return cls(_meles.db_connect(role))

    # -- context manager: with base.getTableConn() as conn: ...
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._owned:
            self.close()
        return False

    def close(self):
        if self._owned and self._h is not None:
            _meles.db_close(self._h)
            self._h = None

    # Connections RD code opens are in autocommit mode; the import's connection belongs to the
    # import's one transaction.  Either way there is nothing for RD code to commit.
    def commit(self):
        pass

    def rollback(self):
        pass

    @property
    def closed(self):
        return self._h is None

    def _run(self, sql):
        if self._h is None:
            raise Error("the database connection is closed")
        try:
            return _meles.db_execute(self._h, sql, ())
        except DatabaseError:
            raise
        except RuntimeError as ex:
            raise DatabaseError(str(ex))

    def _converters(self, oids):
        unknown = [o for o in oids if o not in _CONVERTERS and o not in self._types]
        if unknown:
            names, _, rows, _ = self._run("SELECT oid, typname FROM pg_type WHERE oid IN (%s)"
                                          % ", ".join(str(o) for o in set(unknown)))
            for oid, typname in rows:
                self._types[int(oid)] = typname
        out = []
        for o in oids:
            conv = _CONVERTERS.get(o)
            if conv is None and self._types.get(o) in ("spoint", "scircle", "spoly", "sbox"):
                from gavo.utils.pgsphere import parse_pgsphere
                conv = parse_pgsphere
            out.append(conv or str)
        return out

    def _execute(self, sql, args=None):
        names, oids, rows, affected = self._run(interpolate(sql, args))
        convs = self._converters(oids)
        typed = [tuple(None if v is None else c(v) for c, v in zip(convs, row)) for row in rows]
        return names, typed, affected

    # -- DaCHS's querier interface
    def query(self, sql, args=None, **kwargs):
        # DaCHS hands back the cursor: code iterates it, calls fetchall() or reads description.
        cursor = Cursor(self)
        cursor.execute(sql, args)
        return cursor

    def queryToDicts(self, sql, args=None, **kwargs):
        names, rows, _ = self._execute(sql, args)
        return iter([dict(zip(names, r)) for r in rows])

    def execute(self, sql, args=None):
        return self._execute(sql, args)[2]

    def cursor(self, *args, **kwargs):
        return Cursor(self)

    def getColumnsFromDB(self, tableName):
        names, rows, _ = self._execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
            " WHERE a.attrelid = %(t)s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            {"t": tableName})
        return rows

    def copy_in(self, sql, chunks):
        """COPY ... FROM STDIN from an iterable of bytes/str chunks."""
        data = b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in chunks)
        return _meles.db_copy_in(self._h, sql, data)


class Cursor(object):
    def __init__(self, conn):
        self.connection = conn
        self.description = None
        self.rowcount = -1
        self._rows = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, args=None):
        names, rows, affected = self.connection._execute(sql, args)
        self.description = [(n, None, None, None, None, None, None) for n in names] if names else None
        self._rows = rows
        self.rowcount = len(rows) if names else affected

    def fetchall(self):
        rows, self._rows = self._rows, []
        return rows

    def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    def fetchmany(self, size=100):
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    def __iter__(self):
        rows, self._rows = self._rows, []
        yield from rows

    def copy_expert(self, sql, f, size=1 << 20):
        def chunks():
            while True:
                b = f.read(size)
                if not b:
                    break
                yield b
        return self.connection.copy_in(sql, chunks())

    def copy_from(self, f, table, sep="\t", null="\\N", columns=None):
        cols = " (%s)" % ", ".join(columns) if columns else ""
        return self.copy_expert("COPY %s%s FROM STDIN WITH (DELIMITER %s, NULL %s)"
                                % (table, cols, quote(sep), quote(null)), f)

    def close(self):
        pass
