"""Sphinx configuration for the skmi documentation.

Build (from the repository root; warnings are errors, as in CI)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Nothing here fetches anything at build time: no intersphinx, and the gallery links only
to this site (MathJax, for the few formulas, is loaded by the reader's browser).
"""

from __future__ import annotations

import importlib
import os
import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

# Document the checkout's skmi even when another copy is installed; sphinxext/ holds
# the gallery's scraper.
DOCS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(DOCS))
sys.path.insert(0, os.path.join(DOCS, "sphinxext"))

# Gallery examples run in this process (nothing has imported NumPy or torch yet, so
# these are read when they load): never open a window; one BLAS/OpenMP thread, since
# the examples' matrices are small and extra threads only fight over a shared CI
# machine's cores (on 2 busy cores they made the layer-search example 4x slower); and
# let idle OpenMP workers sleep, as `skmi infoplane` does. Numba's threads (skmi's
# kernels) are not affected. An explicit setting in the environment wins.
os.environ.setdefault("MPLBACKEND", "agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from numpydoc.xref import DEFAULT_LINKS  # noqa: E402

import skmi  # noqa: E402

# -- Project -------------------------------------------------------------------------

project = "skmi"
author = "skmi developers"
copyright = "skmi developers"
try:
    release = _dist_version("skmi")
except PackageNotFoundError:  # a checkout that was not pip-installed
    release = skmi.__version__
version = ".".join(release.split(".")[:2])

# -- General -------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
# examples/ holds the gallery's sources: sphinx-gallery turns them into auto_examples/.
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints",
                    "examples", "sphinxext"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
language = "en"

# `name` in reST (and in docstrings) is a cross-reference to a Python object.
default_role = "py:obj"
# Signatures and titles read `KSG(k=3, ...)`, not `skmi.KSG(k=3, ...)`.
add_module_names = False
python_display_short_literal_types = True

# -- autodoc / autosummary -----------------------------------------------------------

autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_member_order = "groupwise"

# -- numpydoc ------------------------------------------------------------------------

# Methods are documented by autodoc (members above); numpydoc's extra table of them
# would document each method a second time.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Types in Parameters/Returns/Attributes become references: skmi names link to their
# pages, other names (``n_features_in_``, ``ndarray``) render as code.
numpydoc_xref_param_type = True
# numpydoc's default aliases point into the Python and NumPy sites through intersphinx,
# which this build does not use: those words stay plain text.
_PLAIN_TYPES = set(DEFAULT_LINKS) | {
    "of", "or", "and", "shape", "default", "optional", "the", "a", "an", "with", "in",
    "each", "per", "one", "same", "as", "to", "from", "for", "if", "is", "not", "any",
    "instance", "length", "like", "values", "keys", "object", "objects", "mapping",
    "path", "DataFrame", "dtype", "type", "n_samples", "n_features", "n_classes",
}
numpydoc_xref_aliases = {name: name for name in _PLAIN_TYPES} | {
    name: f"skmi.{name}" for name in skmi.__all__ if name[0].isupper()
}
numpydoc_xref_ignore = _PLAIN_TYPES

# -- sphinx-gallery ------------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    # Any example that raises fails the build (all of them are reported first).
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    # "Examples using X" on each API page.
    "doc_module": ("skmi",),
    "backreferences_dir": os.path.join("generated", "backreferences"),
    # Link names in example code to this site only; no other site is fetched.
    "reference_url": {"skmi": None},
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "show_memory": False,
    "min_reported_time": 0,
    "matplotlib_animations": False,
    # matplotlib, saved with a tight bounding box (as `skmi infoplane` saves its figure)
    "image_scrapers": ("skmi_gallery.matplotlib_tight",),
}

# -- HTML ----------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skmi {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
}
html_context = {"default_mode": "light"}


# -- Aliases -------------------------------------------------------------------------
#
# Most public names live in a private-ish submodule and are re-exported (skmi.KSG is
# skmi.knn.KSG; skmi.nn.InformationPlane is skmi.InformationPlane). Each object is
# documented once, under the name users import; a reference through another public
# path to the same object resolves to that page.

_documented: dict[int, tuple[object, str]] = {}  # id(obj) -> (obj, its documented name)
_by_last_name: dict[str, list[str]] = {}  # "TrainingDivergedWarning" -> documented names


def _lookup(name: str):
    """The object a dotted name points to, or None."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except Exception:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _index(domain) -> None:
    for name, _disp, objtype, _doc, _anchor, prio in domain.get_objects():
        if not name.startswith("skmi") or objtype == "module" or prio < 0:  # < 0: alias
            continue
        _by_last_name.setdefault(name.rsplit(".", 1)[-1], []).append(name)
        obj = _lookup(name)
        if obj is not None and not isinstance(obj, (int, float, str, tuple, dict)):
            _documented.setdefault(id(obj), (obj, name))  # obj kept alive: ids stay unique


def _resolve_alias(app, env, node, contnode):
    """Resolve a reference to a documented skmi object through any public path.

    ``skmi.nn.InformationPlane`` finds the page of ``skmi.InformationPlane`` (the same
    object), and an unqualified name used in a docstring (``TrainingDivergedWarning`` on
    the page of ``skmi.MINE``) finds the one skmi object documented with that name.
    """
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    if not _by_last_name:
        _index(domain)
    target = node.get("reftarget", "").lstrip("~.")
    candidates = []
    for full in (target, f"{node.get('py:module') or 'skmi'}.{target}"):
        obj = _lookup(full) if full.startswith("skmi") else None
        if obj is not None and id(obj) in _documented:
            candidates = [_documented[id(obj)][1]]
            break
    if not candidates:
        candidates = _by_last_name.get(target.rsplit(".", 1)[-1], [])
        if "." in target:  # a dotted name must match as a whole suffix
            candidates = [c for c in candidates if c.endswith("." + target)]
    if len(candidates) != 1:
        return None
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                               candidates[0], node, contnode)


def _skip_foreign_member(app, what, name, obj, skip, options):
    """Document the methods skmi defines, not those of scikit-learn's or torch's bases.

    ``get_params``, ``set_output``, ``set_fit_request``, torch's ``Module`` methods and
    the like are documented by their own projects (their docstrings refer to labels of
    those sites, which do not exist here).
    """
    if what != "class" or skip:
        return None
    target = getattr(obj, "fget", obj)  # a property's getter
    target = getattr(target, "__func__", target)  # a classmethod's function
    if not (callable(target) or target is not obj):
        return None  # a data attribute: documented only when skmi gives it a docstring
    module = getattr(target, "__module__", None) or getattr(
        getattr(target, "__objclass__", None), "__module__", None)  # builtin methods
    if isinstance(module, str) and not module.startswith("skmi"):
        return True
    return None


def setup(app):
    app.connect("missing-reference", _resolve_alias)
    app.connect("autodoc-skip-member", _skip_foreign_member)
