"""AlphaGeometry-style theorem generation: random premises, DD+AR closure, traced proofs.

    sampler.py     random premise sets over the construction language (constructions.toml)
    theorems.py    a closed premise set's theorems: statements, auxiliary points, checks
    canon.py       canonical form of a theorem (dedup under renaming and reordering)
    subproblem.py  the clause graph: sub-problems by clause mask, re-labelling
    records.py     the record a trainer reads (GeometryRecord), its `text` serialisation
    language.py    the natural-language statement
    pipeline.py    one shard in a worker; run.py: the parent, commits in rank order
    cli.py         `python -m generate.geometry`; draw.py: `python -m generate.geometry.draw`


Exports are lazy, so a worker that imports `generate.geometry.pipeline` does not pay for the
parent's progress bar and executors.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generate.geometry.config import GeometryConfig
    from generate.geometry.records import GeometryRecord
    from generate.geometry.run import GeometryRun

_LAZY = {
    "GeometryConfig": "generate.geometry.config",
    "GeometryRecord": "generate.geometry.records",
    "GeometryRun": "generate.geometry.run",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'generate.geometry' has no attribute {name!r}")
    return getattr(import_module(_LAZY[name]), name)


__all__ = ["GeometryConfig", "GeometryRecord", "GeometryRun"]
