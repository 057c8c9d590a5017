"""Peer benchmarks: percentile rank, rank and peer quartiles of an agency-year."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ita_analytics.analysis.common import METRICS, agency_year
from ita_analytics.errors import ItaError

PEER_GROUPS = {
    "type": ("ประเภทเดียวกัน", "same type"),
    "province": ("จังหวัดเดียวกัน", "same province"),
    "type+province": ("ประเภทเดียวกันในจังหวัดเดียวกัน", "same type in the same province"),
}


def select_peers(results: pd.DataFrame, agency_id: int, year: int, peers="type",
                 columns: list[str] | None = None) -> pd.DataFrame:
    """The peer rows of ``year`` (the agency included) for a peer group or a list of agency ids.

    ``columns``: only these (one selection of the rows and columns at once: taking every text
    column of every peer was most of a benchmark at 10× national).
    """
    row = agency_year(results, agency_id, year)
    if row is None:
        raise ItaError(f"ไม่มีผลการประเมินของหน่วยงานนี้ในปี {year}",
                       f"No results for this agency in {year}")
    mask = results["year"] == year
    if isinstance(peers, str):
        if peers not in PEER_GROUPS:
            raise ItaError(f"ไม่รู้จักกลุ่มเปรียบเทียบ {peers}", f"Unknown peer group {peers}")
        if "type" in peers:
            mask &= results["agency_type"] == row["agency_type"]
        if "province" in peers:
            mask &= results["province"] == row["province"]
    else:
        ids = {int(a) for a in peers} | {int(agency_id)}
        mask &= results["agency_id"].isin(ids)
    mask = mask.fillna(False).astype(bool)
    return results.loc[mask] if columns is None else results.loc[mask, columns]


def percentile_rank(values: pd.Series, score: float) -> float:
    """Percent of values below the score plus half of those equal (0–100); NaN if unknown."""
    values = values.dropna()
    if values.empty or pd.isna(score):
        return float("nan")
    below = (values < score).sum()
    equal = (values == score).sum()
    return float(100.0 * (below + 0.5 * equal) / len(values))


@dataclass(frozen=True)
class Benchmark:
    """An agency-year against its peers. ``rank`` 1 is the best total."""

    agency_id: int
    year: int
    peers: str
    n: int
    rank: int | None
    percentile: float | None
    table: pd.DataFrame = field(repr=False)

    def as_dict(self) -> dict:
        return {"agency_id": self.agency_id, "year": self.year, "peers": self.peers, "n": self.n,
                "rank": self.rank, "percentile": self.percentile,
                "metrics": self.table.replace({np.nan: None}).to_dict(orient="records")}


def compute_benchmark(results: pd.DataFrame, agency_id: int, year: int,
                      peers="type") -> Benchmark:
    """Percentile rank, rank (1 = best) out of N, and peer median/quartiles per metric.

    ``table`` columns: metric, score, peer_median, peer_q1, peer_q3, percentile, rank.
    N counts the peers with a known total (the agency included).
    """
    metrics = [m for m in METRICS if m in results.columns]
    group = select_peers(results, agency_id, year, peers, columns=metrics)
    row = agency_year(results, agency_id, year)
    rows = []
    for m in metrics:
        values = group[m].astype("float64")
        score = float(row[m]) if pd.notna(row[m]) else float("nan")
        rank = int((values > score).sum() + 1) if not np.isnan(score) else None
        rows.append({"metric": m, "score": score, "peer_median": values.median(),
                     "peer_q1": values.quantile(0.25), "peer_q3": values.quantile(0.75),
                     "percentile": percentile_rank(values, score), "rank": rank,
                     "n": int(values.notna().sum())})
    table = pd.DataFrame(rows)
    total = table.iloc[0]
    label = peers if isinstance(peers, str) else "custom"
    return Benchmark(int(agency_id), int(year), label, int(total["n"]),
                     None if pd.isna(total["score"]) else int(total["rank"]),
                     None if pd.isna(total["percentile"]) else round(float(total["percentile"]), 1),
                     table)
