#!/usr/bin/python3
"""Regenerates helpers.test: DaCHS rowmaker helpers, checked against a Python model.

The functions below are an independent Python model of the helpers as DaCHS documents
them (written for Meles, not taken from DaCHS), using CPython's own datetime/float
arithmetic; the C++ implementation must agree with it to the last bit.  Meles's
deliberate deviations (signs in hmsToDeg, seconds carry in degToHms/degToDms, microseconds
kept by parseTimestamp) are modelled here too and listed in docs/rowmaker-expressions.md.
Run with Debian's /usr/bin/python3 while writing tests; the unit tests never need Python.
"""
import datetime
import math
import os
import re
import sys

here = os.path.dirname(os.path.abspath(__file__))


def _sexa(text, sepChar):
    s = text.strip()
    sign = 1
    if s[:1] in ("+", "-") and s:
        sign = -1 if s[0] == "-" else 1
        s = s[1:].strip()
    if sepChar == "":
        parts = [s[:2], s[2:4], s[4:]]
    else:
        parts = s.split(sepChar)
    if len(parts) == 3:
        a, b, c = parts
    elif len(parts) == 2:
        a, b = parts
        c = 0
    else:
        raise ValueError("parts")
    return sign, int(a) * 3600 + float(b) * 60 + float(c)


def hmsToDeg(hms, sepChar=None):
    try:
        sign, secs = _sexa(hms, sepChar)
    except ValueError:
        raise ValueError("Invalid time with sepChar %r: %r" % (sepChar, hms.strip()))
    return sign * (secs / 3600 / 24 * 360)


def dmsToDeg(dms, sepChar=None):
    try:
        sign, secs = _sexa(dms, sepChar)
    except ValueError:
        raise ValueError("Invalid dms value with sepChar %r: %r" % (sepChar, dms.strip()))
    return (sign * secs) / 3600


def _secs(value, fracs):
    prec = 0 if fracs < 1 else fracs
    width = 2 if fracs < 1 else fracs + 3
    text = "%0*.*f" % (width, prec, value)
    if float(text) >= 60:
        return "%0*.*f" % (width, prec, 0.0), True
    return text, False


def degToHms(deg, sepChar=" ", secondFracs=3):
    sign = ""
    if deg < 0:
        sign, deg = "-", -deg
    rest, hours = math.modf(deg / 360. * 24)
    rest, minutes = math.modf(rest * 60)
    secs, carry = _secs(abs(rest * 60), secondFracs)
    h, m = int(hours), abs(int(minutes))
    if carry:
        m += 1
        if m == 60:
            m, h = 0, h + 1
    return sign + sepChar.join(["%02d" % h, "%02d" % m, secs])


def degToDms(deg, sepChar=" ", secondFracs=2):
    sign = "+"
    if deg < 0:
        sign, deg = "-", -deg
    rest, degs = math.modf(deg)
    rest, minutes = math.modf(rest * 60)
    secs, carry = _secs(abs(rest * 60), -1 if secondFracs == 0 else secondFracs)
    d, m = int(degs), abs(int(minutes))
    if carry:
        m += 1
        if m == 60:
            m, d = 0, d + 1
    return sepChar.join(["%s%d" % (sign, d), "%02d" % m, secs])


def dateTimeToJdn(dt):
    a = (14 - dt.month) // 12
    y = dt.year + 4800 - a
    m = dt.month + 12 * a - 3
    jdn = dt.day + (153 * m + 2) // 5 + 365 * y + y // 4 - y // 100 + y // 400 - 32045
    secs = getattr(dt, "hour", 0) * 3600 + getattr(dt, "minute", 0) * 60 + getattr(dt, "second", 0) + getattr(dt, "microsecond", 0) / 1e6
    return jdn + (secs - 43200) / 86400.


def jYearToDateTime(jy):
    return datetime.datetime(2000, 1, 1, 12) + datetime.timedelta(days=(jy - 2000.0) * 365.25)


def jdnToDateTime(jd):
    return jYearToDateTime((jd - 2451545.0) / 365.25 + 2000.0)


def mjdToDateTime(mjd):
    return jdnToDateTime(mjd + 2400000.5)


def bYearToDateTime(b):
    return jdnToDateTime((b - 1900.0) * 365.242198781 + 2415020.31352)


def dateTimeToMJD(dt):
    return dateTimeToJdn(dt) - 2400000.5


def dateTimeToJYear(dt):
    return (dateTimeToJdn(dt) - 2451545) / 365.25 + 2000


def parseTimestamp(literal, format="%Y-%m-%dT%H:%M:%S"):
    return datetime.datetime.strptime(literal, format)


def parseDate(literal, format="%Y-%m-%d"):
    if format == "!!julianEp":
        return jYearToDateTime(float(literal))
    return datetime.datetime.strptime(literal, format).date()


def parseTime(literal, format="%H:%M:%S"):
    if format == "!!secondsSinceMidnight":
        return datetime.timedelta(seconds=float(literal))
    if format == "!!decimalHours":
        return datetime.timedelta(seconds=float(literal) * 3600)
    pat = "".join("(?P<%s>.*?)" % tok[1] if tok.startswith("%") else re.escape(tok)
                  for tok in re.findall("%.|[^%]+", format))
    mat = re.match(pat + "$", literal)
    if not mat:
        raise ValueError("'%s' cannot be parsed using format '%s'" % (literal, format))
    d = mat.groupdict()
    return datetime.timedelta(seconds=float(d.get("H", 0)) * 3600 + float(d.get("M", 0)) * 60 + float(d.get("S", 0)))


_iso = re.compile(r"(\d\d\d\d)-?(\d\d)-?(\d\d)(?:[T ](\d\d):?(\d\d):?(\d\d)(\.\d*)?Z?(\+00:00)?)?$")


def parseISODT(literal):
    mat = _iso.match(literal.rstrip("Z").strip())
    if not mat:
        raise ValueError("Bad ISO datetime literal: %s" % literal)
    y, mo, d, h, mi, s, frac, _ = mat.groups()
    return datetime.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                             int(float("0" + frac) * 1000000) if frac else 0)


def parseInt(literal):
    if literal is None or (isinstance(literal, str) and not literal.strip()):
        return None
    return int(literal)


def parseFloat(literal):
    if literal is None or (isinstance(literal, str) and not literal.strip()):
        return None
    return float(literal)


def parseBooleanLiteral(literal):
    if literal is None or isinstance(literal, bool):
        return literal
    literal = literal.lower()
    if literal in ("true", "yes", "t", "on", "enabled", "1"):
        return True
    if literal in ("false", "no", "f", "off", "disabled", "0"):
        return False
    raise ValueError("'%s' is no recognized boolean literal." % literal)


_undef = object()


def parseWithNull(literal, baseParser, nullLiteral=_undef, default=None, checker=None):
    if (nullLiteral is not _undef and literal == nullLiteral) or literal is None:
        return default
    if checker is not None and checker(literal):
        return default
    res = baseParser(literal)
    return default if res is None else res


def killBlanks(literal):
    return None if literal is None else literal.replace(" ", "")


def scale(val, factor, offset=0):
    return None if val is None else factor * val + offset


def toMJD(literal):
    if literal is None:
        return None
    if isinstance(literal, str):
        return dateTimeToMJD(parseTimestamp(literal))
    if isinstance(literal, (datetime.datetime, datetime.date)):
        return dateTimeToMJD(literal)
    if literal > 1e6:
        return literal - 2400000.5
    return literal


def makeTimestamp(date, time):
    return datetime.datetime(date.year, date.month, date.day) + time


def requireValue(val, fieldName):
    if val is None:
        raise ValidationError("Value is required but was not provided (field %s)" % fieldName)
    return val


class ValidationError(Exception):
    pass


def lastSourceElements(path, numElements):
    parts = []
    for _ in range(int(numElements)):
        path, part = os.path.split(path)
        parts.append(part)
    parts.reverse()
    return os.path.join(*parts)


def getFileStem(path):
    return os.path.splitext(os.path.basename(path))[0]


def computeMean(a, b):
    return a + (b - a) / 2


def parseAngle(literal, format, sepChar=None):
    if format == "dms":
        return dmsToDeg(literal, sepChar)
    if format == "hms":
        return hmsToDeg(literal, sepChar)
    if format == "fracHour":
        return float(literal) * 360. / 24.
    raise ValueError("Invalid format: %s" % format)


def TTtoTAI(tt):
    return tt - datetime.timedelta(seconds=32.184)


def TAItoTT(tai):
    return tai + datetime.timedelta(seconds=32.184)


CASES = r"""
hmsToDeg(@ra, ":") | ra='12:30:00'
hmsToDeg(@ra) | ra='22 23 23.3'
hmsToDeg(@ra, "") | ra='222323.3'
hmsToDeg(@ra, ":") | ra='00:00:00.001'
hmsToDeg(@ra, ":") | ra=' 23:59:59.999 '
hmsToDeg(@ra, ":") | ra='12:30'
hmsToDeg(@ra) | ra='01 02 03.456789'
hmsToDeg(@ra, ":") | ra='-00:30:00'
hmsToDeg(@ra) | ra='junk'
hmsToDeg(@ra, ":") | ra='12:30:00:00'
hmsToDeg(@ra, ":") | ra='12.5:30:00'
hmsToDeg(@ra, ":") | ra='12::00'
hmsToDeg(@ra, sepChar=":") | ra='05:14:32.27'
hmsToDeg(@ra, ":") | ra='1_2:30:00'
dmsToDeg(@de, ":") | de='-45:30:07.6'
dmsToDeg(@de) | de='45 30.6'
dmsToDeg(@de) | de='-00 30 00'
dmsToDeg(@de) | de='+00 30 00'
dmsToDeg(@de) | de='- 10 30 00'
dmsToDeg(@de, "") | de='-453007.6'
dmsToDeg(@de, ":") | de='89:59:59.9999'
dmsToDeg(@de) | de='12'
dmsToDeg(@de) | de='junk'
dmsToDeg(@de, ":") | de='-0:0:1'
degToHms(0)
degToHms(122.056, secondFracs=1)
degToHms(-0.056, secondFracs=0)
degToHms(-1.056, secondFracs=0)
degToHms(359.2222, secondFracs=4, sepChar=":")
degToHms(359.99999999)
degToHms(187.5, ":")
degToHms(hmsToDeg('05 14 32.27'), ':', 2)
degToDms(0)
degToDms(-0.25)
degToDms(-23.50, secondFracs=4)
degToDms(45.50211111, ":")
degToDms(12.9999999999)
degToDms(-89.5, secondFracs=0)
degToDms(dmsToDeg('-25:41:00.6', ':'), sepChar=":")
dateTimeToJdn(datetime.datetime(2000, 1, 1, 12))
dateTimeToJdn(datetime.datetime(1858, 11, 17))
dateTimeToJdn(datetime.datetime(2021, 7, 4, 18, 30, 15, 250000))
dateTimeToJdn(datetime.date(2021, 7, 4))
dateTimeToMJD(datetime.datetime(2021, 7, 4, 18, 30, 15, 250000))
dateTimeToMJD(datetime.datetime(1858, 11, 17))
dateTimeToMJD(parseTimestamp(@t)) | t='2015-03-20T09:45:00'
dateTimeToJYear(datetime.datetime(2015, 3, 20, 9, 45))
dateTimeToJYear(datetime.datetime(2000, 1, 1, 12))
jdnToDateTime(2451545.0)
jdnToDateTime(2459400.2710)
jdnToDateTime(float(@jd)) | jd='2457101.90625'
jdnToDateTime(2400000.5)
mjdToDateTime(0)
mjdToDateTime(57101.40625)
mjdToDateTime(51544.5)
mjdToDateTime(59000.123456789)
mjdToDateTime(float(@mjd)) | mjd='55000.75'
bYearToDateTime(1950.0)
bYearToDateTime(1900.0)
jYearToDateTime(2015.5)
jYearToDateTime(1991.25)
dateTimeToMJD(mjdToDateTime(58000.25))
toMJD(@t) | t='2015-03-20T09:45:00'
toMJD(2457101.90625)
toMJD(57101.5)
toMJD(datetime.datetime(2015, 3, 20))
toMJD(None)
parseTimestamp(@t) | t='2015-03-20T09:45:12'
parseTimestamp(@t, '%Y-%m-%d %H:%M:%S.%f') | t='2015-03-20 09:45:12.125'
parseTimestamp(@t, '%d.%m.%Y') | t='20.03.2015'
parseTimestamp(@t, '%Y-%j') | t='2015-079'
parseTimestamp(@t) | t='2015-03-20 09:45:12'
parseTimestamp(@t, '%Y/%m/%d') | t='2015/02/29'
parseDate(@t) | t='2015-03-20'
parseDate(@t, '%d/%m/%y') | t='20/03/15'
parseDate(@t, '!!julianEp') | t='1980.89'
parseDate(@t) | t='20150320'
parseTime(@t) | t='12:30:15'
parseTime(@t) | t='25:21:22.445'
parseTime(@t, '%H:%M') | t='20:04'
parseTime(@t, '%H.%M:%S') | t='3.4:5'
parseTime(@t, '!!secondsSinceMidnight') | t='89930'
parseTime(@t, '!!decimalHours') | t='23.4'
parseTime(@t) | t='12-30-15'
makeTimestamp(parseDate('2015-03-20'), parseTime('12:30:15'))
makeTimestamp(datetime.date(2015, 3, 20), datetime.timedelta(hours=25))
parseISODT(@t) | t='1998-12-14'
parseISODT(@t) | t='1998-12-14T13:30:12'
parseISODT(@t) | t='1998-12-14T13:30:12Z'
parseISODT(@t) | t='1998-12-14T13:30:12.224Z'
parseISODT(@t) | t='19981214T133012Z'
parseISODT(@t) | t='19981214T133012+00:00'
parseISODT(@t) | t='1998-12-14 13:30:12.1234567'
parseISODT(@t) | t='junk'
parseISODT(@t) | t='1998-12-14T13:30'
parseInt(@x) | x='32'
parseInt(@x) | x=''
parseInt(@x) | x='   '
parseInt(@x) | x=None
parseInt(@x) | x='3.5'
parseInt(@x) | x=' -7 '
parseFloat(@x) | x='   5e9 '
parseFloat(@x) | x=''
parseFloat(@x) | x=None
parseFloat(@x) | x='wobbadobba'
parseFloat(@x) | x='nan'
parseBooleanLiteral(@x) | x='True'
parseBooleanLiteral(@x) | x='off'
parseBooleanLiteral(@x) | x='ENABLED'
parseBooleanLiteral(@x) | x='0'
parseBooleanLiteral(@x) | x='maybe'
parseBooleanLiteral(@x) | x=None
parseWithNull(@mag, float, "") | mag='12.5'
parseWithNull(@mag, float, "") | mag=''
parseWithNull(@mag, float, "") | mag='abc'
parseWithNull(@mag, float, "-") | mag='-'
parseWithNull(@mag, float, "99.99") | mag='99.99'
parseWithNull(@mag, float, "99.99") | mag='99.990'
parseWithNull(@mag, int, "") | mag='42'
parseWithNull(@mag, int, "", -1) | mag=''
parseWithNull(@mag, float, nullLiteral="NaN", default=0.0) | mag='NaN'
parseWithNull(@mag, float) | mag=None
parseWithNull(@mag, float) | mag='1.5'
parseWithNull(@mag, parseFloat, "x") | mag='  '
parseWithNull(@mag, parseInt, "x") | mag='x'
parseWithNull(@mag, hmsToDeg, "") | mag='12 30 00'
parseWithNull(@mag, parseBooleanLiteral, "") | mag='yes'
parseWithNull(@mag, float, "", checker=math.isnan) | mag='1'
parseWithNull(@mag, float, "", None, None) | mag='3'
killBlanks(@x) | x='1 234 567'
killBlanks(@x) | x=None
killBlanks(@x) | x='a\tb'
scale(@x, 2) | x=3
scale(None, 2)
scale(float(@x), 0.001, 5) | x='1500'
computeMean(1., 3)
computeMean(datetime.datetime(2000, 10, 13), datetime.datetime(2000, 10, 12))
requireValue(@x, 'mag') | x='1'
requireValue(@x, 'mag') | x=None
lastSourceElements(@p, 2) | p='/data/inputs/cat/part1/file.fits'
lastSourceElements(@p, 1) | p='file.fits'
lastSourceElements(@p, '3') | p='a/b/c/d'
getFileStem(@p) | p='/data/inputs/cat/part1/file.fits.gz'
getFileStem(@p) | p='noext'
getFileStem(@p) | p='dir/.hidden'
parseAngle('23 59 59.95', 'hms')
parseAngle('-20:31:05.12', 'dms', sepChar=':')
parseAngle('21.0209556', 'fracHour')
parseAngle('1', 'rad')
TTtoTAI(datetime.datetime(2020, 1, 1))
TAItoTT(datetime.datetime(2020, 1, 1))
"""


def main():
    ns = dict(globals())
    ns.update({"math": math, "datetime": datetime, "re": re, "os": os})
    out = ["# Generated by gen_helper_cases.py (a Python model of DaCHS's rowmaker helpers,",
           "# run with CPython %s); do not edit." % sys.version.split()[0], ""]
    for line in CASES.strip().splitlines():
        expr, _, vars_ = line.partition(" | ")
        vars_d = {}
        var_lines = []
        if vars_:
            name, _, lit = vars_.partition("=")
            vars_d[name.strip()] = eval(lit)
            var_lines.append("@%s = %s" % (name.strip(), lit.strip()))
        code = re.sub(r"@([A-Za-z_]\w*)", r'vars["\1"]', expr.strip())
        ns["vars"] = vars_d
        try:
            result = "= " + repr(eval(code, ns))
        except Exception as exc:  # noqa: BLE001
            result = "! %s: %s" % (type(exc).__name__, exc)
        out.append("> " + expr.strip())
        out.extend(var_lines)
        out.append(result)
        out.append("")
    with open(os.path.join(here, "helpers.test"), "w") as f:
        f.write("\n".join(out))
    print("wrote helpers.test")


main()
