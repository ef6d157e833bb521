"""The README and the documentation's pages run as written and show what their code prints.

Policy (one rule for every ```python block of README.md and every
``.. code-block:: python`` of the pages in ``docs/`` and ``docs/user_guide/``; the
gallery examples run when the site is built):

* Each block runs top to bottom in a fresh namespace (``__name__ == "__main__"``), in a
  temporary working directory, so that it must define its own data. The one exception
  is a block whose first line is ``# continues the block above``: it runs in the
  namespace the block before it left, in the same test (the README says so to its
  readers on that line).
* A comment after an expression shows its value, as an interactive session would:
  ``x.mi_  # 1.69 nats`` or ``r.estimate, r.p_value  # (0.223, 0.001): ...``. The
  comment's leading Python literal (numbers, strings, tuples; up to the first word or
  colon) is compared with the value, each number rounded to the decimals printed.
  A comment after ``print(...)`` must begin with exactly the text printed. A comment
  that starts like a value on any other statement is an error, so no number in a code
  block goes unchecked. A block with ``>>>`` lines runs as a doctest instead.
* Blocks that need torch, matplotlib, Dask or pandas are skipped without them
  (``pytest.importorskip``; see ``NEEDS``).
* Long runs are shortened by the string substitutions in ``SUBSTITUTIONS``, each of
  which must match the README exactly once (so the README cannot drift from them).

The ``bash`` blocks and the ``skmi ...`` commands quoted in the text are checked too:
each command parses with ``skmi``'s own argument parser, and every ``--flag`` the README
names is an option of ``skmi`` (or of the other program named in ``OTHER_FLAGS``).
"""

from __future__ import annotations

import ast
import contextlib
import doctest
import io
import re
import shlex
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
#: Every document whose code is checked: the README, then the site's hand-written pages.
DOCUMENTS = [README, *sorted((ROOT / "docs").glob("*.rst")),
             *sorted((ROOT / "docs" / "user_guide").glob("*.rst"))]
DOCUMENTS = [d for d in DOCUMENTS if d.name != "sg_execution_times.rst"]  # generated

CONTINUES = "# continues the block above"

# (README text, what the test runs instead, why). Each must occur exactly once.
SUBSTITUTIONS = [
    ("epochs=600", "epochs=3",
     "information plane: 600 epochs of training take minutes; 3 reach every code path"),
    ("n_samples=5000, seeds=5", "n_samples=300, seeds=1",
     "benchmark run: 40 tasks x 5 seeds x 4 estimators at N = 5000 take many minutes"),
    ("LocalCluster(n_workers=2, threads_per_worker=1)",
     "LocalCluster(n_workers=1, threads_per_worker=1, processes=False, "
     "dashboard_address=None)",
     "Dask: an in-process cluster starts in seconds (tests/test_dask.py runs worker "
     "processes)"),
]

# A block that matches the pattern needs the module (pytest.importorskip).
NEEDS = [
    (r"\bskmi\.nn\b|\bskmi\.neural\b|\bimport torch\b", "torch"),
    (r"\bplot", "matplotlib"),
    (r"\bdask\b", "distributed"),
    (r"\bpandas\b|\bpd\.", "pandas"),
]

# Flags of programs other than skmi that the README names: flag -> (file, text in it);
# file None: a third-party program (pip, dask worker).
OTHER_FLAGS = {
    "--index-url": (None, None),  # pip
    "--nthreads": (None, None),  # dask worker
    "--keep-going": (None, None),  # sphinx-build
    "--init": ("benchmarks/reproduce_saxe2018.py", '"--init"'),
    "--mode": ("benchmarks/bench_neural.py", '"--mode"'),
}


# --------------------------------------------------------------------- the README
def _readme_text() -> str:
    text = README.read_text(encoding="utf-8")
    for old, _new, _why in SUBSTITUTIONS:
        assert text.count(old) == 1, f"substitution {old!r} must match README.md once"
    return text


def _rst_blocks(text: str, lang: str) -> list[tuple[int, str]]:
    """(line number of the first code line, dedented code) of every
    ``.. code-block:: lang`` (or ``.. code:: lang``) directive of reStructuredText."""
    blocks, lines, i = [], text.splitlines(), 0
    directive = re.compile(r"^(\s*)\.\. (code-block|code|sourcecode):: *" + re.escape(lang)
                           + r"\s*$")
    while i < len(lines):
        m = directive.match(lines[i])
        i += 1
        if not m:
            continue
        indent = len(m.group(1))
        while i < len(lines) and re.match(r"^\s+:[\w-]+:", lines[i]):  # options
            i += 1
        body = []
        while i < len(lines) and (not lines[i].strip()
                                  or len(lines[i]) - len(lines[i].lstrip()) > indent):
            body.append((i + 1, lines[i]))
            i += 1
        while body and not body[-1][1].strip():
            body.pop()
        while body and not body[0][1].strip():
            body.pop(0)
        if body:
            cut = min(len(t) - len(t.lstrip()) for _, t in body if t.strip())
            blocks.append((body[0][0], "\n".join(t[cut:] for _, t in body) + "\n"))
    return blocks


def _doc_blocks(path: Path, lang: str) -> list[tuple[int, str]]:
    text = _readme_text() if path == README else path.read_text(encoding="utf-8")
    return _rst_blocks(text, lang) if path.suffix == ".rst" else _blocks(text, lang)


def _blocks(text: str, lang: str) -> list[tuple[int, str]]:
    """(line number of the block's first code line, code) of every ```lang block."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        if lines[i].strip() == "```" + lang:
            start, i = i + 1, i + 1
            while lines[i].strip() != "```":
                i += 1
            blocks.append((start + 1, "\n".join(lines[start:i]) + "\n"))
        i += 1
    return blocks


def _chains() -> list[tuple[Path, list[tuple[int, str]]]]:
    """Python blocks of each document grouped into the runs that share a namespace."""
    chains: list[tuple[Path, list[tuple[int, str]]]] = []
    for path in DOCUMENTS:
        first = True
        for line, code in _doc_blocks(path, "python"):
            if code.startswith(CONTINUES):
                assert not first, f"{path.name}: the first block cannot continue another"
                chains[-1][1].append((line, code))
            else:
                chains.append((path, [(line, code)]))
            first = False
    return chains


CHAINS = _chains()


# ------------------------------------------------------------ shown values
def _comments(code: str) -> dict[int, str]:
    """Line (1-based, in the block) -> text of the comment on it, without '#'."""
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string[1:].strip()
    return out


def _shown_literal(comment: str) -> str:
    """The leading Python literal of a comment ('' when it starts with a word)."""
    end = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(comment).readline):
            if tok.type in (tokenize.NUMBER, tokenize.STRING) or (
                    tok.type == tokenize.OP and tok.string in "()[],-"):
                end = tok.end[1]
            else:
                break
    except tokenize.TokenError:
        pass
    return comment[:end].rstrip(" ,")


def _decimals(source: str) -> int:
    return len(source.split(".", 1)[1]) if "." in source else 0


def _matches(node: ast.expr, literal: str, value) -> bool:
    """Whether ``value`` shows as the literal ``node`` (numbers rounded as printed)."""
    if isinstance(node, (ast.Tuple, ast.List)):
        try:
            items = list(value)
        except TypeError:
            return False
        return len(items) == len(node.elts) and all(
            _matches(n, literal, v) for n, v in zip(node.elts, items))
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        sign, node = -1, node.operand
    if not isinstance(node, ast.Constant):
        raise AssertionError(f"cannot compare with {ast.unparse(node)!r}")
    shown = node.value
    if isinstance(shown, str):
        return value == shown
    if isinstance(value, (str, bytes)):
        return False
    decimals = _decimals(ast.get_source_segment(literal, node))
    return abs(float(value) - sign * shown) <= 0.5 * 10.0 ** -decimals + 1e-12


class _ShownValues(ast.NodeTransformer):
    """Wrap each expression statement whose comment shows a value in a check."""

    def __init__(self, comments: dict[int, str]):
        self.comments = comments
        self.checks: dict[int, str] = {}  # line -> comment

    def visit_Expr(self, node: ast.Expr):
        comment = self.comments.get(node.end_lineno)
        if comment is None:
            return node
        is_print = (isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Name)
                    and node.value.func.id == "print")
        if not is_print and not _shown_literal(comment):
            return node
        self.checks[node.end_lineno] = comment
        name = "__readme_print__" if is_print else "__readme_value__"
        args = node.value.args if is_print else [node.value]
        call = ast.Call(ast.Name(name, ast.Load()),
                        [ast.Constant(node.end_lineno), *args], [])
        return ast.copy_location(ast.Expr(ast.copy_location(call, node)), node)


def _check_value(comment: str, where: str, value):
    literal = _shown_literal(comment)
    try:
        node = ast.parse(literal, mode="eval").body
    except SyntaxError:
        raise AssertionError(f"{where}: the comment {comment!r} starts like a "
                             f"value but {literal!r} is not a Python literal") from None
    assert _matches(node, literal, value), (
        f"{where}: shows {literal}, the code gives {value!r}")


def _check_print(comment: str, where: str, *args):
    buf = io.StringIO()
    print(*args, file=buf)
    printed = buf.getvalue().rstrip("\n")
    print(printed)
    assert comment.startswith(printed), (
        f"{where}: the comment shows {comment!r}, the code prints {printed!r}")


def _run_block(path: Path, first_line: int, code: str, namespace: dict):
    if any(line.lstrip().startswith(">>>") for line in code.splitlines()):
        test = doctest.DocTestParser().get_doctest(
            code, namespace, f"{path.name}:{first_line}", str(path), first_line - 1)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NUMBER
                                       | doctest.NORMALIZE_WHITESPACE)
        runner.run(test)
        assert runner.failures == 0, f"doctest at {path.name} line {first_line} failed"
        return
    comments = _comments(code)
    tree = ast.parse(code)
    shown = _ShownValues(comments)
    tree = ast.fix_missing_locations(shown.visit(tree))
    stray = {n for n, c in comments.items() if _shown_literal(c)} - set(shown.checks)
    assert not stray, (
        f"{path.name} lines " + ", ".join(str(first_line - 1 + n) for n in sorted(stray))
        + ": a value is shown on a line that is not an expression; the test cannot check it")
    ast.increment_lineno(tree, first_line - 1)  # tracebacks give the document's lines
    offset = first_line - 1
    namespace["__readme_value__"] = (
        lambda n, v: _check_value(shown.checks[n], f"{path.name} line {n + offset}", v))
    namespace["__readme_print__"] = (
        lambda n, *a: _check_print(shown.checks[n], f"{path.name} line {n + offset}", *a))
    exec(compile(tree, str(path), "exec"), namespace)


def _chain_id(chain) -> str:
    path, blocks = chain
    return f"{path.stem}-line{blocks[0][0]}"


@pytest.mark.filterwarnings("ignore::UserWarning")  # SaturationWarning, tiny runs at chance
@pytest.mark.parametrize("chain", CHAINS, ids=[_chain_id(c) for c in CHAINS])
def test_readme_python_block_runs(chain, tmp_path, monkeypatch):
    path, chain = chain
    code = "".join(c for _, c in chain)
    for pattern, module in NEEDS:
        if re.search(pattern, code):
            pytest.importorskip(module)
    if re.search(NEEDS[1][0], code):
        import matplotlib

        matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    try:
        for line, block in chain:
            for old, new, _ in SUBSTITUTIONS:
                block = block.replace(old, new)
            _run_block(path, line, block, namespace)
    finally:
        if "matplotlib.pyplot" in sys.modules:
            import matplotlib.pyplot as plt

            plt.close("all")


def test_readme_has_python_blocks_and_substitutions_apply():
    text = _readme_text()
    assert len(_blocks(text, "python")) >= 5
    blocks = "".join(c for _, c in _blocks(text, "python"))
    for old, _, why in SUBSTITUTIONS:
        assert old in blocks, f"substitution {old!r} ({why}) is not in a Python block"


# --------------------------------------------------------------- commands
def _code_spans(text: str) -> list[str]:
    """Inline code spans (joined across line breaks) and the lines of bash blocks."""
    bash = [line for _, code in _blocks(text, "bash") for line in code.splitlines()]
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    spans = [re.sub(r"\s+", " ", s) for s in re.findall(r"`([^`]+)`", prose)]
    return bash + spans


def _doc_code_spans(path: Path) -> list[str]:
    """:func:`_code_spans` of a document: Markdown, or reStructuredText (inline
    ````literals```` and ``.. code-block:: bash`` lines)."""
    if path.suffix != ".rst":
        return _code_spans(path.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    bash = [line for _, code in _rst_blocks(text, "bash") for line in code.splitlines()]
    spans = [re.sub(r"\s+", " ", s) for s in re.findall(r"``([^`]+)``", text)]
    return bash + spans


def _skmi_parser():
    from skmi.cli import build_parser

    return build_parser()


def _skmi_flags(parser) -> set[str]:
    import argparse

    flags = set()
    for action in parser._actions:
        flags.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                flags |= _skmi_flags(sub)
    return flags


def test_readme_skmi_commands_parse():
    parser = _skmi_parser()
    commands = [s for s in _code_spans(README.read_text(encoding="utf-8"))
                if re.search(r"(^|&& )skmi ", s)]
    assert any(c.startswith("skmi infoplane") or "&& skmi infoplane" in c
               for c in commands)
    commands += [s for path in DOCUMENTS[1:] for s in _doc_code_spans(path)
                 if re.search(r"(^|&& )skmi ", s)]
    for command in commands:
        argv = shlex.split(command.split("&& ")[-1])[1:]
        if argv and re.fullmatch(r"[A-Z]+", argv[0]):  # skmi COMMAND --help: any command
            continue
        # placeholders in capitals (N, DIR) stand for values: 2 parses as either
        argv = ["2" if re.fullmatch(r"[A-Z]+", a) else a for a in argv]
        if "--help" in argv:
            argv = [a for a in argv if a != "--help"]
            if not argv:
                continue
            argv = argv[:1]
        with contextlib.redirect_stderr(io.StringIO()) as err:
            try:
                parser.parse_args(argv)
            except SystemExit as exc:
                raise AssertionError(
                    f"README command {command!r} does not parse: {err.getvalue()}") from exc


def test_readme_flags_exist():
    known = _skmi_flags(_skmi_parser())
    for span in (s for path in DOCUMENTS for s in _doc_code_spans(path)):
        for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", span):
            if flag in known:
                continue
            assert flag in OTHER_FLAGS, f"README names {flag} ({span!r}): no such option"
            path, needle = OTHER_FLAGS[flag]
            if path is not None:
                assert needle in (ROOT / path).read_text(encoding="utf-8"), (flag, path)


def test_readme_test_command_matches_ci():
    """The README's test command is the one .ci/run runs, after the CPU torch step."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    bash = [code for _, code in _blocks(README.read_text(encoding="utf-8"), "bash")]
    test_block = next(code for code in bash if "pytest" in code)
    pytest_line = next(line for line in test_block.splitlines() if "pytest" in line)
    assert pytest_line in ci
    torch_pin = re.search(r"torch==[\d.]+", ci).group(0)
    torch_line = next(line for line in test_block.splitlines() if "torch" in line)
    assert torch_pin in torch_line
    assert test_block.index(torch_line) < test_block.index(pytest_line)
