"""The ``skmi`` command line (also ``python -m skmi``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _cmd_estimate(args) -> int:
    import numpy as np

    from .metrics import mutual_info

    X = np.load(args.x)
    y = np.load(args.y)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    params = dict(p.split("=", 1) for p in args.param)
    params = {key: _parse_value(val) for key, val in params.items()}
    value = mutual_info(X, y, estimator=args.estimator, unit=args.unit, **params)
    if args.json:
        print(json.dumps({"estimator": args.estimator, "params": params,
                          "mi": value, "unit": args.unit, "n_samples": len(X)}))
    else:
        print(f"I(X; Y) = {value:.6f} {args.unit}  "
              f"(estimator={args.estimator}, n_samples={len(X)})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skmi", description="Mutual information estimation (skmi)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    est = sub.add_parser("estimate", help="estimate I(X; Y) from two .npy files")
    est.add_argument("x", help="X samples, .npy, shape (n,) or (n, d_x)")
    est.add_argument("y", help="Y samples, .npy, shape (n,) or (n, d_y)")
    est.add_argument("--estimator", default="ksg", help="estimator name (default: ksg)")
    est.add_argument("--unit", choices=["nats", "bits"], default="nats")
    est.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="estimator parameter, e.g. --param k=5 (repeatable)")
    est.add_argument("--json", action="store_true", help="print one JSON object")
    est.set_defaults(func=_cmd_estimate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"skmi: error: {exc}", file=sys.stderr)
        return 2
