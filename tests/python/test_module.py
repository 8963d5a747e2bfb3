"""The module as a client of strata.h: it links libstrata.so the
ordinary way and uses only its strata_* functions; strata.pyi names
exactly what the module has; every method has a docstring."""
import ast
import os
import subprocess

import strata

SRCDIR = os.path.join(os.path.dirname(__file__), "..", "..")


def test_links_the_public_api_only():
    so = strata.__file__
    needed = subprocess.run(["readelf", "-d", so], stdout=subprocess.PIPE, text=True, check=True).stdout
    assert "Shared library: [libstrata.so.0]" in needed
    assert "RPATH" not in needed and "RUNPATH" not in needed
    undefined = subprocess.run(["nm", "-D", "--undefined-only", so], stdout=subprocess.PIPE,
                               text=True, check=True).stdout.split()
    ours = [s.split("@")[0] for s in undefined if s.startswith(("st_", "strata_"))]
    assert ours and all(s.startswith("strata_") for s in ours), ours
    header = open(os.path.join(SRCDIR, "include", "strata.h")).read()
    for sym in ours:
        assert sym + "(" in header, sym + " is not in strata.h"
    defined = subprocess.run(["nm", "-D", "--defined-only", so], stdout=subprocess.PIPE,
                             text=True, check=True).stdout.splitlines()
    assert [line.split()[-1] for line in defined] == ["PyInit_strata"]


def public(obj):
    return {n for n in dir(obj) if not n.startswith("_")}


def test_stub_matches_the_module():
    tree = ast.parse(open(os.path.join(SRCDIR, "python", "strata.pyi")).read())
    names, members = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        if isinstance(node, ast.ClassDef):
            members[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
    names = {n for n in names if not n.startswith("_")}
    assert names == public(strata), "strata.pyi and the module differ: %s" % (names ^ public(strata))
    for cls in ("Connection", "Domain", "Snapshot", "Chain"):
        have = public(getattr(strata, cls))
        assert {n for n in members[cls] if not n.startswith("_")} == have, cls


def test_docstrings():
    assert strata.__doc__
    for cls in (strata.Connection, strata.Domain, strata.Snapshot, strata.Chain):
        assert cls.__doc__, cls
        for name in public(cls):
            assert getattr(cls, name).__doc__, "%s.%s has no docstring" % (cls.__name__, name)
    for fn in (strata.chain_open_file, strata.version, strata.set_log_callback):
        assert fn.__doc__
    assert strata.version() == strata.__version__
