"""pg_sphere geometries for RD code (gavo.utils.pgsphere): SPoint, SCircle, SPoly, SBox.

Angles are kept in radians as in DaCHS; fromDegrees/fromDALI take degrees.  A geometry
stored in a table column goes to PostgreSQL as its pg_sphere literal (asPgSphere()).
"""
import math

DEG = math.pi / 180


def _fmt(x):
    return repr(float(x))


class PgSAdapter(object):
    def __eq__(self, other):
        return type(self) is type(other) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return "<pgsphere %s>" % self.asPgSphere()


class SPoint(PgSAdapter):
    def __init__(self, x, y):
        self.x, self.y = float(x), float(y)

    def _key(self):
        return (self.x, self.y)

    @classmethod
    def fromDegrees(cls, x, y):
        if x is None or y is None:
            return None
        return cls(float(x) * DEG, float(y) * DEG)

    def asCooPair(self):
        return (self.x / DEG, self.y / DEG)

    def asPgSphere(self):
        a, d = self.asCooPair()
        return "(%sd,%sd)" % (_fmt(a), _fmt(d))

    def asSTCS(self, systemString="ICRS"):
        a, d = self.asCooPair()
        return "Position %s %s %s" % (systemString, _fmt(a), _fmt(d))

    def asDALI(self):
        return list(self.asCooPair())

    def asUnitSphereVec(self):
        return (math.cos(self.y) * math.cos(self.x), math.cos(self.y) * math.sin(self.x), math.sin(self.y))

    def p(self):
        return self.asPgSphere()


class SCircle(PgSAdapter):
    def __init__(self, center, radius):
        self.center, self.radius = center, float(radius)

    def _key(self):
        return (self.center._key(), self.radius)

    @classmethod
    def fromDALI(cls, seq):
        ra, dec, r = [float(v) for v in seq]
        return cls(SPoint.fromDegrees(ra, dec), r * DEG)

    def asPgSphere(self):
        return "<%s,%sd>" % (self.center.asPgSphere(), _fmt(self.radius / DEG))

    def asSTCS(self, systemString="ICRS"):
        a, d = self.center.asCooPair()
        return "Circle %s %s %s %s" % (systemString, _fmt(a), _fmt(d), _fmt(self.radius / DEG))

    def asDALI(self):
        return list(self.center.asCooPair()) + [self.radius / DEG]

    def asPoly(self, nSegments=32):
        a, d = self.center.x, self.center.y
        r = self.radius
        pts = []
        for i in range(nSegments):
            t = 2 * math.pi * i / nSegments
            # point at angular distance r from the centre, position angle t
            lat = math.asin(math.sin(d) * math.cos(r) + math.cos(d) * math.sin(r) * math.cos(t))
            lon = a + math.atan2(math.sin(t) * math.sin(r) * math.cos(d), math.cos(r) - math.sin(d) * math.sin(lat))
            pts.append(SPoint(lon % (2 * math.pi), lat))
        return SPoly(pts)


class SPoly(PgSAdapter):
    def __init__(self, points):
        self.points = tuple(points)

    def _key(self):
        return tuple(p._key() for p in self.points)

    @classmethod
    def fromDALI(cls, seq):
        vals = [float(v) for v in seq]
        if len(vals) < 6 or len(vals) % 2:
            raise ValueError("a polygon needs an even number (at least 6) of coordinates, not %d" % len(vals))
        return cls([SPoint.fromDegrees(vals[i], vals[i + 1]) for i in range(0, len(vals), 2)])

    def asPgSphere(self):
        return "{%s}" % ",".join(p.asPgSphere() for p in self.points)

    def asSTCS(self, systemString="ICRS"):
        return "Polygon %s %s" % (systemString, " ".join("%s %s" % tuple(_fmt(c) for c in p.asCooPair())
                                                        for p in self.points))

    def asDALI(self):
        out = []
        for p in self.points:
            out.extend(p.asCooPair())
        return out

    def asPoly(self):
        return self


class SBox(PgSAdapter):
    def __init__(self, corner1, corner2):
        self.corner1, self.corner2 = corner1, corner2

    def _key(self):
        return (self.corner1._key(), self.corner2._key())

    def asPgSphere(self):
        return "(%s,%s)" % (self.corner1.asPgSphere(), self.corner2.asPgSphere())

    def asPoly(self):
        x1, y1 = self.corner1.x, self.corner1.y
        x2, y2 = self.corner2.x, self.corner2.y
        return SPoly([SPoint(x1, y1), SPoint(x1, y2), SPoint(x2, y2), SPoint(x2, y1)])

    def asSTCS(self, systemString="ICRS"):
        return self.asPoly().asSTCS(systemString)

    def asDALI(self):
        return self.asPoly().asDALI()


def parse_pgsphere(text):
    """A geometry from pg_sphere's text output (radians; spoint, scircle, spoly, sbox)."""
    import re
    nums = [float(x) for x in re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", text)]
    t = text.strip()
    if t.startswith("<"):
        return SCircle(SPoint(nums[0], nums[1]), nums[2])
    if t.startswith("{"):
        return SPoly([SPoint(nums[i], nums[i + 1]) for i in range(0, len(nums), 2)])
    if t.startswith("((") and len(nums) == 4:
        return SBox(SPoint(nums[0], nums[1]), SPoint(nums[2], nums[3]))
    if len(nums) == 2:
        return SPoint(nums[0], nums[1])
    return text
