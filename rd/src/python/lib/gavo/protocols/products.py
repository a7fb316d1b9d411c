"""gavo.protocols.products for RD code: product links."""
from meles_rt.rmkfuncs import makeProductLink, quoteProductKey  # noqa: F401
