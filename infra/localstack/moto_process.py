"""moto's server in a process of its own: `python -m infra.localstack.moto_process [--port N]`.

The one AWS endpoint of the local stack: the gateway, the queue pollers, every function's worker
and `cme audit` all talk to it over HTTP. In a process of its own its threads do not share a GIL
with the gateway's: a thread that waits on a socket had to wait up to the interpreter's switch
interval (5 ms) to run again behind the others, on every read and write of every request.

It applies the project's moto patches (infra/moto_patches.py: transactions as DynamoDB does them,
KMS's digest signing; moto_speed.py: a Query reads its partition), prints one line
`moto ready on http://HOST:PORT`, and serves until its standard input closes (the stack stopped, or
died) or it gets SIGTERM. Ctrl-C reaches every process of `make run`'s group: this one ignores it,
and the stack stops it.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

READY = "moto ready on "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.localstack.moto_process")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from moto.server import ThreadedMotoServer

    from infra import moto_patches
    from infra.localstack import moto_speed

    moto_patches.apply()
    moto_speed.apply()
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"{READY}http://{host}:{port}", flush=True)
    while sys.stdin.buffer.read(4096):  # until the stack closes its end
        pass
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # its tables go with it: no teardown object by object
