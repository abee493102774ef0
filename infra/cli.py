"""`cme`: the project's command line (entry point declared in pyproject.toml).

Each subcommand is a `register_*` function below that adds its parser and sets `run` to a function
taking the parsed arguments and returning the exit code. To add one (`audit`, `sweep`, `rerender`,
`report`, ...), write its `register_*` function (importing what it needs inside its `run`, so `cme
token` stays fast) and append it to COMMANDS.
"""

from __future__ import annotations

import argparse
import json
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
        email=args.email,
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
    parser.add_argument(
        "--email", default=None, metavar="ADDRESS", help="the email claim (where reminders go)"
    )
    parser.set_defaults(run=_run_token)


# ---------------------------------------------------------------------- operations


def _use_stack_environment(args: argparse.Namespace) -> None:
    """Point at the running local stack (its .local/stack-env.json) unless TABLE_NAME says otherwise."""
    import json
    import os

    from cme_ledger.config import reset_settings
    from infra.localstack.stack import ENV_FILE

    if not os.environ.get("TABLE_NAME") and ENV_FILE.exists():
        os.environ.update(json.loads(ENV_FILE.read_text(encoding="utf-8")))
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    reset_settings()


def _run_audit(args: argparse.Namespace) -> int:
    _use_stack_environment(args)
    from cme_ledger.services.audit import audit

    problems = audit(render_grace_minutes=args.render_grace_minutes, confirm=not args.single_read)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} violation(s)" if problems else "audit clean: no violation")
    return 1 if problems else 0


def _run_sweep(args: argparse.Namespace) -> int:
    _use_stack_environment(args)
    from cme_ledger.services.expiry import expire_due_credits

    print(json.dumps(expire_due_credits()))
    return 0


def _run_rerender(args: argparse.Namespace) -> int:
    _use_stack_environment(args)
    from cme_ledger.domain.errors import NotFound
    from cme_ledger.services.certificates import rerender

    try:
        queued = rerender(args.user_id, args.claim_id)
    except NotFound:
        print(f"no claim {args.claim_id} for {args.user_id}", file=sys.stderr)
        return 1
    print("re-queued for rendering" if queued else "not failed: nothing to re-drive")
    return 0


def _run_report(args: argparse.Namespace) -> int:
    _use_stack_environment(args)
    from cme_ledger.services.board_reports import write_abp_report

    print(json.dumps(write_abp_report()))
    return 0


def _run_outbox(args: argparse.Namespace) -> int:
    _use_stack_environment(args)
    from infra.outbox import sent_messages

    for message in sent_messages(args.to):
        print(json.dumps(message, ensure_ascii=False))
    return 0


def register_operations(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    where = (
        "Acts on the tables and bucket named by TABLE_NAME, BUCKET_NAME, RENDER_QUEUE_URL (AWS), or else on the "
        "running local stack."
    )
    audit = commands.add_parser(
        "audit", help="check the ledger's invariants; exit 0 when clean", description=where
    )
    audit.add_argument("--render-grace-minutes", type=int, default=5, help="allowed rendering delay")
    audit.add_argument(
        "--single-read",
        action="store_true",
        help="report what one read finds (default: read again when something is found and report"
        " only what both reads find, so that work in flight on a live system is not reported)",
    )
    audit.set_defaults(run=_run_audit)
    sweep = commands.add_parser("sweep", help="run the expiry sweep now", description=where)
    sweep.set_defaults(run=_run_sweep)
    rerender = commands.add_parser(
        "rerender", help="re-drive a failed claim's certificate", description=where
    )
    rerender.add_argument("claim_id", metavar="CLAIM_ID")
    rerender.add_argument("--user", dest="user_id", required=True, help="the claim's learner (user id)")
    rerender.set_defaults(run=_run_rerender)
    report = commands.add_parser("report", help="write a board report batch now", description=where)
    report.add_argument("board", choices=["abp"])
    report.set_defaults(run=_run_report)
    outbox = commands.add_parser(
        "outbox",
        help="print the emails the local stack has sent, one JSON object a line",
        description="Reads the local stack's SES (moto): {to, subject, sent_at, text} per message, oldest first.",
    )
    outbox.add_argument("--to", default=None, metavar="ADDRESS", help="only the messages to this address")
    outbox.set_defaults(run=_run_outbox)


# ---------------------------------------------------------------------- credentials


def _run_verify_credential(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime
    from pathlib import Path

    from infra.credentials import verify_command

    try:
        token = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
        answer = verify_command(
            token,
            now=datetime.now(UTC),
            base_url=args.base_url,
            jwks_file=args.jwks,
            status_list_files=tuple(args.status_list),
            schema_file=args.schema,
            check_schema=not args.no_schema,
        )
    except (OSError, ValueError) as exc:
        print(f"cme verify-credential: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(answer, ensure_ascii=False))
    return 0 if answer["valid"] else 1


def register_credentials(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "verify-credential",
        help="verify an Open Badges 3.0 credential (VC-JWT); exit 0 when valid",
        description=(
            "Check a credential's signature against the issuer's JWKS, 1EdTech's OB3 schema, its dates and "
            "its revocation status; print one JSON object (valid, reasons, warnings, credential). Keys come "
            "from --jwks, else from --base-url (or the credential's own issuer URL); with --jwks and no "
            "--base-url nothing is fetched. See docs/credentials.md."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the compact JWS, or - for standard input")
    parser.add_argument("--base-url", default=None, help="the issuer's base URL (its JWKS and status lists)")
    parser.add_argument("--jwks", default=None, metavar="FILE", help="the issuer's JWKS, read from a file")
    parser.add_argument(
        "--status-list", action="append", default=[], metavar="FILE", help="a signed status list (offline)"
    )
    parser.add_argument("--schema", default=None, metavar="FILE", help="1EdTech's OB3 JSON schema file")
    parser.add_argument("--no-schema", action="store_true", help="skip the schema check (a warning)")
    parser.set_defaults(run=_run_verify_credential)


# ---------------------------------------------------------------------- registry

# Subcommands, in the order `cme --help` lists them.
COMMANDS: list[Register] = [
    register_token,
    register_operations,
    register_credentials,
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
