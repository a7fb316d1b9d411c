"""gavo.stc for RD code: the time conversions RD code imports from here."""
from meles_rt.rmkfuncs import NAMESPACE as _NS

for _n in ("jdnToDateTime", "mjdToDateTime", "bYearToDateTime", "jYearToDateTime", "dateTimeToJdn",
           "dateTimeToMJD", "dateTimeToJYear", "dateTimeToBYear", "TTtoTAI", "TAItoTT", "parseISODT"):
    globals()[_n] = _NS[_n]

JD_MJD = 2400000.5
