"""Names of a package imported on first use (PEP 562), so that importing it stays cheap.

``import secondfront`` runs for every command of the command line, ``--help``
included; when a package's ``__init__`` imported its modules eagerly, each command paid
for numpy, pydantic, FastAPI and the engine before doing anything. A package lists
where each public name lives and installs the returned ``__getattr__`` and ``__dir__``;
it repeats the imports under ``TYPE_CHECKING`` for type checkers and editors.

A name that is also a submodule's name cannot be lazy: importing the submodule binds
the module to that name in the package. Packages that export such names (a function
``forecast`` of a module ``forecast``) keep their eager imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_exports(
    namespace: dict[str, object], homes: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package, whose name ``n`` lives in ``homes[n]``.

    Args:
        namespace: the package's ``globals()``.
        homes: public name -> the module that defines it.

    Returns:
        ``__getattr__(name)`` importing ``homes[name]`` on first use and keeping the
        value in the package (later uses cost nothing), and ``__dir__()``.
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> object:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *homes})

    return __getattr__, __dir__


__all__ = ["lazy_exports"]
