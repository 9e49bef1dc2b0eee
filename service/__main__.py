"""`python -m service --host 127.0.0.1 --port 8080 [--token T] [--workers N] [--queue N]`.

Exit status: 0 after a clean shutdown (SIGINT/SIGTERM finish the runs in flight first), 2 for
bad flags or settings (one line), 1 when the sandbox cannot start here.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

PROG = "python -m service"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="The sandbox verification service (SandboxFusion-compatible /run_code).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        epilog="Exit status: 0 stopped cleanly, 2 bad flags or settings, 1 the sandbox cannot "
        "start here.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind")
    p.add_argument("--port", type=int, default=8080, help="port (0: any free one)")
    p.add_argument(
        "--token",
        # not the environment's value as the default: --help would print the secret
        default=argparse.SUPPRESS,
        help="bearer token every request must carry (default: $SANDBOX_TOKEN, else none)",
    )
    p.add_argument(
        "--allow-remote-without-token",
        action="store_true",
        help="serve a non-loopback address without a token (anyone who reaches it runs code)",
    )
    p.add_argument("--workers", type=int, default=2, help="runs at once")
    p.add_argument("--queue", type=int, default=64, help="requests that may wait for a run")
    p.add_argument(
        "--queue-timeout", type=float, default=30.0, help="seconds a request may wait (then 503)"
    )
    p.add_argument("--max-body-mb", type=float, default=8.0, help="largest request body")
    p.add_argument(
        "--geometry-workers", type=int, default=2, help="processes for /verify/geometry checks"
    )
    p.add_argument(
        "--geometry-max-timeout",
        type=float,
        default=60.0,
        help="largest timeout_s a /verify/geometry request may ask for",
    )
    p.add_argument(
        "--geometry-slack",
        type=float,
        default=5.0,
        help="seconds a geometry check may overrun its timeout_s before its worker is killed",
    )
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from service.errors import ServiceConfigError
    from service.settings import ServiceSettings

    try:
        settings = ServiceSettings(
            host=args.host,
            port=args.port,
            token=getattr(args, "token", None) or os.environ.get("SANDBOX_TOKEN"),
            allow_remote_without_token=args.allow_remote_without_token,
            workers=args.workers,
            queue=args.queue,
            queue_timeout_s=args.queue_timeout,
            max_body_bytes=int(args.max_body_mb * (1 << 20)),
            geometry_workers=args.geometry_workers,
            geometry_max_timeout_s=args.geometry_max_timeout,
            geometry_slack_s=args.geometry_slack,
        )
    except ServiceConfigError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s"
    )
    import uvicorn

    from sandbox import SandboxError
    from service.app import create_app

    # uvicorn stops on SIGINT/SIGTERM after the requests in flight, then raises the signal again
    # for the handler it found: a clean stop is exit status 0, not death by signal
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    try:
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level=args.log_level,
            # runs in flight finish: the longest a run may take is its 600 s wall limit
            timeout_graceful_shutdown=620,
        )
    except SandboxError as exc:
        print(f"{PROG}: failed: the sandbox cannot start here: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
