"""Cost: moto's ``Item.project`` converts the whole item to plain JSON once per projected
attribute, then back (moto 5.2.5): projecting 12 attributes of 10,000 articles took
longer than reading them whole. A projection of top-level attributes only (what the
Σ's slim path asks for, ``chalicelib/adapters/repositories/articles.py``) now copies
just those attributes; nested paths and list indexes still go moto's way.
Installed by ``moto_fixes.apply``; guarded by ``tests/functional/test_moto_fixes.py``.
"""

from __future__ import annotations

import copy
from typing import Any


def _top_level_projection(original: Any) -> Any:
    def project(self: Any, projection_expressions: list[list[str]]) -> Any:
        if any(len(path) != 1 or "[" in path[0] for path in projection_expressions):
            return original(self, projection_expressions)
        wanted = {path[0] for path in projection_expressions}
        projected = type(self)(hash_key=self.hash_key, range_key=self.range_key, attrs={})
        # dict.update: the item was within the size limit, so is a part of it (moto's
        # LimitedSizeDict re-measures the whole item on every assignment); scalars are
        # shared (immutable), documents copied
        dict.update(projected.attrs, {name: value if isinstance(value.value, (str, bytes)) else copy.deepcopy(value)
                                      for name, value in self.attrs.items() if name in wanted})
        return projected

    return project


def apply() -> None:
    from moto.dynamodb.models.dynamo_type import Item

    Item.project = _top_level_projection(Item.project)  # type: ignore[method-assign]
