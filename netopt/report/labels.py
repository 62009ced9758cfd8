"""Labels on a figure that do not overlap: each label has candidate places around its anchor,
tried in order; the first that collides with nothing placed so far (labels and marks) wins.

Labels are placed by priority (node names before flow figures). A label that must be shown takes
its least-overlapping place when no place is free; an optional one is left out (the report's
tables hold every figure). Extents are measured with the renderer after the figure's layout is
fixed, so what is checked is what is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# (dx, dy, ha, va): offsets in points from the anchor and the text's alignment there
Place = tuple[float, float, str, str]


@dataclass
class Label:
    x: float  # anchor, data coordinates
    y: float
    text: str
    places: list[Place]
    priority: int = 0  # lower first
    required: bool = True
    style: dict[str, Any] = field(default_factory=dict)  # Text properties (fontsize, color...)
    anchors: list[tuple[float, float]] | None = None  # per place, when not all at (x, y)


@dataclass
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlap(self, o: Box) -> float:
        w = min(self.x1, o.x1) - max(self.x0, o.x0)
        h = min(self.y1, o.y1) - max(self.y0, o.y0)
        return w * h if w > 0 and h > 0 else 0.0


def freeze(fig: Any) -> Any:
    """Lay the figure out once and keep it so (later text must not move the axes); return a
    renderer to measure with."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # matplotlib: only to draw

    canvas = FigureCanvasAgg(fig)
    engine = fig.get_layout_engine()
    if engine is not None:  # the layout alone, not a whole draw (0.7 s of arrows a figure)
        engine.execute(fig)
    fig.set_layout_engine("none")
    for ax in fig.axes:  # a fixed aspect shrinks the axes' box at draw time: do it now
        ax.apply_aspect()
    return canvas.get_renderer()


def mark_box(ax: Any, x: float, y: float, dx: float, dy: float, half_w: float,
             half_h: float) -> Box:
    """The display box of a mark `half_w` x `half_h` points around (x, y) + (dx, dy) points."""
    px, py = ax.transData.transform((x, y))
    k = ax.figure.dpi / 72.0
    cx, cy = px + dx * k, py + dy * k
    return Box(cx - half_w * k, cy - half_h * k, cx + half_w * k, cy + half_h * k)


def place(ax: Any, renderer: Any, labels: list[Label], taken: list[Box],
          pad: float = 1.0) -> list[Any]:
    """Draw `labels` where they collide with nothing in `taken` (extended as they are placed);
    return the Text artists drawn."""
    from matplotlib.transforms import offset_copy  # matplotlib: only to draw

    fig = ax.figure
    k = fig.dpi / 72.0
    frame = ax.get_window_extent(renderer)
    drawn = []
    for lab in sorted(labels, key=lambda lb: lb.priority):
        best: tuple[float, Any, Box] | None = None
        anchors = lab.anchors or [(lab.x, lab.y)] * len(lab.places)
        for (dx, dy, ha, va), (x, y) in zip(lab.places, anchors):
            t = ax.text(x, y, lab.text, ha=ha, va=va, **lab.style,
                        transform=offset_copy(ax.transData, fig=fig, x=dx, y=dy, units="points"))
            e = t.get_window_extent(renderer)
            box = Box(e.x0 - pad * k, e.y0 - pad * k, e.x1 + pad * k, e.y1 + pad * k)
            outside = (box.x0 < frame.x0 or box.x1 > frame.x1 or box.y0 < frame.y0
                       or box.y1 > frame.y1)
            hit = sum(box.overlap(o) for o in taken) + (1e9 if outside else 0.0)
            if best is None or hit < best[0]:
                if best is not None:
                    best[1].remove()
                best = (hit, t, box)
            else:
                t.remove()
            if hit == 0:
                break
        assert best is not None
        hit, t, box = best
        if hit > 0 and not lab.required:
            t.remove()
            continue
        taken.append(box)
        drawn.append(t)
    return drawn
