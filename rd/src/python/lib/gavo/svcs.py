"""gavo.svcs for RD code: the exceptions services raise to answer with an HTTP status."""
from meles_rt.errors import (Error, UnknownURI, ForbiddenURI, Authenticate, BadMethod,  # noqa: F401
                             WebRedirect, SeeOther, Found, ValidationError)

BadMethodError = BadMethod
