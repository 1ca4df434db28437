"""Mutation testing of one module, one token at a time, with the standard library only: which changes do the tests miss?

    .venv/bin/python scripts/mutate.py marketplace/pricing/services.py tests/pricing
    .venv/bin/python scripts/mutate.py marketplace/pricing/services.py tests/pricing --list
    .venv/bin/python scripts/mutate.py marketplace/pricing/forms.py tests/pricing --jobs 2 --sample 80 --seed 1
    .venv/bin/python scripts/mutate.py marketplace/pricing/services.py tests/pricing --only 12,40

Each mutant changes one token: a comparison (< and <=, > and >=, == and !=, in and not in, is and is not), `and`
and `or`, a number by +1 and -1, a numeric string given to Decimal() by one unit of its last place (or, as the
precision of quantize(), by one decimal place more and one fewer), True and False, a `not` removed, + and - (also
in += and -=). Docstrings and other strings are left alone. The changed module is written with ast.unparse (same
code, other layout); the report names the line of the original.

Run it from the project root. It never writes there: it copies the tree once per job (without .venv, .git and
caches) into a temporary directory, mutates the copies, and removes them when it ends (Ctrl-C included). The tests
run in a copy as `python -m pytest -q -x -p no:cacheprovider --hypothesis-seed=0 TESTS` with this interpreter, so
the copy's own package is the one imported. The unmutated module must pass first; its time sets the per-mutant
timeout (10x, at least 60 s) unless --timeout says. A mutant is killed when the tests fail, error or time out,
survived when they pass; a survivor is a missing test or a change that cannot alter behaviour (an equivalent
mutant): read each one. Exit status 0 when none survived.
"""

import argparse
import ast
import contextlib
import copy
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal, InvalidOperation

COMPARISONS = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
SYMBOLS = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.And: "and",
    ast.Or: "or",
    ast.Add: "+",
    ast.Sub: "-",
}
ARITHMETIC = {ast.Add: ast.Sub, ast.Sub: ast.Add}
RUNNING = set()  # pytest processes under way, ended with this script
IGNORED = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache")


def _decimal_string(node, parents):
    """For the string in Decimal("..."): (its finite value, whether it is a quantize() precision), else None."""
    call = parents.get(node)
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "Decimal"):
        return None
    try:
        value = Decimal(node.value)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    outer = parents.get(call)
    is_precision = (
        isinstance(outer, ast.Call)
        and isinstance(outer.func, ast.Attribute)
        and outer.func.attr == "quantize"
        and outer.args[:1] == [call]
    )
    return value, is_precision


def mutations(tree):
    """Every single-token mutation of the tree: (node index in ast.walk order, line, description, change)."""
    nodes = list(ast.walk(tree))
    parents = {child: node for node in nodes for child in ast.iter_child_nodes(node)}
    docstrings = {
        id(body[0].value)
        for node in nodes
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for body in [node.body]
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    }
    found = []
    for index, node in enumerate(nodes):
        line = getattr(node, "lineno", None)
        if isinstance(node, ast.Compare):
            for position, op in enumerate(node.ops):
                new = COMPARISONS[type(op)]
                found.append((index, line, f"`{SYMBOLS[type(op)]}` -> `{SYMBOLS[new]}`", ("compare", position, new)))
        elif isinstance(node, ast.BoolOp):
            new = ast.Or if isinstance(node.op, ast.And) else ast.And
            found.append((index, line, f"`{SYMBOLS[type(node.op)]}` -> `{SYMBOLS[new]}`", ("op", new)))
        elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in ARITHMETIC:
            new = ARITHMETIC[type(node.op)]
            found.append((index, line, f"`{SYMBOLS[type(node.op)]}` -> `{SYMBOLS[new]}`", ("op", new)))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found.append((index, line, "`not` removed", ("drop_not",)))
        elif isinstance(node, ast.Constant) and id(node) not in docstrings:
            value = node.value
            if isinstance(value, bool):
                found.append((index, line, f"`{value}` -> `{not value}`", ("value", not value)))
            elif isinstance(value, int | float):
                for new in (value + 1, value - 1):
                    found.append((index, line, f"`{value!r}` -> `{new!r}`", ("value", new)))
            elif isinstance(value, str) and (decimal := _decimal_string(node, parents)):
                number, is_precision = decimal
                exponent = number.as_tuple().exponent
                if is_precision:
                    # quantize() reads only the exponent: one place more, one place fewer.
                    news = [str(Decimal(1).scaleb(exponent - 1)), str(Decimal(1).scaleb(exponent + 1))]
                else:
                    unit = Decimal(1).scaleb(exponent)
                    news = [str(number + unit), str(number - unit)]
                for new in news:
                    found.append((index, line, f"Decimal({value!r}) -> Decimal({new!r})", ("value", new)))
    # Numbered in the order of the source.
    return sorted(found, key=lambda m: (m[1], getattr(nodes[m[0]], "col_offset", 0), m[0]))


def apply(source, index, change):
    """The module source with one mutation applied (the tree is parsed afresh: ast.walk order is stable)."""
    tree = ast.parse(source)
    nodes = list(ast.walk(tree))
    node = nodes[index]
    kind = change[0]
    if kind == "compare":
        node.ops[change[1]] = change[2]()
    elif kind == "op":
        node.op = change[1]()
    elif kind == "value":
        node.value = change[1]
    elif kind == "drop_not":
        parent = next(p for p in nodes if node in ast.iter_child_nodes(p))
        for name, field in ast.iter_fields(parent):
            if field is node:
                setattr(parent, name, copy.deepcopy(node.operand))
            elif isinstance(field, list):
                setattr(parent, name, [node.operand if item is node else item for item in field])
    return ast.unparse(ast.fix_missing_locations(tree))


def run_tests(workdir, tests, timeout):
    """('killed' | 'survived' | 'timeout' | 'error', seconds, last output line) of one pytest run in workdir."""
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "--hypothesis-seed=0", *tests]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    shutil.rmtree(os.path.join(workdir, ".hypothesis"), ignore_errors=True)  # no examples carried between mutants
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and pytest, arguments from the command line)
        command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    RUNNING.add(process)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return "timeout", time.monotonic() - started, ""
    finally:
        RUNNING.discard(process)
    lines = output.decode(errors="replace").strip().splitlines()
    status = {0: "survived", 1: "killed"}.get(process.returncode, "error")
    return status, time.monotonic() - started, lines[-1] if lines else ""


def write_module(workdir, module, source):
    path = os.path.join(workdir, module)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(source)
    # A stale .pyc of the same size and second would hide the mutant.
    cache = os.path.join(os.path.dirname(path), "__pycache__")
    stem = os.path.splitext(os.path.basename(path))[0] + "."
    for name in os.listdir(cache) if os.path.isdir(cache) else ():
        if name.startswith(stem):
            os.remove(os.path.join(cache, name))


def _stop(signum, frame):
    for process in list(RUNNING):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit(130)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="the source file to mutate, relative to the current directory")
    parser.add_argument("tests", nargs="+", help="test paths given to pytest")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample", type=int, help="run only this many mutants, chosen with --seed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: 10 x the clean run, at least 60)")
    parser.add_argument("--only", help="comma-separated mutant numbers to run")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    args = parser.parse_args()

    with open(args.module, encoding="utf-8") as handle:
        original = handle.read()
    source_lines = original.splitlines()
    found = list(enumerate(mutations(ast.parse(original)), start=1))
    chosen = found
    if args.only:
        wanted = {int(n) for n in args.only.split(",")}
        chosen = [m for m in found if m[0] in wanted]
    elif args.sample is not None and args.sample < len(found):
        chosen = sorted(random.Random(args.seed).sample(found, args.sample))

    def describe(number, line, description):
        return f"#{number:<4} line {line:<4} {description:<40} | {source_lines[line - 1].strip()}"

    if args.list:
        for number, (_, line, description, _) in chosen:
            print(describe(number, line, description))
        print(f"{len(chosen)} of {len(found)} mutants")
        return 0

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    base = tempfile.mkdtemp(prefix="mutate-")
    workdirs = queue.Queue()
    try:
        for job in range(max(1, args.jobs)):
            workdir = os.path.join(base, f"job{job}")
            shutil.copytree(".", workdir, ignore=IGNORED, symlinks=True)
            workdirs.put(workdir)
        # The unparsed, unmutated module must pass: it proves the harness, and times the run.
        clean = workdirs.get()
        write_module(clean, args.module, ast.unparse(ast.parse(original)))
        status, seconds, last = run_tests(clean, args.tests, timeout=None)
        write_module(clean, args.module, original)
        workdirs.put(clean)
        if status != "survived":
            print(f"the tests fail on the unmutated module: {last}", file=sys.stderr)
            return 2
        timeout = args.timeout or max(60.0, 10 * seconds)
        print(f"clean run {seconds:.1f}s, timeout {timeout:.0f}s, {len(chosen)} of {len(found)} mutants", flush=True)

        lock = threading.Lock()
        results = []

        def one(item):
            number, (index, line, description, change) = item
            workdir = workdirs.get()
            try:
                write_module(workdir, args.module, apply(original, index, change))
                status, seconds, last = run_tests(workdir, args.tests, timeout)
                write_module(workdir, args.module, original)
            finally:
                workdirs.put(workdir)
            with lock:
                results.append((number, line, description, status))
                print(f"{status:<9} {seconds:5.1f}s {describe(number, line, description)}", flush=True)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(one, chosen))
        elapsed = time.monotonic() - started
    finally:
        shutil.rmtree(base, ignore_errors=True)

    results.sort()
    survivors = [r for r in results if r[3] == "survived"]
    counts = {s: sum(1 for r in results if r[3] == s) for s in ("killed", "error", "timeout", "survived")}
    score = 100 * (len(results) - len(survivors)) / len(results) if results else 100.0
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    print(f"\n{len(results)} mutants: {summary}; score {score:.1f} % in {elapsed / 60:.0f} min")
    for number, line, description, _ in survivors:
        print("survived " + describe(number, line, description))
    return 0 if not survivors else 1


if __name__ == "__main__":
    sys.exit(main())
