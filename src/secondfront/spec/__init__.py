"""Model specifications: the network data type, the YAML scenario format, BIF and XMLBIF."""

from secondfront.spec.formats import Format, formats, load, register_format, resolve_model
from secondfront.spec.network import Network, Variable

__all__ = ["Format", "Network", "Variable", "formats", "load", "register_format", "resolve_model"]
