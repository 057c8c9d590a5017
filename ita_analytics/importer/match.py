"""Matching a file's agencies to the store's: exact keys through dicts, near names only suggested."""

from __future__ import annotations

import pandas as pd

from ita_analytics import geo
from ita_analytics.agencies import suggest_agencies
from ita_analytics.domain import AGENCY_TYPE_BY_TH, AGENCY_TYPES, central_type_from_name
from ita_analytics.importer.messages import NOTHING, Text, texts
from ita_analytics.importer.normalise import _texts, column_label
from ita_analytics.importer.plan import NEW_AGENCY_COLUMNS, SUGGESTION_COLUMNS, ImportPlan
from ita_analytics.importer.recognise import SheetLayout
from ita_analytics.thai import clean_text, expand_agency_name, normalize_agency_name, split_agency_name

NEW = "new"
"""A decision: create a new agency instead of using the suggested one."""


def decision_key(name_key: str, province: str | None) -> str:
    """Key of a match decision (the page's choices): name key and province."""
    return f"{name_key}|{province or ''}"


def _col(layouts: dict[str, SheetLayout], sheet: str, role: str) -> str | None:
    cols = layouts[sheet].columns_for(role)
    return column_label(layouts[sheet], cols[0]) if cols else None


def _more(count: int) -> Text:
    """What follows the first of ``count`` rows in a message: " (and 3 more rows)"."""
    return texts("more_rows", count=count - 1) if count > 1 else NOTHING


def check_places(rows: pd.DataFrame, layouts: dict[str, SheetLayout], plan: ImportPlan) -> pd.DataFrame:
    """Canonical province and district names (geothai); unknown ones are errors with suggestions."""
    out = rows.copy()
    out["province_clean"] = None
    out["district_clean"] = None
    if "province" in out.columns:
        raw = _texts(out["province"])
        found: dict[str, str | None] = {}
        for text in raw.dropna().unique():
            check = geo.check_province(text)
            found[text] = check.name
            if check.ok:
                continue
            at = raw == text
            first = out.loc[at].iloc[0]
            hint = ", ".join(check.suggestions) or "-"
            plan.error("unknown_province", value=text, hint=hint, more=_more(int(at.sum())),
                       sheet=first["sheet"], row=int(first["row"]),
                       column=_col(layouts, first["sheet"], "province"))
        province_clean = [found.get(v) if isinstance(v, str) else None for v in raw]
        out["province_clean"] = province_clean
    else:
        province_clean = [None] * len(out)
    if "district" in out.columns:
        raw = _texts(out["district"])
        found_d: dict[tuple[str, str], str | None] = {}
        # From the list, not the column: pandas stores the names in Arrow and iterating them
        # back costs ~10 ms at national scale.
        pairs = list(zip(raw, province_clean))
        for pair in dict.fromkeys(p for p in pairs if isinstance(p[0], str) and isinstance(p[1], str)):
            text, province = pair
            check = _check_district(text, province)
            found_d[pair] = check.name
            if check.ok:
                continue
            at = (raw == text) & (out["province_clean"] == province)
            first = out.loc[at].iloc[0]
            hint = ", ".join(check.suggestions) or "-"
            plan.error("unknown_district", value=text, province=province, hint=hint,
                       more=_more(int(at.sum())), sheet=first["sheet"], row=int(first["row"]),
                       column=_col(layouts, first["sheet"], "district"))
        out["district_clean"] = [found_d.get(p) for p in pairs]
    return out


def _agency_type(name: str, given) -> str | None:
    if given is not None and not (isinstance(given, float) and pd.isna(given)):
        text = clean_text(str(given))
        if text in AGENCY_TYPE_BY_TH:
            return text
        for agency_type in AGENCY_TYPES:
            if text in agency_type.abbreviations or text.rstrip(".") + "." in agency_type.abbreviations:
                return agency_type.name_th
    found, _ = split_agency_name(name)
    return found or central_type_from_name(name)


def match_agencies(rows: pd.DataFrame, keys: pd.DataFrame, layouts: dict[str, SheetLayout],
                   plan: ImportPlan, *, accept_suggestions: bool = False, create_new: bool = False,
                   decisions: dict[str, int | str] | None = None,
                   known_keys: dict[str, str] | None = None) -> pd.Series:
    """The ``agency_ref`` of each row: an existing agency_id, a new agency's negative ref, or
    NA for rows held back (a near match awaiting a decision, or an error).

    Fills ``plan.new_agencies``, ``plan.suggestions`` and ``plan.aliases``.
    ``keys`` is ``store.load_agency_keys``; matching goes through dicts built once from it.
    ``known_keys`` maps stored agency names to their stored name keys (a shortcut).
    """
    decisions = decisions or {}
    # Columns are walked as lists: iterating a pandas text column (Arrow-backed) yields its
    # values one by one in Python, several times slower at national scale.
    key_ids = keys["agency_id"].tolist()
    by_key_province: dict[tuple[str, str | None], tuple[int, ...]] = {}
    by_key: dict[str, tuple[int, ...]] = {}
    for key, agency_id, province in zip(keys["key"].tolist(), key_ids, keys["province"].tolist()):
        _add_id(by_key_province, (key, province), int(agency_id))
        _add_id(by_key, key, int(agency_id))
    by_code = {str(c).strip(): int(a) for c, a in zip(keys["official_code"].tolist(), key_ids)
               if c is not None and not (isinstance(c, float) and pd.isna(c)) and str(c).strip()}
    names_by_id = dict(zip(keys["agency_id"].astype(int).tolist(),
                           zip(keys["name"].tolist(), keys["province"].tolist())))

    # Names written exactly as stored reuse the stored key; only the others are normalised.
    known = known_keys or {}
    name_keys = {n: known.get(n) or normalize_agency_name(n) for n in rows["name"].unique()}
    work = pd.DataFrame({
        # A list, not Series.map(dict): pandas turns the dict into an index first (~10 ms).
        "name": rows["name"],
        "name_key": pd.Series([name_keys.get(n) for n in rows["name"].tolist()],
                              index=rows.index),
        "province": rows["province_clean"], "district": rows["district_clean"],
        "code": rows["code"].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v))
                                 else str(int(v) if isinstance(v, float) and v == int(v) else v)
                                 .strip()) if "code" in rows.columns else None,
        "agency_type": rows["agency_type"] if "agency_type" in rows.columns else None,
        "sheet": rows["sheet"], "row": rows["row"],
    }, index=rows.index)
    # Exact matches through the dicts, for all rows at once; only the rest is looked at closely.
    exact = []
    for name_key, province, code in zip(work["name_key"].tolist(), work["province"].tolist(),
                                        work["code"].tolist() if "code" in rows.columns
                                        else [None] * len(work)):
        if code is not None and code in by_code:
            exact.append(by_code[code])
            continue
        ids = (by_key_province.get((name_key, province)) if isinstance(province, str)
               else by_key.get(name_key))
        exact.append(next(iter(ids)) if ids and len(ids) == 1 else None)
    refs = pd.Series(pd.array(exact, dtype="Int64"), index=rows.index)
    new_rows, suggestion_rows, alias_rows = [], [], []
    new_ref_by_key: dict[tuple[str, str | None], int] = {}
    group_cols = ["name_key", "province", "code"]
    rest = work[refs.isna().to_numpy()]
    for (name_key, province, code), group in rest.groupby(group_cols, sort=False, dropna=False):
        province = None if pd.isna(province) else province
        code = None if code is None or pd.isna(code) else code
        first = group.iloc[0]
        if province is not None:
            ids = by_key_province.get((name_key, province), ())
        else:
            ids = by_key.get(name_key, ())
        if len(ids) == 1:
            refs[group.index] = next(iter(ids))
            continue
        if len(ids) > 1:
            places = ", ".join(f"{names_by_id[i][0]} ({names_by_id[i][1]})" for i in sorted(ids))
            plan.error("ambiguous_agency", name=first["name"], places=places, sheet=first["sheet"],
                       row=int(first["row"]), column=_col(layouts, first["sheet"], "name"))
            continue
        dkey = decision_key(name_key, province)
        decision = decisions.get(dkey)
        near = [] if decision is not None else suggest_agencies(keys, first["name"], province, limit=3)
        near = [m for m in near if m.distance > 0]
        if decision is None and near and not create_new:
            best = near[0]
            if accept_suggestions:
                decision = best.agency_id
            else:
                for _, row in group.iterrows():
                    suggestion_rows.append({
                        "sheet": row["sheet"], "row": int(row["row"]), "name": row["name"],
                        "province": province, "name_key": name_key,
                        "suggested_agency_id": best.agency_id, "suggested_name": best.name,
                        "suggested_province": best.province, "distance": best.distance,
                        "decision": None})
                plan.warn("suggested_match", name=first["name"], suggested=best.name,
                          suggested_province=best.province or "-", sheet=first["sheet"],
                          row=int(first["row"]), column=_col(layouts, first["sheet"], "name"))
                continue
        if decision is not None and decision != NEW:
            refs[group.index] = int(decision)
            alias_rows.append({"alias": first["name"], "agency_ref": int(decision)})
            continue
        ref = new_ref_by_key.get((name_key, province))
        if ref is None:
            agency_type = _agency_type(first["name"], first["agency_type"])
            if agency_type is None:
                plan.error("unknown_agency_type", name=first["name"], sheet=first["sheet"],
                           row=int(first["row"]), column=_col(layouts, first["sheet"], "name"))
                continue
            local = AGENCY_TYPE_BY_TH[agency_type].local
            if province is None and local:
                plan.error("missing_province", name=first["name"], sheet=first["sheet"],
                           row=int(first["row"]))
                continue
            ref = -(len(new_rows) + 1)
            new_ref_by_key[(name_key, province)] = ref
            district = group["district"].dropna()
            new_rows.append({"ref": ref, "name": expand_agency_name(first["name"]),
                             "name_key": name_key, "agency_type": agency_type,
                             "province": province,
                             "district": district.iloc[0] if len(district) else None,
                             "official_code": code})
        refs[group.index] = ref
    plan.new_agencies = pd.DataFrame(new_rows, columns=NEW_AGENCY_COLUMNS)
    plan.suggestions = pd.DataFrame(suggestion_rows, columns=SUGGESTION_COLUMNS)
    plan.aliases = pd.DataFrame(alias_rows, columns=["alias", "agency_ref"]).drop_duplicates()
    return refs


def _add_id(ids_by_key: dict, key, agency_id: int) -> None:
    """Add an agency id to those of a key, once. Tuples, not sets: a tuple of numbers leaves
    the garbage collector's watch, while the national list's 16,000 sets set off a full
    collection (~20 ms) in every import."""
    ids = ids_by_key.get(key, ())
    if agency_id not in ids:
        ids_by_key[key] = (*ids, agency_id)


def _check_district(text: str, province: str) -> geo.NameCheck:
    """geo.check_district, also taking "เมืองX" for the capital district geothai names "X"."""
    check = geo.check_district(text, province)
    if not check.ok and geo.clean_district(text).startswith("เมือง"):
        rest = geo.check_district(geo.clean_district(text)[len("เมือง"):], province)
        if rest.ok:
            return rest
    return check
