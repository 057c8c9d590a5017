"""The report's charts as PNG bytes (matplotlib), drawn with a Thai font found on the machine."""

from __future__ import annotations

import io
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from ita_analytics.domain import PASS_THRESHOLD  # noqa: E402
from ita_analytics.report.formatting import MISSING, convert_digits, is_missing  # noqa: E402

# Preferred first: Sarabun-like faces match the documents' TH Sarabun New (Laksaman is
# derived from it, Debian fonts-thai-tlwg); Noto Sans Thai comes with fonts-noto-core.
THAI_FONT_PREFERENCE = ("TH Sarabun New", "Sarabun", "Laksaman", "Noto Sans Thai", "Garuda",
                        "Loma", "Tahoma")

# Okabe–Ito colours (colour-blind safe), as the dashboard uses.
AGENCY_COLOR = "#0072B2"
MEDIAN_COLOR = "#E69F00"
Q3_COLOR = "#009E73"
PASS_COLOR = "#555555"


@lru_cache(maxsize=1)
def thai_font_name() -> str | None:
    """The family name of the first preferred Thai font installed, or None when there is none."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in THAI_FONT_PREFERENCE if name in installed), None)


def _style() -> dict:
    font = thai_font_name()
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    return {"font.family": families, "font.size": 13, "axes.spines.top": False,
            "axes.spines.right": False}


def _figure(size: tuple[float, float], title: tuple[str, ...] | str, digits: str):
    """A figure of a fixed size whose layout keeps every label inside it (no cropping to fit),
    its title left-aligned above the plot, one line per item of ``title``."""
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    lines = (title,) if isinstance(title, str) else tuple(title)
    fig.suptitle(convert_digits("\n".join(lines), digits), x=0.01, ha="left", fontsize=14)
    return fig, ax


def _legend(fig, ax, columns: int, d) -> None:
    """The legend below the plot, in space the layout keeps for it (never over a label)."""
    handles, labels = ax.get_legend_handles_labels()
    # The pass line last, after what is drawn for the agency and its peers.
    order = sorted(range(len(labels)), key=lambda k: labels[k].startswith("เกณฑ์ผ่าน"))
    handles, labels = [handles[k] for k in order], [labels[k] for k in order]
    fig.legend(handles, [d(label) for label in labels], loc="outside lower center",
               ncol=columns, frameon=False, fontsize=10)


def _digit_formatter(digits: str) -> FuncFormatter:
    return FuncFormatter(lambda value, _: convert_digits(f"{value:g}", digits))


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    plt.close(fig)
    return buffer.getvalue()


def build_total_figure(history: pd.DataFrame, title: tuple[str, ...] | str, *,
                       digits: str = "arabic"):
    """The total-by-year chart as a matplotlib figure (closed by the caller)."""
    d = lambda text: convert_digits(text, digits)  # noqa: E731
    with plt.rc_context(_style()):
        fig, ax = _figure((7.5, 4.2), title, digits)
        known = history.dropna(subset=["total"])
        # Numeric years and NaN totals leave a year without a total as a gap, not a bridge.
        ax.plot(history["year"], history["total"], marker="o", color=AGENCY_COLOR, linewidth=2,
                label="คะแนนรวมของหน่วยงาน")
        ax.axhline(PASS_THRESHOLD, color=PASS_COLOR, linestyle="--", linewidth=1,
                   label=d(f"เกณฑ์ผ่าน {PASS_THRESHOLD:.0f} คะแนน"))
        low = min([PASS_THRESHOLD, *known["total"].tolist()])
        bottom = max(0, low - 10)
        high = max([PASS_THRESHOLD, *known["total"].tolist()])
        # Room above the highest point for its two-line label, inside the plot.
        top = high + 0.45 * (high - bottom)
        for _, row in known.iterrows():
            label = f"{row['total']:.2f}"
            if isinstance(row.get("level"), str):
                label += f"\n{row['level']}"
            ax.annotate(d(label), (row["year"], row["total"]), textcoords="offset points",
                        xytext=(0, 7), ha="center", va="bottom", fontsize=10)
        for year in history.loc[history["total"].isna(), "year"]:
            ax.annotate("ไม่มีคะแนนรวม", (year, bottom), textcoords="offset points",
                        xytext=(0, 6), ha="center", fontsize=9, color=PASS_COLOR)
        ax.set_xticks(list(history["year"]))
        ax.set_xticklabels([d(str(y)) for y in history["year"]])
        ax.set_xlim(history["year"].min() - 0.5, history["year"].max() + 0.5)
        ax.set_ylim(bottom, top)
        ax.set_yticks([t for t in ax.get_yticks() if bottom <= t <= 100])
        ax.yaxis.set_major_formatter(_digit_formatter(digits))
        ax.set_xlabel("ปีงบประมาณ (พ.ศ.)")
        ax.set_ylabel("คะแนนรวม")
        _legend(fig, ax, 2, d)
        ax.grid(axis="y", alpha=0.3)
        return fig


def render_total_chart(history: pd.DataFrame, title: tuple[str, ...] | str, *,
                       digits: str = "arabic") -> bytes:
    """Total by fiscal year with the pass line; missing years are gaps, not zeros.

    Input columns: year, total, level. ``digits``: "thai" or "arabic", for every number drawn.
    """
    return _png(build_total_figure(history, title, digits=digits))


def build_peer_figure(profile: pd.DataFrame, title: tuple[str, ...] | str, *,
                      digits: str = "arabic"):
    """The indicators-against-peers chart as a matplotlib figure (closed by the caller)."""
    d = lambda text: convert_digits(text, digits)  # noqa: E731
    with plt.rc_context(_style()):
        fig, ax = _figure((7.5, 7.0), title, digits)
        frame = profile.iloc[::-1].reset_index(drop=True)
        y = range(len(frame))
        height = 0.26
        lows = pd.concat([frame["score"], frame["peer_median"]]).dropna()
        xmin = max(0.0, (float(lows.min()) if not lows.empty else 0.0) - 15)
        series = (("score", "หน่วยงาน", AGENCY_COLOR, height),
                  ("peer_median", "ค่ามัธยฐานกลุ่มเปรียบเทียบ", MEDIAN_COLOR, 0.0),
                  ("peer_q3", "ควอร์ไทล์บน (Q3)", Q3_COLOR, -height))
        for column, label, color, offset in series:
            values = frame[column].astype("float64")
            ax.barh([v + offset for v in y], values.fillna(0), height=height, color=color,
                    label=label)
            if column == "score":
                for i, value in enumerate(values):
                    missing = is_missing(value)
                    ax.text((xmin if missing else value) + 0.5, i + offset,
                            MISSING if missing else d(f"{value:.2f}"), va="center", fontsize=8)
        ax.set_yticks(list(y))
        ax.set_yticklabels([d(str(label)) for label in frame["label"]])
        # Room right of 100 for a full score's label, inside the plot.
        ax.set_xlim(xmin, 100 + 0.12 * (100 - xmin))
        ax.set_xticks([t for t in ax.get_xticks() if xmin <= t <= 100])
        ax.xaxis.set_major_formatter(_digit_formatter(digits))
        ax.axvline(PASS_THRESHOLD, color=PASS_COLOR, linestyle="--", linewidth=1,
                   label=d(f"เกณฑ์ผ่าน {PASS_THRESHOLD:.0f}"))
        ax.set_xlabel("คะแนน")
        _legend(fig, ax, 2, d)
        ax.grid(axis="x", alpha=0.3)
        return fig


def render_peer_chart(profile: pd.DataFrame, title: tuple[str, ...] | str, *,
                      digits: str = "arabic") -> bytes:
    """The ten indicators: the agency against its peers' median and top quartile (bars).

    Input columns: label, score, peer_median, peer_q3 (NaN where missing: no bar drawn).
    """
    return _png(build_peer_figure(profile, title, digits=digits))
