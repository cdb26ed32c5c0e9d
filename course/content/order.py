"""The order a course reads in: the catalogue order the importer stores and the engine uses."""

from __future__ import annotations

from course.content import model
from course.content.model import Catalogue

KIND_ORDER = {"core": 0, "case-study": 0, "refresher": 1, "capstone": 2}


def course_order(catalogue: Catalogue) -> list[model.Module]:
    """Order modules as a course reads: by track, then kind, level and prerequisite depth."""
    tracks = {track.id: i for i, track in enumerate(catalogue.tracks)}
    depth: dict[str, int] = {}

    def depth_of(module: model.Module) -> int:
        if module.id not in depth:
            depth[module.id] = 0  # guards against cycles, which the validator already refused
            parents = [catalogue.module(p.module) for p in module.prerequisites if p.module]
            depth[module.id] = 1 + max((depth_of(p) for p in parents if p), default=-1)
        return depth[module.id]

    return sorted(
        catalogue.modules,
        key=lambda m: (
            tracks.get(m.track, len(tracks)),
            KIND_ORDER.get(m.kind, 3),
            m.level,
            depth_of(m),
            m.id,
        ),
    )
