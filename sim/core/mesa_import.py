"""Imports Mesa without loading pandas, scipy.spatial or networkx until something uses them.

Mesa 3.5's package ``__init__`` imports its grids, data collection and batch runner, which import
pandas, ``scipy.spatial`` and networkx at module level: about two thirds of ``import mesa``'s CPU
time, although a Pivot run uses none of them. While Mesa is imported, those modules are stood in for
by placeholders (never left in ``sys.modules`` afterwards): the names Mesa binds to them resolve to
the real module or object on first use, so every Mesa feature still works, and a program that
imports pandas itself gets the real pandas. Nothing here touches the model's arithmetic or its
random streams.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import TYPE_CHECKING, Any

__all__ = ["DEFERRED_MODULES", "mesa"]

#: Modules Mesa imports at load time and a Pivot run never uses; each is imported on first use.
#: ``True``: Mesa binds names from the module at import (``from scipy.spatial import KDTree``), so
#: every attribute is a stand-in that imports the module when called or read.
DEFERRED_MODULES: dict[str, bool] = {
    "pandas": False,
    "networkx": True,
    "scipy.spatial": True,
    "scipy.spatial.distance": True,
}


class _DeferredModule(types.ModuleType):
    """Stands in for a module while Mesa is imported; an attribute read imports the real module."""

    def __init__(self, name: str, binds_names: bool) -> None:
        super().__init__(name)
        self._binds_names = binds_names

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # the import system and inspect probe dunders: not there
            raise AttributeError(attribute)
        if sys.modules.get(self.__name__) is self:
            if self._binds_names:
                return _DeferredAttribute(self.__name__, attribute)
            del sys.modules[self.__name__]  # used during Mesa's import after all: load the real one now
        return getattr(importlib.import_module(self.__name__), attribute)


class _DeferredAttribute:
    """A name bound from a deferred module at import time: calling or reading it imports the module."""

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name

    def resolve(self) -> Any:
        """The real object (importing its module if needed)."""
        return getattr(importlib.import_module(self._module), self._name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(self.resolve(), attribute)

    def __repr__(self) -> str:
        return f"<{self._module}.{self._name}, imported on first use>"


def _import_mesa() -> types.ModuleType:
    if "mesa" in sys.modules:
        return sys.modules["mesa"]
    placed: list[str] = []
    for name, binds_names in DEFERRED_MODULES.items():
        if name in sys.modules or importlib.util.find_spec(name.split(".")[0]) is None:
            continue
        sys.modules[name] = _DeferredModule(name, binds_names)
        placed.append(name)
    try:
        loaded = importlib.import_module("mesa")
    finally:
        for name in placed:
            if isinstance(sys.modules.get(name), _DeferredModule):
                del sys.modules[name]
    return loaded


if TYPE_CHECKING:  # type checkers see Mesa itself
    import mesa
else:
    mesa = _import_mesa()
