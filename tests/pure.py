"""A pytest plugin that makes the AWS SDK, moto and the ORM unimportable: `pytest -p tests.pure
tests/unit` proves the unit tests (and the domain they test) need none of them."""

from __future__ import annotations

import importlib.abc
import sys
from typing import Any

BLOCKED = frozenset({"boto3", "botocore", "moto", "pynamodb", "aioboto3", "s3transfer"})


class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        if fullname.partition(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} is unimportable in the pure unit tests (tests/pure.py)")
        return None


for loaded in [name for name in sys.modules if name.partition(".")[0] in BLOCKED]:
    raise RuntimeError(f"{loaded} was imported before tests.pure could block it")
sys.meta_path.insert(0, _Blocker())
