"""The report's charts as PNG bytes (matplotlib), drawn with a Thai font found on the machine."""

from __future__ import annotations

import io
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from ita_analytics.domain import PASS_THRESHOLD  # noqa: E402
from ita_analytics.report.formatting import is_missing  # noqa: E402

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


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def render_total_chart(history: pd.DataFrame, title: str) -> bytes:
    """Total by fiscal year with the pass line; missing years are gaps, not zeros.

    Input columns: year, total, level.
    """
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7.5, 3.8))
        known = history.dropna(subset=["total"])
        # Numeric years and NaN totals leave a year without a total as a gap, not a bridge.
        ax.plot(history["year"], history["total"], marker="o", color=AGENCY_COLOR, linewidth=2)
        for _, row in known.iterrows():
            label = f"{row['total']:.2f}"
            if isinstance(row.get("level"), str):
                label += f"\n{row['level']}"
            ax.annotate(label, (row["year"], row["total"]), textcoords="offset points",
                        xytext=(0, 8), ha="center", fontsize=10)
        low = min([PASS_THRESHOLD, *known["total"].tolist()])
        bottom = max(0, low - 10)
        for year in history.loc[history["total"].isna(), "year"]:
            ax.annotate("ไม่มีคะแนนรวม", (year, bottom), textcoords="offset points",
                        xytext=(0, 6), ha="center", fontsize=9, color=PASS_COLOR)
        ax.set_xticks(list(history["year"]))
        ax.set_xticklabels([str(y) for y in history["year"]])
        ax.set_xlim(history["year"].min() - 0.5, history["year"].max() + 0.5)
        ax.axhline(PASS_THRESHOLD, color=PASS_COLOR, linestyle="--", linewidth=1)
        ax.text(0.0, PASS_THRESHOLD, f" เกณฑ์ผ่าน {PASS_THRESHOLD:.0f}", va="bottom",
                color=PASS_COLOR, fontsize=10, transform=ax.get_yaxis_transform())
        ax.set_ylim(bottom, 105)
        ax.set_xlabel("ปีงบประมาณ (พ.ศ.)")
        ax.set_ylabel("คะแนนรวม")
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        return _png(fig)


def render_peer_chart(profile: pd.DataFrame, title: str) -> bytes:
    """The ten indicators: the agency against its peers' median and top quartile (bars).

    Input columns: label, score, peer_median, peer_q3 (NaN where missing: no bar drawn).
    """
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7.5, 6.0))
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
                            "-" if missing else f"{value:.2f}", va="center", fontsize=9)
        ax.set_yticks(list(y))
        ax.set_yticklabels(frame["label"])
        ax.set_xlim(xmin, 104)
        ax.axvline(PASS_THRESHOLD, color=PASS_COLOR, linestyle="--", linewidth=1)
        ax.set_xlabel("คะแนน")
        ax.set_title(title)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.28), ncol=3, frameon=False,
                  fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        return _png(fig)
