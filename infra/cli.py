"""`cme`: the project's command line (entry point declared in pyproject.toml).

Each subcommand is a `register_*` function below that adds its parser and sets `run` to a function
taking the parsed arguments and returning the exit code. To add one (`audit`, `sweep`, `rerender`,
`report`, ...), write its `register_*` function (importing what it needs inside its `run`, so `cme
token` stays fast) and append it to COMMANDS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


# ---------------------------------------------------------------------- token


def _run_token(args: argparse.Namespace) -> int:
    from infra.localstack import auth

    if not args.user_id.strip():
        print("cme token: USER_ID must not be empty", file=sys.stderr)
        return 2
    token = auth.mint_token(
        args.user_id,
        admin=args.admin,
        name=args.name,
        expires_in=args.expires_in,
        issuer=args.issuer,
        audience=args.audience,
    )
    print(token)
    return 0


def register_token(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from infra.localstack.auth import AUDIENCE, DEFAULT_EXPIRES_IN, ISSUER

    parser = commands.add_parser(
        "token",
        help="print a bearer token for the local stack",
        description=(
            "Print one line: a JWT signed with the local key (.local/ in the project root) that the local "
            f"stack accepts (issuer {ISSUER}, audience {AUDIENCE}). --issuer, --audience and a negative "
            "--expires-in mint tokens the stack must refuse."
        ),
    )
    parser.add_argument("user_id", metavar="USER_ID", help="the token's sub: the learner's user id")
    parser.add_argument("--admin", action="store_true", help="put the user in the admin group")
    parser.add_argument("--name", default=None, help="the name claim (a new profile's display name)")
    parser.add_argument(
        "--expires-in",
        type=int,
        default=DEFAULT_EXPIRES_IN,
        metavar="SECONDS",
        help=f"lifetime in seconds (default {DEFAULT_EXPIRES_IN}; negative: already expired)",
    )
    parser.add_argument("--issuer", default=ISSUER, help="iss claim (default: the local issuer)")
    parser.add_argument("--audience", default=AUDIENCE, help="aud claim (default: the local audience)")
    parser.set_defaults(run=_run_token)


# ---------------------------------------------------------------------- registry

# Subcommands, in the order `cme --help` lists them. Add audit, sweep, rerender, report here.
COMMANDS: list[Register] = [
    register_token,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cme", description="CME Ledger tools.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in COMMANDS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    return int(run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
