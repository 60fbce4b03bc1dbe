"""``make bench``: every benchmark, one after the other; each prints its figures."""

from __future__ import annotations

from bench import import_time, stack_startup

for name, module in (("import time", import_time), ("local stack start", stack_startup)):
    print(f"== {name}")
    module.main()
