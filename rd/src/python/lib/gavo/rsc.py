"""gavo.rsc for RD code: in-memory tables (what a pythonCore returns)."""


class Table(object):
    """An in-memory table: tableDef and rows (dicts)."""

    def __init__(self, tableDef, rows=()):
        self.tableDef = tableDef
        self.rows = [dict(r) for r in rows]

    def addRow(self, row):
        self.rows.append(dict(row))

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


def TableForDef(tableDef, rows=(), **kwargs):
    return Table(tableDef, rows)


def makeData(*args, **kwargs):
    from meles_rt.errors import StructureError
    raise StructureError("rsc.makeData: RD code cannot start imports in Meles; use `meles imp`")
