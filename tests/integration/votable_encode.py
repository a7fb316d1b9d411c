"""VOTable documents with exactly the FIELDs and cells a test asks for, in TABLEDATA, BINARY or
BINARY2 — written here rather than with astropy so that every datatype, arraysize and null
representation is under the test's control.

    cols = [Col("id", "long"), Col("pos", "double", "2", xtype="point")]
    doc = encode(cols, [[1, [10.0, 20.0]], [2, None]], "binary2")
"""
import base64
import math
import struct
from xml.sax.saxutils import escape, quoteattr

FORMATS = {"boolean": None, "bit": None, "unsignedByte": ">B", "short": ">h", "int": ">i", "long": ">q",
           "float": ">f", "double": ">d", "char": None, "unicodeChar": None}


class Col:
    def __init__(self, name, datatype, arraysize=None, xtype=None, unit=None, ucd=None, description=None, null=None):
        self.name, self.datatype, self.arraysize, self.xtype = name, datatype, arraysize, xtype
        self.unit, self.ucd, self.description, self.null = unit, ucd, description, null

    @property
    def variable(self):
        return self.arraysize is not None and self.arraysize.endswith("*")

    @property
    def fixed(self):
        return None if self.arraysize is None or self.variable else int(self.arraysize)

    def field_xml(self):
        a = 'name=%s datatype="%s"' % (quoteattr(self.name), self.datatype)
        for k in ("arraysize", "xtype", "unit", "ucd"):
            if getattr(self, k) is not None:
                a += ' %s=%s' % (k, quoteattr(getattr(self, k)))
        inner = ""
        if self.description:
            inner += "<DESCRIPTION>%s</DESCRIPTION>" % escape(self.description)
        if self.null is not None:
            inner += '<VALUES null="%s"/>' % self.null
        return "<FIELD %s>%s</FIELD>" % (a, inner) if inner else "<FIELD %s/>" % a


def td_text(col, v):
    if v is None:
        return ""
    if col.datatype in ("char", "unicodeChar"):
        return escape(v)
    items = v if isinstance(v, (list, tuple)) else [v]
    out = []
    for x in items:
        if col.datatype == "boolean":
            out.append("T" if x else "F")
        elif col.datatype == "bit":
            out.append("1" if x else "0")
        elif col.datatype in ("float", "double"):
            out.append(repr(float(x)))
        else:
            out.append(str(x))
    return " ".join(out)


def scalar_bytes(col, x):
    """One element; x None means this element is null (BINARY)."""
    dt = col.datatype
    if dt == "boolean":
        return b"?" if x is None else (b"T" if x else b"F")
    if dt == "bit":
        return bytes([0x80 if x else 0])
    fmt = FORMATS[dt]
    if x is None:
        x = float("nan") if dt in ("float", "double") else int(col.null if col.null is not None else 0)
    return struct.pack(fmt, x)


def binary_cell(col, v, binary2):
    dt = col.datatype
    if dt in ("char", "unicodeChar"):
        s = v or ""
        data = s.encode("utf-16-be") if dt == "unicodeChar" else s.encode("ascii")
        if col.fixed is not None:
            width = col.fixed * (2 if dt == "unicodeChar" else 1)
            return data[:width].ljust(width, b"\0")
        n = len(s)
        return struct.pack(">i", n) + data
    if col.arraysize is None:
        return scalar_bytes(col, v)
    if dt == "bit":
        raise ValueError("bit arrays are not used here")
    if col.fixed is not None:
        items = v if v is not None else [None] * col.fixed
        return b"".join(scalar_bytes(col, x) for x in items)
    items = v or []
    return struct.pack(">i", len(items)) + b"".join(scalar_bytes(col, x) for x in items)


def encode(cols, rows, fmt, description=None, table_name="t"):
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">\n<RESOURCE type="results">\n'
            '<TABLE name=%s>\n' % quoteattr(table_name))
    if description:
        head += "<DESCRIPTION>%s</DESCRIPTION>\n" % escape(description)
    head += "\n".join(c.field_xml() for c in cols) + "\n<DATA>"
    if fmt == "tabledata":
        body = "<TABLEDATA>\n" + "".join(
            "<TR>" + "".join("<TD>%s</TD>" % td_text(c, v) for c, v in zip(cols, r)) + "</TR>\n" for r in rows) + "</TABLEDATA>"
    else:
        data = bytearray()
        for r in rows:
            if fmt == "binary2":
                mask = bytearray((len(cols) + 7) // 8)
                for i, v in enumerate(r):
                    if v is None:
                        mask[i // 8] |= 0x80 >> (i % 8)
                data += mask
            for c, v in zip(cols, r):
                data += binary_cell(c, v, fmt == "binary2")
        tag = "BINARY2" if fmt == "binary2" else "BINARY"
        b64 = base64.b64encode(bytes(data)).decode("ascii")
        lines = "\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))
        body = '<%s><STREAM encoding="base64">\n%s\n</STREAM></%s>' % (tag, lines, tag)
    return (head + body + "</DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n").encode("utf-8")
