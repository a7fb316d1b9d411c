"""gavo.rscdef for RD code."""
from meles_rt import replace_at as _replace_at
from meles_rt.rmkfuncs import (getStandardPubDID, getAccrefFromStandardPubDID,  # noqa: F401
                               getInputsRelativePath)
from meles_rt.errors import IgnoreThisRow  # noqa: F401


def replaceProcDefAt(src, dictName="vars"):
    return _replace_at(src, dictName)
