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
    needles: tuple[str, ...]
    """Literals (case-folded), one of which every match of ``pattern`` contains: the pattern
    is searched only when one is in the page. A substring test runs at memory speed; most
    patterns start with a boundary or a class, which the regex engine can only try at every
    position (on a 60 KB page, 55 such searches took 60 ms; with the needles, a few)."""

    def found(self, text: str, folded: str) -> bool:
        """Whether the trace is in ``text`` (``folded``: the same text, case-folded)."""
        return any(n in folded for n in self.needles) and self.pattern.search(text) is not None


def _t(family: str, weight: int, pattern: str, label: str, *needles: str) -> _Trace:
    return _Trace(
        family=family,
        weight=weight,
        pattern=re.compile(pattern, re.I),
        label=label,
        needles=tuple(n.casefold() for n in needles),
    )


_LIFERAY = "liferay"  # scored together, then told apart by version traces
_VNPT = "vnpt"

_TRACES = (
    # Liferay (either version)
    _t(
        _LIFERAY,
        3,
        r"Liferay\.ThemeDisplay|themeDisplay\.get",
        "Liferay.ThemeDisplay",
        "themedisplay",
    ),
    _t(_LIFERAY, 2, r"[?&;]p_p_id=|id=\"p_p_id_", "p_p_id portlet", "p_p_id"),
    _t(_LIFERAY, 2, r"/documents/\d+/", "/documents/<n>/ (Documents and Media)", "/documents/"),
    _t(
        _LIFERAY,
        2,
        r"class=\"[^\"]*\bportlet-(?:boundary|asset-publisher|journal)",
        "portlet-*",
        "portlet-",
    ),
    _t(_LIFERAY, 1, r"/-/(?:asset_publisher|view_content)/", "/-/asset_publisher/ URLs", "/-/"),
    _t(_LIFERAY, 1, r"\bLiferay\.(?:Portlet|Loader|Service|on)\b", "Liferay.* scripts", "liferay."),
    # SharePoint
    _t("sharepoint", 3, r"/_layouts/", "_layouts/", "/_layouts/"),
    _t(
        "sharepoint",
        3,
        r"_spPageContextInfo|SP\.ClientContext|MSOWebPartPage",
        "SP globals",
        "_sppagecontextinfo",
        "sp.clientcontext",
        "msowebpartpage",
    ),
    _t(
        "sharepoint",
        3,
        r"content=\"Microsoft SharePoint",
        "generator SharePoint",
        "microsoft sharepoint",
    ),
    _t("sharepoint", 2, r"\bExternalClass[0-9A-F]{32}\b", "ExternalClass<GUID>", "externalclass"),
    _t(
        "sharepoint",
        2,
        r"/PublishingImages/|/Lists/[^/\"']+/(?:post|dispform)\.aspx",
        "/Lists/",
        "/publishingimages/",
        "/lists/",
    ),
    _t("sharepoint", 1, r"\bms-rte|\bms-WPBody|\bms-webpart", "ms-* classes", "ms-"),
    # VNPT vnPortal (either generation): its asset hosts name it
    _t(_VNPT, 2, r"vnportal\.vnpt\.vn|files-vnportal\.|vnpt-?portal", "vnPortal asset host", "vnp"),
    _t(_VNPT, 1, r"/upload/\d+/|/uploads/[\w-]+/(?:news|product)/", "upload folder", "/upload"),
    # DotNetNuke
    _t("dotnetnuke", 3, r"/Portals/\d+/", "/Portals/<n>/", "/portals/"),
    _t("dotnetnuke", 3, r"/DesktopModules/", "DesktopModules", "/desktopmodules/"),
    _t("dotnetnuke", 2, r"LinkClick\.aspx", "LinkClick.aspx", "linkclick.aspx"),
    _t("dotnetnuke", 2, r"\bid=\"dnn_|\bdnn\.(?:controls|setVar)|DNN Platform", "dnn_ ids", "dnn"),
    # Drupal
    _t("drupal", 3, r"content=\"Drupal", "generator Drupal", 'content="drupal'),
    _t(
        "drupal",
        3,
        r"drupal-settings-json|Drupal\.settings|data-drupal-",
        "Drupal settings",
        "drupal",
    ),
    _t("drupal", 2, r"/sites/(?:default|all|[\w.-]+)/files/", "/sites/*/files/", "/sites/"),
    _t(
        "drupal",
        2,
        r"/core/misc/drupal|/misc/drupal\.js|/modules/contrib/",
        "drupal.js",
        "/misc/drupal",
        "/modules/contrib/",
    ),
    _t(
        "drupal",
        1,
        r"/node/\d+\b|/taxonomy/term/\d+",
        "/node/<n> URLs",
        "/node/",
        "/taxonomy/term/",
    ),
    # WordPress
    _t("wordpress", 3, r"/wp-content/|/wp-includes/", "/wp-content/", "/wp-"),
    _t("wordpress", 3, r"content=\"WordPress", "generator WordPress", 'content="wordpress'),
    _t("wordpress", 2, r"/wp-json/|wp-embed|\bwp-block-", "wp-json / wp-block", "wp-"),
    # Joomla
    _t("joomla", 3, r"content=\"Joomla", "generator Joomla", 'content="joomla'),
    _t(
        "joomla",
        3,
        r"/media/jui/|/media/system/js/|Joomla\.(?:JText|optionsStorage)",
        "Joomla",
        "/media/",
        "joomla.",
    ),
    _t(
        "joomla",
        2,
        r"option=com_content|/component/content/|\bcom_content\b",
        "com_content",
        "com_content",
        "/component/content/",
    ),
    _t("joomla", 1, r"[?&]Itemid=\d+", "Itemid=", "itemid="),
    # the cms-* / zce-content-body newspaper CMS, and Báo Cần Thơ's own
    _t("newspaper_cms", 3, r"\bzce-content-body\b", "zce-content-body", "zce-content-body"),
    _t("newspaper_cms", 2, r"\bcms-(?:body|title|desc|link|author)\b", "cms-* classes", "cms-"),
    _t(
        "newspaper_cms",
        2,
        r"\barticle__(?:title|sapo|body|meta)\b|\bstory__heading\b",
        "BEM",
        "article__",
        "story__heading",
    ),
    _t("newspaper_cms", 1, r"-post\d+\.html\b", "-post<id>.html URLs", "-post"),
    _t("baocantho", 3, r"baocantho\.com\.vn", "baocantho host", "baocantho.com.vn"),
    _t(
        "baocantho",
        2,
        r"id=\"newscontents\"|\bcontent-fck\b",
        "#newscontents",
        'id="newscontents"',
        "content-fck",
    ),
    _t("baocantho", 1, r"-a\d+\.html\b", "-a<id>.html URLs", ".html"),
)

_LIFERAY7_TRACES = (
    _t("liferay7", 2, r"[\"'(]/o/[\w.-]+/", "/o/ module paths", "/o/"),
    _t("liferay7", 3, r"com_liferay_", "com_liferay_ portlet ids", "com_liferay_"),
    _t("liferay7", 1, r"/-/[\w%-]+[\"'?#]|/w/[\w%-]+[\"'?#]", "/-/<url-title> URLs", "/-/", "/w/"),
    _t("liferay7", 1, r"\bclay\b|lexicon-icon", "Clay classes", "clay", "lexicon-icon"),
)
_LIFERAY62_TRACES = (
    _t("liferay62", 2, r"/html/js/|/html/themes/|/html/portlet/", "/html/js/ paths", "/html/"),
    _t("liferay62", 2, r"-theme/(?:css|js|images)/", "/<theme>-theme/ paths", "-theme/"),
    _t(
        "liferay62",
        2,
        r"p_p_id_\d+_|_\d{2,3}_(?:INSTANCE_\w+_)?cur=",
        "numeric portlet ids",
        "p_p_id_",
        "cur=",
    ),
    _t("liferay62", 1, r"\bAUI\(\)", "AUI()", "aui()"),
    _t("liferay62", 1, r"/-/view_content/", "/-/view_content/ URLs", "/-/view_content/"),
)
_VNPORTAL2_TRACES = (
    _t("vnportal2", 3, r"/api/NewsZone/", "/api/NewsZone/", "/api/newszone/"),
    _t("vnportal2", 3, r"\bafcbc-body\b", "afcbc-body", "afcbc-body"),
    _t("vnportal2", 2, r"-\d{15,16}\.htm\b", "<slug>-<16 digits>.htm URLs", ".htm"),
    _t("vnportal2", 1, r"class=\"[^\"]*\bnews-(?:item|sapo|time)\b", "news-item cards", "news-"),
)
_VNPORTAL_TRACES = (
    _t(
        "vnportal",
        3,
        r"class=\"[^\"]*\bArticle(?:InMenu|List|Header|Content|Summary)\b",
        "Article*",
        "article",
    ),
    _t(
        "vnportal",
        2,
        r"class=\"[^\"]*\bPostDate\b|UIListNews_Default|/DesktopModule/UI",
        "UI*",
        "postdate",
        "uilistnews_default",
        "/desktopmodule/ui",
    ),
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
    folded = text.casefold()
    scores: dict[str, int] = {}
    evidence: dict[str, list[tuple[int, str]]] = {}
    for trace in _TRACES:
        if trace.found(text, folded):
            scores[trace.family] = scores.get(trace.family, 0) + trace.weight
            evidence.setdefault(trace.family, []).append((trace.weight, trace.label))
    for group, versions, default in _GROUPS:
        _split_group(
            text, folded, scores, evidence, group=group, versions=versions, default=default
        )
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
    folded: str,
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
        if trace.found(text, folded):
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
