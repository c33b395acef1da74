"""Which CMS family a page shows: a pure function of one fetched page (home, listing or article).

Each family leaves traces its templates cannot help printing: asset paths, script globals,
form fields, generator meta tags, portlet ids. A trace is a regular expression over the page's
HTML (or its URL) with a weight; a family is named when its traces add up to
:data:`_MIN_SCORE` and beat every other family's, and the traces it matched are returned as the
evidence, so an operator can see why (``newsfeed probe``, the ``platform_mismatch`` check).

The families are the platform keys of :mod:`newsfeed.platforms` (``liferay62``, ``liferay7``,
``sharepoint``, ``vnportal``, ``vnportal2``, ``dotnetnuke``, ``drupal``, ``newspaper_cms``,
``baocantho``) plus families with no adapter of their own (``wordpress``, ``joomla``), read
by the generic platform, and ``unknown``.

Liferay 6.2 and 7.x share ``Liferay.ThemeDisplay``, ``p_p_id`` and ``/documents/<n>/``; 7.x
serves its themes and modules under ``/o/`` and names portlets by OSGi component
(``com_liferay_...``), 6.2 under ``/html/js/`` and ``/<theme>-theme/`` with numeric portlet ids
(``p_p_id_101_``). SharePoint pages of every vendor (Tân Dân, Lạc Việt, Trang) keep
``_layouts/`` and the ASP.NET form; DotNetNuke is ASP.NET as well, so the form alone names no
family.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNKNOWN = "unknown"

_MIN_SCORE = 3
"""Traces weigh 1 (common, also seen elsewhere), 2 (typical) or 3 (only this family)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Trace:
    family: str
    weight: int
    pattern: re.Pattern[str]
    label: str


def _t(family: str, weight: int, pattern: str, label: str) -> _Trace:
    return _Trace(family=family, weight=weight, pattern=re.compile(pattern, re.I), label=label)


_LIFERAY = "liferay"  # scored together, then told apart by version traces
_VNPT = "vnpt"

_TRACES = (
    # Liferay (either version)
    _t(_LIFERAY, 3, r"Liferay\.ThemeDisplay|themeDisplay\.get", "Liferay.ThemeDisplay"),
    _t(_LIFERAY, 2, r"[?&;]p_p_id=|id=\"p_p_id_", "p_p_id portlet"),
    _t(_LIFERAY, 2, r"/documents/\d+/", "/documents/<n>/ (Documents and Media)"),
    _t(_LIFERAY, 2, r"class=\"[^\"]*\bportlet-(?:boundary|asset-publisher|journal)", "portlet-*"),
    _t(_LIFERAY, 1, r"/-/(?:asset_publisher|view_content)/", "/-/asset_publisher/ URLs"),
    _t(_LIFERAY, 1, r"\bLiferay\.(?:Portlet|Loader|Service|on)\b", "Liferay.* scripts"),
    # SharePoint
    _t("sharepoint", 3, r"/_layouts/", "_layouts/"),
    _t("sharepoint", 3, r"_spPageContextInfo|SP\.ClientContext|MSOWebPartPage", "SP globals"),
    _t("sharepoint", 3, r"content=\"Microsoft SharePoint", "generator SharePoint"),
    _t("sharepoint", 2, r"\bExternalClass[0-9A-F]{32}\b", "ExternalClass<GUID>"),
    _t("sharepoint", 2, r"/PublishingImages/|/Lists/[^/\"']+/(?:post|dispform)\.aspx", "/Lists/"),
    _t("sharepoint", 1, r"\bms-rte|\bms-WPBody|\bms-webpart", "ms-* classes"),
    # VNPT vnPortal (either generation): its asset hosts name it
    _t(_VNPT, 2, r"vnportal\.vnpt\.vn|files-vnportal\.|vnpt-?portal", "vnPortal asset host"),
    _t(_VNPT, 1, r"/upload/\d+/|/uploads/[\w-]+/(?:news|product)/", "upload folder"),
    # DotNetNuke
    _t("dotnetnuke", 3, r"/Portals/\d+/", "/Portals/<n>/"),
    _t("dotnetnuke", 3, r"/DesktopModules/", "DesktopModules"),
    _t("dotnetnuke", 2, r"LinkClick\.aspx", "LinkClick.aspx"),
    _t("dotnetnuke", 2, r"\bid=\"dnn_|\bdnn\.(?:controls|setVar)|DNN Platform", "dnn_ ids"),
    # Drupal
    _t("drupal", 3, r"content=\"Drupal", "generator Drupal"),
    _t("drupal", 3, r"drupal-settings-json|Drupal\.settings|data-drupal-", "Drupal settings"),
    _t("drupal", 2, r"/sites/(?:default|all|[\w.-]+)/files/", "/sites/*/files/"),
    _t("drupal", 2, r"/core/misc/drupal|/misc/drupal\.js|/modules/contrib/", "drupal.js"),
    _t("drupal", 1, r"/node/\d+\b|/taxonomy/term/\d+", "/node/<n> URLs"),
    # WordPress
    _t("wordpress", 3, r"/wp-content/|/wp-includes/", "/wp-content/"),
    _t("wordpress", 3, r"content=\"WordPress", "generator WordPress"),
    _t("wordpress", 2, r"/wp-json/|wp-embed|\bwp-block-", "wp-json / wp-block"),
    # Joomla
    _t("joomla", 3, r"content=\"Joomla", "generator Joomla"),
    _t("joomla", 3, r"/media/jui/|/media/system/js/|Joomla\.(?:JText|optionsStorage)", "Joomla"),
    _t("joomla", 2, r"option=com_content|/component/content/|\bcom_content\b", "com_content"),
    _t("joomla", 1, r"[?&]Itemid=\d+", "Itemid="),
    # the cms-* / zce-content-body newspaper CMS, and Báo Cần Thơ's own
    _t("newspaper_cms", 3, r"\bzce-content-body\b", "zce-content-body"),
    _t("newspaper_cms", 2, r"\bcms-(?:body|title|desc|link|author)\b", "cms-* classes"),
    _t("newspaper_cms", 2, r"\barticle__(?:title|sapo|body|meta)\b|\bstory__heading\b", "BEM"),
    _t("newspaper_cms", 1, r"-post\d+\.html\b", "-post<id>.html URLs"),
    _t("baocantho", 3, r"baocantho\.com\.vn", "baocantho host"),
    _t("baocantho", 2, r"id=\"newscontents\"|\bcontent-fck\b", "#newscontents"),
    _t("baocantho", 1, r"-a\d+\.html\b", "-a<id>.html URLs"),
)

_LIFERAY7_TRACES = (
    _t("liferay7", 2, r"[\"'(]/o/[\w.-]+/", "/o/ module paths"),
    _t("liferay7", 3, r"com_liferay_", "com_liferay_ portlet ids"),
    _t("liferay7", 1, r"/-/[\w%-]+[\"'?#]|/w/[\w%-]+[\"'?#]", "/-/<url-title> URLs"),
    _t("liferay7", 1, r"\bclay\b|lexicon-icon", "Clay classes"),
)
_LIFERAY62_TRACES = (
    _t("liferay62", 2, r"/html/js/|/html/themes/|/html/portlet/", "/html/js/ paths"),
    _t("liferay62", 2, r"-theme/(?:css|js|images)/", "/<theme>-theme/ paths"),
    _t("liferay62", 2, r"p_p_id_\d+_|_\d{2,3}_(?:INSTANCE_\w+_)?cur=", "numeric portlet ids"),
    _t("liferay62", 1, r"\bAUI\(\)", "AUI()"),
    _t("liferay62", 1, r"/-/view_content/", "/-/view_content/ URLs"),
)
_VNPORTAL2_TRACES = (
    _t("vnportal2", 3, r"/api/NewsZone/", "/api/NewsZone/"),
    _t("vnportal2", 3, r"\bafcbc-body\b", "afcbc-body"),
    _t("vnportal2", 2, r"-\d{15,16}\.htm\b", "<slug>-<16 digits>.htm URLs"),
    _t("vnportal2", 1, r"class=\"[^\"]*\bnews-(?:item|sapo|time)\b", "news-item cards"),
)
_VNPORTAL_TRACES = (
    _t(
        "vnportal",
        3,
        r"class=\"[^\"]*\bArticle(?:InMenu|List|Header|Content|Summary)\b",
        "Article*",
    ),
    _t("vnportal", 2, r"class=\"[^\"]*\bPostDate\b|UIListNews_Default|/DesktopModule/UI", "UI*"),
)
# (group, its traces, the versions' traces, the version when none speaks)
_GROUPS = (
    (_LIFERAY, (*_LIFERAY7_TRACES, *_LIFERAY62_TRACES), "liferay62"),
    (_VNPT, (*_VNPORTAL2_TRACES, *_VNPORTAL_TRACES), None),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fingerprint:
    """The CMS family a page shows, and why."""

    family: str
    """A platform key, ``wordpress``, ``joomla`` or ``unknown``."""
    evidence: tuple[str, ...] = ()
    """The traces that named the family, strongest first (empty for ``unknown``)."""
    score: int = 0
    """The family's summed trace weights."""
    scores: tuple[tuple[str, int], ...] = ()
    """Every family that left a trace, with its score, best first (for diagnosis)."""

    @property
    def known(self) -> bool:
        return self.family != UNKNOWN

    def to_dict(self) -> dict[str, object]:
        return {"family": self.family, "evidence": list(self.evidence), "score": self.score}


def fingerprint(html: str, url: str = "") -> Fingerprint:
    """The family ``html`` (fetched from ``url``) shows; ``unknown`` when no family's traces
    reach :data:`_MIN_SCORE`, or when two families tie."""
    text = f"{url}\n{html}"
    scores: dict[str, int] = {}
    evidence: dict[str, list[tuple[int, str]]] = {}
    for trace in _TRACES:
        if trace.pattern.search(text):
            scores[trace.family] = scores.get(trace.family, 0) + trace.weight
            evidence.setdefault(trace.family, []).append((trace.weight, trace.label))
    for group, versions, default in _GROUPS:
        _split_group(text, scores, evidence, group=group, versions=versions, default=default)
    if scores.get("vnportal", 0) >= _MIN_SCORE and "dotnetnuke" in scores:
        # vnPortal classic is built on DotNetNuke: its /Portals/0/ and DesktopModules are its own
        scores["vnportal"] += scores.pop("dotnetnuke")
        evidence["vnportal"] += evidence.pop("dotnetnuke")
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    if (
        not ranked
        or ranked[0][1] < _MIN_SCORE
        or (len(ranked) > 1 and ranked[1][1] == ranked[0][1])
    ):
        return Fingerprint(family=UNKNOWN, scores=tuple(ranked))
    family, score = ranked[0]
    traces = sorted(evidence[family], key=lambda wl: -wl[0])
    return Fingerprint(
        family=family,
        evidence=tuple(label for _, label in traces),
        score=score,
        scores=tuple(ranked),
    )


def _split_group(
    text: str,
    scores: dict[str, int],
    evidence: dict[str, list[tuple[int, str]]],
    *,
    group: str,
    versions: tuple[_Trace, ...],
    default: str | None,
) -> None:
    """Move a group's score (Liferay, VNPT) to the version its own traces show most: ``default``
    when none speaks (Liferay 6.2: the older theme paths are ones a 7.x page never prints), or
    leave the group to the versions alone when there is no default."""
    found: dict[str, int] = {}
    labels: dict[str, list[tuple[int, str]]] = {}
    for trace in versions:
        if trace.pattern.search(text):
            found[trace.family] = found.get(trace.family, 0) + trace.weight
            labels.setdefault(trace.family, []).append((trace.weight, trace.label))
    shared = scores.pop(group, 0)
    shared_labels = evidence.pop(group, [])
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    version = ranked[0][0] if ranked else default
    if version is None:
        return
    for family, score in found.items():
        scores[family] = scores.get(family, 0) + score
        evidence.setdefault(family, []).extend(labels[family])
    if shared:
        scores[version] = scores.get(version, 0) + shared
        evidence.setdefault(version, []).extend(shared_labels)


__all__ = ["UNKNOWN", "Fingerprint", "fingerprint"]
