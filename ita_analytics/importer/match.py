"""Matching a file's agencies to the store's: exact keys through dicts, near names only suggested."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    matcher = _Matcher(keys, layouts, plan, decisions or {}, accept_suggestions, create_new)
    work = _match_frame(rows, known_keys or {})
    refs = matcher.exact_refs(work)
    # Only the rows without an exact match are looked at closely, a name (and place) at once.
    rest = work[refs.isna().to_numpy()]
    for (name_key, province, code), group in rest.groupby(["name_key", "province", "code"],
                                                          sort=False, dropna=False):
        province = None if pd.isna(province) else province
        code = None if code is None or pd.isna(code) else code
        ref = matcher.match_group(group, name_key, province, code)
        if ref is not None:
            refs[group.index] = ref
    matcher.fill_plan()
    return refs


def _match_frame(rows: pd.DataFrame, known_keys: dict[str, str]) -> pd.DataFrame:
    """What matching reads of each row: name and its key, clean province and district,
    official code, given agency type, and where the row is."""
    # Names written exactly as stored reuse the stored key; only the others are normalised.
    name_keys = {n: known_keys.get(n) or normalize_agency_name(n) for n in rows["name"].unique()}
    return pd.DataFrame({
        # A list, not Series.map(dict): pandas turns the dict into an index first (~10 ms).
        "name": rows["name"],
        "name_key": pd.Series([name_keys.get(n) for n in rows["name"].tolist()],
                              index=rows.index),
        "province": rows["province_clean"], "district": rows["district_clean"],
        "code": rows["code"].map(_official_code) if "code" in rows.columns else None,
        "agency_type": rows["agency_type"] if "agency_type" in rows.columns else None,
        "sheet": rows["sheet"], "row": rows["row"],
    }, index=rows.index)


def _official_code(value) -> str | None:
    """An official code cell as text: a whole number read as a float loses its ".0"."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(int(value) if isinstance(value, float) and value == int(value) else value).strip()


@dataclass
class _StoredKeys:
    """The store's agency keys as dicts, built once per file."""

    by_key_province: dict[tuple[str, str | None], tuple[int, ...]]
    by_key: dict[str, tuple[int, ...]]
    by_code: dict[str, int]
    names_by_id: dict[int, tuple[str, str | None]]

    @classmethod
    def of(cls, keys: pd.DataFrame) -> _StoredKeys:
        # Columns are walked as lists: iterating a pandas text column (Arrow-backed) yields
        # its values one by one in Python, several times slower at national scale.
        key_ids = keys["agency_id"].tolist()
        by_key_province: dict[tuple[str, str | None], tuple[int, ...]] = {}
        by_key: dict[str, tuple[int, ...]] = {}
        for key, agency_id, province in zip(keys["key"].tolist(), key_ids,
                                            keys["province"].tolist()):
            _add_id(by_key_province, (key, province), int(agency_id))
            _add_id(by_key, key, int(agency_id))
        by_code = {str(c).strip(): int(a) for c, a in zip(keys["official_code"].tolist(), key_ids)
                   if c is not None and not (isinstance(c, float) and pd.isna(c))
                   and str(c).strip()}
        names_by_id = dict(zip(keys["agency_id"].astype(int).tolist(),
                               zip(keys["name"].tolist(), keys["province"].tolist())))
        return cls(by_key_province, by_key, by_code, names_by_id)

    def ids(self, name_key: str, province) -> tuple[int, ...]:
        """The stored agencies of a name key: in ``province`` when one is given."""
        if isinstance(province, str):
            return self.by_key_province.get((name_key, province), ())
        return self.by_key.get(name_key, ())


@dataclass
class _Matcher:
    """One file's matching: the store's keys, the choices made, and what the rows add to the
    plan (new agencies, suggestions awaiting a decision, aliases of decided names)."""

    keys: pd.DataFrame
    layouts: dict[str, SheetLayout]
    plan: ImportPlan
    decisions: dict[str, int | str]
    accept_suggestions: bool
    create_new: bool
    stored: _StoredKeys = field(init=False)
    new_rows: list[dict] = field(default_factory=list)
    suggestion_rows: list[dict] = field(default_factory=list)
    alias_rows: list[dict] = field(default_factory=list)
    new_ref_by_key: dict[tuple[str, str | None], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stored = _StoredKeys.of(self.keys)

    def exact_refs(self, work: pd.DataFrame) -> pd.Series:
        """The agency_id of each row matched exactly (by official code, else by its name key
        in its province, or anywhere when it gives none, when that names one agency), NA for
        the rest: all rows at once through the dicts."""
        exact = []
        for name_key, province, code in zip(work["name_key"].tolist(), work["province"].tolist(),
                                            work["code"].tolist()):
            if code is not None and code in self.stored.by_code:
                exact.append(self.stored.by_code[code])
                continue
            ids = self.stored.ids(name_key, province)
            exact.append(next(iter(ids)) if len(ids) == 1 else None)
        return pd.Series(pd.array(exact, dtype="Int64"), index=work.index)

    def match_group(self, group: pd.DataFrame, name_key: str, province: str | None,
                    code: str | None) -> int | None:
        """The ref of the rows of one name (and province, code) not matched exactly: the one
        stored agency of that key, the agency decided or suggested, or a new agency; None when
        they are held back (several agencies of the name, a suggestion awaiting a decision,
        an agency that cannot be made), with the plan's error or warning saying why."""
        first = group.iloc[0]
        ids = self.stored.ids(name_key, province)
        if len(ids) == 1:
            return next(iter(ids))
        if len(ids) > 1:
            places = ", ".join(f"{self.stored.names_by_id[i][0]} ({self.stored.names_by_id[i][1]})"
                               for i in sorted(ids))
            self.plan.error("ambiguous_agency", name=first["name"], places=places,
                            sheet=first["sheet"], row=int(first["row"]),
                            column=_col(self.layouts, first["sheet"], "name"))
            return None
        decision = self.decisions.get(decision_key(name_key, province))
        if decision is None and not self.create_new:
            decision = self._near_match(group, name_key, province)
            if decision is _HELD:
                return None
        if decision is not None and decision != NEW:
            self.alias_rows.append({"alias": first["name"], "agency_ref": int(decision)})
            return int(decision)
        return self._new_agency_ref(group, name_key, province, code)

    def _near_match(self, group: pd.DataFrame, name_key: str, province: str | None):
        """For a name with no decision: the nearest stored agency's id when suggestions are
        accepted; :data:`_HELD` when one is only suggested (rows and a warning for the page);
        None when no stored name is near."""
        first = group.iloc[0]
        near = [m for m in suggest_agencies(self.keys, first["name"], province, limit=3)
                if m.distance > 0]
        if not near:
            return None
        best = near[0]
        if self.accept_suggestions:
            return best.agency_id
        for _, row in group.iterrows():
            self.suggestion_rows.append({
                "sheet": row["sheet"], "row": int(row["row"]), "name": row["name"],
                "province": province, "name_key": name_key,
                "suggested_agency_id": best.agency_id, "suggested_name": best.name,
                "suggested_province": best.province, "distance": best.distance,
                "decision": None})
        self.plan.warn("suggested_match", name=first["name"], suggested=best.name,
                       suggested_province=best.province or "-", sheet=first["sheet"],
                       row=int(first["row"]), column=_col(self.layouts, first["sheet"], "name"))
        return _HELD

    def _new_agency_ref(self, group: pd.DataFrame, name_key: str, province: str | None,
                        code: str | None) -> int | None:
        """The negative ref of the new agency of this name and province, made on first use;
        None (with an error) when its type is unknown, or a local agency has no province."""
        ref = self.new_ref_by_key.get((name_key, province))
        if ref is not None:
            return ref
        first = group.iloc[0]
        agency_type = _agency_type(first["name"], first["agency_type"])
        if agency_type is None:
            self.plan.error("unknown_agency_type", name=first["name"], sheet=first["sheet"],
                            row=int(first["row"]), column=_col(self.layouts, first["sheet"], "name"))
            return None
        if province is None and AGENCY_TYPE_BY_TH[agency_type].local:
            self.plan.error("missing_province", name=first["name"], sheet=first["sheet"],
                            row=int(first["row"]))
            return None
        ref = -(len(self.new_rows) + 1)
        self.new_ref_by_key[(name_key, province)] = ref
        district = group["district"].dropna()
        self.new_rows.append({"ref": ref, "name": expand_agency_name(first["name"]),
                              "name_key": name_key, "agency_type": agency_type,
                              "province": province,
                              "district": district.iloc[0] if len(district) else None,
                              "official_code": code})
        return ref

    def fill_plan(self) -> None:
        self.plan.new_agencies = pd.DataFrame(self.new_rows, columns=NEW_AGENCY_COLUMNS)
        self.plan.suggestions = pd.DataFrame(self.suggestion_rows, columns=SUGGESTION_COLUMNS)
        self.plan.aliases = pd.DataFrame(self.alias_rows,
                                         columns=["alias", "agency_ref"]).drop_duplicates()


_HELD = object()
"""A near match only suggested: its rows wait for a decision."""


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
