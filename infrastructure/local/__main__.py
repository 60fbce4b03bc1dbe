"""``python -m infrastructure.local``: what ``make run`` starts."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from infrastructure.local.stack import LocalStack, StackConfig


def main(argv: list[str] | None = None) -> int:
    defaults = StackConfig.from_env()
    parser = argparse.ArgumentParser(prog="python -m infrastructure.local")
    parser.add_argument("--port", type=int, default=defaults.port, help="site and API (LOTBOOK_PORT)")
    parser.add_argument("--aws-port", type=int, default=defaults.aws_port, help="moto (LOTBOOK_AWS_PORT)")
    parser.add_argument("--data-dir", type=Path, default=defaults.data_dir, help="LOTBOOK_DATA_DIR")
    parser.add_argument("--no-seed", action="store_true", help="do not create the demo tenant")
    parser.add_argument("--snapshot-interval", type=float, default=defaults.snapshot_interval)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--no-journal", action="store_true",
                        help="no write-ahead journal: a crash loses the writes since the last snapshot "
                             "(for measuring its cost only)")
    args = parser.parse_args(argv)

    config = StackConfig(
        port=args.port,
        aws_port=args.aws_port,
        data_dir=args.data_dir,
        seed=not args.no_seed,
        snapshot_interval=args.snapshot_interval,
        verbose=args.verbose,
        journal=not args.no_journal,
    )
    stack = LocalStack(config)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
    except OSError as exc:
        print(f"Impossible de démarrer : {exc}", file=sys.stderr)
        stack.stop()
        return 1
    print(stack.banner(), flush=True)
    try:
        stop.wait()
    finally:
        print("Arrêt : sauvegarde des données...", flush=True)
        stack.stop()
        print("Arrêté.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
