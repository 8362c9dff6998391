"""Monthly trends as server-rendered SVG: no JavaScript, a title and a
description for screen readers, and the same numbers in a table beside it."""

from dataclasses import dataclass, field

WIDTH = 640
HEIGHT = 240
LEFT = 44
BOTTOM = 28
TOP = 12


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    shown: str

    @property
    def middle(self) -> float:
        return self.x + self.width / 2


@dataclass
class Chart:
    key: str
    title: str
    description: str
    kind: str  # bar or line
    points: list[tuple[str, int, str]]  # (month label, value, value as shown)
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    line: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT

    @property
    def total(self) -> int:
        return sum(v for _label, v, _shown in self.points)


def nice_ceiling(value: int) -> int:
    """The top of the axis: 1, 2 or 5 times a power of ten, at least value."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def build_chart(key: str, title: str, description: str, points, kind: str = "bar",
                tick_format=str) -> Chart:
    chart = Chart(key, title, description, kind, list(points))
    top = nice_ceiling(max([v for _l, v, _s in chart.points] + [0]))
    plot_height = HEIGHT - BOTTOM - TOP
    count = max(1, len(chart.points))
    slot = (WIDTH - LEFT - 8) / count
    for i, (label, value, shown) in enumerate(chart.points):
        height = plot_height * value / top
        x = LEFT + i * slot
        chart.bars.append(Bar(round(x + slot * 0.15, 1), round(HEIGHT - BOTTOM - height, 1),
                              round(slot * 0.7, 1), round(height, 1), label, value, shown))
    marks = sorted({0, top // 2, top})
    chart.ticks = [(round(HEIGHT - BOTTOM - plot_height * m / top, 1), tick_format(m)) for m in marks]
    if kind == "line":
        chart.line = " ".join(f"{b.middle},{b.y}" for b in chart.bars)
    return chart
