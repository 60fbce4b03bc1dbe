"""Operator command: restore a backup into an empty tenant.

    python -m infrastructure.restore <source tenant id> <backup id> <target tenant id>

Runs against the deployment the environment describes (the ``LOTBOOK_*`` variables
of the stage, e.g. those printed by the local stack, and AWS credentials). The
target must be an empty company (signed up, nothing entered): families, parties,
lots, articles, sales, counters and company settings come back; users are listed
in the backup but not recreated (their logins live in Cognito).
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infrastructure.restore", description=__doc__.split("\n\n")[0])
    parser.add_argument("source_tenant")
    parser.add_argument("backup_id")
    parser.add_argument("target_tenant")
    args = parser.parse_args(argv)

    from chalicelib.errors import LotbookError
    from chalicelib.services import archives

    try:
        counts = archives.restore(args.source_tenant, args.backup_id, args.target_tenant)
    except LotbookError as error:
        print(error.message, file=sys.stderr)
        return 1
    print(json.dumps(counts, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
