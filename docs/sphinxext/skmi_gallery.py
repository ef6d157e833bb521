"""sphinx-gallery helpers for the skmi documentation (on ``sys.path`` from conf.py)."""

from __future__ import annotations

from sphinx_gallery.scrapers import matplotlib_scraper


def matplotlib_tight(block, block_vars, gallery_conf):
    """Save each figure with a tight bounding box.

    skmi's displays put notes and labels below the axes (the information plane's
    convention line, rotated task names), which the figure's own box would cut off;
    ``skmi infoplane`` saves the same way.
    """
    return matplotlib_scraper(block, block_vars, gallery_conf, bbox_inches="tight")
