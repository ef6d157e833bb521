"""The release files agree with the package: one version, one licence."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import skmi

ROOT = Path(__file__).resolve().parents[1]


def test_version_comes_from_the_metadata():
    assert skmi.__version__ == metadata.version("skmi")
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^version = "(.+)"$', pyproject, re.M).group(1) == skmi.__version__


def test_licence_file_is_the_licence_the_metadata_states():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r"^license = \"BSD-3-Clause\"$", pyproject, re.M)
    assert re.search(r"^license-files = \[\"LICENSE\"\]$", pyproject, re.M)
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "Neither the name of the copyright holder" in text  # the third clause


def test_changelog_has_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "Keep a Changelog" in text
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", text, re.M)
    assert versions and versions[0] == skmi.__version__


def test_citation_names_the_current_version():
    text = (ROOT / "CITATION.cff").read_text()
    assert re.search(r"^cff-version: 1\.2\.0$", text, re.M)
    found = re.search(r"^version: (\S+)$", text, re.M)
    assert found and found.group(1) == skmi.__version__
    assert re.search(r"^license: BSD-3-Clause$", text, re.M)


def test_package_is_typed():
    assert (Path(skmi.__file__).parent / "py.typed").is_file()
